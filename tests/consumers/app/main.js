// The page every bundler builds: runs the scenario (with top-level await, as the READMEs' examples
// are written) and leaves its result for the test to read.
import { run } from './scenario.js';

try {
  window.tripletrecResult = await run();
} catch (error) {
  window.tripletrecResult = { error: String((error && error.stack) || error) };
}

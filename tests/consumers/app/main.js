// The page every bundler builds: runs the scenario and leaves its result for the test to read.
import { run } from './scenario.js';

run().then((result) => { window.tripletrecResult = result; },
           (error) => { window.tripletrecResult = { error: String((error && error.stack) || error) }; });

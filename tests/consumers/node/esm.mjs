// Node, an ES module: the same scenario as the bundled pages, printed as JSON.
import { run } from './scenario.js';

console.log(JSON.stringify(await run()));

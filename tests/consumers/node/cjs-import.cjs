// Node, CommonJS: the package is ESM-only, so CommonJS loads it with a dynamic import() (any Node
// >= 20.16).
const { trainBoth } = require('./cjs-scenario.cjs');

import('tripletrec').then(trainBoth).catch((error) => { console.error(error); process.exitCode = 1; });

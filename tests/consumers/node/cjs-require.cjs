// Node, CommonJS with require(): Node >= 20.19 / 22.12 loads an ES module without top-level await
// through require() (process.features.require_module).
const { trainBoth } = require('./cjs-scenario.cjs');

trainBoth(require('tripletrec')).catch((error) => { console.error(error); process.exitCode = 1; });

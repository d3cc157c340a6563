// Node cannot fetch() a file URL: read the .wasm next to this module (same base name) from disk.
// (No import.meta or ?. here: 3.1.6's JS optimizer rejects them; _scriptDir is the module URL.)
if (typeof process === 'object' && process !== null && process.versions && process.versions.node &&
    !Module['wasmBinary'] && typeof _scriptDir === 'string' && _scriptDir.indexOf('file:') === 0) {
  Module['wasmBinary'] = require('fs').readFileSync(new URL(_scriptDir.replace(/\.m?js$/, '.wasm')));
}

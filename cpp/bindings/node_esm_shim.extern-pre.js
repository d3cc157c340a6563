// Emscripten 3.1.6's Node code path uses CommonJS `require` and `__dirname`, which an ES module
// does not have. Define both from import.meta.url, only under Node (browsers and workers skip).
var require, __dirname;
if (typeof process === 'object' && process !== null && typeof process.getBuiltinModule === 'function') {
  require = process.getBuiltinModule('module').createRequire(import.meta.url);
  __dirname = require('path').dirname(require('url').fileURLToPath(import.meta.url));
}

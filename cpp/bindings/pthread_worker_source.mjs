// After linking the threaded module (cpp/bindings/wasm.cmake): makes Emscripten 3.1.6's pthread
// worker safe under bundlers. The glue creates the worker as
// `new Worker(new URL('tripletrec-mt.worker.js', import.meta.url))` when no locateFile is given,
// and the worker falls back to `import('./tripletrec-mt.mjs')`: a bundler that follows both loops
// (vite build never ends). The package always passes locateFile and mainScriptUrlOrBlob
// (web/src/module.ts), so both fallbacks go, and the worker's source is written as a string module
// (tripletrec-mt.worker-source.mjs) that the package starts from a blob: URL in browsers.
// Usage: node pthread_worker_source.mjs <glue.mjs> <name.worker.js>
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const [gluePath, workerPath] = process.argv.slice(2);
const glueName = basename(gluePath);
const workerName = basename(workerPath);

/** Replaces every match of `pattern` in `text`; fails the build if there is none. */
function replaceAll(text, pattern, replacement, what) {
  const patched = text.replace(pattern, replacement);
  if (patched === text) {
    console.error(`pthread_worker_source: ${what} not found (a new Emscripten? check ${pattern})`);
    process.exit(1);
  }
  return patched;
}

const escape = (name) => name.replace(/[.]/g, '\\.');
let glue = readFileSync(gluePath, 'utf8');
glue = replaceAll(glue, new RegExp(`new Worker\\(new URL\\((["'])${escape(workerName)}\\1,\\s*import\\.meta\\.url\\)\\)`, 'g'),
  `new Worker(${JSON.stringify(workerName)})`, "the glue's new Worker(new URL(...))");
// Under Node the glue sets the global `Worker` to worker_threads' class, which changes what every
// other module of the process sees (the package's WorkerRecommender would take Node for a browser):
// its pool's workers are made from that class directly instead.
glue = replaceAll(glue, /global\.Worker\s*=\s*nodeWorkerThreads\.Worker/g, 'Module["nodeWorker"]=nodeWorkerThreads.Worker',
  "the glue's global.Worker = ...");
glue = replaceAll(glue, /new Worker\(/g, 'new (Module["nodeWorker"] || Worker)(', "the glue's new Worker(");
writeFileSync(gluePath, glue);

let worker = readFileSync(workerPath, 'utf8');
worker = replaceAll(worker, new RegExp(`import\\((["'])\\./${escape(glueName)}\\1\\)`, 'g'),
  'Promise.reject(new Error("tripletrec: the pthread worker needs mainScriptUrlOrBlob"))',
  "the worker's import('./" + glueName + "') fallback");
writeFileSync(workerPath, worker);
writeFileSync(join(dirname(workerPath), workerName.replace(/\.js$/, '-source.mjs')),
  `// ${workerName} as a string (written by cpp/bindings/pthread_worker_source.mjs).\n` +
  `export default ${JSON.stringify(worker)};\n`);

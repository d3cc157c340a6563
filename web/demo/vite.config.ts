// The demo page. `npm start` serves it (dev server on 127.0.0.1:5173, URL printed by Vite);
// `vite build` writes a static site (relative paths) to web/demo/dist that any static host can serve.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  // The package's worker imports the Emscripten ES module, which uses top-level await.
  worker: { format: 'es' },
  // Pre-bundling would move the package and break `new URL('x.wasm', import.meta.url)`.
  optimizeDeps: { exclude: ['tripletrec'] },
  // Cross-origin isolation (SharedArrayBuffer): the package then runs its threaded engine and
  // trains on every core. A static host without these headers gets the single-threaded engine.
  server: { host: '127.0.0.1', port: 5173, strictPort: false, headers: crossOriginIsolation },
  preview: { host: '127.0.0.1', port: 4173, strictPort: false, headers: crossOriginIsolation },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});

// esbuild, as in the "Use it in your app" section of the READMEs (the consumer test checks that
// they show this file's code). esbuild does not follow new URL(..., import.meta.url): the
// package's worker is built as a second entry named worker.js next to main.js, and tripletrec.wasm
// copied beside them, where the package looks for both.
import { copyFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: { main: 'src/main.js', worker: 'tripletrec/worker.js' },
  bundle: true, format: 'esm', minify: true, outdir: 'dist',
});
await copyFile('node_modules/tripletrec/dist/tripletrec.wasm', 'dist/tripletrec.wasm');

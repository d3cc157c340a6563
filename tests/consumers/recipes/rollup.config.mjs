// Rollup, as in the "Use it in your app" section of the READMEs (the consumer test checks that
// they show this file's code). Rollup does not follow new URL(..., import.meta.url): the package's
// worker is built as a second entry named worker.js next to main.js, and tripletrec.wasm emitted
// beside them, where the package looks for both.
import { readFileSync } from 'node:fs';
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: { main: 'src/main.js', worker: 'tripletrec/worker.js' },
  output: { dir: 'dist', format: 'es', entryFileNames: '[name].js' },
  plugins: [
    nodeResolve({ browser: true }),
    {
      name: 'tripletrec-wasm',
      generateBundle() {
        this.emitFile({ type: 'asset', fileName: 'tripletrec.wasm',
                        source: readFileSync('node_modules/tripletrec/dist/tripletrec.wasm') });
      },
    },
  ],
};

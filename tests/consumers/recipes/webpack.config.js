// webpack 5, as in the "Use it in your app" section of the READMEs (the consumer test checks that
// they show this file's code). webpack follows new URL('./tripletrec.wasm', import.meta.url) and
// new Worker(new URL(...)) by itself; the one line keeps its size hints off the 414 KiB .wasm.
export default {
  mode: 'production',
  entry: './src/main.js',
  performance: { assetFilter: (file) => !file.endsWith('.wasm') },
};

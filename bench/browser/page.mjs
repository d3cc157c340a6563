// The benchmark page (served by bench/browser.mjs): the same suites as under Node, on data
// fetched from the local server. bench/browser.mjs calls window.tripletrecBench.* through
// page.evaluate and reads the returned results.
import { Recommender } from '/pkg/index.js';
import { benchPositives } from '/bench/lib/positives.mjs';
import { runTfjsSuite } from '/bench/lib/tfjs-suite.mjs';
import { runInterleaved } from '/bench/lib/interleaved.mjs';
import { runFoldInSuite, runMapSuite, runWasmSuite } from '/bench/lib/wasm-suite.mjs';
import { fetchAnimeData } from '/bench/browser/anime-data.mjs';


/** A classic (non-module) script, e.g. a UMD build that sets window.tf. */
function loadClassicScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

window.tripletrecBench = {
  async wasm(options) {
    // The page's main-thread CPU time, read by bench/browser.mjs over the DevTools protocol.
    const cpuSeconds = window.benchThreadCpuSeconds;
    return runWasmSuite({ Recommender, ...(await fetchAnimeData()), ...options, cpuSeconds,
                          log: (result) => console.log(JSON.stringify(result)) });
  },
  // The threaded build: bench/browser.mjs opens this page cross-origin isolated, where the
  // package picks it by itself; run in a worker, where the app's engine runs (WorkerRecommender).
  async threads(options) {
    if (!self.crossOriginIsolated) throw new Error('the threads suite needs a cross-origin-isolated page');
    const worker = new Worker('/bench/browser/threads-worker.mjs', { type: 'module' });
    try {
      const reply = await new Promise((resolve, reject) => {
        worker.onmessage = ({ data }) => resolve(data);
        worker.onerror = (event) => reject(new Error(`threads worker: ${event.message}`));
        worker.postMessage(options);
      });
      if (reply.error) throw new Error(reply.error);
      return reply.results;
    } finally {
      worker.terminate();
    }
  },
  async interleaved({ turns }) {
    const { Recommender: OldRecommender } = await import('/pkg-old/index.js');
    return runInterleaved({ Recommenders: { old: OldRecommender, new: Recommender }, data: await fetchAnimeData(), turns,
                            cpuSeconds: window.benchThreadCpuSeconds,
                            log: (result) => console.log(JSON.stringify(result)) });
  },
  async map() {
    // umap-js bundled as an ES module by bench/browser.mjs: its CommonJS exports are the default export.
    const { UMAP } = (await import('/umap/umap.js')).default;
    return [await runMapSuite({ Recommender, UMAP, log: (result) => console.log(JSON.stringify(result)) })];
  },
  async foldIn() {
    return runFoldInSuite({ Recommender, log: (result) => console.log(JSON.stringify(result)) });
  },
  async tfjs(options) {
    const tf = await import('/tfjs/tf.fesm.min.js');
    await tf.setBackend('cpu');
    const positives = await benchPositives(Recommender, await fetchAnimeData());
    return runTfjsSuite({ tf, positives, ...options, cpuSeconds: window.benchThreadCpuSeconds,
                          log: (result) => console.log(JSON.stringify(result)) });
  },
  // TF.js's wasm backend (UMD builds: the backend attaches itself to window.tf) with the
  // UnsortedSegmentSum kernel registered. Threaded (XNNPACK's pool) when the page is cross-origin
  // isolated (bench/browser.mjs serves such a page from a second origin), one thread otherwise.
  async tfjsWasm(options) {
    await loadClassicScript('/tfjs/tf.min.js');
    await loadClassicScript('/tfjs-wasm/tf-backend-wasm.min.js');
    const tf = window.tf;
    tf.wasm.setWasmPaths('/tfjs-wasm/');
    const { useWasmBackend } = await import('/bench/lib/tfjs-wasm-backend.mjs');
    const { check, threads, build } = await useWasmBackend(tf,
      self.crossOriginIsolated ? { threads: navigator.hardwareConcurrency } : {});
    const positives = await benchPositives(Recommender, await fetchAnimeData());
    // The main thread's CPU time; not with the threaded build, whose pool threads it would miss.
    const result = await runTfjsSuite({ tf, positives, ...options,
                                        cpuSeconds: self.crossOriginIsolated ? undefined : window.benchThreadCpuSeconds });
    return [check, { ...result, threads, wasm_build: build, hardware_concurrency: navigator.hardwareConcurrency,
                     kernels_added: ['UnsortedSegmentSum'], cross_origin_isolated: self.crossOriginIsolated }];
  },
};
window.tripletrecBenchReady = true;

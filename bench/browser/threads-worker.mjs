// The threads suite in a dedicated worker of the benchmark page (bench/browser/page.mjs): the
// package's engine runs here as in WorkerRecommender, on a thread that may block while the pool's
// threads train (a page's main thread may not: it would spin).
import { Recommender } from '/pkg/index.js';
import { runThreadsSuite } from '/bench/lib/wasm-suite.mjs';
import { fetchAnimeData } from '/bench/browser/anime-data.mjs';

self.onmessage = async ({ data: options }) => {
  try {
    const results = await runThreadsSuite({ Recommender, createOptions: {}, ...(await fetchAnimeData()), ...options,
                                            log: (result) => console.log(JSON.stringify(result)) });
    self.postMessage({ results });
  } catch (error) {
    self.postMessage({ error: String((error && error.stack) || error) });
  }
};

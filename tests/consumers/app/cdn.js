// A CDN-style layout: the page at /, the app's bundle in /app/, tripletrec.wasm at /cdn/... and
// nowhere else. The page runs the scenario with `wasmUrl` (relative to the page, as written in a
// page; the worker script lives in /app/, so the worker must not resolve it against itself), then
// with `wasmBinary` (bytes the app fetched itself); a wrong wasmUrl must be an error that says so.
import { Recommender, WorkerRecommender } from 'tripletrec';
import { run } from './scenario.js';

const wasmUrl = 'cdn/tripletrec/0.1.0/tripletrec.wasm';
const missingUrl = 'cdn/tripletrec/0.0.0/tripletrec.wasm';
const messageOf = (promise) => promise.then(() => 'loaded', (error) => error.message);

try {
  const withUrl = await run({ wasmUrl });
  const wasmBinary = await (await fetch(wasmUrl)).arrayBuffer();
  const withBinary = await run({ wasmBinary });
  const missing = { page: await messageOf(Recommender.create({ wasmUrl: missingUrl })),
                    worker: await messageOf(WorkerRecommender.create({ wasmUrl: missingUrl })) };
  window.tripletrecResult = { withUrl, withBinary, missing };
} catch (error) {
  window.tripletrecResult = { error: String((error && error.stack) || error) };
}

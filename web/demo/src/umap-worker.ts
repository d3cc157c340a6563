// UMAP for the embedding map, off the page's thread: umap-js (the notebook imports `umap`) in
// its own module worker, seeded so one seed gives one map. It reports progress every few epochs;
// the page cancels by terminating the worker.
import { UMAP } from 'umap-js';
import type { UmapReply, UmapRequest } from './umap-client';

const PROGRESS_EVERY_MS = 50;

/** A small seeded generator (mulberry32): umap-js draws its trees and negative samples from it. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const post = (reply: UmapReply, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(reply, transfer);

self.onmessage = (event: MessageEvent<UmapRequest>) => {
  const { values, dim, seed, epochs: layoutEpochs, neighbours } = event.data;
  try {
    const count = values.length / dim;
    const rows: number[][] = [];
    for (let i = 0; i < count; i++) rows.push(Array.from(values.subarray(i * dim, (i + 1) * dim)));
    // UMAP's neighbour lists start with the point itself (distance 0).
    const k = neighbours.k;
    const indices: number[][] = [], distances: number[][] = [];
    for (let i = 0; i < count; i++) {
      indices.push([i, ...neighbours.indices.subarray(i * k, (i + 1) * k)]);
      distances.push([0, ...neighbours.distances.subarray(i * k, (i + 1) * k)]);
    }
    const umap = new UMAP({ nComponents: 2, nNeighbors: k + 1, minDist: 0.1, nEpochs: layoutEpochs, random: seededRandom(seed) });
    umap.setPrecomputedKNN(indices, distances);
    post({ type: 'progress', stage: 'graph', done: 0, total: 1 });
    const epochs = umap.initializeFit(rows);
    let reported = performance.now();
    for (let epoch = 0; epoch < epochs; epoch++) {
      umap.step();
      const now = performance.now();
      if (now - reported >= PROGRESS_EVERY_MS) {
        reported = now;
        post({ type: 'progress', stage: 'layout', done: epoch + 1, total: epochs });
      }
    }
    const embedding = umap.getEmbedding();
    const xy = new Float32Array(count * 2);
    embedding.forEach(([x, y], i) => { xy[2 * i] = x; xy[2 * i + 1] = y; });
    post({ type: 'done', xy }, [xy.buffer]);
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
};

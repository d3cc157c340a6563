// The page's side of UMAP: the messages to and from its worker (umap-worker.ts) and a promise API.
import type { NeighbourLists } from 'tripletrec';

/** UMAP's settings on the page: umap-learn's defaults, and its 200 layout epochs (umap-js takes 500
 * below 10,000 points, two and a half times as long for a map that hardly changes). */
export const UMAP_NEIGHBOURS = 15;
const UMAP_EPOCHS = 200;

export interface UmapRequest {
  /** count × dim, row-major (the model's unit item vectors). */
  values: Float32Array;
  dim: number;
  seed: number;
  epochs: number;
  /** Each row's UMAP_NEIGHBOURS - 1 nearest other rows from the engine (umap-js's own search in JS
   * is the slow part); the worker adds the row itself, as UMAP counts it. */
  neighbours: NeighbourLists;
}

export type UmapReply =
  | { type: 'progress'; stage: 'graph' | 'layout'; done: number; total: number }
  | { type: 'done'; xy: Float32Array }
  | { type: 'error'; message: string };

export interface UmapProgress { stage: 'graph' | 'layout'; done: number; total: number }

/** Runs UMAP in a fresh worker; aborting the signal terminates it and rejects with an AbortError. */
export function runUmap(values: Float32Array, dim: number, neighbours: NeighbourLists,
                        options: { seed: number; signal?: AbortSignal; onProgress?: (p: UmapProgress) => void }): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new DOMException('UMAP cancelled', 'AbortError'));
      return;
    }
    const worker = new Worker(new URL('./umap-worker.ts', import.meta.url), { type: 'module' });
    const stop = () => {
      worker.terminate();
      reject(new DOMException('UMAP cancelled', 'AbortError'));
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    const finish = () => {
      options.signal?.removeEventListener('abort', stop);
      worker.terminate();
    };
    worker.onmessage = (event: MessageEvent<UmapReply>) => {
      const reply = event.data;
      if (reply.type === 'progress') options.onProgress?.(reply);
      else if (reply.type === 'done') { finish(); resolve(reply.xy); }
      else { finish(); reject(new Error(`UMAP failed: ${reply.message}`)); }
    };
    worker.onerror = (event) => { finish(); reject(new Error(`UMAP failed: ${event.message}`)); };
    const request: UmapRequest = { values: values.slice(), dim, seed: options.seed, epochs: UMAP_EPOCHS, neighbours };
    worker.postMessage(request, [request.values.buffer]);
  });
}

// The page's side of UMAP: the messages to and from its worker (umap-worker.ts) and a promise API.
export interface UmapRequest {
  /** count × dim, row-major (the model's unit item vectors). */
  values: Float32Array;
  dim: number;
  seed: number;
  /** UMAP's neighbourhood size (n_neighbors). */
  neighbours: number;
}

export type UmapReply =
  | { type: 'progress'; stage: 'neighbours' | 'layout'; done: number; total: number }
  | { type: 'done'; xy: Float32Array }
  | { type: 'error'; message: string };

export interface UmapProgress { stage: 'neighbours' | 'layout'; done: number; total: number }

/** Runs UMAP in a fresh worker; aborting the signal terminates it and rejects with an AbortError. */
export function runUmap(values: Float32Array, dim: number,
                        options: { seed: number; neighbours?: number; signal?: AbortSignal; onProgress?: (p: UmapProgress) => void }): Promise<Float32Array> {
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
    const request: UmapRequest = { values: values.slice(), dim, seed: options.seed, neighbours: options.neighbours ?? 15 };
    worker.postMessage(request, [request.values.buffer]);
  });
}

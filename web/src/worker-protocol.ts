// Messages between WorkerRecommender (caller side) and worker.ts (engine side).
import type { CreateOptions, LoadProgress, TrainProgress } from './types.js';

/** Int32 slots of the SharedArrayBuffer that lets the caller cancel between two batches. */
export const CONTROL_CANCEL = 0;          // set to 1 by the caller to cancel
export const CONTROL_BATCHES_DONE = 1;    // written by the worker after every batch
export const CONTROL_BATCHES_AT_CANCEL = 2;  // written by the caller when it cancels
export const CONTROL_SLOTS = 3;

export type ToWorker =
  | { type: 'init'; options: Omit<CreateOptions, 'wasmUrl'> & { wasmUrl?: string } }
  | { type: 'call'; id: number; method: string; args: unknown[]; control?: SharedArrayBuffer }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string; name: string }
  | { type: 'progress'; id: number; progress: TrainProgress }
  | { type: 'load-progress'; id: number; progress: LoadProgress };

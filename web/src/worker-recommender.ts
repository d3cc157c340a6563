// The worker-backed client: the same API as Recommender, every method async, the engine in a
// Web Worker (browsers) or a worker_threads worker (Node), so training never blocks the caller.
import { deadEngineError, EngineCrashedError } from './errors.js';
import { asBytes, isBlob } from './file-data.js';
import { nodeBuiltin } from './node-builtin.js';
import {
  CONTROL_CANCEL, CONTROL_SLOTS,
  type CallMessage, type FromWorker, type ToWorker, type WorkerArgs, type WorkerMethod, type WorkerResult,
} from './worker-protocol.js';
import type {
  CreateOptions, EngineDefaults, Evaluation, FileSource, FoldInOptions, HeapStats, ItemVectors, ItemView, LikesCurvePoint,
  FromModelOptions, MapQuality, Metrics, NeighbourLists, LoadOptions, Recommendation, RecommendForOptions, ScoreForOptions, ServingDtype, ServingOptions,
  LoadTiming,
  ModelOptions, ModelSummary, PreparedStats, PrepareOptions, PreprocessOptions,
  PreprocessReport, RatingStats, RecommenderApi, SampleOptions, TrainOptions, TrainProgress,
  TrainResultDetails, LoadProgress,
} from './types.js';

/** RecommenderApi with every method returning a Promise. */
export type AsyncRecommenderApi = {
  [K in keyof RecommenderApi]: RecommenderApi[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

// The one thing both worker kinds have in common.
interface WorkerPort {
  post(message: ToWorker | CallMessage, transfer?: Transferable[]): void;
  terminate(): void;
  /** Node only: whether the worker keeps the process alive (only while calls are pending). */
  keepAlive(alive: boolean): void;
}

// A call waiting for its reply. Replies are matched to calls by id: `resolve` takes the result
// type of the call's method (WorkerResult<M>), which the worker's handler for M was checked against.
interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: TrainProgress) => void;
  onLoadProgress?: (progress: LoadProgress) => void;
}

export class WorkerRecommender implements AsyncRecommenderApi {
  #port: WorkerPort | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Set once the engine crashed: what every later call rejects with. */
  #crash: EngineCrashedError | undefined;

  /** Starts the worker, loads the wasm module in it and resolves once the engine is ready. */
  static async create(options: CreateOptions = {}): Promise<WorkerRecommender> {
    const client = new WorkerRecommender();
    let ready!: () => void;
    let failed!: (error: Error) => void;
    const started = new Promise<void>((resolve, reject) => { ready = resolve; failed = reject; });
    client.#port = await startWorker((message) => {
      if (message.type === 'ready') ready();
      else if (message.type === 'init-error') failed(new Error(message.message));
      else client.#receive(message);
    }, (error) => {
      failed(error);
      client.#failAll(error);
    });
    const { wasmUrl, wasmBinary, engine, memoryBudget } = options;
    client.#port.post({ type: 'init', options: {
      ...(wasmUrl !== undefined ? { wasmUrl: resolveAgainstPage(wasmUrl) } : {}),
      ...(wasmBinary !== undefined ? { wasmBinary } : {}),
      ...(engine !== undefined ? { engine } : {}),
      ...(memoryBudget !== undefined ? { memoryBudget } : {}),
    } });
    client.#port.keepAlive(true);
    try {
      await started;
    } catch (error) {
      client.terminate();
      throw error;
    } finally {
      client.#port?.keepAlive(false);
    }
    return client;
  }

  /**
   * A WorkerRecommender from a serving bundle alone (bytes, or a Blob/File the worker reads; no
   * CSV needed). A bad bundle rejects and stops the worker it started.
   */
  static async fromModel(data: FileSource, options: FromModelOptions & LoadOptions = {}): Promise<WorkerRecommender> {
    const { fileName, onProgress, transfer, ...create } = options;
    const client = await WorkerRecommender.create(create);
    try {
      await client.#load('loadServing', data, fileName, { onProgress, transfer });
    } catch (error) {
      client.terminate();
      throw error;
    }
    return client;
  }

  private constructor() {}

  // ---- loading (file bytes move to the worker without a copy unless transfer: false; a Blob or
  // File is posted as it is and read by the worker) ----
  loadRatings(data: FileSource, fileName?: string, options?: LoadOptions): Promise<LoadTiming> {
    return this.#load('loadRatings', data, fileName, options);
  }
  loadTestRatings(data: FileSource, fileName?: string, options?: LoadOptions): Promise<LoadTiming> {
    return this.#load('loadTestRatings', data, fileName, options);
  }
  loadItems(data: FileSource, fileName?: string, options?: LoadOptions): Promise<LoadTiming> {
    return this.#load('loadItems', data, fileName, options);
  }
  loadUsers(data: FileSource, fileName?: string, options?: LoadOptions): Promise<LoadTiming> {
    return this.#load('loadUsers', data, fileName, options);
  }
  clearItems(): Promise<void> { return this.#call('clearItems', []); }
  clearUsers(): Promise<void> { return this.#call('clearUsers', []); }
  clearTestRatings(): Promise<void> { return this.#call('clearTestRatings', []); }
  loadSample(options?: SampleOptions): Promise<LoadTiming> {
    return this.#call('loadSample', [options]);
  }
  samplePreprocessOptions(): Promise<PreprocessOptions> { return this.#call('samplePreprocessOptions', []); }
  /** The engine's defaults of every option, per model where the models differ. */
  defaults(): Promise<EngineDefaults> { return this.#call('defaults', []); }
  loadedStats(): Promise<RatingStats> { return this.#call('loadedStats', []); }
  preparedRatingStats(): Promise<RatingStats> { return this.#call('preparedRatingStats', []); }

  // ---- preparing ----
  preview(options?: PreprocessOptions): Promise<PreprocessReport> { return this.#call('preview', [options]); }
  prepare(options?: PrepareOptions): Promise<PreparedStats> { return this.#call('prepare', [options]); }
  preparedStats(): Promise<PreparedStats> { return this.#call('preparedStats', []); }

  // ---- model ----
  createModel(options?: ModelOptions): Promise<ModelSummary> { return this.#call('createModel', [options]); }
  summary(): Promise<ModelSummary> { return this.#call('summary', []); }
  paramCount(): Promise<number> { return this.#call('paramCount', []); }
  saveModel(): Promise<Uint8Array> { return this.#call('saveModel', []); }
  exportServing(options?: ServingOptions): Promise<Uint8Array> { return this.#call('exportServing', [options]); }
  servingDtypes(): Promise<ServingDtype[]> { return this.#call('servingDtypes', []); }
  loadModel(data: FileSource, fileName?: string, options?: LoadOptions): Promise<ModelSummary> {
    return this.#load('loadModel', data, fileName, options);
  }

  /**
   * Trains in the worker. onProgress receives the worker's progress events; aborting the signal
   * stops the engine before its next batch (with SharedArrayBuffer, i.e. Node or a
   * cross-origin-isolated page; otherwise at the end of the current ~10 ms slice).
   */
  train(options: TrainOptions = {}): Promise<TrainResultDetails> {
    const { onProgress, signal, ...plain } = options;
    const control = typeof SharedArrayBuffer === 'function'
      ? new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT) : undefined;
    const id = this.#nextId;
    const cancel = () => {
      // The flag the worker reads before each batch; the message covers a worker without one.
      if (control) Atomics.store(new Int32Array(control), CONTROL_CANCEL, 1);
      this.#port?.post({ type: 'cancel', id });
    };
    if (signal?.aborted) cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    return this.#call('train', [plain], { onProgress }, [], control)
      .finally(() => signal?.removeEventListener('abort', cancel));
  }

  // ---- results ----
  evaluate(k?: number): Promise<Evaluation> { return this.#call('evaluate', [k]); }
  users(): Promise<number[]> { return this.#call('users', []); }
  recommend(userId: number, k?: number): Promise<ItemView[]> { return this.#call('recommend', [userId, k]); }
  similarItems(itemId: number, k?: number): Promise<ItemView[]> { return this.#call('similarItems', [itemId, k]); }
  userHistory(userId: number): Promise<{ train: ItemView[]; test: ItemView[] }> { return this.#call('userHistory', [userId]); }
  popular(k?: number): Promise<ItemView[]> { return this.#call('popular', [k]); }
  itemVectors(): Promise<ItemVectors> { return this.#call('itemVectors', []); }
  pcaMap(values: Float32Array, dim: number): Promise<Float32Array> { return this.#call('pcaMap', [values, dim]); }
  nearestRows(values: Float32Array, dim: number, row: number, k?: number): Promise<number[]> {
    return this.#call('nearestRows', [values, dim, row, k]);
  }
  nearestNeighbours(values: Float32Array, dim: number, k: number): Promise<NeighbourLists> {
    return this.#call('nearestNeighbours', [values, dim, k]);
  }
  mapQuality(values: Float32Array, dim: number, xy: Float32Array, k?: number): Promise<MapQuality> {
    return this.#call('mapQuality', [values, dim, xy, k]);
  }
  searchItems(query: string, k?: number): Promise<ItemView[]> { return this.#call('searchItems', [query, k]); }
  recommendFor(likes: number[], options?: RecommendForOptions): Promise<Recommendation[]> {
    return this.#call('recommendFor', [likes, options]);
  }
  scoreFor(likes: number[], itemIds: number[], options?: ScoreForOptions): Promise<ItemView[]> {
    return this.#call('scoreFor', [likes, itemIds, options]);
  }
  contributionMeaning(): Promise<string> { return this.#call('contributionMeaning', []); }
  holdoutUsers(): Promise<number[]> { return this.#call('holdoutUsers', []); }
  evaluateFoldIn(k?: number, options?: FoldInOptions): Promise<Metrics> { return this.#call('evaluateFoldIn', [k, options]); }
  evaluateUsers(userIds: number[], k?: number): Promise<Metrics> { return this.#call('evaluateUsers', [userIds, k]); }
  likesCurve(counts?: number[], options?: FoldInOptions): Promise<LikesCurvePoint[]> {
    return this.#call('likesCurve', [counts, options]);
  }
  heapStats(): Promise<HeapStats> { return this.#call('heapStats', []); }

  /** Frees the engine and stops the worker (same as terminate()). */
  async dispose(): Promise<void> { this.terminate(); }

  /** Stops the worker at once; pending calls reject. Harmless when already stopped. */
  terminate(): void {
    this.#stop(new Error('tripletrec: the worker was terminated'));
  }

  get terminated(): boolean { return this.#port === undefined; }

  #load<M extends 'loadRatings' | 'loadTestRatings' | 'loadItems' | 'loadUsers' | 'loadModel' | 'loadServing'>(
    method: M, data: FileSource, fileName: string | undefined, options: LoadOptions = {},
  ): Promise<WorkerResult<M>> {
    const transfer: Transferable[] = [];
    let payload: FileSource = data;
    if (isBlob(data)) {
      // Posted as it is: the clone refers to the same bytes, which the worker reads.
      fileName ??= fileNameOf(data);
    } else if (typeof data !== 'string') {
      const bytes = asBytes(data);
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength &&
                    bytes.buffer instanceof ArrayBuffer;
      if (options.transfer === false) {
        payload = bytes;  // structured clone copies it
      } else if (whole) {
        payload = bytes;
        transfer.push(bytes.buffer as ArrayBuffer);
      } else {
        payload = bytes.slice();  // a view into a larger or shared buffer: copy just these bytes
        transfer.push(payload.buffer as ArrayBuffer);
      }
    }
    const start = performance.now();
    options.onProgress?.({ stage: 'transfer', bytes: sizeOf(payload), elapsedSeconds: 0 });
    const onLoadProgress = options.onProgress
      ? (progress: LoadProgress) => options.onProgress!({ ...progress, elapsedSeconds: (performance.now() - start) / 1000 })
      : undefined;
    const args: WorkerArgs<M> = [payload, fileName];
    return this.#call(method, args, { onLoadProgress }, transfer);
  }

  #call<M extends WorkerMethod>(method: M, args: WorkerArgs<M>, hooks: Omit<Pending, 'resolve' | 'reject'> = {},
                                transfer: Transferable[] = [], control?: SharedArrayBuffer): Promise<WorkerResult<M>> {
    const port = this.#port;
    if (port === undefined) return Promise.reject(this.#crash ?? new Error('tripletrec: the worker was terminated'));
    const id = this.#nextId++;
    const message: CallMessage<M> = { type: 'call', id, method, args, ...(control ? { control } : {}) };
    return new Promise<WorkerResult<M>>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, ...hooks });
      port.keepAlive(true);
      port.post(message, transfer);
    });
  }

  #receive(message: FromWorker): void {
    if (message.type === 'ready' || message.type === 'init-error') return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    if (message.type === 'progress') {
      pending.onProgress?.(message.progress);
      return;
    }
    if (message.type === 'load-progress') {
      pending.onLoadProgress?.(message.progress);
      return;
    }
    this.#pending.delete(message.id);
    if (this.#pending.size === 0) this.#port?.keepAlive(false);
    if (message.type === 'result') {
      pending.resolve(message.value);
      return;
    }
    const error = engineError(message.message, message.name);
    pending.reject(error);
    if (error instanceof EngineCrashedError) this.#stopAfterCrash(error);
  }

  // A crashed engine never works again, so its worker, and the wasm memory it holds, is stopped
  // as soon as the crash is reported; calls still pending and every later call say it is dead.
  #stopAfterCrash(crash: EngineCrashedError): void {
    if (this.#port === undefined) return;
    this.#crash = deadEngineError('its worker was stopped to free its memory', crash);
    this.#stop(this.#crash);
  }

  #stop(reason: Error): void {
    const port = this.#port;
    if (port === undefined) return;
    this.#port = undefined;
    port.terminate();
    this.#failAll(reason);
  }

  #failAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of pending) call.reject(error);
  }
}

function sizeOf(data: FileSource): number {
  if (typeof data === 'string') return data.length;
  return isBlob(data) ? data.size : asBytes(data).length;
}

function fileNameOf(blob: Blob): string | undefined {
  const name = (blob as Partial<File>).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

// A relative wasmUrl means what it means to Recommender (relative to the page), not to the worker
// script, which a bundler may have put elsewhere.
function resolveAgainstPage(wasmUrl: string | URL): string {
  const page = (globalThis as { location?: { href: string } }).location;
  return page === undefined ? String(wasmUrl) : new URL(wasmUrl, page.href).href;
}

function engineError(message: string, name: string): Error {
  if (name === 'EngineCrashedError') return new EngineCrashedError(message);
  return name === 'TypeError' ? new TypeError(message) : new Error(message);
}

async function startWorker(onMessage: (message: FromWorker) => void,
                           onError: (error: Error) => void): Promise<WorkerPort> {
  if (typeof Worker === 'function') {
    // The literal `new Worker(new URL(...), { type: 'module' })` lets bundlers find the worker.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.addEventListener('message', (event: MessageEvent<FromWorker>) => onMessage(event.data));
    worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      onError(new Error(`tripletrec worker failed: ${event.message || 'could not start the worker script'}`));
    });
    return {
      post: (message, transfer) => worker.postMessage(message, transfer ?? []),
      terminate: () => worker.terminate(),
      keepAlive: () => {},
    };
  }
  // Node: worker_threads, through process.getBuiltinModule (Node >= 20.16), which bundlers neither
  // resolve for the browser nor warn about (an `import(variable)` gets webpack's "Critical
  // dependency" warning).
  const threads = nodeBuiltin<{
    Worker: new (url: URL) => {
      on(event: 'message', listener: (message: FromWorker) => void): void;
      on(event: 'error', listener: (error: Error) => void): void;
      on(event: 'exit', listener: (code: number) => void): void;
      postMessage(message: unknown, transfer?: unknown[]): void;
      terminate(): Promise<number>;
      ref(): void;
      unref(): void;
    };
  }>('node:worker_threads');
  // import.meta.url through a variable: the literal `new URL('./worker.js', import.meta.url)`
  // would make bundlers emit the unbundled worker.js as a stray asset for this Node-only line.
  const moduleUrl = import.meta.url;
  const worker = new threads.Worker(new URL('./worker.js', moduleUrl));
  let terminating = false;
  worker.on('message', onMessage);
  worker.on('error', (error) => onError(error instanceof Error ? error : new Error(String(error))));
  worker.on('exit', (code) => {
    if (!terminating) onError(new Error(`tripletrec worker exited unexpectedly (code ${code})`));
  });
  worker.unref();
  return {
    post: (message, transfer) => worker.postMessage(message, transfer ?? []),
    terminate: () => { terminating = true; void worker.terminate(); },
    keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
  };
}

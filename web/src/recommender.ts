// The synchronous client: one Engine (one tripletrec::Session in wasm) per Recommender. Every
// engine call runs on the calling thread; train() trains in slices so the page keeps running.
import { requireFileData, streamBlobInput, writeInput } from './file-data.js';
import { loadModule } from './module.js';
import { runTraining, type SliceControl } from './training.js';
import type { EngineHandle, TripletrecModule } from './tripletrec.mjs';
import type {
  CreateOptions, Evaluation, FileData, HeapStats, ItemView, LoadTiming, ModelOptions,
  ModelSummary, PreparedStats, PrepareOptions, PreprocessOptions, PreprocessReport,
  RatingStats, RecommenderApi, TrainOptions, TrainResultDetails,
} from './types.js';

// Safety net for Recommenders that are dropped without dispose(): frees the engine's memory.
const engineRegistry = new FinalizationRegistry<EngineHandle>((engine) => {
  if (!engine.isDeleted()) engine.delete();
});

const now = (): number => performance.now() / 1000;

// For the worker (worker.ts), which trains with its own cancel checks; not exported by the package.
export let trainWithControl: (recommender: Recommender, options: TrainOptions,
                              control: Partial<SliceControl>) => Promise<TrainResultDetails>;
/** Batches done so far by the training run in progress (0 when none). */
export let batchesTrained: (recommender: Recommender) => number;

export type FileLoadMethod = 'loadRatings' | 'loadTestRatings' | 'loadItems' | 'loadModel';
/** Worker-only progress of a Blob load: bytes read so far, then the parse about to start. */
export type BlobLoadProgress = (stage: 'read' | 'parse', bytes: number) => void;
/** For the worker: a load method fed from a Blob streamed into the engine (see #loadBlob). */
export let loadBlob: (recommender: Recommender, method: FileLoadMethod, blob: Blob, fileName: string | undefined,
                      onProgress: BlobLoadProgress) => Promise<LoadTiming | ModelSummary>;

const DEFAULT_FILE_NAMES: Record<FileLoadMethod, string> = {
  loadRatings: 'ratings.csv', loadTestRatings: 'test_ratings.csv', loadItems: 'items.csv', loadModel: 'model.bin',
};
// Rows a CSV load kept, as LoadInfo reports them.
const LOADED_ROWS: Record<Exclude<FileLoadMethod, 'loadModel'>, (engine: EngineHandle) => number> = {
  loadRatings: (engine) => engine.loadedRows(),
  loadTestRatings: (engine) => engine.loadedTestRows(),
  loadItems: (engine) => engine.loadedItemRows(),
};

/** Settings of the training slices on the calling thread. */
const MAIN_THREAD_SLICE_SECONDS = 0.016;  // about one frame

export class Recommender implements RecommenderApi {
  readonly #module: TripletrecModule;
  #engine: EngineHandle | undefined;
  #training = false;

  /** Loads the wasm module (once per realm) and creates an empty engine. */
  static async create(options?: CreateOptions): Promise<Recommender> {
    return new Recommender(await loadModule(options));
  }

  private constructor(module: TripletrecModule) {
    this.#module = module;
    this.#engine = new module.Engine();
    engineRegistry.register(this, this.#engine, this);
  }

  // ---- loading ----
  // A Blob or File is refused with a TypeError (see FileSource in types.ts).
  loadRatings(data: FileData, fileName = DEFAULT_FILE_NAMES.loadRatings): LoadTiming {
    return this.#load(requireFileData(data, 'loadRatings'), (engine, length) => engine.loadRatings(length, fileName),
                      LOADED_ROWS.loadRatings);
  }
  loadTestRatings(data: FileData, fileName = DEFAULT_FILE_NAMES.loadTestRatings): LoadTiming {
    return this.#load(requireFileData(data, 'loadTestRatings'), (engine, length) => engine.loadTestRatings(length, fileName),
                      LOADED_ROWS.loadTestRatings);
  }
  loadItems(data: FileData, fileName = DEFAULT_FILE_NAMES.loadItems): LoadTiming {
    return this.#load(requireFileData(data, 'loadItems'), (engine, length) => engine.loadItems(length, fileName),
                      LOADED_ROWS.loadItems);
  }
  /** Forgets the item metadata (names become "item <id>"); drops the prepared data and the model. */
  clearItems(): void { this.#mutableEngine().clearItems(); }
  /** Forgets the test file (prepare splits at random again); drops the prepared data and the model. */
  clearTestRatings(): void { this.#mutableEngine().clearTestRatings(); }
  loadSample(options: { users?: number; items?: number; seed?: number } = {}): LoadTiming {
    const engine = this.#mutableEngine();
    const start = now();
    engine.loadSample(options);
    const seconds = now() - start;
    return { rows: engine.loadedRows(), bytes: 0, seconds, copySeconds: 0, parseSeconds: seconds };
  }
  samplePreprocessOptions(): PreprocessOptions { return this.#live().samplePreprocessOptions(); }
  loadedStats(): RatingStats { return this.#live().loadedStats(); }
  /** Statistics of the prepared (preprocessed) ratings. */
  preparedRatingStats(): RatingStats { return this.#live().preparedRatingStats(); }

  // ---- preparing ----
  preview(options: PreprocessOptions = {}): PreprocessReport { return this.#live().preview(options); }
  prepare(options: PrepareOptions = {}): PreparedStats { return this.#mutableEngine().prepare(options); }
  preparedStats(): PreparedStats { return this.#live().preparedStats(); }

  // ---- model ----
  createModel(options: ModelOptions = {}): ModelSummary { return this.#mutableEngine().createModel(options); }
  summary(): ModelSummary { return this.#live().summary(); }
  paramCount(): number { return this.#live().paramCount(); }
  saveModel(): Uint8Array { return this.#live().saveModel(); }
  loadModel(data: FileData, fileName = DEFAULT_FILE_NAMES.loadModel): ModelSummary {
    const bytes = requireFileData(data, 'loadModel');
    const engine = this.#mutableEngine();
    const length = writeInput(engine, bytes);
    return engine.loadModel(length, fileName);
  }

  /**
   * Trains in slices of about one frame. onProgress fires after each slice; aborting the signal
   * stops before the next batch and resolves with cancelled: true (the model keeps what it learnt).
   */
  train(options: TrainOptions = {}): Promise<TrainResultDetails> {
    return this.#train(options, {});
  }

  async #train(options: TrainOptions, overrides: Partial<SliceControl>): Promise<TrainResultDetails> {
    const engine = this.#mutableEngine();
    const signal = options.signal;
    let batchesAtCancel: number | undefined;
    const onAbort = () => {
      if (batchesAtCancel === undefined) batchesAtCancel = this.#trainingBatches(engine);
    };
    if (signal?.aborted) onAbort();
    this.#training = true;
    signal?.addEventListener('abort', onAbort);
    try {
      const control: SliceControl = {
        isCancelled: () => signal?.aborted === true || this.#engine === undefined,
        batchesPerCall: Number.MAX_SAFE_INTEGER,
        sliceSeconds: MAIN_THREAD_SLICE_SECONDS,
        batchesAtCancel: () => batchesAtCancel,
        ...overrides,
      };
      return await runTraining(engine, options, control, (progress) => options.onProgress?.(progress));
    } finally {
      this.#training = false;
      signal?.removeEventListener('abort', onAbort);
      if (this.#engine === undefined) engine.delete();  // disposed while training
    }
  }

  #trainingBatches(engine: EngineHandle): number {
    return this.#training ? engine.trainedBatches() : 0;
  }

  static {
    trainWithControl = (recommender, options, control) => recommender.#train(options, control);
    batchesTrained = (recommender) => recommender.#trainingBatches(recommender.#live());
    loadBlob = (recommender, method, blob, fileName, onProgress) =>
      recommender.#loadBlob(method, blob, fileName, onProgress);
  }

  // ---- results ----
  evaluate(k = 10): Evaluation { return this.#live().evaluate(k); }
  users(): number[] { return this.#live().users(); }
  recommend(userId: number, k = 10): ItemView[] { return this.#live().recommend(userId, k); }
  similarItems(itemId: number, k = 10): ItemView[] { return this.#live().similarItems(itemId, k); }
  userHistory(userId: number): { train: ItemView[]; test: ItemView[] } { return this.#live().userHistory(userId); }
  popular(k = 10): ItemView[] { return this.#live().popular(k); }

  // ---- memory ----
  /** malloc statistics of the wasm instance (shared by all Recommenders of this realm). */
  heapStats(): HeapStats {
    return { ...this.#module.heapStats(), memoryBytes: this.#module.HEAP8.buffer.byteLength };
  }
  get disposed(): boolean { return this.#engine === undefined; }

  /** Frees the engine's memory now. Further calls throw. Safe to call twice. */
  dispose(): void {
    const engine = this.#engine;
    if (engine === undefined) return;
    this.#engine = undefined;
    engineRegistry.unregister(this);
    if (!this.#training) engine.delete();  // else train() frees it when its loop stops
  }

  #live(): EngineHandle {
    if (this.#engine === undefined) throw new Error('tripletrec: this Recommender was disposed');
    return this.#engine;
  }
  // Calls that replace data or the model are refused while train() runs on this engine.
  #mutableEngine(): EngineHandle {
    const engine = this.#live();
    if (this.#training) throw new Error('tripletrec: training is in progress; abort it (AbortSignal) first');
    return engine;
  }
  #load(data: FileData, parse: (engine: EngineHandle, length: number) => void,
        rows: (engine: EngineHandle) => number): LoadTiming {
    const engine = this.#mutableEngine();
    const start = now();
    const length = writeInput(engine, data);
    const copied = now();
    parse(engine, length);
    const end = now();
    return { rows: rows(engine), bytes: length, seconds: end - start,
             copySeconds: copied - start, parseSeconds: end - copied };
  }

  // The worker's Blob loads: the bytes stream into the engine's input buffer as they are read
  // (never a whole copy in JS), then the same engine parse as #load. readSeconds is the time spent
  // waiting for chunks, so readSeconds + seconds is the whole load.
  async #loadBlob(method: FileLoadMethod, blob: Blob, fileName: string | undefined,
                  onProgress: BlobLoadProgress): Promise<LoadTiming | ModelSummary> {
    const engine = this.#mutableEngine();
    const input = await streamBlobInput(engine, blob, (bytesRead) => onProgress('read', bytesRead));
    const name = fileName ?? DEFAULT_FILE_NAMES[method];
    // Disposed (which freed the buffer) or training started while reading: refuse as any load would.
    if (this.#engine === engine && this.#training) engine.releaseInput();
    this.#mutableEngine();
    onProgress('parse', input.length);
    if (method === 'loadModel') return engine.loadModel(input.length, name);
    const parseStart = now();
    engine[method](input.length, name);
    const parseSeconds = now() - parseStart;
    return { rows: LOADED_ROWS[method](engine), bytes: input.length, seconds: input.copySeconds + parseSeconds,
             copySeconds: input.copySeconds, parseSeconds, readSeconds: input.readSeconds };
  }
}


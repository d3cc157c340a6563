// The one owner of an engine (one tripletrec::Session in wasm): loads, training slices, results,
// memory and disposal. The public Recommender wraps one; the worker (worker.ts) holds one directly
// and adds what only it needs (Blob streaming, a cross-thread cancel flag) through this class's
// own methods. Internal: the package does not export it.
import { requireFileData, streamBlobInput, writeInput, type StreamedInput } from './file-data.js';
import { assertModuleAlive, isModuleDead, loadModule } from './module.js';
import { checkK, checkOptionTypes, engineDefaults, type OptionGroup } from './options.js';
import { runTraining, type SliceControl } from './training.js';
import type { EngineHandle, TripletrecModule } from './tripletrec.mjs';
import type {
  CreateOptions, EngineDefaults, Evaluation, FileData, FoldInOptions, HeapStats, ItemVectors, ItemView, LikesCurvePoint,
  LoadTiming, MapQuality, Metrics, ModelOptions, Recommendation, RecommendForOptions, ScoreForOptions, ServingDtype, ServingOptions,
  ModelSummary, NeighbourLists, PreparedStats, PrepareOptions, PreprocessOptions, PreprocessReport, RatingStats, SampleOptions,
  TrainOptions,
  TrainResultDetails,
} from './types.js';

export type CsvLoadMethod = 'loadRatings' | 'loadTestRatings' | 'loadItems' | 'loadUsers';
/** Binary files that install a model: a model file (with prepared data) or a serving bundle (alone). */
export type ModelLoadMethod = 'loadModel' | 'loadServing';
export type FileLoadMethod = CsvLoadMethod | ModelLoadMethod;
/** Progress of a Blob load: bytes read so far, then the parse about to start. */
export type BlobLoadProgress = (stage: 'read' | 'parse', bytes: number) => void;

const DEFAULT_FILE_NAMES: Record<FileLoadMethod, string> = {
  loadRatings: 'ratings.csv', loadTestRatings: 'test_ratings.csv', loadItems: 'items.csv', loadUsers: 'users.csv',
  loadModel: 'model.bin', loadServing: 'model.safetensors',
};
// Rows a CSV load kept, as LoadInfo reports them.
const LOADED_ROWS: Record<CsvLoadMethod, (engine: EngineHandle) => number> = {
  loadRatings: (engine) => engine.loadedRows(),
  loadTestRatings: (engine) => engine.loadedTestRows(),
  loadItems: (engine) => engine.loadedItemRows(),
  loadUsers: (engine) => engine.loadedUserRows(),
};

const now = (): number => performance.now() / 1000;

export class EngineCore {
  readonly #module: TripletrecModule;
  #engine: EngineHandle | undefined;
  #training = false;

  /** Loads the wasm module (once per realm, see module.ts) and creates an empty engine. */
  static async create(options?: CreateOptions): Promise<EngineCore> {
    const core = new EngineCore(await loadModule(options));
    if (options?.memoryBudget !== undefined) {
      try {
        // A wrong type never reaches Embind (which would coerce it); the range is the engine's.
        if (typeof options.memoryBudget !== 'number')
          throw new TypeError(`memoryBudget: expected a number of bytes, got ${typeof options.memoryBudget}`);
        core.#live().setMemoryBudget(options.memoryBudget);
      } catch (error) {
        core.dispose();
        throw error;
      }
    }
    return core;
  }

  constructor(module: TripletrecModule) {
    assertModuleAlive(module);
    this.#module = module;
    this.#engine = new module.Engine();
  }

  // ---- loading ----
  /** A CSV file's bytes (or text) copied once into wasm memory and parsed. */
  loadCsv(method: CsvLoadMethod, data: FileData, fileName = DEFAULT_FILE_NAMES[method]): LoadTiming {
    const bytes = requireFileData(data, method);
    const engine = this.#mutableEngine();
    const start = now();
    const length = writeInput(engine, bytes);
    const copied = now();
    engine[method](length, fileName);
    const end = now();
    return { rows: LOADED_ROWS[method](engine), bytes: length, seconds: end - start,
             copySeconds: copied - start, parseSeconds: end - copied };
  }
  loadModel(data: FileData, fileName?: string): ModelSummary { return this.loadModelFile('loadModel', data, fileName); }
  /** A serving bundle: replaces the data and the model with what the bundle holds. */
  loadServing(data: FileData, fileName?: string): ModelSummary { return this.loadModelFile('loadServing', data, fileName); }
  loadModelFile(method: ModelLoadMethod, data: FileData, fileName = DEFAULT_FILE_NAMES[method]): ModelSummary {
    const bytes = requireFileData(data, method);
    const engine = this.#mutableEngine();
    return engine[method](writeInput(engine, bytes), fileName);
  }

  // A Blob streamed into the engine's input buffer as it is read (never a whole copy in JS), then
  // the same parse as the loads above. readSeconds is the time spent waiting for chunks, so
  // readSeconds + seconds is the whole load.
  async loadCsvBlob(method: CsvLoadMethod, blob: Blob, fileName = DEFAULT_FILE_NAMES[method],
                    onProgress: BlobLoadProgress = () => {}): Promise<LoadTiming> {
    const { engine, input } = await this.#streamBlob(blob, onProgress);
    const parseStart = now();
    engine[method](input.length, fileName);
    const parseSeconds = now() - parseStart;
    return { rows: LOADED_ROWS[method](engine), bytes: input.length, seconds: input.copySeconds + parseSeconds,
             copySeconds: input.copySeconds, parseSeconds, readSeconds: input.readSeconds };
  }
  async loadModelBlob(method: ModelLoadMethod, blob: Blob, fileName = DEFAULT_FILE_NAMES[method],
                      onProgress: BlobLoadProgress = () => {}): Promise<ModelSummary> {
    const { engine, input } = await this.#streamBlob(blob, onProgress);
    return engine[method](input.length, fileName);
  }

  async #streamBlob(blob: Blob, onProgress: BlobLoadProgress): Promise<{ engine: EngineHandle; input: StreamedInput }> {
    const engine = this.#mutableEngine();
    const input = await streamBlobInput(engine, blob, (bytesRead) => onProgress('read', bytesRead));
    // Disposed (which freed the buffer) or training started while reading: refuse as any load would.
    if (this.#engine === engine && this.#training) engine.releaseInput();
    this.#mutableEngine();
    onProgress('parse', input.length);
    return { engine, input };
  }

  clearItems(): void { this.#mutableEngine().clearItems(); }
  clearUsers(): void { this.#mutableEngine().clearUsers(); }
  clearTestRatings(): void { this.#mutableEngine().clearTestRatings(); }
  loadSample(options?: SampleOptions): LoadTiming {
    const engine = this.#mutableEngine();
    this.#checkTypes('loadSample', 'loadSample', options);
    const start = now();
    engine.loadSample(options);
    const seconds = now() - start;
    return { rows: engine.loadedRows(), bytes: 0, seconds, copySeconds: 0, parseSeconds: seconds };
  }
  samplePreprocessOptions(): PreprocessOptions { return this.#live().samplePreprocessOptions(); }
  /** The engine's defaults of every option, per model where the models differ. */
  defaults(): EngineDefaults { return engineDefaults(this.#module); }
  loadedStats(): RatingStats { return this.#live().loadedStats(); }
  preparedRatingStats(): RatingStats { return this.#live().preparedRatingStats(); }

  // ---- preparing ----
  preview(options?: PreprocessOptions): PreprocessReport {
    const engine = this.#live();
    this.#checkTypes('prepare', 'preview', options);
    return engine.preview(options);
  }
  prepare(options?: PrepareOptions): PreparedStats {
    const engine = this.#mutableEngine();
    this.#checkTypes('prepare', 'prepare', options);
    return engine.prepare(options);
  }
  preparedStats(): PreparedStats { return this.#live().preparedStats(); }

  // ---- model ----
  createModel(options?: ModelOptions): ModelSummary {
    const engine = this.#mutableEngine();
    this.#checkTypes('createModel', 'createModel', options);
    return engine.createModel(options);
  }
  summary(): ModelSummary { return this.#live().summary(); }
  paramCount(): number { return this.#live().paramCount(); }
  saveModel(): Uint8Array { return this.#live().saveModel(); }
  /** exportServing's dtypes, from the engine. */
  servingDtypes(): ServingDtype[] {
    assertModuleAlive(this.#module);
    return this.#module.servingDtypes() as ServingDtype[];
  }
  /** The serving bundle of the current model and items (a copy). */
  exportServing(options?: ServingOptions): Uint8Array {
    const engine = this.#live();
    if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options)))
      throw new TypeError(`tripletrec: exportServing takes an options object, got ${options === null ? 'null' : typeof options}`);
    return engine.exportServing(options);
  }

  /**
   * Trains in slices (see training.ts); `control` says how long a slice is, how many batches one
   * engine call may run and when to stop. Calls that replace data or the model are refused meanwhile.
   */
  async train(options: TrainOptions, control: SliceControl): Promise<TrainResultDetails> {
    const engine = this.#mutableEngine();
    this.#checkTypes('train', 'train', options);
    this.#training = true;
    try {
      // A dispose() during training stops it before the next batch.
      const stopWhenDisposed: SliceControl = {
        ...control, isCancelled: () => control.isCancelled() || this.#engine === undefined,
      };
      return await runTraining(engine, options, stopWhenDisposed, (progress) => options.onProgress?.(progress));
    } finally {
      this.#training = false;
      if (this.#engine === undefined) this.#deleteEngine(engine);  // disposed while training
    }
  }

  // ---- results ----
  // k: undefined keeps the engine's default (defaults().evaluate.k).
  evaluate(k?: number): Evaluation { return this.#withK(k).evaluate(k); }
  users(): number[] { return this.#live().users(); }
  recommend(userId: number, k?: number): ItemView[] { return this.#withK(k).recommend(userId, k); }
  similarItems(itemId: number, k?: number): ItemView[] { return this.#withK(k).similarItems(itemId, k); }
  userHistory(userId: number): { train: ItemView[]; test: ItemView[] } { return this.#live().userHistory(userId); }
  popular(k?: number): ItemView[] { return this.#withK(k).popular(k); }

  // ---- new visitors: fold-in, explanations, search ----
  searchItems(query: string, k?: number): ItemView[] {
    const engine = this.#withK(k);
    if (typeof query !== 'string') throw new TypeError(`query: expected a string, got ${typeof query}`);
    return engine.searchItems(query, k);
  }
  recommendFor(likes: number[], options?: RecommendForOptions): Recommendation[] {
    const engine = this.#live();
    this.#checkTypes('foldIn', 'recommendFor', options, ['k', 'exclude', 'userFeatures']);
    checkK(this.#module, options?.k);
    return engine.recommendFor(likes, options);
  }
  scoreFor(likes: number[], itemIds: number[], options?: ScoreForOptions): ItemView[] {
    const engine = this.#live();
    this.#checkTypes('foldIn', 'scoreFor', options, ['userFeatures']);
    return engine.scoreFor(likes, itemIds, options);
  }
  contributionMeaning(): string { return this.#live().contributionMeaning(); }

  // ---- held-out users ----
  holdoutUsers(): number[] { return this.#live().holdoutUsers(); }
  evaluateFoldIn(k?: number, options?: FoldInOptions): Metrics {
    const engine = this.#withK(k);
    this.#checkTypes('foldIn', 'evaluateFoldIn', options);
    return engine.evaluateFoldIn(k, options);
  }
  evaluateUsers(userIds: number[], k?: number): Metrics { return this.#withK(k).evaluateUsers(userIds, k); }
  likesCurve(counts?: number[], options?: FoldInOptions): LikesCurvePoint[] {
    const engine = this.#live();
    this.#checkTypes('foldIn', 'likesCurve', options);
    return engine.likesCurve(counts, options);
  }

  // ---- the embedding map ----
  itemVectors(): ItemVectors { return this.#live().itemVectors(); }
  pcaMap(values: Float32Array, dim: number): Float32Array { return this.#live().pcaMap(values, dim); }
  nearestRows(values: Float32Array, dim: number, row: number, k?: number): number[] {
    return this.#withK(k).nearestRows(values, dim, row, k);
  }
  nearestNeighbours(values: Float32Array, dim: number, k: number): NeighbourLists {
    return this.#withK(k).nearestNeighbours(values, dim, k);
  }
  mapQuality(values: Float32Array, dim: number, xy: Float32Array, k?: number): MapQuality {
    return this.#withK(k).mapQuality(values, dim, xy, k);
  }

  // ---- memory ----
  /** malloc statistics of the wasm instance (shared by every engine of this realm). */
  heapStats(): HeapStats {
    assertModuleAlive(this.#module);
    // The instance's figures stay readable after dispose (how much it freed); the budget is the engine's.
    const engine = this.#engine;
    return { ...this.#module.heapStats(), memoryBytes: this.#module.HEAP8.buffer.byteLength,
             ...(engine !== undefined ? { memoryBudget: engine.memoryBudget() } : {}) };
  }
  get disposed(): boolean { return this.#engine === undefined; }

  /** Frees the engine's memory now. Further calls throw. Safe to call twice. */
  dispose(): void {
    const engine = this.#engine;
    if (engine === undefined) return;
    this.#engine = undefined;
    if (!this.#training) this.#deleteEngine(engine);  // else train() frees it when its loop stops
  }

  // After a trap the module's memory is in an unknown state: running a destructor in it could trap
  // again, so a dead module's engines are left to the garbage collector with the whole instance.
  #deleteEngine(engine: EngineHandle): void {
    if (!isModuleDead(this.#module) && !engine.isDeleted()) engine.delete();
  }

  #live(): EngineHandle {
    assertModuleAlive(this.#module);
    if (this.#engine === undefined) throw new Error('tripletrec: this Recommender was disposed');
    return this.#engine;
  }
  // Wrong JS types never reach Embind: checked against the engine's option table first.
  #checkTypes(group: OptionGroup, method: string, options: unknown, methodKeys: readonly string[] = []): void {
    checkOptionTypes(this.#module, group, method, options, methodKeys);
  }
  #withK(k: unknown): EngineHandle {
    const engine = this.#live();
    checkK(this.#module, k);
    return engine;
  }
  // Calls that replace data or the model are refused while train() runs on this engine.
  #mutableEngine(): EngineHandle {
    const engine = this.#live();
    if (this.#training) throw new Error('tripletrec: training is in progress; abort it (AbortSignal) first');
    return engine;
  }
}

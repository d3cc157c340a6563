// The synchronous client: every engine call runs on the calling thread; train() trains in slices of
// about one frame so the page keeps running. The engine itself is owned by an EngineCore
// (engine-core.ts), which the worker uses too.
import { EngineCore } from './engine-core.js';
import type {
  CreateOptions, EngineDefaults, Evaluation, FileData, FoldInOptions, HeapStats, ItemVectors, ItemView, LikesCurvePoint,
  FromModelOptions, LoadTiming, MapQuality, Metrics, ModelOptions, NeighbourLists, Recommendation, RecommendForOptions, ScoreForOptions,
  ServingDtype, ServingOptions,
  ModelSummary, PreparedStats, PrepareOptions, PreprocessOptions, PreprocessReport,
  RatingStats, RecommenderApi, SampleOptions, TrainOptions, TrainResultDetails,
} from './types.js';

// Safety net for Recommenders that are dropped without dispose(): frees the engine's memory.
const cores = new FinalizationRegistry<EngineCore>((core) => core.dispose());

/** Length of a training slice on the calling thread: about one frame. */
const MAIN_THREAD_SLICE_SECONDS = 0.016;

export class Recommender implements RecommenderApi {
  readonly #core: EngineCore;

  /** Loads the wasm module (once per realm, again after a crash) and creates an empty engine. */
  static async create(options?: CreateOptions): Promise<Recommender> {
    return new Recommender(await EngineCore.create(options));
  }

  /**
   * A Recommender from a serving bundle alone (exportServing's file; no CSV needed): item search,
   * recommendFor, scoreFor and similarItems work at once. A bad bundle throws (no Recommender).
   */
  static async fromModel(data: FileData, options: FromModelOptions = {}): Promise<Recommender> {
    const { fileName, ...create } = options;
    const recommender = await Recommender.create(create);
    try {
      recommender.#core.loadServing(data, fileName);
    } catch (error) {
      recommender.dispose();
      throw error;
    }
    return recommender;
  }

  private constructor(core: EngineCore) {
    this.#core = core;
    cores.register(this, core, this);
  }

  // ---- loading ----
  // A Blob or File is refused with a TypeError (see FileSource in types.ts).
  loadRatings(data: FileData, fileName?: string): LoadTiming { return this.#core.loadCsv('loadRatings', data, fileName); }
  loadTestRatings(data: FileData, fileName?: string): LoadTiming { return this.#core.loadCsv('loadTestRatings', data, fileName); }
  loadItems(data: FileData, fileName?: string): LoadTiming { return this.#core.loadCsv('loadItems', data, fileName); }
  /** User metadata (MovieLens u.user, users.dat): the user features. */
  loadUsers(data: FileData, fileName?: string): LoadTiming { return this.#core.loadCsv('loadUsers', data, fileName); }
  /** Forgets the item metadata (names become "item <id>"); drops the prepared data and the model. */
  clearItems(): void { this.#core.clearItems(); }
  /** Forgets the user metadata (no user features); drops the prepared data and the model. */
  clearUsers(): void { this.#core.clearUsers(); }
  /** Forgets the test file (prepare splits at random again); drops the prepared data and the model. */
  clearTestRatings(): void { this.#core.clearTestRatings(); }
  loadSample(options?: SampleOptions): LoadTiming { return this.#core.loadSample(options); }
  samplePreprocessOptions(): PreprocessOptions { return this.#core.samplePreprocessOptions(); }
  /** The engine's defaults of every option, per model where the models differ. */
  defaults(): EngineDefaults { return this.#core.defaults(); }
  loadedStats(): RatingStats { return this.#core.loadedStats(); }
  /** Statistics of the prepared (preprocessed) ratings. */
  preparedRatingStats(): RatingStats { return this.#core.preparedRatingStats(); }

  // ---- preparing ----
  preview(options?: PreprocessOptions): PreprocessReport { return this.#core.preview(options); }
  prepare(options?: PrepareOptions): PreparedStats { return this.#core.prepare(options); }
  preparedStats(): PreparedStats { return this.#core.preparedStats(); }

  // ---- model ----
  createModel(options?: ModelOptions): ModelSummary { return this.#core.createModel(options); }
  summary(): ModelSummary { return this.#core.summary(); }
  paramCount(): number { return this.#core.paramCount(); }
  saveModel(): Uint8Array { return this.#core.saveModel(); }
  /** The serving bundle of the current model: item vectors (float32, float16 or int8), ids, names,
   * genres, types and what fold-in needs, in the safetensors layout. Recommender.fromModel loads it. */
  exportServing(options?: ServingOptions): Uint8Array { return this.#core.exportServing(options); }
  /** The dtypes exportServing takes, as the engine names them. */
  servingDtypes(): ServingDtype[] { return this.#core.servingDtypes(); }
  loadModel(data: FileData, fileName?: string): ModelSummary { return this.#core.loadModel(data, fileName); }

  /**
   * Trains in slices of about one frame. onProgress fires after each slice; aborting the signal
   * stops before the next batch and resolves with cancelled: true (the model keeps what it learnt).
   */
  train(options: TrainOptions = {}): Promise<TrainResultDetails> {
    const signal = options.signal;
    return this.#core.train(options, {
      isCancelled: () => signal?.aborted === true,
      batchesPerCall: Number.MAX_SAFE_INTEGER,  // the signal can only change between slices
      sliceSeconds: MAIN_THREAD_SLICE_SECONDS,
    });
  }

  // ---- results ----
  evaluate(k?: number): Evaluation { return this.#core.evaluate(k); }
  users(): number[] { return this.#core.users(); }
  recommend(userId: number, k?: number): ItemView[] { return this.#core.recommend(userId, k); }
  similarItems(itemId: number, k?: number): ItemView[] { return this.#core.similarItems(itemId, k); }
  userHistory(userId: number): { train: ItemView[]; test: ItemView[] } { return this.#core.userHistory(userId); }
  popular(k?: number): ItemView[] { return this.#core.popular(k); }

  // ---- new visitors: fold-in from liked items, no retraining ----
  searchItems(query: string, k?: number): ItemView[] { return this.#core.searchItems(query, k); }
  recommendFor(likes: number[], options?: RecommendForOptions): Recommendation[] { return this.#core.recommendFor(likes, options); }
  scoreFor(likes: number[], itemIds: number[], options?: ScoreForOptions): ItemView[] {
    return this.#core.scoreFor(likes, itemIds, options);
  }
  contributionMeaning(): string { return this.#core.contributionMeaning(); }

  // ---- held-out users (prepare({ holdoutUsers })) ----
  holdoutUsers(): number[] { return this.#core.holdoutUsers(); }
  evaluateFoldIn(k?: number, options?: FoldInOptions): Metrics { return this.#core.evaluateFoldIn(k, options); }
  evaluateUsers(userIds: number[], k?: number): Metrics { return this.#core.evaluateUsers(userIds, k); }
  likesCurve(counts?: number[], options?: FoldInOptions): LikesCurvePoint[] { return this.#core.likesCurve(counts, options); }

  // ---- the embedding map ----
  itemVectors(): ItemVectors { return this.#core.itemVectors(); }
  pcaMap(values: Float32Array, dim: number): Float32Array { return this.#core.pcaMap(values, dim); }
  nearestRows(values: Float32Array, dim: number, row: number, k?: number): number[] {
    return this.#core.nearestRows(values, dim, row, k);
  }
  nearestNeighbours(values: Float32Array, dim: number, k: number): NeighbourLists {
    return this.#core.nearestNeighbours(values, dim, k);
  }
  mapQuality(values: Float32Array, dim: number, xy: Float32Array, k?: number): MapQuality {
    return this.#core.mapQuality(values, dim, xy, k);
  }

  // ---- memory ----
  /** malloc statistics of the wasm instance (shared by all Recommenders of this realm). */
  heapStats(): HeapStats { return this.#core.heapStats(); }
  get disposed(): boolean { return this.#core.disposed; }

  /** Frees the engine's memory now. Further calls throw. Safe to call twice. */
  dispose(): void {
    cores.unregister(this);
    this.#core.dispose();
  }
}

// Public types of the tripletrec package: the contract between the engine bindings, the
// synchronous Recommender, the worker client and the demo page. Ids in this API are the raw ids
// of the user's files (user_id, anime_id, movieId), never the engine's dense indices.

/** Bytes of a file: anything the engine can take in one copy. Strings are encoded as UTF-8. */
export type FileData = Uint8Array | ArrayBuffer | string;

/**
 * What WorkerRecommender's load methods take: FileData, or a Blob (so a File from an
 * `<input type="file">` or a drop). A Blob is posted to the worker as it is (a structured clone of
 * a Blob shares its bytes, the page's thread reads nothing) and the worker reads it; a File's
 * name is the default file name for error messages.
 *
 * The synchronous Recommender takes FileData only: reading a Blob is asynchronous, so its load
 * methods throw a TypeError for a Blob. Read it first (`new Uint8Array(await blob.arrayBuffer())`)
 * or use WorkerRecommender.
 */
export type FileSource = FileData | Blob;

/** The built-in sample (loadSample). Defaults: defaults().loadSample. */
export interface SampleOptions {
  /** Users in the sample. Default 3000. */
  users?: number;
  /** Items in the sample. Default 400. */
  items?: number;
  /** Mean ratings per user. Default 60, at most a third of the items; never more than half. */
  ratingsPerUser?: number;
  /** Seed of the generator. Default 2024. */
  seed?: number;
}

export interface PreprocessOptions {
  /** Drop rating == -1 rows ("watched, not rated"). Default true. */
  dropUnrated?: boolean;
  /** Keep items of this type ("TV", "Movie", ...) or "any". Default "TV"; ignored without item metadata. */
  itemType?: string;
  /** Keep items whose popularity (rating rows in the loaded file) is > this. Default 5000. */
  minPopularity?: number;
  /** Keep users whose raw id is < this; null = no bound. Default 10000. */
  maxUserId?: number | null;
}

export interface PrepareOptions extends PreprocessOptions {
  /** Random split test fraction. Default 0.2 (ignored when a test file is loaded). */
  testFraction?: number;
  /** Seed of the random split. Default 42. */
  splitSeed?: number;
  /** Positives are ratings >= this. Default 8 (the notebook's `rating > 7`). */
  minPositive?: number;
  /** Cold-start items: this share of the items (a seeded choice, splitSeed) is held out of
   * training entirely; evaluate() then ranks warm items for `auc` and cold ones for `aucCold`.
   * Default 0 (none). */
  coldItems?: number;
  /** Share of users kept out of training entirely (seeded by splitSeed): evaluateFoldIn() folds
   * them in from their train positives and measures them on their test positives. Default 0. */
  holdoutUsers?: number;
}

/** The notebook's two models and a factorization machine (Rendle 2010). */
export type ModelKind = 'bilinear' | 'deep' | 'fm';

export interface ModelOptions {
  model?: ModelKind;            // default 'bilinear'
  /** Bilinear: embedding size (64), similarity ('cosine'). FM: the number of factors k (64). */
  embeddingDim?: number;
  similarity?: 'cosine' | 'dot';
  /** Deep: user (32) and item (64) embedding sizes, hidden layer sizes ([128]), dropout (0.1). */
  userDim?: number;
  itemDim?: number;
  hidden?: number[];
  dropout?: number;
  /** Loss margin: 1 (bilinear) / 0.5 (deep). L2: 1e-6 (bilinear) / 0 (deep). */
  margin?: number;
  l2?: number;
  /**
   * Side features: the item fields whose values add embeddings to an item's vector (its id
   * embedding plus the mean of its feature embeddings). Fields: defaults().createModel's option
   * table choices (genre, type, episodes, members, year); the prepared stats' vocabulary lists the
   * ones the loaded files have. Default [] (ids only, the notebook). The CLI's text ("genre,type",
   * "none") is taken too.
   */
  itemFeatures?: string[] | string;
  /** The same for users (age, gender, occupation); needs loadUsers(). Default []. */
  userFeatures?: string[] | string;
  /** Id embeddings beside the features. false: an item (a user) is the mean of its feature
   * embeddings alone. Default true. */
  idEmbeddings?: boolean;
  /** Adam: 1e-3, 0.9, 0.999, 1e-7. */
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Dense Adam and whole-table L2 exactly as Keras (slower). Default false. */
  kerasExact?: boolean;
  /** Initialisation seed. Default 42. */
  seed?: number;
}

export type NegativeSampling = 'uniform' | 'unseen' | 'hard';

export interface TrainProgress {
  epoch: number;            // 0-based epoch in progress (== epochs when finished)
  epochs: number;
  batch: number;            // batches done in this epoch
  batchesPerEpoch: number;
  loss: number;             // mean loss so far in this epoch
  epochLosses: number[];    // mean loss of each finished epoch
  /** With evaluateEachEpoch: mean per-user test AUC after each finished epoch (one per entry of
   * epochLosses); empty otherwise. */
  epochAucs: number[];
  /** Training time only: evaluations between epochs are not counted (nor in tripletsPerSecond). */
  elapsedSeconds: number;
  triplets: number;
  tripletsPerSecond: number;
  /** Threads training (1 on the single-threaded engine, and for Keras-exact training). */
  threads: number;
}

export interface TrainOptions {
  epochs?: number;          // 10 bilinear, 20 deep
  batchSize?: number;       // 64
  seed?: number;            // negatives, shuffling, dropout. Default 42
  negatives?: NegativeSampling;  // 'uniform' (the notebook)
  hardCandidates?: number;  // for 'hard': 10
  /** Training and evaluation threads. Default: the platform's cores (navigator.hardwareConcurrency,
   * os.cpus() under Node) on the threaded engine, 1 on the single-threaded one (see
   * CreateOptions.engine). More than 1 trains Hogwild-style: faster, not bit-reproducible. */
  threads?: number;
  /** Evaluate the test AUC after each epoch (progress and result epochAucs). One evaluation
   * takes ~20-75 ms in wasm on the notebook's data, outside the reported training time. Default false. */
  evaluateEachEpoch?: boolean;
  onProgress?: (progress: TrainProgress) => void;
  /** Aborting stops training after the current batch; the promise resolves with cancelled: true. */
  signal?: AbortSignal;
}

export interface TrainResult {
  cancelled: boolean;
  epochsCompleted: number;
  epochLosses: number[];
  /** With evaluateEachEpoch: the test AUC after each finished epoch (the last one equals
   * evaluate().auc after training); empty otherwise. */
  epochAucs: number[];
  seconds: number;            // training time, without the evaluations between epochs
  triplets: number;
  tripletsPerSecond: number;
  /** Threads that trained. */
  threads: number;
}

export interface Counts { users: number; items: number; ratings: number; }

/** What remains after each preprocessing step, in the notebook's order. */
export interface PreprocessReport {
  loaded: Counts;
  merged: Counts;       // after the merge with item metadata
  itemFilter: Counts;   // after the type and popularity filters
  ratingFilter: Counts; // after dropping -1 ratings and the user-id bound: the final data
}

export interface RatingStats {
  counts: Counts;
  /** The notebook's histogram: each distinct rating value and its number of rows. */
  histogram: { value: number; count: number }[];
  /** Rating rows per item, descending (the long tail). */
  popularity: number[];
}

export interface PreparedStats {
  counts: Counts;
  report: PreprocessReport;
  trainRows: number;
  testRows: number;
  trainPositives: number;
  testPositives: number;
  /** Test rows whose user or item has no training row (scored with untrained embeddings). */
  unknownTestRows: number;
  /** Distinct test users with no training row. */
  unknownTestUsers: number;
  /** Distinct test items with no training row (the cold items among them). */
  unknownTestItems: number;
  /** Items held out of training by PrepareOptions.coldItems. */
  coldItems: number;
  /** The side-feature vocabulary of the prepared items and users. */
  vocabulary: FeatureVocabulary;
  /** Users kept out of training (prepare's holdoutUsers) and their train / test positives, outside
   * the counts above. */
  holdoutUsers: number;
  holdoutTrainPositives: number;
  holdoutTestPositives: number;
}

/** One value of a feature field and how many prepared items (or users) carry it. */
export interface FeatureValueCount { value: string; count: number }

export interface FeatureField {
  /** The field's name as ModelOptions.itemFeatures / userFeatures take it ("genre"). */
  field: string;
  /** Rows with at least one value of this field. */
  rowsWithValue: number;
  /** Its values (buckets in order, others by name). */
  values: FeatureValueCount[];
}

/** Every feature field with at least one value in the prepared data. */
export interface FeatureVocabulary {
  items: number;
  users: number;
  itemFields: FeatureField[];
  userFields: FeatureField[];
}

/** Mean per-user metrics over every test user (see README, "How this differs from the notebook"). */
export interface Metrics {
  auc: number;         // mean per-user ROC AUC
  users: number;       // users evaluated
  k: number;
  precisionAtK: number;
  recallAtK: number;
  mapAtK: number;
  ndcgAtK: number;
  /** With a cold split (PrepareOptions.coldItems > 0) the metrics above rank the warm items only,
   * and aucCold is the mean per-user AUC of each user's test positives among the cold items
   * ranked against the other cold items (over coldUsers users). NaN, 0, 0 without cold items. */
  aucCold: number;
  coldUsers: number;
  nColdItems: number;
}

export interface Evaluation extends Metrics {
  /** The baseline on the same users and candidates: every user gets the items ranked by how many
   * users liked them in training (ties by the lower item id). Does not depend on the model. */
  popularity: Metrics;
}

export interface ItemView {
  id: number;          // raw item id
  name: string;
  genres: string;
  type: string;
  score: number;       // NaN where no score applies
  inTest: boolean;     // for recommendations: a test positive of the user (a hit)
  popularity: number;
}

/** Fold-in of a new user against the frozen item side (recommendFor, scoreFor, evaluateFoldIn,
 * likesCurve). Defaults: defaults().foldIn. */
export interface FoldInOptions {
  /** Adam steps on the new user's vector, each over one triplet per like. */
  steps?: number;
  /** Adam's learning rate for the new user's vector. */
  learningRate?: number;
  /** Seed of the initial vector and the negatives: the same likes and seed give the same list. */
  seed?: number;
}

/** A visitor's user feature values, named as in the model's vocabulary ({ gender: 'F', age: '25-34' },
 * or an array for several values of one field). Models trained with user features only; an unknown
 * field or value throws, naming it. */
export type UserFeatureValues = Record<string, string | string[]>;

export interface ScoreForOptions extends FoldInOptions {
  /** The visitor's user features: their mean embedding is the fixed part of the folded-in vector. */
  userFeatures?: UserFeatureValues;
}

export interface RecommendForOptions extends ScoreForOptions {
  /** How many items (default: defaults().evaluate.k). */
  k?: number;
  /** Raw item ids never to recommend, besides the likes (unknown ids exclude nothing). */
  exclude?: number[];
}

/** The like that contributes most to a recommendation's score: "because you liked <name>". */
export interface Explanation {
  /** Raw id of the liked item. */
  id: number;
  name: string;
  /** How much it adds to the score (contributionMeaning() says what that is for the model). */
  contribution: number;
}

/** A recommendation for a visitor's likes: the item, its score and its explanation. */
export interface Recommendation extends ItemView {
  because: Explanation;
}

/** One point of the fold-in AUC against the number of likes (likesCurve). */
export interface LikesCurvePoint {
  /** Train positives each held-out user was folded in from. */
  likes: number;
  /** Their mean per-user ROC AUC on their test positives. */
  auc: number;
  /** Held-out users measured (the same users at every point). */
  users: number;
}

/** How exportServing stores the item side: float32 (exact), float16 or int8 (quantised, smaller). */
export type ServingDtype = 'float32' | 'float16' | 'int8';

export interface ServingOptions {
  dtype?: ServingDtype;
}

/** Recommender.fromModel / WorkerRecommender.fromModel: where the wasm is, and the bundle's name in errors. */
export interface FromModelOptions extends CreateOptions {
  fileName?: string;
}

/** The model's item vectors, as the embedding map shows them. */
export interface ItemVectors {
  /** count × dim, row-major; each row scaled to unit length, so nearest rows are the cosine
   * neighbours that similarItems() ranks. */
  values: Float32Array;
  dim: number;
  /** Which of the model's tensors the rows are, in words (the deep model has an MLP on top). */
  source: string;
  /** The items in row order: raw id, name, genres, type, popularity (rating rows). */
  items: ItemView[];
}

/** Each row's k nearest other rows, nearest first (row-major count × k). */
export interface NeighbourLists {
  k: number;
  indices: Int32Array;
  distances: Float32Array;
}

/** How faithful a 2-D map of item vectors is, with k neighbours per item. */
export interface MapQuality {
  k: number;
  /** Mean share of an item's k nearest neighbours in vector space that stay among its k nearest on the map. */
  neighboursKept: number;
  /** Mean share of an item's k nearest neighbours (vector space) that share a genre with it; NaN without genres. */
  genrePurity: number;
  /** The same on the map. */
  genrePurityOnMap: number;
  /** The same share over all other items: what random neighbourhoods score. */
  genrePurityByChance: number;
}

export interface ModelSummary {
  kind: ModelKind;
  params: number;
  /** The Keras-style summary() table. */
  text: string;
}

export interface LoadInfo { rows: number; bytes: number; seconds: number; }

/** The API both the synchronous Recommender and the WorkerRecommender implement (the latter async). */
export interface RecommenderApi {
  loadRatings(data: FileData, fileName?: string): LoadInfo;
  loadTestRatings(data: FileData, fileName?: string): LoadInfo;
  loadItems(data: FileData, fileName?: string): LoadInfo;
  /** User metadata: MovieLens u.user (`id|age|gender|occupation|zip`) or users.dat
   * (`id::gender::age::occupation::zip`). Its fields become user features (ModelOptions.userFeatures). */
  loadUsers(data: FileData, fileName?: string): LoadInfo;
  /** Forgets the item metadata: names become "item <id>", the item-type filter no longer applies.
   * Drops the prepared data and the model (prepare again). */
  clearItems(): void;
  /** Forgets the user metadata (no user features). Drops the prepared data and the model. */
  clearUsers(): void;
  /** Forgets the loaded test file: prepare() splits the ratings at random again
   * (testFraction, splitSeed). Drops the prepared data and the model. */
  clearTestRatings(): void;
  loadSample(options?: SampleOptions): LoadInfo;
  /** The engine's defaults of every option (per model where the models differ), as the engine
   * applies them when an option is left out. */
  defaults(): EngineDefaults;
  /** Preprocessing that suits the loaded sample (the notebook's thresholds are for the full file). */
  samplePreprocessOptions(): PreprocessOptions;
  loadedStats(): RatingStats;
  preview(options?: PreprocessOptions): PreprocessReport;
  prepare(options?: PrepareOptions): PreparedStats;
  preparedStats(): PreparedStats;
  createModel(options?: ModelOptions): ModelSummary;
  train(options?: TrainOptions): Promise<TrainResult>;
  evaluate(k?: number): Evaluation;
  summary(): ModelSummary;
  /** Raw ids of the prepared users, ascending. */
  users(): number[];
  recommend(userId: number, k?: number): ItemView[];
  similarItems(itemId: number, k?: number): ItemView[];
  userHistory(userId: number): { train: ItemView[]; test: ItemView[] };
  popular(k?: number): ItemView[];
  /** The model's item vectors for the embedding map (a copy). */
  itemVectors(): ItemVectors;
  /** PCA of a row-major matrix (e.g. itemVectors().values) to 2-D: count × 2 (x, y), exact and deterministic. */
  pcaMap(values: Float32Array, dim: number): Float32Array;
  /** Row indices of the k rows nearest to `row` (Euclidean; on unit rows the cosine neighbours), nearest first. */
  nearestRows(values: Float32Array, dim: number, row: number, k?: number): number[];
  /** Every row's k nearest other rows (Euclidean; on unit rows the cosine neighbours), nearest first:
   * count × k indices and distances. UMAP can start from these instead of its own search. */
  nearestNeighbours(values: Float32Array, dim: number, k: number): NeighbourLists;
  /** Faithfulness of a 2-D map `xy` (count × 2) of the prepared items' vectors `values`, with k neighbours (the engine's default k: 10). */
  mapQuality(values: Float32Array, dim: number, xy: Float32Array, k?: number): MapQuality;
  saveModel(): Uint8Array;
  loadModel(data: FileData, fileName?: string): ModelSummary;
  /** The serving bundle of the current model (the safetensors layout); fromModel loads it. */
  exportServing(options?: ServingOptions): Uint8Array;
  /** The dtypes exportServing takes, as the engine names them; the first is its default. */
  servingDtypes(): ServingDtype[];
  /** Items whose name contains `query` (case-insensitive for ASCII letters), most popular first,
   * at most k (default defaults().evaluate.k); "" matches every item. */
  searchItems(query: string, k?: number): ItemView[];
  /** A visitor who is not in the data, folded in from the raw ids of items they like (no
   * retraining): the k best items that are neither liked nor excluded, each with the like that
   * explains it. Deterministic: the same likes and options give the same list. */
  recommendFor(likes: number[], options?: RecommendForOptions): Recommendation[];
  /** Scores of `itemIds` for the visitor folded in from `likes`, in the order given; likes are left out. */
  scoreFor(likes: number[], itemIds: number[], options?: ScoreForOptions): ItemView[];
  /** What an explanation's contribution measures for the current model (one sentence). */
  contributionMeaning(): string;
  /** Raw ids of the held-out users fold-in can be evaluated on (prepare's holdoutUsers). */
  holdoutUsers(): number[];
  /** The held-out users, each folded in from their train positives, ranked as evaluate() ranks. */
  evaluateFoldIn(k?: number, options?: FoldInOptions): Metrics;
  /** evaluate() restricted to the given users (raw ids): the jointly trained side of the comparison. */
  evaluateUsers(userIds: number[], k?: number): Metrics;
  /** Fold-in AUC of the held-out users against the number of likes they are folded in from
   * (default 1, 3, 5, 10, 20). */
  likesCurve(counts?: number[], options?: FoldInOptions): LikesCurvePoint[];
  dispose(): void;
}

/** Options without the package's own callbacks: what defaults() gives for train(). */
export type EngineTrainOptions = Omit<TrainOptions, 'onProgress' | 'signal'>;

/** Every option's default, from the engine's option table (Recommender.defaults()). */
export interface EngineDefaults {
  loadSample: Required<SampleOptions>;
  prepare: Required<Omit<PrepareOptions, 'maxUserId'>> & { maxUserId: number | null };
  /** Feature fields as arrays ([] = ids only). */
  createModel: Record<ModelKind, Required<ModelOptions> & { itemFeatures: string[]; userFeatures: string[] }>;
  train: Record<ModelKind, Required<EngineTrainOptions>>;
  evaluate: { k: number };
  foldIn: Required<FoldInOptions>;
}

// ---- additions of the package implementation (web/src/recommender.ts, worker-recommender.ts) ----

/** How to find the wasm binary when the default (next to the package's JS) does not fit. */
export interface CreateOptions {
  /**
   * URL of tripletrec.wasm (e.g. a CDN); a relative one is relative to the page, for both clients.
   * Under Node also a file: URL or a file path (relative to the working directory).
   */
  wasmUrl?: string | URL;
  /** The bytes of tripletrec.wasm, already fetched. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /**
   * Which build of the engine runs. 'auto' (default): the threaded build (dist/mt/) where the page
   * is cross-origin isolated (`crossOriginIsolated`, which gives SharedArrayBuffer), else the
   * single-threaded one. 'threaded': that build or an error saying why not (under Node it works
   * through worker_threads). 'single-threaded': always the single-threaded build. With wasmUrl or
   * wasmBinary, the single-threaded build (they name its .wasm).
   */
  engine?: EngineBuild;
  /**
   * The most memory, in bytes, that the engine lets a model, a training (every thread's buffers
   * included), an evaluation or a generated sample need: anything larger is refused up front with
   * an error that says what would need how much (nothing is allocated, the state is kept). Default
   * 1 GiB (1,073,741,824 B, what a browser tab can give); a whole number in [1 MiB, 1 TiB].
   * Memory the wasm instance cannot grow to (4 GB single-threaded, 2 GB threaded) fails anyway.
   */
  memoryBudget?: number;
}

/** The engine's two builds, and 'auto' (see CreateOptions.engine). */
export type EngineBuild = 'auto' | 'threaded' | 'single-threaded';

/** Details of a load beyond LoadInfo: where the time went. */
export interface LoadTiming extends LoadInfo {
  copySeconds: number;   // bytes into wasm memory (one TypedArray.set / TextEncoder.encodeInto)
  parseSeconds: number;  // the engine's parse
  /** WorkerRecommender with a Blob: the worker's time waiting for its chunks, which are copied into
   * the engine as they arrive (copySeconds); not in `seconds`, so readSeconds + seconds is the load. */
  readSeconds?: number;
}

/** Stages of a worker load, in order. A Blob has 'read' (repeated, its bytes streamed into the
 * engine) instead of 'copy'; bytes or a string have 'copy'. */
export type LoadStage = 'transfer' | 'read' | 'copy' | 'parse' | 'done';
/** bytes: the size of the file (a string's UTF-16 length until it is encoded); for 'read', the
 * bytes read so far (from 0, at most every 8 MB or 50 ms, ending at the Blob's size). */
export interface LoadProgress { stage: LoadStage; bytes: number; elapsedSeconds: number; }

export interface LoadOptions {
  /** Worker client only: called as the load passes each stage (big files take seconds). */
  onProgress?: (progress: LoadProgress) => void;
  /** Worker client only: move ArrayBuffer/Uint8Array bytes to the worker instead of copying
   * them (the caller's buffer is detached afterwards). Default true. No effect on a Blob (never
   * copied on the caller's thread) or a string. */
  transfer?: boolean;
}

export interface TrainResultDetails extends TrainResult {
  /** Batches trained in this call. */
  batches: number;
}

export interface HeapStats {
  /** Bytes malloc has handed out and not taken back (all engines of this wasm instance). */
  allocatedBytes: number;
  freeBytes: number;
  /** Bytes malloc obtained from the wasm memory. */
  arenaBytes: number;
  /** Size of the whole wasm memory (it only grows). */
  memoryBytes: number;
  /** This engine's memory budget (CreateOptions.memoryBudget, else the engine's default); absent
   * once the engine is disposed. */
  memoryBudget?: number;
}

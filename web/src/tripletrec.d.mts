// Hand-written types of the Emscripten module web/dist/tripletrec.mjs (3.1.6 has no --emit-tsd).
// Mirrors EMSCRIPTEN_BINDINGS in cpp/bindings/embind.cpp. Internal: the package API wraps it.
import type {
  Counts, Evaluation, LikesCurvePoint, Metrics, Recommendation, ItemVectors, ItemView, MapQuality, ModelSummary, NeighbourLists, PreparedStats, PreprocessOptions,
  PreprocessReport, RatingStats, SampleOptions, TrainProgress,
} from './types.js';

/** The engine's progress: TrainProgress without what the package's training loop adds. */
export type EngineProgress = Omit<TrainProgress, 'epochAucs'>;

export interface HeapStats {
  /** Bytes malloc has handed out and not taken back. */
  allocatedBytes: number;
  freeBytes: number;
  /** Bytes malloc obtained from the wasm memory. */
  arenaBytes: number;
}

/** One option of the engine's option table (cpp/include/tripletrec/options.hpp). */
export interface OptionSpec {
  key: string;                 // the package's key
  flag: string;                // the CLI's flag
  group: 'loadSample' | 'prepare' | 'createModel' | 'train' | 'evaluate' | 'foldIn';
  type: 'integer' | 'number' | 'boolean' | 'enum' | 'string' | 'integerList' | 'fieldList';
  nullable: boolean;
  /** What a value must be, as the engine's messages say it: "an integer in [1, 4096]". */
  expected: string;
  help: string;
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
  maxLength?: number;
  /** enum: its names; fieldList: the field names an array may hold. */
  choices?: string[];
  defaults: { bilinear: unknown; deep: unknown; fm: unknown };
}

export interface EngineHandle {
  inputBuffer(size: number): Uint8Array;
  releaseInput(): void;
  setMemoryBudget(bytes: number): void;
  memoryBudget(): number;
  loadRatings(length: number, source: string): void;
  loadTestRatings(length: number, source: string): void;
  loadItems(length: number, source: string): void;
  loadUsers(length: number, source: string): void;
  loadModel(length: number, source: string): ModelSummary;
  loadSample(options: SampleOptions | undefined): void;
  loadedRows(): number;
  loadedItemRows(): number;
  loadedUserRows(): number;
  loadedTestRows(): number;
  clearItems(): void;
  clearUsers(): void;
  clearTestRatings(): void;
  samplePreprocessOptions(): PreprocessOptions;
  loadedStats(): RatingStats;
  preparedRatingStats(): RatingStats;
  preview(options: object | undefined): PreprocessReport;
  prepare(options: object | undefined): PreparedStats;
  preparedStats(): PreparedStats;
  createModel(options: object | undefined): ModelSummary;
  summary(): ModelSummary;
  beginTraining(options: object): EngineProgress;
  trainFor(maxBatches: number, maxSeconds: number): boolean;
  /** Batches trained so far (epoch and batch of trainingProgress() as one count). */
  trainedBatches(): number;
  trainingProgress(): EngineProgress;
  endTraining(): void;
  evaluate(k: number | undefined): Evaluation;
  paramCount(): number;
  users(): number[];
  recommend(userId: number, k: number | undefined): ItemView[];
  similarItems(itemId: number, k: number | undefined): ItemView[];
  userHistory(userId: number): { train: ItemView[]; test: ItemView[] };
  popular(k: number | undefined): ItemView[];
  /** options: { k, exclude, steps, learningRate, seed } (absent keys: the engine's defaults). */
  recommendFor(likes: number[], options: object | undefined): Recommendation[];
  scoreFor(likes: number[], itemIds: number[], options: object | undefined): ItemView[];
  contributionMeaning(): string;
  searchItems(query: string, k: number | undefined): ItemView[];
  holdoutUsers(): number[];
  evaluateFoldIn(k: number | undefined, options: object | undefined): Metrics;
  evaluateUsers(userIds: number[], k: number | undefined): Metrics;
  likesCurve(counts: number[] | undefined, options: object | undefined): LikesCurvePoint[];
  itemVectors(): ItemVectors;
  pcaMap(values: Float32Array, dim: number): Float32Array;
  nearestRows(values: Float32Array, dim: number, row: number, k: number | undefined): number[];
  nearestNeighbours(values: Float32Array, dim: number, k: number | undefined): NeighbourLists;
  mapQuality(values: Float32Array, dim: number, xy: Float32Array, k: number | undefined): MapQuality;
  saveModel(): Uint8Array;
  loadServing(length: number, source: string): ModelSummary;
  exportServing(options: object | undefined): Uint8Array;
  delete(): void;
  isDeleted(): boolean;
}

export interface TripletrecModule {
  Engine: { new (): EngineHandle };
  heapStats(): HeapStats;
  /** Message of the last failed Engine call ("" if none), cleared by reading. */
  takeError(): string;
  /** The engine's option table: keys, types, ranges, enum names, defaults. */
  optionTable(): OptionSpec[];
  /** The serving bundle's item-side storage types ("float32", "float16", "int8"). */
  servingDtypes(): string[];
  HEAP8: Int8Array;
}

export interface ModuleOverrides {
  locateFile?: (path: string, scriptDirectory: string) => string;
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Threaded build: the URL its pthread workers import the module from. */
  mainScriptUrlOrBlob?: string;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

export type { Counts };
declare const createTripletrecModule: (overrides?: ModuleOverrides) => Promise<TripletrecModule>;
export default createTripletrecModule;

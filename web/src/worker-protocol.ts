// Messages between WorkerRecommender (caller side) and worker.ts (engine side), typed end to end:
// WorkerMethods maps every method the worker runs to its arguments and its result. The client's
// calls (worker-recommender.ts) and the worker's handlers (worker.ts) are both checked against it,
// so a method, an argument or a result that does not match is a compile error on both sides.
import type { Recommender } from './recommender.js';
import type {
  CreateOptions, EngineTrainOptions, FileSource, LoadProgress, LoadTiming, ModelSummary, TrainProgress,
  TrainResultDetails,
} from './types.js';

/** Int32 slots of the SharedArrayBuffer that lets the caller cancel between two batches. */
export const CONTROL_CANCEL = 0;  // set to 1 by the caller to cancel
export const CONTROL_SLOTS = 1;

/** A method the worker runs as the synchronous Recommender does: same arguments, same result. */
type AsInRecommender<M extends keyof Recommender> =
  Recommender[M] extends (...args: infer Args) => infer Result ? { args: Args; result: Result } : never;

/** A file load: bytes, a string or a Blob (which the worker reads), and the name errors give. */
interface FileLoad<Result> { args: [data: FileSource, fileName: string | undefined]; result: Result }

export interface WorkerMethods {
  loadRatings: FileLoad<LoadTiming>;
  loadTestRatings: FileLoad<LoadTiming>;
  loadItems: FileLoad<LoadTiming>;
  loadUsers: FileLoad<LoadTiming>;
  loadModel: FileLoad<ModelSummary>;
  /** A serving bundle (WorkerRecommender.fromModel). */
  loadServing: FileLoad<ModelSummary>;
  /** The bundle's buffer is transferred to the caller. */
  exportServing: AsInRecommender<'exportServing'>;
  servingDtypes: AsInRecommender<'servingDtypes'>;
  clearItems: AsInRecommender<'clearItems'>;
  clearUsers: AsInRecommender<'clearUsers'>;
  clearTestRatings: AsInRecommender<'clearTestRatings'>;
  loadSample: AsInRecommender<'loadSample'>;
  samplePreprocessOptions: AsInRecommender<'samplePreprocessOptions'>;
  defaults: AsInRecommender<'defaults'>;
  loadedStats: AsInRecommender<'loadedStats'>;
  preparedRatingStats: AsInRecommender<'preparedRatingStats'>;
  preview: AsInRecommender<'preview'>;
  prepare: AsInRecommender<'prepare'>;
  preparedStats: AsInRecommender<'preparedStats'>;
  createModel: AsInRecommender<'createModel'>;
  summary: AsInRecommender<'summary'>;
  paramCount: AsInRecommender<'paramCount'>;
  /** The model file's buffer is transferred to the caller. */
  saveModel: AsInRecommender<'saveModel'>;
  /** The callback and the signal stay with the caller: progress comes back as 'progress' messages,
   * a cancel goes as a 'cancel' message and the shared flag. */
  train: { args: [options: EngineTrainOptions]; result: TrainResultDetails };
  evaluate: AsInRecommender<'evaluate'>;
  users: AsInRecommender<'users'>;
  recommend: AsInRecommender<'recommend'>;
  similarItems: AsInRecommender<'similarItems'>;
  userHistory: AsInRecommender<'userHistory'>;
  popular: AsInRecommender<'popular'>;
  itemVectors: AsInRecommender<'itemVectors'>;
  pcaMap: AsInRecommender<'pcaMap'>;
  nearestRows: AsInRecommender<'nearestRows'>;
  /** The index and distance buffers are transferred to the caller. */
  nearestNeighbours: AsInRecommender<'nearestNeighbours'>;
  mapQuality: AsInRecommender<'mapQuality'>;
  searchItems: AsInRecommender<'searchItems'>;
  recommendFor: AsInRecommender<'recommendFor'>;
  scoreFor: AsInRecommender<'scoreFor'>;
  contributionMeaning: AsInRecommender<'contributionMeaning'>;
  holdoutUsers: AsInRecommender<'holdoutUsers'>;
  evaluateFoldIn: AsInRecommender<'evaluateFoldIn'>;
  evaluateUsers: AsInRecommender<'evaluateUsers'>;
  likesCurve: AsInRecommender<'likesCurve'>;
  heapStats: AsInRecommender<'heapStats'>;
}

export type WorkerMethod = keyof WorkerMethods;
export type WorkerArgs<M extends WorkerMethod> = WorkerMethods[M]['args'];
export type WorkerResult<M extends WorkerMethod> = WorkerMethods[M]['result'];

/** A call of method M. `control`: the cancel flag of a train call, when SharedArrayBuffer exists. */
export interface CallMessage<M extends WorkerMethod = WorkerMethod> {
  type: 'call';
  id: number;
  method: M;
  args: WorkerArgs<M>;
  control?: SharedArrayBuffer;
}

/** Any call, as the union of each method's own message (so `method` narrows `args`). */
export type AnyCallMessage = { [M in WorkerMethod]: CallMessage<M> }[WorkerMethod];

export type ToWorker =
  | { type: 'init'; options: Omit<CreateOptions, 'wasmUrl'> & { wasmUrl?: string } }
  | AnyCallMessage
  | { type: 'cancel'; id: number };

/** The reply to call `id` of method M. */
export interface ResultMessage<M extends WorkerMethod = WorkerMethod> { type: 'result'; id: number; value: WorkerResult<M> }

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { [M in WorkerMethod]: ResultMessage<M> }[WorkerMethod]
  | { type: 'error'; id: number; message: string; name: string }
  | { type: 'progress'; id: number; progress: TrainProgress }
  | { type: 'load-progress'; id: number; progress: LoadProgress };

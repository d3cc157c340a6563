// The engine side of WorkerRecommender: a Web Worker (module worker) in browsers, a worker_threads
// worker under Node. Holds one EngineCore (the same engine owner as Recommender) and answers calls
// one at a time, in order.
import { byteLength, isBlob } from './file-data.js';
import { nodeBuiltin } from './node-builtin.js';
import { EngineCore, type CsvLoadMethod, type FileLoadMethod, type ModelLoadMethod } from './engine-core.js';
import {
  CONTROL_CANCEL,
  type CallMessage, type FromWorker, type ResultMessage, type ToWorker, type WorkerArgs, type WorkerMethod,
  type WorkerResult,
} from './worker-protocol.js';
import type {
  EngineTrainOptions, FileData, FileSource, LoadStage, LoadTiming, ModelSummary, TrainOptions, TrainProgress,
  TrainResultDetails,
} from './types.js';

interface Endpoint {
  post(message: FromWorker | ResultMessage, transfer?: Transferable[]): void;
  listen(handler: (message: ToWorker) => void): void;
}

// Slices between progress reports; with a shared cancel flag the engine is called per batch.
const WORKER_SLICE_SECONDS = 0.05;
const WORKER_SLICE_SECONDS_WITHOUT_FLAG = 0.01;
// While a Blob is read: a 'read' report after this many more bytes or this much time, whichever first.
const READ_REPORT_BYTES = 8 * 1024 * 1024;
const READ_REPORT_MS = 50;

let core: EngineCore | undefined;
const cancelled = new Set<number>();
let queue: Promise<void> = Promise.resolve();

function connect(): Promise<Endpoint> {
  const scope = globalThis as unknown as {
    postMessage?: (message: unknown, transfer?: Transferable[]) => void;
    addEventListener?: (type: string, listener: (event: MessageEvent) => void) => void;
    WorkerGlobalScope?: unknown;
  };
  if (scope.WorkerGlobalScope !== undefined && typeof scope.postMessage === 'function') {
    return Promise.resolve({
      post: (message, transfer) => scope.postMessage!(message, transfer ?? []),
      listen: (handler) => scope.addEventListener!('message', (event) => handler(event.data as ToWorker)),
    });
  }
  // Node: worker_threads through process.getBuiltinModule, invisible to bundlers (node-builtin.ts).
  const threads = nodeBuiltin<{
    parentPort: { postMessage(message: unknown, transfer?: unknown[]): void; on(event: 'message', listener: (message: ToWorker) => void): void };
  }>('node:worker_threads');
  return Promise.resolve({
    post: (message, transfer) => threads.parentPort.postMessage(message, transfer ?? []),
    listen: (handler) => threads.parentPort.on('message', handler),
  });
}

function errorMessage(error: unknown): { message: string; name: string } {
  if (error instanceof Error) return { message: error.message, name: error.name };
  return { message: String(error), name: 'Error' };
}

/** What a handler may use of its call: the id, the cancel flag, progress and transfers of the reply. */
interface CallContext {
  id: number;
  control: SharedArrayBuffer | undefined;
  endpoint: Endpoint;
  /** Buffers of the result to move to the caller instead of copying them. */
  transfer: Transferable[];
}

type Handler<M extends WorkerMethod> =
  (args: WorkerArgs<M>, call: CallContext) => WorkerResult<M> | Promise<WorkerResult<M>>;

function live(): EngineCore {
  if (core === undefined) throw new Error('tripletrec: the worker engine is not ready');
  return core;
}

// One handler per method of the protocol: the compiler checks each one's arguments and result.
const handlers: { [M in WorkerMethod]: Handler<M> } = {
  loadRatings: ([data, fileName], call) => load(call, 'loadRatings', data, fileName),
  loadTestRatings: ([data, fileName], call) => load(call, 'loadTestRatings', data, fileName),
  loadItems: ([data, fileName], call) => load(call, 'loadItems', data, fileName),
  loadUsers: ([data, fileName], call) => load(call, 'loadUsers', data, fileName),
  loadModel: ([data, fileName], call) => load(call, 'loadModel', data, fileName),
  loadServing: ([data, fileName], call) => load(call, 'loadServing', data, fileName),
  clearItems: () => live().clearItems(),
  clearUsers: () => live().clearUsers(),
  clearTestRatings: () => live().clearTestRatings(),
  loadSample: (args) => live().loadSample(...args),
  samplePreprocessOptions: () => live().samplePreprocessOptions(),
  defaults: () => live().defaults(),
  loadedStats: () => live().loadedStats(),
  preparedRatingStats: () => live().preparedRatingStats(),
  preview: (args) => live().preview(...args),
  prepare: (args) => live().prepare(...args),
  preparedStats: () => live().preparedStats(),
  createModel: (args) => live().createModel(...args),
  summary: () => live().summary(),
  paramCount: () => live().paramCount(),
  servingDtypes: () => live().servingDtypes(),
  exportServing: (args, call) => {
    const bytes = live().exportServing(...args);
    call.transfer.push(bytes.buffer);
    return bytes;
  },
  saveModel: (_args, call) => {
    const bytes = live().saveModel();
    call.transfer.push(bytes.buffer);
    return bytes;
  },
  train: ([options], call) => train(call, options),
  evaluate: (args) => live().evaluate(...args),
  users: () => live().users(),
  recommend: (args) => live().recommend(...args),
  similarItems: (args) => live().similarItems(...args),
  userHistory: (args) => live().userHistory(...args),
  popular: (args) => live().popular(...args),
  // The engine's copies are moved to the caller, not copied again.
  itemVectors: (_args, call) => {
    const vectors = live().itemVectors();
    call.transfer.push(vectors.values.buffer);
    return vectors;
  },
  pcaMap: (args, call) => {
    const xy = live().pcaMap(...args);
    call.transfer.push(xy.buffer);
    return xy;
  },
  nearestRows: (args) => live().nearestRows(...args),
  nearestNeighbours: (args, call) => {
    const lists = live().nearestNeighbours(...args);
    call.transfer.push(lists.indices.buffer, lists.distances.buffer);
    return lists;
  },
  mapQuality: (args) => live().mapQuality(...args),
  searchItems: (args) => live().searchItems(...args),
  recommendFor: (args) => live().recommendFor(...args),
  scoreFor: (args) => live().scoreFor(...args),
  contributionMeaning: () => live().contributionMeaning(),
  holdoutUsers: () => live().holdoutUsers(),
  evaluateFoldIn: (args) => live().evaluateFoldIn(...args),
  evaluateUsers: (args) => live().evaluateUsers(...args),
  likesCurve: (args) => live().likesCurve(...args),
  heapStats: () => live().heapStats(),
};

async function handleCall<M extends WorkerMethod>(endpoint: Endpoint, message: CallMessage<M>): Promise<void> {
  const { id, method, args } = message;
  const call: CallContext = { id, control: message.control, endpoint, transfer: [] };
  try {
    const handler: Handler<M> | undefined = handlers[method];
    if (typeof handler !== 'function') throw new Error(`tripletrec: unknown method ${String(method)}`);
    const reply: ResultMessage<M> = { type: 'result', id, value: await handler(args, call) };
    endpoint.post(reply, call.transfer);
  } catch (error) {
    endpoint.post({ type: 'error', id, ...errorMessage(error) });
  } finally {
    cancelled.delete(id);
  }
}

// A load: a Blob is read here straight into the engine (stages 'read' (bytes so far), 'parse' as
// it starts, 'done'); bytes or a string arrived with the message and go in with one engine call.
function load(call: CallContext, method: CsvLoadMethod, source: FileSource,
              fileName: string | undefined): Promise<LoadTiming>;
function load(call: CallContext, method: ModelLoadMethod, source: FileSource, fileName: string | undefined): Promise<ModelSummary>;
async function load(call: CallContext, method: FileLoadMethod, source: FileSource,
                    fileName: string | undefined): Promise<LoadTiming | ModelSummary> {
  const start = performance.now();
  const report = (stage: LoadStage, bytes: number) => call.endpoint.post({
    type: 'load-progress', id: call.id, progress: { stage, bytes, elapsedSeconds: (performance.now() - start) / 1000 },
  });
  if (!isBlob(source)) return loadData(live(), method, source, fileName, report);
  const onRead = throttleReads(report, source.size);
  const value = isModelLoad(method)
    ? await live().loadModelBlob(method, source, fileName, onRead)
    : await live().loadCsvBlob(method, source, fileName, onRead);
  report('done', source.size);
  return value;
}

const isModelLoad = (method: FileLoadMethod): method is ModelLoadMethod => method === 'loadModel' || method === 'loadServing';

// Bytes or a string arrived with the message: one engine call copies and parses them.
function loadData(target: EngineCore, method: FileLoadMethod, data: FileData, fileName: string | undefined,
                  report: (stage: LoadStage, bytes: number) => void): LoadTiming | ModelSummary {
  report('copy', byteLength(data));
  let value: LoadTiming | ModelSummary;
  let parsedBytes = byteLength(data);
  if (isModelLoad(method)) {
    value = target.loadModelFile(method, data, fileName);
  } else {
    const info = target.loadCsv(method, data, fileName);
    parsedBytes = info.bytes;  // a string's size once encoded as UTF-8
    value = info;
  }
  report('parse', parsedBytes);  // the copy and the engine's parse are one call: reported once done
  report('done', parsedBytes);
  return value;
}

// A Blob (a File from the page) arrives as a reference to its bytes, read here chunk by chunk.
// 'read' reports start at 0, come at most every READ_REPORT_BYTES / READ_REPORT_MS, and end at
// the Blob's size; 'parse' passes through.
function throttleReads(report: (stage: LoadStage, bytes: number) => void, size: number) {
  let reportedBytes = 0;
  let reportedAt = performance.now();
  report('read', 0);
  return (stage: 'read' | 'parse', bytes: number): void => {
    if (stage === 'read') {
      const now = performance.now();
      if (bytes < size && bytes - reportedBytes < READ_REPORT_BYTES && now - reportedAt < READ_REPORT_MS) return;
      reportedBytes = bytes;
      reportedAt = now;
    }
    report(stage, bytes);
  };
}

function train({ id, control, endpoint }: CallContext, plain: EngineTrainOptions): Promise<TrainResultDetails> {
  const flags = control ? new Int32Array(control) : undefined;
  const options: TrainOptions = {
    ...plain, onProgress: (progress: TrainProgress) => endpoint.post({ type: 'progress', id, progress }),
  };
  return live().train(options, {
    isCancelled: () => cancelled.has(id) || (flags !== undefined && Atomics.load(flags, CONTROL_CANCEL) !== 0),
    // With the shared flag, which the caller sets at any time, the flag is read before every batch.
    batchesPerCall: flags ? 1 : Number.MAX_SAFE_INTEGER,
    sliceSeconds: flags ? WORKER_SLICE_SECONDS : WORKER_SLICE_SECONDS_WITHOUT_FLAG,
  });
}

void connect().then((endpoint) => {
  endpoint.listen((message) => {
    if (message.type === 'init') {
      EngineCore.create(message.options).then(
        (created) => { core = created; endpoint.post({ type: 'ready' }); },
        (error: unknown) => endpoint.post({ type: 'init-error', message: errorMessage(error).message }));
    } else if (message.type === 'cancel') {
      cancelled.add(message.id);
    } else if (message.type === 'call') {
      // One call at a time, in arrival order; cancel messages bypass the queue.
      queue = queue.then(() => handleCall(endpoint, message));
    }
  });
});

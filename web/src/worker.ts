// The engine side of WorkerRecommender: a Web Worker (module worker) in browsers, a worker_threads
// worker under Node. Holds one Recommender and answers calls one at a time, in order.
import { byteLength, isBlob } from './file-data.js';
import { nodeBuiltin } from './node-builtin.js';
import { batchesTrained, loadBlob, Recommender, trainWithControl, type FileLoadMethod } from './recommender.js';
import {
  CONTROL_BATCHES_AT_CANCEL, CONTROL_BATCHES_DONE, CONTROL_CANCEL,
  type FromWorker, type ToWorker,
} from './worker-protocol.js';
import type { FileData, FileSource, LoadStage, TrainOptions, TrainProgress } from './types.js';

interface Endpoint {
  post(message: FromWorker, transfer?: Transferable[]): void;
  listen(handler: (message: ToWorker) => void): void;
}

// Slices between progress reports; with a shared cancel flag the engine is called per batch.
const WORKER_SLICE_SECONDS = 0.05;
const WORKER_SLICE_SECONDS_WITHOUT_FLAG = 0.01;
// While a Blob is read: a 'read' report after this many more bytes or this much time, whichever first.
const READ_REPORT_BYTES = 8 * 1024 * 1024;
const READ_REPORT_MS = 50;

let recommender: Recommender | undefined;
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

async function handleCall(endpoint: Endpoint, message: Extract<ToWorker, { type: 'call' }>): Promise<void> {
  const { id, method, args } = message;
  try {
    if (recommender === undefined) throw new Error('tripletrec: the worker engine is not ready');
    let value: unknown;
    const transfer: Transferable[] = [];
    if (method === 'train') {
      const options = { ...((args[0] ?? {}) as TrainOptions),
        onProgress: (progress: TrainProgress) => endpoint.post({ type: 'progress', id, progress }) };
      value = await train(id, options, message.control);
    } else if (method === 'loadRatings' || method === 'loadTestRatings' || method === 'loadItems' ||
               method === 'loadModel') {
      const start = performance.now();
      const report = (stage: LoadStage, bytes: number) => endpoint.post({
        type: 'load-progress', id, progress: { stage, bytes, elapsedSeconds: (performance.now() - start) / 1000 },
      });
      const source = args[0] as FileSource;
      const fileName = args[1] as string | undefined;
      if (isBlob(source)) {
        // Read straight into the engine: stages 'read' (bytes so far), 'parse' (as it starts), 'done'.
        value = await loadBlob(recommender, method, source, fileName, throttleReads(report, source.size));
        report('done', source.size);
      } else {
        value = loadData(recommender, method, source, fileName, report);
      }
    } else if (method === 'saveModel') {
      const bytes = recommender.saveModel();
      transfer.push(bytes.buffer);
      value = bytes;
    } else {
      const target = recommender as unknown as Record<string, (...callArgs: unknown[]) => unknown>;
      if (typeof target[method] !== 'function') throw new Error(`tripletrec: unknown method ${method}`);
      value = target[method]!(...args);
    }
    endpoint.post({ type: 'result', id, value }, transfer);
  } catch (error) {
    endpoint.post({ type: 'error', id, ...errorMessage(error) });
  } finally {
    cancelled.delete(id);
    cancelAt.delete(id);
  }
}

// Bytes or a string arrived with the message: one engine call copies and parses them.
function loadData(target: Recommender, method: FileLoadMethod, data: FileData, fileName: string | undefined,
                  report: (stage: LoadStage, bytes: number) => void): unknown {
  report('copy', byteLength(data));
  let value: unknown;
  let parsedBytes = byteLength(data);
  if (method === 'loadModel') {
    value = target.loadModel(data, fileName);
  } else {
    const info = target[method](data, fileName);
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

function train(id: number, options: TrainOptions, control?: SharedArrayBuffer) {
  const flags = control ? new Int32Array(control) : undefined;
  return trainWithControl(recommender!, options, {
    isCancelled: () => cancelled.has(id) || (flags !== undefined && Atomics.load(flags, CONTROL_CANCEL) !== 0),
    batchesPerCall: flags ? 1 : Number.MAX_SAFE_INTEGER,
    sliceSeconds: flags ? WORKER_SLICE_SECONDS : WORKER_SLICE_SECONDS_WITHOUT_FLAG,
    onBatches: flags ? (batches) => Atomics.store(flags, CONTROL_BATCHES_DONE, batches) : undefined,
    batchesAtCancel: () => {
      if (flags && Atomics.load(flags, CONTROL_CANCEL) !== 0) return Atomics.load(flags, CONTROL_BATCHES_AT_CANCEL);
      return cancelAt.get(id);
    },
  });
}

// Without a shared flag the cancel arrives as a message between slices: note where training was.
const cancelAt = new Map<number, number>();

void connect().then((endpoint) => {
  endpoint.listen((message) => {
    if (message.type === 'init') {
      Recommender.create(message.options).then(
        (created) => { recommender = created; endpoint.post({ type: 'ready' }); },
        (error: unknown) => endpoint.post({ type: 'init-error', message: errorMessage(error).message }));
    } else if (message.type === 'cancel') {
      cancelled.add(message.id);
      if (recommender !== undefined && !cancelAt.has(message.id)) {
        cancelAt.set(message.id, batchesTrained(recommender));
      }
    } else if (message.type === 'call') {
      // One call at a time, in arrival order; cancel messages bypass the queue.
      queue = queue.then(() => handleCall(endpoint, message));
    }
  });
});

// The training loop shared by the main-thread Recommender and the worker: the engine trains in
// short slices; between slices the loop reports progress and returns to the event loop, so the
// page stays responsive and an abort can arrive. With evaluateEachEpoch no engine call crosses an
// epoch's end, so the model can be evaluated exactly as it is after each epoch.
import type { EngineHandle, EngineProgress } from './tripletrec.mjs';
import type { TrainOptions, TrainProgress, TrainResultDetails } from './types.js';

export interface SliceControl {
  /** Checked before every engine call; true stops training. */
  isCancelled(): boolean;
  /** Batches per engine call: 1 when a cancel flag can change during a slice (worker + SAB). */
  batchesPerCall: number;
  /** Length of a slice between progress reports and event-loop turns. */
  sliceSeconds: number;
}

const now = (): number => performance.now() / 1000;

export function engineTrainOptions(options: TrainOptions): object {
  const { onProgress: _onProgress, signal: _signal, evaluateEachEpoch: _evaluate, ...plain } = options;
  return plain;
}

/** Batches the engine may run in one call: never past the end of the epoch when evaluating. */
function batchesForCall(progress: EngineProgress, batchesPerCall: number, evaluateEachEpoch: boolean): number {
  if (!evaluateEachEpoch) return batchesPerCall;
  // At least 1: a finished run has no batches left but then trainFor is not called.
  return Math.max(1, Math.min(batchesPerCall, progress.batchesPerEpoch - progress.batch));
}

export async function runTraining(
  engine: EngineHandle,
  options: TrainOptions,
  control: SliceControl,
  report: (progress: TrainProgress) => void,
): Promise<TrainResultDetails> {
  const evaluateEachEpoch = options.evaluateEachEpoch === true;
  const first = engine.beginTraining(engineTrainOptions(options));
  const startBatches = engine.trainedBatches();
  // One per finished epoch; evaluate() runs between engine calls, so the engine's training clock
  // (elapsedSeconds, tripletsPerSecond) never counts it.
  const epochAucs: number[] = [];
  let progress: EngineProgress = first;
  let cancelled = false;
  let batches = 0;
  let failed = false;
  try {
    let more = true;
    while (more) {
      const sliceEnd = now() + control.sliceSeconds;
      let epochEnded = false;
      do {
        if (control.isCancelled()) { cancelled = true; break; }
        more = engine.trainFor(batchesForCall(progress, control.batchesPerCall, evaluateEachEpoch), control.sliceSeconds);
        // The whole progress object only when needed: with a cancel flag this runs per batch.
        if (evaluateEachEpoch) progress = engine.trainingProgress();
        if (evaluateEachEpoch && progress.epochLosses.length > epochAucs.length) {
          // The call stopped at the epoch's end: the model is the one after this epoch.
          epochAucs.push(engine.evaluate(10).auc);
          epochEnded = true;  // report the new AUC now
        }
      } while (more && !epochEnded && now() < sliceEnd);
      progress = engine.trainingProgress();
      report(withAucs(progress, epochAucs));
      if (cancelled || !more) break;
      await yieldToEventLoop();
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    try {
      progress = engine.trainingProgress();
      batches = engine.trainedBatches() - startBatches;
      engine.endTraining();
    } catch (cleanupError) {
      // The loop's own error (e.g. a trap that killed the module) is the one the caller needs.
      if (!failed) throw cleanupError;
    }
  }
  return {
    cancelled,
    epochsCompleted: progress.epochLosses.length,
    epochLosses: progress.epochLosses,
    epochAucs,
    seconds: progress.elapsedSeconds,
    triplets: progress.triplets,
    tripletsPerSecond: progress.tripletsPerSecond,
    threads: progress.threads,
    batches,
  };
}

/** The progress a caller sees: the engine's, with a copy of the AUCs so far. */
function withAucs(progress: EngineProgress, epochAucs: number[]): TrainProgress {
  return { ...progress, epochAucs: [...epochAucs] };
}

/** One macrotask turn (not clamped like nested setTimeout): lets messages and abort events in. */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => void }).setImmediate;
  if (typeof immediate === 'function') return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

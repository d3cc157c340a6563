// The training loop shared by the main-thread Recommender and the worker: the engine trains in
// short slices; between slices the loop reports progress and returns to the event loop, so the
// page stays responsive and an abort can arrive.
import type { EngineHandle } from './tripletrec.mjs';
import type { TrainOptions, TrainProgress, TrainResultDetails } from './types.js';

export interface SliceControl {
  /** Checked before every engine call; true stops training. */
  isCancelled(): boolean;
  /** Batches per engine call: 1 when a cancel flag can change during a slice (worker + SAB). */
  batchesPerCall: number;
  /** Length of a slice between progress reports and event-loop turns. */
  sliceSeconds: number;
  /** Called after every engine call with the batches trained so far in this run. */
  onBatches?(batches: number): void;
  /** Batches done when the cancel was requested, if it was (for batchesAfterCancel). */
  batchesAtCancel(): number | undefined;
}

const now = (): number => performance.now() / 1000;

export function totalBatches(progress: TrainProgress): number {
  // Once finished the engine reports epoch == epochs with the last epoch's batch count kept.
  if (progress.epoch >= progress.epochs) return progress.epochs * progress.batchesPerEpoch;
  return progress.epoch * progress.batchesPerEpoch + progress.batch;
}

export function engineTrainOptions(options: TrainOptions): object {
  const { onProgress: _onProgress, signal: _signal, ...plain } = options;
  return plain;
}

export async function runTraining(
  engine: EngineHandle,
  options: TrainOptions,
  control: SliceControl,
  report: (progress: TrainProgress) => void,
): Promise<TrainResultDetails> {
  const first = engine.beginTraining(engineTrainOptions(options));
  const startBatches = totalBatches(first);
  let progress = first;
  let cancelled = false;
  try {
    let more = true;
    while (more) {
      const sliceEnd = now() + control.sliceSeconds;
      do {
        if (control.isCancelled()) { cancelled = true; break; }
        more = engine.trainFor(control.batchesPerCall, control.sliceSeconds);
        if (control.onBatches) control.onBatches(totalBatches(engine.trainingProgress()) - startBatches);
      } while (more && now() < sliceEnd);
      progress = engine.trainingProgress();
      report(progress);
      if (cancelled || !more) break;
      await yieldToEventLoop();
    }
  } finally {
    progress = engine.trainingProgress();
    engine.endTraining();
  }
  const batches = totalBatches(progress) - startBatches;
  const atCancel = control.batchesAtCancel();
  return {
    cancelled,
    epochsCompleted: progress.epochLosses.length,
    epochLosses: progress.epochLosses,
    seconds: progress.elapsedSeconds,
    triplets: progress.triplets,
    tripletsPerSecond: progress.tripletsPerSecond,
    batches,
    batchesAfterCancel: cancelled && atCancel !== undefined ? Math.max(0, batches - atCancel) : 0,
  };
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

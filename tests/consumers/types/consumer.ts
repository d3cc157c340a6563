// A TypeScript consumer (ES module), type-checked with `strict` under moduleResolution bundler,
// node16 and nodenext. The @ts-expect-error lines prove the types are real, not `any`.
import { Recommender, WorkerRecommender, type CreateOptions, type TrainProgress } from 'tripletrec';

export async function consume(wasmBinary: ArrayBuffer): Promise<number> {
  const options: CreateOptions = { wasmUrl: new URL('https://cdn.example/tripletrec.wasm') };
  const rec = await Recommender.create(options);
  rec.loadSample();
  rec.prepare(rec.samplePreprocessOptions());
  rec.createModel({ model: 'deep' });
  const progress: TrainProgress[] = [];
  const result = await rec.train({ epochs: 1, onProgress: (p) => { progress.push(p); } });
  const auc: number = rec.evaluate().auc;
  rec.dispose();

  const worker = await WorkerRecommender.create({ wasmBinary });
  await worker.loadSample();
  // @ts-expect-error: WorkerRecommender methods return Promises
  const notAwaited: number = worker.evaluate().auc;
  worker.terminate();
  // @ts-expect-error: wasmUrl is a string or a URL
  await Recommender.create({ wasmUrl: 42 });
  return auc + result.epochsCompleted + notAwaited;
}

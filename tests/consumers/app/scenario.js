// What a consumer does with the package, the same in every bundled page and in Node: train the
// built-in sample through the synchronous client and through the worker client.
import { Recommender, WorkerRecommender } from 'tripletrec';

/** `options` goes to both create() calls (the CDN case passes wasmUrl or wasmBinary). */
export async function run(options = {}) {
  const rec = await Recommender.create(options);
  rec.loadSample();
  rec.prepare(rec.samplePreprocessOptions());
  rec.createModel();
  const untrainedAuc = rec.evaluate().auc;
  let events = 0;
  const trained = await rec.train({ epochs: 3, onProgress: () => { events += 1; } });
  const user = rec.users()[0];
  const auc = rec.evaluate().auc;
  const names = rec.recommend(user, 3).map((item) => item.name);
  rec.dispose();

  const worker = await WorkerRecommender.create(options);
  await worker.loadSample();
  await worker.prepare(await worker.samplePreprocessOptions());
  await worker.createModel();
  let workerEvents = 0;
  const workerTrained = await worker.train({ epochs: 3, onProgress: () => { workerEvents += 1; } });
  const workerAuc = (await worker.evaluate()).auc;
  const workerNames = (await worker.recommend(user, 3)).map((item) => item.name);
  worker.terminate();
  return { untrainedAuc, auc, epochs: trained.epochsCompleted, events, names,
           workerAuc, workerEpochs: workerTrained.epochsCompleted, workerEvents, workerNames };
}

// The page served cross-origin isolated: the package picks its threaded build by itself, and both
// clients train the sample on the default threads (every core).
import { Recommender, WorkerRecommender } from 'tripletrec';

async function train(client) {
  await client.loadSample();
  await client.prepare(await client.samplePreprocessOptions());
  await client.createModel();
  const trained = await client.train({ epochs: 3 });
  return { threads: trained.threads, epochs: trained.epochsCompleted, auc: (await client.evaluate()).auc };
}

try {
  const rec = await Recommender.create();
  const page = await train(rec);
  rec.dispose();
  const worker = await WorkerRecommender.create();
  const inWorker = await train(worker);
  worker.terminate();
  window.tripletrecResult = { crossOriginIsolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency,
                              page, worker: inWorker };
} catch (error) {
  window.tripletrecResult = { error: String((error && error.stack) || error) };
}

// The CommonJS consumers' scenario, given the package however they loaded it: both clients train
// the sample for one epoch; prints what the test checks.
async function trainBoth({ Recommender, WorkerRecommender }) {
  const rec = await Recommender.create();
  rec.loadSample();
  rec.prepare(rec.samplePreprocessOptions());
  rec.createModel();
  const trained = await rec.train({ epochs: 1 });
  const worker = await WorkerRecommender.create();
  await worker.loadSample();
  await worker.prepare(await worker.samplePreprocessOptions());
  await worker.createModel();
  const workerTrained = await worker.train({ epochs: 1 });
  worker.terminate();
  console.log(JSON.stringify({ epochs: trained.epochsCompleted, workerEpochs: workerTrained.epochsCompleted,
                               recommended: rec.recommend(rec.users()[0], 3).length }));
  rec.dispose();
}

module.exports = { trainBoth };

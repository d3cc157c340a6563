// The popularity baseline in evaluate() and the embedding map's engine calls (item vectors, PCA,
// nearest rows, map quality), synchronously and through the worker, against the real wasm build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender, WorkerRecommender, type Evaluation } from 'tripletrec';

// The default sample (3000 users, 400 items) learns visibly in 3 epochs.
const EPOCHS = 3;

describe('popularity baseline and embedding map', () => {
  let rec: Recommender;
  let untrained: Evaluation;
  let trained: Evaluation;
  let untrainedVectors: ReturnType<Recommender['itemVectors']>;
  beforeAll(async () => {
    rec = await Recommender.create();
    rec.loadSample();
    rec.prepare(rec.samplePreprocessOptions());
    rec.createModel({ model: 'bilinear' });
    untrained = rec.evaluate();
    untrainedVectors = rec.itemVectors();
    await rec.train({ epochs: EPOCHS });
    trained = rec.evaluate();
  }, 120_000);
  afterAll(() => rec.dispose());

  it('evaluate() carries the popularity baseline, which does not depend on the model', () => {
    expect(untrained.popularity).toEqual(trained.popularity);
    const { popularity } = trained;
    expect(popularity.users).toBe(trained.users);
    expect(popularity.k).toBe(10);
    // The sample's items have power-law popularity: ranking by it beats chance (measured 0.70 on
    // the default sample, against 0.76 for the bilinear model after 3 epochs).
    expect(popularity.auc).toBeGreaterThan(0.6);
    expect(popularity.auc).toBeLessThan(trained.auc);
    for (const metric of [popularity.precisionAtK, popularity.recallAtK, popularity.mapAtK, popularity.ndcgAtK]) {
      expect(metric).toBeGreaterThan(0);
      expect(metric).toBeLessThanOrEqual(1);
    }
    expect(rec.evaluate(5).popularity.k).toBe(5);
  });

  it('gives the item vectors as unit rows with the items and which tensor they are', () => {
    const vectors = rec.itemVectors();
    const items = rec.preparedStats().counts.items;
    expect(vectors.dim).toBe(64);
    expect(vectors.values).toBeInstanceOf(Float32Array);
    expect(vectors.values.length).toBe(items * 64);
    expect(vectors.items.length).toBe(items);
    expect(vectors.source).toMatch(/^item_embedding/);
    for (const row of [0, items - 1]) {
      const norm = Math.hypot(...vectors.values.subarray(row * 64, (row + 1) * 64));
      expect(norm).toBeCloseTo(1, 5);
    }
    // Training moved them.
    expect(vectors.values).not.toEqual(untrainedVectors.values);
  });

  it('PCA is deterministic, centred, and refuses a bad shape', () => {
    const { values, dim } = rec.itemVectors();
    const xy = rec.pcaMap(values, dim);
    expect(xy.length).toBe((values.length / dim) * 2);
    expect(rec.pcaMap(values, dim)).toEqual(xy);
    const count = values.length / dim;
    const meanX = xy.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0) / count;
    expect(Math.abs(meanX)).toBeLessThan(1e-5);
    expect(() => rec.pcaMap(values.subarray(1), dim)).toThrow(/not rows of 64/);
  });

  it('nearest rows of the trained vectors are the similar items', () => {
    const vectors = rec.itemVectors();
    const first = vectors.items[0]!;
    const neighbours = rec.nearestRows(vectors.values, vectors.dim, 0, 5).map((row) => vectors.items[row]!.id);
    expect(neighbours).toEqual(rec.similarItems(first.id, 5).map((item) => item.id));
  });

  it('lists every row\'s nearest neighbours with their distances', () => {
    const vectors = rec.itemVectors();
    const lists = rec.nearestNeighbours(vectors.values, vectors.dim, 14);
    const count = vectors.values.length / vectors.dim;
    expect(lists.k).toBe(14);
    expect(lists.indices.length).toBe(count * 14);
    expect(Array.from(lists.indices.subarray(0, 5))).toEqual(rec.nearestRows(vectors.values, vectors.dim, 0, 5));
    // Unit rows: distance^2 = 2 - 2 cos, ascending along each list.
    const first = lists.distances.subarray(0, 14);
    expect(Array.from(first)).toEqual([...first].sort((a, b) => a - b));
    expect(first[0]).toBeGreaterThan(0);
    expect(first[13]).toBeLessThanOrEqual(2);
  });

  it('measures the map: trained neighbourhoods are purer in genre than untrained ones and than chance', () => {
    const trainedVectors = rec.itemVectors();
    const before = rec.mapQuality(untrainedVectors.values, 64, rec.pcaMap(untrainedVectors.values, 64));
    const after = rec.mapQuality(trainedVectors.values, 64, rec.pcaMap(trainedVectors.values, 64));
    expect(after.k).toBe(10);
    for (const quality of [before, after]) {
      expect(quality.neighboursKept).toBeGreaterThan(0);
      expect(quality.neighboursKept).toBeLessThanOrEqual(1);
    }
    expect(before.genrePurityByChance).toBe(after.genrePurityByChance);
    // Measured on the default sample: purity untrained ~chance, trained well above.
    expect(Math.abs(before.genrePurity - before.genrePurityByChance)).toBeLessThan(0.05);
    expect(after.genrePurity).toBeGreaterThan(before.genrePurity + 0.1);
    expect(() => rec.mapQuality(trainedVectors.values, 64, new Float32Array(4))).toThrow(/map coordinates/);
  });
});

describe('the embedding map through the worker', () => {
  let worker: WorkerRecommender;
  beforeAll(async () => { worker = await WorkerRecommender.create(); }, 60_000);
  afterAll(() => worker.terminate());

  it('gives the same vectors, PCA and quality as the calling thread', async () => {
    await worker.loadSample({ users: 600, items: 150, seed: 7 });
    await worker.prepare(await worker.samplePreprocessOptions());
    await worker.createModel({ model: 'deep' });
    await worker.train({ epochs: 1 });
    const vectors = await worker.itemVectors();
    expect(vectors.source).toMatch(/deep model/);
    expect(vectors.dim).toBe(64);
    const xy = await worker.pcaMap(vectors.values, vectors.dim);
    expect(xy).toBeInstanceOf(Float32Array);
    const quality = await worker.mapQuality(vectors.values, vectors.dim, xy);
    expect(quality.k).toBe(10);
    expect((await worker.evaluate()).popularity.auc).toBeGreaterThan(0.5);
  }, 120_000);
});

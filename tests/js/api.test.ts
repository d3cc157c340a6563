// The synchronous Recommender against the real wasm build: every method of the public API on the
// built-in sample, plus bad input (clear errors, state intact) and cancellation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender, type ItemView, type TrainProgress } from 'tripletrec';
import { malformedRatings } from './helpers';

// The default sample (3000 users, 400 items) learns visibly in 3 epochs: measured AUC 0.50 -> 0.755.
const DEFAULT_SAMPLE = {};
// A small one for tests that do not look at quality.
const SAMPLE = { users: 600, items: 150, seed: 7 };

function expectItemView(item: ItemView): void {
  expect(typeof item.id).toBe('number');
  expect(typeof item.name).toBe('string');
  expect(item.name.length).toBeGreaterThan(0);
  expect(typeof item.genres).toBe('string');
  expect(typeof item.type).toBe('string');
  expect(typeof item.inTest).toBe('boolean');
  expect(item.popularity).toBeGreaterThan(0);
}

describe('Recommender on the built-in sample', () => {
  let rec: Recommender;
  beforeAll(async () => {
    rec = await Recommender.create();
  });
  afterAll(() => rec.dispose());

  it('loads the sample and reports loaded statistics', () => {
    const info = rec.loadSample(DEFAULT_SAMPLE);
    expect(info.rows).toBeGreaterThan(3000);  // several ratings per user
    const stats = rec.loadedStats();
    expect(stats.counts.ratings).toBe(info.rows);
    expect(stats.counts.users).toBe(3000);
    expect(stats.counts.items).toBeLessThanOrEqual(400);
    const histogramTotal = stats.histogram.reduce((sum, bin) => sum + bin.count, 0);
    expect(histogramTotal).toBe(stats.counts.ratings);
    const values = stats.histogram.map((bin) => bin.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(stats.popularity.length).toBe(stats.counts.items);
    for (let i = 1; i < stats.popularity.length; ++i) {
      expect(stats.popularity[i]!).toBeLessThanOrEqual(stats.popularity[i - 1]!);
    }
  });

  it('previews preprocessing without changing the session, then prepares', () => {
    const options = rec.samplePreprocessOptions();
    expect(typeof options.minPopularity).toBe('number');
    const report = rec.preview(options);
    expect(report.loaded.ratings).toBe(rec.loadedStats().counts.ratings);
    expect(report.ratingFilter.ratings).toBeLessThanOrEqual(report.itemFilter.ratings);
    expect(report.itemFilter.ratings).toBeLessThanOrEqual(report.merged.ratings);
    // A stricter filter (the median popularity) keeps fewer items: the preview follows its options.
    const popularity = rec.loadedStats().popularity;
    const strict = rec.preview({ ...options, minPopularity: popularity[Math.floor(popularity.length / 2)]! });
    expect(strict.itemFilter.items).toBeLessThan(report.itemFilter.items);
    expect(() => rec.preparedStats()).toThrow();  // preview did not prepare anything
    // A threshold above every popularity leaves nothing: zeros for the live counts, not an error.
    const empty = rec.preview({ ...options, minPopularity: 1e9 });
    expect(empty.merged).toEqual(report.merged);
    expect(empty.itemFilter).toEqual({ users: 0, items: 0, ratings: 0 });
    expect(empty.ratingFilter).toEqual({ users: 0, items: 0, ratings: 0 });

    const prepared = rec.prepare({ ...options, testFraction: 0.2, splitSeed: 42 });
    expect(prepared.counts).toEqual(report.ratingFilter);
    expect(prepared.trainRows + prepared.testRows).toBe(prepared.counts.ratings);
    expect(prepared.testRows).toBe(Math.round(prepared.counts.ratings * 0.2));
    expect(prepared.trainPositives).toBeGreaterThan(0);
    expect(rec.preparedStats()).toEqual(prepared);
    const users = rec.users();
    expect(users.length).toBe(prepared.counts.users);
    expect(users).toEqual([...users].sort((a, b) => a - b));
  });

  it('creates a bilinear model with the notebook parameter count', () => {
    const prepared = rec.preparedStats();
    const summary = rec.createModel({ model: 'bilinear', embeddingDim: 16 });
    expect(summary.kind).toBe('bilinear');
    expect(summary.params).toBe((prepared.counts.users + prepared.counts.items) * 16);
    expect(summary.text).toContain('Total params');
    expect(rec.summary()).toEqual(summary);
    expect(rec.paramCount()).toBe(summary.params);
  });

  it('trains with progress events, lowers the loss and beats chance', async () => {
    rec.createModel({ model: 'bilinear' });
    const untrained = rec.evaluate(10);
    const events: TrainProgress[] = [];
    const result = await rec.train({ epochs: 3, batchSize: 64, onProgress: (p) => events.push(p) });
    expect(result.cancelled).toBe(false);
    expect(result.epochsCompleted).toBe(3);
    expect(result.epochLosses.length).toBe(3);
    expect(result.epochLosses[2]!).toBeLessThan(result.epochLosses[0]!);
    expect(result.triplets).toBe(3 * rec.preparedStats().trainPositives);
    expect(result.batches).toBe(3 * Math.ceil(rec.preparedStats().trainPositives / 64));
    expect(events.length).toBeGreaterThan(0);
    const last = events[events.length - 1]!;
    expect(last.epoch).toBe(3);
    expect(last.triplets).toBe(result.triplets);
    for (let i = 1; i < events.length; ++i) expect(events[i]!.triplets).toBeGreaterThanOrEqual(events[i - 1]!.triplets);
    const trained = rec.evaluate(10);
    expect(trained.users).toBe(untrained.users);
    expect(trained.auc).toBeGreaterThan(untrained.auc + 0.1);
    expect(trained.precisionAtK).toBeGreaterThanOrEqual(0);
    expect(trained.k).toBe(10);
  });

  it('evaluates after each epoch when asked: one AUC per epoch, the last is evaluate().auc', async () => {
    rec.createModel({ model: 'bilinear' });
    const untrained = rec.evaluate().auc;
    const events: TrainProgress[] = [];
    const started = performance.now();
    const result = await rec.train({ epochs: 3, evaluateEachEpoch: true, onProgress: (p) => events.push(p) });
    const wallSeconds = (performance.now() - started) / 1000;
    expect(result.epochAucs.length).toBe(3);
    expect(result.epochAucs[2]).toBe(rec.evaluate().auc);  // exactly: the model after the last epoch
    // Measured on this sample: 0.50 untrained, then 0.52, 0.64, 0.76.
    expect(result.epochAucs[0]!).toBeGreaterThan(untrained);
    expect(result.epochAucs[1]!).toBeGreaterThan(result.epochAucs[0]!);
    expect(result.epochAucs[2]!).toBeGreaterThan(result.epochAucs[1]!);
    expect(result.epochAucs[2]!).toBeGreaterThan(untrained + 0.1);
    // Progress carries the AUCs of the epochs finished so far, reported as each epoch ends.
    for (const event of events) {
      expect(event.epochAucs.length).toBe(event.epochLosses.length);
      expect(event.epochAucs).toEqual(result.epochAucs.slice(0, event.epochAucs.length));
    }
    for (let epochs = 1; epochs <= 3; ++epochs) {
      const atEpochEnd = events.filter((event) => event.epochAucs.length === epochs &&
        (event.batch === 0 || event.epoch === event.epochs));  // nothing of the next epoch trained yet
      expect(atEpochEnd.length).toBe(1);
    }
    // The evaluations are not training time: wall time exceeds it by at least half of three
    // separately timed evaluations.
    const evalStart = performance.now();
    for (let i = 0; i < 3; ++i) rec.evaluate();
    const threeEvaluations = (performance.now() - evalStart) / 1000;
    console.log(`[measure] evaluateEachEpoch, sample: train ${result.seconds.toFixed(3)} s, wall ` +
                `${wallSeconds.toFixed(3)} s, 3 evaluations ${threeEvaluations.toFixed(3)} s; AUCs ${result.epochAucs.map((a) => a.toFixed(4)).join(' ')}`);
    expect(wallSeconds - result.seconds).toBeGreaterThan(threeEvaluations / 2);

    // Evaluating between epochs changes nothing in the training itself; without the option the
    // AUC lists stay empty.
    rec.createModel({ model: 'bilinear' });
    const plainEvents: TrainProgress[] = [];
    const plain = await rec.train({ epochs: 3, onProgress: (p) => plainEvents.push(p) });
    expect(plain.epochLosses).toEqual(result.epochLosses);
    expect(rec.evaluate().auc).toBe(result.epochAucs[2]);
    expect(plain.epochAucs).toEqual([]);
    expect(plainEvents.every((event) => event.epochAucs.length === 0)).toBe(true);
  });

  it('a cancel in the middle of an epoch keeps the AUCs of the finished epochs only', async () => {
    // Deep model, small batches: an epoch spans several slices, so progress arrives mid-epoch.
    rec.createModel({ model: 'deep' });
    const controller = new AbortController();
    let progressAtAbort: TrainProgress | undefined;
    const result = await rec.train({
      epochs: 20, batchSize: 16, evaluateEachEpoch: true, signal: controller.signal,
      onProgress: (p) => {
        if (!progressAtAbort && p.epochAucs.length === 1 && p.batch > 0) { progressAtAbort = p; controller.abort(); }
      },
    });
    expect(progressAtAbort).toBeDefined();
    expect(result.cancelled).toBe(true);
    expect(result.epochsCompleted).toBe(1);
    expect(result.epochAucs).toEqual(progressAtAbort!.epochAucs);
    expect(result.batches).toBeGreaterThan(progressAtAbort!.batchesPerEpoch);  // part of epoch 2 trained
  });

  it('stops within one batch when the AbortSignal fires during training', async () => {
    rec.createModel({ model: 'bilinear', embeddingDim: 16 });
    const controller = new AbortController();
    let progressAtAbort: TrainProgress | undefined;
    const result = await rec.train({
      epochs: 50,
      signal: controller.signal,
      onProgress: (p) => {
        if (!progressAtAbort) { progressAtAbort = p; controller.abort(); }
      },
    });
    expect(result.cancelled).toBe(true);
    expect(progressAtAbort).toBeDefined();
    expect(result.triplets - progressAtAbort!.triplets).toBeLessThanOrEqual(64);
    expect(result.epochsCompleted).toBeLessThan(50);
    // The model keeps what it learnt and remains usable.
    expect(rec.recommend(rec.users()[0]!, 3).length).toBe(3);
  });

  it('an already aborted signal trains nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await rec.train({ epochs: 2, signal: controller.signal });
    expect(result.cancelled).toBe(true);
    expect(result.batches).toBe(0);
  });

  it('recommends with names, excluding train positives; similar items; history; popular', async () => {
    await rec.train({ epochs: 2 });
    const user = rec.users()[3]!;
    const history = rec.userHistory(user);
    expect(history.train.length).toBeGreaterThan(0);
    history.train.forEach(expectItemView);
    const recommendations = rec.recommend(user, 10);
    expect(recommendations.length).toBe(10);
    recommendations.forEach(expectItemView);
    const trainIds = new Set(history.train.map((item) => item.id));
    for (const item of recommendations) expect(trainIds.has(item.id)).toBe(false);
    for (let i = 1; i < recommendations.length; ++i) {
      expect(recommendations[i]!.score).toBeLessThanOrEqual(recommendations[i - 1]!.score);
    }
    const testIds = new Set(history.test.map((item) => item.id));
    for (const item of recommendations) expect(item.inTest).toBe(testIds.has(item.id));

    const anchor = recommendations[0]!.id;
    const similar = rec.similarItems(anchor, 5);
    expect(similar.length).toBe(5);
    expect(similar.some((item) => item.id === anchor)).toBe(false);
    similar.forEach(expectItemView);

    const popular = rec.popular(5);
    expect(popular.length).toBe(5);
    popular.forEach(expectItemView);
    expect(new Set(popular.map((item) => item.id)).size).toBe(5);
  });

  it('unknown ids give an Error naming the id', () => {
    expect(() => rec.recommend(987654321, 5)).toThrow(/987654321/);
    expect(() => rec.similarItems(-5, 5)).toThrow(/-5/);
  });

  it('saves and loads a model: same scores after the round trip', async () => {
    const user = rec.users()[1]!;
    const before = rec.recommend(user, 5);
    const bytes = rec.saveModel();
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBeGreaterThan(rec.paramCount() * 4);
    rec.createModel({ model: 'bilinear', embeddingDim: 16, seed: 999 });  // a different model
    expect(rec.recommend(user, 5).map((i) => i.score)).not.toEqual(before.map((i) => i.score));
    const summary = rec.loadModel(bytes, 'round-trip.bin');
    expect(summary.kind).toBe('bilinear');
    expect(rec.recommend(user, 5)).toEqual(before);
  });

  it('creates and trains a deep model', async () => {
    const prepared = rec.preparedStats();
    const summary = rec.createModel({ model: 'deep', userDim: 8, itemDim: 16, hidden: [32] });
    expect(summary.kind).toBe('deep');
    const { users, items } = prepared.counts;
    // Embeddings, then Dense(24 -> 32) and Dense(32 -> 1) with biases.
    expect(summary.params).toBe(users * 8 + items * 16 + (24 * 32 + 32) + (32 + 1));
    const result = await rec.train({ epochs: 2 });
    expect(result.epochsCompleted).toBe(2);
    expect(Number.isFinite(result.epochLosses[1]!)).toBe(true);
    expect(rec.evaluate().auc).toBeGreaterThan(0.5);
  });

  it('refuses to replace data while training runs, and accepts it afterwards', async () => {
    rec.createModel({ embeddingDim: 8 });
    const controller = new AbortController();
    const training = rec.train({ epochs: 100, signal: controller.signal });
    expect(() => rec.prepare(rec.samplePreprocessOptions())).toThrow(/training is in progress/);
    controller.abort();
    expect((await training).cancelled).toBe(true);
    expect(() => rec.prepare(rec.samplePreprocessOptions())).not.toThrow();
  });
});

describe('clearing loaded files', () => {
  it('clearItems: names fall back to "item <id>", the type filter no longer applies', async () => {
    const rec = await Recommender.create();
    rec.loadSample(SAMPLE);
    const options = rec.samplePreprocessOptions();  // itemType 'TV': the sample also has other types
    const withItems = rec.preview(options);
    const anyType = rec.preview({ ...options, itemType: 'any' });
    expect(withItems.itemFilter.items).toBeLessThan(anyType.itemFilter.items);
    rec.prepare(options);
    rec.createModel({ embeddingDim: 8 });
    const user = rec.users()[0]!;
    expect(rec.recommend(user, 5).every((item) => item.type === 'TV')).toBe(true);

    rec.clearItems();
    expect(() => rec.preparedStats()).toThrow();  // the preparation depended on the metadata
    expect(rec.preview(options)).toEqual(anyType);  // itemType 'TV' is ignored without metadata
    const prepared = rec.prepare(options);
    expect(prepared.counts).toEqual(anyType.ratingFilter);
    rec.createModel({ embeddingDim: 8 });
    const recommendations = rec.recommend(user, 5);
    expect(recommendations.length).toBe(5);
    for (const item of recommendations) {
      expect(item.name).toBe(`item ${item.id}`);
      expect(item.genres).toBe('');
      expect(item.type).toBe('');
    }
    rec.dispose();
  });

  it('clearTestRatings: prepare splits at random again', async () => {
    const rec = await Recommender.create();
    const train = ['user_id,anime_id,rating'];
    const test = ['user_id,anime_id,rating'];
    for (let user = 1; user <= 30; user++) {
      for (let item = 1; item <= 12; item++) {
        ((user + item) % 5 === 0 ? test : train).push(`${user},${item},${1 + ((user * 5 + item * 3) % 10)}`);
      }
    }
    const trainRows = train.length - 1;
    const testRows = test.length - 1;
    rec.loadRatings(train.join('\n'), 'train.csv');
    rec.loadTestRatings(test.join('\n'), 'test.csv');
    const keepAll = { itemType: 'any', minPopularity: 0, maxUserId: null, testFraction: 0.2, splitSeed: 42 };
    const given = rec.prepare(keepAll);
    expect(given.trainRows).toBe(trainRows);
    expect(given.testRows).toBe(testRows);

    rec.clearTestRatings();
    expect(() => rec.preparedStats()).toThrow();
    const random = rec.prepare(keepAll);
    expect(random.counts.ratings).toBe(trainRows);  // only the ratings file remains
    expect(random.trainRows + random.testRows).toBe(random.counts.ratings);
    expect(random.testRows).toBe(Math.round(0.2 * random.counts.ratings));
    rec.dispose();
  });

  it('refuses to clear while training runs', async () => {
    const rec = await Recommender.create();
    rec.loadSample(SAMPLE);
    rec.prepare(rec.samplePreprocessOptions());
    rec.createModel({ embeddingDim: 8 });
    const controller = new AbortController();
    const training = rec.train({ epochs: 100, signal: controller.signal });
    expect(() => rec.clearItems()).toThrow(/training is in progress/);
    expect(() => rec.clearTestRatings()).toThrow(/training is in progress/);
    controller.abort();
    await training;
    expect(rec.loadedStats().counts.items).toBeGreaterThan(0);
    rec.dispose();
  });
});

describe('bad input', () => {
  it('a malformed CSV gives an Error with file:line:column and leaves the data usable', async () => {
    const rec = await Recommender.create();
    rec.loadSample(SAMPLE);
    rec.prepare(rec.samplePreprocessOptions());
    rec.createModel({ embeddingDim: 8 });
    await rec.train({ epochs: 1 });
    const user = rec.users()[0]!;
    const before = rec.recommend(user, 5);
    const loadedBefore = rec.loadedStats();

    let error: unknown;
    try {
      rec.loadRatings(malformedRatings, 'broken.csv');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^broken\.csv:3:3: /);
    expect((error as Error).message).toContain('abc');

    // Bytes too: same message.
    expect(() => rec.loadItems(new TextEncoder().encode('anime_id,name\n"unterminated'), 'items.csv'))
      .toThrow(/^items\.csv:\d+:\d+: /);

    // Everything from before still works and is unchanged.
    expect(rec.loadedStats()).toEqual(loadedBefore);
    expect(rec.recommend(user, 5)).toEqual(before);
    expect((await rec.train({ epochs: 1 })).epochsCompleted).toBe(1);
    rec.dispose();
  });

  it('option and state errors are Errors with a clear message', async () => {
    const rec = await Recommender.create();
    expect(() => rec.prepare()).toThrow(Error);
    expect(() => rec.createModel()).toThrow(Error);
    await expect(rec.train()).rejects.toThrow(/model/);
    rec.loadSample(SAMPLE);
    rec.prepare(rec.samplePreprocessOptions());
    expect(() => rec.createModel({ model: 'transformer' as never })).toThrow('model: expected "bilinear", "deep" or "fm", got "transformer"');
    expect(() => rec.createModel({ embeddingDim: 'big' as never })).toThrow('embeddingDim: expected an integer in [1, 4096], got "big"');
    expect(() => rec.loadModel(new Uint8Array([1, 2, 3, 4]), 'junk.bin')).toThrow(/junk\.bin/);
    // A missing step is named by the package's calls, the same from every method that needs it.
    const noModel = 'there is no model yet: call createModel() (or loadModel()) after prepare()';
    expect(() => rec.recommend(rec.users()[0], 5)).toThrow(noModel);
    expect(() => rec.evaluate()).toThrow(noModel);
    expect(() => rec.summary()).toThrow(noModel);
    const fresh = await Recommender.create();
    fresh.loadSample(SAMPLE);
    expect(() => fresh.recommend(1, 5)).toThrow('the data is not prepared yet: call prepare() after loading ratings');
    fresh.dispose();
    rec.dispose();
    expect(() => rec.loadedStats()).toThrow(/disposed/);
  });

  it('a Blob is refused by the synchronous client with a TypeError saying what to do', async () => {
    const rec = await Recommender.create();
    rec.loadSample(SAMPLE);
    const before = rec.loadedStats();
    const blob = new Blob(['user_id,anime_id,rating\n1,10,9\n']);
    for (const load of [() => rec.loadRatings(blob as never), () => rec.loadTestRatings(blob as never),
                        () => rec.loadItems(blob as never), () => rec.loadModel(blob as never)]) {
      expect(load).toThrow(TypeError);
      expect(load).toThrow(/await blob\.arrayBuffer\(\)|WorkerRecommender/);
    }
    expect(rec.loadedStats()).toEqual(before);
    // What the message suggests works.
    expect(rec.loadRatings(new Uint8Array(await blob.arrayBuffer()), 'blob.csv').rows).toBe(1);
    rec.dispose();
  });

  it('a non-ASCII string file is encoded as UTF-8', async () => {
    const rec = await Recommender.create();
    rec.loadItems('anime_id,name,genre,type,episodes,rating,members\n1,Café ☕ 日本,Drama,TV,12,8.5,100\n2,Plain,Drama,TV,1,7,10\n', 'items.csv');
    rec.loadRatings('user_id,anime_id,rating\n1,1,9\n1,2,8\n2,1,9\n2,2,3\n3,1,10\n3,2,9\n', 'r.csv');
    rec.prepare({ minPopularity: 0, itemType: 'any', maxUserId: null, testFraction: 0.3 });
    rec.createModel({ embeddingDim: 4 });
    const names = rec.popular(2).map((item) => item.name);
    expect(names).toContain('Café ☕ 日本');
    rec.dispose();
  });
});

// The tripletrec (wasm) measurements, the same in Node and in the browser page: parse throughput,
// bilinear and deep training throughput (the TrainResult the package reports, plus wall clock),
// AUC, evaluation time. Takes the package's Recommender class and the file bytes as arguments.
import { generateRatingsCsv, mulberry32 } from './generate-ratings.mjs';
import { loadBenchData } from './prepare-options.mjs';
import { median } from './stats.mjs';

const nowSeconds = () => performance.now() / 1000;
// The side features of the feature-model rows, as bench/native_bench.cpp: the anime file's item
// fields (the sample has them too).
export const ITEM_FEATURES = Object.freeze(['genre', 'type', 'episodes', 'members']);

function bestOf(repeats, run) {
  let best;
  for (let i = 0; i < repeats; ++i) {
    const result = run();
    if (best === undefined || result.parseSeconds < best.parseSeconds) best = result;
  }
  return best;
}

function parseResult(timing, what) {
  return {
    bench: 'parse_ratings', file: what, bytes: timing.bytes, rows: timing.rows,
    seconds: timing.seconds, copySeconds: timing.copySeconds, parseSeconds: timing.parseSeconds,
    mb_per_s: timing.bytes / 1e6 / timing.parseSeconds,
    mb_per_s_with_copy: timing.bytes / 1e6 / timing.seconds,
  };
}

// cpuSeconds (optional, async): the CPU time the engine's thread has used, in seconds. On a shared
// machine, other processes' load stretches wall-clock times but hardly CPU times, so rates per CPU
// second compare runs made under different load (bench/compare.mjs prefers them).
// threads: undefined trains on the package's default (1 on the single-threaded build, every core
// on the threaded one).
async function trainAndEvaluate(recommender, modelOptions, epochs, cpuSeconds, threads = undefined) {
  recommender.createModel(modelOptions);
  const cpuStart = await cpuSeconds?.();
  const start = nowSeconds();
  const result = await recommender.train(threads === undefined ? { epochs } : { epochs, threads });
  const wallSeconds = nowSeconds() - start;
  const cpuTrained = await cpuSeconds?.();
  const evalStart = nowSeconds();
  const evaluation = recommender.evaluate(10);
  const evalSeconds = nowSeconds() - evalStart;
  const cpuEvaluated = await cpuSeconds?.();
  const cpu = cpuSeconds === undefined ? {} : {
    cpu_seconds: cpuTrained - cpuStart, triplets_per_cpu_second: result.triplets / (cpuTrained - cpuStart),
    eval_cpu_seconds: cpuEvaluated - cpuTrained,
  };
  return { ...cpu,
    bench: 'train', model: modelOptions.model, optimizer: modelOptions.kerasExact ? 'keras_exact' : 'sparse',
    epochs, triplets: result.triplets, seconds: result.seconds,
    triplets_per_second: result.tripletsPerSecond,
    wall_seconds: wallSeconds, wall_triplets_per_second: result.triplets / wallSeconds,
    final_loss: result.epochLosses.at(-1), auc: evaluation.auc, eval_seconds: evalSeconds,
    eval_users: evaluation.users, threads: result.threads,
  };
}

/**
 * options: { Recommender, ratings?: Uint8Array, items?: Uint8Array, deepEpochs, kerasExactEpochs,
 *            featureEpochs, parseRepeats, cpuSeconds?: () => Promise<number> | number, log(line) }. Returns an array of result objects (native_bench's shapes).
 */
export async function runWasmSuite(options) {
  const { Recommender, cpuSeconds, log = () => {} } = options;
  const results = [];
  const record = (result) => { results.push(result); log(result); };

  // Warm-up on the small built-in sample: every hot function is compiled by the engine's optimising
  // tier (browsers start wasm on a baseline compiler) before anything is timed.
  {
    const start = nowSeconds();
    const recommender = await Recommender.create();
    recommender.loadSample({ users: 500 });
    recommender.prepare(recommender.samplePreprocessOptions());
    const models = [{ model: 'bilinear' }, { model: 'deep' }];
    if (options.featureEpochs > 0) models.push({ model: 'fm', itemFeatures: [...ITEM_FEATURES] });
    for (const model of models) {
      recommender.createModel(model);
      await recommender.train({ epochs: 1 });
      recommender.evaluate(10);
    }
    recommender.dispose();
    record({ bench: 'warmup', seconds: nowSeconds() - start });
  }

  // Parse: a generated ~100 MB file, best of parseRepeats (the first load also grows memory);
  // parseRepeats 0 skips parsing (bench/compare.mjs measures training and evaluation only).
  if (options.parseRepeats > 0) {
    const generated = generateRatingsCsv();
    const recommender = await Recommender.create();
    record(parseResult(bestOf(options.parseRepeats, () => recommender.loadRatings(generated.bytes, 'generated.csv')),
                       'generated ~100 MB'));
    recommender.dispose();
  }
  if (options.ratings && options.parseRepeats > 0) {
    const recommender = await Recommender.create();
    record(parseResult(bestOf(options.parseRepeats, () => recommender.loadRatings(options.ratings, 'rating_5000users.csv')),
                       'anime/rating_5000users.csv'));
    recommender.dispose();
  }

  const recommender = await Recommender.create();
  const loaded = loadBenchData(recommender, options);
  record({ bench: 'data', source: loaded.source, users: loaded.stats.counts.users, items: loaded.stats.counts.items,
           train_positives: loaded.stats.trainPositives, test_positives: loaded.stats.testPositives });

  // AUC after one epoch: the point of comparison with TF.js, which trains one epoch in its time budget.
  const oneEpoch = await trainAndEvaluate(recommender, { model: 'bilinear' }, 1, cpuSeconds);
  record({ ...oneEpoch, bench: 'train_one_epoch' });
  record(await trainAndEvaluate(recommender, { model: 'bilinear' }, 10, cpuSeconds));
  if (options.kerasExactEpochs > 0)
    record(await trainAndEvaluate(recommender, { model: 'bilinear', kerasExact: true }, options.kerasExactEpochs, cpuSeconds));
  record(await trainAndEvaluate(recommender, { model: 'deep' }, options.deepEpochs, cpuSeconds));
  // Side features (an item is its id embedding plus the mean of its feature embeddings) and the
  // factorization machine, the rows of native_bench ("train_features"; features "none": ids only).
  if (options.featureEpochs > 0) {
    for (const [model, itemFeatures] of [['bilinear', ITEM_FEATURES], ['deep', ITEM_FEATURES], ['fm', []], ['fm', ITEM_FEATURES]]) {
      const result = await trainAndEvaluate(recommender, { model, itemFeatures: [...itemFeatures] }, options.featureEpochs, cpuSeconds);
      record({ ...result, bench: 'train_features', features: itemFeatures.join(',') || 'none' });
    }
  }
  recommender.dispose();
  return results;
}

// The threads rows' epochs, natively too (bench/native_bench.cpp's defaults): bilinear 30 (10 epochs
// on 2 threads take ~0.2 s, too short against the machine's drift), deep the notebook's 20 (the AUC
// of 1 and 2 threads is compared there: at 10 epochs 2 threads trail by ~0.005, at 20 they do not).
export const THREADS_EPOCHS = Object.freeze({ bilinear: 30, deep: 20 });

/**
 * The threads rows, as bench/native_bench.cpp's bench_scaling: per model, `pairs` pairs of a
 * 1-thread and an every-core run of the threaded build, interleaved (the order alternates, so the
 * machine's drift falls on both sides), one "train_threads" line per run, then a "scaling" line
 * with the medians, THREADS_EPOCHS epochs. options: { Recommender, createOptions (what selects the
 * threaded build: Node { engine: 'threaded' }, a cross-origin-isolated page {}), ratings?, items?,
 * pairs (default 3), log }. Returns the result lines.
 */
export async function runThreadsSuite(options) {
  const { Recommender, log = () => {}, pairs = 3 } = options;
  const results = [];
  const record = (result) => { results.push(result); log(result); };
  const recommender = await Recommender.create(options.createOptions);
  loadBenchData(recommender, options);
  // Warm-up: every hot function compiled by the optimising tier, on every thread's instance.
  recommender.createModel({ model: 'bilinear' });
  await recommender.train({ epochs: 1 });
  for (const [model, epochs] of Object.entries(THREADS_EPOCHS)) {
    const runs = { single: [], threaded: [] };
    let threads = 1;
    for (let pair = 0; pair < pairs; ++pair) {
      const order = pair % 2 === 0 ? [1, undefined] : [undefined, 1];
      for (const wanted of order) {
        const result = await trainAndEvaluate(recommender, { model }, epochs, undefined, wanted);
        record({ ...result, bench: 'train_threads', build: 'threaded', pair });
        (wanted === 1 ? runs.single : runs.threaded).push(result);
        if (wanted === undefined) threads = result.threads;
      }
    }
    const rate = (r) => r.triplets_per_second;
    record({ bench: 'scaling', model, epochs, threads, pairs, build: 'threaded',
             single_median: median(runs.single.map(rate)), threaded_median: median(runs.threaded.map(rate)),
             ratio_median: median(runs.threaded.map((r, i) => rate(r) / rate(runs.single[i]))),
             ratios: runs.threaded.map((r, i) => Number((rate(r) / rate(runs.single[i])).toFixed(3))),
             auc_single_median: median(runs.single.map((r) => r.auc)),
             auc_threaded_median: median(runs.threaded.map((r) => r.auc)) });
  }
  recommender.dispose();
  return results;
}

/**
 * The embedding map of the demo page, timed on 2,000 items: the item vectors, PCA and the map's
 * quality in the engine, UMAP with umap-js (seeded, the page's settings). options: { Recommender,
 * UMAP (umap-js's class), log }. Returns one result object.
 */
export async function runMapSuite({ Recommender, UMAP, log = () => {} }) {
  const recommender = await Recommender.create();
  recommender.loadSample({ users: 6000, items: 2000, seed: 11 });
  recommender.prepare({ ...recommender.samplePreprocessOptions(), minPopularity: 0, itemType: 'any' });
  recommender.createModel({ model: 'bilinear' });
  await recommender.train({ epochs: 3 });
  let start = nowSeconds();
  const vectors = recommender.itemVectors();
  const vectorsSeconds = nowSeconds() - start;
  const count = vectors.values.length / vectors.dim;
  start = nowSeconds();
  const pca = recommender.pcaMap(vectors.values, vectors.dim);
  const pcaSeconds = nowSeconds() - start;
  start = nowSeconds();
  const pcaQuality = recommender.mapQuality(vectors.values, vectors.dim, pca, 10);
  const qualitySeconds = nowSeconds() - start;
  const result = {
    bench: 'embedding_map', items: count, dim: vectors.dim, vectors_seconds: vectorsSeconds,
    pca_seconds: pcaSeconds, quality_seconds: qualitySeconds, neighbours_kept_pca: pcaQuality.neighboursKept,
    genre_purity: pcaQuality.genrePurity, genre_purity_by_chance: pcaQuality.genrePurityByChance,
  };
  if (UMAP) {
    // As the demo page does it (web/demo/src/umap-worker.ts): the engine's 14 nearest neighbours
    // plus the point itself, umap-learn's 200 layout epochs, a seeded generator.
    start = nowSeconds();
    const neighbours = recommender.nearestNeighbours(vectors.values, vectors.dim, 14);
    const indices = [], distances = [], rows = [];
    for (let i = 0; i < count; i++) {
      indices.push([i, ...neighbours.indices.subarray(i * 14, (i + 1) * 14)]);
      distances.push([0, ...neighbours.distances.subarray(i * 14, (i + 1) * 14)]);
      rows.push(Array.from(vectors.values.subarray(i * vectors.dim, (i + 1) * vectors.dim)));
    }
    result.umap_neighbours_seconds = nowSeconds() - start;
    const umap = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0.1, nEpochs: 200, random: mulberry32(42) });
    umap.setPrecomputedKNN(indices, distances);
    const epochs = umap.initializeFit(rows);
    result.umap_graph_seconds = nowSeconds() - start - result.umap_neighbours_seconds;
    for (let epoch = 0; epoch < epochs; epoch++) umap.step();
    const xy = new Float32Array(umap.getEmbedding().flat());
    result.umap_seconds = nowSeconds() - start;
    result.umap_epochs = epochs;
    result.neighbours_kept_umap = recommender.mapQuality(vectors.values, vectors.dim, xy, 10).neighboursKept;
  }
  recommender.dispose();
  log(result);
  return result;
}

/**
 * A new visitor in wasm, as bench/native_bench.cpp's bench_fold_in measures it natively (same
 * sample, model, likes and lines): 20 likes over a 10,000-item catalogue, the median of `repeats`
 * calls of recommendFor (fold-in, every item scored, top 10 with explanations) and of scoreFor of
 * every item (fold-in and scores only), after 3 untimed calls (browsers first run wasm on a
 * baseline compiler). options: { Recommender, repeats, log }. Returns one line per model.
 */
export async function runFoldInSuite({ Recommender, repeats = 21, log = () => {} }) {
  const results = [];
  for (const model of ['bilinear', 'deep']) {
    const recommender = await Recommender.create();
    recommender.loadSample({ users: 2000, items: 10000, ratingsPerUser: 40 });
    recommender.prepare({ ...recommender.samplePreprocessOptions(), minPopularity: 0, itemType: 'any' });  // all 10,000 items
    recommender.createModel({ model, seed: 42 });
    await recommender.train({ epochs: 1 });
    const all = recommender.itemVectors().items.map((item) => item.id);  // dense (catalogue) order
    const likes = Array.from({ length: 20 }, (_, i) => all[(i * 487) % all.length]);
    const medianMs = (run) => {
      for (let i = 0; i < 3; i++) run();
      const ms = [];
      for (let r = 0; r < repeats; r++) {
        const start = nowSeconds();
        run();
        ms.push((nowSeconds() - start) * 1000);
      }
      return median(ms);
    };
    const result = {
      bench: 'fold_in', model, likes: likes.length, items: all.length, steps: recommender.defaults().foldIn.steps, repeats,
      recommend_top10_ms: medianMs(() => recommender.recommendFor(likes, { k: 10 })),
      fold_in_and_score_ms: medianMs(() => recommender.scoreFor(likes, all)),
    };
    recommender.dispose();
    log(result);
    results.push(result);
  }
  return results;
}

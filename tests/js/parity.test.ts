// Same seed, same data: the wasm module and the native CLI agree on the notebook's anime experiment:
// the same counts, and bit-identical models (no FMA in either build; Eigen only for element-wise
// math, and kernels.hpp's sums in a width-independent order, see cpp/src/linalg.hpp), so the AUCs
// are the same doubles (the CLI prints them with 17 digits). Also reports bilinear training speed in both.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Recommender } from 'tripletrec';
import { animeItems, animeRatings, haveAnimeData, nativeCli, report } from './helpers';

const skipReason = !haveAnimeData ? `real data not found (${animeRatings})`
  : !nativeCli ? 'native CLI not built (build/native/tripletrec)' : '';
if (skipReason) console.warn(`skipping wasm/native parity: ${skipReason}`);

describe.skipIf(skipReason !== '')('wasm vs native parity on the anime data', () => {
  const animeArgs = ['--ratings', animeRatings, '--items', animeItems, '--min-popularity', '340',
                     '--item-type', 'TV', '--max-user-id', '10000', '--seed', '42', '--json',
                     '--threads', '1'];  // one thread on both sides: bit-reproducible
  const runNative = (extra: string[]) => JSON.parse(execFileSync(nativeCli!, ['train', ...animeArgs, ...extra],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Record<string, number>;

  async function prepared() {
    const rec = await Recommender.create();
    const ratingsLoad = rec.loadRatings(readFileSync(animeRatings), 'rating_5000users.csv');
    rec.loadItems(readFileSync(animeItems), 'anime.csv');
    const stats = rec.prepare({ minPopularity: 340, itemType: 'TV', maxUserId: 10000, splitSeed: 42 });
    return { rec, ratingsLoad, stats };
  }

  it('gives the same counts and the same bilinear model (identical AUC) as `tripletrec train --json`', async () => {
    const native = runNative([]);
    const { rec, ratingsLoad, stats } = await prepared();
    rec.createModel({ model: 'bilinear', seed: 42 });
    const untrained = rec.evaluate(10);
    const trained = await rec.train({ seed: 42, threads: 1 });
    const evaluation = rec.evaluate(10);

    expect(stats.counts.users).toBe(native.n_users);
    expect(stats.counts.items).toBe(native.n_items);
    expect(stats.trainPositives).toBe(native.n_train_positives);
    expect(stats.testPositives).toBe(native.n_test_positives);
    expect(trained.triplets).toBe(native.triplets);
    expect(untrained.auc).toBe(native.auc_untrained);
    expect(evaluation.auc).toBe(native.auc);

    report('parity AUC (wasm / native)', [evaluation.auc, native.auc]);
    report('bilinear training triplets/s (wasm in Node / native CLI)',
           [Math.round(trained.tripletsPerSecond), Math.round(native.triplets_per_second!)]);
    report('anime rating file load in wasm (s)', ratingsLoad.seconds.toFixed(3));
    rec.dispose();
  });

  it('gives the same deep model (identical AUC, dropout on) as the native CLI', async () => {
    const native = runNative(['--model', 'deep', '--epochs', '2']);
    const { rec } = await prepared();
    rec.createModel({ model: 'deep', seed: 42 });
    const untrained = rec.evaluate(10);
    const trained = await rec.train({ seed: 42, epochs: 2, threads: 1 });
    const evaluation = rec.evaluate(10);
    expect(trained.triplets).toBe(native.triplets);
    expect(untrained.auc).toBe(native.auc_untrained);
    expect(evaluation.auc).toBe(native.auc);
    report('deep parity AUC after 2 epochs (wasm / native)', [evaluation.auc, native.auc]);
    rec.dispose();
  });
});

// Same seed, same data: the wasm module and the native CLI agree (counts exactly, AUC within 1e-3)
// on the notebook's anime experiment. Also reports bilinear training speed in both.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Recommender } from 'tripletrec';
import { animeItems, animeRatings, haveAnimeData, nativeCli, report } from './helpers';

const skipReason = !haveAnimeData ? `real data not found (${animeRatings})`
  : !nativeCli ? 'native CLI not built (build/native/tripletrec)' : '';
if (skipReason) console.warn(`skipping wasm/native parity: ${skipReason}`);

describe.skipIf(skipReason !== '')('wasm vs native parity on the anime data', () => {
  it('gives the same counts and AUC as `tripletrec train --json`', async () => {
    const native = JSON.parse(execFileSync(nativeCli!, [
      'train', '--ratings', animeRatings, '--items', animeItems, '--min-popularity', '340',
      '--item-type', 'TV', '--max-user-id', '10000', '--seed', '42', '--json',
    ], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Record<string, number>;

    const rec = await Recommender.create();
    const ratingsLoad = rec.loadRatings(readFileSync(animeRatings), 'rating_5000users.csv');
    rec.loadItems(readFileSync(animeItems), 'anime.csv');
    const prepared = rec.prepare({ minPopularity: 340, itemType: 'TV', maxUserId: 10000, splitSeed: 42 });
    rec.createModel({ model: 'bilinear', seed: 42 });
    const untrained = rec.evaluate(10);
    const trained = await rec.train({ seed: 42 });
    const evaluation = rec.evaluate(10);

    expect(prepared.counts.users).toBe(native.n_users);
    expect(prepared.counts.items).toBe(native.n_items);
    expect(prepared.trainPositives).toBe(native.n_train_positives);
    expect(prepared.testPositives).toBe(native.n_test_positives);
    expect(Math.abs(untrained.auc - native.auc_untrained!)).toBeLessThan(1e-3);
    expect(Math.abs(evaluation.auc - native.auc!)).toBeLessThan(1e-3);
    expect(trained.triplets).toBe(native.triplets);

    report('parity AUC (wasm / native)', [evaluation.auc, native.auc]);
    report('bilinear training triplets/s (wasm in Node / native CLI)',
           [Math.round(trained.tripletsPerSecond), Math.round(native.triplets_per_second!)]);
    report('anime rating file load in wasm (s)', ratingsLoad.seconds.toFixed(3));
    rec.dispose();
  });
});

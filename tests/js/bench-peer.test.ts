// The benchmark's own building blocks that a wrong result would silently corrupt: the scatter-add
// kernel registered on TF.js's wasm backend (its gradients must be TF's), and the generator of the
// full-size file (its shape). Fast: a small generated shape (0.8 s of CPU per generation), a 5-row
// table. No timings.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { checkUnsortedSegmentSum, registerUnsortedSegmentSum } from '../../bench/lib/tfjs-wasm-backend.mjs';
import { generateFullRatings } from '../../bench/lib/full-ratings.mjs';
import { animeItems, animeRatings, haveAnimeData } from './helpers.js';

describe('TF.js wasm backend with the registered UnsortedSegmentSum', () => {
  it('trains gather-based embeddings only once the kernel is registered, with the CPU backend\'s gradients', async () => {
    await tf.setBackend('wasm');
    const gatherGradient = () => tf.tidy(() =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([0, 2, 2], 'int32'))))(tf.ones([3, 2])).dataSync());
    expect(gatherGradient).toThrow(/UnsortedSegmentSum/);  // stock TF.js wasm
    registerUnsortedSegmentSum(tf);
    expect(Array.from(gatherGradient())).toEqual([1, 1, 0, 0, 2, 2]);  // row 2 gathered twice
    const check = await checkUnsortedSegmentSum(tf);
    expect(check.ok).toBe(true);
    expect(check.max_abs_difference).toBeLessThanOrEqual(1e-6);
  });
});

describe('the full-size generator (bench/lib/full-ratings.mjs)', () => {
  it.skipIf(!haveAnimeData)('writes exactly the asked shape, sorted, with anime.csv ids and the real -1 share', () => {
    const inputs = { ratings: readFileSync(animeRatings), anime: readFileSync(animeItems) };
    const shape = { users: 800, items: 500, rows: 60_000 };
    const generated = generateFullRatings({ ...inputs, ...shape, seed: 7 });
    const lines = new TextDecoder().decode(generated.bytes).trimEnd().split('\n');
    expect(lines[0]).toBe('user_id,anime_id,rating');
    const rows = lines.slice(1).map((line) => line.split(',').map(Number));
    expect(rows).toHaveLength(shape.rows);
    expect(new Set(rows.map((r) => r[0])).size).toBe(shape.users);
    expect(new Set(rows.map((r) => r[1])).size).toBe(shape.items);
    const knownIds = new Set(new TextDecoder().decode(inputs.anime).split(/\r?\n/).slice(1).map((l) => Number(l.split(',')[0])));
    expect(rows.every((r) => knownIds.has(r[1]))).toBe(true);
    // Sorted by user then anime, each pair once, ratings -1..10.
    expect(rows.every((r, i) => i === 0 || r[0] > rows[i - 1][0] || (r[0] === rows[i - 1][0] && r[1] > rows[i - 1][1]))).toBe(true);
    expect(rows.every((r) => r[2] >= -1 && r[2] <= 10 && r[2] !== 0)).toBe(true);
    // The 5,000-user file has 100,666 of 520,609 rows at -1 (19.3%); resampled per user, so close to it.
    const unrated = rows.filter((r) => r[2] === -1).length / rows.length;
    expect(Math.abs(unrated - 100_666 / 520_609)).toBeLessThan(0.02);
    // Deterministic: the same seed gives the same bytes.
    const again = generateFullRatings({ ...inputs, ...shape, seed: 7 });
    expect(Buffer.compare(Buffer.from(again.bytes), Buffer.from(generated.bytes))).toBe(0);
  });
});

// WorkerRecommender (worker_threads under Node): the same engine behind async calls, progress
// events, cancel within one batch, errors forwarded with the engine's message, terminate().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender, WorkerRecommender, type LoadProgress, type TrainProgress } from 'tripletrec';
import { malformedRatings } from './helpers';

describe('WorkerRecommender', () => {
  let worker: WorkerRecommender;
  beforeAll(async () => {
    worker = await WorkerRecommender.create();
  });
  afterAll(() => worker.terminate());

  it('gives the same results as the synchronous Recommender for the same seeds', async () => {
    const local = await Recommender.create();
    for (const client of [local, worker]) {
      await client.loadSample({ users: 800, items: 150, seed: 3 });
      await client.prepare(await client.samplePreprocessOptions());
      await client.createModel({ embeddingDim: 16, seed: 5 });
      await client.train({ epochs: 2, seed: 9 });
    }
    const user = local.users()[2]!;
    expect(await worker.evaluate(5)).toEqual(local.evaluate(5));
    expect(await worker.recommend(user, 5)).toEqual(local.recommend(user, 5));
    expect(await worker.preparedStats()).toEqual(local.preparedStats());
    expect(await worker.summary()).toEqual(local.summary());
    local.dispose();
  });

  it('streams progress events during training', async () => {
    const events: TrainProgress[] = [];
    const result = await worker.train({ epochs: 3, onProgress: (p) => events.push({ ...p }) });
    expect(result.cancelled).toBe(false);
    expect(result.epochsCompleted).toBe(3);
    expect(events.length).toBeGreaterThan(0);
    const last = events[events.length - 1]!;
    expect(last.epoch).toBe(3);
    expect(last.triplets).toBe(result.triplets);
    expect(last.elapsedSeconds).toBeGreaterThan(0);
    expect(typeof last.loss).toBe('number');
  });

  it('cancels within one batch: the engine stops at most one batch after abort()', async () => {
    await worker.loadSample();  // the default, bigger sample: long epochs
    await worker.prepare(await worker.samplePreprocessOptions());
    await worker.createModel({});
    const controller = new AbortController();
    let eventsAtAbort = 0;
    const started = performance.now();
    let abortedAt = 0;
    const result = await worker.train({
      epochs: 200,
      signal: controller.signal,
      onProgress: () => {
        eventsAtAbort += 1;
        if (eventsAtAbort === 2) { abortedAt = performance.now(); controller.abort(); }
      },
    });
    const stoppedAfterMs = performance.now() - abortedAt;
    expect(result.cancelled).toBe(true);
    expect(result.batches).toBeGreaterThan(0);
    expect(result.batchesAfterCancel).toBeLessThanOrEqual(1);
    expect(result.epochsCompleted).toBeLessThan(200);
    console.log(`[measure] worker cancel: promise settled ${stoppedAfterMs.toFixed(1)} ms after abort(), ` +
                `${result.batchesAfterCancel} batch(es) after the flag, ${(performance.now() - started).toFixed(0)} ms total`);
    // The engine is idle again and keeps the partly trained model.
    expect((await worker.recommend((await worker.users())[0]!, 3)).length).toBe(3);
  });

  it('forwards engine errors as Errors with file:line:column and keeps the state', async () => {
    const before = await worker.loadedStats();
    await expect(worker.loadRatings(malformedRatings, 'broken.csv')).rejects.toThrow(/^broken\.csv:3:3: .*abc/);
    const error = await worker.loadRatings(malformedRatings, 'broken.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await worker.loadedStats()).toEqual(before);
    await expect(worker.recommend(-42, 3)).rejects.toThrow(/unknown user id -42/);
  });

  it('moves file bytes to the worker (transfer) and reports load stages', async () => {
    const csv = new TextEncoder().encode('user_id,anime_id,rating\n1,10,9\n1,11,8\n2,10,9\n2,11,4\n3,10,9\n3,11,9\n');
    const length = csv.length;
    const stages: LoadProgress[] = [];
    const info = await worker.loadRatings(csv, 'small.csv', { onProgress: (p) => stages.push(p) });
    expect(info.rows).toBe(6);
    expect(info.bytes).toBe(length);
    expect(csv.byteLength).toBe(0);  // transferred: the caller's buffer is detached
    expect(stages.map((s) => s.stage)).toEqual(['transfer', 'copy', 'parse', 'done']);

    const kept = new TextEncoder().encode('user_id,anime_id,rating\n1,10,9\n');
    await worker.loadRatings(kept, 'kept.csv', { transfer: false });
    expect(kept.byteLength).toBeGreaterThan(0);
  });

  it('round-trips a model file through the worker', async () => {
    await worker.loadSample({ users: 500, items: 120, seed: 11 });
    await worker.prepare(await worker.samplePreprocessOptions());
    await worker.createModel({ embeddingDim: 8 });
    await worker.train({ epochs: 1 });
    const user = (await worker.users())[0]!;
    const before = await worker.recommend(user, 4);
    const bytes = await worker.saveModel();
    expect(bytes).toBeInstanceOf(Uint8Array);
    await worker.createModel({ embeddingDim: 8, seed: 77 });
    await worker.loadModel(bytes, 'model.bin');
    expect(await worker.recommend(user, 4)).toEqual(before);
  });

  it('terminate() rejects pending calls and later calls', async () => {
    const other = await WorkerRecommender.create();
    await other.loadSample();
    await other.prepare(await other.samplePreprocessOptions());
    await other.createModel({});
    const training = other.train({ epochs: 500 });
    other.terminate();
    await expect(training).rejects.toThrow(/terminated/);
    await expect(other.users()).rejects.toThrow(/terminated/);
    expect(other.terminated).toBe(true);
  });
});

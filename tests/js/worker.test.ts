// WorkerRecommender (worker_threads under Node): the same engine behind async calls, progress
// events, cancel within one batch, errors forwarded with the engine's message, terminate().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender, WorkerRecommender, type LoadProgress, type TrainProgress } from 'tripletrec';
// The worker's engine owner and its Blob load path (not exported by the package), for read
// failures a Node worker cannot be sent: a failing Blob is a JS object, and structured clone only
// copies real Blobs.
import { EngineCore } from '../../web/dist/engine-core.js';
import { loadModule } from '../../web/dist/module.js';
import { malformedRatings } from './helpers';

/** A ratings CSV of about `targetBytes` (deterministic), as text. */
function ratingsCsv(targetBytes: number): { csv: string; rows: number } {
  const lines = ['user_id,anime_id,rating'];
  let bytes = lines[0]!.length + 1;
  for (let row = 0; bytes < targetBytes; row++) {
    const line = `${1 + (row >> 5)},${1 + ((row * 7919) % 4000)},${1 + ((row * 31) % 10)}`;
    lines.push(line);
    bytes += line.length + 1;
  }
  return { csv: lines.join('\n') + '\n', rows: lines.length - 1 };
}

/** A Blob of `bytes` in parts of `partBytes` (not at line ends): Node streams one chunk per part. */
function blobInParts(bytes: Uint8Array, partBytes: number, options?: BlobPropertyBag): Blob {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += partBytes) parts.push(bytes.slice(offset, offset + partBytes));
  return new Blob(parts, options);
}

/** Stages in order with repeated 'read' reports counted once. */
function stageSequence(events: LoadProgress[]): string[] {
  return events.map((event) => event.stage).filter((stage, i, all) => stage !== 'read' || all[i - 1] !== 'read');
}

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

  it('forwards evaluateEachEpoch: the AUC after each epoch in progress and result, as on the main thread', async () => {
    const local = await Recommender.create();
    const runs = [];
    for (const client of [local, worker]) {
      await client.loadSample();  // the default sample learns visibly in 3 epochs
      await client.prepare(await client.samplePreprocessOptions());
      await client.createModel({ model: 'bilinear' });
      const untrained = (await client.evaluate()).auc;
      const events: TrainProgress[] = [];
      const result = await client.train({ epochs: 3, evaluateEachEpoch: true, onProgress: (p) => events.push(p) });
      runs.push({ untrained, events, result, trained: (await client.evaluate()).auc });
    }
    local.dispose();
    const [onMainThread, inWorker] = runs;
    const { untrained, events, result, trained } = inWorker!;
    expect(result.epochAucs.length).toBe(3);
    expect(result.epochAucs[2]).toBe(trained);
    expect(result.epochAucs[0]!).toBeGreaterThan(untrained);
    expect(result.epochAucs[2]!).toBeGreaterThan(untrained + 0.1);
    expect(result.epochAucs).toEqual(onMainThread!.result.epochAucs);
    expect(events[events.length - 1]!.epochAucs).toEqual(result.epochAucs);
    for (const event of events) expect(event.epochAucs.length).toBe(event.epochLosses.length);

    const plain = await worker.train({ epochs: 1 });
    expect(plain.epochAucs).toEqual([]);
  });

  it('a cancel mid-epoch in the worker keeps the AUCs of the finished epochs only', async () => {
    await worker.createModel({ model: 'deep' });  // long epochs with small batches
    const controller = new AbortController();
    let aucsAtAbort: number[] | undefined;
    const result = await worker.train({
      epochs: 20, batchSize: 16, evaluateEachEpoch: true, signal: controller.signal,
      onProgress: (p) => {
        if (!aucsAtAbort && p.epochAucs.length === 1 && p.batch > 0) { aucsAtAbort = p.epochAucs; controller.abort(); }
      },
    });
    expect(aucsAtAbort).toBeDefined();
    expect(result.cancelled).toBe(true);
    const batchesPerEpoch = Math.ceil((await worker.preparedStats()).trainPositives / 16);
    expect(result.batches % batchesPerEpoch).not.toBe(0);  // stopped inside an epoch
    expect(result.epochAucs.length).toBe(Math.floor(result.batches / batchesPerEpoch));
    expect(result.epochAucs.length).toBe(result.epochsCompleted);
    expect(result.epochAucs.slice(0, 1)).toEqual(aucsAtAbort);
  });

  it('cancels mid-run: abort() stops the worker\'s training and keeps the partly trained model', async () => {
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
    expect(result.epochsCompleted).toBeLessThan(200);
    console.log(`[measure] worker cancel: promise settled ${stoppedAfterMs.toFixed(1)} ms after abort(), ` +
                `${(performance.now() - started).toFixed(0)} ms total`);
    // The engine is idle again and keeps the partly trained model.
    expect((await worker.recommend((await worker.users())[0]!, 3)).length).toBe(3);
  });

  it('one batch per engine call (the worker\'s setting with a shared flag): a cancel stops within one batch', async () => {
    // The worker's training settings with the flag (batchesPerCall 1), on the worker's engine
    // owner run here, with a flag that rises at the sixth check: exactly five batches are trained.
    const local = await EngineCore.create();
    local.loadSample({ users: 400, items: 150, seed: 5 });
    local.prepare(local.samplePreprocessOptions());
    local.createModel({ embeddingDim: 8 });
    let checks = 0;
    const result = await local.train({ epochs: 5 }, { isCancelled: () => ++checks > 5, batchesPerCall: 1, sliceSeconds: 10 });
    expect(result.cancelled).toBe(true);
    expect(result.batches).toBe(5);
    local.dispose();
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

  it('loads a Blob: the worker reads it (stage "read") and gets the same stats as from bytes', async () => {
    const lines = ['user_id,anime_id,rating'];
    for (let user = 1; user <= 50; user++) {
      for (let item = 1; item <= 20; item++) if ((user * 7 + item) % 3 !== 0) lines.push(`${user},${item},${1 + ((user + item * 3) % 10)}`);
    }
    const csv = lines.join('\n') + '\n';
    await worker.clearItems();  // stats are counted against the item metadata: none for both loads
    const fromBytes = await worker.loadRatings(new TextEncoder().encode(csv), 'bytes.csv');
    const statsFromBytes = await worker.loadedStats();

    await worker.loadSample({ users: 200, items: 150, seed: 1 });  // something else in between
    await worker.clearItems();
    const stages: LoadProgress[] = [];
    const blob = new Blob([csv.slice(0, 100), csv.slice(100)], { type: 'text/csv' });
    const fromBlob = await worker.loadRatings(blob, 'blob.csv', { onProgress: (p) => stages.push(p) });
    expect(await worker.loadedStats()).toEqual(statsFromBytes);
    expect(fromBlob.rows).toBe(lines.length - 1);
    expect(fromBlob.rows).toBe(fromBytes.rows);
    expect(fromBlob.bytes).toBe(blob.size);
    expect(fromBlob.readSeconds).toBeGreaterThanOrEqual(0);
    expect(fromBytes.readSeconds).toBeUndefined();
    // No 'copy' stage: the bytes go into the engine as they are read.
    expect(stageSequence(stages)).toEqual(['transfer', 'read', 'parse', 'done']);
    expect(stages.filter((s) => s.stage !== 'read').every((s) => s.bytes === blob.size)).toBe(true);
    expect(stages.filter((s) => s.stage === 'read').map((s) => s.bytes).at(-1)).toBe(blob.size);
    expect(await blob.text()).toBe(csv);  // the caller's Blob is untouched
  });

  it('streams a Blob of many chunks into the engine: same stats as its bytes, read progress up to its size', async () => {
    const { csv, rows } = ratingsCsv(12 * 1024 * 1024);  // past one 8 MB read report
    const bytes = new TextEncoder().encode(csv);
    await worker.clearItems();
    await worker.clearTestRatings();
    const fromBytes = await worker.loadRatings(bytes.slice(), 'bytes.csv');
    const statsFromBytes = await worker.loadedStats();
    expect(fromBytes.rows).toBe(rows);

    await worker.loadSample({ users: 200, items: 150, seed: 2 });  // different data in between
    await worker.clearItems();
    const blob = blobInParts(bytes, 65_537);  // ~190 chunks, boundaries inside lines
    const events: LoadProgress[] = [];
    const fromBlob = await worker.loadRatings(blob, 'stream.csv', { onProgress: (p) => events.push(p) });
    expect(await worker.loadedStats()).toEqual(statsFromBytes);
    expect(fromBlob.rows).toBe(rows);
    expect(fromBlob.bytes).toBe(bytes.length);
    expect(fromBlob.readSeconds).toBeGreaterThan(0);
    expect(fromBlob.seconds).toBeCloseTo(fromBlob.copySeconds + fromBlob.parseSeconds, 9);

    expect(stageSequence(events)).toEqual(['transfer', 'read', 'parse', 'done']);
    const reads = events.filter((event) => event.stage === 'read').map((event) => event.bytes);
    expect(reads[0]).toBe(0);
    expect(reads.at(-1)).toBe(blob.size);
    expect(reads.length).toBeGreaterThanOrEqual(3);  // at least one report between start and end
    expect(reads.length).toBeLessThan(190);          // throttled, not one per chunk
    for (let i = 1; i < reads.length; i++) expect(reads[i]!).toBeGreaterThan(reads[i - 1]!);
    const times = events.map((event) => event.elapsedSeconds);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
  });

  it('a malformed line in a streamed Blob gives the engine\'s file:line:column and keeps the data', async () => {
    const { csv } = ratingsCsv(3 * 1024 * 1024);
    const lines = csv.split('\n');
    const badLine = 150_000;  // 1-based, far into the file (past the first chunks)
    const [user] = lines[badLine - 1]!.split(',');
    lines[badLine - 1] = `${user},abc,5`;
    const blob = blobInParts(new TextEncoder().encode(lines.join('\n')), 65_537);
    expect(blob.size).toBeGreaterThan(20 * 65_537);

    await worker.loadSample({ users: 300, items: 150, seed: 4 });
    const before = await worker.loadedStats();
    const error = await worker.loadRatings(blob, 'broken-stream.csv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`^broken-stream\\.csv:${badLine}:${user!.length + 2}: .*abc`));
    expect(await worker.loadedStats()).toEqual(before);
  });

  it('a Blob whose read fails is that Error and changes nothing; the input buffer is freed', async () => {
    const local = await EngineCore.create();
    local.loadSample({ users: 300, items: 150, seed: 6 });
    const before = local.loadedStats();
    const allocatedBefore = local.heapStats().allocatedBytes;
    const size = 4 * 1024 * 1024;
    const readError = new Error('NotReadableError: the file could not be read');
    const firstChunk = new TextEncoder().encode('user_id,anime_id,rating\n1,2,3\n');
    const failing = {
      size,
      stream: () => {
        let pulls = 0;
        return new ReadableStream<Uint8Array>({
          pull(controller) {  // one chunk, then the failure a disk read can give
            if (pulls++ === 0) controller.enqueue(firstChunk);
            else controller.error(readError);
          },
        });
      },
    } as unknown as Blob;
    const progress: Array<[string, number]> = [];
    await expect(local.loadCsvBlob('loadRatings', failing, 'failing.csv', (stage, bytes) => progress.push([stage, bytes])))
      .rejects.toBe(readError);
    expect(progress).toEqual([['read', firstChunk.length]]);  // read the first chunk, never parsed
    expect(local.loadedStats()).toEqual(before);
    expect(local.heapStats().allocatedBytes).toBeLessThan(allocatedBefore + size / 2);

    // A stream longer or shorter than the Blob's size (a file changed while read) is refused too.
    for (const length of [size + 1, size - 1]) {
      const changed = { size, name: 'changed.csv', stream: () => new Blob([new Uint8Array(length)]).stream() } as unknown as Blob;
      await expect(local.loadCsvBlob('loadRatings', changed, undefined, () => {}))
        .rejects.toThrow(/changed\.csv did not read as its 4194304 bytes/);
      expect(local.loadedStats()).toEqual(before);
      expect(local.heapStats().allocatedBytes).toBeLessThan(allocatedBefore + size / 2);
    }
    local.dispose();
  });

  it('keeps streaming into the right bytes when wasm memory grows between two chunks', async () => {
    const { csv, rows } = ratingsCsv(2 * 1024 * 1024);
    const bytes = new TextEncoder().encode(csv);
    const local = await EngineCore.create();
    local.loadCsv('loadRatings', bytes, 'bytes.csv');
    const statsFromBytes = local.loadedStats();
    local.loadSample({ users: 300, items: 150, seed: 8 });
    local.clearItems();  // stats are counted against the item metadata: none for both loads

    // Another engine of the same wasm instance allocates more than the whole memory mid-read:
    // the memory must grow, which detaches every view of it taken before.
    const grower = new (await loadModule()).Engine();
    const memoryBefore = local.heapStats().memoryBytes;
    const parts = blobInParts(bytes, 65_537);
    const chunks = parts.stream().getReader();
    let pulls = 0;
    const growing = {
      size: parts.size,
      stream: () => new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (pulls++ === 3) grower.inputBuffer(memoryBefore + 1024 * 1024);
          const { done, value } = await chunks.read();
          if (done) controller.close(); else controller.enqueue(value);
        },
      }),
    } as unknown as Blob;
    const info = await local.loadCsvBlob('loadRatings', growing, 'grown.csv', () => {});
    expect(local.heapStats().memoryBytes).toBeGreaterThan(memoryBefore);
    expect(pulls).toBeGreaterThan(4);
    expect(info).toMatchObject({ rows, bytes: bytes.length });
    expect(local.loadedStats()).toEqual(statsFromBytes);
    grower.delete();
    local.dispose();
  });

  it('names a File\'s errors after the file; clears items and the test file', async () => {
    const file = new File(['user_id,anime_id,rating\n1,20,8\n2,abc,7\n'], 'dropped.csv');
    await expect(worker.loadRatings(file)).rejects.toThrow(/^dropped\.csv:3:3: /);

    await worker.loadSample({ users: 600, items: 150, seed: 7 });
    const options = await worker.samplePreprocessOptions();
    const anyType = await worker.preview({ ...options, itemType: 'any' });
    expect((await worker.preview(options)).itemFilter.items).toBeLessThan(anyType.itemFilter.items);
    await worker.clearItems();
    expect(await worker.preview(options)).toEqual(anyType);
    await worker.prepare(options);
    await worker.createModel({ embeddingDim: 8 });
    const user = (await worker.users())[0]!;
    const recommendations = await worker.recommend(user, 3);
    expect(recommendations.map((item) => item.name)).toEqual(recommendations.map((item) => `item ${item.id}`));

    // A test file (a Blob too) gives the given split; clearing it brings back the random one.
    const testRows = 'user_id,anime_id,rating\n' + recommendations.map((item) => `${user},${item.id},9`).join('\n');
    await worker.loadTestRatings(new Blob([testRows]), 'test.csv');
    const given = await worker.prepare(options);
    expect(given.testRows).toBe(recommendations.length);
    await worker.clearTestRatings();
    const random = await worker.prepare(options);
    expect(random.trainRows + random.testRows).toBe(random.counts.ratings);
    expect(random.testRows).toBe(Math.round(0.2 * random.counts.ratings));
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
    const modelBlob = new Blob([bytes.slice()]);
    await worker.loadModel(bytes, 'model.bin');
    expect(await worker.recommend(user, 4)).toEqual(before);

    await worker.createModel({ embeddingDim: 8, seed: 78 });
    expect(await worker.recommend(user, 4)).not.toEqual(before);
    await worker.loadModel(modelBlob, 'model.bin');  // streamed into the engine like a CSV Blob
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

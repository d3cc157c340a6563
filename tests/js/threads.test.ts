// The threaded build (web/dist/mt/, -pthread) under Node, where create({ engine: 'threaded' })
// runs it on worker_threads: trains on every core by default, trains bit for bit as the
// single-threaded build on one thread, and lets the process exit. Which build runs where, and the
// errors of the engine option. (In Chromium: tests/e2e/threads.e2e.test.ts and tests/consumers.)
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Recommender, WorkerRecommender } from 'tripletrec';
import { repoRoot, report } from './helpers';

const run = promisify(execFile);

async function trainSample(rec: Recommender, threads?: number) {
  rec.loadSample();
  rec.prepare(rec.samplePreprocessOptions());
  rec.createModel({ model: 'bilinear' });
  const result = await rec.train(threads === undefined ? { epochs: 3 } : { epochs: 3, threads });
  return { result, auc: rec.evaluate().auc };
}

describe('the threaded build under Node', () => {
  it("engine 'threaded': the default threads are os.cpus(), and it learns", async () => {
    const rec = await Recommender.create({ engine: 'threaded' });
    const { result, auc } = await trainSample(rec);
    report('threaded build, Node, sample, 3 epochs', { threads: result.threads, auc, tripletsPerSecond: result.tripletsPerSecond });
    expect(result.threads).toBe(os.cpus().length);
    expect(auc).toBeGreaterThan(0.7);  // default sample, 3 epochs: measured 0.7598-0.7599 on 2 threads in Node (0.755 on 1)
    rec.dispose();
  });

  it('on one thread it trains the same bits as the single-threaded build', async () => {
    const threaded = await Recommender.create({ engine: 'threaded' });
    const single = await Recommender.create();
    const a = await trainSample(threaded, 1);
    const b = await trainSample(single, 1);
    expect(a.result.threads).toBe(1);
    expect(a.result.epochLosses).toEqual(b.result.epochLosses);
    expect(a.auc).toBe(b.auc);
    expect(threaded.itemVectors().values).toEqual(single.itemVectors().values);
    threaded.dispose();
    single.dispose();
  });

  it("WorkerRecommender with engine 'threaded' trains on every core", async () => {
    const worker = await WorkerRecommender.create({ engine: 'threaded' });
    await worker.loadSample();
    await worker.prepare(await worker.samplePreprocessOptions());
    await worker.createModel();
    const result = await worker.train({ epochs: 2 });
    expect(result.threads).toBe(os.cpus().length);
    worker.terminate();
  });

  it('a Node program that used the threaded build exits by itself (its pool workers do not hold it)', async () => {
    const script = "import { Recommender } from 'tripletrec';" +
      "const rec = await Recommender.create({ engine: 'threaded' }); rec.loadSample();" +
      "rec.prepare(rec.samplePreprocessOptions()); rec.createModel();" +
      "console.log(JSON.stringify({ threads: (await rec.train({ epochs: 1 })).threads }));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ threads: os.cpus().length });
  });
});

describe('which build runs', () => {
  it("'auto' (the default) is the single-threaded build where the realm is not cross-origin isolated (Node)", async () => {
    const rec = await Recommender.create();
    const { result } = await trainSample(rec);
    expect(result.threads).toBe(1);
    rec.dispose();
  });

  it('an unknown engine is an error that names the choices', async () => {
    await expect(Recommender.create({ engine: 'multi' as 'auto' })).rejects.toThrow(
      "tripletrec: create: engine must be 'auto', 'threaded' or 'single-threaded', got \"multi\"");
  });
});

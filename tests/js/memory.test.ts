// One owning handle per Recommender: dispose() frees the engine, the FinalizationRegistry frees a
// forgotten one, and 50 load/train/dispose cycles leave the wasm heap where it was.
import { describe, expect, it } from 'vitest';
import { Recommender } from 'tripletrec';
import { report } from './helpers';

const SAMPLE = { users: 400, items: 150, seed: 5 };

async function cycle(): Promise<void> {
  const rec = await Recommender.create();
  rec.loadSample(SAMPLE);
  rec.prepare(rec.samplePreprocessOptions());
  rec.createModel({ embeddingDim: 16 });
  await rec.train({ epochs: 1 });
  rec.recommend(rec.users()[0]!, 5);
  rec.saveModel();
  rec.dispose();
}

describe('memory', () => {
  it('50 load/train/dispose cycles: malloc in use and the wasm memory stop growing', async () => {
    const probe = await Recommender.create();  // shares the wasm instance; holds nothing
    const warmup = 5;
    const allocated: number[] = [];
    const memory: number[] = [];
    for (let i = 0; i < 50; ++i) {
      await cycle();
      const stats = probe.heapStats();
      allocated.push(stats.allocatedBytes);
      memory.push(stats.memoryBytes);
    }
    report('heap after cycles 1/5/50 (malloc in use, bytes)', [allocated[0], allocated[warmup - 1], allocated[49]]);
    report('wasm memory after cycles 1/5/50 (bytes)', [memory[0], memory[warmup - 1], memory[49]]);
    // A leak of even one small allocation per cycle would add up over 45 cycles.
    expect(allocated[49]! - allocated[warmup - 1]!).toBeLessThanOrEqual(0);
    expect(Math.max(...allocated.slice(warmup))).toBeLessThanOrEqual(allocated[warmup - 1]!);
    expect(memory[49]).toBe(memory[warmup - 1]);
    probe.dispose();
  });

  it('a failed load does not leak (the input buffer and the C++ exception are freed)', async () => {
    const rec = await Recommender.create();
    const bad = 'user_id,anime_id,rating\n' + '1,2,3\n'.repeat(10_000) + '1,x,3\n';
    const attempt = () => expect(() => rec.loadRatings(bad, 'bad.csv')).toThrow(/bad\.csv:10002:3/);
    attempt();
    const before = rec.heapStats().allocatedBytes;
    for (let i = 0; i < 100; ++i) attempt();
    expect(rec.heapStats().allocatedBytes).toBe(before);
    rec.dispose();
  });

  it('the FinalizationRegistry frees a Recommender that was never disposed', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) {
      console.warn('skipping: run node with --expose-gc (tests/js/vitest.config.ts does)');
      return;
    }
    const probe = await Recommender.create();
    const baseline = probe.heapStats().allocatedBytes;
    await (async () => {
      const forgotten = await Recommender.create();
      forgotten.loadSample(SAMPLE);
      forgotten.prepare(forgotten.samplePreprocessOptions());
      forgotten.createModel({ embeddingDim: 32 });
    })();
    const held = probe.heapStats().allocatedBytes;
    expect(held).toBeGreaterThan(baseline + 100_000);
    for (let i = 0; i < 20 && probe.heapStats().allocatedBytes > baseline; ++i) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    report('finalization registry: heap held / after gc (bytes over baseline)',
           [held - baseline, probe.heapStats().allocatedBytes - baseline]);
    expect(probe.heapStats().allocatedBytes).toBeLessThanOrEqual(baseline);
    probe.dispose();
  });

  it('dispose() is idempotent and every later call throws', async () => {
    const rec = await Recommender.create();
    rec.dispose();
    rec.dispose();
    expect(rec.disposed).toBe(true);
    expect(() => rec.loadSample()).toThrow(/disposed/);
    await expect(rec.train()).rejects.toThrow(/disposed/);
  });
});

// One owning handle per Recommender: dispose() frees the engine, the FinalizationRegistry frees a
// forgotten one, 200 create/load/train/dispose cycles leave the wasm heap where it was, and the
// heap statistics stay right past 2 GiB.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Recommender } from 'tripletrec';
import { loadModule } from '../../web/dist/module.js';
import { report, shippedWasm } from './helpers';

// Small and quick: 200 cycles of it take a few seconds, and every engine path still runs.
const SAMPLE = { users: 200, items: 120, seed: 5 };
const CYCLES = 200;

async function cycle(): Promise<void> {
  const rec = await Recommender.create();
  rec.loadSample(SAMPLE);
  rec.prepare(rec.samplePreprocessOptions());
  rec.createModel({ embeddingDim: 8 });
  await rec.train({ epochs: 1, batchSize: 256 });
  rec.evaluate();
  rec.recommend(rec.users()[0]!, 5);
  rec.loadModel(rec.saveModel());
  rec.dispose();
}

describe('memory', () => {
  it(`${CYCLES} create/load/train/dispose cycles: malloc in use and the wasm memory stay flat`, async () => {
    const probe = await Recommender.create();  // shares the wasm instance; holds nothing
    const warmup = 5;
    const last = CYCLES - 1;
    const allocated: number[] = [];
    const memory: number[] = [];
    const started = performance.now();
    for (let i = 0; i < CYCLES; ++i) {
      await cycle();
      const stats = probe.heapStats();
      allocated.push(stats.allocatedBytes);
      memory.push(stats.memoryBytes);
    }
    report(`${CYCLES} cycles took (ms)`, Math.round(performance.now() - started));
    report(`heap after cycles 1/${warmup}/${CYCLES} (malloc in use, bytes)`, [allocated[0], allocated[warmup - 1], allocated[last]]);
    report(`wasm memory after cycles 1/${warmup}/${CYCLES} (bytes)`, [memory[0], memory[warmup - 1], memory[last]]);
    // A leak of even one small allocation per cycle would add up over the cycles after the warm-up.
    expect(allocated[last]! - allocated[warmup - 1]!).toBeLessThanOrEqual(0);
    expect(Math.max(...allocated.slice(warmup))).toBeLessThanOrEqual(allocated[warmup - 1]!);
    expect(memory[last]).toBe(memory[warmup - 1]);
    probe.dispose();
  });

  it('heapStats() counts bytes above 2 GiB as they are (not negative)', async () => {
    // A fresh instance of its own (given the binary), so the other tests' instance does not grow.
    const module = await loadModule({ wasmBinary: await readFile(shippedWasm) });
    // Two blocks of 1.125 GiB straight from the module's malloc (one allocation cannot pass
    // 2^31 - 1 bytes in wasm32). malloc only writes its chunk headers, so the fresh pages are never
    // touched and this stays fast (filling 2 GiB of new pages took ~25 s on this loaded machine).
    const { _malloc: malloc, _free: free } = module as unknown as
      { _malloc(size: number): number; _free(pointer: number): void };
    const half = 1.125 * 2 ** 30;
    const blocks = [malloc(half), malloc(half)];
    expect(blocks.every((pointer) => pointer > 0)).toBe(true);
    const stats = module.heapStats();
    report('heap stats with 2 x 1.125 GiB blocks (bytes)', stats);
    expect(stats.allocatedBytes).toBeGreaterThan(2 * half);
    expect(stats.allocatedBytes).toBeLessThan(2 * half + 64 * 2 ** 20);
    expect(stats.arenaBytes).toBeGreaterThanOrEqual(stats.allocatedBytes);
    expect(stats.freeBytes).toBeGreaterThanOrEqual(0);
    for (const pointer of blocks) free(pointer);
    expect(module.heapStats().allocatedBytes).toBeLessThan(2 ** 20);
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

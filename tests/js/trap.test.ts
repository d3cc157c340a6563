// A wasm trap (WebAssembly.RuntimeError) kills only its own module instance: the call that trapped
// says the engine crashed, every later call on any engine of that instance says it is dead, and a
// new Recommender / WorkerRecommender loads a fresh instance and works. The trap is a real one:
// the test overwrites the engine's memory through the module's heap view (every pointer in it then
// points past the end of memory), as a wild write would, and the next engine call traps.
import { afterEach, describe, expect, it } from 'vitest';
import { Worker as NodeWorker } from 'node:worker_threads';
import { EngineCrashedError, Recommender, WorkerRecommender } from 'tripletrec';
import { loadModule } from '../../web/dist/module.js';
import { report } from './helpers';

const SAMPLE = { users: 300, items: 120, seed: 4 };
const CRASHED = /^tripletrec: the engine crashed \(wasm trap: .+\)\. .*dead.*create a new Recommender or WorkerRecommender/;
const DEAD = /^tripletrec: this engine's wasm module instance is dead since it crashed \(.+\); create a new Recommender or WorkerRecommender$/;

type Client = Recommender | WorkerRecommender;

/** Loads, prepares and trains the sample; returns the trained AUC. */
async function trainSample(client: Client): Promise<number> {
  await client.loadSample(SAMPLE);
  await client.prepare(await client.samplePreprocessOptions());
  await client.createModel({ embeddingDim: 8, seed: 3 });
  await client.train({ epochs: 2 });
  return (await client.evaluate()).auc;
}

describe('a wasm trap', () => {
  it('on the calling thread: its instance is dead for every Recommender on it, a new Recommender works', async () => {
    const victim = await Recommender.create();
    const bystander = await Recommender.create();  // another engine in the same instance
    const aucBefore = await trainSample(victim);
    bystander.loadSample(SAMPLE);
    const module = await loadModule();  // the instance both share

    new Uint8Array(module.HEAP8.buffer).fill(0xff);
    const crash = (() => { try { victim.evaluate(); } catch (error) { return error; } })();
    expect(crash).toBeInstanceOf(EngineCrashedError);  // what callers test for, not the message
    expect((crash as EngineCrashedError).code).toBe('ENGINE_CRASHED');
    expect((crash as Error).message).toMatch(CRASHED);
    expect((crash as Error).cause).toBeInstanceOf(WebAssembly.RuntimeError);
    report('message of the call that trapped', (crash as Error).message);

    expect(() => victim.users()).toThrow(DEAD);
    expect(() => victim.users()).toThrow(EngineCrashedError);
    expect(() => bystander.loadedStats()).toThrow(DEAD);
    expect(() => bystander.heapStats()).toThrow(DEAD);
    expect(() => bystander.loadRatings('user_id,anime_id,rating\n1,2,3\n')).toThrow(DEAD);
    await expect(victim.train({ epochs: 1 })).rejects.toThrow(DEAD);
    victim.dispose();  // frees nothing in the dead memory, and does not throw
    bystander.dispose();

    const fresh = await Recommender.create();
    expect(await loadModule()).not.toBe(module);  // a fresh instance, not the dead one
    expect(await trainSample(fresh)).toBe(aucBefore);  // same seeds, same model as before the crash
    fresh.dispose();
  });

  it('during train(): the run rejects with the trap itself (not a later cleanup error), and a new Recommender works', async () => {
    const victim = await Recommender.create();
    victim.loadSample(SAMPLE);
    victim.prepare(victim.samplePreprocessOptions());
    victim.createModel({ embeddingDim: 8 });
    const module = await loadModule();
    let reports = 0;
    const training = victim.train({
      epochs: 50, batchSize: 8,  // many slices: the corruption lands between two of them
      onProgress: () => { if (++reports === 1) new Uint8Array(module.HEAP8.buffer).fill(0xff); },
    });
    await expect(training).rejects.toThrow(CRASHED);
    expect(() => victim.summary()).toThrow(DEAD);
    victim.dispose();

    const fresh = await Recommender.create();
    fresh.loadSample(SAMPLE);
    expect(fresh.loadedStats().counts.ratings).toBeGreaterThan(0);
    fresh.dispose();
  });

  describe('in the worker', () => {
    let crashed: WorkerRecommender | undefined;
    afterEach(() => crashed?.terminate());

    it('its worker\'s instance is dead, the caller\'s thread is untouched, a new WorkerRecommender works', async () => {
      const fixture = await createWithCorruptibleWorker();
      crashed = fixture.client;
      const aucBefore = await trainSample(crashed);
      const local = await Recommender.create();  // the caller's own instance
      local.loadSample(SAMPLE);

      await corruptWorkerMemory();
      const evaluating = crashed.evaluate();
      // Sent before the crash is known: rejected when the worker stops (caught now, checked below).
      const queued = crashed.popular().catch((error: unknown) => error);
      await expect(evaluating).rejects.toThrow(CRASHED);
      await expect(evaluating).rejects.toBeInstanceOf(EngineCrashedError);
      // Once the crash is reported the worker is stopped, which frees its memory.
      expect(crashed.terminated).toBe(true);
      expect(await fixture.exited).toBe(1);  // worker_threads' exit code after terminate()
      expect(await queued).toBeInstanceOf(EngineCrashedError);
      expect((await queued as Error).message).toMatch(DEAD);
      await expect(crashed.users()).rejects.toThrow(DEAD);
      await expect(crashed.users()).rejects.toBeInstanceOf(EngineCrashedError);
      await expect(crashed.train({ epochs: 1 })).rejects.toThrow(DEAD);
      crashed.terminate();  // harmless on the stopped worker
      await expect(crashed.summary()).rejects.toThrow(DEAD);
      expect(local.loadedStats().counts.ratings).toBeGreaterThan(0);  // another realm, another instance
      local.dispose();

      const fresh = await WorkerRecommender.create();
      try {
        expect(await trainSample(fresh)).toBe(aucBefore);
      } finally {
        fresh.terminate();
      }
    });
  });
});

/**
 * A WorkerRecommender whose worker runs tests/js/fixtures/trap-worker.mjs (the package's worker
 * plus a memory-corrupting hook). The client starts `new Worker(url, {type: 'module'})` when a
 * global Worker exists: for the time of create(), that global is a thin adapter over a
 * worker_threads Worker of the fixture, so the client's Web Worker path drives it.
 */
async function createWithCorruptibleWorker(): Promise<{ client: WorkerRecommender; exited: Promise<number> }> {
  const fixture = new URL('./fixtures/trap-worker.mjs', import.meta.url);
  let exited!: Promise<number>;
  class FixtureWorker {
    readonly #thread = new NodeWorker(fixture);
    constructor() {
      exited = new Promise((resolve) => this.#thread.once('exit', resolve));
    }
    addEventListener(type: string, listener: (event: unknown) => void): void {
      if (type === 'message') this.#thread.on('message', (data) => listener({ data }));
      if (type === 'error') this.#thread.on('error', (error) => listener({ message: error.message, preventDefault() {} }));
    }
    postMessage(message: unknown, transfer?: Transferable[]): void {
      this.#thread.postMessage(message, (transfer ?? []) as never);
    }
    terminate(): void { void this.#thread.terminate(); }
  }
  const scope = globalThis as { Worker?: unknown };
  scope.Worker = FixtureWorker;
  try {
    return { client: await WorkerRecommender.create(), exited };
  } finally {
    delete scope.Worker;
  }
}

function corruptWorkerMemory(): Promise<void> {
  const channel = new BroadcastChannel('tripletrec-trap-test');
  return new Promise((resolve) => {
    channel.onmessage = () => {
      channel.close();
      resolve();
    };
    channel.postMessage('corrupt');
  });
}

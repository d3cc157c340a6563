// The demo page's crash handling (web/demo/src/engine-crash.ts), at unit level: the page cannot
// reach its worker's wasm memory without test hooks, so the page-side logic is tested here with a
// real crash of the package (a trap on this thread), and the worker side in trap.test.ts. What is
// checked: a crash is recognised by the package's error class, the step's message says so
// plainly, and the page's recovery (a fresh engine) starts once per crash, after the failing step.
import { describe, expect, it, vi } from 'vitest';
import { EngineCrashedError, Recommender } from 'tripletrec';
import { loadModule } from '../../web/dist/module.js';
import { onEngineCrash, stepErrorMessage } from '../../web/demo/src/engine-crash';

async function realCrash(): Promise<unknown> {
  const victim = await Recommender.create();
  victim.loadSample({ users: 50, items: 30, seed: 1 });
  const module = await loadModule();
  new Uint8Array(module.HEAP8.buffer).fill(0xff);  // as a wild write would
  try {
    victim.loadedStats();
  } catch (error) {
    return error;
  } finally {
    victim.dispose();
  }
  throw new Error('no crash');
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the demo page after an engine crash', () => {
  it('shows an ordinary engine error as it is and restarts nothing', async () => {
    const restart = vi.fn(async () => {});
    onEngineCrash(restart);
    const rec = await Recommender.create();
    const error = (() => { try { rec.evaluate(); } catch (caught) { return caught; } })();
    rec.dispose();
    expect(stepErrorMessage(error)).toBe((error as Error).message);
    await nextTask();
    expect(restart).not.toHaveBeenCalled();
  });

  it('says the engine crashed and starts one fresh engine per crash, after the failing step', async () => {
    let finishRestart!: () => void;
    const restart = vi.fn(() => new Promise<void>((resolve) => { finishRestart = resolve; }));
    onEngineCrash(restart);
    const crash = await realCrash();
    expect(crash).toBeInstanceOf(EngineCrashedError);

    // Three steps meet the same crash (e.g. the user's list, the similar items, a preview).
    const message = stepErrorMessage(crash);
    stepErrorMessage(crash);
    stepErrorMessage(crash);
    expect(message).toMatch(/^the engine crashed, so the page is starting a fresh one with the same data \(tripletrec: the engine crashed \(wasm trap: /);
    expect(restart).not.toHaveBeenCalled();  // not inside the failing step's own error handling
    await nextTask();
    expect(restart).toHaveBeenCalledTimes(1);
    expect(restart).toHaveBeenCalledWith(crash);

    stepErrorMessage(crash);  // while the fresh engine starts
    await nextTask();
    expect(restart).toHaveBeenCalledTimes(1);

    finishRestart();
    await nextTask();
    stepErrorMessage(await realCrash());  // the fresh engine can crash too: it is recovered again
    await nextTask();
    expect(restart).toHaveBeenCalledTimes(2);
    finishRestart();
  });
});

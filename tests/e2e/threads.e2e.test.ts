// The same built page on two hosts: one cross-origin isolated (COOP/COEP: SharedArrayBuffer, so
// the package runs its threaded build and trains on every core), one a plain static host (the
// single-threaded build, as before). Both train the sample and show how many threads trained.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chooseModel, launchBrowser, text, trainAndWait, waitIdle } from './demo-page';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Opens the demo at `url`; records uncaught errors and the name of every .wasm file requested
 * (the page's engine runs in a worker; Chromium reports the worker's requests on the page). */
async function openDemoRecordingWasm(url: string): Promise<{ page: Page; errors: string[]; wasmFiles: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  const wasmFiles: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.wasm')) wasmFiles.push(path.split('/').pop()!);
  });
  await page.goto(url);
  await waitIdle(page);
  return { page, errors, wasmFiles };
}

describe('threads in the demo page', () => {
  it('cross-origin isolated: the threaded build trains on every core', async () => {
    const { page, errors, wasmFiles } = await openDemoRecordingWasm(inject('demoUrlIsolated'));
    const { isolated, cores } = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    expect(isolated).toBe(true);
    expect(cores).toBeGreaterThan(1);  // this machine has 2 cores; on 1 core this test proves nothing
    expect(wasmFiles.map((file) => file.replace(/-[\w-]{8}\.wasm$/, '.wasm'))).toEqual(['tripletrec-mt.wasm']);
    await chooseModel(page, 'bilinear');
    const { before, after } = await trainAndWait(page);
    console.log(`[measure] isolated host: threads ${await text(page, '#train-threads')}, AUC ${before} -> ${after}, ` +
                `${await text(page, '#train-speed')} triplets/s`);
    expect(Number(await text(page, '#train-threads'))).toBe(cores);
    expect(after).toBeGreaterThan(before + 0.1);  // it learns: measured 0.496 -> 0.841-0.842 on 2 threads
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a plain static host: the single-threaded build trains on one thread', async () => {
    const { page, errors, wasmFiles } = await openDemoRecordingWasm(inject('demoUrl'));
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(wasmFiles.map((file) => file.replace(/-[\w-]{8}\.wasm$/, '.wasm'))).toEqual(['tripletrec.wasm']);
    await chooseModel(page, 'bilinear');
    const { before, after } = await trainAndWait(page);
    console.log(`[measure] plain host: threads ${await text(page, '#train-threads')}, AUC ${before} -> ${after}, ` +
                `${await text(page, '#train-speed')} triplets/s`);
    expect(await text(page, '#train-threads')).toBe('1');
    expect(after).toBeGreaterThan(before + 0.1);  // measured 0.496 -> 0.842
    expect(errors).toEqual([]);
    await page.close();
  });
});

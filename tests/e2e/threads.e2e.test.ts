// The same built page on two hosts: cross-origin isolated (COOP/COEP: SharedArrayBuffer, so the
// package runs its threaded engine and trains on every core) and a plain static host (the
// single-threaded engine). Both train the sample and show how many threads trained.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chooseModel, launchBrowser, openDemo, text, trainAndWait } from './demo-page';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('threads in the demo page', () => {
  it('trains on every core when the page is cross-origin isolated', async () => {
    const { page, problems } = await openDemo(browser, inject('demoUrlIsolated'));
    const { isolated, cores } = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    expect(isolated).toBe(true);
    await chooseModel(page, 'bilinear');
    const { before, after } = await trainAndWait(page);
    expect(Number(await text(page, '#train-threads'))).toBe(cores);
    expect(cores).toBeGreaterThan(1);  // this machine has 2 cores; a 1-core runner proves nothing here
    expect(after).toBeGreaterThan(before + 0.1);  // it learns (measured 0.50 -> ~0.75)
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('trains on one thread on a plain static host', async () => {
    const { page, problems } = await openDemo(browser, inject('demoUrl'));
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    await chooseModel(page, 'bilinear');
    const { before, after } = await trainAndWait(page);
    expect(await text(page, '#train-threads')).toBe('1');
    expect(after).toBeGreaterThan(before + 0.1);
    expect(problems.errors).toEqual([]);
    await page.close();
  });
});

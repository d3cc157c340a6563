// The "Your taste" step in Chromium: after training, search items by name, pick likes and see
// recommendations with "because you liked …", remove a like, reset; download the serving bundle;
// then a fresh page with that bundle alone, dropped on the page and named by ?model=URL (served by
// the same static server as the page, as a static site would ship it).
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  actAndWaitIdle, artifactsDir, chooseModel, dropFile, horizontalOverflow, launchBrowser, likes, openDemo, pickLikes,
  queriesFromSuggestions, repoRoot, setControl, text, trainAndWait, waitForRecommendations, type PageProblems,
} from './demo-page';

let browser: Browser;
let page: Page;
let problems: PageProblems;
const bundleDir = `${artifactsDir}/bundles`;
let bundlePath = '';
/** Where the static server (which serves web/demo/dist) finds the bundle for ?model=. */
const servedBundle = `${repoRoot}web/demo/dist/e2e-serving-bundle.safetensors`;

beforeAll(async () => {
  mkdirSync(bundleDir, { recursive: true });
  browser = await launchBrowser();
  ({ page, problems } = await openDemo(browser, inject('demoUrl')));
});
afterAll(async () => {
  rmSync(servedBundle, { force: true });
  await browser?.close();
});

describe('demo page: Your taste', () => {
  it('waits for a model before offering the search', async () => {
    expect(await page.locator('#taste-search').isDisabled()).toBe(true);
    expect(await page.locator('#taste-download').isDisabled()).toBe(true);
    expect(await page.locator('#taste-bundle-input').isEnabled()).toBe(true);
  });

  it('after training: likes picked by name give recommendations with their reason, live', async () => {
    await chooseModel(page, 'bilinear');
    await setControl(page, '#epochs', '3');
    await setControl(page, '#holdout-users', '0.1');
    await trainAndWait(page);
    await page.waitForFunction(() => document.getElementById('step-taste')?.dataset.state === 'ready');
    expect(await page.locator('#taste-search').isEnabled()).toBe(true);

    const queries = await queriesFromSuggestions(page);
    await pickLikes(page, queries.slice(0, 2));
    const liked = await likes(page);
    expect(liked.length).toBe(2);
    const { names, because } = await waitForRecommendations(page, 2);
    console.log(`likes ${JSON.stringify(liked)} -> ${JSON.stringify(names.slice(0, 3))}; ${await text(page, '#taste-timing')}`);
    expect(names.length).toBe(10);
    for (const name of names) expect(liked).not.toContain(name);
    expect(because.length).toBe(10);
    for (const reason of because) expect(liked.map((name) => `because you liked ${name}`)).toContain(reason);

    // A third like changes the list; removing it brings the two-like list back (deterministic).
    await pickLikes(page, [queries[2]!]);
    expect((await likes(page)).length).toBe(3);
    await page.locator('#taste-likes .like-remove').last().click();
    expect((await waitForRecommendations(page, 2)).names).toEqual(names);

    // The curve of the held-out users (10% held out above).
    await page.waitForFunction(() => /^Fold-in AUC by likes given/.test(document.getElementById('taste-curve')?.getAttribute('aria-label') ?? ''),
      undefined, { timeout: 60_000 });
    console.log(`likes curve: ${await page.locator('#taste-curve').getAttribute('aria-label')}`);
    expect(await page.locator('#taste-curve').getAttribute('aria-label')).toMatch(/^Fold-in AUC by likes given: 1: 0\.\d+/);

    await page.locator('#step-taste').screenshot({ path: `${artifactsDir}/taste-trained-1280.png` });
    await page.locator('#taste-reset').click();
    await page.waitForFunction(() => document.querySelectorAll('#taste-recs li').length === 0);
    expect(await likes(page)).toEqual([]);
    expect(await page.locator('#taste-likes-empty').isVisible()).toBe(true);
    expect(problems.errors).toEqual([]);
  });

  it('writes names as text, never as HTML', async () => {
    const suggestions = await page.locator('#taste-suggestions').innerHTML().catch(() => '');
    expect(suggestions).not.toMatch(/<script|<img/i);
    expect(await page.locator('#step-taste script, #step-taste img').count()).toBe(0);
  });

  it('downloads the serving bundle', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#taste-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^tripletrec-serving-bilinear-\d+items-\w+\.safetensors$/);
    bundlePath = `${bundleDir}/${download.suggestedFilename()}`;
    await download.saveAs(bundlePath);
    const bytes = readFileSync(bundlePath);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
    console.log(`serving bundle ${download.suggestedFilename()}: ${bytes.length} bytes, tensors ${
      Object.keys(header).filter((key) => key !== '__metadata__').join(', ')}`);
    expect(header.__metadata__).toBeTruthy();
    expect(await text(page, '#taste-bundle-status')).toMatch(/^Saved tripletrec-serving-/);
  });

  it('works from the bundle alone dropped on a fresh page', async () => {
    const fresh = await openDemo(browser, inject('demoUrl'));
    const target = fresh.page;
    const bytes = readFileSync(bundlePath);
    await dropFile(target, bytes, 'dropped.safetensors');
    expect(await target.locator('#taste-error').isVisible()).toBe(false);
    expect(await text(target, '#taste-source')).toMatch(/serving bundle dropped\.safetensors/);
    expect(await text(target, '#auc-after')).toBe('–');  // nothing was trained on this page
    const queries = await queriesFromSuggestions(target);
    await pickLikes(target, queries.slice(0, 2));
    const { names, because } = await waitForRecommendations(target, 2);
    expect(names.length).toBe(10);
    expect(because.length).toBe(10);
    expect(await target.locator('#taste-download').isDisabled()).toBe(true);  // a bundle is one already

    // A corrupt bundle is refused with a clear message and the loaded one stays.
    await actAndWaitIdle(target, () => target.locator('#taste-bundle-input').setInputFiles({
      name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: bytes.subarray(0, 100),
    }));
    const message = await text(target, '#taste-error');
    console.log(`truncated bundle: ${message}`);
    expect(message).toMatch(/^Could not load the bundle: .*broken\.safetensors/);
    expect(message).toMatch(/The current model is unchanged\.$/);
    await target.locator('#taste-likes .like-remove').first().click();
    expect((await waitForRecommendations(target, 1)).names.length).toBe(10);

    await target.setViewportSize({ width: 390, height: 844 });
    await target.waitForTimeout(300);
    expect(await horizontalOverflow(target)).toBe(0);
    await target.locator('#step-taste').screenshot({ path: `${artifactsDir}/taste-bundle-390.png` });
    expect(fresh.problems.errors).toEqual([]);
    await target.close();
  });

  it('works from the bundle alone named by ?model=URL, with the same recommendations', async () => {
    copyFileSync(bundlePath, servedBundle);
    const fresh = await openDemo(browser, `${inject('demoUrl')}?model=e2e-serving-bundle.safetensors`);
    const target = fresh.page;
    await target.waitForFunction(() => document.getElementById('step-taste')?.dataset.state === 'ready' ||
      !document.getElementById('taste-error')!.hidden, undefined, { timeout: 60_000 });
    expect(await target.locator('#taste-error').isVisible()).toBe(false);
    expect(await text(target, '#taste-source')).toMatch(/serving bundle e2e-serving-bundle\.safetensors/);
    // The same likes as on the training page give the same list there and here.
    const queries = await queriesFromSuggestions(target);
    await pickLikes(target, queries.slice(0, 2));
    const fromUrl = await waitForRecommendations(target, 2);
    await pickLikes(page, queries.slice(0, 2));
    const fromTraining = await waitForRecommendations(page, 2);
    expect(fromUrl.names).toEqual(fromTraining.names);
    await target.locator('#step-taste').screenshot({ path: `${artifactsDir}/taste-url-1280.png` });

    const missing = await openDemo(browser, `${inject('demoUrl')}?model=no-such-bundle.safetensors`);
    await missing.page.waitForSelector('#taste-error:not([hidden])', { timeout: 30_000 });
    expect(await text(missing.page, '#taste-error')).toMatch(/no-such-bundle\.safetensors: HTTP 404/);
    expect(fresh.problems.errors).toEqual([]);
    await missing.page.close();
    await target.close();
  });
});

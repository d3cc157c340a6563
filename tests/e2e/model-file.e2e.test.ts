// The demo page's model files and the Keras-exact optimiser switch: train, download the model,
// load it into fresh data (same AUC, no training), reject broken and mismatched files with a clear
// message while the page keeps working, and a Keras-exact run that the runs table labels.
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  actAndWaitIdle, artifactsDir, chooseModel, clickAndWaitIdle, finalCounts, horizontalOverflow, launchBrowser, openDemo, setControl,
  text, trainAndWait, type PageProblems, type PickedFile,
} from './demo-page';

let browser: Browser;
let page: Page;
let problems: PageProblems;
const modelDir = `${artifactsDir}/model-files`;
let savedModelPath = '';
let trainedAuc = '';

beforeAll(async () => {
  mkdirSync(modelDir, { recursive: true });
  browser = await launchBrowser();
  ({ page, problems } = await openDemo(browser, inject('demoUrl')));
});
afterAll(async () => {
  await browser?.close();
});

/** Chooses a file in the "Load model file" picker and waits until the page has finished with it. */
async function loadModelFile(target: Page, file: PickedFile): Promise<void> {
  await actAndWaitIdle(target, () => target.locator('#model-file-input').setInputFiles(file), 60_000);
}

function binaryFile(name: string, buffer: Buffer): { name: string; mimeType: string; buffer: Buffer } {
  return { name, mimeType: 'application/octet-stream', buffer };
}

/** The prepared data's users and items, as the Train step shows them ("4,610 users × 120 items · …"). */
async function preparedCounts(target: Page): Promise<{ users: number; items: number }> {
  const match = /^([\d,]+) users × ([\d,]+) items/.exec(await text(target, '#prepared-info'));
  if (!match) throw new Error('the Train step shows no prepared counts');
  return { users: Number(match[1].replace(/,/g, '')), items: Number(match[2].replace(/,/g, '')) };
}

/** The cells of the runs table's newest row (rows are prepended). */
async function newestRun(target: Page): Promise<string[]> {
  return (await target.locator('#runs-table tbody tr').first().locator('td').allTextContents()).map((cell) => cell.trim());
}

describe('demo page: model files and the Keras-exact switch', () => {
  it('has no model to download before training', async () => {
    expect(await page.locator('#download-model').isDisabled()).toBe(true);
    expect(await page.locator('#model-file-input').isEnabled()).toBe(true);
    expect(await page.locator('#keras-exact').isChecked()).toBe(false);  // off by default: it is slower
  });

  it('trains the bilinear model and downloads it as tripletrec-bilinear-<users>x<items>.ttrm', async () => {
    await chooseModel(page, 'bilinear');
    await setControl(page, '#epochs', '5');
    const auc = await trainAndWait(page);
    trainedAuc = await text(page, '#auc-after');
    expect(auc.after).toBeGreaterThan(auc.before + 0.1);
    expect((await newestRun(page))[2]).toBe('sparse');  // the Adam column
    expect(await page.locator('#download-model').isEnabled()).toBe(true);

    const counts = await preparedCounts(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-model').click()]);
    expect(download.suggestedFilename()).toBe(`tripletrec-bilinear-${counts.users}x${counts.items}.ttrm`);
    savedModelPath = `${modelDir}/${download.suggestedFilename()}`;
    await download.saveAs(savedModelPath);
    const bytes = readFileSync(savedModelPath);
    // The weights alone are (users + items) x 64 float32s; the header adds a little.
    console.log(`saved ${download.suggestedFilename()}: ${bytes.length} bytes; trained AUC ${trainedAuc} ` +
      `(5 epochs, sparse Adam, ${await text(page, '#train-speed')} triplets/s)`);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('TTRM');
    expect(bytes.length).toBeGreaterThan((counts.users + counts.items) * 64 * 4);
    expect(await text(page, '#model-file-status')).toMatch(/^Saved tripletrec-bilinear-/);
  });

  it('loads the file into freshly loaded data: same AUC without training, summary and recommendations', async () => {
    await clickAndWaitIdle(page, '#load-sample');  // a new engine: no prepared data, no model
    expect(await page.locator('#download-model').isDisabled()).toBe(true);
    expect(await text(page, '#auc-after')).toBe('–');
    expect(await page.locator('#runs-table tbody tr').count()).toBe(0);

    await loadModelFile(page, savedModelPath);
    expect(await page.locator('#model-file-error').isVisible()).toBe(false);
    expect(await text(page, '#auc-after')).toBe(trainedAuc);
    expect(await text(page, '#auc-after-note')).toMatch(/loaded, not trained here/);
    expect(await text(page, '#model-file-status')).toMatch(/^Loaded tripletrec-bilinear-.*parameters/);
    expect(await text(page, '#param-count')).toMatch(/bilinear/);
    expect(await text(page, '#model-summary')).toMatch(/embedding/i);
    const row = await newestRun(page);
    expect(row[1]).toBe('bilinear');
    expect(row[4]).toBe('loaded');  // the Epochs column
    expect(row[6]).toBe(trainedAuc);
    await page.waitForFunction(() => document.querySelectorAll('#user-recs li.item').length === 10);
    await page.waitForSelector('#similar-items li.item');
    expect(await page.locator('#download-model').isEnabled()).toBe(true);  // a loaded model can be saved again
  });

  it('rejects a corrupted file with a clear message and keeps the loaded model', async () => {
    const rows = await page.locator('#runs-table tbody tr').count();
    // A few bytes that are not a model file (fixed, so the test always sees the same input).
    await loadModelFile(page, binaryFile('broken.ttrm', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x08, 0x00, 0x99, 0x7f])));
    const message = await text(page, '#model-file-error');
    console.log(`corrupted file: ${message}`);
    expect(message).toMatch(/^Could not load the model: .*broken\.ttrm/);
    expect(message).toMatch(/TTRM/);
    expect(message).toMatch(/The current model is unchanged\.$/);

    // A truncated model (the first 200 bytes of the real one) names what is missing.
    await loadModelFile(page, binaryFile('truncated.ttrm', readFileSync(savedModelPath).subarray(0, 200)));
    const truncated = await text(page, '#model-file-error');
    console.log(`truncated file: ${truncated}`);
    expect(truncated).toMatch(/truncated\.ttrm/);
    expect(truncated).toMatch(/The current model is unchanged\.$/);

    // Nothing changed, and the page still answers.
    expect(await text(page, '#auc-after')).toBe(trainedAuc);
    expect(await page.locator('#runs-table tbody tr').count()).toBe(rows);
    await page.locator('#random-user').click();
    await page.waitForFunction(() => /^User \d+:/.test(document.getElementById('user-summary')?.textContent ?? ''));
    expect(await page.locator('#user-recs li.item').count()).toBe(10);
    expect(problems.errors).toEqual([]);
  });

  it('refuses a model whose users and items do not match the prepared data, then loads once they match', async () => {
    // The sample's user ids are 1..users: a user bound keeps fewer users than the model has.
    const { users } = await finalCounts(page);
    expect(await page.locator('#user-bound').isChecked()).toBe(false);
    await page.locator('#user-bound').check();
    await setControl(page, '#max-user-id', String(Math.floor(users / 2)));
    await page.waitForFunction((before) =>  // the live preview shows fewer users
      document.querySelector('#funnel tr[data-step="ratingFilter"] td:nth-of-type(1)')?.textContent !== before,
    users.toLocaleString('en-US'));
    await loadModelFile(page, savedModelPath);
    const message = await text(page, '#model-file-error');
    console.log(`mismatched data: ${message}`);
    expect(message).toMatch(/the model has \d+ users and \d+ items, the prepared data \d+ and \d+/);
    // Preparing other data dropped the model: the page says so and has nothing stale to show.
    expect(message).toMatch(/There is no model now/);
    expect(await text(page, '#auc-after')).toBe('–');
    expect(await page.locator('#download-model').isDisabled()).toBe(true);
    expect(await page.locator('#user-input').isDisabled()).toBe(true);

    await page.locator('#user-bound').uncheck();
    await loadModelFile(page, savedModelPath);
    expect(await page.locator('#model-file-error').isVisible()).toBe(false);
    expect(await text(page, '#auc-after')).toBe(trainedAuc);
  });

  it('trains with Keras-exact Adam and the runs table says so', async () => {
    await page.locator('#keras-exact').check();
    await setControl(page, '#epochs', '2');
    const auc = await trainAndWait(page);
    console.log(`bilinear, Keras-exact Adam, 2 epochs: AUC ${auc.before} -> ${auc.after}; ` +
      `${await text(page, '#train-speed')} triplets/s`);
    expect(auc.after).toBeGreaterThan(auc.before);
    const row = await newestRun(page);
    expect(row[2]).toBe('Keras-exact');
    expect(row[4]).toBe('2');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-model').click()]);
    expect(download.suggestedFilename()).toMatch(/^tripletrec-bilinear-\d+x\d+\.ttrm$/);
    await page.locator('#keras-exact').uncheck();
  });

  it('fits the new controls at 1280 and 390 wide', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator('#step-results').screenshot({ path: `${artifactsDir}/model-file-results-1280.png` });
    await page.locator('#model-form').screenshot({ path: `${artifactsDir}/model-file-train-form-1280.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);  // charts resize on the next frames
    expect(await horizontalOverflow(page)).toBe(0);
    await page.locator('#step-results .step-main').screenshot({ path: `${artifactsDir}/model-file-results-390.png` });
    await page.locator('#model-form').screenshot({ path: `${artifactsDir}/model-file-train-form-390.png` });
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(problems.errors).toEqual([]);
    expect(problems.dialogs).toEqual([]);
  });
});

// Driving the demo page in headless Chromium: launch, wait for the engine, read values.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const artifactsDir = `${repoRoot}test-artifacts`;
/** The shared real data sets, next to the checkout (never copied into the repo). */
export const dataDir = fileURLToPath(new URL('../../../shared/data', import.meta.url));

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface PageProblems {
  dialogs: string[];
  errors: string[];
}

/** Opens the page and records dialogs (alert) and uncaught errors for the assertions. */
export async function openDemo(browser: Browser, url: string, viewport = { width: 1280, height: 800 }): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport });
  const problems: PageProblems = { dialogs: [], errors: [] };
  page.on('dialog', (dialog) => {
    problems.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.errors.push(error.message));
  await page.goto(url);
  await waitIdle(page);
  return { page, problems };
}

/** Waits until no load or training run owns the engine. */
export async function waitIdle(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.busy === 'false', undefined, { timeout });
}

export async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent())?.trim() ?? '';
}

/** Clicks a button that starts a load or a run, and waits until that operation has finished. */
export async function clickAndWaitIdle(page: Page, selector: string, timeout = 120_000): Promise<void> {
  const finishedBefore = await page.evaluate(() => Number(document.body.dataset.finished ?? 0));
  await page.locator(selector).click();
  await page.waitForFunction((before) =>
    Number(document.body.dataset.finished ?? 0) > before && document.body.dataset.busy === 'false', finishedBefore, { timeout });
}

/** Reads a number shown with thousands separators ("4,610"). */
export async function shownInt(page: Page, selector: string): Promise<number> {
  return Number((await text(page, selector)).replace(/,/g, ''));
}

/** The funnel row after every filter: users, items, ratings. */
export async function finalCounts(page: Page): Promise<{ users: number; items: number; ratings: number }> {
  const cells = await page.locator('#funnel tr[data-step="ratingFilter"] td').allTextContents();
  const [users, items, ratings] = cells.map((cell) => Number(cell.replace(/,/g, '')));
  return { users, items, ratings };
}

/** Sets a form control and fires the events a user's typing would. */
export async function setControl(page: Page, selector: string, value: string): Promise<void> {
  await page.locator(selector).fill(value);
}

export async function chooseModel(page: Page, model: 'bilinear' | 'deep'): Promise<void> {
  await page.locator(`input[name="model"][value="${model}"]`).check();
}

/** Clicks Train and waits for the trained AUC and the recommendation list. */
export async function trainAndWait(page: Page, timeout = 200_000): Promise<{ before: number; after: number }> {
  await clickAndWaitIdle(page, '#train', timeout);
  const error = await page.locator('#train-error').isVisible() ? await text(page, '#train-error') : '';
  if (error) throw new Error(`the page reported: ${error}`);
  await page.waitForSelector('#user-recs li.item', { timeout: 30_000 });
  return { before: Number(await text(page, '#auc-before')), after: Number(await text(page, '#auc-after')) };
}

/** True when something was drawn on the canvas (a blank canvas has only transparent pixels). */
export async function canvasPainted(page: Page, canvasId: string): Promise<boolean> {
  return page.evaluate((id) => {
    const canvas = document.getElementById(id) as HTMLCanvasElement;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    return pixels.some((value, index) => index % 4 === 3 && value > 0);
  }, canvasId);
}

/** Chooses files in the Load step's pickers (by path or as in-memory files) and loads them. */
export async function loadFiles(
  page: Page,
  ratings: string | { name: string; mimeType: string; buffer: Buffer },
  items: string | { name: string; mimeType: string; buffer: Buffer } | null,
): Promise<void> {
  await page.locator('#ratings-file').setInputFiles(ratings);
  if (items) await page.locator('#items-file').setInputFiles(items);
  else await page.locator('#items-file').setInputFiles([]);
  await clickAndWaitIdle(page, '#load-files');
}

export function csvFile(name: string, content: string): { name: string; mimeType: string; buffer: Buffer } {
  return { name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') };
}

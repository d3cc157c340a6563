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

/** Does something that starts a load or a run, and waits until that operation has finished. */
export async function actAndWaitIdle(page: Page, action: () => Promise<void>, timeout = 120_000): Promise<void> {
  const finishedBefore = await page.evaluate(() => Number(document.body.dataset.finished ?? 0));
  await action();
  await page.waitForFunction((before) =>
    Number(document.body.dataset.finished ?? 0) > before && document.body.dataset.busy === 'false', finishedBefore, { timeout });
}

/** Clicks a button that starts a load or a run, and waits until that operation has finished. */
export async function clickAndWaitIdle(page: Page, selector: string, timeout = 120_000): Promise<void> {
  await actAndWaitIdle(page, () => page.locator(selector).click(), timeout);
}

/** Starts recording the timestamp of every animation frame the page draws (until it closes). */
export async function recordFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const state = window as unknown as { frameTimes: number[] };
    state.frameTimes = [];
    const tick = () => {
      state.frameTimes.push(performance.now());
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** The recorded frames between two page timestamps (all by default) and the longest gap between them. */
export async function recordedFrames(page: Page, from = 0, to = Number.MAX_VALUE): Promise<{ count: number; maxGapMs: number }> {
  return page.evaluate(([start, end]) => {
    const times = (window as unknown as { frameTimes: number[] }).frameTimes.filter((t) => t >= start && t <= end);
    let maxGapMs = 0;
    for (let i = 1; i < times.length; i++) maxGapMs = Math.max(maxGapMs, times[i] - times[i - 1]);
    return { count: times.length, maxGapMs };
  }, [from, to]);
}

/** Drops a file on the page's drop zone, as a user drags one from the desktop, and waits until the page is idle. */
export async function dropFile(page: Page, bytes: Uint8Array, name: string): Promise<void> {
  await actAndWaitIdle(page, () => page.evaluate(([data, fileName]) => {
    const file = new File([new Uint8Array(data)], fileName, { type: 'application/octet-stream' });
    const transfer = new DataTransfer();
    transfer.items.add(file);
    document.getElementById('drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, [[...bytes], name] as const));
}

/** How far the page is wider than the viewport (0 when nothing scrolls sideways), once its layout
 * has followed a resize: charts and the map redraw at their new width a frame or more later (one
 * CI run measured the map step 479 px too wide right after the viewport shrank), so this waits up
 * to 3 s for the page to fit before it measures. */
export async function horizontalOverflow(page: Page): Promise<number> {
  await page.waitForFunction(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
    undefined, { timeout: 3_000 }).catch(() => undefined);
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
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

export async function chooseModel(page: Page, model: 'bilinear' | 'deep' | 'fm'): Promise<void> {
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

/** A file for a picker: a path, or an in-memory file. */
export type PickedFile = string | { name: string; mimeType: string; buffer: Buffer };

/** Chooses files in the Load step's pickers (by path or as in-memory files) and loads them. */
export async function loadFiles(page: Page, ratings: PickedFile, items: PickedFile | null,
                                users: PickedFile | null = null): Promise<void> {
  await page.locator('#ratings-file').setInputFiles(ratings);
  if (items) await page.locator('#items-file').setInputFiles(items);
  else await page.locator('#items-file').setInputFiles([]);
  if (users) await page.locator('#users-file').setInputFiles(users);
  else await page.locator('#users-file').setInputFiles([]);
  await clickAndWaitIdle(page, '#load-files');
}

export function csvFile(name: string, content: string): { name: string; mimeType: string; buffer: Buffer } {
  return { name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') };
}

// The "Your taste" step: search, likes and the recommendations they give.

/** Types into the search box and waits for suggestions that are items (not "No item matches"). */
export async function search(target: Page, query: string): Promise<string[]> {
  await target.locator('#taste-search').fill(query);
  await target.waitForSelector('#taste-suggestions li.suggestion[data-item-id]', { timeout: 15_000 });
  return target.locator('#taste-suggestions li.suggestion .item-name').allTextContents();
}

export async function likes(target: Page): Promise<string[]> {
  return target.locator('#taste-likes .like-name').allTextContents();
}

/** Waits until the recommendations were computed for exactly `count` likes. */
export async function waitForRecommendations(target: Page, count: number): Promise<{ names: string[]; because: string[] }> {
  await target.waitForFunction((n) => {
    const timing = document.getElementById('taste-timing')?.textContent ?? '';
    return new RegExp(`fold-in of ${n} like`).test(timing) && document.querySelectorAll('#taste-recs li.item').length > 0;
  }, count, { timeout: 20_000 });
  return {
    names: await target.locator('#taste-recs .item-name').allTextContents(),
    because: await target.locator('#taste-recs .item-because').allTextContents(),
  };
}

/** Picks `count` likes: the first suggestion by click, the others by keyboard. */
export async function pickLikes(target: Page, queries: string[]): Promise<void> {
  const before = (await likes(target)).length;
  for (const [index, query] of queries.entries()) {
    await search(target, query);
    if (index % 2 === 0) await target.locator('#taste-suggestions li.suggestion[data-item-id]').first().dispatchEvent('mousedown');
    else {
      await target.locator('#taste-search').press('ArrowDown');
      await target.locator('#taste-search').press('Enter');
    }
    await waitForRecommendations(target, before + index + 1);
  }
}

/** Queries that match items of the loaded catalogue: the first letters of the most popular names. */
export async function queriesFromSuggestions(target: Page): Promise<string[]> {
  const names = await search(target, 'a');
  return names.slice(0, 3).map((name) => name.slice(0, 4));
}

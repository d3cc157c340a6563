// The embedding map and the popularity baseline on the demo page (built-in sample): both models
// get an untrained and a trained map, hover names an item, a click lists and highlights its
// neighbours, UMAP runs in its worker, no page errors; screenshots at 1280 and 390 px.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  artifactsDir, canvasPainted, chooseModel, horizontalOverflow, launchBrowser, openDemo, setControl, shownInt, text,
  trainAndWait, type PageProblems,
} from './demo-page';

let browser: Browser;
let page: Page;
let problems: PageProblems;

beforeAll(async () => {
  browser = await launchBrowser();
  ({ page, problems } = await openDemo(browser, inject('demoUrl')));
});
afterAll(async () => {
  await browser?.close();
});

async function waitMapReady(target: Page, timeout = 60_000): Promise<void> {
  await target.waitForFunction(() => document.getElementById('step-map')?.dataset.state === 'ready', undefined, { timeout });
}

/** Moves the mouse over a map, spiralling out from its centre, until the page names a hovered item. */
async function hoverSomeItem(target: Page, canvasId: string): Promise<{ x: number; y: number; name: string }> {
  await target.locator(`#${canvasId}`).scrollIntoViewIfNeeded();
  const box = (await target.locator(`#${canvasId}`).boundingBox())!;
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  for (let radius = 0; radius < Math.min(box.width, box.height) / 2; radius += 4) {
    const steps = Math.max(1, Math.round((2 * Math.PI * radius) / 4));
    for (let step = 0; step < steps; step++) {
      const angle = (2 * Math.PI * step) / steps;
      const x = centre.x + radius * Math.cos(angle), y = centre.y + radius * Math.sin(angle);
      await target.mouse.move(x, y);
      const name = await text(target, '#map-hover');
      if (name) return { x, y, name };
    }
  }
  throw new Error(`no item found under the mouse on #${canvasId}`);
}

describe('demo page: the embedding map and the popularity baseline', () => {
  let items = 0;

  it('shows the popularity baseline beside the trained bilinear model, in the metrics and the runs table', async () => {
    await chooseModel(page, 'bilinear');
    await setControl(page, '#epochs', '3');
    const { after } = await trainAndWait(page);
    const popular = Number(await text(page, '#popular-auc'));
    // Measured on the default sample: popularity ~0.70, bilinear after 3 epochs ~0.76.
    expect(popular).toBeGreaterThan(0.55);
    expect(popular).toBeLessThan(after);
    expect(Number(await text(page, '#popular-precision'))).toBeGreaterThan(0);
    const row = (await page.locator('#runs-table tbody tr').first().locator('td').allTextContents()).map((cell) => cell.trim());
    const headers = (await page.locator('#runs-table thead th').allTextContents()).map((cell) => cell.trim());
    expect(row[headers.indexOf('AUC popular')]).toBe(await text(page, '#popular-auc'));
    items = await shownInt(page, '#count-items');
  });

  it('draws the untrained and the trained map of the bilinear model with their quality', async () => {
    await waitMapReady(page);
    const itemCount = await page.locator('#map-trained').getAttribute('data-points');
    expect(Number(itemCount)).toBeGreaterThan(10);
    expect(Number(itemCount)).toBeLessThanOrEqual(items);
    expect(await page.locator('#map-untrained').getAttribute('data-points')).toBe(itemCount);
    expect(await canvasPainted(page, 'map-untrained')).toBe(true);
    expect(await canvasPainted(page, 'map-trained')).toBe(true);
    expect(await text(page, '#map-source')).toMatch(/bilinear model's item vectors/);
    for (const side of ['untrained', 'trained']) {
      expect(await text(page, `#map-${side}-quality`)).toMatch(/\d+% of each item's 10 nearest neighbours stay nearest on the map · genre purity/);
    }
    expect(await page.locator('#map-legend li').count()).toBeGreaterThan(1);
  });

  it('names the item under the mouse and lists its neighbours on a click', async () => {
    const { x, y, name } = await hoverSomeItem(page, 'map-trained');
    await page.mouse.click(x, y);
    await page.waitForFunction(() => document.querySelectorAll('#map-neighbours li').length === 10);
    expect(await text(page, '#map-neighbours-title')).toContain(name);
    expect(await text(page, '#map-neighbours-title')).toMatch(/in the trained vectors/);
    await page.locator('#step-map').screenshot({ path: `${artifactsDir}/map-bilinear-1280.png` });
  });

  it('maps with UMAP in its worker and can go back to PCA', async () => {
    const pcaQuality = await text(page, '#map-trained-quality');
    await page.locator('#map-method').selectOption('umap');
    await page.waitForFunction(() => document.getElementById('step-map')?.dataset.state === 'computing');
    await waitMapReady(page, 120_000);
    expect(await page.locator('#map-error').isVisible()).toBe(false);
    expect(await text(page, '#map-trained-quality')).toMatch(/stay nearest on the map/);
    expect(await canvasPainted(page, 'map-trained')).toBe(true);
    await page.locator('#step-map').screenshot({ path: `${artifactsDir}/map-bilinear-umap-1280.png` });
    await page.locator('#map-method').selectOption('pca');
    await waitMapReady(page);
    expect(await text(page, "#map-trained-quality")).toBe(pcaQuality);  // the PCA maps were kept
  });

  it('maps the deep model and says which vectors are mapped', async () => {
    await chooseModel(page, 'deep');
    await setControl(page, '#epochs', '2');
    await trainAndWait(page);
    await waitMapReady(page);
    expect(await text(page, '#map-source')).toMatch(/deep model's item table .* MLP/);
    expect(await canvasPainted(page, 'map-untrained')).toBe(true);
    expect(await canvasPainted(page, 'map-trained')).toBe(true);
    const { x, y } = await hoverSomeItem(page, 'map-untrained');
    await page.mouse.click(x, y);
    await page.waitForFunction(() => /in the untrained vectors/.test(document.getElementById('map-neighbours-title')?.textContent ?? ''));
    expect(await page.locator('#map-neighbours li').count()).toBe(10);
  });

  it('cancels UMAP and falls back to the PCA maps', async () => {
    const pcaQuality = await text(page, '#map-trained-quality');
    // Choosing UMAP and pressing Cancel in one task: the abort lands before the worker starts.
    await page.evaluate(() => {
      const select = document.getElementById('map-method') as HTMLSelectElement;
      select.value = 'umap';
      select.dispatchEvent(new Event('change'));
      (document.getElementById('map-cancel') as HTMLButtonElement).click();
    });
    await page.waitForFunction(() => /UMAP cancelled/.test(document.getElementById('map-status')?.textContent ?? ''));
    await waitMapReady(page);
    expect(await page.locator('#map-method').inputValue()).toBe('pca');
    expect(await text(page, '#map-trained-quality')).toBe(pcaQuality);
    expect(await page.locator('#map-error').isVisible()).toBe(false);
  });

  it('fits a 390 px phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await waitMapReady(page);
    expect(await horizontalOverflow(page)).toBe(0);
    await page.locator('#step-map').screenshot({ path: `${artifactsDir}/map-deep-390.png` });
    await page.locator('#step-results').screenshot({ path: `${artifactsDir}/results-popularity-390.png` });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('raised no page errors or dialogs', () => {
    expect(problems.errors).toEqual([]);
    expect(problems.dialogs).toEqual([]);
  });
});

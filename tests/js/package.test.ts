// Consuming the published package: `npm pack` in web/, install the tarball into an empty folder,
// use it from plain Node; bundle a tiny page with Vite (the .wasm must be emitted as an asset) and
// run that page in headless Chromium.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { report, webDir } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// What a consumer does with the package, run as written both in plain Node and in a bundled page:
// the sync client trains on the default sample, the worker client on a small one.
const CONSUMER_SCENARIO = `
  import { Recommender, WorkerRecommender } from 'tripletrec';
  async function run() {
    const rec = await Recommender.create();
    rec.loadSample();
    rec.prepare(rec.samplePreprocessOptions());
    rec.createModel();
    let events = 0;
    const trained = await rec.train({ epochs: 3, onProgress: () => { events += 1; } });
    const user = rec.users()[0];
    const worker = await WorkerRecommender.create();
    await worker.loadSample({ users: 800, items: 150 });
    await worker.prepare(await worker.samplePreprocessOptions());
    await worker.createModel({ embeddingDim: 16 });
    await worker.train({ epochs: 1 });
    const workerRecs = await worker.recommend(user, 3);
    worker.terminate();
    return { auc: rec.evaluate().auc, epochs: trained.epochsCompleted, events,
             names: rec.recommend(user, 3).map((i) => i.name), workerRecs: workerRecs.length };
  }
`;
interface ScenarioResult { auc: number; epochs: number; events: number; names: string[]; workerRecs: number }

let workDir: string;
let consumerDir: string;

beforeAll(() => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'tripletrec-pack-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: webDir, encoding: 'utf8' }).trim().split('\n').pop()!;
  consumerDir = path.join(workDir, 'consumer');
  mkdirSync(consumerDir);
  writeFileSync(path.join(consumerDir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error', path.join(workDir, tarball)], { cwd: consumerDir });
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('the npm package', () => {
  it('the tarball ships the wasm, the glue, the worker and the types', () => {
    const installed = path.join(consumerDir, 'node_modules/tripletrec/dist');
    const files = readdirSync(installed);
    for (const name of ['tripletrec.wasm', 'tripletrec.mjs', 'index.js', 'index.d.ts', 'worker.js', 'tripletrec.d.mts']) {
      expect(files).toContain(name);
    }
  });

  it('the tarball ships the package README (what npm shows) and the MIT LICENSE', async () => {
    const installed = path.join(consumerDir, 'node_modules/tripletrec');
    expect(await readFile(path.join(installed, 'README.md'), 'utf8')).toMatch(/^# tripletrec\n[\s\S]*## API/);
    expect(await readFile(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('works from plain Node after `npm install <tarball>` (sync and worker clients)', () => {
    writeFileSync(path.join(consumerDir, 'use.mjs'), `${CONSUMER_SCENARIO}
      console.log(JSON.stringify(await run()));
    `);
    const output = JSON.parse(execFileSync('node', ['use.mjs'], { cwd: consumerDir, encoding: 'utf8' })) as ScenarioResult;
    expect(output.epochs).toBe(3);
    expect(output.events).toBeGreaterThan(0);
    expect(output.auc).toBeGreaterThan(0.6);  // default sample, 3 epochs: measured 0.755
    expect(output.names.length).toBe(3);
    expect(output.workerRecs).toBe(3);
  });

  describe('bundled by Vite (no Vite configuration) and run in Chromium', () => {
    let distDir: string;
    let server: Server;
    let url: string;

    beforeAll(async () => {
      const pageDir = path.join(consumerDir, 'page');
      mkdirSync(pageDir);
      writeFileSync(path.join(pageDir, 'index.html'), '<!doctype html><title>tripletrec page</title><script type="module" src="./main.js"></script>');
      writeFileSync(path.join(pageDir, 'main.js'), `${CONSUMER_SCENARIO}
        run().then((result) => { window.tripletrecResult = result; },
                   (error) => { window.tripletrecResult = { error: String(error && error.stack || error) }; });
      `);
      const vite = await import('vite');
      distDir = path.join(pageDir, 'dist');
      await vite.build({ root: pageDir, logLevel: 'warn', configFile: false, build: { outDir: distDir } });
      server = createServer(async (request, response) => {
        const file = path.join(distDir, decodeURIComponent((request.url ?? '/').split('?')[0]!).replace(/\/$/, '/index.html'));
        try {
          const body = await readFile(file);
          const type = file.endsWith('.wasm') ? 'application/wasm' : file.endsWith('.html') ? 'text/html'
            : file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
          response.writeHead(200, { 'content-type': type });
          response.end(body);
        } catch {
          response.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    });
    afterAll(() => server?.close());

    it('emits the .wasm as an asset', () => {
      const assets = readdirSync(path.join(distDir, 'assets'));
      report('vite build assets', assets);
      expect(assets.some((name) => name.endsWith('.wasm'))).toBe(true);
    });

    it.skipIf(!existsSync(CHROMIUM))('trains in headless Chromium (main thread and worker)', async () => {
      const { chromium } = await import('playwright-core');
      const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'tripletrec-chromium-'));
      const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
      try {
        const page = await context.newPage();
        const consoleErrors: string[] = [];
        page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
        await page.goto(url);
        await page.waitForFunction(() => (window as unknown as { tripletrecResult?: unknown }).tripletrecResult !== undefined, undefined, { timeout: 90_000 });
        const result = await page.evaluate(() => (window as unknown as { tripletrecResult: ScenarioResult & { error?: string } }).tripletrecResult);
        report('chromium page result', result);
        expect(result.error, String(result.error) + consoleErrors.join('\n')).toBeUndefined();
        expect(result.epochs).toBe(3);
        expect(result.events).toBeGreaterThan(0);
        expect(result.auc).toBeGreaterThan(0.6);  // same run as in Node: measured 0.755
        expect(result.names.length).toBe(3);
        expect(result.workerRecs).toBe(3);
      } finally {
        await context.close();
        rmSync(userDataDir, { recursive: true, force: true });
      }
    });
  });
});


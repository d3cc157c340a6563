// Part of `npm run bench` (run by bench/run.mjs in its own process): the tripletrec package's wasm
// engine, and the TF.js model, in headless Chromium. A static server on 127.0.0.1 (free port)
// serves the page (bench/browser), the built package as plain ES modules (web/dist or its snapshot), TF.js's ES
// module bundle and the anime data; playwright-core drives the system Chromium.
// Prints one JSON object per line.
import { createServer } from 'node:http';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { DATA_DIR, PACKAGE_DIST, REPO_ROOT } from './lib/node-data.mjs';

const { values } = parseArgs({ options: {
  'deep-epochs': { type: 'string', default: '5' },
  'keras-exact-epochs': { type: 'string', default: '3' },
  'feature-epochs': { type: 'string', default: '10' },  // the feature models and the FM (train_features rows); 0 skips (older engines have none)
  'parse-repeats': { type: 'string', default: '3' },
  'tfjs-max-seconds': { type: 'string', default: '15' },
  'skip-tfjs': { type: 'boolean', default: false },
  'tfjs-wasm-variant': { type: 'string', default: 'tuned' },   // run.mjs passes the faster one in Node
  'tfjs-wasm-max-seconds': { type: 'string', default: '20' },  // 0 skips TF.js wasm
  'map-only': { type: 'boolean', default: false },  // just the embedding map row
  'tfjs-only': { type: 'boolean', default: false }, // just the TF.js rows
  'skip-map': { type: 'boolean', default: false },  // no map row (bench:compare: older engines have none)
  // Only the old-against-new comparison in one page (bench/compare-in-process.mjs): the older
  // engine's package from TRIPLETREC_BENCH_OLD_DIST, the new one's as usual.
  interleaved: { type: 'boolean', default: false },
  'interleaved-turns': { type: 'string', default: '9' },
  'skip-fold-in': { type: 'boolean', default: false },  // no fold-in row (older engines have no recommendFor)
  'fold-in-only': { type: 'boolean', default: false },  // just the fold-in row
  'skip-threads': { type: 'boolean', default: false },  // no threads rows (older packages have one build)
  'threads-only': { type: 'boolean', default: false },  // just the threads rows
} });

// umap-js ships CommonJS only: bundled here once as an ES module for the page (the demo's Vite build
// does the same for its UMAP worker).
const umapDir = mkdtempSync(path.join(tmpdir(), 'tripletrec-bench-umap-'));
await build({
  configFile: false, logLevel: 'silent',
  build: { outDir: umapDir, emptyOutDir: true, minify: false, lib: {
    entry: path.join(REPO_ROOT, 'node_modules', 'umap-js', 'dist', 'index.js'), formats: ['es'], fileName: () => 'umap.js' } },
});

// URL prefix -> directory. Nothing else is served.
const ROUTES = [
  ['/umap/', umapDir],
  ['/bench/', path.join(REPO_ROOT, 'bench')],
  ['/pkg/', PACKAGE_DIST],
  ...(process.env.TRIPLETREC_BENCH_OLD_DIST ? [['/pkg-old/', path.resolve(process.env.TRIPLETREC_BENCH_OLD_DIST)]] : []),
  ['/tfjs/', path.join(REPO_ROOT, 'node_modules', '@tensorflow', 'tfjs', 'dist')],
  ['/tfjs-wasm/', path.join(REPO_ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')],
  ['/data/', DATA_DIR],
];
const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript',
               '.wasm': 'application/wasm', '.csv': 'text/csv', '.json': 'application/json' };

function resolveRequest(url) {
  const pathname = decodeURIComponent(new URL(url, 'http://localhost').pathname);
  for (const [prefix, dir] of ROUTES) {
    if (!pathname.startsWith(prefix)) continue;
    const file = path.resolve(dir, '.' + pathname.slice(prefix.length - 1));
    if (!file.startsWith(dir + path.sep)) return undefined;  // no escaping the folder
    try { return statSync(file).isFile() ? file : undefined; } catch { return undefined; }
  }
  return undefined;
}

// The isolated server (its own origin) makes its pages cross-origin isolated, so that
// SharedArrayBuffer and wasm threads are available there (TF.js wasm then uses its threaded build).
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function startServer({ isolated = false } = {}) {
  const server = createServer((request, response) => {
    const file = resolveRequest(request.url);
    if (!file) { response.writeHead(404).end('not found'); return; }
    response.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
                              'Cache-Control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const print = (result) => console.log(JSON.stringify(result));
const server = await startServer();
const origin = `http://127.0.0.1:${server.address().port}`;
const isolatedServer = await startServer({ isolated: true });
const isolatedOrigin = `http://127.0.0.1:${isolatedServer.address().port}`;
const userDataDir = mkdtempSync(path.join(tmpdir(), 'tripletrec-bench-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  print({ bench: 'machine', build: 'chromium', chromium: context.browser()?.version() ?? 'unknown',
          user_agent: await (await context.newPage()).evaluate(() => navigator.userAgent) });

  // One fresh page per suite, so TF.js never shares a realm (or its memory) with the wasm run.
  async function runInPage(suite, options, { isolated = false } = {}) {
    const page = await context.newPage();
    // The renderer main thread's CPU time (DevTools' Performance.getMetrics ThreadTime), for the
    // suite's rates per CPU second: the page runs the engine on that thread.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    await page.exposeFunction('benchThreadCpuSeconds', async () =>
      (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value);
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${isolated ? isolatedOrigin : origin}/bench/browser/index.html`);
    try {
      await page.waitForFunction(() => window.tripletrecBenchReady === true, null, { timeout: 30_000 });
    } catch (error) {
      throw new Error(`benchmark page did not load: ${errors.join('; ') || error.message}`);
    }
    const results = await page.evaluate(([name, args]) => window.tripletrecBench[name](args), [suite, options]);
    await page.close();
    return results;
  }

  if (values.interleaved) {
    const rows = await runInPage('interleaved', { turns: Number(values['interleaved-turns']) });
    print({ bench: 'interleaved', runtime: 'wasm-chromium', rows });
  }
  const only = values['map-only'] || values['tfjs-only'] || values.interleaved || values['fold-in-only'] || values['threads-only'];
  const wasmResults = only ? [] : await runInPage('wasm', {
    deepEpochs: Number(values['deep-epochs']), kerasExactEpochs: Number(values['keras-exact-epochs']),
    featureEpochs: Number(values['feature-epochs']),
    parseRepeats: Number(values['parse-repeats']),
  });
  wasmResults.forEach((result) => print({ ...result, runtime: 'wasm-chromium' }));
  const mapResults = values['skip-map'] || only ? [] : await runInPage('map', {});
  mapResults.forEach((result) => print({ ...result, runtime: 'wasm-chromium' }));
  const foldInResults = values['skip-fold-in'] || (only && !values['fold-in-only']) ? [] : await runInPage('foldIn', {});
  foldInResults.forEach((result) => print({ ...result, runtime: 'wasm-chromium' }));
  // The threaded build, on the cross-origin-isolated origin (where the package picks it).
  const threadsResults = values['skip-threads'] || (only && !values['threads-only']) ? [] : await runInPage('threads', {},
    { isolated: true });
  threadsResults.forEach((result) => print({ ...result, runtime: 'wasm-chromium' }));
  if (!values['skip-tfjs'] && !values['map-only'] && !values.interleaved && !values['fold-in-only'] && !values['threads-only']) {
    const tfjsResult = await runInPage('tfjs', { variant: 'tuned', maxEpochs: 1, maxSeconds: Number(values['tfjs-max-seconds']) });
    print({ ...tfjsResult, runtime: 'tfjs-chromium' });
  }
  const tfjsWasmSeconds = Number(values['tfjs-wasm-max-seconds']);
  if (!values['skip-tfjs'] && !values['map-only'] && !values.interleaved && !values['fold-in-only'] && !values['threads-only'] &&
      tfjsWasmSeconds > 0) {
    for (const isolated of [false, true]) {
      const options = { variant: values['tfjs-wasm-variant'], maxEpochs: 1, maxSeconds: tfjsWasmSeconds };
      const lines = await runInPage('tfjsWasm', options, { isolated });
      lines.forEach((line) => print({ ...line, runtime: isolated ? 'tfjs-wasm-chromium-isolated' : 'tfjs-wasm-chromium' }));
    }
  }
} finally {
  await context.close();
  server.close();
  isolatedServer.close();
  rmSync(userDataDir, { recursive: true, force: true });
  rmSync(umapDir, { recursive: true, force: true });
}

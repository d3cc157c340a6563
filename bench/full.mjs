// `npm run bench:full`: the full-size data set through the CLI and through the demo page in
// Chromium, as benchmark rows (not in `npm test`; it asserts nothing). The data is a generated file
// shaped like Kaggle's full rating.csv (bench/lib/full-ratings.mjs: 73,516 users, 11,200 anime,
// 7,813,737 rows, 99.5 MB; the real one is ~111 MB), written once to bench/results/full/ and
// reused while the generator and its seed are unchanged. Both runs use the notebook's preprocessing (popularity > 5000, TV,
// rating > -1, user id < 10000: the engine's defaults) and train both models with their defaults.
//   CLI   build/native/tripletrec train --json, bilinear then deep; wall time and peak RSS
//   page  the demo page (vite build + vite preview) driven by playwright-core as a user would:
//         pick the files, Load, check the preprocessing controls, Train bilinear, Train deep.
//         Load time, training throughput and AUC from the page; peak memory: the engine's
//         WebAssembly memory (the page's "Engine memory" line), the tab's renderer process peak
//         RSS (VmHWM, the worker and its wasm memory included) and the page's JS heap (CDP).
// Prints Markdown and writes bench/results/full.json.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { ANIME_ITEMS, ANIME_RATINGS, animeDataPresent, REPO_ROOT } from './lib/node-data.mjs';
import { FULL_SHAPE, generateFullRatings } from './lib/full-ratings.mjs';

const { values: args } = parseArgs({ options: {
  skip: { type: 'string', default: '' },       // cli,page
  file: { type: 'string' },                    // an existing ratings file instead of the generated one
  seed: { type: 'string', default: '20161221' },
  help: { type: 'boolean', default: false },
} });
if (args.help) {
  console.log('usage: npm run bench:full -- [--skip cli,page] [--file RATINGS.csv] [--seed N]');
  process.exit(0);
}
const skipped = new Set(args.skip.split(',').filter(Boolean));
if (!animeDataPresent()) {
  console.log(`bench:full needs the anime data (${ANIME_RATINGS}, ${ANIME_ITEMS}); not found, nothing measured.`);
  process.exit(0);
}

const MB = 1024 * 1024;
const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
const log = (text) => process.stderr.write(`bench:full: ${text}\n`);

/** The generated file, made again only when the generator's source or the seed changed. */
function generatedFile() {
  const directory = path.join(resultsDir, 'full');
  const file = path.join(directory, 'rating_full_generated.csv');
  const metaFile = `${file}.json`;
  const generatorSource = readFileSync(new URL('./lib/full-ratings.mjs', import.meta.url));
  const key = { seed: Number(args.seed), generator_sha256: createHash('sha256').update(generatorSource).digest('hex'), ...FULL_SHAPE };
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (Object.entries(key).every(([k, v]) => meta[k] === v) && statSync(file).size === meta.bytes) return { file, meta };
  }
  log(`generating ${FULL_SHAPE.rows.toLocaleString('en-US')} rows (seed ${key.seed})…`);
  const started = performance.now();
  const generated = generateFullRatings({ ratings: readFileSync(ANIME_RATINGS), anime: readFileSync(ANIME_ITEMS), seed: key.seed });
  mkdirSync(directory, { recursive: true });
  writeFileSync(file, generated.bytes);
  const meta = { ...key, bytes: generated.bytes.length, rows: generated.rows, users: generated.users, items: generated.items,
                 popularity_exponent: generated.exponent, histogram: Object.fromEntries([...generated.histogram].sort((a, b) => a[0] - b[0])),
                 generate_seconds: (performance.now() - started) / 1000 };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2) + '\n');
  return { file, meta };
}

/** Peak RSS (VmHWM) of a process in bytes, or 0 once it is gone. */
function peakRss(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs the CLI with --json; returns its JSON, wall time and peak RSS (polled, VmHWM only grows). */
function runCli(cliArgs) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(path.join(REPO_ROOT, 'build', 'native', 'tripletrec'), cliArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const poll = setInterval(() => { peak = Math.max(peak, peakRss(child.pid)); }, 50);
    child.stdout.on('data', (chunk) => { stdout += chunk; peak = Math.max(peak, peakRss(child.pid)); });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) { reject(new Error(`tripletrec exited with ${code}: ${stderr.trim().slice(-600)}`)); return; }
      resolve({ json: JSON.parse(stdout.trim().split('\n').at(-1)), wall_seconds: (performance.now() - started) / 1000,
                peak_rss_bytes: peak });
    });
  });
}

async function cliRows(file) {
  const rows = [];
  for (const model of ['bilinear', 'deep']) {
    log(`CLI: ${model}`);
    const run = await runCli(['train', '--ratings', file, '--items', ANIME_ITEMS, '--model', model, '--json', '--quiet']);
    const j = run.json;
    rows.push({ runtime: 'cli', model, load_seconds: j.load_seconds, users: j.n_users, items: j.n_items,
                train_positives: j.n_train_positives, train_seconds: j.train_seconds, triplets_per_second: j.triplets_per_second,
                auc: j.auc, auc_popularity: j.auc_popularity, eval_seconds: j.eval_seconds, wall_seconds: run.wall_seconds,
                peak_rss_bytes: run.peak_rss_bytes, load_average: loadAverage() });
  }
  return rows;
}

/** Chromium's renderer processes (the tab and its worker) below the browser launched with userDataDir. */
function rendererPids(userDataDir) {
  const processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map((pid) => {
    try {
      // Chromium's child processes rewrite their title: the arguments end up joined by spaces.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]+/);
      const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      return { pid: Number(pid), ppid, cmdline };
    } catch {
      return undefined;
    }
  }).filter(Boolean);
  const browser = processes.find((p) => p.cmdline.some((a) => a === `--user-data-dir=${userDataDir}`) && !p.cmdline.some((a) => a.startsWith('--type=')));
  if (!browser) return [];
  const family = new Set([browser.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes) if (family.has(p.ppid) && !family.has(p.pid)) { family.add(p.pid); grew = true; }
  }
  return processes.filter((p) => family.has(p.pid) && p.cmdline.includes('--type=renderer')).map((p) => p.pid);
}

async function pageRows(file) {
  log('page: building the demo (vite build)…');
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'tripletrec-full-demo-'));
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'tripletrec-full-chromium-'));
  const configFile = path.join(REPO_ROOT, 'web', 'demo', 'vite.config.ts');
  let server;
  let context;
  try {
    await build({ configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    server = await preview({ configFile, logLevel: 'warn', build: { outDir }, preview: { port: 0 } });
    const url = server.resolvedUrls.local[0];
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    let peakJsHeap = 0;
    let peakRenderer = 0;
    const sample = async () => {
      for (const pid of rendererPids(userDataDir)) peakRenderer = Math.max(peakRenderer, peakRss(pid));
      try {
        const { metrics } = await cdp.send('Performance.getMetrics');
        peakJsHeap = Math.max(peakJsHeap, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
      } catch { /* the page is navigating */ }
    };
    const poll = setInterval(() => void sample(), 200);
    const text = async (selector) => ((await page.locator(selector).first().textContent()) ?? '').trim();
    const finished = () => page.evaluate(() => Number(document.body.dataset.finished ?? 0));
    const waitFinished = async (before, timeout) => page.waitForFunction((n) =>
      Number(document.body.dataset.finished ?? 0) > n && document.body.dataset.busy === 'false', before, { timeout, polling: 250 });
    const engineMemory = async () => page.evaluate(() => {
      const line = document.getElementById('engine-memory');
      return { memory: Number(line?.dataset.memoryBytes ?? NaN), allocated: Number(line?.dataset.allocatedBytes ?? NaN) };
    });
    const pageError = async (selector) => (await page.locator(selector).isVisible()) ? text(selector) : '';
    try {
      await page.goto(url);
      await page.waitForFunction(() => document.body.dataset.busy === 'false', undefined, { timeout: 120_000 });

      log('page: loading the files…');
      await page.locator('#ratings-file').setInputFiles(file);
      await page.locator('#items-file').setInputFiles(ANIME_ITEMS);
      const clearEngineMemory = () => page.evaluate(() => {
        const line = document.getElementById('engine-memory');
        delete line.dataset.memoryBytes;
        delete line.dataset.allocatedBytes;
      });
      const newEngineMemory = async () => {
        await page.waitForFunction(() => document.getElementById('engine-memory')?.dataset.memoryBytes, undefined, { timeout: 60_000 });
        return engineMemory();
      };
      await clearEngineMemory();
      let before = await finished();
      const loadStarted = performance.now();
      await page.locator('#load-files').click();
      await waitFinished(before, 600_000);
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const loadError = await pageError('#load-error');
      if (loadError) throw new Error(`the page could not load the file: ${loadError}`);
      const afterLoad = await newEngineMemory();
      const loaded = { label: await text('#dataset-label'), users: await text('#count-users'), items: await text('#count-items'),
                       ratings: await text('#count-ratings') };
      log(`page: loaded in ${loadSeconds.toFixed(1)} s: ${loaded.label}`);

      // The notebook's preprocessing is the page's default; check the controls say so.
      const controls = await page.evaluate(() => ({
        minPopularity: document.getElementById('min-popularity').value,
        itemType: document.getElementById('item-type').value,
        dropUnrated: document.getElementById('drop-unrated').checked,
        userBound: document.getElementById('user-bound').checked,
        maxUserId: document.getElementById('max-user-id').value,
      }));
      const notebook = { minPopularity: '5000', itemType: 'TV', dropUnrated: true, userBound: true, maxUserId: '10000' };
      if (JSON.stringify(controls) !== JSON.stringify(notebook)) {
        await page.locator('#notebook-defaults').click();
      }
      await page.waitForFunction(() => document.getElementById('preview-busy')?.hidden !== false, undefined, { timeout: 120_000 });
      const funnel = await page.evaluate(() => [...document.querySelectorAll('#funnel tbody tr')]
        .map((row) => [...row.children].map((cell) => cell.textContent.trim())));

      const rows = [];
      for (const model of ['bilinear', 'deep']) {
        log(`page: training ${model}…`);
        await page.locator(`input[name="model"][value="${model}"]`).check();
        await clearEngineMemory();
        before = await finished();
        const started = performance.now();
        await page.locator('#train').click();
        await waitFinished(before, 1_800_000);
        const wallSeconds = (performance.now() - started) / 1000;
        const trainError = await pageError('#train-error');
        if (trainError) throw new Error(`the page reported: ${trainError}`);
        await page.waitForFunction(() => document.querySelector('#runs-table tbody tr'), undefined, { timeout: 60_000 });
        const run = await page.evaluate(() => [...document.querySelector('#runs-table tbody tr').children].map((c) => c.textContent.trim()));
        const header = await page.evaluate(() => [...document.querySelectorAll('#runs-table thead th')].map((c) => c.textContent.trim()));
        const memory = await newEngineMemory();
        await sample();
        rows.push({ runtime: 'page', model, run: Object.fromEntries(header.map((h, i) => [h, run[i]])),
                    prepared: await text('#prepared-info'), auc: Number(await text('#auc-after')),
                    wall_seconds: wallSeconds, wasm_memory_bytes: memory.memory, wasm_allocated_bytes: memory.allocated,
                    load_average: loadAverage() });
      }
      await sample();
      return { load: { seconds: loadSeconds, ...loaded, wasm_memory_bytes: afterLoad.memory, wasm_allocated_bytes: afterLoad.allocated,
                       controls, funnel },
               runs: rows, peak_renderer_rss_bytes: peakRenderer, peak_page_js_heap_bytes: peakJsHeap, errors,
               chromium: context.browser()?.version() };
    } finally {
      clearInterval(poll);
    }
  } finally {
    await context?.close();
    await new Promise((resolve) => (server ? server.httpServer.close(resolve) : resolve()));
    rmSync(outDir, { recursive: true, force: true });
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

const results = { machine: { cpu: readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? os.cpus()[0]?.model,
                             cores: os.cpus().length, memory_bytes: os.totalmem(), node: process.version,
                             date: new Date().toISOString(), load_start: loadAverage() }, errors: {} };
const { file, meta } = args.file ? { file: path.resolve(args.file), meta: { bytes: statSync(args.file).size } } : generatedFile();
results.file = { path: path.relative(REPO_ROOT, file), ...meta };
log(`file: ${file} (${(meta.bytes / MB).toFixed(1)} MB)`);
if (!skipped.has('cli')) {
  try { results.cli = await cliRows(file); } catch (error) { results.errors.cli = error.message; log(`CLI FAILED: ${error.message}`); }
}
if (!skipped.has('page')) {
  try { results.page = await pageRows(file); } catch (error) { results.errors.page = error.message; log(`page FAILED: ${error.message}`); }
}
results.machine.load_end = loadAverage();
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'full.json'), JSON.stringify(results, null, 2) + '\n');
console.log(formatFull(results));

function formatFull({ machine, file: f, cli, page, errors }) {
  const mb = (bytes) => (bytes > 0 ? `${(bytes / MB).toFixed(0)} MB` : '–');
  const rate = (x) => (x > 0 ? Math.round(x).toLocaleString('en-US') : '–');
  const out = ['## Full-size data (bench:full)', ''];
  out.push(`- ${machine.cpu}, ${machine.cores} cores, ${mb(machine.memory_bytes)} RAM, Node ${machine.node}` +
           `${page?.chromium ? `, Chromium ${page.chromium}` : ''}; ${machine.date}; load average ${machine.load_start} → ${machine.load_end}`);
  out.push(`- File: ${f.path}, ${mb(f.bytes)}, ${f.rows?.toLocaleString('en-US') ?? '?'} rows` +
           (f.users ? `, ${f.users.toLocaleString('en-US')} users, ${f.items.toLocaleString('en-US')} anime (generated, seed ${f.seed})` : ''), '');
  if (cli) {
    out.push('| CLI (native) | load, s | prepared users / items / train positives | train, s | triplets/s | AUC (popularity) | wall, s | peak RSS |');
    out.push('|---|---:|---|---:|---:|---:|---:|---:|');
    for (const r of cli) {
      out.push(`| ${r.model} | ${r.load_seconds.toFixed(2)} | ${r.users.toLocaleString('en-US')} / ${r.items} / ${r.train_positives.toLocaleString('en-US')} | ` +
               `${r.train_seconds.toFixed(2)} | ${rate(r.triplets_per_second)} | ${r.auc.toFixed(3)} (${r.auc_popularity.toFixed(3)}) | ` +
               `${r.wall_seconds.toFixed(1)} | ${mb(r.peak_rss_bytes)} |`);
    }
    out.push('');
  }
  if (page) {
    out.push(`Page (Chromium, the demo as a user drives it): load of the file + anime.csv ${page.load.seconds.toFixed(1)} s ` +
             `(${page.load.label}); engine's WebAssembly memory after the load ${mb(page.load.wasm_memory_bytes)} ` +
             `(${mb(page.load.wasm_allocated_bytes)} in use); preprocessing controls ${JSON.stringify(page.load.controls)}.`, '');
    out.push('| page | training (runs table) | triplets/s | AUC | Train click → done, s | wasm memory (peak so far) | in use |');
    out.push('|---|---|---:|---:|---:|---:|---:|');
    for (const r of page.runs) {
      out.push(`| ${r.model} | ${r.prepared} | ${r.run['Triplets/s'] ?? Object.values(r.run).at(-1)} | ${r.auc.toFixed(3)} | ` +
               `${r.wall_seconds.toFixed(1)} | ${mb(r.wasm_memory_bytes)} | ${mb(r.wasm_allocated_bytes)} |`);
    }
    out.push('', `Tab peak memory: renderer process peak RSS ${mb(page.peak_renderer_rss_bytes)} (page, worker and its wasm memory); ` +
             `page JS heap peak ${mb(page.peak_page_js_heap_bytes)} (CDP Performance.getMetrics). Page errors: ${page.errors.length ? page.errors.join('; ') : 'none'}.`, '');
  }
  for (const [part, message] of Object.entries(errors)) out.push(`- ${part} FAILED: ${message}`);
  return out.join('\n');
}

// `npm run bench`: the speed benchmark. Runs each part in its own process, one after the other
// (never in parallel, so they do not disturb each other's timings), on the same data:
//   native      build/native/tripletrec_bench (bench/native_bench.cpp)
//   wasm_node   the package's Recommender under Node          (bench/node-wasm.mjs)
//   wasm_chromium + tfjs_chromium  the same in headless Chromium (bench/browser.mjs)
//   tfjs_node   the notebook's bilinear model in TF.js, CPU backend (bench/node-tfjs.mjs)
//   tfjs_wasm_node  the same on TF.js's wasm backend with the UnsortedSegmentSum kernel registered,
//               both variants; the faster one is then run in Chromium too (plain and isolated page)
// then measures the package's download size, prints Markdown (machine, speed table, sizes) and
// writes the raw results to bench/results/latest.json. Measures only; asserts nothing.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { animeDataPresent, DATA_DIR, REPO_ROOT } from './lib/node-data.mjs';
import { formatReport } from './lib/report.mjs';
import { measureSizes } from './lib/sizes.mjs';
import { THREADS_EPOCHS } from './lib/wasm-suite.mjs';

const PARTS = ['native', 'wasm_node', 'tfjs_wasm_node', 'chromium', 'tfjs_node'];
const { values: args } = parseArgs({ options: {
  'deep-epochs': { type: 'string', default: '10' },
  'feature-epochs': { type: 'string', default: '10' },            // the feature models and the FM (wasm)
  'keras-exact-epochs': { type: 'string', default: '3' },         // wasm bilinear, dense Adam
  'native-keras-exact-epochs': { type: 'string', default: '10' },
  'tfjs-seconds': { type: 'string', default: '30' },              // TF.js time budget in Node
  'tfjs-plain-seconds': { type: 'string', default: '10' },        // the untuned TF.js variant; 0 skips
  'tfjs-chromium-seconds': { type: 'string', default: '20' },
  'tfjs-wasm-seconds': { type: 'string', default: '20' },         // TF.js wasm, per variant and runtime
  'native-bin': { type: 'string', default: path.join(REPO_ROOT, 'build', 'native', 'tripletrec_bench') },
  skip: { type: 'string', default: '' },                           // comma list of PARTS
  help: { type: 'boolean', default: false },
} });
if (args.help) {
  console.log(`usage: npm run bench -- [--deep-epochs N] [--feature-epochs N] [--keras-exact-epochs N] [--native-keras-exact-epochs N]
       [--tfjs-seconds S] [--tfjs-plain-seconds S] [--tfjs-chromium-seconds S] [--tfjs-wasm-seconds S] [--native-bin PATH]
       [--skip ${PARTS.join(',')}]`);
  process.exit(0);
}
const skipped = new Set(args.skip.split(',').filter(Boolean));
for (const part of skipped) if (!PARTS.includes(part)) throw new Error(`--skip: unknown part "${part}" (parts: ${PARTS.join(', ')})`);

/** Runs a process, returns its stdout lines that are JSON objects; throws with stderr's tail on failure. */
function runJsonLines(command, commandArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      for (let newline; (newline = stdout.indexOf('\n')) >= 0; stdout = stdout.slice(newline + 1)) {
        const line = stdout.slice(0, newline).trim();
        if (line.startsWith('{')) process.stderr.write(`  ${line.length > 160 ? line.slice(0, 157) + '...' : line}\n`);
        lines.push(line);
      }
    });
    child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (stdout.trim()) lines.push(stdout.trim());
      const objects = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      if (code === 0) resolve(objects);
      else reject(new Error(`${path.basename(commandArgs[0] ?? command)} exited with ${code}: ${stderr.trim().slice(-600)}`));
    });
  });
}

function cpuModel() {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
  return line ? line.split(':')[1].trim() : os.cpus()[0]?.model ?? 'unknown';
}
const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// Every part measures one snapshot of the built package (web/dist may be rebuilt meanwhile).
const distSource = path.join(REPO_ROOT, 'web', 'dist');
if (!existsSync(path.join(distSource, 'tripletrec.wasm'))) throw new Error(`${distSource} has no build (run scripts/setup.sh)`);
const snapshotRoot = mkdtempSync(path.join(os.tmpdir(), 'tripletrec-bench-package-'));
const distSnapshot = path.join(snapshotRoot, 'dist');
cpSync(distSource, distSnapshot, { recursive: true });
writeFileSync(path.join(snapshotRoot, 'package.json'), '{ "type": "module" }\n');  // dist/*.js are ES modules
process.env.TRIPLETREC_BENCH_DIST = distSnapshot;
process.on('exit', () => rmSync(snapshotRoot, { recursive: true, force: true }));

const started = Date.now();
const settings = {
  animeData: animeDataPresent(),
  data: animeDataPresent()
    ? `${path.join(DATA_DIR, 'anime')}: rating_5000users.csv + anime.csv`
    : `anime data NOT FOUND under ${DATA_DIR}: the built-in sample (loadSample) instead, native training skipped`,
  bilinearEpochs: 10, deepEpochs: Number(args['deep-epochs']), featureEpochs: Number(args['feature-epochs']), kerasExactEpochs: Number(args['keras-exact-epochs']),
  nativeKerasExactEpochs: Number(args['native-keras-exact-epochs']), tfjsNodeSeconds: Number(args['tfjs-seconds']),
  tfjsPlainSeconds: Number(args['tfjs-plain-seconds']), tfjsChromiumSeconds: Number(args['tfjs-chromium-seconds']),
  tfjsWasmSeconds: Number(args['tfjs-wasm-seconds']),
};
const results = {
  machine: { cpu: cpuModel(), cores: os.cpus().length, node: process.version, date: new Date().toISOString(),
             load_start: loadAverage() },
  settings, parts: {}, errors: {},
};

async function part(name, run) {
  process.stderr.write(`bench: ${name}\n`);
  const t0 = Date.now();
  try {
    results.parts[name] = await run();
  } catch (error) {
    results.errors[name] = error.message;
    process.stderr.write(`bench: ${name} FAILED: ${error.message}\n`);
  }
  process.stderr.write(`bench: ${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

const node = process.execPath;
if (!skipped.has('native')) {
  await part('native', () => {
    if (!existsSync(args['native-bin'])) throw new Error(`${args['native-bin']} not found (run scripts/setup.sh)`);
    return runJsonLines(args['native-bin'], [DATA_DIR, '--bilinear-epochs', '10',
      '--keras-exact-epochs', String(settings.nativeKerasExactEpochs), '--deep-epochs', String(settings.deepEpochs),
      '--deep-keras-exact-epochs', '0', '--scaling-bilinear-epochs', String(THREADS_EPOCHS.bilinear),
      '--scaling-deep-epochs', String(THREADS_EPOCHS.deep)]);
  });
}
if (!skipped.has('wasm_node')) {
  await part('wasm_node', () => runJsonLines(node, ['bench/node-wasm.mjs', '--deep-epochs', String(settings.deepEpochs),
    '--feature-epochs', String(settings.featureEpochs),
    '--keras-exact-epochs', String(settings.kerasExactEpochs)]));
}
// TF.js wasm in Node, both variants (bench/lib/tfjs-suite.mjs); the faster is the peer everywhere.
let tfjsWasmVariant = 'tuned';
if (!skipped.has('tfjs_wasm_node')) {
  await part('tfjs_wasm_node', async () => {
    const lines = [];
    for (const variant of ['plain', 'tuned']) {
      lines.push(...(await runJsonLines(node, ['bench/node-tfjs.mjs', '--backend', 'wasm', '--variant', variant,
        '--max-seconds', String(settings.tfjsWasmSeconds)])));
    }
    const fastest = lines.filter((l) => l.bench === 'train').sort((a, b) => b.triplets_per_second - a.triplets_per_second)[0];
    if (fastest) tfjsWasmVariant = fastest.variant;
    return lines;
  });
}
settings.tfjsWasmVariant = tfjsWasmVariant;
if (!skipped.has('chromium')) {
  await part('chromium', async () => {
    const lines = await runJsonLines(node, ['bench/browser.mjs', '--deep-epochs', String(settings.deepEpochs),
      '--feature-epochs', String(settings.featureEpochs),
      '--keras-exact-epochs', String(settings.kerasExactEpochs), '--tfjs-max-seconds', String(settings.tfjsChromiumSeconds),
      '--tfjs-wasm-variant', tfjsWasmVariant, '--tfjs-wasm-max-seconds', String(settings.tfjsWasmSeconds)]);
    results.machine.chromium = lines.find((l) => l.bench === 'machine')?.chromium;
    results.parts.wasm_chromium = lines.filter((l) => l.runtime === 'wasm-chromium');
    results.parts.tfjs_chromium = lines.filter((l) => l.runtime === 'tfjs-chromium');
    results.parts.tfjs_wasm_chromium = lines.filter((l) => l.runtime?.startsWith('tfjs-wasm-chromium'));
    return lines;
  });
}
if (!skipped.has('tfjs_node')) {
  await part('tfjs_node', () => runJsonLines(node, ['bench/node-tfjs.mjs', '--variant', 'tuned',
    '--max-seconds', String(settings.tfjsNodeSeconds)]));
  if (settings.tfjsPlainSeconds > 0) {
    await part('tfjs_node_plain', () => runJsonLines(node, ['bench/node-tfjs.mjs', '--variant', 'plain',
      '--max-seconds', String(settings.tfjsPlainSeconds)]));
  }
}
delete results.parts.chromium;  // split into wasm_chromium and tfjs_chromium above

results.sizes = { ...measureSizes(distSnapshot), dir: 'web/dist (snapshot taken at the start)' };
results.machine.load_end = loadAverage();
results.seconds = (Date.now() - started) / 1000;

const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
console.log(formatReport(results));
console.log(`Raw results: bench/results/latest.json. Benchmark time ${results.seconds.toFixed(0)} s.`);

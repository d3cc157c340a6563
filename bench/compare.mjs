// `npm run bench:compare`: this engine against another commit's (by default the last one before
// the engine moved to Eigen), side by side in one run on the same machine. Builds the other
// commit once (scripts/build-baseline.sh -> build/baseline/<commit>), then runs the training and
// evaluation parts of the benchmark (native, wasm in Node, wasm in Chromium) for both engines,
// interleaved: each round runs old then new, the next new then old, so load on a shared machine
// hits both alike. Prints per-round numbers, the medians and the ratios new / old, and writes
// bench/results/compare.json. Measures only; asserts nothing.
//
//   npm run bench:compare -- [--baseline COMMIT] [--rounds N] [--skip native,wasm_node,chromium]
//                            [--deep-epochs N]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DATA_DIR, REPO_ROOT } from './lib/node-data.mjs';
import { median } from './lib/stats.mjs';

const PARTS = ['native', 'wasm_node', 'chromium'];
const { values: args } = parseArgs({ options: {
  baseline: { type: 'string', default: '1088261' },
  rounds: { type: 'string', default: '3' },
  'deep-epochs': { type: 'string', default: '5' },
  skip: { type: 'string', default: '' },
} });
const skipped = new Set(args.skip.split(',').filter(Boolean));
for (const part of skipped) if (!PARTS.includes(part)) throw new Error(`--skip: unknown part "${part}" (parts: ${PARTS.join(', ')})`);
const rounds = Number(args.rounds);

const baselineDir = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'build-baseline.sh'), args.baseline],
                                 { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1);
const engines = {
  old: { bench: path.join(baselineDir, 'native', 'tripletrec_bench'), dist: path.join(baselineDir, 'src', 'web', 'dist') },
  new: { bench: path.join(REPO_ROOT, 'build', 'native', 'tripletrec_bench'), dist: path.join(REPO_ROOT, 'web', 'dist') },
};
const needsWasm = !skipped.has('wasm_node') || !skipped.has('chromium');
for (const [name, engine] of Object.entries(engines))
  for (const file of [skipped.has('native') ? '' : engine.bench, needsWasm ? path.join(engine.dist, 'tripletrec.wasm') : ''])
    if (file && !existsSync(file)) throw new Error(`${name} engine: ${file} not built (scripts/build.sh)`);

/** Runs a process; resolves with the JSON objects it printed one per line. */
function runJsonLines(command, commandArgs, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: REPO_ROOT, env: { ...process.env, ...env },
                                                stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${commandArgs[0] ?? command} exited with ${code}: ${stderr.trim().slice(-600)}`));
      else resolve(stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)));
    });
  });
}

const deepEpochs = args['deep-epochs'];
const runners = {
  native: (engine) => runJsonLines(engine.bench, [DATA_DIR, '--parse-repeats', '0', '--bilinear-epochs', '10',
    '--keras-exact-epochs', '3', '--deep-epochs', deepEpochs, '--deep-keras-exact-epochs', '0']),
  wasm_node: (engine) => runJsonLines(process.execPath, ['bench/node-wasm.mjs', '--parse-repeats', '0', '--skip-map', '--skip-fold-in', '--skip-threads', '--feature-epochs', '0',
    '--deep-epochs', deepEpochs, '--keras-exact-epochs', '3'], { TRIPLETREC_BENCH_DIST: engine.dist }),
  chromium: (engine) => runJsonLines(process.execPath, ['bench/browser.mjs', '--parse-repeats', '0', '--skip-tfjs', '--skip-map', '--skip-fold-in', '--skip-threads', '--feature-epochs', '0',
    '--deep-epochs', deepEpochs, '--keras-exact-epochs', '3'], { TRIPLETREC_BENCH_DIST: engine.dist }),
};

// The rows compared: training throughput (higher is better) and evaluation time (lower is better),
// by the wall clock and, where the harness reads one, by CPU time (the Node and Chromium harnesses
// are this checkout's for both engines; an older native benchmark prints wall-clock times only).
// Under load, CPU-time rows are the ones to trust: other processes stretch wall-clock times.
function rowsOf(results) {
  const rows = {};
  for (const r of results.filter((x) => x.bench === 'train')) {
    const name = `${r.model}${r.optimizer === 'keras_exact' ? ' keras-exact' : ''}`;
    rows[`${name} training, triplets/s`] = r.triplets_per_second;
    if (r.triplets_per_cpu_second !== undefined) rows[`${name} training, triplets/CPU-s`] = r.triplets_per_cpu_second;
    if (r.optimizer === 'keras_exact') continue;
    rows[`${name} evaluation, ms`] = r.eval_seconds * 1000;
    if (r.eval_cpu_seconds !== undefined) rows[`${name} evaluation, CPU ms`] = r.eval_cpu_seconds * 1000;
  }
  return rows;
}

const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const cpu = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'))?.split(':')[1].trim();
const report = { machine: { cpu, cores: os.cpus().length, node: process.version, date: new Date().toISOString(),
                            load_start: loadAverage() },
                 baseline: args.baseline, baselineDir, rounds, deepEpochs: Number(deepEpochs), parts: {} };
for (const part of PARTS.filter((p) => !skipped.has(p))) {
  const measured = { old: [], new: [] };
  for (let round = 0; round < rounds; ++round) {
    for (const name of round % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
      const load = loadAverage();
      const rows = rowsOf(await runners[part](engines[name]));
      measured[name].push(rows);
      process.stderr.write(`compare: ${part} round ${round + 1} ${name} (load ${load}): ${JSON.stringify(rows)}\n`);
    }
  }
  report.parts[part] = measured;
}
report.machine.load_end = loadAverage();

const format = (x) => (x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const lines = [`Machine: ${cpu}, ${os.cpus().length} cores, Node ${process.version}; load average ${report.machine.load_start} at the start, ${report.machine.load_end} at the end.`,
  `Old engine: ${args.baseline}; new: this checkout. Medians of ${rounds} interleaved rounds (min–max in brackets); "new / old" > 1 is better for both kinds of row (throughput new/old, time old/new); the ratio range pairs each round's old and new run.`, '',
  '| runtime | measurement | old | new | new / old | per round |', '|---|---|---:|---:|---:|---:|'];
report.summary = [];
const range = (xs) => `${format(Math.min(...xs))}–${format(Math.max(...xs))}`;
for (const [part, measured] of Object.entries(report.parts)) {
  const rowNames = Object.keys(measured.old[0] ?? {}).filter((row) => row in (measured.new[0] ?? {}));
  for (const row of rowNames) {
    const olds = measured.old.map((r) => r[row]), news = measured.new.map((r) => r[row]);
    const isTime = row.endsWith(' ms');
    const ratioOf = (o, n) => (isTime ? o / n : n / o);
    const better = ratioOf(median(olds), median(news));
    const perRound = olds.map((o, i) => ratioOf(o, news[i]));
    report.summary.push({ part, row, old: median(olds), new: median(news), ratio: better, old_values: olds,
                          new_values: news, round_ratios: perRound });
    lines.push(`| ${part} | ${row} | ${format(median(olds))} (${range(olds)}) | ${format(median(news))} (${range(news)}) | ` +
               `${better.toFixed(2)}× | ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)}× |`);
  }
}
const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'compare.json'), JSON.stringify(report, null, 2) + '\n');
console.log(lines.join('\n'));
console.log('\nRaw results: bench/results/compare.json.');

// The old engine against the new one inside ONE process, interleaved one epoch (or one evaluation)
// at a time (bench/lib/interleaved.mjs), in Node and in headless Chromium: both wasm modules are
// loaded side by side and take turns, each turn timed by CPU time, so load on a shared machine hits
// both alike at a granularity of ~0.1 s (bench/compare.mjs alternates whole benchmark runs of
// minutes). Prints a Markdown table of medians, min-max and new / old (> 1 is better) and writes
// bench/results/compare-in-process.json. Measures only.
//   node bench/compare-in-process.mjs [--baseline COMMIT] [--turns N] [--skip node,chromium]
// (the older engine is built by scripts/build-baseline.sh, as for bench:compare)
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { interleavedTable, runInterleaved } from './lib/interleaved.mjs';
import { REPO_ROOT, readAnimeData } from './lib/node-data.mjs';

const { values: args } = parseArgs({ options: {
  baseline: { type: 'string', default: '1088261' },
  turns: { type: 'string', default: '9' },
  skip: { type: 'string', default: '' },
} });
const skipped = new Set(args.skip.split(',').filter(Boolean));
const turns = Number(args.turns);
const baselineDir = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'build-baseline.sh'), args.baseline],
                                 { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1);
const dists = { old: path.join(baselineDir, 'src', 'web', 'dist'), new: path.join(REPO_ROOT, 'web', 'dist') };
const loadStart = os.loadavg().map((x) => x.toFixed(1)).join(' ');
const results = {};
const lines = [];

if (!skipped.has('node')) {
  const Recommenders = {};
  for (const [name, dist] of Object.entries(dists))
    Recommenders[name] = (await import(pathToFileURL(path.join(dist, 'index.js')).href)).Recommender;
  results.node = await runInterleaved({
    Recommenders, data: readAnimeData(), turns,
    cpuSeconds: () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1e6; },
    log: (line) => process.stderr.write(`node: ${JSON.stringify(line)}\n`),
  });
  lines.push(...interleavedTable(results.node, 'wasm, Node'));
}
if (!skipped.has('chromium')) {
  const output = execFileSync(process.execPath, ['bench/browser.mjs', '--interleaved', '--interleaved-turns', String(turns)],
                              { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, TRIPLETREC_BENCH_OLD_DIST: dists.old,
                                                                          TRIPLETREC_BENCH_DIST: dists.new } });
  results.chromium = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    .find((r) => r.bench === 'interleaved').rows;
  lines.push(...interleavedTable(results.chromium, 'wasm, Chromium'));
}

const header = [`Machine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores, Node ${process.version}; load average ${loadStart} at the start, ` +
                `${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at the end.`,
                `Old engine ${args.baseline}, new: this checkout, in one process each, ${turns} interleaved turns (one epoch or one evaluation each), ` +
                'CPU time; medians (min–max); new / old > 1 is better.', '',
                '| runtime | measurement | old | new | new / old |', '|---|---|---:|---:|---:|'];
mkdirSync(path.join(REPO_ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(REPO_ROOT, 'bench', 'results', 'compare-in-process.json'),
              JSON.stringify({ cpu: os.cpus()[0]?.model, load_start: loadStart, baseline: args.baseline, turns, results }, null, 2) + '\n');
console.log([...header, ...lines].join('\n'));

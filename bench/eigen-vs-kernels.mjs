// `npm run bench:kernels`: Eigen against the engine's hand-written kernels on the models' shapes
// (bench/eigen_vs_kernels.cpp), natively, in Node and in headless Chromium, each pair interleaved
// in one process. Prints one Markdown table (time per call, best of many short runs; Eigen / hand
// > 1 means Eigen is slower) and writes bench/results/eigen-vs-kernels.json. Measures only.
//   node bench/eigen-vs-kernels.mjs [--rounds N] [--skip native,node,chromium]
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { REPO_ROOT } from './lib/node-data.mjs';

const { values: args } = parseArgs({ options: {
  rounds: { type: 'string', default: '41' },
  skip: { type: 'string', default: '' },
} });
const skipped = new Set(args.skip.split(',').filter(Boolean));
const nativeBinary = path.join(REPO_ROOT, 'build', 'native', 'tripletrec_eigen_vs_kernels');
const wasmDir = path.join(REPO_ROOT, 'build', 'wasm', 'eigen_vs_kernels');
const parseLines = (text) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

const runs = {};
if (!skipped.has('native'))
  runs.native = parseLines(execFileSync(nativeBinary, [args.rounds], { encoding: 'utf8' }));
if (!skipped.has('node'))
  runs.node = parseLines(execFileSync(process.execPath, ['--no-experimental-fetch', path.join(wasmDir, 'tripletrec_eigen_vs_kernels.js'), args.rounds],
                                      { encoding: 'utf8' }));
if (!skipped.has('chromium')) {
  // The same wasm program on a blank page: its output arrives as console messages.
  const server = createServer((request, response) => {
    const name = path.basename(new URL(request.url, 'http://localhost').pathname);
    if (name === '' || name === 'index.html') {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end(`<script>var Module = { arguments: ['${Number(args.rounds)}'] };</script>` +
                   '<script src="tripletrec_eigen_vs_kernels.js"></script>');
      return;
    }
    if (!['tripletrec_eigen_vs_kernels.js', 'tripletrec_eigen_vs_kernels.wasm'].includes(name)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
    createReadStream(path.join(wasmDir, name)).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'tripletrec-kernels-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const lines = [];
    const done = new Promise((resolve) => page.on('console', (message) => {
      lines.push(message.text());
      if (message.text().includes('"case":"adam dense')) resolve();
    }));
    await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
    await done;
    runs.chromium = parseLines(lines.join('\n'));
  } finally {
    await context.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown';
const parts = Object.keys(runs);
const cases = runs[parts[0]].map((r) => r.case);
const lines = [`Machine: ${cpu}, ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}. ` +
               'Time per call in µs (hand-written / Eigen), best of the interleaved runs; Eigen / hand > 1: Eigen slower.', '',
               `| case | ${parts.map((p) => `${p}: hand | ${p}: Eigen | ${p}: Eigen / hand`).join(' | ')} | same bits |`,
               `|---|${parts.map(() => '---:|---:|---:|').join('')}---|`];
for (const name of cases) {
  const cells = parts.map((p) => {
    const r = runs[p].find((x) => x.case === name);
    return `${r.hand_us.toFixed(1)} | ${r.eigen_us.toFixed(1)} | ${r.eigen_over_hand.toFixed(2)}×`;
  });
  lines.push(`| ${name} | ${cells.join(' | ')} | ${parts.map((p) => (runs[p].find((x) => x.case === name).same_bits ? 'yes' : 'no')).join('/')} |`);
}
mkdirSync(path.join(REPO_ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(path.join(REPO_ROOT, 'bench', 'results', 'eigen-vs-kernels.json'),
              JSON.stringify({ cpu, load: os.loadavg(), date: new Date().toISOString(), runs }, null, 2) + '\n');
console.log(lines.join('\n'));

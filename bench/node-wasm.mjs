// Part of `npm run bench` (run by bench/run.mjs in its own process): the tripletrec package's
// wasm engine under Node. Prints one JSON object per line.
import { parseArgs } from 'node:util';
import { importPackage, readAnimeData } from './lib/node-data.mjs';
import { UMAP } from 'umap-js';
import { runFoldInSuite, runMapSuite, runThreadsSuite, runWasmSuite } from './lib/wasm-suite.mjs';

const { Recommender } = await importPackage();

const { values } = parseArgs({ options: {
  'deep-epochs': { type: 'string', default: '5' },
  'keras-exact-epochs': { type: 'string', default: '3' },
  'feature-epochs': { type: 'string', default: '10' },  // the feature models and the FM (train_features rows); 0 skips (older engines have none)
  'parse-repeats': { type: 'string', default: '3' },
  'skip-map': { type: 'boolean', default: false },  // no map row (bench:compare: older engines have none)
  'skip-fold-in': { type: 'boolean', default: false },  // no fold-in row (older engines have no recommendFor)
  'fold-in-only': { type: 'boolean', default: false },  // just the fold-in row
  'skip-threads': { type: 'boolean', default: false },  // no threads rows (older packages have one build)
  'threads-only': { type: 'boolean', default: false },  // just the threads rows
} });
const log = (result) => console.log(JSON.stringify(result));

const only = values['fold-in-only'] || values['threads-only'];
if (!only) await runWasmSuite({
  Recommender, ...readAnimeData(),
  deepEpochs: Number(values['deep-epochs']),
  kerasExactEpochs: Number(values['keras-exact-epochs']),
  featureEpochs: Number(values['feature-epochs']),
  parseRepeats: Number(values['parse-repeats']),
  // The process's CPU time (Node has no per-thread clock before 23.9; the engine runs on this thread).
  cpuSeconds: () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1e6; },
  log: (result) => console.log(JSON.stringify(result)),
});

if (!values['skip-map'] && !only) await runMapSuite({ Recommender, UMAP, log });
if (!values['skip-fold-in'] && !values['threads-only']) await runFoldInSuite({ Recommender, log });
// The threaded build under Node (worker_threads), asked for: Node's default is the single-threaded one.
if (!values['skip-threads'] && !values['fold-in-only']) {
  await runThreadsSuite({ Recommender, createOptions: { engine: 'threaded' }, ...readAnimeData(), log });
}

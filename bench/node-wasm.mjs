// Part of `npm run bench` (run by bench/run.mjs in its own process): the tripletrec package's
// wasm engine under Node. Prints one JSON object per line.
import { parseArgs } from 'node:util';
import { importPackage, readAnimeData } from './lib/node-data.mjs';
import { UMAP } from 'umap-js';
import { runFoldInSuite, runMapSuite, runWasmSuite } from './lib/wasm-suite.mjs';

const { Recommender } = await importPackage();

const { values } = parseArgs({ options: {
  'deep-epochs': { type: 'string', default: '5' },
  'keras-exact-epochs': { type: 'string', default: '3' },
  'feature-epochs': { type: 'string', default: '10' },  // the feature models and the FM (train_features rows); 0 skips (older engines have none)
  'parse-repeats': { type: 'string', default: '3' },
  'skip-map': { type: 'boolean', default: false },  // no map row (bench:compare: older engines have none)
  'skip-fold-in': { type: 'boolean', default: false },  // no fold-in row (older engines have no recommendFor)
  'fold-in-only': { type: 'boolean', default: false },  // just the fold-in row
} });
const log = (result) => console.log(JSON.stringify(result));

if (!values['fold-in-only']) await runWasmSuite({
  Recommender, ...readAnimeData(),
  deepEpochs: Number(values['deep-epochs']),
  kerasExactEpochs: Number(values['keras-exact-epochs']),
  featureEpochs: Number(values['feature-epochs']),
  parseRepeats: Number(values['parse-repeats']),
  // The process's CPU time (Node has no per-thread clock before 23.9; the engine runs on this thread).
  cpuSeconds: () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1e6; },
  log: (result) => console.log(JSON.stringify(result)),
});

if (!values['skip-map'] && !values['fold-in-only']) await runMapSuite({ Recommender, UMAP, log });
if (!values['skip-fold-in']) await runFoldInSuite({ Recommender, log });

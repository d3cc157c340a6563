// Part of `npm run bench` (run by bench/run.mjs in its own process): the bilinear triplet model
// in TF.js (CPU backend) under Node, on the positives tripletrec prepares. Prints JSON lines.
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { importPackage, readAnimeData } from './lib/node-data.mjs';
import { benchPositives } from './lib/positives.mjs';
import { runTfjsSuite } from './lib/tfjs-suite.mjs';

const { Recommender } = await importPackage();

const { values } = parseArgs({ options: {
  'max-epochs': { type: 'string', default: '1' },
  'max-seconds': { type: 'string', default: '30' },
  variant: { type: 'string', default: 'tuned' },
} });

await tf.setBackend('cpu');
const positives = await benchPositives(Recommender, readAnimeData());
await runTfjsSuite({
  tf, positives, variant: values.variant, maxEpochs: Number(values['max-epochs']), maxSeconds: Number(values['max-seconds']),
  log: (result) => console.log(JSON.stringify(result)),
});

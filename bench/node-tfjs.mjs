// Part of `npm run bench` (run by bench/run.mjs in its own process): the bilinear triplet model
// in TF.js under Node, on the positives tripletrec prepares. Prints JSON lines.
//   --backend cpu   TF.js's CPU backend (pure JS)
//   --backend wasm  TF.js's WebAssembly backend (SIMD; TF.js runs it single-threaded in Node) with
//                   the UnsortedSegmentSum kernel it lacks registered (bench/lib/tfjs-wasm-backend.mjs);
//                   prints the kernel's self-check against the CPU backend first
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
  backend: { type: 'string', default: 'cpu' },
} });

let backendInfo = {};
if (values.backend === 'wasm') {
  await import('@tensorflow/tfjs-backend-wasm');
  const { useWasmBackend } = await import('./lib/tfjs-wasm-backend.mjs');
  const { check, threads } = await useWasmBackend(tf);
  console.log(JSON.stringify({ ...check, runtime: 'tfjs-wasm-node' }));
  backendInfo = { threads, kernels_added: ['UnsortedSegmentSum'] };
} else if (values.backend === 'cpu') {
  await tf.setBackend('cpu');
} else {
  throw new Error(`--backend: "${values.backend}" is not one of cpu, wasm`);
}
const positives = await benchPositives(Recommender, readAnimeData());
await runTfjsSuite({
  tf, positives, variant: values.variant, maxEpochs: Number(values['max-epochs']), maxSeconds: Number(values['max-seconds']),
  // The process's CPU time, as bench/node-wasm.mjs measures it (TF.js runs on this thread in Node).
  cpuSeconds: () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1e6; },
  log: (result) => console.log(JSON.stringify({ ...result, ...backendInfo })),
});

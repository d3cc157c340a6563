// Old engine against new inside one JavaScript realm (Node or a page), interleaved one epoch or one
// evaluation at a time, each turn timed by CPU time: load on a shared machine hits both alike at a
// granularity of ~0.1 s. Used by bench/compare-in-process.mjs (Node) and bench/browser.mjs
// (Chromium, --interleaved). Returns { row: { old: [...], new: [...], higherIsBetter } }.
import { loadBenchData } from './prepare-options.mjs';
import { median } from './stats.mjs';

/**
 * options: { Recommenders: { old, new } (each engine's Recommender class), data ({ ratings, items }),
 *            turns, cpuSeconds: () => number | Promise<number>, log?(line) }
 */
export async function runInterleaved({ Recommenders, data, turns, cpuSeconds, log = () => {} }) {
  const engines = {};
  for (const [name, Recommender] of Object.entries(Recommenders)) {
    engines[name] = await Recommender.create();
    loadBenchData(engines[name], data);
  }
  const cases = [
    { row: 'bilinear training, triplets/CPU-s', model: { model: 'bilinear' } },
    { row: 'bilinear keras-exact training, triplets/CPU-s', model: { model: 'bilinear', kerasExact: true } },
    { row: 'deep training, triplets/CPU-s', model: { model: 'deep' } },
  ];
  const rows = {};
  for (const { row, model } of cases) {
    for (const engine of Object.values(engines)) {  // warm-up (the new engine's first evaluation also ranks by popularity, kept after)
      engine.createModel(model);
      await engine.train({ epochs: 1 });
      engine.evaluate(10);
    }
    const rates = { old: [], new: [], higherIsBetter: true }, evals = { old: [], new: [], higherIsBetter: false };
    for (let turn = 0; turn < turns; ++turn) {
      for (const name of turn % 2 === 0 ? ['old', 'new'] : ['new', 'old']) {
        const start = await cpuSeconds();
        const result = await engines[name].train({ epochs: 1 });
        rates[name].push(result.triplets / ((await cpuSeconds()) - start));
      }
      if (model.kerasExact) continue;
      for (const name of turn % 2 === 0 ? ['new', 'old'] : ['old', 'new']) {
        const start = await cpuSeconds();
        engines[name].evaluate(10);
        evals[name].push(((await cpuSeconds()) - start) * 1000);
      }
    }
    rows[row] = rates;
    log({ row, ...rates });
    if (!model.kerasExact) {
      rows[`${model.model} evaluation, CPU ms`] = evals;
      log({ row: `${model.model} evaluation, CPU ms`, ...evals });
    }
  }
  for (const engine of Object.values(engines)) engine.dispose();
  return rows;
}

const fmt = (x) => (x >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));

/** Markdown rows: measurement | old median (min–max) | new median (min–max) | new / old (> 1 better). */
export function interleavedTable(rows, runtime) {
  return Object.entries(rows).map(([row, v]) => {
    const ratio = v.higherIsBetter ? median(v.new) / median(v.old) : median(v.old) / median(v.new);
    const cell = (xs) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
    return `| ${runtime} | ${row} | ${cell(v.old)} | ${cell(v.new)} | ${ratio.toFixed(2)}× |`;
  });
}

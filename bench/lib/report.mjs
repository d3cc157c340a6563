// Turns the collected results (bench/run.mjs) into the Markdown that `npm run bench` prints:
// the machine, the speed table (ready to paste into the README) with ratio columns, the sizes.

const find = (lines, predicate) => (lines ?? []).find(predicate);
const trainLine = (lines, model, optimizer, bench = 'train') =>
  find(lines, (l) => l.bench === bench && l.model === model && l.optimizer === optimizer);

function formatNumber(value, digits = 0) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}
// The threads rows' summary (bench "scaling": medians of interleaved 1-thread / every-core pairs),
// and its every-core median as a train line (what the speed table and the TF.js ratios use).
const scalingLine = (lines, model) => find(lines, (l) => l.bench === 'scaling' && l.model === model);
function threadedMedianLine(lines, model) {
  const s = scalingLine(lines, model);
  return s && { bench: 'train_threads', model, optimizer: 'sparse', threads: s.threads, epochs: s.epochs,
                triplets_per_second: s.threaded_median, auc: s.auc_threaded_median };
}
const epochs = (n) => `${n} epoch${n === 1 ? '' : 's'}`;
const ratio = (a, b) => (a > 0 && b > 0 ? `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×` : '–');

/** One row: label, a value per column, and how to show a value. */
function row(label, values, digits, withRatios) {
  const [native, wasmNode, wasmChromium, tfjsNode, tfjsChromium] = values;
  const cells = values.map((v) => (typeof v === 'string' ? v : formatNumber(v, digits)));
  const ratios = withRatios
    ? [ratio(wasmNode, native), ratio(wasmNode, tfjsNode), ratio(wasmChromium, tfjsChromium)]
    : ['', '', ''];
  return `| ${label} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`;
}

export function formatReport(results) {
  const { machine, parts, sizes, settings, errors } = results;
  const native = parts.native ?? [];
  const node = parts.wasm_node ?? [];
  const chromium = parts.wasm_chromium ?? [];
  const tfNode = find(parts.tfjs_node, (l) => l.bench === 'train');
  const tfNodePlain = find(parts.tfjs_node_plain, (l) => l.bench === 'train');
  const tfChromium = find(parts.tfjs_chromium, (l) => l.bench === 'train');
  const out = [];

  out.push('## Machine', '');
  out.push(`- CPU: ${machine.cpu} (${machine.cores} logical cores; every measurement is single-threaded but the threads rows)`);
  out.push(`- Node ${machine.node}, Chromium ${machine.chromium ?? '–'} (headless), TF.js ${tfNode?.tfjs_version ?? tfChromium?.tfjs_version ?? '–'} (CPU backend)`);
  out.push(`- Date: ${machine.date}; load average at start ${machine.load_start}, at end ${machine.load_end}` +
           ' (a shared machine: other jobs can slow any column)');
  out.push(`- Data: ${settings.data}`, '');

  const dataLine = find(node, (l) => l.bench === 'data') ?? find(native, (l) => l.bench === 'data');
  const preprocessing = settings.animeData
    ? 'min popularity 340, TV, user id < 10000, split seed 42, positives ≥ 8'
    : 'the sample\'s own preprocessing options';
  if (dataLine) out.push(`Prepared: ${dataLine.users} users, ${dataLine.items} items, ${dataLine.train_positives} train positives` +
                         ` (${preprocessing}).`, '');

  const e = settings;
  const cols = (get) => [get(native, 'native'), get(node, 'node'), get(chromium, 'chromium')];
  const tfjsRate = [tfNode?.triplets_per_second, tfChromium?.triplets_per_second];
  const nativeData = find(native, (l) => l.bench === 'data');
  const parseGenerated = (lines) => find(lines, (l) => l.bench === 'parse_ratings' && (l.file ?? 'generated').startsWith('generated'));
  const parseAnime = (lines) => find(lines, (l) => l.bench === 'parse_ratings' && l.file === 'anime/rating_5000users.csv');
  const tfAuc = (t) => (t ? `${t.auc.toFixed(3)} after ${t.triplets.toLocaleString('en-US')} triplets` : '–');

  out.push('## Speed', '');
  out.push('| measurement | native | wasm Node | wasm Chromium | TF.js Node | TF.js Chromium | wasm Node / native | wasm Node / TF.js Node | wasm Chromium / TF.js Chromium |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  out.push(row(`bilinear training, triplets/s (${epochs(e.bilinearEpochs)}, default sparse Adam)¹`,
               [...cols((l) => trainLine(l, 'bilinear', 'sparse')?.triplets_per_second), ...tfjsRate], 0, true));
  out.push(row(`bilinear training, triplets/s (Keras-exact dense Adam; native ${epochs(e.nativeKerasExactEpochs)}, wasm ${epochs(e.kerasExactEpochs)})¹`,
               [...cols((l) => trainLine(l, 'bilinear', 'keras_exact')?.triplets_per_second), ...tfjsRate], 0, true));
  out.push(row(`deep training, triplets/s (${epochs(e.deepEpochs)})`,
               [...cols((l) => trainLine(l, 'deep', 'sparse')?.triplets_per_second), '–', '–'], 0, true));
  // The side-feature models and the FM (anime item features genre, type, episodes, members).
  const featureLine = (lines, model, features) =>
    find(lines, (l) => l.bench === 'train_features' && l.model === model && l.features === features);
  const animeFeatures = 'genre,type,episodes,members';
  for (const [label, model, features] of [['bilinear + item features', 'bilinear', animeFeatures],
                                          ['deep + item features', 'deep', animeFeatures],
                                          ['FM, ids only', 'fm', 'none'], ['FM + item features', 'fm', animeFeatures]]) {
    out.push(row(`${label} training, triplets/s (10 epochs)`,
                 [...cols((l) => featureLine(l, model, features)?.triplets_per_second), '–', '–'], 0, true));
  }
  // The threads rows: native on every core, wasm on the threaded build (Node: engine 'threaded';
  // Chromium: a cross-origin-isolated page) with its default threads, every core.
  for (const [label, model] of [['bilinear', 'bilinear'], ['deep', 'deep']]) {
    const threadCounts = [...new Set(cols((l) => threadedMedianLine(l, model)?.threads).filter(Boolean))].join('/') || 'N';
    const modelEpochs = [...new Set(cols((l) => threadedMedianLine(l, model)?.epochs).filter(Boolean))].join('/') || '?';
    out.push(row(`${label} training on ${threadCounts} threads (Hogwild), triplets/s (${modelEpochs} epochs, median)⁵`,
                 [...cols((l) => threadedMedianLine(l, model)?.triplets_per_second), '–', '–'], 0, true));
  }
  out.push(row(`AUC, bilinear after ${epochs(e.bilinearEpochs)}`,
               [...cols((l) => trainLine(l, 'bilinear', 'sparse')?.auc), '–', '–'], 4, false));
  out.push(row('AUC, bilinear after 1 epoch (TF.js: after its time budget)²',
               [...cols((l, where) => where === 'native' ? undefined : trainLine(l, 'bilinear', 'sparse', 'train_one_epoch')?.auc),
                tfAuc(tfNode), tfAuc(tfChromium)], 4, false));
  out.push(row(`AUC, deep after ${epochs(e.deepEpochs)}`,
               [...cols((l) => trainLine(l, 'deep', 'sparse')?.auc), '–', '–'], 4, false));
  const evalMs = (line) => (line?.eval_seconds === undefined ? undefined : line.eval_seconds * 1000);
  out.push(row('evaluation (AUC + P/R/MAP/NDCG@10, all users), ms, bilinear³',
               [...cols((l) => evalMs(trainLine(l, 'bilinear', 'sparse'))), evalMs(tfNode), evalMs(tfChromium)], 1, false));
  out.push(row('evaluation, ms, deep', [...cols((l) => evalMs(trainLine(l, 'deep', 'sparse'))), '–', '–'], 1, false));
  // Fold-in (bench/native_bench.cpp bench_fold_in; the wasm suites' runFoldInSuite prints the same lines).
  const foldIn = (model, key) => (lines) => find(lines, (l) => l.bench === 'fold_in' && l.model === model)?.[key];
  out.push(row('fold-in + top 10 with explanations, 20 likes, 10,000 items, ms, bilinear',
               [...cols(foldIn('bilinear', 'recommend_top10_ms')), '–', '–'], 2, false));
  out.push(row('fold-in + top 10 with explanations (leave-one-out: 21 fits), ms, deep',
               [...cols(foldIn('deep', 'recommend_top10_ms')), '–', '–'], 2, false));
  out.push(row('fold-in + scores of all items (no explanations), ms, deep',
               [...cols(foldIn('deep', 'fold_in_and_score_ms')), '–', '–'], 2, false));
  out.push(row('parse ratings, MB/s (generated ~100 MB CSV)⁴',
               [...cols((l) => parseGenerated(l)?.mb_per_s), '–', '–'], 1, true));
  out.push(row('parse ratings, MB/s (anime rating_5000users.csv, 6.3 MB)⁴',
               [...cols((l, where) => where === 'native'
                 ? (nativeData ? nativeData.bytes / 1e6 / nativeData.load_seconds : undefined)
                 : parseAnime(l)?.mb_per_s), '–', '–'], 1, true));
  out.push('');
  out.push('¹ TF.js has one measurement, shown in both bilinear rows: the notebook\'s model in TF.js (`bench/lib/tfjs-suite.mjs`, ' +
           '"tuned" variant: custom gradients for the lookup and the L2 term) trains with dense Adam over whole tables, ' +
           'the semantics of tripletrec\'s Keras-exact mode; tripletrec\'s default updates only the rows a batch touched. ' +
           `TF.js trains for at most one epoch within ${e.tfjsNodeSeconds} s (Node) / ${e.tfjsChromiumSeconds} s (Chromium).`);
  if (tfNodePlain) out.push(`  The straightforward TF.js code (tf.gather as tf.layers.embedding, L2 in the loss) reached ` +
           `${formatNumber(tfNodePlain.triplets_per_second, 1)} triplets/s in Node (${tfNodePlain.batches} batches in ${tfNodePlain.seconds.toFixed(1)} s): ` +
           'the CPU backend runs gather\'s gradient as one masked sum per table row.');
  out.push('² tripletrec\'s AUC is the engine\'s; TF.js\'s is `bench/lib/auc.mjs`, a JS implementation of the same definition ' +
           '(all items but the user\'s train positives ranked, ties ½, users with a test positive). Native prints no 1-epoch line.');
  out.push('³ TF.js column: scoring all users × items with one matMul plus the JS AUC (AUC only).');
  out.push('⁴ Parse only (the engine\'s time); best of the repeats. Native: generated file best of 3, anime file one load ' +
           '(parse + build the table). The Node and browser generator is a different PRNG from the native one, same format.');
  out.push('⁵ Every core: native `tripletrec_bench`\'s threads rows; wasm the threaded build (dist/mt/, -pthread), ' +
           'in Node through worker_threads (create({ engine: \'threaded\' })), in Chromium in a worker of a cross-origin-isolated page. ' +
           'The median of the interleaved pairs; the pairs and the scaling are in the Threads table below.');
  out.push(`Training rates are the engine's TrainResult (training time only). wasm rows train through the package's Recommender ` +
           '(slices of ~16 ms that yield to the event loop).');
  out.push('');

  out.push(...formatThreadsSection(results));
  out.push(...formatPeerSection(results));

  const maps = [['wasm Node', find(node, (l) => l.bench === 'embedding_map')],
                ['wasm Chromium', find(chromium, (l) => l.bench === 'embedding_map')]].filter(([, line]) => line);
  if (maps.length > 0) {
    const first = maps[0][1];
    out.push(`## Embedding map (${first.items.toLocaleString('en-US')} items, ${first.dim}-d, bilinear after 3 epochs on the sample)`, '');
    out.push('| runtime | item vectors, ms | PCA, ms | map quality (10-NN both spaces), ms | UMAP (umap-js, seeded), s | neighbours kept: PCA / UMAP | genre purity (chance) |');
    out.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const [runtime, m] of maps) {
      out.push(`| ${runtime} | ${formatNumber(m.vectors_seconds * 1000, 1)} | ${formatNumber(m.pca_seconds * 1000, 1)} | ` +
               `${formatNumber(m.quality_seconds * 1000, 1)} | ${formatNumber(m.umap_seconds, 2)} | ` +
               `${formatNumber(m.neighbours_kept_pca, 2)} / ${formatNumber(m.neighbours_kept_umap, 2)} | ` +
               `${formatNumber(m.genre_purity, 2)} (${formatNumber(m.genre_purity_by_chance, 2)}) |`);
    }
    out.push('');
  }

  if (sizes) {
    out.push('## Size (what an app downloads)', '');
    out.push('| file | bytes | gzip -9 |', '|---|---:|---:|');
    for (const f of sizes.files) out.push(`| ${f.file} | ${f.bytes.toLocaleString('en-US')} | ${f.gzip_bytes.toLocaleString('en-US')} |`);
    out.push(`| **total** | **${sizes.total.bytes.toLocaleString('en-US')}** | **${sizes.total.gzip_bytes.toLocaleString('en-US')}** |`);
    out.push('', `Target ≤ ${sizes.target_gzip_bytes / 1024} KB gzipped: ${(sizes.total.gzip_bytes / 1024).toFixed(1)} KB, ` +
             `${sizes.within_target ? 'within target' : 'OVER TARGET'}. (worker*.js load only with WorkerRecommender.)`, '');
    if (sizes.threaded) {
      const { files, total } = sizes.threaded;
      const shared = sizes.files.filter((f) => f.file !== 'tripletrec.wasm' && f.file !== 'tripletrec.mjs')
        .reduce((sum, f) => ({ bytes: sum.bytes + f.bytes, gzip_bytes: sum.gzip_bytes + f.gzip_bytes }), { bytes: 0, gzip_bytes: 0 });
      out.push('The threaded build (`dist/mt/`), loaded instead of `tripletrec.wasm` + `tripletrec.mjs` on a cross-origin-isolated page:', '');
      out.push('| file | bytes | gzip -9 |', '|---|---:|---:|');
      for (const f of files) out.push(`| mt/${f.file} | ${f.bytes.toLocaleString('en-US')} | ${f.gzip_bytes.toLocaleString('en-US')} |`);
      out.push(`| the package's JS (as above) | ${shared.bytes.toLocaleString('en-US')} | ${shared.gzip_bytes.toLocaleString('en-US')} |`);
      out.push(`| **total** | **${(total.bytes + shared.bytes).toLocaleString('en-US')}** | **${(total.gzip_bytes + shared.gzip_bytes).toLocaleString('en-US')}** |`, '');
    }
  }
  const failed = Object.entries(errors ?? {});
  if (failed.length) {
    out.push('## Parts that failed', '');
    for (const [part, message] of failed) out.push(`- ${part}: ${message}`);
    out.push('');
  }
  return out.join('\n');
}

// --- The strongest TF.js peer: TF.js's wasm backend with the UnsortedSegmentSum kernel registered.
// tripletrec rows come in thread counts: a train line's `threads` field (absent means 1). Each
// runtime's row is compared per triplet with the fastest TF.js wasm path of the same runtime
// (native with the fastest TF.js path measured anywhere: TF.js has no native build here).
const microseconds = (line) => (line?.triplets_per_second > 0 ? 1e6 / line.triplets_per_second : undefined);
// Per CPU second only for one-thread runs (a CPU clock of the main thread misses pool threads).
const cpuMicroseconds = (line) => ((line?.threads ?? 1) === 1 && line?.triplets_per_cpu_second > 0
  ? 1e6 / line.triplets_per_cpu_second : undefined);
const fastest = (lines) => lines.filter((l) => l?.triplets_per_second > 0)
  .sort((a, b) => b.triplets_per_second - a.triplets_per_second)[0];

/** The bilinear default (sparse Adam) train lines of one runtime: the 1-thread one (the single-threaded
 * build's) and the every-core median of the threads rows. */
function byThreads(lines) {
  const single = (lines ?? []).find((l) => l.bench === 'train' && l.model === 'bilinear' && l.optimizer === 'sparse' &&
                                           (l.threads ?? 1) === 1);
  return { single, threaded: threadedMedianLine(lines, 'bilinear') };
}

/** The threads table: per runtime and model, the medians of the interleaved pairs, their ratio,
 * and natively the machine's own ceiling (two independent one-thread trainings at once). */
function formatThreadsSection({ parts }) {
  const runtimes = [['native', parts.native], ['wasm Node (threaded build)', parts.wasm_node],
                    ['wasm Chromium (threaded build)', parts.wasm_chromium]];
  const rows = [];
  for (const [label, lines] of runtimes) {
    for (const model of ['bilinear', 'deep']) {
      const s = scalingLine(lines, model);
      if (!s) continue;
      const range = s.ratios?.length ? `${Math.min(...s.ratios).toFixed(2)}–${Math.max(...s.ratios).toFixed(2)}` : '–';
      rows.push(`| ${label} | ${model} | ${s.epochs} | ${s.pairs} | ${formatNumber(s.single_median)} | ${s.threads} | ` +
                `${formatNumber(s.threaded_median)} | **${s.ratio_median.toFixed(2)}×** (${range}) | ` +
                `${s.two_processes_ratio ? `${s.two_processes_ratio.toFixed(2)}×` : '–'} | ` +
                `${formatNumber(s.auc_single_median, 4)} → ${formatNumber(s.auc_threaded_median, 4)} |`);
    }
  }
  if (rows.length === 0) return [];
  return ['## Threads (Hogwild training on every core)', '',
    '| runtime | model | epochs | pairs | 1 thread, triplets/s | threads | every core, triplets/s | scaling: median of the pairs (range) | ' +
    'the machine: two independent 1-thread trainings at once | AUC 1 → every core (medians) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|', ...rows, '',
    'Each pair is a 1-thread and an every-core run, back to back, the order alternating; the scaling is the median of the ' +
    'pairs\' ratios. The machine column trains two independent sessions on one thread each at the same time (nothing ' +
    'shared but the hardware): what the cores give to work that shares nothing, the ceiling for the engine\'s threads. ' +
    'wasm runs the threaded build on 1 thread and on every core.', ''];
}

function formatPeerSection({ parts }) {
  const wasmNode = (parts.tfjs_wasm_node ?? []).filter((l) => l.bench === 'train');
  const wasmChromium = (parts.tfjs_wasm_chromium ?? []).filter((l) => l.bench === 'train');
  const singleChromium = wasmChromium.find((l) => l.runtime === 'tfjs-wasm-chromium');
  const isolatedChromium = wasmChromium.find((l) => l.runtime === 'tfjs-wasm-chromium-isolated');
  const cpuPaths = [
    ['TF.js CPU backend, Node, tuned', find(parts.tfjs_node, (l) => l.bench === 'train')],
    ['TF.js CPU backend, Node, plain', find(parts.tfjs_node_plain, (l) => l.bench === 'train')],
    ['TF.js CPU backend, Chromium, tuned', find(parts.tfjs_chromium, (l) => l.bench === 'train')],
  ];
  const wasmPaths = [
    ...wasmNode.map((l) => [`TF.js wasm, Node, ${l.variant}`, l]),
    [`TF.js wasm, Chromium, ${singleChromium?.variant ?? ''}`, singleChromium],
    [`TF.js wasm, Chromium cross-origin isolated (threaded build), ${isolatedChromium?.variant ?? ''}`, isolatedChromium],
  ];
  const paths = [...wasmPaths, ...cpuPaths].filter(([, line]) => line);
  if (!paths.some(([, line]) => line.backend === 'wasm')) return [];
  const checks = [...(parts.tfjs_wasm_node ?? []), ...(parts.tfjs_wasm_chromium ?? [])]
    .filter((l) => l.bench === 'tfjs_wasm_kernel_check');

  const out = ['## Against the strongest TF.js peer (wasm backend + a registered UnsortedSegmentSum)', ''];
  out.push('Stock TF.js wasm cannot train an embedding: tf.gather\'s gradient needs UnsortedSegmentSum, which the wasm ' +
           'backend lacks. The benchmark registers that scatter-add kernel by hand (bench/lib/tfjs-wasm-backend.mjs); ' +
           `self-check against the CPU backend: ${checks.length ? checks.map((c) => `${c.runtime} max |Δ| ${c.max_abs_difference} ${c.ok ? 'ok' : 'FAILED'}`).join(', ') : 'not run'}.`, '');
  out.push('| TF.js path (notebook\'s bilinear model, dense Adam, batch 64) | µs/triplet | µs/triplet, CPU | triplets/s | threads | triplets in budget | AUC then |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const [label, line] of paths) {
    out.push(`| ${label} | ${formatNumber(microseconds(line), 1)} | ${formatNumber(cpuMicroseconds(line), 1)} | ` +
             `${formatNumber(line.triplets_per_second, 0)} | ${line.threads ?? 1} | ${formatNumber(line.triplets)} | ${formatNumber(line.auc, 3)} |`);
  }
  out.push('');

  const peerNode = fastest(wasmNode);
  const peerChromiumThreaded = fastest([singleChromium, isolatedChromium]);
  const peerAnywhere = fastest([...wasmNode, singleChromium, isolatedChromium]);
  const runtimes = [['native', parts.native, peerAnywhere, 'TF.js'],
                    ['wasm, Node', parts.wasm_node, peerNode, 'TF.js wasm, Node'],
                    ['wasm, Chromium', parts.wasm_chromium, singleChromium, 'TF.js wasm, Chromium', peerChromiumThreaded]];
  out.push('| tripletrec (bilinear, default sparse Adam) | threads | µs/triplet (CPU) | TF.js peer | peer µs/triplet (CPU) | tripletrec / TF.js per triplet: wall clock (CPU time) |');
  out.push('|---|---:|---:|---|---:|---:|');
  for (const [label, lines, peer, peerLabel, threadedPeer = peer] of runtimes) {
    const { single, threaded } = byThreads(lines);
    for (const [line, against] of [[single, peer], [threaded, threadedPeer]]) {
      if (!line) continue;
      const [ours, theirs] = [microseconds(line), microseconds(against)];
      const [oursCpu, theirsCpu] = [cpuMicroseconds(line), cpuMicroseconds(against)];
      const withCpu = (wall, cpu, digits) => `${formatNumber(wall, digits)}${cpu ? ` (${formatNumber(cpu, digits)})` : ''}`;
      const peerName = paths.find(([, candidate]) => candidate === against)?.[0] ?? peerLabel;
      out.push(`| ${label} | ${line.threads ?? 1} | ${withCpu(ours, oursCpu, 3)} | ` +
               `${against ? `${peerName} (${against.threads ?? 1} thread${(against.threads ?? 1) === 1 ? '' : 's'})` : '–'} | ` +
               `${withCpu(theirs, theirsCpu, 1)} | ${ours && theirs ? ratio(theirs, ours) : '–'}` +
               `${oursCpu && theirsCpu ? ` (${ratio(theirsCpu, oursCpu)})` : ''} |`);
    }
  }
  out.push('', 'Targets (issue 12): ≥ 250× single-threaded and ≥ 400× with threads, in Chromium. Rows with more than one ' +
           'thread appear when the engine reports `threads` > 1 in its train lines; they are compared by wall clock with ' +
           'TF.js\'s fastest path of the runtime (threaded build included). CPU time: the thread\'s CPU clock (Node: the ' +
           'process\'s), robust to other processes\' load; one-thread runs only. Native has no TF.js of its own: it is ' +
           'compared with the fastest TF.js path measured.', '');
  return out;
}

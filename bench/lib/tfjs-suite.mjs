// The notebook's bilinear triplet model written with TF.js, trained on the same positives as
// tripletrec, to compare throughput: user/item embeddings 64 (Keras' uniform(-0.05, 0.05) init),
// cosine similarity (l2-normalised dot), hinge loss with margin 1, L2 1e-6 on both whole tables
// (as Keras' embeddings_regularizer), Adam(1e-3, 0.9, 0.999, 1e-7), batch 64, one uniform
// negative per positive each epoch (not filtered against the user's positives, as the notebook).
// TF.js differentiates gather into dense table gradients and Adam updates whole tables, i.e. the
// semantics of tripletrec's kerasExact mode. Takes `tf` as an argument (Node or browser build).
//
// Two variants, because TF.js's own gradients are the bottleneck on the CPU backend:
// - 'plain': tf.gather (what tf.layers.embedding does) and the L2 term in the loss. gather's
//   gradient is unsortedSegmentSum, run as one masked sum per table row (seconds per batch), and
//   sum()'s gradient broadcasts a [1,1] tensor over the table through the slow generic
//   broadcasting loop.
// - 'tuned': the same maths with custom gradients (what a performance-minded TF.js user would
//   write): lookup gradient = tf.scatterND of the batch rows into a zero table; L2 gradient =
//   2 * l2 * dy * table with a scalar dy (the fast elementwise path).
import { meanUserAuc } from './auc.mjs';
import { mulberry32 } from './generate-ratings.mjs';

const CONFIG = { dim: 64, margin: 1, l2: 1e-6, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7,
                 batchSize: 64, initScale: 0.05 };

function l2Normalize(tf, x) {
  // tf.linalg.l2_normalize: x / sqrt(max(sum(x^2), 1e-12))
  return tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), 1e-12)));
}

/** Row lookup whose gradient is the variant's (see the header). */
function makeLookup(tf, variant, indices) {
  if (variant === 'plain') return (table) => tf.gather(table, indices);
  const rows = tf.expandDims(indices, 1);
  return tf.customGrad((table, save) => ({
    value: tf.gather(table, indices),
    gradFunc: (dy) => tf.scatterND(rows, dy, table.shape),
  }));
}

/** l2 * sum(table^2), with the variant's gradient (see the header). */
function makeL2(tf, variant, l2) {
  if (variant === 'plain') return (table) => tf.mul(l2, tf.sum(tf.square(table)));
  return tf.customGrad((table, save) => ({
    value: tf.mul(l2, tf.sum(tf.square(table))),
    gradFunc: (dy) => tf.mul(table, tf.mul(tf.reshape(dy, []), 2 * l2)),
  }));
}

/** An epoch's triplets: the positives shuffled, each with a uniform random negative. */
function sampleEpoch(positives, random) {
  const n = positives.trainUsers.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; ++i) order[i] = i;
  for (let i = n - 1; i > 0; --i) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  const negatives = new Int32Array(n);
  for (let i = 0; i < n; ++i) {
    users[i] = positives.trainUsers[order[i]];
    items[i] = positives.trainItems[order[i]];
    negatives[i] = Math.floor(random() * positives.items);
  }
  return { users, items, negatives };
}

/**
 * options: { tf, positives (extractPositives), maxEpochs, maxSeconds, seed, cpuSeconds?, log }.
 * Trains until maxEpochs are done or maxSeconds have passed (checked after every batch).
 * cpuSeconds (optional, async): CPU time of the thread TF.js runs on, as in wasm-suite.mjs, for the
 * rate per CPU second (robust to other processes' load).
 */
export async function runTfjsSuite({ tf, positives, variant = 'tuned', maxEpochs = 1, maxSeconds = 60, seed = 42,
                                    cpuSeconds, log = () => {} }) {
  const random = mulberry32(seed);
  const userTable = tf.variable(tf.randomUniform([positives.users, CONFIG.dim], -CONFIG.initScale, CONFIG.initScale, 'float32', seed));
  const itemTable = tf.variable(tf.randomUniform([positives.items, CONFIG.dim], -CONFIG.initScale, CONFIG.initScale, 'float32', seed + 1));
  const optimizer = tf.train.adam(CONFIG.learningRate, CONFIG.beta1, CONFIG.beta2, CONFIG.epsilon);

  const l2Of = makeL2(tf, variant, CONFIG.l2);
  const lossOf = (users, items, negatives) => () => {
    const user = l2Normalize(tf, makeLookup(tf, variant, users)(userTable));
    const positive = tf.sum(tf.mul(user, l2Normalize(tf, makeLookup(tf, variant, items)(itemTable))), 1);
    const negative = tf.sum(tf.mul(user, l2Normalize(tf, makeLookup(tf, variant, negatives)(itemTable))), 1);
    const hinge = tf.mean(tf.relu(tf.add(tf.sub(negative, positive), CONFIG.margin)));
    const regulariser = tf.add(l2Of(userTable), l2Of(itemTable));
    return tf.add(hinge, regulariser);
  };

  const cpuStart = await cpuSeconds?.();
  const start = performance.now() / 1000;
  const elapsed = () => performance.now() / 1000 - start;
  let triplets = 0;
  let batches = 0;
  const epochLosses = [];
  let epochsCompleted = 0;
  let stoppedByTime = false;
  for (let epoch = 0; epoch < maxEpochs && !stoppedByTime; ++epoch) {
    const epochData = sampleEpoch(positives, random);
    const n = epochData.users.length;
    let lossSum = 0;
    let epochBatches = 0;
    for (let begin = 0; begin < n; begin += CONFIG.batchSize) {
      const end = Math.min(n, begin + CONFIG.batchSize);
      const loss = tf.tidy(() => optimizer.minimize(lossOf(
        tf.tensor1d(epochData.users.subarray(begin, end), 'int32'),
        tf.tensor1d(epochData.items.subarray(begin, end), 'int32'),
        tf.tensor1d(epochData.negatives.subarray(begin, end), 'int32')), true));
      lossSum += (await loss.data())[0];
      loss.dispose();
      triplets += end - begin;
      ++batches;
      ++epochBatches;
      if (elapsed() > maxSeconds) { stoppedByTime = end < n; break; }
    }
    epochLosses.push(lossSum / epochBatches);
    if (!stoppedByTime) ++epochsCompleted;
  }
  const seconds = elapsed();
  const cpuTrained = await cpuSeconds?.();

  // AUC of the model as trained (JS metric, same definition as the engine's).
  const evalStart = performance.now() / 1000;
  const scores = tf.tidy(() => tf.matMul(l2Normalize(tf, userTable), l2Normalize(tf, itemTable), false, true));
  const scoreData = await scores.data();
  scores.dispose();
  const evaluation = meanUserAuc(scoreData, positives);
  const evalSeconds = performance.now() / 1000 - evalStart;

  userTable.dispose();
  itemTable.dispose();
  optimizer.dispose();
  const result = {
    bench: 'train', model: 'bilinear', optimizer: 'tfjs_adam_dense', variant, backend: tf.getBackend(),
    tfjs_version: tf.version?.tfjs ?? tf.version_core, epochs: epochsCompleted, batches, triplets,
    stopped_by_time_limit: stoppedByTime, max_seconds: maxSeconds, seconds,
    triplets_per_second: triplets / seconds,
    ...(cpuSeconds ? { cpu_seconds: cpuTrained - cpuStart, triplets_per_cpu_second: triplets / (cpuTrained - cpuStart) } : {}), epoch_losses: epochLosses,
    auc: evaluation.auc, eval_users: evaluation.users, eval_seconds: evalSeconds,
    auc_note: 'JS implementation of the engine AUC definition (bench/lib/auc.mjs)',
  };
  log(result);
  return result;
}

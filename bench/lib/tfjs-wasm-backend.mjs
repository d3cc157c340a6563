// TF.js's WebAssembly backend (@tensorflow/tfjs-backend-wasm), made able to train embeddings.
//
// Stock TF.js wasm cannot train an embedding table: the gradient of tf.gather (what
// tf.layers.embedding does) is tf.unsortedSegmentSum, and the wasm backend registers no kernel
// for it ("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'"). The benchmark
// registers that one scatter-add kernel here, by hand, on the wasm backend's own memory: the
// output is a tensor the backend allocates on its wasm heap (backend.makeOutput), and the
// kernel adds each input row into the output row its segment id names. Everything else (the
// gather, cosine, hinge, Adam) runs on the backend's stock kernels.
// Takes `tf` as an argument (the Node build or the browser bundle; the wasm backend must be
// imported already so that tf.findBackend('wasm') exists after tf.setBackend('wasm')).

/**
 * TF's UnsortedSegmentSum: out[s, ...] = sum of x[i, ...] over every i with segmentIds[i] == s,
 * for s in [0, numSegments); ids outside that range are dropped (TF's semantics). segmentIds may
 * have any rank r: the first r dimensions of x are its positions, the rest is one row.
 */
function unsortedSegmentSumWasm({ inputs, backend, attrs }) {
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs;
  const idCount = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = rowShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  // Views of the heap, taken after the output's allocation (which may grow wasm memory).
  const outValues = backend.typedArrayFromHeap(out);
  const xValues = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  outValues.fill(0);  // the backend's malloc does not clear
  for (let i = 0; i < idCount; ++i) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * rowSize;
    const to = segment * rowSize;
    for (let k = 0; k < rowSize; ++k) outValues[to + k] += xValues[from + k];
  }
  return out;
}

/** Registers the kernel once (a second call, or a TF.js that has its own, leaves it as is). */
export function registerUnsortedSegmentSum(tf) {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return false;
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm });
  return true;
}

/**
 * The self-check the benchmark prints: the gradient of a small gather-based loss (duplicate ids,
 * a 2-D id tensor, the path tf.layers.embedding takes) on the wasm backend against the CPU
 * backend, and a direct unsortedSegmentSum call with an out-of-range id. Returns the largest
 * absolute difference and whether it is within float rounding.
 */
export async function checkUnsortedSegmentSum(tf) {
  const previous = tf.getBackend();
  const table = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [1.0, -1.1, 1.2], [0.05, 0.15, -0.25]];
  const ids = [[0, 2, 2], [4, 0, 1]];         // duplicates: their rows must add up
  const weights = [[1, 2, 3], [-1, 0.5, 4]];
  const segmentX = [[1, 2], [3, 4], [5, 6], [7, 8]];
  const segmentIds = [2, -1, 2, 5];            // -1 and 5 (>= 3 segments) are dropped
  const run = async (backend) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const variable = tf.tensor2d(table);
      const idTensor = tf.tensor2d(ids, undefined, 'int32');
      const weightTensor = tf.tensor2d(weights);
      const gradient = tf.grad((t) => tf.sum(tf.mul(tf.sum(tf.gather(t, idTensor), 2), weightTensor)))(variable);
      const segmentSum = tf.unsortedSegmentSum(tf.tensor2d(segmentX), tf.tensor1d(segmentIds, 'int32'), 3);
      return [...gradient.dataSync(), ...segmentSum.dataSync()];
    });
  };
  try {
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    const maxAbsDifference = cpu.reduce((max, value, i) => Math.max(max, Math.abs(value - wasm[i])), 0);
    return { bench: 'tfjs_wasm_kernel_check', kernel: 'UnsortedSegmentSum', reference: 'cpu backend',
             values: cpu.length, max_abs_difference: maxAbsDifference, ok: maxAbsDifference <= 1e-6 };
  } finally {
    await tf.setBackend(previous);
  }
}

/**
 * Switches `tf` to the wasm backend with the kernel registered and checked; throws when the check
 * fails (a wrong gradient would make every throughput figure meaningless). options.threads: the
 * pool size (only the threaded SIMD build, i.e. a cross-origin isolated page, has a pool; TF.js
 * runs wasm single-threaded in Node). Returns the check, the thread count and the build used.
 */
export async function useWasmBackend(tf, { threads: wantedThreads } = {}) {
  registerUnsortedSegmentSum(tf);
  // TF.js's default pool is half the logical cores (1 on a 2-core machine); set it before init.
  if (wantedThreads !== undefined) tf.wasm.setThreadsCount(wantedThreads);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js could not initialise the wasm backend');
  const check = await checkUnsortedSegmentSum(tf);
  if (!check.ok) throw new Error(`UnsortedSegmentSum on wasm differs from the CPU backend by ${check.max_abs_difference}`);
  const threads = tf.wasm?.getThreadsCount?.() ?? tf.backend().wasm.tfjs.getThreadsCount();
  const build = { simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
                  threaded: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') };
  return { check, threads, build };
}

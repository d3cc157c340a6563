// The engine's hand-written float kernels: the reductions (dot products, the cosine triplet's
// sums) and the matrix products (the MLP, the scoring products), plus dropout masks. Everything
// else (parameter storage, element-wise math, Adam) is Eigen (linalg.hpp).
//
// Why these stay hand-written: a model must have the same bits natively and in wasm, so every sum
// must run in the same order in both builds. Element-wise Eigen code does (any vector width gives
// the same bits), but Eigen's reductions and products sum in an order that follows the packet
// width (8 floats with AVX natively, 4 in wasm) and the detected caches. Here reductions use a
// fixed set of eight lane accumulators summed in a fixed order, and every gemm element sums over
// p in increasing order whatever the blocking, so the compiler vectorises them at any width
// without reassociating (no -ffast-math) and both builds produce the same bits.
// Measured (npm run bench:kernels: bench/eigen_vs_kernels.cpp on the models' shapes, each pair
// interleaved in one process, best of 41 runs; 2-core EPYC, load average 17-20): Eigen's noalias
// products take, per call, relative to these kernels, in wasm (Node / Chromium): MLP forward
// 128x96 * 96x128 1.84x / 1.73x, backward dW 1.75x / 1.67x, backward d input 1.90x / 1.88x,
// scoring 56x64 * 64x293 1.59x / 1.63x: far beyond the 10% that would let Eigen replace them.
// Natively (AVX-512 with FMA, whose bits wasm cannot reproduce) 0.89x, 1.08x, 1.02x and 0.50x:
// giving up bit parity for Eigen would gain nothing on the MLP in either build.
#pragma once
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

// Clang 14's wasm cost model rejects vectorising float compare-and-select loops (the relu
// gradients), which run 4x faster vectorised: ask for it explicitly. (Those loops load both select
// operands first: `c ? g[k] : 0` alone is a conditional load, vectorised as four branches.)
#if defined(__clang__)
#define TRIPLETREC_VECTORIZE _Pragma("clang loop vectorize(enable)")
#else
#define TRIPLETREC_VECTORIZE
#endif

namespace tripletrec::kernels {

constexpr int kLanes = 8;

inline float sum_lanes(const float* acc) {
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Sum of a[i] * b[i].
inline float dot(const float* a, const float* b, int n) {
  float acc[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += a[i + l] * b[i + l];
  for (int l = 0; i < n; ++i, ++l) acc[l] += a[i] * b[i];
  return sum_lanes(acc);
}

inline float sum_squares(const float* a, int n) { return dot(a, a, n); }

// The five reductions of a cosine triplet in one pass over the three rows:
// |u|^2, |p|^2, |n|^2, u.p, u.n.
struct TripletSums {
  float uu, pp, nn, up, un;
};
#if defined(__wasm_simd128__)
namespace detail {
// sum_lanes() of the eight lanes lo = acc[0..3], hi = acc[4..7], in its order:
// ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)).
inline float sum_lanes(v128_t lo, v128_t hi) {
  const v128_t pairs = wasm_f32x4_add(wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6), wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7));
  const v128_t halves = wasm_f32x4_add(wasm_i32x4_shuffle(pairs, pairs, 0, 2, 0, 2), wasm_i32x4_shuffle(pairs, pairs, 1, 3, 1, 3));
  return wasm_f32x4_extract_lane(halves, 0) + wasm_f32x4_extract_lane(halves, 1);
}
}  // namespace detail
#endif

inline TripletSums triplet_sums(const float* u, const float* p, const float* q, int n) {
#if defined(__wasm_simd128__)
  // The loop below with its eight lanes as two f32x4 per sum, and the lanes summed in registers
  // (clang 14 keeps them in registers in the loop, then writes them to the stack and sums them
  // with 40 scalar loads): the same bits. This function is a fifth of bilinear training in wasm;
  // without this path bilinear training ran at 0.98x (median of 31 interleaved epochs, CPU time,
  // Node, load average 8.5-8.7; 0.996x as the median of the per-turn ratios).
  if (n % kLanes == 0) {
    v128_t uu0 = wasm_f32x4_splat(0.0f), uu1 = uu0, pp0 = uu0, pp1 = uu0, qq0 = uu0, qq1 = uu0, up0 = uu0,
           up1 = uu0, uq0 = uu0, uq1 = uu0;
    for (int i = 0; i < n; i += kLanes) {
      const v128_t a0 = wasm_v128_load(u + i), a1 = wasm_v128_load(u + i + 4);
      const v128_t b0 = wasm_v128_load(p + i), b1 = wasm_v128_load(p + i + 4);
      const v128_t c0 = wasm_v128_load(q + i), c1 = wasm_v128_load(q + i + 4);
      uu0 = wasm_f32x4_add(uu0, wasm_f32x4_mul(a0, a0));
      uu1 = wasm_f32x4_add(uu1, wasm_f32x4_mul(a1, a1));
      pp0 = wasm_f32x4_add(pp0, wasm_f32x4_mul(b0, b0));
      pp1 = wasm_f32x4_add(pp1, wasm_f32x4_mul(b1, b1));
      qq0 = wasm_f32x4_add(qq0, wasm_f32x4_mul(c0, c0));
      qq1 = wasm_f32x4_add(qq1, wasm_f32x4_mul(c1, c1));
      up0 = wasm_f32x4_add(up0, wasm_f32x4_mul(a0, b0));
      up1 = wasm_f32x4_add(up1, wasm_f32x4_mul(a1, b1));
      uq0 = wasm_f32x4_add(uq0, wasm_f32x4_mul(a0, c0));
      uq1 = wasm_f32x4_add(uq1, wasm_f32x4_mul(a1, c1));
    }
    return {detail::sum_lanes(uu0, uu1), detail::sum_lanes(pp0, pp1), detail::sum_lanes(qq0, qq1),
            detail::sum_lanes(up0, up1), detail::sum_lanes(uq0, uq1)};
  }
#endif
  float uu[kLanes] = {}, pp[kLanes] = {}, qq[kLanes] = {}, up[kLanes] = {}, uq[kLanes] = {};
  int i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const float a = u[i + l], b = p[i + l], c = q[i + l];
      uu[l] += a * a;
      pp[l] += b * b;
      qq[l] += c * c;
      up[l] += a * b;
      uq[l] += a * c;
    }
  for (int l = 0; i < n; ++i, ++l) {
    const float a = u[i], b = p[i], c = q[i];
    uu[l] += a * a;
    pp[l] += b * b;
    qq[l] += c * c;
    up[l] += a * b;
    uq[l] += a * c;
  }
  return {sum_lanes(uu), sum_lanes(pp), sum_lanes(qq), sum_lanes(up), sum_lanes(uq)};
}

// The bilinear model's row gradients (64-float rows). As Eigen expressions over row maps, bilinear
// training in wasm ran at 0.89x (Node) and 0.82x (Chromium) of the pre-Eigen engine; with these
// loops 0.95x and 0.90x (npm run bench:compare, 3 interleaved rounds each, load average 0.5-2.5,
// 2-core EPYC; native 1.00x either way). Same element order as the expressions, same bits.
inline void axpy(float a, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}
inline void axpy3(float a, const float* x, float b, const float* z, float c, const float* w, float* y,
                  int n) {
  for (int i = 0; i < n; ++i) y[i] += (a * x[i] + b * z[i]) + c * w[i];
}

// The cosine triplet's three row gradients (the bilinear model's backward step) in one pass:
//   du += (a_u * p + b_u * q) + c_u * u
//   dp += (a_p * u + b_p * p) + 0 * p
//   dq += (a_q * u + b_q * q) + 0 * q
// element by element in this order: the bits of three axpy3 calls, also when dp and dq are the
// same row (a negative drawn equal to the positive). In wasm one loop reads u, p and q once
// (three axpy3 loops instead: bilinear training at 0.97x, per-turn median 0.997x; measured as
// triplet_sums' path above).
inline void cosine_triplet_gradients(const float* u, const float* p, const float* q, float a_u, float b_u, float c_u,
                                     float a_p, float b_p, float a_q, float b_q, float* du, float* dp, float* dq,
                                     int n) {
#if defined(__wasm_simd128__)
  if (n % 4 == 0) {
    const v128_t au = wasm_f32x4_splat(a_u), bu = wasm_f32x4_splat(b_u), cu = wasm_f32x4_splat(c_u);
    const v128_t ap = wasm_f32x4_splat(a_p), bp = wasm_f32x4_splat(b_p);
    const v128_t aq = wasm_f32x4_splat(a_q), bq = wasm_f32x4_splat(b_q);
    const v128_t zero = wasm_f32x4_splat(0.0f);
    for (int i = 0; i < n; i += 4) {
      const v128_t x = wasm_v128_load(u + i), y = wasm_v128_load(p + i), z = wasm_v128_load(q + i);
      const v128_t gu = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(au, y), wasm_f32x4_mul(bu, z)), wasm_f32x4_mul(cu, x));
      const v128_t gp = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(ap, x), wasm_f32x4_mul(bp, y)), wasm_f32x4_mul(zero, y));
      const v128_t gq = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(aq, x), wasm_f32x4_mul(bq, z)), wasm_f32x4_mul(zero, z));
      wasm_v128_store(du + i, wasm_f32x4_add(wasm_v128_load(du + i), gu));
      wasm_v128_store(dp + i, wasm_f32x4_add(wasm_v128_load(dp + i), gp));
      wasm_v128_store(dq + i, wasm_f32x4_add(wasm_v128_load(dq + i), gq));  // after dp's store: dq may be dp
    }
    return;
  }
#endif
  axpy3(a_u, p, b_u, q, c_u, u, du, n);
  axpy3(a_p, u, b_p, p, 0.0f, p, dp, n);
  axpy3(a_q, u, b_q, q, 0.0f, q, dq, n);
}

inline void copy(const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = x[i];
}

// y[0, n) = 0. In wasm as vector stores kept inline (no_builtin: clang would turn this loop back
// into a call to Emscripten's memset): Eigen's setZero() on a gradient row was three memset calls
// (head, aligned body, tail), which with the call into RowGradients::row took ~8% of bilinear
// training in wasm (Node --cpu-prof).
#if defined(__clang__)
__attribute__((no_builtin("memset")))
#endif
inline void zero(float* y, int n) {
#if defined(__wasm_simd128__)
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_splat(0.0f));
  for (; i < n; ++i) y[i] = 0.0f;
#else
  for (int i = 0; i < n; ++i) y[i] = 0.0f;
#endif
}

// C[r][j] += sum_p a(r, p) * B[p][j] for r < rows, j < cols, with a(r, p) = A[r * a_row + p * a_col]
// (so A may be read transposed). Every C element sums over p in increasing order, whatever the
// blocking, so results do not depend on the block sizes or on the instruction set. Register
// blocks keep the accumulators in vector registers: 4 rows x 32 columns with AVX2 (16 x 8 floats).
// wasm has 4-float vectors and V8 on x64 gives it 16 registers: 2 x 16 there (8 accumulators and
// 4 B vectors), written with intrinsics (4 x 32 spills, ~1.4x slower on the deep model's shapes;
// the intrinsics run ~15% faster than the same block left to the autovectoriser).
namespace detail {
#if defined(__wasm_simd128__)
constexpr int kBlockRows = 2, kBlockCols = 16;

template <int R, bool accumulate>
inline void gemm_block(const float* A, int a_row, int a_col, const float* B, int ldb, float* C, int ldc,
                       int depth) {
  constexpr int V = kBlockCols / 4;
  v128_t acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = accumulate ? wasm_v128_load(C + r * ldc + 4 * v) : wasm_f32x4_splat(0.0f);
  const float* a = A;
  const float* b = B;
  for (int p = 0; p < depth; ++p, a += a_col, b += ldb) {
    v128_t bv[V];
    for (int v = 0; v < V; ++v) bv[v] = wasm_v128_load(b + 4 * v);
    for (int r = 0; r < R; ++r) {
      const v128_t av = wasm_v128_load32_splat(a + r * a_row);
      for (int v = 0; v < V; ++v) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(av, bv[v]));
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) wasm_v128_store(C + r * ldc + 4 * v, acc[r][v]);
}
#else
constexpr int kBlockRows = 4, kBlockCols = 32;

template <int R, bool accumulate>
inline void gemm_block(const float* A, int a_row, int a_col, const float* B, int ldb, float* C, int ldc,
                       int depth) {
  float acc[R][kBlockCols];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < kBlockCols; ++j) acc[r][j] = accumulate ? C[r * ldc + j] : 0.0f;
  for (int p = 0; p < depth; ++p) {
    const float* b = B + static_cast<std::size_t>(p) * ldb;
    for (int r = 0; r < R; ++r) {
      const float a = A[r * a_row + p * a_col];
      for (int j = 0; j < kBlockCols; ++j) acc[r][j] += a * b[j];
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < kBlockCols; ++j) C[r * ldc + j] = acc[r][j];
}
#endif

// Columns past the last full block, one at a time (same summation order).
template <bool accumulate>
inline void gemm_tail(const float* A, int a_row, int a_col, const float* B, int ldb, float* C, int ldc,
                      int rows, int depth, int cols) {
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < cols; ++j) {
      float c = accumulate ? C[r * ldc + j] : 0.0f;
      for (int p = 0; p < depth; ++p) c += A[r * a_row + p * a_col] * B[static_cast<std::size_t>(p) * ldb + j];
      C[r * ldc + j] = c;
    }
}

template <bool accumulate>
inline void gemm(const float* A, int a_row, int a_col, const float* B, int ldb, float* C, int ldc, int rows,
                 int depth, int cols) {
  const int full_cols = cols / kBlockCols * kBlockCols;
  for (int j0 = 0; j0 < full_cols; j0 += kBlockCols) {
    int r0 = 0;
    for (; r0 + kBlockRows <= rows; r0 += kBlockRows)
      gemm_block<kBlockRows, accumulate>(A + r0 * a_row, a_row, a_col, B + j0, ldb, C + r0 * ldc + j0, ldc, depth);
    for (; r0 < rows; ++r0)
      gemm_block<1, accumulate>(A + r0 * a_row, a_row, a_col, B + j0, ldb, C + r0 * ldc + j0, ldc, depth);
  }
  if (full_cols < cols)
    gemm_tail<accumulate>(A, a_row, a_col, B + full_cols, ldb, C + full_cols, ldc, rows, depth, cols - full_cols);
}
}  // namespace detail

inline void gemm_add(const float* A, int a_row, int a_col, const float* B, int ldb, float* C, int ldc, int rows,
                     int depth, int cols) {
  detail::gemm<true>(A, a_row, a_col, B, ldb, C, ldc, rows, depth, cols);
}

// C = 0 + sum_p a(r, p) * B[p][j]: the same bits as zeroing C and calling gemm_add, without the
// extra pass over C.
inline void gemm_set(const float* A, int a_row, int a_col, const float* B, int ldb, float* C, int ldc, int rows,
                     int depth, int cols) {
  detail::gemm<false>(A, a_row, a_col, B, ldb, C, ldc, rows, depth, cols);
}

// Inverted dropout (as Keras) on one layer input: mask[k] = 0 with probability p, else 1 / (1 - p).
// Decisions come from a counter-based hash of (seed, element index), p resolved to 2^-24:
// integer-only and independent per element, so the loops vectorise (i32x4 / AVX2) and every build
// draws the same masks from the same seed.
inline std::uint32_t hash32(std::uint32_t x) {  // "lowbias32" (C. Wellons): bijective, good avalanche
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

class Dropout {
 public:
  // The seed picks an odd multiplier and an offset: different seeds give different sequences of
  // hash inputs, not shifted copies of one sequence.
  Dropout(std::uint64_t seed, float p)
      : stride_(static_cast<std::uint32_t>(seed >> 32) | 1u), offset_(static_cast<std::uint32_t>(seed)),
        threshold_(static_cast<std::int32_t>(std::ceil(static_cast<double>(p) * (1 << 24)))),
        keep_(1.0f / (1.0f - p)) {}

  // The multiplier of element k: kept when the top 24 hash bits are >= threshold.
  float multiplier(std::uint32_t k) const {
    const auto bits = static_cast<std::int32_t>(hash32(k * stride_ + offset_) >> 8);
    return bits >= threshold_ ? keep_ : 0.0f;
  }

  // Elements first .. first + n: dst[k] = src[k] * mask[k], mask written too.
  void apply(std::uint32_t first, const float* __restrict src, float* __restrict dst, float* __restrict mask,
             int n) const {
    for (int k = 0; k < n; ++k) {
      const float m = multiplier(first + static_cast<std::uint32_t>(k));
      mask[k] = m;
      dst[k] = src[k] * m;
    }
  }

  // In place after a hidden layer: x[k] = relu(x[k]) * mask[k] for elements 0 .. n.
  void apply_after_relu(float* __restrict x, float* __restrict mask, std::size_t n) const {
    const auto count = static_cast<std::uint32_t>(n);
    for (std::uint32_t k = 0; k < count; ++k) {
      const float m = multiplier(k);
      mask[k] = m;
      x[k] = (x[k] > 0.0f ? x[k] : 0.0f) * m;
    }
  }

 private:
  std::uint32_t stride_, offset_;
  std::int32_t threshold_;
  float keep_;
};

// Backward through dropout: g[k] *= mask[k].
inline void mul(float* __restrict g, const float* __restrict mask, int n) {
  for (int k = 0; k < n; ++k) g[k] *= mask[k];
}

// value where x > 0, else +0: a compare turned into a bit mask, which GCC and clang both
// vectorise (GCC 12 built for AVX2 without AVX-512 left a float select as a scalar branch, a
// third of the deep model's backward pass in a perf profile).
inline float keep_where_positive(float value, float x) {
  const std::uint32_t keep = 0u - static_cast<std::uint32_t>(x > 0.0f);
  return std::bit_cast<float>(std::bit_cast<std::uint32_t>(value) & keep);
}

// Backward through a hidden layer's relu and the dropout after it, x being what the next layer
// saw (relu(z) * mask): g[k] = x[k] > 0 ? g[k] * mask[k] : 0.
inline void relu_dropout_backward(float* __restrict g, const float* __restrict x, const float* __restrict mask,
                                  int n) {
  TRIPLETREC_VECTORIZE
  for (int k = 0; k < n; ++k) g[k] = keep_where_positive(g[k] * mask[k], x[k]);
}

// The same without dropout: g[k] = x[k] > 0 ? g[k] : 0.
inline void relu_backward(float* __restrict g, const float* __restrict x, int n) {
  TRIPLETREC_VECTORIZE
  for (int k = 0; k < n; ++k) g[k] = keep_where_positive(g[k], x[k]);
}

// Whether the deep model's scoring uses relu_dense_to_one. In wasm the fused pass made deep
// evaluation 1.2-1.4x faster (CPU time, Node and Chromium); natively GCC 12 turns its block into
// shuffles (deep evaluation 60 ms CPU against 40 ms for relu, then gemm_add on an L1 chunk, which
// gives the same bits).
#if defined(__wasm_simd128__)
constexpr bool kFusedReluDense = true;
#else
constexpr bool kFusedReluDense = false;
#endif

// A hidden layer into a single-output layer, for `cols` items at once (the deep model's scoring):
// out[i] = bias + sum_p w[p] * relu(Z[p][i] + add[p]), p in increasing order: the same sums as
// writing relu(Z + add) out and calling gemm_add on it (bias first), without the pass through
// memory. In blocks of 16 items whose accumulators stay in registers at any vector width.
inline void relu_dense_to_one(const float* Z, int ldz, const float* add, const float* w, float bias, int depth,
                              float* out, int cols) {
  constexpr int kBlock = 16;
  int i0 = 0;
  for (; i0 + kBlock <= cols; i0 += kBlock) {
    float acc[kBlock];
    for (int i = 0; i < kBlock; ++i) acc[i] = bias;
    for (int p = 0; p < depth; ++p) {
      const float* z = Z + static_cast<std::size_t>(p) * ldz + i0;
      const float a = add[p], wp = w[p];
      TRIPLETREC_VECTORIZE
      for (int i = 0; i < kBlock; ++i) {
        const float x = z[i] + a;
        acc[i] += wp * keep_where_positive(x, x);
      }
    }
    for (int i = 0; i < kBlock; ++i) out[i0 + i] = acc[i];
  }
  for (int i = i0; i < cols; ++i) {
    float acc = bias;
    for (int p = 0; p < depth; ++p) {
      const float x = Z[static_cast<std::size_t>(p) * ldz + i] + add[p];
      acc += w[p] * keep_where_positive(x, x);
    }
    out[i] = acc;
  }
}

// Dense layer forward for `rows` samples: out[s][j] = bias[j] + sum_k in[s][k] * W[k][j]
// (W is in_dim x out_dim, row-major as Keras' kernel). The single-output layer is a dot product.
inline void dense_forward(const float* in, int in_dim, const float* W, const float* bias, int out_dim,
                          float* out, int rows) {
  if (out_dim == 1) {
    for (int s = 0; s < rows; ++s) out[s] = bias[0] + dot(in + static_cast<std::size_t>(s) * in_dim, W, in_dim);
    return;
  }
  for (int s = 0; s < rows; ++s) copy(bias, out + static_cast<std::size_t>(s) * out_dim, out_dim);
  gemm_add(in, in_dim, 1, W, out_dim, out, out_dim, rows, in_dim, out_dim);
}

}  // namespace tripletrec::kernels

#include "adam.hpp"

#include <cmath>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace tripletrec {

Adam::Adam(const OptimizerConfig& config) : config_(config) {}

float Adam::begin_step() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++step_;
  beta1_power_ *= config_.beta1;
  beta2_power_ *= config_.beta2;
  return static_cast<float>(config_.learning_rate * std::sqrt(1.0 - beta2_power_) / (1.0 - beta1_power_));
}

std::int64_t Adam::step() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return step_;
}

// Fused scalar loops (the compiler vectorises them): one pass reads and writes w, m and v once.
// Written as Eigen array expressions (m, v, then w: three passes over each row, the L2 gradient
// computed in two of them), Adam took 2.3x the time of these loops on a batch's 192 sparse
// 64-float rows and 2.5x on a dense 96 x 128 kernel in wasm under Node, 3.0x and 2.6x in Chromium
// (npm run bench:kernels, interleaved in one process, load average 17-20; same bits). Natively
// 10x and 17x: Eigen 3.4 vectorises float sqrt on AVX-512 only with EIGEN_FAST_MATH (its
// approximation, which the engine excludes), so the whole expression runs scalar.
void Adam::update(float lr, float* w, const float* g, float* m, float* v, std::size_t n) const {
  const float b1 = config_.beta1, b2 = config_.beta2, c1 = 1.0f - b1, c2 = 1.0f - b2;
  const float eps = config_.epsilon;
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = g[i];
    m[i] = b1 * m[i] + c1 * gi;
    v[i] = b2 * v[i] + c2 * (gi * gi);
    w[i] -= lr * m[i] / (std::sqrt(v[i]) + eps);
  }
}

void Adam::update_l2(float lr, float* w, const float* g, float l2, float* m, float* v, std::size_t n) const {
  const float b1 = config_.beta1, b2 = config_.beta2, c1 = 1.0f - b1, c2 = 1.0f - b2;
  const float eps = config_.epsilon, two_l2 = 2.0f * l2;
#if defined(__wasm_simd128__)
  // The loop below written in f32x4 (same operations, same order, same bits): clang 14's version
  // checks the four rows for overlap on every call and reloads m and w after storing them. With
  // clang's loop, bilinear training in wasm ran at 0.96x (median of 31 interleaved epochs, CPU
  // time, Node, load average 8.5-8.7; 0.98x as the median of the per-turn ratios).
  if (n % 4 == 0) {
    const v128_t vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2), vc1 = wasm_f32x4_splat(c1),
                 vc2 = wasm_f32x4_splat(c2), veps = wasm_f32x4_splat(eps), vl2 = wasm_f32x4_splat(two_l2),
                 vlr = wasm_f32x4_splat(lr);
    for (std::size_t i = 0; i < n; i += 4) {
      const v128_t wi = wasm_v128_load(w + i);
      const v128_t gi = wasm_f32x4_add(wasm_v128_load(g + i), wasm_f32x4_mul(vl2, wi));
      const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + i)), wasm_f32x4_mul(vc1, gi));
      const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + i)), wasm_f32x4_mul(vc2, wasm_f32x4_mul(gi, gi)));
      wasm_v128_store(m + i, mi);
      wasm_v128_store(v + i, vi);
      wasm_v128_store(w + i, wasm_f32x4_sub(wi, wasm_f32x4_div(wasm_f32x4_mul(vlr, mi), wasm_f32x4_add(wasm_f32x4_sqrt(vi), veps))));
    }
    return;
  }
  // Rows of other widths: left scalar here (clang's vectorised copy with its overlap checks would
  // only add download size to the wasm build).
#pragma clang loop vectorize(disable) interleave(disable)
#endif
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = g[i] + two_l2 * w[i];
    m[i] = b1 * m[i] + c1 * gi;
    v[i] = b2 * v[i] + c2 * (gi * gi);
    w[i] -= lr * m[i] / (std::sqrt(v[i]) + eps);
  }
}

void Adam::update_no_grad(float lr, float* w, float l2, float* m, float* v, std::size_t n) const {
  const float b1 = config_.beta1, b2 = config_.beta2, c1 = 1.0f - b1, c2 = 1.0f - b2;
  const float eps = config_.epsilon, two_l2 = 2.0f * l2;
  for (std::size_t i = 0; i < n; ++i) {
    const float gi = two_l2 * w[i];
    m[i] = b1 * m[i] + c1 * gi;
    v[i] = b2 * v[i] + c2 * (gi * gi);
    w[i] -= lr * m[i] / (std::sqrt(v[i]) + eps);
  }
}

void RowGradients::reset(std::int32_t table_rows, int dim) {
  dim_ = dim;
  slot_.assign(static_cast<std::size_t>(table_rows), -1);
  rows_.clear();
  grads_.clear();
  count_ = 0;
}

void RowGradients::reserve(int max_rows) {
  if (rows_.size() < static_cast<std::size_t>(max_rows)) rows_.resize(static_cast<std::size_t>(max_rows));
  if (grads_.size() < static_cast<std::size_t>(max_rows) * dim_)
    grads_.resize(static_cast<std::size_t>(max_rows) * dim_);
}

void RowGradients::grow() { reserve(2 * count_ + 1); }

const float* RowGradients::find(std::int32_t table_row) const {
  const std::int32_t slot = slot_[static_cast<std::size_t>(table_row)];
  return slot < 0 ? nullptr : grads_.data() + static_cast<std::size_t>(slot) * dim_;
}

void RowGradients::clear() {
  for (int k = 0; k < count_; ++k) slot_[static_cast<std::size_t>(rows_[static_cast<std::size_t>(k)])] = -1;
  count_ = 0;
}

namespace {
// A row's weights and moments are asked for, for writing, two rows ahead of their update: on
// several threads the shared rows are often in the other core's cache, and the update of one row
// is too short to hide that wait. Measured on 2 threads (anime, 3 alternations of 3 pairs): deep
// 1.17-1.20 against 1.08-1.15 M triplets/s without it, bilinear 8.18-8.74 against 8.23-8.45 M.
// (A hint: the same bits.)
constexpr int kPrefetchRows = 2;
inline void prefetch_row(const float* table, const AdamMoments& moments, std::size_t offset, std::size_t dim) {
  for (std::size_t i = 0; i < dim; i += 16) {
    __builtin_prefetch(table + offset + i, 1);
    __builtin_prefetch(moments.m.data() + offset + i, 1);
    __builtin_prefetch(moments.v.data() + offset + i, 1);
  }
}
}  // namespace

void apply_embedding_update(const Adam& adam, float lr, bool keras_exact, float l2, float* table,
                            std::int32_t table_rows, AdamMoments& moments, RowGradients& grads) {
  const std::size_t dim = static_cast<std::size_t>(grads.dim());
  if (!keras_exact) {
    const int count = grads.count();
    for (int k = 0; k < count; ++k) {
      if (k + kPrefetchRows < count) prefetch_row(table, moments, static_cast<std::size_t>(grads.table_row(k + kPrefetchRows)) * dim, dim);
      const std::size_t offset = static_cast<std::size_t>(grads.table_row(k)) * dim;
      adam.update_l2(lr, table + offset, grads.grad(k), l2, moments.m.data() + offset,
                     moments.v.data() + offset, dim);
    }
  } else {
    for (std::int32_t r = 0; r < table_rows; ++r) {
      const std::size_t offset = static_cast<std::size_t>(r) * dim;
      float* m = moments.m.data() + offset;
      float* v = moments.v.data() + offset;
      if (const float* g = grads.find(r))
        adam.update_l2(lr, table + offset, g, l2, m, v, dim);
      else
        adam.update_no_grad(lr, table + offset, l2, m, v, dim);
    }
  }
  grads.clear();
}

}  // namespace tripletrec

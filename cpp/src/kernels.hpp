// The engine's hot float loops. Reductions use a fixed set of eight independent lane
// accumulators summed in a fixed order, so the compiler vectorises them without reassociating
// (no -ffast-math) and native and wasm builds produce the same bits.
#pragma once
#include <cstddef>

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
inline TripletSums triplet_sums(const float* u, const float* p, const float* q, int n) {
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

// y[i] += a * x[i]
inline void axpy(float a, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

// y[i] += a * x[i] + b * z[i] + c * w[i]  (the cosine gradient of one row)
inline void axpy3(float a, const float* x, float b, const float* z, float c, const float* w, float* y,
                  int n) {
  for (int i = 0; i < n; ++i) y[i] += (a * x[i] + b * z[i]) + c * w[i];
}

inline void copy(const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = x[i];
}

inline void fill(float* y, float value, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = value;
}

// Dense layer, forward, for `rows` samples: out[s][j] = bias[j] + sum_k in[s][k] * W[k][j]
// (W is in_dim x out_dim, row-major as Keras' kernel). Vectorised over j; k runs in a fixed
// order; zero inputs (dropped or relu-off units) are skipped, which changes no bits.
inline void dense_forward(const float* in, int in_dim, const float* W, const float* bias, int out_dim,
                          float* out, int rows) {
  if (out_dim == 1) {
    for (int s = 0; s < rows; ++s) out[s] = bias[0] + dot(in + s * in_dim, W, in_dim);
    return;
  }
  constexpr int kBlock = 4;  // samples sharing each loaded kernel row
  int s0 = 0;
  for (; s0 + kBlock <= rows; s0 += kBlock) {
    float* o[kBlock];
    const float* x[kBlock];
    for (int b = 0; b < kBlock; ++b) {
      o[b] = out + (s0 + b) * out_dim;
      x[b] = in + (s0 + b) * in_dim;
      copy(bias, o[b], out_dim);
    }
    for (int k = 0; k < in_dim; ++k) {
      const float* w = W + static_cast<std::size_t>(k) * out_dim;
      for (int b = 0; b < kBlock; ++b)
        if (x[b][k] != 0.0f) axpy(x[b][k], w, o[b], out_dim);
    }
  }
  for (; s0 < rows; ++s0) {
    float* o = out + s0 * out_dim;
    const float* x = in + s0 * in_dim;
    copy(bias, o, out_dim);
    for (int k = 0; k < in_dim; ++k)
      if (x[k] != 0.0f) axpy(x[k], W + static_cast<std::size_t>(k) * out_dim, o, out_dim);
  }
}

// Adds the outer product in (in_dim) x grad (out_dim) to dW, skipping zero inputs.
inline void add_outer(const float* in, int in_dim, const float* grad, int out_dim, float* dW) {
  for (int k = 0; k < in_dim; ++k)
    if (in[k] != 0.0f) axpy(in[k], grad, dW + static_cast<std::size_t>(k) * out_dim, out_dim);
}

// Backward through a kernel: din[k] = sum_j W[k][j] * grad[j].
inline void dense_backward_input(const float* W, int in_dim, int out_dim, const float* grad, float* din) {
  if (out_dim == 1) {
    for (int k = 0; k < in_dim; ++k) din[k] = W[k] * grad[0];
    return;
  }
  for (int k = 0; k < in_dim; ++k) din[k] = dot(W + static_cast<std::size_t>(k) * out_dim, grad, out_dim);
}

}  // namespace tripletrec::kernels

// Eigen against the engine's hand-written kernels, on the shapes the models use, in one process:
// each pair runs interleaved (hand-written, Eigen, hand-written, ...) and keeps the best time of
// each, so load on a shared machine hits both alike. Built natively (build/native) and in wasm
// (build/wasm, run with node; bench/eigen-vs-kernels.mjs runs it in Chromium too). Measures only.
// Prints one JSON object per line: {"case", "hand_us", "eigen_us", "eigen_over_hand"} (time per
// call; eigen_over_hand > 1 means Eigen is slower) and whether both give the same bits.
#include <Eigen/Core>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "../cpp/src/adam.hpp"
#include "../cpp/src/kernels.hpp"
#include "../cpp/src/linalg.hpp"
#include "tripletrec/random.hpp"

using namespace tripletrec;
using linalg::Matrix;
using Clock = std::chrono::steady_clock;

namespace {

volatile float sink;

// Microseconds: the thread's CPU time natively (time taken by other processes on a loaded
// machine does not count), wall-clock time in wasm (which has no CPU clock; many short
// measurements and the best of them instead).
double now_us() {
#if defined(__EMSCRIPTEN__)
  return std::chrono::duration<double, std::micro>(Clock::now().time_since_epoch()).count();
#else
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e6 + t.tv_nsec * 1e-3;
#endif
}

// Best time per call (microseconds) of `run`, called `calls` times per measurement.
struct Timer {
  double best = 1e30;
  void measure(const std::function<void()>& run, int calls) {
    const double t0 = now_us();
    for (int i = 0; i < calls; ++i) run();
    const double us = (now_us() - t0) / calls;
    if (us < best) best = us;
  }
};

// Calls per measurement: enough for ~2 ms of the slower variant (browsers round their clock to
// 5-100 us), at least `calls`.
void compare(const char* name, const std::function<void()>& hand, const std::function<void()>& eigen,
             bool same_bits, int calls, int rounds) {
  Timer h, e;
  for (int i = 0; i < 20; ++i) {  // warm-up (and the tiering compiler in wasm)
    hand();
    eigen();
  }
  const double t0 = now_us();
  for (int i = 0; i < 50; ++i) {
    hand();
    eigen();
  }
  const double per_pair = (now_us() - t0) / 50;
  calls = std::max(calls, static_cast<int>(2000.0 / std::max(per_pair, 0.01)));
  for (int r = 0; r < rounds; ++r) {
    if (r % 2 == 0) {
      h.measure(hand, calls);
      e.measure(eigen, calls);
    } else {
      e.measure(eigen, calls);
      h.measure(hand, calls);
    }
  }
  std::printf("{\"case\":\"%s\",\"hand_us\":%.3f,\"eigen_us\":%.3f,\"eigen_over_hand\":%.3f,\"same_bits\":%s}\n",
              name, h.best, e.best, e.best / h.best, same_bits ? "true" : "false");
  std::fflush(stdout);
}

Matrix random_matrix(int rows, int cols, Rng& rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-1.0f, 1.0f);
  return m;
}

bool same(const Matrix& a, const Matrix& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 41;
  Rng rng(7);
  // The deep model's defaults: 32 + 64 inputs, 128 hidden units, batch 64 (128 lanes), about
  // 100 active lanes in the backward pass.
  const int lanes = 128, in = 96, hidden = 128, active = 100;
  const Matrix x = random_matrix(lanes, in, rng), W = random_matrix(in, hidden, rng);
  const linalg::RowVector bias = random_matrix(1, hidden, rng);
  const Matrix dz = random_matrix(active, hidden, rng), xa = random_matrix(active, in, rng);
  const Matrix W_t = W.transpose();
  Matrix out_h(lanes, hidden), out_e(lanes, hidden);

  // Forward: out = bias + x W.
  auto fwd_h = [&] { kernels::dense_forward(x.data(), in, W.data(), bias.data(), hidden, out_h.data(), lanes); };
  auto fwd_e = [&] {
    out_e.rowwise() = bias;
    out_e.noalias() += x * W;
  };
  fwd_h();
  fwd_e();
  compare("mlp forward 128x96 * 96x128", fwd_h, fwd_e, same(out_h, out_e), 20, rounds);

  // Backward: dW = x^T dz over the active lanes.
  Matrix dW_h(in, hidden), dW_e(in, hidden);
  auto dw_h = [&] { kernels::gemm_set(xa.data(), 1, in, dz.data(), hidden, dW_h.data(), hidden, in, active, hidden); };
  auto dw_e = [&] { dW_e.noalias() = xa.transpose() * dz; };
  dw_h();
  dw_e();
  compare("mlp backward dW 96x100 * 100x128", dw_h, dw_e, same(dW_h, dW_e), 20, rounds);

  // Backward: d input = dz W^T (the hand-written kernel reads a transposed copy of W).
  Matrix din_h(active, in), din_e(active, in);
  auto din_hand = [&] { kernels::gemm_set(dz.data(), hidden, 1, W_t.data(), in, din_h.data(), in, active, hidden, in); };
  auto din_eigen = [&] { din_e.noalias() = dz * W.transpose(); };
  din_hand();
  din_eigen();
  compare("mlp backward dx 100x128 * 128x96", din_hand, din_eigen, same(din_h, din_e), 20, rounds);

  // Evaluation, bilinear: a block of 56 users x 64 against 293 items (the anime data's block).
  const int n_items = 293, dim = 64, block = 56;
  const Matrix users = random_matrix(block, dim, rng), items_t = random_matrix(dim, n_items, rng);
  Matrix s_h(block, n_items), s_e(block, n_items);
  auto score_h = [&] { kernels::gemm_set(users.data(), dim, 1, items_t.data(), n_items, s_h.data(), n_items, block, dim, n_items); };
  auto score_e = [&] { s_e.noalias() = users * items_t; };
  score_h();
  score_e();
  compare("scoring 56x64 * 64x293", score_h, score_e, same(s_h, s_e), 20, rounds);

  // Adam, sparse: 192 rows of 64 floats (a batch's users and items) in a 4,610-row table.
  OptimizerConfig config;
  Adam adam(config);
  const float lr = adam.begin_step();
  const int table_rows = 4610, touched = 192;
  Matrix w_h = random_matrix(table_rows, dim, rng), m_h = random_matrix(table_rows, dim, rng) * 0.01f,
         v_h = random_matrix(table_rows, dim, rng).cwiseAbs() * 0.01f;
  Matrix w_e = w_h, m_e = m_h, v_e = v_h;
  const Matrix g = random_matrix(touched, dim, rng) * 0.01f;
  std::vector<int> rows(touched);
  for (int& r : rows) r = static_cast<int>(rng.below(table_rows));
  const float b1 = config.beta1, b2 = config.beta2, eps = config.epsilon, l2 = 1e-6f;
  auto adam_sparse_h = [&] {
    for (int k = 0; k < touched; ++k)
      adam.update_l2(lr, w_h.row(rows[k]).data(), g.row(k).data(), l2, m_h.row(rows[k]).data(), v_h.row(rows[k]).data(), dim);
  };
  auto adam_row_e = [&](float* w, const float* gr, float* m, float* v, Eigen::Index n) {
    linalg::ArrayMap W(w, n), M(m, n), V(v, n);
    const auto G = linalg::ConstArrayMap(gr, n) + (2.0f * l2) * W;
    M = b1 * M + (1.0f - b1) * G;
    V = b2 * V + (1.0f - b2) * G.square();
    W -= lr * M / (V.sqrt() + eps);
  };
  auto adam_sparse_e = [&] {
    for (int k = 0; k < touched; ++k)
      adam_row_e(w_e.row(rows[k]).data(), g.row(k).data(), m_e.row(rows[k]).data(), v_e.row(rows[k]).data(), dim);
  };
  adam_sparse_h();
  adam_sparse_e();
  compare("adam sparse 192 rows x 64", adam_sparse_h, adam_sparse_e, same(w_h, w_e) && same(m_h, m_e), 20, rounds);

  // Adam, dense: one 96 x 128 kernel (the MLP's first layer).
  Matrix kw_h = random_matrix(in, hidden, rng), km_h = random_matrix(in, hidden, rng) * 0.01f,
         kv_h = random_matrix(in, hidden, rng).cwiseAbs() * 0.01f;
  Matrix kw_e = kw_h, km_e = km_h, kv_e = kv_h;
  const Matrix kg = random_matrix(in, hidden, rng) * 0.01f;
  auto adam_dense_h = [&] { adam.update_l2(lr, kw_h.data(), kg.data(), l2, km_h.data(), kv_h.data(), kw_h.size()); };
  auto adam_dense_e = [&] { adam_row_e(kw_e.data(), kg.data(), km_e.data(), kv_e.data(), kw_e.size()); };
  adam_dense_h();
  adam_dense_e();
  compare("adam dense 96x128", adam_dense_h, adam_dense_e, same(kw_h, kw_e) && same(km_h, km_e), 20, rounds);
  sink = out_h(0, 0) + out_e(0, 0);
  return 0;
}

// The engine's float kernels (cpp/src/kernels.hpp): the blocked matmul sums in the documented
// order whatever the shape (so native and wasm builds agree bit for bit), and the hash-based
// dropout keeps the right share of elements with independent decisions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "../../cpp/src/kernels.hpp"
#include "tripletrec/random.hpp"

namespace tripletrec {
namespace {

std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// C[r][j] += a(r, p) * B[p][j], one product at a time in increasing p: the documented order.
void reference_gemm_add(const float* A, int a_row, int a_col, const float* B, int ldb, float* C, int ldc, int rows,
                        int depth, int cols) {
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < cols; ++j) {
      float c = C[r * ldc + j];
      for (int p = 0; p < depth; ++p) c += A[r * a_row + p * a_col] * B[p * ldb + j];
      C[r * ldc + j] = c;
    }
}

struct GemmShape {
  int rows, depth, cols;
  bool transposed_a;
};

// Shapes of the deep model (forward, dW, d input, score_items) and ones with row and column
// tails for every block size in use (2 x 16 on wasm, 4 x 32 natively).
const GemmShape kShapes[] = {{128, 96, 128, false}, {96, 43, 128, true}, {43, 128, 96, false},
                             {128, 64, 293, true},  {7, 5, 33, false},   {1, 3, 17, true},
                             {5, 1, 40, false},     {3, 9, 5, false}};

TEST(Kernels, GemmAddSumsInTheDocumentedOrderForEveryShape) {
  for (const auto& s : kShapes) {
    const int a_row = s.transposed_a ? 1 : s.depth, a_col = s.transposed_a ? s.rows : 1;
    const auto A = random_floats(static_cast<std::size_t>(s.rows) * s.depth, 1);
    const auto B = random_floats(static_cast<std::size_t>(s.depth) * s.cols, 2);
    auto C = random_floats(static_cast<std::size_t>(s.rows) * s.cols, 3), expected = C;
    kernels::gemm_add(A.data(), a_row, a_col, B.data(), s.cols, C.data(), s.cols, s.rows, s.depth, s.cols);
    reference_gemm_add(A.data(), a_row, a_col, B.data(), s.cols, expected.data(), s.cols, s.rows, s.depth, s.cols);
    EXPECT_TRUE(same_bits(C, expected)) << s.rows << " x " << s.depth << " x " << s.cols;
  }
}

TEST(Kernels, GemmSetEqualsZeroFillThenGemmAdd) {
  for (const auto& s : kShapes) {
    const int a_row = s.transposed_a ? 1 : s.depth, a_col = s.transposed_a ? s.rows : 1;
    auto A = random_floats(static_cast<std::size_t>(s.rows) * s.depth, 4);
    A[0] = -0.0f;  // a -0 product: 0 + (-0) is +0, which gemm_set must keep
    const auto B = random_floats(static_cast<std::size_t>(s.depth) * s.cols, 5);
    auto C = random_floats(static_cast<std::size_t>(s.rows) * s.cols, 6);  // garbage to overwrite
    std::vector<float> expected(C.size(), 0.0f);
    kernels::gemm_set(A.data(), a_row, a_col, B.data(), s.cols, C.data(), s.cols, s.rows, s.depth, s.cols);
    kernels::gemm_add(A.data(), a_row, a_col, B.data(), s.cols, expected.data(), s.cols, s.rows, s.depth, s.cols);
    EXPECT_TRUE(same_bits(C, expected)) << s.rows << " x " << s.depth << " x " << s.cols;
  }
}

TEST(Kernels, DropoutKeepsOneMinusPAndScalesByOneOverOneMinusP) {
  for (const float p : {0.1f, 0.5f, 0.9f}) {
    const std::size_t n = 1 << 20;
    std::vector<float> x(n, 2.0f), mask(n);
    kernels::Dropout(0x123456789abcdefULL, p).apply_after_relu(x.data(), mask.data(), n);
    const float keep = 1.0f / (1.0f - p);
    std::size_t kept = 0;
    for (std::size_t k = 0; k < n; ++k) {
      ASSERT_TRUE(mask[k] == 0.0f || mask[k] == keep) << mask[k];
      EXPECT_EQ(x[k], 2.0f * mask[k]);
      kept += mask[k] != 0.0f;
    }
    // Binomial standard deviation at n = 2^20 is at most 0.0005: allow 5 of them.
    EXPECT_NEAR(static_cast<double>(kept) / n, 1.0 - p, 0.0025) << "p = " << p;
  }
}

TEST(Kernels, DropoutDecisionsAreIndependentAcrossElementsAndSeeds) {
  const float p = 0.5f;
  const std::size_t n = 1 << 18;
  std::vector<float> ones(n, 1.0f), a(n), b(n), mask_a(n), mask_b(n);
  kernels::Dropout(1, p).apply(0, ones.data(), a.data(), mask_a.data(), static_cast<int>(n));
  kernels::Dropout(2, p).apply(0, ones.data(), b.data(), mask_b.data(), static_cast<int>(n));
  std::size_t same_as_next = 0, same_across_seeds = 0;
  for (std::size_t k = 0; k < n; ++k) {
    same_across_seeds += (mask_a[k] == 0.0f) == (mask_b[k] == 0.0f);
    if (k + 1 < n) same_as_next += (mask_a[k] == 0.0f) == (mask_a[k + 1] == 0.0f);
  }
  // Independent fair decisions agree half the time (standard deviation 0.001 at n = 2^18).
  EXPECT_NEAR(static_cast<double>(same_as_next) / (n - 1), 0.5, 0.005);
  EXPECT_NEAR(static_cast<double>(same_across_seeds) / n, 0.5, 0.005);
}

TEST(Kernels, DropoutDependsOnlyOnSeedAndElementIndex) {
  // Row by row (as the deep model's input) or in one call, element k gets the same decision.
  const int n = 96 * 5;
  const auto x = random_floats(n, 7);
  std::vector<float> whole(n), whole_mask(n), rows(n), rows_mask(n);
  const kernels::Dropout dropout(99, 0.3f);
  dropout.apply(0, x.data(), whole.data(), whole_mask.data(), n);
  for (int r = 0; r < 5; ++r)
    for (const auto& [start, width] : {std::pair{0, 32}, std::pair{32, 64}}) {
      const int first = r * 96 + start;
      dropout.apply(static_cast<std::uint32_t>(first), x.data() + first, rows.data() + first, rows_mask.data() + first,
                    width);
    }
  EXPECT_TRUE(same_bits(whole, rows));
  EXPECT_TRUE(same_bits(whole_mask, rows_mask));
  // After a relu: negative inputs become 0 whatever the mask.
  std::vector<float> relu = x, relu_mask(n);
  dropout.apply_after_relu(relu.data(), relu_mask.data(), n);
  EXPECT_TRUE(same_bits(relu_mask, whole_mask));
  for (int k = 0; k < n; ++k) EXPECT_EQ(relu[k], (x[k] > 0.0f ? x[k] : 0.0f) * whole_mask[k]);
}

TEST(Kernels, ReluAndDropoutBackwardZeroWhereTheInputWasNotPositive) {
  const int n = 37;
  const auto x = random_floats(n, 8), g0 = random_floats(n, 9);
  std::vector<float> mask(n);
  for (int k = 0; k < n; ++k) mask[k] = k % 3 == 0 ? 0.0f : 1.25f;
  auto g = g0;
  kernels::relu_dropout_backward(g.data(), x.data(), mask.data(), n);
  auto h = g0;
  kernels::relu_backward(h.data(), x.data(), n);
  for (int k = 0; k < n; ++k) {
    EXPECT_EQ(g[k], x[k] > 0.0f ? g0[k] * mask[k] : 0.0f) << k;
    EXPECT_EQ(h[k], x[k] > 0.0f ? g0[k] : 0.0f) << k;
  }
}

}  // namespace
}  // namespace tripletrec

// The engine's linear-algebra layer: Eigen types for parameters, gradients and scores. Internal.
//
// Tables are row-major (one row per user, item or input unit, as Keras lays out embeddings and
// kernels), so a row is contiguous and is taken as a map. Eigen does the element-wise math (relu,
// bias, gathers, scaling), which gives the same bits at any vector width (AVX natively, SSE on
// SIMD128 in wasm). Reductions, products and the bilinear row gradients are kernels.hpp's: sums in
// an order that does not depend on the width, loops measured faster (see there, with the numbers).
#pragma once
#include <Eigen/Core>

namespace tripletrec::linalg {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;
using Array = Eigen::ArrayXf;

using MatrixMap = Eigen::Map<Matrix>;
using ConstMatrixMap = Eigen::Map<const Matrix>;
using RowMap = Eigen::Map<RowVector>;
using ConstRowMap = Eigen::Map<const RowVector>;
using ArrayMap = Eigen::Map<Array>;
using ConstArrayMap = Eigen::Map<const Array>;

}  // namespace tripletrec::linalg

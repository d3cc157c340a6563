// Adam as Keras implements it (lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t);
// w -= lr_t * m / (sqrt(v) + eps)), for dense tensors and for the embedding rows a batch touched.
// Internal to the engine.
#pragma once
#include <cstdint>
#include <mutex>
#include <vector>

#include "kernels.hpp"
#include "tripletrec/model.hpp"

namespace tripletrec {

// Adam's moments for one tensor.
struct AdamMoments {
  std::vector<float> m, v;
  explicit AdamMoments(std::size_t size = 0) : m(size, 0.0f), v(size, 0.0f) {}
};

class Adam {
 public:
  explicit Adam(const OptimizerConfig& config);
  // Counts one step (one batch) and returns its step size lr_t; call once per batch before the
  // updates. Thread-safe: Hogwild threads share one step count, so the bias correction follows
  // the batches of all threads (a short lock per batch; one thread takes the same steps as ever).
  float begin_step();
  std::int64_t step() const;

  // w -= lr * m / (sqrt(v) + eps) after folding g into m, v; n contiguous values; lr is the
  // step size begin_step() returned for this batch.
  void update(float lr, float* w, const float* g, float* m, float* v, std::size_t n) const;
  // Same with the L2 gradient 2 * l2 * w added to g first.
  void update_l2(float lr, float* w, const float* g, float l2, float* m, float* v, std::size_t n) const;
  // Same for a parameter whose data gradient is zero (only L2 and momentum move it).
  void update_no_grad(float lr, float* w, float l2, float* m, float* v, std::size_t n) const;

 private:
  OptimizerConfig config_;
  mutable std::mutex mutex_;  // guards the step count and the running products
  std::int64_t step_ = 0;
  double beta1_power_ = 1, beta2_power_ = 1;  // running products: the same bits everywhere
};

// Per-batch gradient accumulator of an embedding table: one zeroed row per distinct table row
// the batch used, so a row used several times gets one summed gradient. Sized once for the
// largest batch; no allocation afterwards.
class RowGradients {
 public:
  void reset(std::int32_t table_rows, int dim);
  void reserve(int max_rows);          // distinct rows per batch
  // The row's accumulator, registered and zeroed on first use. Inline and small (a training batch
  // calls it once per row use): the list of rows is sized by reserve(), grown out of line only past it.
  float* row(std::int32_t table_row) {
    std::int32_t& slot = slot_[static_cast<std::size_t>(table_row)];
    if (slot < 0) {
      if (count_ == static_cast<int>(rows_.size())) grow();
      slot = count_++;
      rows_[static_cast<std::size_t>(slot)] = table_row;
      kernels::zero(grad(slot), dim_);
    }
    return grad(slot);
  }
  int count() const { return count_; }
  std::int32_t table_row(int k) const { return rows_[static_cast<std::size_t>(k)]; }
  float* grad(int k) { return grads_.data() + static_cast<std::size_t>(k) * dim_; }
  const float* find(std::int32_t table_row) const;  // null when the batch did not use it
  void clear();                                     // forget the batch's rows
  int dim() const { return dim_; }

 private:
  int dim_ = 0;
  std::vector<std::int32_t> slot_;  // table row -> accumulator index or -1
  std::vector<std::int32_t> rows_;  // accumulator index -> table row, for the first count_
  std::vector<float> grads_;
  int count_ = 0;

  void grow();  // more rows than reserve() said: one more
};

// Applies a batch's embedding gradients with step size lr: in sparse mode Adam (and L2) only on
// the touched rows, in Keras-exact mode on every row of the table (untouched rows get the L2
// gradient only). With several training threads the rows' floats and moments are updated
// without locks (Hogwild, see trainer.hpp); `grads` is the calling thread's own.
void apply_embedding_update(const Adam& adam, float lr, bool keras_exact, float l2, float* table,
                            std::int32_t table_rows, AdamMoments& moments, RowGradients& grads);

}  // namespace tripletrec

// The training loop: epochs of freshly sampled triplets, shuffled, in batches, with progress
// and cooperative cancel. Steppable, so a wasm worker can train in slices between messages.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/model.hpp"
#include "tripletrec/split.hpp"

namespace tripletrec {

enum class NegativeSampling {
  Uniform,        // the notebook: uniform over all items, not filtered against positives
  UniformUnseen,  // uniform over items that are not the user's train positives
  Hard            // best-scoring of `hard_candidates` uniform draws (WARP-like)
};

struct TrainOptions {
  int epochs = 10;
  int batch_size = 64;
  std::uint64_t seed = 42;  // negatives, shuffling and dropout
  NegativeSampling negatives = NegativeSampling::Uniform;
  int hard_candidates = 10;

  // The notebook's settings for a model: 10 epochs for the bilinear model, 20 for the deep one.
  static TrainOptions defaults_for(ModelKind kind);
};

struct Progress {
  int epoch = 0;                 // 0-based epoch in progress (== epochs when finished)
  int epochs = 0;
  std::int64_t batch = 0;        // batches done in this epoch
  std::int64_t batches_per_epoch = 0;
  double loss = 0;               // mean loss over the batches done in this epoch
  double elapsed_seconds = 0;    // training time so far
  std::int64_t triplets = 0;     // triplets trained so far, all epochs
  std::vector<double> epoch_losses;  // mean loss of each finished epoch
};

// Thrown by training when the loss or the weights stop being finite numbers (a learning rate
// too large for the model): the model's weights are then meaningless.
struct TrainingDiverged : UsageError {
  using UsageError::UsageError;
};

// True when every weight of the model is a finite number.
bool parameters_finite(Model& model);

class Trainer {
 public:
  // `negative_items` (optional, non-empty): the items negatives are drawn from instead of all
  // items (the warm items of a cold-start split). Must outlive the trainer.
  Trainer(Model& model, const Positives& train, const TrainOptions& options,
          const std::vector<std::int32_t>* negative_items = nullptr);
  // Runs up to max_batches batches; returns false once every epoch is done.
  bool step(std::int64_t max_batches);
  bool finished() const;
  const Progress& progress() const { return progress_; }

 private:
  void begin_epoch();
  std::int32_t draw_item();  // uniform over the negative pool
  Model& model_;
  const Positives& train_;
  const std::vector<std::int32_t>* negative_items_;
  TrainOptions options_;
  Rng rng_;
  Progress progress_;
  std::vector<std::uint32_t> order_;
  std::vector<std::int32_t> users_, pos_, neg_;
  double epoch_loss_sum_ = 0;
  double seconds_ = 0;
};

// Return false from the callback (or set *cancel) to stop after the current batch.
using ProgressCallback = std::function<bool(const Progress&)>;

struct TrainResult {
  bool cancelled = false;
  int epochs_completed = 0;
  std::vector<double> epoch_losses;
  double seconds = 0;
  std::int64_t triplets = 0;
  double triplets_per_second = 0;
};

// Calls `callback` after every batch (cheap callers only) when given.
TrainResult train(Model& model, const Positives& train, const TrainOptions& options,
                  const ProgressCallback& callback = {},
                  const std::atomic<bool>* cancel = nullptr,
                  const std::vector<std::int32_t>* negative_items = nullptr);

}  // namespace tripletrec

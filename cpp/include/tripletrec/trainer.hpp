// The training loop: epochs of freshly sampled triplets, shuffled, in batches, with progress
// and cooperative cancel. Steppable, so a wasm worker can train in slices between messages.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/model.hpp"
#include "tripletrec/split.hpp"
#include "tripletrec/thread_pool.hpp"

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
  // Training threads. 1: one stream, bit-reproducible. More: Hogwild (below). A bare
  // TrainOptions trains on one thread; the faces' default (defaults_for) is every core.
  int threads = 1;

  // The faces' defaults for a model: the notebook's 10 epochs for the bilinear model, 20 for the
  // deep one; as many threads as the hardware runs (1 in a wasm build without threads).
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
  int threads = 1;               // threads training (see Trainer: may be fewer than asked)
};

// Thrown by training when the loss or the weights stop being finite numbers (a learning rate
// too large for the model): the model's weights are then meaningless.
struct TrainingDiverged : UsageError {
  using UsageError::UsageError;
};

// True when every weight of the model is a finite number.
bool parameters_finite(Model& model);

// Training on several threads is Hogwild (as LightFM and word2vec train): each epoch's positives
// are cut into one contiguous shard per thread (the positives are in user order, so a user's rows
// belong to one thread, give or take the users at the cuts). Each thread samples its shard's
// negatives and shuffles it with its own generator, Rng(seed).fork(epoch).fork(1 + thread), and
// trains it in batches with its own workspace (gradients, activations, dropout masks); a thread
// whose shard is done takes batches left in the others' (cores differ in speed: on the 2-core
// bench machine one thread was busy 0.72 s and the other 0.58 s of a 0.73 s run, waiting for it at
// the end of every round; taking its batches, both were busy 0.65 s of 0.66 s, and bilinear
// training on 2 threads went from 7.5-7.8 to 8.4 M triplets/s). The
// threads share the model's parameters and Adam moments and update them without locks: two
// threads may update one item's row at once, and a float may then lose one thread's step or mix
// the two. Those collisions are rare (a batch touches ~2 x 64 of thousands of rows) and cost
// little accuracy, but the result depends on timing: more than one thread is not
// bit-reproducible. What is never shared: std::vector storage (nothing is resized while the
// threads run), scratch buffers, generators. With one thread the trainer is the one-stream
// sequence it always was: Rng(seed).fork(epoch), bit-reproducible natively and in wasm.
//
// Models whose parallel_training() is false, and Keras-exact training (every step updates every
// row of the tables, so threads would only collide), train on one thread.
class Trainer {
 public:
  // `negative_items` (optional, non-empty): the items negatives are drawn from instead of all
  // items (the warm items of a cold-start split). Must outlive the trainer. `pool` runs the
  // threads (null: the trainer starts its own when it needs more than one).
  Trainer(Model& model, const Positives& train, const TrainOptions& options,
          const std::vector<std::int32_t>* negative_items = nullptr, ThreadPool* pool = nullptr);
  ~Trainer();
  // Runs up to max_batches batches (split between the threads); returns false once every epoch is done.
  bool step(std::int64_t max_batches);
  bool finished() const;
  const Progress& progress() const { return progress_; }
  int threads() const { return static_cast<int>(shards_.size()); }

 private:
  struct Shard;
  void begin_epoch();
  std::int32_t draw_item(Rng& rng);  // uniform over the negative pool
  void sample_shard(Shard& shard, std::uint64_t stream);
  // Trains batches, its own shard's first, until the epoch's or the round's `budget` is spent.
  void train_thread(std::size_t thread, std::atomic<std::int64_t>& budget);
  Model& model_;
  const Positives& train_;
  const std::vector<std::int32_t>* negative_items_;
  TrainOptions options_;
  std::unique_ptr<ThreadPool> own_pool_;
  ThreadPool* pool_ = nullptr;
  std::vector<std::unique_ptr<Shard>> shards_;
  Progress progress_;
  double seconds_ = 0;
};

// On several threads, the batches per thread a caller should ask a step for at most and, time
// allowing, at least: a step is a round (the threads wake, train, and wait for the last one, and
// the per-thread copies sync at its end), which costs little against 256 batches. (Measured on 2
// cores, bilinear on anime: with 32 per thread the two threads kept 1.6 cores busy, with 256 1.97;
// a round is then ~8 ms of bilinear, ~60 ms of deep training natively.)
inline constexpr std::int64_t kRoundBatchesPerThread = 256;

// Return false from the callback (or set *cancel) to stop after the current batch.
using ProgressCallback = std::function<bool(const Progress&)>;

struct TrainResult {
  bool cancelled = false;
  int epochs_completed = 0;
  std::vector<double> epoch_losses;
  double seconds = 0;
  std::int64_t triplets = 0;
  double triplets_per_second = 0;
  int threads = 1;  // threads that trained
};

// Calls `callback` after every batch on one thread, after every round of batches (one per
// thread) on several (cheap callers only) when given. `pool` as for Trainer.
TrainResult train(Model& model, const Positives& train, const TrainOptions& options,
                  const ProgressCallback& callback = {},
                  const std::atomic<bool>* cancel = nullptr,
                  const std::vector<std::int32_t>* negative_items = nullptr, ThreadPool* pool = nullptr);

}  // namespace tripletrec

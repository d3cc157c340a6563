// The vectors of users or items with side features, as LightFM composes them: the id embedding
// plus the mean of the row's feature embeddings (weights 1 / count from FeatureRows), or either
// part alone. Without features it is a plain embedding table, used exactly as before (same rows,
// same gradients, same bits). Internal to the models.
//
// Sums run element-wise in a fixed order (id row first, then features in index order), with
// separate multiplies and adds: the same bits natively and in wasm.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "adam.hpp"
#include "linalg.hpp"
#include "tripletrec/model.hpp"
#include "tripletrec/thread_pool.hpp"  // kThreadsAvailable

namespace tripletrec {

// A training thread's gradient accumulators of one bag (its id rows and its feature rows): each
// thread has its own (the model's TrainingWorkspace holds them), the bag only its parameters.
struct BagGradients {
  RowGradients ids, features;
};

class EmbeddingBag {
 public:
  // Two steps, so that the id tables of users and items are drawn first, in the order the
  // id-only models always drew them, and feature tables after: a model without features keeps
  // its weights. `features` must outlive the bag (the model keeps it); null or empty = none.
  // Tables are drawn uniform(-limit, limit) (Keras' Embedding default 0.05); limit 0 = zeros,
  // nothing drawn (biases).
  void init_ids(std::int32_t rows, int dim, bool with_ids, Rng& init, float limit = 0.05f);
  void init_features(const FeatureRows* features, Rng& init, float limit = 0.05f);

  int dim() const { return dim_; }
  std::int32_t rows() const { return rows_; }
  bool has_ids() const { return with_ids_; }
  bool has_features() const { return features_ != nullptr; }
  // Plain: ids only, a row's vector is its id row (no copy, no composition).
  bool plain() const { return with_ids_ && !features_; }

  // The row's vector: the id row itself when plain, else composed into `scratch` (dim floats).
  const float* vector(std::int32_t row, float* scratch) const;
  // The row's vector, always written to `out`.
  void compose(std::int32_t row, float* out) const;
  // Every row's vector (rows x dim).
  linalg::Matrix compose_all() const;
  // The feature part of a row that is not in the table (a visitor's): the mean of the feature
  // rows `features` (valid, distinct indices), composed as compose() composes a row's. dim floats.
  std::vector<float> feature_mean(const std::vector<std::int32_t>& features) const;

  // Training: where d loss / d vector of `row` accumulates for one use of the row. Plain: the id
  // row's gradient accumulator. Else `scratch`, zeroed; scatter() then adds it to the id row and,
  // weighted, to each feature row. Calling both registers the rows even when nothing is added
  // (Keras updates every row a batch used).
  // Gradients go to `grads`, the calling thread's (make_gradients()).
  BagGradients make_gradients() const;
  float* gradient(BagGradients& grads, std::int32_t row, float* scratch) const;
  void scatter(BagGradients& grads, std::int32_t row, const float* scratch) const;
  // gradient() + scatter() of a given gradient.
  void add_gradient(BagGradients& grads, std::int32_t row, const float* g) const;
  // Registers the row's id and feature rows for this batch's update without adding anything.
  void touch(BagGradients& grads, std::int32_t row) const;

  // For models whose gradient of a feature row is more than weight x the vector's (the FM).
  const float* id_row(std::int32_t row) const { return ids_.row(row).data(); }
  const float* feature_row(std::int32_t feature) const { return table_.row(feature).data(); }
  static float* id_gradient(BagGradients& grads, std::int32_t row) { return grads.ids.row(row); }
  static float* feature_gradient(BagGradients& grads, std::int32_t feature) { return grads.features.row(feature); }
  const FeatureRows* features() const { return features_; }

  // Accumulators for `uses` row uses per batch; no allocation afterwards.
  void reserve(BagGradients& grads, int uses) const;
  // Adam (with L2, step size lr) on the touched rows, or every row in Keras-exact mode; forgets
  // the batch. Several threads may apply at once: rows update lock-free (Hogwild, trainer.hpp).
  void apply(BagGradients& grads, const Adam& adam, float lr, bool keras_exact, float l2);

  // The id table and its Adam moments, for an IdReplica.
  float* id_table() { return ids_.data(); }
  const float* id_table() const { return ids_.data(); }
  AdamMoments& id_moments() { return id_moments_; }
  const AdamMoments& id_moments() const { return id_moments_; }

  // ("user", "embedding") -> user_embedding (ids) and user_feature_embedding (features), when present.
  void tensors(const std::string& side, std::vector<Tensor>& out, const std::string& what = "embedding");
  std::int64_t id_parameters() const { return with_ids_ ? std::int64_t(rows_) * dim_ : 0; }
  std::int64_t feature_parameters() const { return features_ ? std::int64_t(features_->n_features()) * dim_ : 0; }

 private:
  std::int32_t rows_ = 0;
  int dim_ = 0;
  bool with_ids_ = true;
  const FeatureRows* features_ = nullptr;
  linalg::Matrix ids_, table_;  // rows x dim; features x dim
  AdamMoments id_moments_, table_moments_;
  int max_features_per_row_ = 0;
};

// One training thread's state for a model scoring a user bag against two item-bag rows (the
// bilinear model, the FM): the bags' gradient accumulators, sized at warm-up for the largest batch
// seen, and the composed vectors of the batch's user, positive and negative with their gradients.
struct TripletBagsWorkspace : TrainingWorkspace {
  TripletBagsWorkspace(const EmbeddingBag& user, const EmbeddingBag& item, int width)
      : user_grads(user.make_gradients()), item_grads(item.make_gradients()) {
    for (auto* buffer : {&su, &sp, &sq, &gu, &gp, &gq}) buffer->assign(static_cast<std::size_t>(width), 0.0f);
  }
  // True (and the accumulators sized: allocates, the warm-up) when `count` triplets is the largest
  // batch yet: a user row and two item rows per triplet.
  bool grow(const EmbeddingBag& user, const EmbeddingBag& item, int count) {
    if (count <= capacity) return false;
    user.reserve(user_grads, count);
    item.reserve(item_grads, 2 * count);
    capacity = count;
    return true;
  }

  BagGradients user_grads, item_grads;
  int capacity = 0;                           // the largest batch the accumulators are sized for
  std::vector<float> su, sp, sq, gu, gp, gq;  // composed vectors and their gradients
};

// A training thread's copy of shared weights (IdReplica's rows, the deep model's MLP), synced:
// adds what the copy moved since the last sync (copy - at_sync) to the shared values, then takes
// them back into the copy and into at_sync, in one pass in order (the hardware prefetches the
// lines the other threads wrote). A value the copy did not move adds 0. n floats each.
void merge_into_shared(float* shared, float* copy, float* at_sync, std::size_t n);

// One training thread's copy of a small id table that every thread writes (the bilinear and deep
// models' items: on anime 293 rows, a third of them in every batch). Hogwild on such a table moves the
// rows' cache lines between the cores on every batch: measured on 2 cores (the bench at real-time
// priority, so both threads ran), the bilinear model trained slower on 2 threads than on 1
// (0.74-0.79x, each thread at 0.42x the CPU rate of one alone), and 2.0x with the item updates
// left out. So each thread trains its own copy of the rows and their moments, and every
// kSyncBatches batches (and at the end of each round) adds what its copy moved since the last
// sync to the shared rows, one thread at a time (a short lock: two merges at once could lose one
// thread's moves of a whole sync period), and takes every row back: the other threads' steps reach
// it at most kSyncBatches batches late. Measured: 1.56x with 32 (1.40x with
// 16, 1.59-1.63x with 64-128), the AUC within 0.002 of one thread's. One thread never uses it.
class IdReplica {
 public:
  static constexpr int kSyncBatches = 32;
  // A copy syncs every `sync_batches` batches (the deep model: as often as its MLP copy).
  explicit IdReplica(int sync_batches = kSyncBatches) : sync_batches_(sync_batches) {}
  // Tables with more rows train shared (Hogwild as it is): a batch touches a small share of
  // their rows, and a sync copies the whole table back.
  static constexpr std::int32_t kMaxRows = 1024;
  static bool suits(const EmbeddingBag& bag) { return bag.plain() && bag.rows() <= kMaxRows; }
  bool active() const { return kThreadsAvailable && !rows_.empty(); }
  // Copies the table's rows and moments (allocates: warm-up, before the first batch). The threads'
  // copies of one table merge one at a time, under `sync_mutex` (the model's).
  void attach(const EmbeddingBag& bag, std::mutex& sync_mutex);
  const float* row(std::int32_t r) const { return rows_.data() + static_cast<std::size_t>(r) * dim_; }
  // Adam on the copy's rows the batch touched (forgets the batch as apply_embedding_update does);
  // syncs every `sync_batches` calls.
  void apply(EmbeddingBag& bag, RowGradients& grads, const Adam& adam, float lr, float l2);
  // Merges the copy into the shared rows (merge_into_shared: every row, in one pass; on anime
  // nearly all 293 move in 32 batches, and visiting the moved rows in the order the batches touched
  // them missed the other thread's lines one by one: 7.0-7.3 against 7.4-7.6 M triplets/s on 2
  // threads); `with_moments` (at the end of a round) also writes the copy's moments there. The moments stay
  // the thread's own in between: the shared ones serve only the model as it is after training
  // (saved, trained further). Written at every sync, they cost bilinear training on 2 threads ~6%
  // (anime, median of 3 interleaved pairs: 7.7 against 8.2 M triplets/s).
  void sync(EmbeddingBag& bag, bool with_moments);

 private:
  int dim_ = 0;
  std::vector<float> rows_, at_sync_;  // the copy, and the rows as they were at the last sync
  AdamMoments moments_;
  int batches_ = 0;
  int sync_batches_;
  std::mutex* sync_mutex_ = nullptr;
};

}  // namespace tripletrec

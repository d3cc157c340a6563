// The vectors of users or items with side features, as LightFM composes them: the id embedding
// plus the mean of the row's feature embeddings (weights 1 / count from FeatureRows), or either
// part alone. Without features it is a plain embedding table, used exactly as before (same rows,
// same gradients, same bits). Internal to the models.
//
// Sums run element-wise in a fixed order (id row first, then features in index order), with
// separate multiplies and adds: the same bits natively and in wasm.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "adam.hpp"
#include "linalg.hpp"
#include "tripletrec/model.hpp"

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

}  // namespace tripletrec

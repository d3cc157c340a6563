// What model.cpp shares with the two model classes and the model file format. Internal.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "linalg.hpp"
#include "tripletrec/model.hpp"

namespace tripletrec {

// The engine's models keep their optimiser settings, which model files record.
class ModelWithOptimizer : public Model {
 public:
  explicit ModelWithOptimizer(const OptimizerConfig& optimizer) : optimizer_(optimizer) {}
  const OptimizerConfig& optimizer_config() const { return optimizer_; }

 protected:
  // Ids out of range would read or write outside the tables: a UsageError naming the triplet.
  void check_triplet_ids(const std::int32_t* users, const std::int32_t* pos, const std::int32_t* neg,
                         int count) const;

  OptimizerConfig optimizer_;
};

// The model's optimiser settings; defaults for a Model defined elsewhere (a test double).
inline OptimizerConfig model_optimizer_config(const Model& model) {
  const auto* own = dynamic_cast<const ModelWithOptimizer*>(&model);
  return own ? own->optimizer_config() : OptimizerConfig{};
}

// Throws a UsageError ("model: ...") unless the configuration and table sizes are valid.
void check_model_config(const ModelConfig& config, const OptimizerConfig& optimizer, std::int32_t n_users,
                        std::int32_t n_items);

// 1234567 -> "1,234,567" (summaries, model file messages).
std::string with_thousands(std::int64_t n);

// A rows x cols table drawn uniform(-limit, limit), row by row (Keras' initialisers: embeddings
// with limit 0.05, Glorot-uniform kernels).
linalg::Matrix uniform_table(std::int32_t rows, int cols, float limit, Rng& init);

// Each expects a validated config (make_model checks it); `features` may be null.
std::unique_ptr<Model> make_bilinear_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                           std::int32_t n_users, std::int32_t n_items,
                                           const ModelFeatures* features, Rng& init);
std::unique_ptr<Model> make_deep_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                       std::int32_t n_users, std::int32_t n_items,
                                       const ModelFeatures* features, Rng& init);
std::unique_ptr<Model> make_fm_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                     std::int32_t n_users, std::int32_t n_items,
                                     const ModelFeatures* features, Rng& init);

// A model of `n_items` items and no users (a serving bundle's: visitors are folded in), its
// weights to be filled by the caller. Checks the configuration as make_model does; `features`
// (checked by the caller): item rows for the n items, the user vocabulary with no rows.
std::unique_ptr<Model> make_item_side_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                            std::int32_t n_items, const ModelFeatures* features = nullptr);

// Keras' summary() layout: one row per layer, then the totals.
struct SummaryRow {
  std::string layer, output_shape;
  std::int64_t params;
};
std::string format_summary(const std::string& model_name, const std::vector<SummaryRow>& rows,
                           const std::string& note);

class EmbeddingBag;
// Whether a side (users or items) has id embeddings: always, unless the configuration drops them
// (id_embeddings false) and the side has features to stand in for them.
inline bool keeps_ids(const ModelConfig& config, const FeatureRows& side) { return config.id_embeddings || side.empty(); }
// The summary rows of a model's user and item tables (ids, features).
std::vector<SummaryRow> embedding_summary_rows(const EmbeddingBag& user, const EmbeddingBag& item);
// " Vectors: ..." saying how users and items are composed; "" without features.
std::string features_note(const EmbeddingBag& user, const EmbeddingBag& item);

}  // namespace tripletrec

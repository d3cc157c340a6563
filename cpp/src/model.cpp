// What both models share: defaults, validation, the factory, scores and the summary layout.
// (The model file format is model_file.cpp.)
#include "tripletrec/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "embedding_bag.hpp"
#include "kernels.hpp"
#include "linalg.hpp"
#include "models_internal.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/options.hpp"

namespace tripletrec {

ModelConfig ModelConfig::bilinear_defaults() {
  ModelConfig c;
  c.kind = ModelKind::Bilinear;
  c.embedding_dim = 64;
  c.similarity = Similarity::Cosine;
  c.margin = 1.0f;
  c.l2 = 1e-6f;
  return c;
}

ModelConfig ModelConfig::deep_defaults() {
  ModelConfig c;
  c.kind = ModelKind::Deep;
  c.user_dim = 32;
  c.item_dim = 64;
  c.hidden = {128};
  c.dropout = 0.1f;
  c.margin = 0.5f;
  c.l2 = 0.0f;
  return c;
}

ModelConfig ModelConfig::fm_defaults() {
  ModelConfig c;
  c.kind = ModelKind::FM;
  c.embedding_dim = 64;
  c.similarity = Similarity::Dot;  // an FM's score is a sum of dot products
  // 0.5: with margin 1, the FM with item features reached 0.828 warm AUC on anime in 10 epochs
  // against 0.841 with ids only; with 0.5, 0.834 against 0.835 (cold items 0.2; measured).
  c.margin = 0.5f;
  c.l2 = 1e-6f;
  return c;
}

ModelConfig ModelConfig::defaults_for(ModelKind kind) {
  switch (kind) {
    case ModelKind::Deep: return deep_defaults();
    case ModelKind::FM: return fm_defaults();
    default: return bilinear_defaults();
  }
}

void ModelWithOptimizer::check_triplet_ids(const std::int32_t* users, const std::int32_t* pos,
                                           const std::int32_t* neg, int count) const {
  if (count < 0) throw UsageError("train_batch: negative triplet count");
  for (int t = 0; t < count; ++t)
    if (users[t] < 0 || users[t] >= n_users_ || pos[t] < 0 || pos[t] >= n_items_ || neg[t] < 0 ||
        neg[t] >= n_items_)
      throw UsageError("triplet " + std::to_string(t) + ": ids (" + std::to_string(users[t]) + ", " +
                       std::to_string(pos[t]) + ", " + std::to_string(neg[t]) + ") out of range for " +
                       std::to_string(n_users_) + " users and " + std::to_string(n_items_) + " items");
}

float Model::train_batch(const std::int32_t* users, const std::int32_t* pos, const std::int32_t* neg, int count,
                         Rng& rng) {
  if (!own_workspace_.workspace) own_workspace_.workspace = make_workspace();
  return train_batch(*own_workspace_.workspace, users, pos, neg, count, rng);
}

std::size_t Tensor::size() const {
  std::size_t n = 1;
  for (const int d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

namespace {
constexpr int kMaxDim = 1 << 16;          // widths beyond this are surely a mistake
constexpr std::int32_t kMaxRows = 1 << 28;  // users or items
}  // namespace

void check_model_config(const ModelConfig& c, const OptimizerConfig& o, std::int32_t n_users, std::int32_t n_items) {
  auto fail = [](const std::string& what) { throw UsageError("model: " + what); };
  auto check_dim = [&](int d, const char* name) {
    if (d < 1 || d > kMaxDim)
      fail(std::string(name) + " must be in [1, " + std::to_string(kMaxDim) + "], got " + std::to_string(d));
  };
  if (c.kind != ModelKind::Bilinear && c.kind != ModelKind::Deep && c.kind != ModelKind::FM) fail("unknown model kind");
  if (c.kind != ModelKind::Deep) {
    check_dim(c.embedding_dim, "embedding_dim");
    if (c.similarity != Similarity::Cosine && c.similarity != Similarity::Dot) fail("unknown similarity");
  } else {
    check_dim(c.user_dim, "user_dim");
    check_dim(c.item_dim, "item_dim");
    if (c.hidden.size() > 16) fail("at most 16 hidden layers");
    for (const int h : c.hidden) check_dim(h, "hidden layer size");
    if (!(c.dropout >= 0.0f && c.dropout < 1.0f)) fail("dropout must be in [0, 1)");
  }
  if (!std::isfinite(c.margin)) fail("margin must be finite");
  if (!(c.l2 >= 0.0f && std::isfinite(c.l2))) fail("l2 must be >= 0");
  if (!(o.learning_rate > 0.0f && std::isfinite(o.learning_rate))) fail("learning_rate must be > 0");
  if (!(o.beta1 >= 0.0f && o.beta1 < 1.0f)) fail("beta1 must be in [0, 1)");
  if (!(o.beta2 >= 0.0f && o.beta2 < 1.0f)) fail("beta2 must be in [0, 1)");
  if (!(o.epsilon > 0.0f && std::isfinite(o.epsilon))) fail("epsilon must be > 0");
  if (n_users < 1 || n_users > kMaxRows) fail("n_users must be in [1, 2^28], got " + std::to_string(n_users));
  if (n_items < 1 || n_items > kMaxRows) fail("n_items must be in [1, 2^28], got " + std::to_string(n_items));
}

std::string with_thousands(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

namespace {

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

}  // namespace

linalg::Matrix uniform_table(std::int32_t rows, int cols, float limit, Rng& init) {
  linalg::Matrix table(rows, cols);
  std::generate_n(table.data(), table.size(), [&] { return init.uniform(-limit, limit); });
  return table;
}

std::unique_ptr<Model> make_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                  std::int32_t n_users, std::int32_t n_items, std::uint64_t seed,
                                  const ModelFeatures* features) {
  check_model_config(config, optimizer, n_users, n_items);
  // The rows must be those of the configuration: one per user / item, features named iff chosen.
  auto check_rows = [&](const FeatureRows* rows, const std::vector<std::string>& fields, std::int32_t n, const char* side) {
    const bool has = rows && !rows->empty();
    if (has != !fields.empty())
      throw UsageError(std::string("model: the ") + side + " feature fields and the " + side + " feature rows disagree");
    if (has && (rows->rows != n || rows->offsets.size() != static_cast<std::size_t>(n) + 1 ||
                rows->index.size() != rows->weight.size() || rows->offsets.back() != rows->index.size()))
      throw UsageError(std::string("model: malformed ") + side + " feature rows");
    if (has)
      for (const std::int32_t f : rows->index)
        if (f < 0 || f >= rows->n_features()) throw UsageError(std::string("model: ") + side + " feature index out of range");
  };
  check_rows(features ? &features->user : nullptr, config.user_features, n_users, "user");
  check_rows(features ? &features->item : nullptr, config.item_features, n_items, "item");
  Rng init(seed);
  switch (config.kind) {
    case ModelKind::Deep: return make_deep_model(config, optimizer, n_users, n_items, features, init);
    case ModelKind::FM: return make_fm_model(config, optimizer, n_users, n_items, features, init);
    default: return make_bilinear_model(config, optimizer, n_users, n_items, features, init);
  }
}

std::unique_ptr<Model> make_item_side_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                            std::int32_t n_items, const ModelFeatures* features) {
  check_model_config(config, optimizer, 1, n_items);
  Rng init(0);
  switch (config.kind) {
    case ModelKind::Deep: return make_deep_model(config, optimizer, 0, n_items, features, init);
    case ModelKind::FM: return make_fm_model(config, optimizer, 0, n_items, features, init);
    default: return make_bilinear_model(config, optimizer, 0, n_items, features, init);
  }
}

float Model::score(std::int32_t user, std::int32_t item) const {
  if (item < 0 || item >= n_items_)
    throw UsageError("score: item " + std::to_string(item) + " out of range [0, " + std::to_string(n_items_) + ")");
  std::vector<float> scores(static_cast<std::size_t>(n_items_));
  score_items(user, scores.data());
  return scores[static_cast<std::size_t>(item)];
}

void Model::score_users(const std::int32_t* users, int count, float* out) const {
  for (int r = 0; r < count; ++r) score_items(users[r], out + static_cast<std::size_t>(r) * n_items_);
}

void Model::item_similarities(std::int32_t item, float* out) const {
  if (item < 0 || item >= n_items_)
    throw UsageError("item_similarities: item " + std::to_string(item) + " out of range [0, " +
                     std::to_string(n_items_) + ")");
  int dim = 0;
  const std::vector<float> vectors = item_vectors(dim);
  const linalg::ConstMatrixMap items(vectors.data(), n_items_, dim);
  auto inverse_norm = [](float squared) { return 1.0f / std::sqrt(squared > 1e-12f ? squared : 1e-12f); };
  const float* a = items.row(item).data();
  const float ia = inverse_norm(kernels::sum_squares(a, dim));
  for (std::int32_t i = 0; i < n_items_; ++i)
    out[i] = kernels::dot(a, items.row(i).data(), dim) * ia * inverse_norm(kernels::sum_squares(items.row(i).data(), dim));
}

std::vector<float> Model::item_vectors(int& dim) const {
  // parameters() only hands out pointers; nothing is modified here.
  for (const Tensor& t : const_cast<Model*>(this)->parameters())
    if (t.name == "item_embedding") {
      dim = t.shape[1];
      return {t.data, t.data + t.size()};
    }
  throw UsageError("the model has no item embedding");
}

std::vector<SummaryRow> embedding_summary_rows(const EmbeddingBag& user, const EmbeddingBag& item) {
  std::vector<SummaryRow> rows;
  for (const auto& [side, bag] : {std::pair<const char*, const EmbeddingBag*>{"user", &user}, {"item", &item}}) {
    const std::string d = std::to_string(bag->dim());
    if (bag->has_ids())
      rows.push_back({std::string(side) + "_embedding (Embedding)", "(None, 1, " + d + ")", bag->id_parameters()});
    if (bag->has_features())
      rows.push_back({std::string(side) + "_feature_embedding (Embedding)",
                      "(None, " + std::to_string(bag->features()->n_features()) + ", " + d + ")",
                      bag->feature_parameters()});
  }
  return rows;
}

std::string features_note(const EmbeddingBag& user, const EmbeddingBag& item) {
  if (!user.has_features() && !item.has_features()) return "";
  auto what = [](const EmbeddingBag& bag) -> std::string {
    if (!bag.has_features()) return "its id embedding";
    const std::string mean = "the mean of its feature embeddings (" + std::to_string(bag.features()->n_features()) + " values)";
    return bag.has_ids() ? "its id embedding plus " + mean : mean;
  };
  return " An item's vector is " + what(item) + "; a user's is " + what(user) + ".";
}

void Model::like_contributions(const float* user_vector, const std::int32_t* liked, int n_liked,
                               const std::int32_t* items, int n_items, const FoldInOptions& options,
                               float* out) const {
  for (int r = 0; r < n_items; ++r)
    if (items[r] < 0 || items[r] >= n_items_)
      throw UsageError("like_contributions: item " + std::to_string(items[r]) + " out of range [0, " +
                       std::to_string(n_items_) + ")");
  // Only the explained items are scored (a refit's scores of every item would be wasted work).
  std::vector<float> full(static_cast<std::size_t>(n_items)), without(full.size());
  score_vector_items(user_vector, items, n_items, full.data());
  if (n_liked == 1) {
    std::copy(full.begin(), full.end(), out);
    return;
  }
  std::vector<std::int32_t> others;
  for (int j = 0; j < n_liked; ++j) {
    others.assign(liked, liked + j);
    others.insert(others.end(), liked + j + 1, liked + n_liked);
    const std::vector<float> refit = fold_in(others.data(), n_liked - 1, options);
    score_vector_items(refit.data(), items, n_items, without.data());
    for (int r = 0; r < n_items; ++r) out[static_cast<std::size_t>(r) * n_liked + j] = full[r] - without[r];
  }
}

void Model::score_vector_items(const float* user_vector, const std::int32_t* items, int n, float* out) const {
  std::vector<float> all(static_cast<std::size_t>(n_items_));
  score_vector(user_vector, all.data());
  for (int r = 0; r < n; ++r) out[r] = all[static_cast<std::size_t>(items[r])];
}

std::string Model::contribution_meaning() const {
  return "leave-one-out: the item's score minus its score when the user is folded in without that like";
}

std::int64_t Model::param_count() {
  std::int64_t n = 0;
  for (const auto& t : parameters()) n += static_cast<std::int64_t>(t.size());
  return n;
}

std::string format_summary(const std::string& model_name, const std::vector<SummaryRow>& rows,
                           const std::string& note) {
  const std::string rule(65, '_'), double_rule(65, '=');
  std::string s = "Model: \"" + model_name + "\"\n" + rule + "\n";
  // Built with append: GCC 12 warns falsely (-Wrestrict) on `" " + std::string` at -O3.
  auto add_row = [&s](const std::string& a, const std::string& b, const std::string& c) {
    s.append(" ").append(pad(a, 28)).append(pad(b, 26)).append(c).append("\n");
  };
  add_row("Layer (type)", "Output Shape", "Param #");
  s.append(double_rule).append("\n");
  std::int64_t total = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    add_row(rows[i].layer, rows[i].output_shape, with_thousands(rows[i].params));
    if (i + 1 == rows.size()) s.append(double_rule).append("\n");
    total += rows[i].params;
  }
  s.append("Total params: ").append(with_thousands(total)).append("\n");
  s.append("Trainable params: ").append(with_thousands(total)).append("\n");
  s.append("Non-trainable params: 0\n").append(rule).append("\n");
  if (!note.empty()) s += note + "\n";
  return s;
}

}  // namespace tripletrec

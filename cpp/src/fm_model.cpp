// A factorization machine (Rendle 2010) over [user id, item id, user features, item features],
// trained with the triplet loss and sparse Adam like the other models.
//
// Input x: 1 for the user id and the item id, 1 / count for each of the row's feature values (so
// each side's features weigh as much as its id, LightFM's normalised rows). With factors v_j and
// linear weights w_j the FM score is
//   w0 + sum_j w_j x_j + sum_{j<l} <v_j, v_l> x_j x_l.
// The triplet loss sees only s(u, pos) - s(u, neg): every term without the item cancels (the
// global bias, the user side's linear weights, the user-user pairs), gets no gradient and is left
// out (DESIGN.md). What remains, with U = sum over the user side of x_j v_j and I the same over
// the item side, is
//   s(u, i) = sum_{item side} w_j x_j + <U, I> + 1/2 (|I|^2 - sum_{item side} x_j^2 |v_j|^2),
// the user-item pairs plus the item-item pairs by the sum-of-squares identity: O(k nnz), not
// O(k nnz^2). U and I are the EmbeddingBag vectors (id plus mean of features), so all three
// models share their composition.
#include <atomic>
#include <cmath>
#include <mutex>

#include "adam.hpp"
#include "embedding_bag.hpp"
#include "fold_in.hpp"
#include "kernels.hpp"
#include "linalg.hpp"
#include "models_internal.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec {
namespace {

// One training thread's state: gradient accumulators and composed vectors.
struct FmWorkspace final : TripletBagsWorkspace {
  FmWorkspace(const EmbeddingBag& user, const EmbeddingBag& item, const EmbeddingBag& bias, int factors)
      : TripletBagsWorkspace(user, item, factors), bias_grads(bias.make_gradients()) {}
  BagGradients bias_grads;  // the items' linear weights
};

class FmModel final : public ModelWithOptimizer {
 public:
  FmModel(const ModelConfig& config, const OptimizerConfig& optimizer, std::int32_t n_users, std::int32_t n_items,
          const ModelFeatures* features, Rng& init)
      : ModelWithOptimizer(optimizer), config_(config), k_(config.embedding_dim), adam_(optimizer) {
    n_users_ = n_users;
    n_items_ = n_items;
    if (features) features_ = *features;
    user_.init_ids(n_users, k_, keeps_ids(config, features_.user), init);
    item_.init_ids(n_items, k_, keeps_ids(config, features_.item), init);
    user_.init_features(&features_.user, init);
    item_.init_features(&features_.item, init);
    bias_.init_ids(n_items, 1, keeps_ids(config, features_.item), init, 0.0f);  // linear weights start at 0
    bias_.init_features(&features_.item, init, 0.0f);
  }

  ModelKind kind() const override { return ModelKind::FM; }
  const ModelConfig& config() const override { return config_; }

  std::unique_ptr<TrainingWorkspace> make_workspace() const override {
    return std::make_unique<FmWorkspace>(user_, item_, bias_, k_);
  }

  // Hogwild, as the bilinear model: rows lock-free, gradients each thread's own.
  bool parallel_training() const override { return true; }

  float train_batch(TrainingWorkspace& workspace, const std::int32_t* users, const std::int32_t* pos,
                    const std::int32_t* neg, int count, Rng&) override {
    check_triplet_ids(users, pos, neg, count);
    if (count == 0) return 0.0f;
    auto& ws = static_cast<FmWorkspace&>(workspace);
    if (ws.grow(user_, item_, count)) bias_.reserve(ws.bias_grads, 2 * count);  // warm-up, as the accumulators
    // Only a valid cache is invalidated: a store every batch would move this cache line between
    // the training threads on every batch (they all read the model's fields).
    if (cache_valid_.load(std::memory_order_relaxed)) cache_valid_.store(false, std::memory_order_relaxed);
    const float lr = adam_.begin_step();
    const float scale = 1.0f / static_cast<float>(count);
    double loss_sum = 0;
    for (int t = 0; t < count; ++t) {
      const float* u = user_.vector(users[t], ws.su.data());
      const float* p = item_.vector(pos[t], ws.sp.data());
      const float* q = item_.vector(neg[t], ws.sq.data());
      float* du = user_.gradient(ws.user_grads, users[t], ws.gu.data());
      float* dp = item_.gradient(ws.item_grads, pos[t], ws.gp.data());
      float* dq = item_.gradient(ws.item_grads, neg[t], ws.gq.data());
      bias_.touch(ws.bias_grads, pos[t]);
      bias_.touch(ws.bias_grads, neg[t]);
      const float loss = config_.margin + score(u, q, neg[t]) - score(u, p, pos[t]);
      if (loss > 0.0f) {
        loss_sum += loss;
        const float g_pos = -scale, g_neg = scale;  // d loss / d s_pos, d s_neg
        // d s / d U = I; d s / d I = U + I (the x_j^2 |v_j|^2 terms: self_terms below).
        kernels::axpy3(g_pos, p, g_neg, q, 0.0f, p, du, k_);
        kernels::axpy3(g_pos, u, g_pos, p, 0.0f, p, dp, k_);
        kernels::axpy3(g_neg, u, g_neg, q, 0.0f, q, dq, k_);
      }
      user_.scatter(ws.user_grads, users[t], du);
      item_.scatter(ws.item_grads, pos[t], dp);
      item_.scatter(ws.item_grads, neg[t], dq);
      if (loss > 0.0f) {
        self_terms(ws, pos[t], -scale);
        self_terms(ws, neg[t], scale);
      }
    }
    const bool exact = optimizer_.keras_exact;
    user_.apply(ws.user_grads, adam_, lr, exact, config_.l2);
    item_.apply(ws.item_grads, adam_, lr, exact, config_.l2);
    bias_.apply(ws.bias_grads, adam_, lr, exact, config_.l2);
    return static_cast<float>(loss_sum / count);
  }

  void score_items(std::int32_t user, float* out) const override {
    if (user < 0 || user >= n_users_)
      throw UsageError("score_items: user " + std::to_string(user) + " out of range [0, " + std::to_string(n_users_) + ")");
    score_users(&user, 1, out);
  }

  // One product for the block: U_block I^T, plus each item's own part (linear terms and
  // item-item pairs), which does not depend on the user.
  void score_users(const std::int32_t* users, int count, float* out) const override {
    for (int r = 0; r < count; ++r)
      if (users[r] < 0 || users[r] >= n_users_)
        throw UsageError("score_users: user " + std::to_string(users[r]) + " out of range [0, " +
                         std::to_string(n_users_) + ")");
    ensure_item_cache();
    thread_local linalg::Matrix block;  // the block's user vectors (scratch, per thread)
    block.resize(count, k_);
    for (int r = 0; r < count; ++r) user_.compose(users[r], block.row(r).data());
    kernels::gemm_set(block.data(), k_, 1, items_t_.data(), n_items_, out, n_items_, count, k_, n_items_);
    linalg::MatrixMap scores(out, count, n_items_);
    for (int r = 0; r < count; ++r) scores.row(r) += item_own_;
  }

  // --- fold-in: a new user's U against the frozen item side (s = <U, I> + the item's own part) ---
  int user_vector_size() const override { return k_; }

  void score_vector(const float* user_vector, float* out) const override {
    ensure_item_cache();
    kernels::gemm_set(user_vector, k_, 1, items_t_.data(), n_items_, out, n_items_, 1, k_, n_items_);
    linalg::MatrixMap(out, 1, n_items_) += item_own_;
  }

  std::vector<float> fold_in(const std::int32_t* liked, int n_liked, const FoldInOptions& options) const override {
    ensure_item_cache();
    const float margin = config_.margin;
    auto gradient = [&](const float* u, const std::int32_t* pos, const std::int32_t* neg, int count, float* du) {
      const float scale = 1.0f / static_cast<float>(count);
      for (int t = 0; t < count; ++t) {
        const float* p = items_.row(pos[t]).data();
        const float* q = items_.row(neg[t]).data();
        const float loss = margin + (kernels::dot(u, q, k_) + item_own_[neg[t]]) - (kernels::dot(u, p, k_) + item_own_[pos[t]]);
        if (loss > 0.0f) kernels::axpy3(-scale, p, scale, q, 0.0f, p, du, k_);  // d s / d U = I
      }
    };
    const std::vector<float> fixed = visitor_feature_part(user_, options);
    return fold_in_user(k_, liked, n_liked, n_items_, options, optimizer_, config_.l2, gradient,
                        fixed.empty() ? nullptr : fixed.data());
  }

  std::vector<float> item_vectors(int& dim) const override {
    dim = k_;
    const linalg::Matrix all = item_.compose_all();
    return {all.data(), all.data() + all.size()};
  }

  std::vector<Tensor> parameters() override {
    std::vector<Tensor> tensors;
    user_.tensors("user", tensors);
    item_.tensors("item", tensors);
    bias_.tensors("item", tensors, "bias");
    return tensors;
  }

  std::string summary() override {
    std::vector<SummaryRow> rows = embedding_summary_rows(user_, item_);
    if (bias_.has_ids()) rows.push_back({"item_bias (Embedding)", "(None, 1, 1)", bias_.id_parameters()});
    if (bias_.has_features())
      rows.push_back({"item_feature_bias (Embedding)", "(None, " + std::to_string(bias_.features()->n_features()) + ", 1)",
                      bias_.feature_parameters()});
    rows.push_back({"fm (FactorizationMachine)", "(None, 1)", 0});
    rows.push_back({"margin_loss (MarginLoss)", "(None, 1)", 0});
    return format_summary(
        "FactorizationMachine", rows,
        "score = item linear terms + <U, I> + item-item pairs (sum-of-squares identity), " + std::to_string(k_) +
            " factors. Left out, as the triplet loss cancels them (no gradient): the global bias, the user "
            "side's linear weights and the user-user pairs." + features_note(user_, item_));
  }

  void parameters_changed() override { cache_valid_.store(false, std::memory_order_relaxed); }

 private:
  // sum_{item side} x_j^2 |v_j|^2 of item i.
  float self_squares(std::int32_t item) const {
    float sum = item_.has_ids() ? kernels::sum_squares(item_.id_row(item), k_) : 0.0f;
    if (const FeatureRows* f = item_.features())
      for (std::uint32_t k = f->begin(item); k < f->end(item); ++k)
        sum += (f->weight[k] * f->weight[k]) * kernels::sum_squares(item_.feature_row(f->index[k]), k_);
    return sum;
  }

  float linear(std::int32_t item) const {
    float w = 0.0f;
    return *bias_.vector(item, &w);
  }

  // The item's own part of the score: linear terms and item-item pairs.
  float own_part(const float* i, std::int32_t item) const {
    return linear(item) + 0.5f * (kernels::sum_squares(i, k_) - self_squares(item));
  }

  float score(const float* u, const float* i, std::int32_t item) const {
    return kernels::dot(u, i, k_) + own_part(i, item);
  }

  // d loss / d v_j of the -1/2 x_j^2 |v_j|^2 terms (-g x_j^2 v_j) and of the linear weights
  // (g x_j), for a triplet's item whose score has d loss / d s = g.
  void self_terms(FmWorkspace& ws, std::int32_t item, float g) const {
    if (item_.has_ids()) kernels::axpy(-g, item_.id_row(item), EmbeddingBag::id_gradient(ws.item_grads, item), k_);
    if (const FeatureRows* f = item_.features())
      for (std::uint32_t k = f->begin(item); k < f->end(item); ++k)
        kernels::axpy(-g * (f->weight[k] * f->weight[k]), item_.feature_row(f->index[k]),
                      EmbeddingBag::feature_gradient(ws.item_grads, f->index[k]), k_);
    bias_.add_gradient(ws.bias_grads, item, &g);
  }

  // The item vectors transposed (for the scoring product) and each item's own part.
  void ensure_item_cache() const {
    if (cache_valid_.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_valid_.load(std::memory_order_relaxed)) return;
    items_ = item_.compose_all();
    items_t_ = items_.transpose();
    item_own_.resize(n_items_);
    for (std::int32_t i = 0; i < n_items_; ++i) item_own_[i] = own_part(items_.row(i).data(), i);
    cache_valid_.store(true, std::memory_order_release);
  }

  ModelConfig config_;
  int k_;
  EmbeddingBag user_, item_;  // factors: id and/or feature rows, k wide
  EmbeddingBag bias_;         // the item side's linear weights (1 wide)
  Adam adam_;

  mutable std::mutex cache_mutex_;
  mutable std::atomic<bool> cache_valid_{false};
  mutable linalg::Matrix items_;         // items x k: the composed item vectors (fold-in)
  mutable linalg::Matrix items_t_;       // k x items
  mutable linalg::RowVector item_own_;   // items
};

}  // namespace

std::unique_ptr<Model> make_fm_model(const ModelConfig& config, const OptimizerConfig& optimizer, std::int32_t n_users,
                                     std::int32_t n_items, const ModelFeatures* features, Rng& init) {
  return std::make_unique<FmModel>(config, optimizer, n_users, n_items, features, init);
}

}  // namespace tripletrec

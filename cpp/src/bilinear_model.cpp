// The notebook's TripletModel: user and item embeddings, cosine (Keras' Dot(normalize=True))
// or dot-product similarity, margin loss, L2 on the embeddings, Adam.
#include <algorithm>
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

constexpr float kNormEpsilon = 1e-12f;  // Keras' l2_normalize clamps the squared norm here

// 1 / max(norm, sqrt(eps)) as l2_normalize computes it.
inline float inverse_norm(float squared_norm) {
  return 1.0f / std::sqrt(squared_norm > kNormEpsilon ? squared_norm : kNormEpsilon);
}

// One training thread's state: the batch's gradient accumulators and the composed vectors.
struct BilinearWorkspace final : TripletBagsWorkspace {
  using TripletBagsWorkspace::TripletBagsWorkspace;
  IdReplica items;  // several threads, few items: this thread's copy of the item rows (embedding_bag.hpp)
};

class BilinearModel final : public ModelWithOptimizer {
 public:
  BilinearModel(const ModelConfig& config, const OptimizerConfig& optimizer, std::int32_t n_users,
                std::int32_t n_items, const ModelFeatures* features, Rng& init)
      : ModelWithOptimizer(optimizer), config_(config), dim_(config.embedding_dim), adam_(optimizer) {
    n_users_ = n_users;
    n_items_ = n_items;
    if (features) features_ = *features;
    user_.init_ids(n_users, dim_, keeps_ids(config, features_.user), init);
    item_.init_ids(n_items, dim_, keeps_ids(config, features_.item), init);
    user_.init_features(&features_.user, init);
    item_.init_features(&features_.item, init);
  }

  ModelKind kind() const override { return ModelKind::Bilinear; }
  const ModelConfig& config() const override { return config_; }

  std::unique_ptr<TrainingWorkspace> make_workspace() const override {
    return std::make_unique<BilinearWorkspace>(user_, item_, dim_);
  }

  // Hogwild: threads read and update the rows they use without locks (the rows' floats and
  // their Adam moments may interleave between threads; each thread's gradients are its own).
  // A small item table is the exception: each thread trains a copy, synced every few batches.
  bool parallel_training() const override { return true; }

  void end_round(TrainingWorkspace& workspace) override {
    auto& ws = static_cast<BilinearWorkspace&>(workspace);
    if (ws.items.active()) ws.items.sync(item_, true);
  }

  float train_batch(TrainingWorkspace& workspace, const std::int32_t* users, const std::int32_t* pos,
                    const std::int32_t* neg, int count, Rng&) override {
    check_triplet_ids(users, pos, neg, count);
    if (count == 0) return 0.0f;
    auto& ws = static_cast<BilinearWorkspace&>(workspace);
    const bool exact = optimizer_.keras_exact;
    if (ws.grow(user_, item_, count) && ws.other_threads && !exact && !ws.items.active() && IdReplica::suits(item_))
      ws.items.attach(item_, item_sync_mutex_);  // warm-up, as the accumulators: several threads train a copy of a small item table
    // Only a valid cache is invalidated: a store every batch would move this cache line between
    // the training threads on every batch (they all read the model's fields).
    if (cache_valid_.load(std::memory_order_relaxed)) cache_valid_.store(false, std::memory_order_relaxed);
    const float lr = adam_.begin_step();

    const double loss_sum = user_.plain() && item_.plain() ? accumulate_gradients<true>(ws, users, pos, neg, count)
                                                           : accumulate_gradients<false>(ws, users, pos, neg, count);
    user_.apply(ws.user_grads, adam_, lr, exact, config_.l2);
    if (ws.items.active())
      ws.items.apply(item_, ws.item_grads.ids, adam_, lr, config_.l2);
    else
      item_.apply(ws.item_grads, adam_, lr, exact, config_.l2);
    return static_cast<float>(loss_sum / count);
  }

  // The batch's gradients into the workspace's accumulators; returns the sum of the losses. Plain
  // (id embeddings only, no features): the rows are the tables' own and the gradients accumulate
  // in place, with no call per row use (through EmbeddingBag's general path, bilinear training in
  // wasm measured ~5% slower).
  template <bool kPlain>
  double accumulate_gradients(BilinearWorkspace& ws, const std::int32_t* users, const std::int32_t* pos,
                              const std::int32_t* neg, int count) const {
    const bool cosine = config_.similarity == Similarity::Cosine;
    const float margin = config_.margin, scale = 1.0f / static_cast<float>(count);
    // The item rows this thread reads: its copy on several threads with few items (IdReplica).
    const float* item_rows = nullptr;
    if constexpr (kPlain) item_rows = ws.items.active() ? ws.items.row(0) : item_.id_row(0);
    double loss_sum = 0;
    for (int t = 0; t < count; ++t) {
      // The vectors (the id rows themselves without features) and their gradient accumulators;
      // every row the batch used is registered (as Keras' sparse gradients do), even at zero loss.
      if constexpr (kPlain) {
        const float* u = user_.id_row(users[t]);
        const float* p = item_rows + static_cast<std::size_t>(pos[t]) * static_cast<std::size_t>(dim_);
        const float* q = item_rows + static_cast<std::size_t>(neg[t]) * static_cast<std::size_t>(dim_);
        float* du = EmbeddingBag::id_gradient(ws.user_grads, users[t]);
        float* dp = EmbeddingBag::id_gradient(ws.item_grads, pos[t]);
        float* dq = EmbeddingBag::id_gradient(ws.item_grads, neg[t]);
        loss_sum += triplet_gradient(u, p, q, du, dp, dq, cosine, margin, scale);
      } else {
        const float* u = user_.vector(users[t], ws.su.data());
        const float* p = item_.vector(pos[t], ws.sp.data());
        const float* q = item_.vector(neg[t], ws.sq.data());
        float* du = user_.gradient(ws.user_grads, users[t], ws.gu.data());
        float* dp = item_.gradient(ws.item_grads, pos[t], ws.gp.data());
        float* dq = item_.gradient(ws.item_grads, neg[t], ws.gq.data());
        loss_sum += triplet_gradient(u, p, q, du, dp, dq, cosine, margin, scale);
        user_.scatter(ws.user_grads, users[t], du);
        item_.scatter(ws.item_grads, pos[t], dp);
        item_.scatter(ws.item_grads, neg[t], dq);
      }
    }
    return loss_sum;
  }

  // One triplet's loss, its gradients added to du, dp, dq (nothing at zero loss).
  float triplet_gradient(const float* u, const float* p, const float* q, float* du, float* dp, float* dq,
                         bool cosine, float margin, float scale) const {
    const kernels::TripletSums sums = kernels::triplet_sums(u, p, q, dim_);
    if (cosine) {
      const float iu = inverse_norm(sums.uu), ip = inverse_norm(sums.pp), iq = inverse_norm(sums.nn);
      const float sp = sums.up * iu * ip, sq = sums.un * iu * iq;
      const float loss = margin + sq - sp;
      if (!(loss > 0.0f)) return 0.0f;  // margin satisfied: no gradient
      // d cos(a, b) / da = |a|^-1 |b|^-1 b - cos |a|^-2 a (no norm term where the clamp holds).
      const float ku = sums.uu > kNormEpsilon ? iu * iu : 0.0f;
      const float kp = sums.pp > kNormEpsilon ? ip * ip : 0.0f;
      const float kq = sums.nn > kNormEpsilon ? iq * iq : 0.0f;
      const float gp = -scale, gq = scale;  // d loss / d s_pos, d s_neg
      kernels::cosine_triplet_gradients(u, p, q, gp * iu * ip, gq * iu * iq, -(gp * sp + gq * sq) * ku,  // du
                                        gp * iu * ip, -gp * sp * kp,                                   // dp
                                        gq * iu * iq, -gq * sq * kq,                                   // dq
                                        du, dp, dq, dim_);
      return loss;
    }
    const float loss = margin + sums.un - sums.up;
    if (!(loss > 0.0f)) return 0.0f;
    kernels::axpy3(-scale, p, scale, q, 0.0f, u, du, dim_);
    kernels::axpy(-scale, u, dp, dim_);
    kernels::axpy(scale, u, dq, dim_);
    return loss;
  }

  void score_items(std::int32_t user, float* out) const override {
    if (user < 0 || user >= n_users_) throw UsageError("score_items: user " + std::to_string(user) +
                                                       " out of range [0, " + std::to_string(n_users_) + ")");
    score_users(&user, 1, out);
  }

  // One product for the block: scores = U_block I^T, then for cosine each row scaled by the user's
  // inverse norm and each column by the item's (the expression of training: (u.i |u|^-1) |i|^-1).
  void score_users(const std::int32_t* users, int count, float* out) const override {
    for (int r = 0; r < count; ++r)
      if (users[r] < 0 || users[r] >= n_users_)
        throw UsageError("score_users: user " + std::to_string(users[r]) + " out of range [0, " +
                         std::to_string(n_users_) + ")");
    thread_local linalg::Matrix block;  // the block's user vectors, gathered (scratch, per thread)
    block.resize(count, dim_);
    for (int r = 0; r < count; ++r) user_.compose(users[r], block.row(r).data());
    score_rows(block.data(), count, out);
  }

  // --- fold-in ---
  int user_vector_size() const override { return dim_; }

  void score_vector(const float* user_vector, float* out) const override { score_rows(user_vector, 1, out); }

  // The gradient of training's loss for one user row (train_batch's expressions), items frozen.
  std::vector<float> fold_in(const std::int32_t* liked, int n_liked, const FoldInOptions& options) const override {
    ensure_item_cache();  // the items' composed vectors, frozen
    const bool cosine = config_.similarity == Similarity::Cosine;
    const float margin = config_.margin;
    auto gradient = [&](const float* u, const std::int32_t* pos, const std::int32_t* neg, int count, float* du) {
      const float scale = 1.0f / static_cast<float>(count);
      for (int t = 0; t < count; ++t) {
        const float* p = items_.row(pos[t]).data();
        const float* q = items_.row(neg[t]).data();
        const kernels::TripletSums sums = kernels::triplet_sums(u, p, q, dim_);
        if (cosine) {
          const float iu = inverse_norm(sums.uu), ip = inverse_norm(sums.pp), iq = inverse_norm(sums.nn);
          const float sp = sums.up * iu * ip, sq = sums.un * iu * iq;
          if (!(margin + sq - sp > 0.0f)) continue;
          const float ku = sums.uu > kNormEpsilon ? iu * iu : 0.0f;
          const float gp = -scale, gq = scale;
          kernels::axpy3(gp * iu * ip, p, gq * iu * iq, q, -(gp * sp + gq * sq) * ku, u, du, dim_);
        } else {
          if (!(margin + sums.un - sums.up > 0.0f)) continue;
          kernels::axpy3(-scale, p, scale, q, 0.0f, u, du, dim_);
        }
      }
    };
    const std::vector<float> fixed = visitor_feature_part(user_, options);
    return fold_in_user(dim_, liked, n_liked, n_items_, options, optimizer_, config_.l2, gradient,
                        fixed.empty() ? nullptr : fixed.data());
  }

  // The like most similar to the item in the model's own item space: the cosine of their
  // embeddings (what "similar items" ranks by). The folded vector is pulled toward the likes'
  // directions, so an item scores high where it lies close to some like; no refit is needed.
  void like_contributions(const float*, const std::int32_t* liked, int n_liked, const std::int32_t* items,
                          int n_items, const FoldInOptions&, float* out) const override {
    ensure_item_cache();
    for (int r = 0; r < n_items; ++r)
      for (int j = 0; j < n_liked; ++j) {
        const std::int32_t a = items[r], b = liked[j];
        out[static_cast<std::size_t>(r) * n_liked + j] =
            kernels::dot(items_.row(a).data(), items_.row(b).data(), dim_) * item_inverse_norm_[a] * item_inverse_norm_[b];
      }
  }

  std::string contribution_meaning() const override {
    return "cosine similarity between the liked item's and the recommended item's embeddings";
  }

  std::vector<Tensor> parameters() override {
    std::vector<Tensor> tensors;
    user_.tensors("user", tensors);
    item_.tensors("item", tensors);
    return tensors;
  }

  std::vector<float> item_vectors(int& dim) const override {
    dim = dim_;
    const linalg::Matrix all = item_.compose_all();
    return {all.data(), all.data() + all.size()};
  }

  std::string summary() override {
    const std::string d = std::to_string(dim_);
    const std::string similarity = config_.similarity == Similarity::Cosine ? "dot (Dot, normalize)" : "dot (Dot)";
    std::vector<SummaryRow> rows = embedding_summary_rows(user_, item_);
    rows.push_back({"flatten (Flatten)", "(None, " + d + ")", 0});
    rows.push_back({similarity, "(None, 1)", 0});
    rows.push_back({"margin_loss (MarginLoss)", "(None, 1)", 0});
    return format_summary("TripletModel", rows,
                          std::string(user_.plain() && item_.plain() ? "item_embedding is" : "The item tables are") +
                              " shared by the positive and the negative item." + features_note(user_, item_));
  }

  void parameters_changed() override { cache_valid_.store(false, std::memory_order_relaxed); }

 private:
  // Scores of every item for `count` contiguous user rows: one product, then the cosine scaling.
  void score_rows(const float* rows, int count, float* out) const {
    ensure_item_cache();
    kernels::gemm_set(rows, dim_, 1, items_t_.data(), n_items_, out, n_items_, count, dim_, n_items_);
    if (config_.similarity == Similarity::Dot) return;
    linalg::MatrixMap scores(out, count, n_items_);
    for (int r = 0; r < count; ++r) {
      const float iu = inverse_norm(kernels::sum_squares(rows + static_cast<std::size_t>(r) * dim_, dim_));
      scores.row(r).array() = (scores.row(r).array() * iu) * item_inverse_norm_.array().transpose();
    }
  }

  // The item table transposed (for the scoring product) and the items' inverse norms. Rebuilt at
  // most once per parameter change; const callers may race to it, hence the lock.
  void ensure_item_cache() const {
    if (cache_valid_.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_valid_.load(std::memory_order_relaxed)) return;
    items_ = item_.compose_all();
    items_t_ = items_.transpose();
    item_inverse_norm_.resize(n_items_);
    for (std::int32_t i = 0; i < n_items_; ++i)
      item_inverse_norm_[i] = inverse_norm(kernels::sum_squares(items_.row(i).data(), dim_));
    cache_valid_.store(true, std::memory_order_release);
  }

  ModelConfig config_;
  int dim_;
  EmbeddingBag user_, item_;  // id embeddings and/or the mean of feature embeddings
  Adam adam_;
  std::mutex item_sync_mutex_;  // one thread at a time merges its copy of the item table (IdReplica)

  mutable std::mutex cache_mutex_;
  mutable std::atomic<bool> cache_valid_{false};
  mutable linalg::Matrix items_;    // items x dim: every item's (composed) vector
  mutable linalg::Matrix items_t_;  // dim x items
  mutable Eigen::VectorXf item_inverse_norm_;
};

}  // namespace

std::unique_ptr<Model> make_bilinear_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                           std::int32_t n_users, std::int32_t n_items,
                                           const ModelFeatures* features, Rng& init) {
  return std::make_unique<BilinearModel>(config, optimizer, n_users, n_items, features, init);
}

}  // namespace tripletrec

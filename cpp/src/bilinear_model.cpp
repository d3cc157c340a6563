// The notebook's TripletModel: user and item embeddings, cosine (Keras' Dot(normalize=True))
// or dot-product similarity, margin loss, L2 on the embeddings, Adam.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>

#include "adam.hpp"
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

class BilinearModel final : public ModelWithOptimizer {
 public:
  BilinearModel(const ModelConfig& config, const OptimizerConfig& optimizer, std::int32_t n_users,
                std::int32_t n_items, Rng& init)
      : ModelWithOptimizer(optimizer), config_(config), dim_(config.embedding_dim), adam_(optimizer) {
    n_users_ = n_users;
    n_items_ = n_items;
    user_ = uniform_table(n_users, dim_, 0.05f, init);  // Keras' Embedding default
    item_ = uniform_table(n_items, dim_, 0.05f, init);
    user_moments_ = AdamMoments(static_cast<std::size_t>(user_.size()));
    item_moments_ = AdamMoments(static_cast<std::size_t>(item_.size()));
    user_grads_.reset(n_users, dim_);
    item_grads_.reset(n_items, dim_);
  }

  ModelKind kind() const override { return ModelKind::Bilinear; }
  const ModelConfig& config() const override { return config_; }

  float train_batch(const std::int32_t* users, const std::int32_t* pos, const std::int32_t* neg,
                    int count, Rng&) override {
    check_triplet_ids(users, pos, neg, count);
    if (count == 0) return 0.0f;
    if (count > capacity_) {  // warm-up: size the accumulators for the largest batch seen
      user_grads_.reserve(count);
      item_grads_.reserve(2 * count);
      capacity_ = count;
    }
    cache_valid_.store(false, std::memory_order_relaxed);
    adam_.begin_step();

    const bool cosine = config_.similarity == Similarity::Cosine;
    const float margin = config_.margin, scale = 1.0f / static_cast<float>(count);
    double loss_sum = 0;
    for (int t = 0; t < count; ++t) {
      const auto u = user_.row(users[t]);
      const auto p = item_.row(pos[t]);
      const auto q = item_.row(neg[t]);
      // Register every row the batch used (as Keras' sparse gradients do), even at zero loss.
      float* du = user_grads_.row(users[t]);
      float* dp = item_grads_.row(pos[t]);
      float* dq = item_grads_.row(neg[t]);
      const kernels::TripletSums sums = kernels::triplet_sums(u.data(), p.data(), q.data(), dim_);
      if (cosine) {
        const float iu = inverse_norm(sums.uu), ip = inverse_norm(sums.pp), iq = inverse_norm(sums.nn);
        const float sp = sums.up * iu * ip, sq = sums.un * iu * iq;
        const float loss = margin + sq - sp;
        if (!(loss > 0.0f)) continue;  // margin satisfied: no gradient
        loss_sum += loss;
        // d cos(a, b) / da = |a|^-1 |b|^-1 b - cos |a|^-2 a (no norm term where the clamp holds).
        const float ku = sums.uu > kNormEpsilon ? iu * iu : 0.0f;
        const float kp = sums.pp > kNormEpsilon ? ip * ip : 0.0f;
        const float kq = sums.nn > kNormEpsilon ? iq * iq : 0.0f;
        const float gp = -scale, gq = scale;  // d loss / d s_pos, d s_neg
        kernels::axpy3(gp * iu * ip, p.data(), gq * iu * iq, q.data(), -(gp * sp + gq * sq) * ku, u.data(), du, dim_);
        kernels::axpy3(gp * iu * ip, u.data(), -gp * sp * kp, p.data(), 0.0f, p.data(), dp, dim_);
        kernels::axpy3(gq * iu * iq, u.data(), -gq * sq * kq, q.data(), 0.0f, q.data(), dq, dim_);
      } else {
        const float loss = margin + sums.un - sums.up;
        if (!(loss > 0.0f)) continue;
        loss_sum += loss;
        kernels::axpy3(-scale, p.data(), scale, q.data(), 0.0f, u.data(), du, dim_);
        kernels::axpy(-scale, u.data(), dp, dim_);
        kernels::axpy(scale, u.data(), dq, dim_);
      }
    }
    const bool exact = optimizer_.keras_exact;
    apply_embedding_update(adam_, exact, config_.l2, user_.data(), n_users_, user_moments_, user_grads_);
    apply_embedding_update(adam_, exact, config_.l2, item_.data(), n_items_, item_moments_, item_grads_);
    return static_cast<float>(loss_sum / count);
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
    ensure_item_cache();
    thread_local linalg::Matrix block;  // the block's user rows, gathered (scratch, per thread)
    block.resize(count, dim_);
    for (int r = 0; r < count; ++r) block.row(r) = user_.row(users[r]);
    kernels::gemm_set(block.data(), dim_, 1, items_t_.data(), n_items_, out, n_items_, count, dim_, n_items_);
    if (config_.similarity == Similarity::Dot) return;
    linalg::MatrixMap scores(out, count, n_items_);
    for (int r = 0; r < count; ++r) {
      const float iu = inverse_norm(kernels::sum_squares(block.row(r).data(), dim_));
      scores.row(r).array() = (scores.row(r).array() * iu) * item_inverse_norm_.array().transpose();
    }
  }

  std::vector<Tensor> parameters() override {
    return {{"user_embedding", {n_users_, dim_}, user_.data()},
            {"item_embedding", {n_items_, dim_}, item_.data()}};
  }

  std::string summary() override {
    const std::string d = std::to_string(dim_);
    const std::string similarity = config_.similarity == Similarity::Cosine ? "dot (Dot, normalize)" : "dot (Dot)";
    return format_summary("TripletModel",
                          {{"user_embedding (Embedding)", "(None, 1, " + d + ")", std::int64_t(n_users_) * dim_},
                           {"item_embedding (Embedding)", "(None, 1, " + d + ")", std::int64_t(n_items_) * dim_},
                           {"flatten (Flatten)", "(None, " + d + ")", 0},
                           {similarity, "(None, 1)", 0},
                           {"margin_loss (MarginLoss)", "(None, 1)", 0}},
                          "item_embedding is shared by the positive and the negative item.");
  }

  void parameters_changed() override { cache_valid_.store(false, std::memory_order_relaxed); }

 private:
  // The item table transposed (for the scoring product) and the items' inverse norms. Rebuilt at
  // most once per parameter change; const callers may race to it, hence the lock.
  void ensure_item_cache() const {
    if (cache_valid_.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_valid_.load(std::memory_order_relaxed)) return;
    items_t_ = item_.transpose();
    item_inverse_norm_.resize(n_items_);
    for (std::int32_t i = 0; i < n_items_; ++i)
      item_inverse_norm_[i] = inverse_norm(kernels::sum_squares(item_.row(i).data(), dim_));
    cache_valid_.store(true, std::memory_order_release);
  }

  ModelConfig config_;
  int dim_;
  linalg::Matrix user_, item_;  // one row per user / item
  AdamMoments user_moments_, item_moments_;
  Adam adam_;
  RowGradients user_grads_, item_grads_;
  int capacity_ = 0;

  mutable std::mutex cache_mutex_;
  mutable std::atomic<bool> cache_valid_{false};
  mutable linalg::Matrix items_t_;  // dim x items
  mutable Eigen::VectorXf item_inverse_norm_;
};

}  // namespace

std::unique_ptr<Model> make_bilinear_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                           std::int32_t n_users, std::int32_t n_items, Rng& init) {
  return std::make_unique<BilinearModel>(config, optimizer, n_users, n_items, init);
}

}  // namespace tripletrec

// The notebook's TripletModel: user and item embeddings, cosine (Keras' Dot(normalize=True))
// or dot-product similarity, margin loss, L2 on the embeddings, Adam.
#include <atomic>
#include <cmath>
#include <mutex>

#include "adam.hpp"
#include "kernels.hpp"
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
    user_.resize(static_cast<std::size_t>(n_users) * dim_);
    item_.resize(static_cast<std::size_t>(n_items) * dim_);
    for (auto& w : user_) w = init.uniform(-0.05f, 0.05f);  // Keras' Embedding default
    for (auto& w : item_) w = init.uniform(-0.05f, 0.05f);
    user_moments_ = AdamMoments(user_.size());
    item_moments_ = AdamMoments(item_.size());
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
      const float* u = user_row(users[t]);
      const float* p = item_row(pos[t]);
      const float* q = item_row(neg[t]);
      // Register every row the batch used (as Keras' sparse gradients do), even at zero loss.
      float* du = user_grads_.row(users[t]);
      float* dp = item_grads_.row(pos[t]);
      float* dq = item_grads_.row(neg[t]);
      const kernels::TripletSums sums = kernels::triplet_sums(u, p, q, dim_);
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
        kernels::axpy3(gp * iu * ip, p, gq * iu * iq, q, -(gp * sp + gq * sq) * ku, u, du, dim_);
        kernels::axpy3(gp * iu * ip, u, -gp * sp * kp, p, 0.0f, p, dp, dim_);
        kernels::axpy3(gq * iu * iq, u, -gq * sq * kq, q, 0.0f, q, dq, dim_);
      } else {
        const float loss = margin + sums.un - sums.up;
        if (!(loss > 0.0f)) continue;
        loss_sum += loss;
        kernels::axpy3(-scale, p, scale, q, 0.0f, u, du, dim_);
        kernels::axpy(-scale, u, dp, dim_);
        kernels::axpy(scale, u, dq, dim_);
      }
    }
    const bool exact = optimizer_.keras_exact;
    apply_embedding_update(adam_, exact, config_.l2, user_.data(), n_users_, user_moments_, user_grads_);
    apply_embedding_update(adam_, exact, config_.l2, item_.data(), n_items_, item_moments_, item_grads_);
    return static_cast<float>(loss_sum / count);
  }

  double loss_and_gradients(const std::int32_t* users, const std::int32_t* pos, const std::int32_t* neg,
                            int count, std::vector<std::vector<float>>* gradients) override {
    // Independent double-precision reference of the forward and backward pass.
    check_triplet_ids(users, pos, neg, count);
    const int d = dim_;
    std::vector<double> gu(user_.size(), 0.0), gi(item_.size(), 0.0);
    const bool cosine = config_.similarity == Similarity::Cosine;
    double loss = 0;
    for (int t = 0; t < count; ++t) {
      const float* u = user_row(users[t]);
      const float* p = item_row(pos[t]);
      const float* q = item_row(neg[t]);
      double uu = 0, pp = 0, qq = 0, up = 0, uq = 0;
      for (int k = 0; k < d; ++k) {
        uu += double(u[k]) * u[k];
        pp += double(p[k]) * p[k];
        qq += double(q[k]) * q[k];
        up += double(u[k]) * p[k];
        uq += double(u[k]) * q[k];
      }
      const double eps = kNormEpsilon;
      const double nu = std::sqrt(std::max(uu, eps)), np = std::sqrt(std::max(pp, eps)),
                   nq = std::sqrt(std::max(qq, eps));
      const double sp = cosine ? up / (nu * np) : up, sq = cosine ? uq / (nu * nq) : uq;
      const double l = config_.margin + sq - sp;
      if (l <= 0) continue;
      loss += l / count;
      const double gp = -1.0 / count, gq = 1.0 / count;
      double* du = gu.data() + static_cast<std::size_t>(users[t]) * d;
      double* dp = gi.data() + static_cast<std::size_t>(pos[t]) * d;
      double* dq = gi.data() + static_cast<std::size_t>(neg[t]) * d;
      for (int k = 0; k < d; ++k) {
        if (cosine) {
          const double cu = uu > eps ? 1.0 / (nu * nu) : 0, cp = pp > eps ? 1.0 / (np * np) : 0,
                       cq = qq > eps ? 1.0 / (nq * nq) : 0;
          du[k] += gp * (p[k] / (nu * np) - sp * cu * u[k]) + gq * (q[k] / (nu * nq) - sq * cu * u[k]);
          dp[k] += gp * (u[k] / (nu * np) - sp * cp * p[k]);
          dq[k] += gq * (u[k] / (nu * nq) - sq * cq * q[k]);
        } else {
          du[k] += gp * p[k] + gq * q[k];
          dp[k] += gp * u[k];
          dq[k] += gq * u[k];
        }
      }
    }
    const double l2 = config_.l2;
    for (std::size_t k = 0; k < user_.size(); ++k) {
      loss += l2 * double(user_[k]) * user_[k];
      gu[k] += 2 * l2 * user_[k];
    }
    for (std::size_t k = 0; k < item_.size(); ++k) {
      loss += l2 * double(item_[k]) * item_[k];
      gi[k] += 2 * l2 * item_[k];
    }
    if (gradients) {
      gradients->assign(2, {});
      (*gradients)[0].assign(gu.begin(), gu.end());
      (*gradients)[1].assign(gi.begin(), gi.end());
    }
    return loss;
  }

  void score_items(std::int32_t user, float* out) const override {
    if (user < 0 || user >= n_users_) throw UsageError("score_items: user " + std::to_string(user) +
                                                       " out of range [0, " + std::to_string(n_users_) + ")");
    const float* u = user_row(user);
    if (config_.similarity == Similarity::Dot) {
      for (std::int32_t i = 0; i < n_items_; ++i) out[i] = kernels::dot(u, item_row(i), dim_);
      return;
    }
    ensure_item_norms();
    const float iu = inverse_norm(kernels::sum_squares(u, dim_));
    // (u.i * |u|^-1) * |i|^-1: the same expression as in training.
    for (std::int32_t i = 0; i < n_items_; ++i)
      out[i] = kernels::dot(u, item_row(i), dim_) * iu * item_inverse_norm_[i];
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
  const float* user_row(std::int32_t u) const { return user_.data() + static_cast<std::size_t>(u) * dim_; }
  const float* item_row(std::int32_t i) const { return item_.data() + static_cast<std::size_t>(i) * dim_; }


  // Rebuilt at most once per parameter change; const callers may race to it, hence the lock.
  void ensure_item_norms() const {
    if (cache_valid_.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_valid_.load(std::memory_order_relaxed)) return;
    item_inverse_norm_.resize(static_cast<std::size_t>(n_items_));
    for (std::int32_t i = 0; i < n_items_; ++i)
      item_inverse_norm_[i] = inverse_norm(kernels::sum_squares(item_row(i), dim_));
    cache_valid_.store(true, std::memory_order_release);
  }

  ModelConfig config_;
  int dim_;
  std::vector<float> user_, item_;
  AdamMoments user_moments_, item_moments_;
  Adam adam_;
  RowGradients user_grads_, item_grads_;
  int capacity_ = 0;

  mutable std::mutex cache_mutex_;
  mutable std::atomic<bool> cache_valid_{false};
  mutable std::vector<float> item_inverse_norm_;
};

}  // namespace

std::unique_ptr<Model> make_bilinear_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                           std::int32_t n_users, std::int32_t n_items, Rng& init) {
  return std::make_unique<BilinearModel>(config, optimizer, n_users, n_items, init);
}

}  // namespace tripletrec

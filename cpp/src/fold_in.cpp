// Fold-in (see fold_in.hpp): Adam on one user vector against frozen items.
#include "fold_in.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "adam.hpp"
#include "embedding_bag.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/random.hpp"

namespace tripletrec {

std::vector<float> visitor_feature_part(const EmbeddingBag& user, const FoldInOptions& options) {
  if (options.user_features.empty()) return {};
  const FeatureRows* vocabulary = user.features();
  if (!vocabulary) throw UsageError("fold-in: the model has no user features");
  std::vector<std::int32_t> sorted = options.user_features;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t j = 0; j < sorted.size(); ++j) {
    if (sorted[j] < 0 || sorted[j] >= vocabulary->n_features())
      throw UsageError("fold-in: user feature index " + std::to_string(sorted[j]) + " out of range [0, " +
                       std::to_string(vocabulary->n_features()) + ")");
    if (j > 0 && sorted[j] == sorted[j - 1])
      throw UsageError("fold-in: user feature " + vocabulary->names[static_cast<std::size_t>(sorted[j])] + " given twice");
  }
  return user.feature_mean(sorted);
}

std::vector<float> fold_in_user(int size, const std::int32_t* liked, int n_liked, std::int32_t n_items,
                                const FoldInOptions& options, const OptimizerConfig& optimizer, float l2,
                                const FoldInGradient& gradient, const float* fixed) {
  if (n_liked < 1) throw UsageError("fold-in: give at least one liked item");
  std::vector<std::int32_t> sorted(liked, liked + n_liked);
  std::sort(sorted.begin(), sorted.end());
  for (int j = 0; j < n_liked; ++j) {
    if (sorted[j] < 0 || sorted[j] >= n_items)
      throw UsageError("fold-in: liked item index " + std::to_string(sorted[j]) + " out of range [0, " +
                       std::to_string(n_items) + ")");
    if (j > 0 && sorted[j] == sorted[j - 1])
      throw UsageError("fold-in: liked item index " + std::to_string(sorted[j]) + " given twice");
  }
  if (options.steps < 1) throw UsageError("fold-in: steps must be >= 1, got " + std::to_string(options.steps));
  if (!(options.learning_rate > 0.0f && std::isfinite(options.learning_rate)))
    throw UsageError("fold-in: learning rate must be > 0");

  Rng rng(options.seed);
  std::vector<float> user(static_cast<std::size_t>(size));
  for (float& w : user) w = rng.uniform(-0.05f, 0.05f);
  OptimizerConfig config = optimizer;
  config.learning_rate = options.learning_rate;
  Adam adam(config);
  AdamMoments moments(user.size());
  std::vector<float> grad(user.size());
  std::vector<std::int32_t> negatives(static_cast<std::size_t>(n_liked));
  // With a fixed part the loss sees fixed + fitted (d/d fitted = d/d the sum); L2 is on the fit.
  std::vector<float> sum(fixed ? user.size() : 0);
  auto composed = [&] {
    if (!fixed) return user.data();
    for (std::size_t i = 0; i < user.size(); ++i) sum[i] = fixed[i] + user[i];
    return sum.data();
  };
  for (int step = 0; step < options.steps; ++step) {
    for (auto& n : negatives) n = static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(n_items)));
    std::fill(grad.begin(), grad.end(), 0.0f);
    gradient(composed(), liked, negatives.data(), n_liked, grad.data());
    const float lr = adam.begin_step();
    adam.update_l2(lr, user.data(), grad.data(), l2, moments.m.data(), moments.v.data(), user.size());
  }
  if (fixed) return {composed(), composed() + user.size()};
  return user;
}

}  // namespace tripletrec

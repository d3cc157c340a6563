// Fold-in (see fold_in.hpp): Adam on one user vector against frozen items.
#include "fold_in.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "adam.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/random.hpp"

namespace tripletrec {

std::vector<float> fold_in_user(int size, const std::int32_t* liked, int n_liked, std::int32_t n_items,
                                const FoldInOptions& options, const OptimizerConfig& optimizer, float l2,
                                const FoldInGradient& gradient) {
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
  for (int step = 0; step < options.steps; ++step) {
    for (auto& n : negatives) n = static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(n_items)));
    std::fill(grad.begin(), grad.end(), 0.0f);
    gradient(user.data(), liked, negatives.data(), n_liked, grad.data());
    const float lr = adam.begin_step();
    adam.update_l2(lr, user.data(), grad.data(), l2, moments.m.data(), moments.v.data(), user.size());
  }
  return user;
}

}  // namespace tripletrec

// The popularity baseline's evaluation. One ranking serves every user, so the items are sorted
// once and each user is a walk over that order (skipping the user's train positives): O(items)
// per user, no sort, no model.
#include "tripletrec/popularity_baseline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>

#include "ranking_sums.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec {

std::vector<float> item_popularity(const Positives& train) {
  std::vector<float> count(static_cast<std::size_t>(train.n_items), 0.0f);
  for (std::int32_t i : train.items) count[static_cast<std::size_t>(i)] += 1.0f;  // CSR: distinct users
  return count;
}

Evaluation evaluate_popularity(const Positives& train, const Positives& test, int k,
                               const std::vector<std::uint8_t>* candidates) {
  if (k < 1) throw UsageError("evaluate_popularity: k must be >= 1, got " + std::to_string(k));
  if (train.n_users != test.n_users || train.n_items != test.n_items)
    throw UsageError("evaluate_popularity: the train and test positives have different users/items");
  const std::int32_t n_users = train.n_users, n_items = train.n_items;
  const std::vector<float> popularity = item_popularity(train);

  // Best first: more popular, then the lower item id (as evaluate() breaks ties).
  std::vector<std::int32_t> order(static_cast<std::size_t>(n_items));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    return popularity[static_cast<std::size_t>(a)] > popularity[static_cast<std::size_t>(b)];
  });

  Evaluation result;
  result.k = k;
  if (candidates && candidates->size() != static_cast<std::size_t>(n_items))
    throw UsageError("evaluate_popularity: candidate flags do not match the items");
  // Items outside the candidates stay excluded for every user (as in evaluate()).
  std::vector<std::uint8_t> outside(static_cast<std::size_t>(n_items), 0);
  std::int64_t n_outside = 0;
  if (candidates)
    for (std::int32_t i = 0; i < n_items; ++i) n_outside += outside[i] = (*candidates)[i] ? 0 : 1;
  std::vector<std::uint8_t> excluded = outside;
  std::vector<std::uint8_t> relevant(static_cast<std::size_t>(n_items), 0);
  RankingSums sums(k);
  for (std::int32_t u = 0; u < n_users; ++u) {
    if (test.begin_of(u) == test.end_of(u)) continue;
    for (const std::int32_t* i = train.begin_of(u); i != train.end_of(u); ++i) excluded[*i] = 1;
    std::int64_t n_relevant = 0;
    for (const std::int32_t* i = test.begin_of(u); i != test.end_of(u); ++i)
      if (!excluded[*i]) { relevant[*i] = 1; ++n_relevant; }
    std::int64_t n_candidates = n_items - n_outside;
    for (const std::int32_t* i = train.begin_of(u); i != train.end_of(u); ++i) n_candidates -= outside[*i] ? 0 : 1;

    if (n_relevant > 0 && n_relevant < n_candidates) {
      // AUC, walking tie groups from the least popular up: a group of p relevant and q other
      // candidates adds p * (others strictly below) + p * q / 2 correctly ordered pairs.
      double correct_pairs = 0;
      std::int64_t others_below = 0;
      std::size_t end = order.size();
      while (end > 0) {
        const float group_score = popularity[static_cast<std::size_t>(order[end - 1])];
        std::int64_t p = 0, q = 0;
        for (; end > 0 && popularity[static_cast<std::size_t>(order[end - 1])] == group_score; --end) {
          const std::int32_t item = order[end - 1];
          if (!excluded[item]) (relevant[item] ? p : q) += 1;
        }
        correct_pairs += static_cast<double>(p) * static_cast<double>(others_below) +
                         0.5 * static_cast<double>(p) * static_cast<double>(q);
        others_below += q;
      }
      const double auc = correct_pairs / (static_cast<double>(n_relevant) * static_cast<double>(others_below));

      // Ranking metrics over the first k candidates (definitions as in evaluate()).
      const std::int64_t top = std::min<std::int64_t>(k, n_candidates);
      std::int64_t rank = 0;
      TopKHits walk;
      for (std::size_t j = 0; j < order.size() && rank < top; ++j) {
        const std::int32_t item = order[j];
        if (excluded[item]) continue;
        ++rank;
        if (relevant[item]) walk.hit_at(rank);
      }
      sums.add_user(auc, walk, top, n_relevant);
    }
    for (const std::int32_t* i = train.begin_of(u); i != train.end_of(u); ++i) excluded[*i] = outside[*i];
    for (const std::int32_t* i = test.begin_of(u); i != test.end_of(u); ++i) relevant[*i] = 0;
  }
  sums.finish(result);
  return result;
}

}  // namespace tripletrec

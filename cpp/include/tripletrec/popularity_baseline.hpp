// The "most popular" baseline: every user gets the same ranking, items ordered by how many users
// liked them in the training set. The first bar a recommender must clear.
#pragma once
#include <vector>

#include "tripletrec/metrics.hpp"
#include "tripletrec/split.hpp"

namespace tripletrec {

// Number of distinct users with the item among their train positives, per item.
std::vector<float> item_popularity(const Positives& train);

// The same evaluation as evaluate(model, ...) (same users, candidates, AUC with ties counted 1/2,
// ranking metrics at k with ties broken by the lower item id) for the ranking by train popularity.
// `candidates` (optional n_items flags) restricts the ranking as in evaluate().
Evaluation evaluate_popularity(const Positives& train, const Positives& test, int k = 10,
                               const std::vector<std::uint8_t>* candidates = nullptr);

}  // namespace tripletrec

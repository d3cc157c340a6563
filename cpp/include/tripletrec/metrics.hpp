// Evaluation: the notebook's per-user ROC AUC, and ranking metrics at k.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "tripletrec/model.hpp"
#include "tripletrec/split.hpp"
#include "tripletrec/thread_pool.hpp"

namespace tripletrec {

// ROC AUC of one score vector (labels 0/1), ties counted 1/2 like scikit-learn, O(n log n).
// Returns NaN when there is no positive or no negative.
double roc_auc(const float* scores, const std::uint8_t* labels, std::size_t n);

struct Evaluation {
  double auc = 0;           // mean per-user AUC
  std::int32_t users = 0;   // users evaluated (>= 1 test positive)
  int k = 10;
  double precision_at_k = 0, recall_at_k = 0, map_at_k = 0, ndcg_at_k = 0;
  // With cold-start items held out (PrepareOptions::cold_items > 0): the fields above rank warm
  // items only, and auc_cold is the mean per-user AUC of each user's test positives among the
  // cold items ranked against the other cold items (cold_users users). NaN, 0, 0 without.
  double auc_cold = std::numeric_limits<double>::quiet_NaN();
  std::int32_t cold_users = 0;
  std::int32_t n_cold_items = 0;
};

// For every user with at least one test positive: rank every item except the user's train
// positives, labels = test positives, AUC per user; mean over users. (The notebook's loop skips
// user 0 and item 0; this does not.) Ranking metrics use the same candidate lists.
// `candidates` (n_items flags, optional) restricts the ranking to the flagged items: the warm or
// the cold items of a cold-start split.
// With a pool, the users are split between its threads (each scores and ranks its own blocks of
// users, so the model's scoring must be safe to call from several threads at once); the sums run
// in user order afterwards, so the result has the same bits on any number of threads.
Evaluation evaluate(const Model& model, const Positives& train, const Positives& test, int k = 10,
                    const std::vector<std::uint8_t>* candidates = nullptr, ThreadPool* pool = nullptr);

// evaluate() for any scorer: `score(users, count, out)` writes count x n_items scores (row-major).
// With `only` (n_users entries), just the users where it is nonzero are evaluated (the fold-in
// evaluation of held-out users, and the same users trained jointly). With a pool, `score` is
// called from its threads at once (each call with its own users and output).
using ScoreUsers = std::function<void(const std::int32_t* users, int count, float* out)>;
Evaluation evaluate_with(std::int32_t n_users, std::int32_t n_items, const Positives& train, const Positives& test,
                         int k, const ScoreUsers& score, const std::vector<std::uint8_t>* only = nullptr,
                         const std::vector<std::uint8_t>* candidates = nullptr, ThreadPool* pool = nullptr);

}  // namespace tripletrec

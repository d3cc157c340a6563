// The per-user metrics shared by evaluate() and evaluate_popularity(): AUC and P/R/MAP/NDCG at k,
// summed over users and averaged once, so both rankings are measured by one definition. Internal.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tripletrec/metrics.hpp"

namespace tripletrec {

// One user's walk down their first k ranks.
struct TopKHits {
  std::int64_t hits = 0;
  double precision_sum_at_hits = 0, dcg = 0;
  void hit_at(std::int64_t rank) {  // rank counts from 1
    ++hits;
    precision_sum_at_hits += static_cast<double>(hits) / static_cast<double>(rank);
    dcg += 1.0 / std::log2(static_cast<double>(rank) + 1.0);
  }
};

class RankingSums {
 public:
  explicit RankingSums(int k) : ideal_dcg_(static_cast<std::size_t>(k) + 1, 0.0) {
    for (int r = 1; r <= k; ++r) ideal_dcg_[r] = ideal_dcg_[r - 1] + 1.0 / std::log2(r + 1.0);  // r hits first
  }

  // top: ranks walked (min(k, candidates)); n_relevant: the user's test positives among them.
  void add_user(double auc, const TopKHits& walk, std::int64_t top, std::int64_t n_relevant) {
    const std::int64_t ideal_hits = std::min(top, n_relevant);
    auc_ += auc;
    precision_ += static_cast<double>(walk.hits) / static_cast<double>(top);
    recall_ += static_cast<double>(walk.hits) / static_cast<double>(n_relevant);
    ap_ += walk.precision_sum_at_hits / static_cast<double>(ideal_hits);
    ndcg_ += walk.dcg / ideal_dcg_[static_cast<std::size_t>(ideal_hits)];
    ++users_;
  }

  // The means into result (NaN with no user: the callers turn that into an error).
  void finish(Evaluation& result) const {
    result.users = users_;
    const double users = users_ == 0 ? std::numeric_limits<double>::quiet_NaN() : users_;
    result.auc = auc_ / users;
    result.precision_at_k = precision_ / users;
    result.recall_at_k = recall_ / users;
    result.map_at_k = ap_ / users;
    result.ndcg_at_k = ndcg_ / users;
  }

 private:
  std::vector<double> ideal_dcg_;
  double auc_ = 0, precision_ = 0, recall_ = 0, ap_ = 0, ndcg_ = 0;
  std::int32_t users_ = 0;
};

}  // namespace tripletrec

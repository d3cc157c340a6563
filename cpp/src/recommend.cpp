// Top-k lists: a user's recommendations, an item's neighbours, the popularity baseline.
#include "tripletrec/recommend.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "tripletrec/error.hpp"
#include "tripletrec/popularity_baseline.hpp"

namespace tripletrec {
namespace {

// Best first; ties (and NaN, which ranks last) broken by the lower item id so lists are
// deterministic.
bool better(const Scored& a, const Scored& b) {
  const bool a_nan = std::isnan(a.score), b_nan = std::isnan(b.score);
  if (a_nan != b_nan) return b_nan;
  if (!a_nan && a.score != b.score) return a.score > b.score;
  return a.item < b.item;
}

// The k best of `candidates`, sorted best first (a partial sort: O(n log k)).
std::vector<Scored> top_k(std::vector<Scored> candidates, int k) {
  const std::size_t top = std::min<std::size_t>(static_cast<std::size_t>(k), candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(top),
                    candidates.end(), better);
  candidates.resize(top);
  return candidates;
}

void check_k(int k, const char* what) {
  if (k < 0) throw UsageError(std::string(what) + ": k must be >= 0, got " + std::to_string(k));
}

}  // namespace

std::vector<Scored> recommend(const Model& model, std::int32_t user, int k, const Positives* exclude) {
  check_k(k, "recommend");
  if (user < 0 || user >= model.n_users())
    throw UsageError("recommend: user index " + std::to_string(user) + " out of range [0, " +
                     std::to_string(model.n_users()) + ")");
  if (exclude && (exclude->n_users != model.n_users() || exclude->n_items != model.n_items()))
    throw UsageError("recommend: the excluded positives do not match the model's users/items");
  std::vector<float> scores(static_cast<std::size_t>(model.n_items()));
  model.score_items(user, scores.data());
  std::vector<Scored> candidates;
  candidates.reserve(scores.size());
  const std::int32_t* skip = exclude ? exclude->begin_of(user) : nullptr;
  const std::int32_t* skip_end = exclude ? exclude->end_of(user) : nullptr;
  for (std::int32_t i = 0; i < model.n_items(); ++i) {
    while (skip != skip_end && *skip < i) ++skip;  // both ascending: a merge walk
    if (skip != skip_end && *skip == i) continue;
    candidates.push_back({i, scores[static_cast<std::size_t>(i)]});
  }
  return top_k(std::move(candidates), k);
}

std::vector<Scored> top_scored(const float* scores, std::int32_t n, int k, const std::uint8_t* skip) {
  check_k(k, "top_scored");
  std::vector<Scored> candidates;
  candidates.reserve(static_cast<std::size_t>(std::max(n, 0)));
  for (std::int32_t i = 0; i < n; ++i)
    if (!skip || !skip[i]) candidates.push_back({i, scores[i]});
  return top_k(std::move(candidates), k);
}

std::vector<Scored> similar_items(const Model& model, std::int32_t item, int k) {
  check_k(k, "similar_items");
  if (item < 0 || item >= model.n_items())
    throw UsageError("similar_items: item index " + std::to_string(item) + " out of range [0, " +
                     std::to_string(model.n_items()) + ")");
  std::vector<float> similarity(static_cast<std::size_t>(model.n_items()));
  model.item_similarities(item, similarity.data());
  std::vector<Scored> candidates;
  candidates.reserve(similarity.size());
  for (std::int32_t i = 0; i < model.n_items(); ++i)
    if (i != item) candidates.push_back({i, similarity[static_cast<std::size_t>(i)]});
  return top_k(std::move(candidates), k);
}

std::vector<Scored> popular_items(const Positives& train, std::int32_t user, int k, bool exclude_own) {
  check_k(k, "popular_items");
  if (exclude_own && (user < 0 || user >= train.n_users))
    throw UsageError("popular_items: user index " + std::to_string(user) + " out of range [0, " +
                     std::to_string(train.n_users) + ")");
  const std::vector<float> count = item_popularity(train);
  std::vector<Scored> candidates;
  candidates.reserve(count.size());
  for (std::int32_t i = 0; i < train.n_items; ++i)
    if (!(exclude_own && train.contains(user, i))) candidates.push_back({i, count[static_cast<std::size_t>(i)]});
  return top_k(std::move(candidates), k);
}

}  // namespace tripletrec

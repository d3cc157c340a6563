// Top-k recommendations for a user and items most similar to an item.
#pragma once
#include <cstdint>
#include <vector>

#include "tripletrec/model.hpp"
#include "tripletrec/split.hpp"

namespace tripletrec {

struct Scored {
  std::int32_t item;  // dense item id
  float score;
};

// The k best-scored items for `user`, best first, skipping the user's items in `exclude` (may be null).
std::vector<Scored> recommend(const Model& model, std::int32_t user, int k, const Positives* exclude);
// The k best of n scores, best first (ties by lower item id), skipping items where skip[i] != 0
// (skip may be null).
std::vector<Scored> top_scored(const float* scores, std::int32_t n, int k, const std::uint8_t* skip);
// The k items whose embeddings are closest (cosine) to `item`, excluding the item itself.
std::vector<Scored> similar_items(const Model& model, std::int32_t item, int k);
// Most popular items (by count in `train`), a baseline the models must beat.
std::vector<Scored> popular_items(const Positives& train, std::int32_t user, int k, bool exclude_own);

}  // namespace tripletrec

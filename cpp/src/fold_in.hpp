// The fold-in loop every model shares: a fresh user vector fitted by Adam against the frozen item
// side, the model supplying only the gradient of its triplet loss. Internal to the engine.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "tripletrec/model.hpp"

namespace tripletrec {

// Adds d (mean margin loss over the `count` triplets (user, liked[t], negatives[t])) / d user to
// `grad` (zeroed by the caller); the L2 term is the loop's.
using FoldInGradient =
    std::function<void(const float* user, const std::int32_t* liked, const std::int32_t* negatives, int count, float* grad)>;

// Checks the likes (at least one, each in [0, n_items), distinct) and the options, starts from
// uniform(-0.05, 0.05) (Keras' embedding initialiser) drawn from Rng(options.seed), then runs
// options.steps Adam steps (learning rate options.learning_rate, the model's betas and epsilon,
// fresh moments), each over one triplet per like with a negative drawn uniformly from all items.
// `fixed` (size floats, or null): the part of the user's vector that stays as it is (the mean of
// the visitor's user feature embeddings); the fit is of the rest, and the result is their sum.
class EmbeddingBag;
// The fixed part of a visitor's vector: the mean of their user feature embeddings
// (options.user_features, checked against the bag's vocabulary); empty when none are given.
std::vector<float> visitor_feature_part(const EmbeddingBag& user, const FoldInOptions& options);

std::vector<float> fold_in_user(int size, const std::int32_t* liked, int n_liked, std::int32_t n_items,
                                const FoldInOptions& options, const OptimizerConfig& optimizer, float l2,
                                const FoldInGradient& gradient, const float* fixed = nullptr);

}  // namespace tripletrec

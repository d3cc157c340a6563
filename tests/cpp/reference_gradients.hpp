// Independent double-precision reference of the models' loss and gradients (with side features:
// vectors composed from the id and feature tables; the FM by brute force over input pairs), computed from a
// model's configuration and its parameter tensors only (not from the engine's float kernels).
// For the gradient checks: finite differences against it, and the engine's fast float path
// against it.
#pragma once
#include <cstdint>
#include <vector>

#include "tripletrec/model.hpp"

namespace tripletrec {

// Mean margin loss over the triplets + the L2 term as Keras adds it (over whole tables: the
// embeddings, and for the deep model the dense kernels), in inference mode (no dropout). With
// `gradients`, also its gradient for every tensor, in the order of model.parameters().
double reference_loss_and_gradients(Model& model, const std::int32_t* users, const std::int32_t* pos,
                                    const std::int32_t* neg, int count,
                                    std::vector<std::vector<float>>* gradients = nullptr);

// A factorization machine's score by brute force over every pair of its inputs (those with an
// item-side member: the pairs the model keeps) plus the item side's linear terms.
double reference_fm_score(Model& model, std::int32_t user, std::int32_t item);

}  // namespace tripletrec

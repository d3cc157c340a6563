// Independent double-precision reference of both models' loss and gradients, computed from a
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

}  // namespace tripletrec

// The two triplet models of the notebook behind one interface, with their Adam optimiser.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tripletrec/random.hpp"

namespace tripletrec {

enum class ModelKind { Bilinear, Deep };
enum class Similarity { Cosine, Dot };

struct ModelConfig {
  ModelKind kind = ModelKind::Bilinear;
  // Bilinear: user and item embeddings of `embedding_dim`, cosine (or dot) similarity.
  int embedding_dim = 64;
  Similarity similarity = Similarity::Cosine;
  // Deep: concat(user_dim, item_dim) -> dropout -> [Dense(h, relu) -> dropout]* -> Dense(1, relu).
  int user_dim = 32;
  int item_dim = 64;
  std::vector<int> hidden = {128};
  float dropout = 0.1f;
  // Loss max(0, margin + s(u, neg) - s(u, pos)) + l2 * sum of squared embedding (and kernel) weights.
  float margin = 1.0f;
  float l2 = 1e-6f;

  static ModelConfig bilinear_defaults();  // the notebook's TripletModel: 64, cosine, margin 1, l2 1e-6
  static ModelConfig deep_defaults();      // the notebook's DeepTripletModel: 32/64, [128], .1, margin .5, l2 0
};

struct OptimizerConfig {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-7f;  // Keras' default
  // false: Adam and L2 touch only the embedding rows a batch used (fast, the default).
  // true: as Keras does it: L2 over whole tables and dense Adam moments every step.
  bool keras_exact = false;
};

// One named parameter tensor, for summaries, model files and gradient checks.
struct Tensor {
  std::string name;   // "user_embedding", "dense_0/kernel", ...
  std::vector<int> shape;
  float* data;
  std::size_t size() const;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual ModelKind kind() const = 0;
  virtual const ModelConfig& config() const = 0;
  std::int32_t n_users() const { return n_users_; }
  std::int32_t n_items() const { return n_items_; }

  // One optimiser step on a batch of triplets; returns the batch's mean margin loss (no L2 term).
  // `rng` draws the dropout masks. Must not allocate once warmed up.
  virtual float train_batch(const std::int32_t* users, const std::int32_t* pos,
                            const std::int32_t* neg, int count, Rng& rng) = 0;

  // Match scores of every item for one user (inference mode); out has n_items() entries.
  virtual void score_items(std::int32_t user, float* out) const = 0;
  // The same for `count` users at once (out: count x n_items, row-major), as evaluation scores
  // them. The engine's models score a block with matrix products, whose sums may run in another
  // order than score_items' (scores can differ in the last bit; never between builds).
  virtual void score_users(const std::int32_t* users, int count, float* out) const;
  float score(std::int32_t user, std::int32_t item) const;  // via score_items; for tests
  // Item-item similarity for "similar items": cosine between item embeddings.
  virtual void item_similarities(std::int32_t item, float* out) const;

  virtual std::vector<Tensor> parameters() = 0;
  std::int64_t param_count();
  // The Keras summary() table of the triplet model: layer, output shape, parameters, total.
  virtual std::string summary() = 0;
  // Called after parameters were changed from outside (model file loaded, gradient check).
  virtual void parameters_changed() {}

 protected:
  std::int32_t n_users_ = 0, n_items_ = 0;
};

// Builds a model with Keras' initialisation: embeddings uniform(-0.05, 0.05), dense kernels
// Glorot-uniform, zero biases, all drawn from Rng(seed).
std::unique_ptr<Model> make_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                  std::int32_t n_users, std::int32_t n_items, std::uint64_t seed);

}  // namespace tripletrec

// The two triplet models of the notebook behind one interface, with their Adam optimiser.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tripletrec/random.hpp"

namespace tripletrec {

enum class ModelKind { Bilinear, Deep, FM };
enum class Similarity { Cosine, Dot };

struct ModelConfig {
  ModelKind kind = ModelKind::Bilinear;
  // Bilinear: user and item embeddings of `embedding_dim`, cosine (or dot) similarity.
  // FM: `embedding_dim` is the number of factors k.
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
  // Side features (tripletrec/features.hpp): the fields whose values add embeddings to an item's
  // (a user's) vector, e.g. {"genre", "type"}; empty = ids only (the notebook). With
  // id_embeddings false, a side with features is the mean of its feature embeddings alone (a
  // side without features keeps its id embeddings).
  std::vector<std::string> item_features, user_features;
  bool id_embeddings = true;

  static ModelConfig bilinear_defaults();  // the notebook's TripletModel: 64, cosine, margin 1, l2 1e-6
  static ModelConfig deep_defaults();      // the notebook's DeepTripletModel: 32/64, [128], .1, margin .5, l2 0
  static ModelConfig fm_defaults();        // a factorization machine: 64 factors, margin 0.5, l2 1e-6
  static ModelConfig defaults_for(ModelKind kind);
};

// The side features of one kind of row (items or users) as the models read them: per row the
// indices of its feature values and their weights 1 / (number of the row's values), so a weighted
// sum of feature embeddings is their mean (LightFM's normalised rows). Built by features.hpp.
struct FeatureRows {
  std::int32_t rows = 0;
  std::vector<std::string> names;          // feature index -> "genre=Action" (the vocabulary)
  std::vector<std::uint32_t> offsets;      // rows + 1 (empty when there are no features)
  std::vector<std::int32_t> index;         // feature indices of each row, ascending
  std::vector<float> weight;               // their weights
  std::int32_t n_features() const { return static_cast<std::int32_t>(names.size()); }
  bool empty() const { return names.empty(); }
  std::uint32_t begin(std::int32_t row) const { return offsets[static_cast<std::size_t>(row)]; }
  std::uint32_t end(std::int32_t row) const { return offsets[static_cast<std::size_t>(row) + 1]; }
};

struct ModelFeatures {
  FeatureRows user, item;
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

// Fold-in of a new user against the frozen item side. The option table (options.hpp, group
// "foldIn") reads its defaults from here.
struct FoldInOptions {
  int steps = 300;              // Adam steps, each over one triplet per like
  // Adam on the user vector (fresh moments; the model's betas and epsilon). 0.005 keeps fold-in within
  // 0.01 AUC of joint training for both models on anime and MovieLens (0.02 and 0.05 overfit the
  // deep model's visitors: README, "Fold-in against joint training").
  float learning_rate = 0.005f;
  std::uint64_t seed = 42;      // initial vector and negatives
  // The visitor's user feature values (models with user features): indices into the model's user
  // vocabulary (features().user.names), as Session resolves them from names. Their mean embedding
  // is the fixed part of the visitor's vector; the likes fit the rest, as an id embedding would be.
  std::vector<std::int32_t> user_features;
};

// One named parameter tensor, for summaries, model files and gradient checks.
struct Tensor {
  std::string name;   // "user_embedding", "dense_0/kernel", ...
  std::vector<int> shape;
  float* data;
  std::size_t size() const;
};

// What one training thread needs besides the parameters: gradient accumulators, activations,
// dropout masks (fastText's Model::State). Each training thread has its own, made by the model
// it trains; the model itself holds only the parameters and their Adam moments, which the
// threads share (Hogwild: see trainer.hpp).
class TrainingWorkspace {
 public:
  virtual ~TrainingWorkspace() = default;
  // Set by the trainer when other threads train the same model at once.
  bool other_threads = false;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual ModelKind kind() const = 0;
  virtual const ModelConfig& config() const = 0;
  std::int32_t n_users() const { return n_users_; }
  std::int32_t n_items() const { return n_items_; }
  // The side features the model was built with (empty rows: ids only).
  const ModelFeatures& features() const { return features_; }

  // A workspace for one training thread (its buffers grow to the largest batch it sees); the
  // default is empty, for models that keep no per-batch state.
  virtual std::unique_ptr<TrainingWorkspace> make_workspace() const { return std::make_unique<TrainingWorkspace>(); }
  // One optimiser step on a batch of triplets; returns the batch's mean margin loss (no L2 term).
  // `workspace` is the calling thread's own (from make_workspace()); `rng` draws the dropout
  // masks. Must not allocate once warmed up. Threads with their own workspaces may call it at
  // once when parallel_training() is true.
  virtual float train_batch(TrainingWorkspace& workspace, const std::int32_t* users, const std::int32_t* pos,
                            const std::int32_t* neg, int count, Rng& rng) = 0;
  // The same on one thread, with a workspace the model keeps for such callers (tests, fold-in).
  float train_batch(const std::int32_t* users, const std::int32_t* pos, const std::int32_t* neg, int count,
                    Rng& rng);
  // True when train_batch is safe on several threads at once (lock-free updates of shared rows
  // are this model's design); the trainer runs other models on one thread.
  virtual bool parallel_training() const { return false; }
  // Called by each training thread after its share of a round of batches: a workspace that holds
  // updates back (the bilinear model's copy of a small item table) writes them to the model.
  virtual void end_round(TrainingWorkspace&) {}

  // Match scores of every item for one user (inference mode); out has n_items() entries.
  virtual void score_items(std::int32_t user, float* out) const = 0;
  // The same for `count` users at once (out: count x n_items, row-major), as evaluation scores
  // them. The engine's models score a block with matrix products, whose sums may run in another
  // order than score_items' (scores can differ in the last bit; never between builds).
  virtual void score_users(const std::int32_t* users, int count, float* out) const;
  float score(std::int32_t user, std::int32_t item) const;  // via score_items; for tests
  // Item-item similarity for "similar items": cosine between item vectors (item_vectors()).
  virtual void item_similarities(std::int32_t item, float* out) const;
  // Every item's vector as the model composes it (id embedding plus the mean of its feature
  // embeddings; the id embedding alone without features): n_items() x dim, row-major.
  virtual std::vector<float> item_vectors(int& dim) const;

  // --- fold-in: a user who was not in training, fitted against the frozen item side ---
  // Size of one user's parameter vector (what fold_in returns).
  virtual int user_vector_size() const = 0;
  // Fits a new user's vector to `liked` (dense item ids, in range, distinct) with the model's own
  // triplet loss and L2: `options.steps` Adam steps on the user vector only, each the mean over one
  // triplet per like with a negative drawn uniformly over all items (as training draws them by
  // default). Items (and the deep model's MLP) stay frozen; dropout is off. Deterministic.
  virtual std::vector<float> fold_in(const std::int32_t* liked, int n_liked, const FoldInOptions& options) const = 0;
  // Match scores of every item for a user vector of user_vector_size() (inference mode).
  virtual void score_vector(const float* user_vector, float* out) const = 0;
  // The scores of `n` items only (out[r] for items[r], valid ids); the default scores every item.
  virtual void score_vector_items(const float* user_vector, const std::int32_t* items, int n, float* out) const;
  // How much each like contributes to the score of each of `items` for the user folded in from
  // `liked`: out[r * n_liked + j] for items[r] and liked[j]; larger = contributes more. The
  // default is leave-one-out: the item's score minus its score after folding in without like j
  // (same options; n_liked extra fits). With a single like its contribution is the score itself.
  virtual void like_contributions(const float* user_vector, const std::int32_t* liked, int n_liked,
                                  const std::int32_t* items, int n_items, const FoldInOptions& options,
                                  float* out) const;
  // One line for the README and the page: what like_contributions measures for this model.
  virtual std::string contribution_meaning() const;

  virtual std::vector<Tensor> parameters() = 0;
  std::int64_t param_count();
  // The Keras summary() table of the triplet model: layer, output shape, parameters, total.
  virtual std::string summary() = 0;
  // Called after parameters were changed from outside (model file loaded, gradient check).
  virtual void parameters_changed() {}

 protected:
  std::int32_t n_users_ = 0, n_items_ = 0;
  ModelFeatures features_;

 private:
  // The one-thread train_batch's workspace, made on first use; a copy of a model starts without.
  struct OwnWorkspace {
    std::unique_ptr<TrainingWorkspace> workspace;
    OwnWorkspace() = default;
    OwnWorkspace(const OwnWorkspace&) {}
    OwnWorkspace& operator=(const OwnWorkspace&) { return *this; }
  };
  OwnWorkspace own_workspace_;
};

// Builds a model with Keras' initialisation: embeddings uniform(-0.05, 0.05), dense kernels
// Glorot-uniform, zero biases, all drawn from Rng(seed).
// `features` must have n_users / n_items rows when the config names feature fields (Session
// builds them from the loaded files); null = no side features.
std::unique_ptr<Model> make_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                  std::int32_t n_users, std::int32_t n_items, std::uint64_t seed,
                                  const ModelFeatures* features = nullptr);

}  // namespace tripletrec

// One object that holds a whole run of the pipeline: loaded files, preprocessed data, split,
// positives, model. The CLI and the wasm bindings are thin layers over it. Every method either
// succeeds or throws and leaves the session exactly as it was.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tripletrec/data.hpp"
#include "tripletrec/embedding_map.hpp"
#include "tripletrec/features.hpp"
#include "tripletrec/metrics.hpp"
#include "tripletrec/model.hpp"
#include "tripletrec/options.hpp"
#include "tripletrec/preprocess.hpp"
#include "tripletrec/recommend.hpp"
#include "tripletrec/sample_data.hpp"
#include "tripletrec/serving_bundle.hpp"
#include "tripletrec/split.hpp"
#include "tripletrec/trainer.hpp"

namespace tripletrec {

struct PrepareOptions {
  PreprocessOptions preprocess;
  double test_fraction = 0.2;   // random split (ignored when a test file is loaded)
  std::uint64_t split_seed = 42;
  float min_positive = 8;       // positives: rating >= this (notebook: > 7)
  // Cold-start items: this share of the items (a seeded choice, split_seed) is held out of
  // training entirely; all their rows go to the test side and evaluate() reports auc_cold.
  double cold_items = 0;
  // Share of users kept out of training entirely (seeded by split_seed): their train-split
  // positives are what fold-in sees, their test-split positives what it is measured on.
  double holdout_users = 0;
};

// What the page and CLI show about the prepared data.
struct PreparedStats {
  Counts counts;                 // final users, items, ratings
  PreprocessReport report;
  std::int64_t train_rows = 0, test_rows = 0;
  std::int64_t train_positives = 0, test_positives = 0;
  // Test rows whose user or item has no training row (their scores come from untrained
  // embeddings), and the distinct test users and items that have none.
  std::int64_t unknown_test_rows = 0, unknown_test_users = 0, unknown_test_items = 0;
  // Items held out by PrepareOptions::cold_items (counted in unknown_test_items too).
  std::int64_t cold_items = 0;
  // Held-out users (PrepareOptions::holdout_users) and their positives, outside the counts above.
  std::int64_t holdout_users = 0, holdout_train_positives = 0, holdout_test_positives = 0;
};

// An item or a recommendation ready to show: ids and metadata.
struct ItemView {
  std::int32_t item;       // dense id
  std::int64_t raw_id;
  std::string name, genres, type;
  float score;             // NaN where no score applies
  bool in_test = false;    // a positive of the user in the test set (a "hit")
  std::int64_t popularity = 0;
};

// Why an item is recommended to a visitor: the like that contributes most to its score
// (Model::like_contributions; Session::contribution_meaning() says what that is for the model).
struct Explanation {
  std::int32_t item = -1;  // dense id of the like
  std::int64_t raw_id = 0;
  std::string name;
  float contribution = 0;
};
struct Recommendation {
  ItemView item;
  Explanation because;
};

// One point of the likes curve: the fold-in AUC of the held-out users when they are folded in
// from `likes` of their train positives (the same users at every point).
struct LikesCurvePoint {
  int likes = 0;
  double auc = 0;
  std::int32_t users = 0;
};
// The curve's default numbers of likes.
inline const std::vector<int>& default_likes_counts() {
  static const std::vector<int> counts = {1, 3, 5, 10, 20};
  return counts;
}

// A call made before a step it needs. The engine names the missing step by its id; each face
// says which of its own calls makes that step (message(face)). what() is the package's wording:
// "there is no model yet: call createModel() (or loadModel()) after prepare()".
enum class MissingStep { Prepare, Model };
std::string missing_step_message(MissingStep step, Face face);
struct StepError : UsageError {
  explicit StepError(MissingStep step) : UsageError(missing_step_message(step, Face::Package)), step(step) {}
  std::string message(Face face) const { return missing_step_message(step, face); }
  MissingStep step;
};

class Session {
 public:
  Session();
  ~Session();

  // --- limits: every size an option implies is checked against this before work starts ---
  // (tripletrec/memory_budget.hpp; default kDefaultMemoryBudget, what a browser tab can give).
  void set_memory_budget(std::uint64_t bytes);
  std::uint64_t memory_budget() const;

  // --- loading (replaces what was loaded; invalidates prepared data and model) ---
  void load_ratings(std::string_view bytes, const std::string& source);
  void load_test_ratings(std::string_view bytes, const std::string& source);  // given split
  void load_items(std::string_view bytes, const std::string& source);
  void load_sample(const SampleOptions& options = {});
  void clear_items();
  void clear_test_ratings();
  // A user file (u.user, users.dat) for user features. Preprocessing does not read it, so loading
  // or clearing it keeps the prepared data and drops only the model.
  void load_users(std::string_view bytes, const std::string& source);
  void clear_users();  // drops the model, keeps the prepared data
  bool has_users() const;
  bool has_ratings() const;
  bool has_items() const;
  bool has_test_ratings() const;
  const RatingsTable& ratings() const;
  const ItemCatalog* items() const;  // null when none
  const UserCatalog* users() const;  // null when none
  RatingStats loaded_stats() const;  // of the loaded ratings (merged with metadata when loaded)

  // Counts after each preprocessing step, without changing the session (live preview). A step
  // that leaves nothing gives zeros from there on; prepare() with those options says why.
  PreprocessReport preview(const PreprocessOptions& options) const;

  // --- preparing: preprocess, split, positives (invalidates the model) ---
  void prepare(const PrepareOptions& options);
  bool prepared() const;
  const Dataset& dataset() const;
  const Positives& train_positives() const;
  const Positives& test_positives() const;
  PreparedStats prepared_stats() const;
  RatingStats prepared_rating_stats() const;
  // The side-feature vocabulary of the prepared items and users: every field with a value, its
  // values and how many items (users) carry each. Needs prepare().
  FeatureVocabulary feature_vocabulary() const;
  // The cold-start items of the preparation (1 = held out), n_items flags; all 0 without.
  const std::vector<std::uint8_t>& cold_items() const;

  // --- model ---
  // config.item_features / user_features name the side features (built here from the loaded
  // files; a field without values, or user features without a user file, is an OptionError).
  void create_model(const ModelConfig& config, const OptimizerConfig& optimizer, std::uint64_t seed);
  bool has_model() const;
  Model& model();
  TrainResult train(const TrainOptions& options, const ProgressCallback& callback = {},
                    const std::atomic<bool>* cancel = nullptr);
  // Steppable training for callers that must return to an event loop between slices.
  void begin_training(const TrainOptions& options);
  bool train_step(std::int64_t max_batches);  // false once finished
  const Progress& training_progress() const;
  void end_training();
  // A training whose loss or weights stop being finite (a learning rate too large) throws
  // UsageError and discards the model, whose weights are then meaningless: create it again.
  // k must be >= 1 and its buffers within the memory budget; no evaluable test user is an error,
  // never a NaN AUC. With cold items, the metrics rank warm items and auc_cold the cold ones.
  Evaluation evaluate(int k = 10) const;
  // The popularity baseline on the same users and candidates (needs prepared data, no model).
  Evaluation evaluate_popularity(int k = 10) const;
  std::string model_summary();
  std::int64_t param_count();
  std::vector<std::uint8_t> save_model();
  // A model file with side features must match the features of the loaded files (the same
  // vocabulary): otherwise an error says which differ.
  void load_model(const std::uint8_t* bytes, std::size_t size, const std::string& source);

  // --- results ---
  std::vector<ItemView> recommend(std::int32_t user, int k) const;   // excludes train positives
  std::vector<ItemView> similar_items(std::int32_t item, int k) const;
  std::vector<ItemView> user_train_positives(std::int32_t user) const;
  std::vector<ItemView> user_test_positives(std::int32_t user) const;
  std::vector<ItemView> popular(int k) const;
  ItemView item_view(std::int32_t item) const;

  // --- new visitors: fold-in against the frozen item side, no retraining ---
  // Likes and exclusions are raw item ids. An unknown like is an error naming it ("likes: unknown
  // item id 123 ..."); a like given twice counts once; an unknown exclusion excludes nothing.
  // The k best items that are neither liked nor excluded, each with the like that explains it.
  // `user_features`: the visitor's user feature values (models with user features; names as in
  // the vocabulary, an unknown one is an error naming it), the fixed part of the folded vector.
  std::vector<Recommendation> recommend_for(const std::vector<std::int64_t>& likes,
                                            const std::vector<std::int64_t>& exclude, int k,
                                            const FoldInOptions& options = {},
                                            const UserFeatureValues& user_features = {}) const;
  // Scores of `item_ids` (raw ids, each must be known) for the visitor folded in from `likes`, in
  // the order given; items that are likes are left out (never returned).
  std::vector<ItemView> score_for(const std::vector<std::int64_t>& likes, const std::vector<std::int64_t>& item_ids,
                                  const FoldInOptions& options = {},
                                  const UserFeatureValues& user_features = {}) const;
  // What an explanation's contribution measures for the current model (one sentence).
  std::string contribution_meaning() const;
  // Items whose name contains `query` (case-insensitive for ASCII letters; other characters,
  // accents included, match as written), most popular first, at most k. "" matches every item.
  std::vector<ItemView> search_items(const std::string& query, int k) const;

  // --- held-out users (prepare with holdout_users > 0) ---
  // Raw ids of the held-out users fold-in can be evaluated on (at least one train positive).
  std::vector<std::int64_t> holdout_user_ids() const;
  // Each of those users folded in from their train positives, ranked as evaluate() ranks (every
  // item but their train positives, labels their test positives); an error without any.
  Evaluation evaluate_fold_in(int k = 10, const FoldInOptions& options = {}) const;
  // evaluate() restricted to the given users (raw ids; unknown ones are an error): the joint
  // side of the comparison, on a session prepared without hold-out.
  Evaluation evaluate_users(const std::vector<std::int64_t>& raw_user_ids, int k = 10) const;
  // Fold-in AUC against the number of likes: held-out users with at least max(counts) train
  // positives, folded in from a seeded random subset of `likes` of them (nested: the 3 likes
  // include the 1), ranked among every item but all their train positives.
  std::vector<LikesCurvePoint> likes_curve(const std::vector<int>& counts = default_likes_counts(),
                                           const FoldInOptions& options = {}) const;

  // --- serving bundles (tripletrec/serving_bundle.hpp) ---
  // The model's item side with the items' ids, names, genres, types and popularity, for serving
  // without the ratings. Needs a model (and prepared data, or a loaded bundle).
  std::vector<std::uint8_t> save_serving(BundleDtype dtype = BundleDtype::Float32) const;
  // Replaces everything (files, prepared data, model) by the bundle's items and model: the session
  // then has no ratings and serves recommend_for, score_for, search_items, similar_items and
  // item_view; what needs ratings (prepare, train, evaluate) says so. On error nothing changes.
  void load_serving(const std::uint8_t* bytes, std::size_t size, const std::string& source);
  bool serving() const;  // true after load_serving, until the next load

  // --- the embedding map ---
  // The model's item vectors as the map shows them: the item embedding table (both models score
  // through it; the deep model's MLP reads it concatenated with the user vector), rows scaled to
  // unit length so that map neighbours are the cosine neighbours of "similar items".
  ItemVectors item_vectors();
  // Faithfulness of a 2-D map (count x 2) of `vectors` (items of the prepared data), with the
  // genre purity of neighbourhoods from the item metadata.
  MapQuality map_quality(const ItemVectors& vectors, const std::vector<float>& xy, int k) const;
  std::int32_t user_index(std::int64_t raw_user_id) const;  // -1 when unknown
  std::int32_t item_index(std::int64_t raw_item_id) const;  // -1 when unknown

 private:
  void check_training_budget(const TrainOptions& options) const;
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace tripletrec

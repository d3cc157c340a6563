// The Session facade: owns every stage's output and keeps them consistent. Each method builds
// its result in locals and only then moves it into the state (moves of vectors cannot throw),
// so a failed call leaves the session as it was. Replacing an input drops everything derived
// from it: new files drop the prepared data and the model, a new preparation drops the model.
#include "tripletrec/session.hpp"

#include "tripletrec/options.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>

#include "tripletrec/error.hpp"
#include "tripletrec/model_file.hpp"
#include "tripletrec/memory_budget.hpp"
#include "tripletrec/popularity_baseline.hpp"

namespace tripletrec {

struct Session::State {
  // Loaded inputs.
  std::optional<RatingsTable> ratings;
  std::optional<RatingsTable> test_ratings;
  std::optional<ItemCatalog> items;
  std::optional<UserCatalog> users;
  // Prepared data (valid when `prepared`).
  bool prepared = false;
  // A serving bundle loaded (no ratings): `dataset` holds its items only, `items` its metadata.
  bool serving = false;
  Dataset dataset;
  Split split;
  Positives train, test;
  std::unordered_map<std::int64_t, std::int32_t> item_of_raw_id;
  // Held-out users (1 per held-out user; empty without hold-out), their rows and positives.
  std::vector<std::uint8_t> holdout_mask;
  Split holdout_split;
  Positives holdout_train, holdout_test;
  std::int64_t unknown_test_rows = 0, unknown_test_users = 0, unknown_test_items = 0;
  // Cold-start items (n_items flags) and the warm items negatives are drawn from (empty: all).
  std::vector<std::uint8_t> cold_items;
  std::vector<std::int32_t> warm_items;
  std::int32_t n_cold_items = 0;
  // The popularity baseline depends only on the prepared data: computed once per k.
  std::optional<Evaluation> popularity_evaluation;
  // Threads for training and evaluation: the last training's `threads` (before any, the
  // default), and the pool that runs them (declared before the trainer, which uses it).
  int threads = TrainOptions::defaults_for(ModelKind::Bilinear).threads;
  int pool_threads = 0;  // what the pool was asked for (the platform may have given fewer)
  std::unique_ptr<ThreadPool> pool;
  // Model and steppable training (the trainer refers to `model`, `train` and `pool`).
  std::unique_ptr<Model> model;
  std::unique_ptr<Trainer> trainer;
  Progress last_progress;
  std::uint64_t memory_budget = kDefaultMemoryBudget;

  // A pool for `wanted` threads (null for one); never replaced while a trainer uses it.
  ThreadPool* pool_for(int wanted) {
    if (wanted <= 1) return nullptr;
    if (!pool || (wanted > pool_threads && !trainer)) {
      pool.reset();
      pool = std::make_unique<ThreadPool>(wanted);
      pool_threads = wanted;
    }
    return pool.get();
  }
  // Evaluation splits its users over the same pool, as many threads as training last used.
  ThreadPool* evaluation_pool() { return pool_for(threads); }

  void drop_model() noexcept {
    trainer.reset();
    model.reset();
    last_progress = Progress{};
  }
  void drop_prepared() noexcept {
    drop_model();
    if (serving) items.reset();  // the bundle's metadata goes with it
    serving = false;
    prepared = false;
    dataset = Dataset{};
    split = Split{};
    train = Positives{};
    test = Positives{};
    item_of_raw_id.clear();
    holdout_mask.clear();
    holdout_split = Split{};
    holdout_train = Positives{};
    holdout_test = Positives{};
    unknown_test_rows = unknown_test_users = unknown_test_items = 0;
    cold_items.clear();
    warm_items.clear();
    n_cold_items = 0;
    popularity_evaluation.reset();
  }
};

namespace {

void require(bool condition, const char* message) {
  if (!condition) throw UsageError(message);
}

// Test rows whose user or item never occurs in a training row, and those users and items.
struct UnknownToTraining {
  std::int64_t rows = 0, users = 0, items = 0;
};
UnknownToTraining unknown_to_training(const Dataset& data, const Split& split) {
  std::vector<std::uint8_t> user_trained(static_cast<std::size_t>(data.n_users), 0),
      item_trained(static_cast<std::size_t>(data.n_items), 0);
  for (const std::uint32_t r : split.train) {
    user_trained[static_cast<std::size_t>(data.user[r])] = 1;
    item_trained[static_cast<std::size_t>(data.item[r])] = 1;
  }
  UnknownToTraining unknown;
  std::vector<std::uint8_t> user_counted(user_trained.size(), 0), item_counted(item_trained.size(), 0);
  for (const std::uint32_t r : split.test) {
    const auto u = static_cast<std::size_t>(data.user[r]), i = static_cast<std::size_t>(data.item[r]);
    unknown.rows += !user_trained[u] || !item_trained[i];
    if (!user_trained[u] && !user_counted[u]) user_counted[u] = 1, ++unknown.users;
    if (!item_trained[i] && !item_counted[i]) item_counted[i] = 1, ++unknown.items;
  }
  return unknown;
}

}  // namespace

Session::Session() : s_(std::make_unique<State>()) {}
Session::~Session() = default;

void Session::set_memory_budget(std::uint64_t bytes) {
  s_->memory_budget = check_memory_budget(bytes);
}
std::uint64_t Session::memory_budget() const { return s_->memory_budget; }

// ---------------------------------------------------------------------------------------------
// Loading

void Session::load_ratings(std::string_view bytes, const std::string& source) {
  RatingsTable table = parse_ratings(bytes, source);
  if (table.size() == 0) throw UsageError(source + ": the ratings file has no data rows");
  s_->drop_prepared();
  s_->ratings = std::move(table);
}

void Session::load_test_ratings(std::string_view bytes, const std::string& source) {
  RatingsTable table = parse_ratings(bytes, source);
  if (table.size() == 0) throw UsageError(source + ": the test ratings file has no data rows");
  s_->drop_prepared();
  s_->test_ratings = std::move(table);
}

void Session::load_items(std::string_view bytes, const std::string& source) {
  ItemCatalog catalog = parse_items(bytes, source);
  if (catalog.size() == 0) throw UsageError(source + ": the item file has no data rows");
  s_->drop_prepared();
  s_->items = std::move(catalog);
}

void Session::load_sample(const SampleOptions& options) {
  check_sample_options(options);  // ranges first, then what they add up to
  check_sample_fits(options, s_->memory_budget);
  const SampleFiles files = generate_sample(options);
  RatingsTable ratings = parse_ratings(files.ratings_csv, "sample/rating.csv");
  ItemCatalog items = parse_items(files.items_csv, "sample/anime.csv");
  s_->drop_prepared();
  s_->ratings = std::move(ratings);
  s_->items = std::move(items);
  s_->test_ratings.reset();  // the sample is split at random
}

void Session::clear_items() {
  s_->drop_prepared();
  s_->items.reset();
}

void Session::clear_test_ratings() {
  s_->drop_prepared();
  s_->test_ratings.reset();
}

void Session::load_users(std::string_view bytes, const std::string& source) {
  UserCatalog catalog = parse_users(bytes, source);
  if (catalog.size() == 0) throw UsageError(source + ": the user file has no data rows");
  s_->drop_model();
  s_->users = std::move(catalog);
}

void Session::clear_users() {
  s_->drop_model();
  s_->users.reset();
}

bool Session::has_users() const { return s_->users.has_value(); }
const UserCatalog* Session::users() const { return s_->users ? &*s_->users : nullptr; }

bool Session::has_ratings() const { return s_->ratings.has_value(); }
bool Session::has_items() const { return s_->items.has_value(); }
bool Session::has_test_ratings() const { return s_->test_ratings.has_value(); }

const RatingsTable& Session::ratings() const {
  require(has_ratings(), "no ratings loaded: load a ratings file or the sample first");
  return *s_->ratings;
}

const ItemCatalog* Session::items() const { return s_->items ? &*s_->items : nullptr; }

RatingStats Session::loaded_stats() const { return rating_stats(ratings(), items()); }

PreprocessReport Session::preview(const PreprocessOptions& options) const {
  const RatingsTable& train = ratings();
  const RatingsTable* test = s_->test_ratings ? &*s_->test_ratings : nullptr;
  PrepareOptions checked;
  checked.preprocess = options;
  check_prepare_options(checked);
  return preprocess_report(train, test, items(), options);
}

// ---------------------------------------------------------------------------------------------
// Preparing

void Session::prepare(const PrepareOptions& options) {
  const RatingsTable& loaded = ratings();
  const RatingsTable* test_file = s_->test_ratings ? &*s_->test_ratings : nullptr;
  check_prepare_options(options);

  check_preparation_fits(static_cast<std::int64_t>(loaded.size() + (test_file ? test_file->size() : 0)),
                         s_->memory_budget);
  Dataset data = preprocess(loaded, test_file, items(), options.preprocess);
  if (data.size() == 0)
    throw UsageError("prepare: no ratings are left after preprocessing (loaded " +
                     std::to_string(data.report.loaded.ratings) + ", after the item filters " +
                     std::to_string(data.report.item_filter.ratings) +
                     "); lower the popularity threshold, keep any item type or remove the user-id bound");
  Split split = test_file ? split_by_file(data) : random_split(data.size(), options.test_fraction, options.split_seed);
  std::vector<std::uint8_t> cold = choose_cold_items(data.n_items, options.cold_items, options.split_seed);
  hold_out_cold_items(data, cold, split);
  std::vector<std::int32_t> warm;
  std::int32_t n_cold = 0;
  for (std::int32_t i = 0; i < data.n_items; ++i) n_cold += cold[static_cast<std::size_t>(i)];
  if (n_cold > 0)
    for (std::int32_t i = 0; i < data.n_items; ++i)
      if (!cold[static_cast<std::size_t>(i)]) warm.push_back(i);
  // Held-out users leave training before anything is learnt from their rows.
  std::vector<std::uint8_t> holdout_mask;
  Split holdout_split;
  if (options.holdout_users > 0) {
    holdout_mask = holdout_user_mask(data.n_users, options.holdout_users, options.split_seed);
    holdout_split = take_holdout_rows(data, holdout_mask, split);
  }
  Positives train = make_positives(data, split.train, options.min_positive);
  Positives test = make_positives(data, split.test, options.min_positive);
  Positives holdout_train = make_positives(data, holdout_split.train, options.min_positive);
  Positives holdout_test = make_positives(data, holdout_split.test, options.min_positive);
  if (train.size() == 0)
    throw OptionError(OptionId::MinPositive, "no training rating is >= " + format_number(options.min_positive) +
                                                 ", so there is no positive to train on; lower it");
  const UnknownToTraining unknown = unknown_to_training(data, split);
  std::unordered_map<std::int64_t, std::int32_t> item_of_raw_id;
  item_of_raw_id.reserve(data.item_raw_id.size());
  for (std::size_t i = 0; i < data.item_raw_id.size(); ++i)
    item_of_raw_id.emplace(data.item_raw_id[i], static_cast<std::int32_t>(i));

  s_->drop_model();
  s_->dataset = std::move(data);
  s_->split = std::move(split);
  s_->train = std::move(train);
  s_->test = std::move(test);
  s_->item_of_raw_id = std::move(item_of_raw_id);
  s_->holdout_mask = std::move(holdout_mask);
  s_->holdout_split = std::move(holdout_split);
  s_->holdout_train = std::move(holdout_train);
  s_->holdout_test = std::move(holdout_test);
  s_->unknown_test_rows = unknown.rows;
  s_->unknown_test_users = unknown.users;
  s_->unknown_test_items = unknown.items;
  s_->cold_items = std::move(cold);
  s_->warm_items = std::move(warm);
  s_->n_cold_items = n_cold;
  s_->popularity_evaluation.reset();
  s_->prepared = true;
}

bool Session::prepared() const { return s_->prepared; }

std::string missing_step_message(MissingStep step, Face face) {
  const bool cli = face == Face::Cli;
  switch (step) {
    case MissingStep::Prepare:
      return cli ? "the data is not prepared yet: `tripletrec train` prepares it after loading --ratings FILE or --sample"
                 : "the data is not prepared yet: call prepare() after loading ratings";
    case MissingStep::Model:
      return cli ? "there is no model yet: `tripletrec train` creates one after preparing the data"
                 : "there is no model yet: call createModel() (or loadModel()) after prepare()";
  }
  return "a step is missing";
}

namespace {
void require_step(bool done, MissingStep step) {
  if (!done) throw StepError(step);
}
}  // namespace

const Dataset& Session::dataset() const {
  require_step(prepared(), MissingStep::Prepare);
  return s_->dataset;
}
const Positives& Session::train_positives() const {
  require_step(prepared(), MissingStep::Prepare);
  return s_->train;
}
const Positives& Session::test_positives() const {
  require_step(prepared(), MissingStep::Prepare);
  return s_->test;
}

PreparedStats Session::prepared_stats() const {
  require_step(prepared(), MissingStep::Prepare);
  PreparedStats stats;
  stats.report = s_->dataset.report;
  stats.counts = {s_->dataset.n_users, s_->dataset.n_items, static_cast<std::int64_t>(s_->dataset.size())};
  stats.train_rows = static_cast<std::int64_t>(s_->split.train.size());
  stats.test_rows = static_cast<std::int64_t>(s_->split.test.size());
  stats.train_positives = static_cast<std::int64_t>(s_->train.size());
  stats.test_positives = static_cast<std::int64_t>(s_->test.size());
  stats.unknown_test_rows = s_->unknown_test_rows;
  stats.holdout_users = std::count(s_->holdout_mask.begin(), s_->holdout_mask.end(), std::uint8_t{1});
  stats.holdout_train_positives = static_cast<std::int64_t>(s_->holdout_train.size());
  stats.holdout_test_positives = static_cast<std::int64_t>(s_->holdout_test.size());
  stats.unknown_test_users = s_->unknown_test_users;
  stats.unknown_test_items = s_->unknown_test_items;
  stats.cold_items = s_->n_cold_items;
  return stats;
}

RatingStats Session::prepared_rating_stats() const { return rating_stats(dataset()); }

FeatureVocabulary Session::feature_vocabulary() const {
  return tripletrec::feature_vocabulary(dataset(), items(), users());
}

const std::vector<std::uint8_t>& Session::cold_items() const {
  require_step(prepared(), MissingStep::Prepare);
  return s_->cold_items;
}

namespace {

// The side features a configuration names, built from the loaded files for the prepared data.
ModelFeatures model_features(const ModelConfig& config, const Dataset& data, const ItemCatalog* items,
                             const UserCatalog* users) {
  ModelFeatures features;
  features.item = item_feature_rows(data, items, config.item_features);
  features.user = user_feature_rows(data, users, config.user_features);
  return features;
}

// "genre=Action, genre=Drama, ... (19 values)" for messages.
std::string vocabulary_text(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < 4; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > 4) text += ", ...";
  return (text.empty() ? std::string("none") : text) + " (" + std::to_string(names.size()) + " values)";
}

// A loaded model's vocabulary must be the one the loaded files give, value for value.
void check_same_vocabulary(const std::string& source, const char* side, const FeatureRows& model,
                           const FeatureRows& data) {
  if (model.names == data.names) {
    if (model.offsets == data.offsets && model.index == data.index) return;
    throw UsageError(source + ": the model's " + side + " features have the same vocabulary as the loaded files' but " +
                     side + "s carry other values; load the same " + side + " file and prepare with the same options");
  }
  std::string first_difference;
  for (std::size_t i = 0; i < std::max(model.names.size(), data.names.size()); ++i) {
    const std::string a = i < model.names.size() ? model.names[i] : "(none)";
    const std::string b = i < data.names.size() ? data.names[i] : "(none)";
    if (a != b) {
      first_difference = "; value " + std::to_string(i + 1) + " is " + a + " in the model, " + b + " in the data";
      break;
    }
  }
  throw UsageError(source + ": the model's " + side + " features (" + vocabulary_text(model.names) +
                   ") differ from those of the loaded files (" + vocabulary_text(data.names) + ")" +
                   first_difference + "; load the same " + side + " file and prepare with the same options");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Model

void Session::create_model(const ModelConfig& config, const OptimizerConfig& optimizer, std::uint64_t seed) {
  require_step(prepared(), MissingStep::Prepare);
  check_model_options(config, optimizer, seed);
  const std::int32_t n_users = s_->dataset.n_users, n_items = s_->dataset.n_items;
  check_model_fits(config, n_users, n_items, s_->memory_budget);
  // Scoring every item of a user happens at the first evaluation or recommendation: check it now.
  check_evaluation_fits(config, n_users, n_items, kDefaultK, s_->memory_budget, runnable_threads(s_->threads));
  const ModelFeatures features = model_features(config, s_->dataset, items(), users());
  std::unique_ptr<Model> model = make_model(config, optimizer, n_users, n_items, seed, &features);
  s_->drop_model();
  s_->model = std::move(model);
}

bool Session::has_model() const { return s_->model != nullptr; }

Model& Session::model() {
  require_step(has_model(), MissingStep::Model);
  return *s_->model;
}

TrainResult Session::train(const TrainOptions& options, const ProgressCallback& callback,
                           const std::atomic<bool>* cancel) {
  require_step(prepared(), MissingStep::Prepare);  // a serving bundle has no ratings
  require_step(has_model(), MissingStep::Model);
  require(!s_->trainer, "a stepped training is in progress: call end_training() first");
  check_train_options(options);
  check_training_budget(options);
  s_->threads = options.threads;
  try {
    return tripletrec::train(*s_->model, s_->train, options, callback, cancel, &s_->warm_items,
                             s_->pool_for(options.threads));
  } catch (const TrainingDiverged&) {
    s_->drop_model();  // its weights are not numbers any more
    throw;
  }
}

void Session::check_training_budget(const TrainOptions& options) const {
  TrainOptions runnable = options;  // each thread that can start has its own workspace
  runnable.threads = runnable_threads(options.threads);
  check_training_fits(s_->model->config(), runnable, static_cast<std::int64_t>(s_->train.size()),
                      s_->dataset.n_users, s_->dataset.n_items, s_->memory_budget);
}

void Session::begin_training(const TrainOptions& options) {
  require_step(prepared(), MissingStep::Prepare);  // a serving bundle has no ratings
  require_step(has_model(), MissingStep::Model);
  check_train_options(options);
  check_training_budget(options);
  auto trainer = std::make_unique<Trainer>(*s_->model, s_->train, options, &s_->warm_items,
                                          s_->pool_for(options.threads));
  s_->threads = options.threads;
  s_->last_progress = trainer->progress();
  s_->trainer = std::move(trainer);
}

bool Session::train_step(std::int64_t max_batches) {
  require(s_->trainer != nullptr, "no training in progress: call begin_training() first");
  if (max_batches < 1) throw UsageError("train_step: max_batches must be >= 1, got " + std::to_string(max_batches));
  try {
    const bool more = s_->trainer->step(max_batches);
    s_->last_progress = s_->trainer->progress();
    return more;
  } catch (const TrainingDiverged&) {
    s_->drop_model();  // its weights are not numbers any more
    throw;
  }
}

const Progress& Session::training_progress() const {
  return s_->trainer ? s_->trainer->progress() : s_->last_progress;
}

void Session::end_training() { s_->trainer.reset(); }

Evaluation Session::evaluate(int k) const {
  require_step(prepared(), MissingStep::Prepare);  // a serving bundle has no ratings
  require_step(has_model(), MissingStep::Model);
  check_k(k);
  check_evaluation_fits(s_->model->config(), s_->dataset.n_users, s_->dataset.n_items, k, s_->memory_budget,
                        runnable_threads(s_->threads));
  if (!parameters_finite(*s_->model))
    throw UsageError("evaluate: the model's weights are not all finite numbers; create or load the model again");
  ThreadPool* pool = s_->evaluation_pool();
  if (s_->n_cold_items > 0) {
    // Warm items ranked among warm items, cold among cold; each needs the other's flags.
    std::vector<std::uint8_t> warm(s_->cold_items.size());
    for (std::size_t i = 0; i < warm.size(); ++i) warm[i] = s_->cold_items[i] ? 0 : 1;
    Evaluation result = tripletrec::evaluate(*s_->model, s_->train, s_->test, k, &warm, pool);
    const Evaluation cold = tripletrec::evaluate(*s_->model, s_->train, s_->test, k, &s_->cold_items, pool);
    result.auc_cold = cold.auc;
    result.cold_users = cold.users;
    result.n_cold_items = s_->n_cold_items;
    if (result.users == 0)
      throw UsageError("evaluate: no test user can be evaluated on the warm items: none has a warm test positive "
                       "that is not also a train positive; lower the cold item fraction");
    return result;
  }
  Evaluation result = tripletrec::evaluate(*s_->model, s_->train, s_->test, k, nullptr, pool);
  if (result.users == 0)
    throw UsageError(
        "evaluate: no test user can be evaluated: none has a test positive (rating >= min_positive) "
        "that is not also a train positive (" +
        std::to_string(s_->test.size()) + " test positives; " + std::to_string(s_->unknown_test_users) +
        " test users and " + std::to_string(s_->unknown_test_items) + " test items are unknown to training)");
  return result;
}

Evaluation Session::evaluate_popularity(int k) const {
  require_step(prepared(), MissingStep::Prepare);
  check_k(k);
  std::optional<Evaluation>& cached = s_->popularity_evaluation;
  if (!cached || cached->k != k) {
    if (s_->n_cold_items == 0) {
      cached = tripletrec::evaluate_popularity(s_->train, s_->test, k);
    } else {
      // Like evaluate(): warm among warm; cold items have no train positive, so they all tie.
      std::vector<std::uint8_t> warm(s_->cold_items.size());
      for (std::size_t i = 0; i < warm.size(); ++i) warm[i] = s_->cold_items[i] ? 0 : 1;
      Evaluation result = tripletrec::evaluate_popularity(s_->train, s_->test, k, &warm);
      const Evaluation cold = tripletrec::evaluate_popularity(s_->train, s_->test, k, &s_->cold_items);
      result.auc_cold = cold.auc;
      result.cold_users = cold.users;
      result.n_cold_items = s_->n_cold_items;
      cached = result;
    }
  }
  return *cached;
}

std::string Session::model_summary() { return model().summary(); }
std::int64_t Session::param_count() { return model().param_count(); }
std::vector<std::uint8_t> Session::save_model() { return tripletrec::save_model(model()); }

void Session::load_model(const std::uint8_t* bytes, std::size_t size, const std::string& source) {
  require(prepared(), "prepare the data before loading a model: the model's users and items must match it");
  std::unique_ptr<Model> model = tripletrec::load_model(bytes, size, source);
  if (model->n_users() != s_->dataset.n_users || model->n_items() != s_->dataset.n_items)
    throw UsageError(source + ": the model has " + std::to_string(model->n_users()) + " users and " +
                     std::to_string(model->n_items()) + " items, the prepared data " +
                     std::to_string(s_->dataset.n_users) + " and " + std::to_string(s_->dataset.n_items) +
                     "; prepare the same data with the same options first");
  const ModelConfig& config = model->config();
  if (!config.item_features.empty() && !items())
    throw UsageError(source + ": the model has item features; load its item file before the model");
  if (!config.user_features.empty() && !users())
    throw UsageError(source + ": the model has user features; load its user file before the model");
  const ModelFeatures features = model_features(config, s_->dataset, items(), users());
  check_same_vocabulary(source, "item", model->features().item, features.item);
  check_same_vocabulary(source, "user", model->features().user, features.user);
  s_->drop_model();
  s_->model = std::move(model);
}

// ---------------------------------------------------------------------------------------------
// Results

namespace {

void check_user(const Dataset& data, std::int32_t user) {
  if (user < 0 || user >= data.n_users)
    throw UsageError("user index " + std::to_string(user) + " out of range [0, " + std::to_string(data.n_users) + ")");
}
void check_item(const Dataset& data, std::int32_t item) {
  if (item < 0 || item >= data.n_items)
    throw UsageError("item index " + std::to_string(item) + " out of range [0, " + std::to_string(data.n_items) + ")");
}

}  // namespace

ItemView Session::item_view(std::int32_t item) const {
  require_step(prepared() || serving(), MissingStep::Prepare);
  const Dataset& data = s_->dataset;
  check_item(data, item);
  ItemView view;
  view.item = item;
  view.raw_id = data.item_raw_id[static_cast<std::size_t>(item)];
  view.score = std::numeric_limits<float>::quiet_NaN();
  view.popularity = data.item_popularity[static_cast<std::size_t>(item)];
  const std::int32_t row = data.item_catalog_row.empty() ? -1 : data.item_catalog_row[static_cast<std::size_t>(item)];
  if (row >= 0 && s_->items) {
    const ItemCatalog& catalog = *s_->items;
    view.name = catalog.name[static_cast<std::size_t>(row)];
    view.genres = catalog.genres[static_cast<std::size_t>(row)];
    view.type = catalog.type[static_cast<std::size_t>(row)];
  } else {
    view.name = "item " + std::to_string(view.raw_id);
  }
  return view;
}

std::vector<ItemView> Session::recommend(std::int32_t user, int k) const {
  require_step(has_model(), MissingStep::Model);
  check_user(s_->dataset, user);
  std::vector<ItemView> out;
  for (const Scored& s : tripletrec::recommend(*s_->model, user, k, &s_->train)) {
    ItemView view = item_view(s.item);
    view.score = s.score;
    view.in_test = s_->test.contains(user, s.item);
    out.push_back(std::move(view));
  }
  return out;
}

std::vector<ItemView> Session::similar_items(std::int32_t item, int k) const {
  require_step(has_model(), MissingStep::Model);
  check_item(s_->dataset, item);
  std::vector<ItemView> out;
  for (const Scored& s : tripletrec::similar_items(*s_->model, item, k)) {
    ItemView view = item_view(s.item);
    view.score = s.score;
    out.push_back(std::move(view));
  }
  return out;
}

std::vector<ItemView> Session::user_train_positives(std::int32_t user) const {
  check_user(dataset(), user);
  std::vector<ItemView> out;
  for (const std::int32_t* i = s_->train.begin_of(user); i != s_->train.end_of(user); ++i) {
    ItemView view = item_view(*i);
    view.in_test = s_->test.contains(user, *i);
    out.push_back(std::move(view));
  }
  return out;
}

std::vector<ItemView> Session::user_test_positives(std::int32_t user) const {
  check_user(dataset(), user);
  std::vector<ItemView> out;
  for (const std::int32_t* i = s_->test.begin_of(user); i != s_->test.end_of(user); ++i) {
    ItemView view = item_view(*i);
    view.in_test = true;
    out.push_back(std::move(view));
  }
  return out;
}

std::vector<ItemView> Session::popular(int k) const {
  require_step(prepared(), MissingStep::Prepare);
  std::vector<ItemView> out;
  for (const Scored& s : popular_items(s_->train, 0, k, false)) {
    ItemView view = item_view(s.item);
    view.score = s.score;  // number of train positives
    out.push_back(std::move(view));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// New visitors: fold-in

namespace {

// The dense ids of raw item ids, sorted and distinct (a like given twice counts once, and the fit
// does not depend on the order the likes were given in). Unknown ids: an error naming the first.
std::vector<std::int32_t> dense_items(const std::unordered_map<std::int64_t, std::int32_t>& item_of_raw_id,
                                      const std::vector<std::int64_t>& raw_ids, const char* what) {
  std::vector<std::int32_t> dense;
  dense.reserve(raw_ids.size());
  for (const std::int64_t raw : raw_ids) {
    const auto it = item_of_raw_id.find(raw);
    if (it == item_of_raw_id.end())
      throw UsageError(std::string(what) + ": unknown item id " + std::to_string(raw) + " (the model's " +
                       std::to_string(item_of_raw_id.size()) + " items do not include it)");
    dense.push_back(it->second);
  }
  std::sort(dense.begin(), dense.end());
  dense.erase(std::unique(dense.begin(), dense.end()), dense.end());
  return dense;
}

}  // namespace

std::vector<Recommendation> Session::recommend_for(const std::vector<std::int64_t>& likes,
                                                   const std::vector<std::int64_t>& exclude, int k,
                                                   const FoldInOptions& given_options,
                                                   const UserFeatureValues& user_features) const {
  require_step(has_model(), MissingStep::Model);
  check_k(k);
  check_fold_in_options(given_options);
  if (likes.empty()) throw UsageError("likes: give at least one liked item id");
  const Model& model = *s_->model;
  FoldInOptions options = given_options;
  options.user_features = user_feature_indices(model.features().user, user_features);
  const std::vector<std::int32_t> liked = dense_items(s_->item_of_raw_id, likes, "likes");
  const std::vector<float> user = model.fold_in(liked.data(), static_cast<int>(liked.size()), options);
  std::vector<float> scores(static_cast<std::size_t>(model.n_items()));
  model.score_vector(user.data(), scores.data());
  std::vector<std::uint8_t> skip(scores.size(), 0);
  for (const std::int32_t i : liked) skip[static_cast<std::size_t>(i)] = 1;
  for (const std::int64_t raw : exclude) {
    const auto it = s_->item_of_raw_id.find(raw);
    if (it != s_->item_of_raw_id.end()) skip[static_cast<std::size_t>(it->second)] = 1;
  }
  const std::vector<Scored> top = top_scored(scores.data(), model.n_items(), k, skip.data());
  std::vector<std::int32_t> items;
  for (const Scored& s : top) items.push_back(s.item);
  const int n_liked = static_cast<int>(liked.size());
  std::vector<float> contributions(items.size() * liked.size());
  model.like_contributions(user.data(), liked.data(), n_liked, items.data(), static_cast<int>(items.size()), options,
                           contributions.data());
  std::vector<Recommendation> out;
  for (std::size_t r = 0; r < top.size(); ++r) {
    const float* row = contributions.data() + r * liked.size();
    int best = 0;  // the largest contribution; ties go to the lower item id
    for (int j = 1; j < n_liked; ++j)
      if (row[j] > row[best]) best = j;
    Recommendation rec;
    rec.item = item_view(top[r].item);
    rec.item.score = top[r].score;
    const ItemView like = item_view(liked[static_cast<std::size_t>(best)]);
    rec.because = {like.item, like.raw_id, like.name, row[best]};
    out.push_back(std::move(rec));
  }
  return out;
}

std::vector<ItemView> Session::score_for(const std::vector<std::int64_t>& likes,
                                         const std::vector<std::int64_t>& item_ids,
                                         const FoldInOptions& given_options,
                                         const UserFeatureValues& user_features) const {
  require_step(has_model(), MissingStep::Model);
  check_fold_in_options(given_options);
  if (likes.empty()) throw UsageError("likes: give at least one liked item id");
  const Model& model = *s_->model;
  FoldInOptions options = given_options;
  options.user_features = user_feature_indices(model.features().user, user_features);
  const std::vector<std::int32_t> liked = dense_items(s_->item_of_raw_id, likes, "likes");
  dense_items(s_->item_of_raw_id, item_ids, "itemIds");  // every id known, before any work
  const std::vector<float> user = model.fold_in(liked.data(), static_cast<int>(liked.size()), options);
  std::vector<float> scores(static_cast<std::size_t>(model.n_items()));
  model.score_vector(user.data(), scores.data());
  std::vector<ItemView> out;
  for (const std::int64_t raw : item_ids) {
    const std::int32_t item = s_->item_of_raw_id.at(raw);
    if (std::binary_search(liked.begin(), liked.end(), item)) continue;
    ItemView view = item_view(item);
    view.score = scores[static_cast<std::size_t>(item)];
    out.push_back(std::move(view));
  }
  return out;
}

std::string Session::contribution_meaning() const {
  require_step(has_model(), MissingStep::Model);
  return s_->model->contribution_meaning();
}

namespace {
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string ascii_lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), ascii_lower);
  return text;
}
}  // namespace

std::vector<ItemView> Session::search_items(const std::string& query, int k) const {
  check_k(k);
  require_step(prepared() || serving(), MissingStep::Prepare);
  const Dataset& data = s_->dataset;
  const std::string needle = ascii_lowered(query);
  std::vector<ItemView> found;
  for (std::int32_t i = 0; i < data.n_items; ++i) {
    ItemView view = item_view(i);
    if (ascii_lowered(view.name).find(needle) != std::string::npos) found.push_back(std::move(view));
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const ItemView& a, const ItemView& b) { return a.popularity > b.popularity; });
  if (found.size() > static_cast<std::size_t>(k)) found.resize(static_cast<std::size_t>(k));
  return found;
}

// ---------------------------------------------------------------------------------------------
// Serving bundles

std::vector<std::uint8_t> Session::save_serving(BundleDtype dtype) const {
  require_step(has_model(), MissingStep::Model);
  BundleItems items;
  for (std::int32_t i = 0; i < s_->dataset.n_items; ++i) {
    const ItemView view = item_view(i);
    items.ids.push_back(view.raw_id);
    items.popularity.push_back(view.popularity);
    items.names.push_back(view.name);
    items.genres.push_back(view.genres);
    items.types.push_back(view.type);
  }
  return write_serving_bundle(*s_->model, items, dtype);
}

void Session::load_serving(const std::uint8_t* bytes, std::size_t size, const std::string& source) {
  ServingBundle bundle = read_serving_bundle(bytes, size, source);
  const auto n = static_cast<std::int32_t>(bundle.items.ids.size());
  Dataset data;
  data.n_items = n;
  data.item_raw_id = bundle.items.ids;
  data.item_popularity = bundle.items.popularity;
  data.item_catalog_row.resize(static_cast<std::size_t>(n));
  ItemCatalog catalog;
  catalog.source = source;
  catalog.id = bundle.items.ids;
  catalog.name = std::move(bundle.items.names);
  catalog.genres = std::move(bundle.items.genres);
  catalog.type = std::move(bundle.items.types);
  catalog.episodes.assign(static_cast<std::size_t>(n), "");
  catalog.avg_rating.assign(static_cast<std::size_t>(n), std::numeric_limits<float>::quiet_NaN());
  catalog.members.assign(static_cast<std::size_t>(n), -1);
  std::unordered_map<std::int64_t, std::int32_t> item_of_raw_id;
  for (std::int32_t i = 0; i < n; ++i) {
    data.item_catalog_row[static_cast<std::size_t>(i)] = i;
    catalog.row_of_id.emplace(catalog.id[static_cast<std::size_t>(i)], i);
    item_of_raw_id.emplace(data.item_raw_id[static_cast<std::size_t>(i)], i);
  }
  s_->drop_prepared();
  s_->ratings.reset();
  s_->test_ratings.reset();
  s_->items = std::move(catalog);
  s_->dataset = std::move(data);
  s_->item_of_raw_id = std::move(item_of_raw_id);
  s_->model = std::move(bundle.model);
  s_->serving = true;
}

bool Session::serving() const { return s_->serving; }

// ---------------------------------------------------------------------------------------------
// Held-out users

namespace {

void require_holdout(const std::vector<std::uint8_t>& mask) {
  if (std::find(mask.begin(), mask.end(), std::uint8_t{1}) == mask.end())
    throw OptionError(OptionId::HoldoutUsers,
                      "no users are held out: prepare with a hold-out share > 0 to evaluate fold-in");
}

}  // namespace

std::vector<std::int64_t> Session::holdout_user_ids() const {
  const Dataset& data = dataset();
  std::vector<std::int64_t> ids;
  for (std::int32_t u = 0; u < data.n_users; ++u)
    if (!s_->holdout_mask.empty() && s_->holdout_mask[static_cast<std::size_t>(u)] &&
        s_->holdout_train.begin_of(u) != s_->holdout_train.end_of(u))
      ids.push_back(data.user_raw_id[static_cast<std::size_t>(u)]);
  return ids;
}

Evaluation Session::evaluate_fold_in(int k, const FoldInOptions& options) const {
  require_step(has_model(), MissingStep::Model);
  check_k(k);
  check_fold_in_options(options);
  require_holdout(s_->holdout_mask);
  check_evaluation_fits(s_->model->config(), s_->dataset.n_users, s_->dataset.n_items, k, s_->memory_budget,
                        runnable_threads(s_->threads));
  const Model& model = *s_->model;
  const Positives& likes = s_->holdout_train;
  std::vector<std::uint8_t> only = s_->holdout_mask;
  for (std::int32_t u = 0; u < likes.n_users; ++u)
    if (likes.begin_of(u) == likes.end_of(u)) only[static_cast<std::size_t>(u)] = 0;  // nothing to fold in
  const auto n_items = static_cast<std::size_t>(model.n_items());
  auto score = [&](const std::int32_t* users, int count, float* out) {
    for (int r = 0; r < count; ++r) {
      const std::int32_t u = users[r];
      const std::vector<float> vector =
          model.fold_in(likes.begin_of(u), static_cast<int>(likes.end_of(u) - likes.begin_of(u)), options);
      model.score_vector(vector.data(), out + static_cast<std::size_t>(r) * n_items);
    }
  };
  Evaluation result = evaluate_with(model.n_users(), model.n_items(), likes, s_->holdout_test, k, score, &only,
                                    nullptr, s_->evaluation_pool());
  if (result.users == 0)
    throw UsageError("evaluate_fold_in: no held-out user has both a train positive to fold in and a test positive");
  return result;
}

Evaluation Session::evaluate_users(const std::vector<std::int64_t>& raw_user_ids, int k) const {
  require_step(has_model(), MissingStep::Model);
  check_k(k);
  check_evaluation_fits(s_->model->config(), s_->dataset.n_users, s_->dataset.n_items, k, s_->memory_budget,
                        runnable_threads(s_->threads));
  std::vector<std::uint8_t> only(static_cast<std::size_t>(s_->dataset.n_users), 0);
  for (const std::int64_t raw : raw_user_ids) {
    const std::int32_t u = user_index(raw);
    if (u < 0) throw UsageError("evaluate_users: unknown user id " + std::to_string(raw));
    only[static_cast<std::size_t>(u)] = 1;
  }
  const Model& model = *s_->model;
  Evaluation result = evaluate_with(
      model.n_users(), model.n_items(), s_->train, s_->test, k,
      [&model](const std::int32_t* users, int count, float* out) { model.score_users(users, count, out); }, &only,
      nullptr, s_->evaluation_pool());
  if (result.users == 0) throw UsageError("evaluate_users: none of the given users has a test positive to rank");
  return result;
}

std::vector<LikesCurvePoint> Session::likes_curve(const std::vector<int>& counts, const FoldInOptions& options) const {
  require_step(has_model(), MissingStep::Model);
  check_fold_in_options(options);
  require_holdout(s_->holdout_mask);
  if (counts.empty()) throw UsageError("likes curve: give at least one number of likes");
  const Model& model = *s_->model;
  for (const int n : counts)
    if (n < 1 || n > model.n_items())
      throw UsageError("likes curve: numbers of likes must be in [1, " + std::to_string(model.n_items()) + "], got " +
                       std::to_string(n));
  const int most = *std::max_element(counts.begin(), counts.end());
  const Positives& train = s_->holdout_train;
  std::vector<std::uint8_t> only = s_->holdout_mask;
  for (std::int32_t u = 0; u < train.n_users; ++u)
    if (train.end_of(u) - train.begin_of(u) < most) only[static_cast<std::size_t>(u)] = 0;
  const auto n_items = static_cast<std::size_t>(model.n_items());
  ThreadPool* pool = s_->evaluation_pool();
  std::vector<LikesCurvePoint> curve;
  for (const int n : counts) {
    auto score = [&](const std::int32_t* users, int count, float* out) {
      for (int r = 0; r < count; ++r) {
        const std::int32_t u = users[r];
        std::vector<std::int32_t> likes(train.begin_of(u), train.end_of(u));
        Rng rng = Rng(options.seed).fork(static_cast<std::uint64_t>(u));  // the same order at every n
        shuffle(likes, rng);
        likes.resize(static_cast<std::size_t>(n));
        std::sort(likes.begin(), likes.end());
        const std::vector<float> vector = model.fold_in(likes.data(), n, options);
        model.score_vector(vector.data(), out + static_cast<std::size_t>(r) * n_items);
      }
    };
    const Evaluation e =
        evaluate_with(model.n_users(), model.n_items(), train, s_->holdout_test, 10, score, &only, nullptr, pool);
    if (e.users == 0)
      throw UsageError("likes curve: no held-out user has " + std::to_string(most) +
                       " train positives and a test positive");
    curve.push_back({n, e.auc, e.users});
  }
  return curve;
}

ItemVectors Session::item_vectors() {
  const Model& m = model();
  ItemVectors vectors;
  vectors.count = m.n_items();
  vectors.values = m.item_vectors(vectors.dim);
  const std::string d = std::to_string(vectors.dim);
  const bool features = !m.features().item.empty();
  const std::string what = features ? (m.config().id_embeddings ? "the id embedding plus the mean of the item's feature embeddings"
                                                                 : "the mean of the item's feature embeddings")
                                    : "item_embedding";
  switch (m.kind()) {
    case ModelKind::Deep:
      vectors.source = what + ": the deep model's item table (" + d + "-d), the item half of the MLP's input; scaled to unit length";
      break;
    case ModelKind::FM:
      vectors.source = what + ": the factorization machine's item factors (" + d + "-d); scaled to unit length";
      break;
    default:
      vectors.source = what + ": the bilinear model's item vectors (" + d + "-d), scaled to unit length as the cosine score compares directions";
  }
  normalise_rows(vectors);
  return vectors;
}

MapQuality Session::map_quality(const ItemVectors& vectors, const std::vector<float>& xy, int k) const {
  const Dataset& data = dataset();
  if (vectors.count != data.n_items)
    throw UsageError("map quality: " + std::to_string(vectors.count) + " item vectors for " +
                     std::to_string(data.n_items) + " prepared items");
  std::vector<std::string> genres;
  genres.reserve(static_cast<std::size_t>(data.n_items));
  for (std::int32_t i = 0; i < data.n_items; ++i) genres.push_back(item_view(i).genres);
  return tripletrec::map_quality(vectors, xy, genres, k);
}

std::int32_t Session::user_index(std::int64_t raw_user_id) const {
  const std::vector<std::int64_t>& raw = dataset().user_raw_id;  // ascending
  const auto it = std::lower_bound(raw.begin(), raw.end(), raw_user_id);
  return it != raw.end() && *it == raw_user_id ? static_cast<std::int32_t>(it - raw.begin()) : -1;
}

std::int32_t Session::item_index(std::int64_t raw_item_id) const {
  require_step(prepared() || serving(), MissingStep::Prepare);
  const auto it = s_->item_of_raw_id.find(raw_item_id);
  return it == s_->item_of_raw_id.end() ? -1 : it->second;
}

}  // namespace tripletrec

// The one Embind translation unit: exposes tripletrec::Session to JavaScript as class `Engine`.
// Coarse calls only: whole files go in through one engine-owned buffer (JS writes into a
// typed_memory_view of it, then calls load*), results come back as plain objects and typed arrays.
// Every engine exception is caught here; its message reaches JS as an Error (see `guarded`), and
// the Session's strong guarantee keeps its state intact after a failed call.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tripletrec/embedding_map.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/features.hpp"
#include "tripletrec/memory_budget.hpp"
#include "tripletrec/options.hpp"
#include "tripletrec/sample_data.hpp"
#include "tripletrec/session.hpp"

using emscripten::val;

namespace {

// ---- errors ------------------------------------------------------------------------------------
//
// A JS exception thrown from inside a wasm call skips every C++ destructor on the way out
// (Emscripten's exception support only unwinds C++ exceptions), and Embind's invoker would skip
// freeing the call's string arguments: each failed call would leak. So a failed call returns
// normally with a default value and leaves the engine's message in `last_error`; the module's
// JS side (web/src/module.ts) wraps every Engine method to throw it as an Error right after the
// call returns. The slot is per thread of JS, like the calls themselves.
std::string last_error;

template <class Result>
Result failed_result() {
  if constexpr (std::is_void_v<Result>) return;
  else if constexpr (std::is_same_v<Result, val>) return val::undefined();
  else return Result{};
}

// Runs `body`; a C++ exception is caught here (and freed) and its message kept for JS.
template <class Body>
auto guarded(Body&& body) -> decltype(body()) {
  using Result = decltype(body());
  try {
    return body();
  } catch (const tripletrec::OptionError& error) {
    last_error = error.message(tripletrec::Face::Package);
  } catch (const std::exception& error) {
    last_error = error.what();
  } catch (...) {
    last_error = "tripletrec: unknown engine error";
  }
  if (last_error.empty()) last_error = "tripletrec: engine error without a message";
  return failed_result<Result>();
}

// The message of the last failed call, cleared by reading it ("" when the call succeeded).
std::string takeError() {
  std::string message;
  message.swap(last_error);
  return message;
}

// ---- reading_options: JS option objects (absent or undefined fields keep the engine's defaults) ---
//
// Every key, type, range and enum name comes from the engine's option table (options.hpp); a value
// of the wrong JS type is refused here, before any conversion, with the table's message.

using tripletrec::OptionError;
using tripletrec::OptionId;

// "got ..." as a JS caller would write the value.
std::string describe(const val& value) {
  const std::string type = value.typeOf().as<std::string>();
  if (value.isNull()) return "null";
  if (type == "number") return tripletrec::format_number(value.as<double>());
  if (type == "string") return "\"" + value.as<std::string>() + "\"";
  if (type == "boolean") return value.as<bool>() ? "true" : "false";
  if (value.isArray()) return "an array";
  return "a value of type " + type;
}

[[noreturn]] void wrong_type(OptionId id, const val& value) {
  throw OptionError(id, "expected " + tripletrec::option_expectation(tripletrec::option_spec(id)) + ", got " +
                            describe(value));
}

// The field of `object` for option `id`, or undefined.
val field(const val& object, OptionId id) {
  if (object.isUndefined() || object.isNull()) return val::undefined();
  if (object.typeOf().as<std::string>() != "object") return val::undefined();
  return object[tripletrec::option_spec(id).key];
}

template <class T>
void read_number(const val& object, OptionId id, T& target) {
  const val value = field(object, id);
  if (value.isUndefined()) return;
  if (value.typeOf().as<std::string>() != "number") wrong_type(id, value);
  target = static_cast<T>(tripletrec::check_number(id, value.as<double>()));
}

void read_bool(const val& object, OptionId id, bool& target) {
  const val value = field(object, id);
  if (value.isUndefined()) return;
  if (value.typeOf().as<std::string>() != "boolean") wrong_type(id, value);
  target = value.as<bool>();
}

// An enum option's index in the table's names, or -1 when absent.
int read_choice(const val& object, OptionId id) {
  const val value = field(object, id);
  if (value.isUndefined()) return -1;
  if (value.typeOf().as<std::string>() != "string") wrong_type(id, value);
  return tripletrec::check_choice(id, value.as<std::string>());
}

// A FieldList option (itemFeatures, userFeatures): an array of field names ([] is none), or the
// CLI's text ("genre,type", "none") read by the engine's parser.
void read_field_list(const val& object, OptionId id, std::vector<std::string>& target) {
  const val value = field(object, id);
  if (value.isUndefined()) return;
  if (value.typeOf().as<std::string>() == "string") {
    target = tripletrec::parse_feature_fields(id, value.as<std::string>());
    return;
  }
  if (!value.isArray()) wrong_type(id, value);
  const std::size_t length = value["length"].as<std::size_t>();
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < length; ++i) {
    const val name = value[i];
    if (name.typeOf().as<std::string>() != "string") wrong_type(id, name);
    fields.push_back(name.as<std::string>());
  }
  tripletrec::check_feature_fields(id, fields);
  target = std::move(fields);
}

tripletrec::PreprocessOptions read_preprocess(const val& options) {
  tripletrec::PreprocessOptions result;
  read_bool(options, OptionId::DropUnrated, result.drop_unrated);
  if (const val type = field(options, OptionId::ItemType); !type.isUndefined()) {
    if (type.typeOf().as<std::string>() != "string") wrong_type(OptionId::ItemType, type);
    result.item_type = tripletrec::check_text(OptionId::ItemType, type.as<std::string>());
  }
  read_number(options, OptionId::MinPopularity, result.min_popularity);
  // maxUserId: null means "no bound", undefined keeps the default.
  if (field(options, OptionId::MaxUserId).isNull()) result.max_user_id = -1;
  else read_number(options, OptionId::MaxUserId, result.max_user_id);
  return result;
}

tripletrec::PrepareOptions read_prepare(const val& options) {
  tripletrec::PrepareOptions result;
  result.preprocess = read_preprocess(options);
  read_number(options, OptionId::TestFraction, result.test_fraction);
  read_number(options, OptionId::SplitSeed, result.split_seed);
  read_number(options, OptionId::MinPositive, result.min_positive);
  read_number(options, OptionId::ColdItems, result.cold_items);
  read_number(options, OptionId::HoldoutUsers, result.holdout_users);
  return result;
}

tripletrec::ModelKind read_model_kind(const val& options) {
  const int kind = read_choice(options, OptionId::Model);
  return kind < 0 ? tripletrec::ModelKind::Bilinear : static_cast<tripletrec::ModelKind>(kind);
}

struct ModelRequest {
  tripletrec::ModelConfig config;
  tripletrec::OptimizerConfig optimizer;
  std::uint64_t seed = tripletrec::kDefaultModelSeed;
};

ModelRequest read_model(const val& options) {
  ModelRequest request;
  const tripletrec::ModelKind kind = read_model_kind(options);
  request.config = tripletrec::ModelConfig::defaults_for(kind);
  auto& config = request.config;
  read_number(options, OptionId::EmbeddingDim, config.embedding_dim);
  if (const int similarity = read_choice(options, OptionId::Similarity); similarity >= 0)
    config.similarity = static_cast<tripletrec::Similarity>(similarity);
  read_number(options, OptionId::UserDim, config.user_dim);
  read_number(options, OptionId::ItemDim, config.item_dim);
  if (const val hidden = field(options, OptionId::Hidden); !hidden.isUndefined()) {
    if (!hidden.isArray()) wrong_type(OptionId::Hidden, hidden);
    const std::size_t length = hidden["length"].as<std::size_t>();
    const std::size_t max_length = static_cast<std::size_t>(tripletrec::option_spec(OptionId::Hidden).max_length);
    std::vector<double> sizes;
    for (std::size_t i = 0; i < length && i <= max_length; ++i) {
      const val size = hidden[i];
      if (size.typeOf().as<std::string>() != "number") wrong_type(OptionId::Hidden, size);
      sizes.push_back(size.as<double>());
    }
    config.hidden = tripletrec::check_integer_list(OptionId::Hidden, sizes);
  }
  read_number(options, OptionId::Dropout, config.dropout);
  read_number(options, OptionId::Margin, config.margin);
  read_number(options, OptionId::L2, config.l2);
  read_field_list(options, OptionId::ItemFeatures, config.item_features);
  read_field_list(options, OptionId::UserFeatures, config.user_features);
  read_bool(options, OptionId::IdEmbeddings, config.id_embeddings);
  auto& optimizer = request.optimizer;
  read_number(options, OptionId::LearningRate, optimizer.learning_rate);
  read_number(options, OptionId::Beta1, optimizer.beta1);
  read_number(options, OptionId::Beta2, optimizer.beta2);
  read_number(options, OptionId::Epsilon, optimizer.epsilon);
  read_bool(options, OptionId::KerasExact, optimizer.keras_exact);
  read_number(options, OptionId::ModelSeed, request.seed);
  return request;
}

tripletrec::TrainOptions read_train(const val& options, tripletrec::ModelKind kind) {
  tripletrec::TrainOptions result = tripletrec::TrainOptions::defaults_for(kind);
  read_number(options, OptionId::Epochs, result.epochs);
  read_number(options, OptionId::BatchSize, result.batch_size);
  read_number(options, OptionId::TrainSeed, result.seed);
  if (const int negatives = read_choice(options, OptionId::Negatives); negatives >= 0)
    result.negatives = static_cast<tripletrec::NegativeSampling>(negatives);
  read_number(options, OptionId::HardCandidates, result.hard_candidates);
  read_number(options, OptionId::Threads, result.threads);
  return result;
}

tripletrec::SampleOptions read_sample(const val& options) {
  tripletrec::SampleOptions result;
  read_number(options, OptionId::SampleUsers, result.users);
  read_number(options, OptionId::SampleItems, result.items);
  if (!field(options, OptionId::SampleRatingsPerUser).isUndefined()) {
    double ratings = 0;
    read_number(options, OptionId::SampleRatingsPerUser, ratings);
    result.ratings_per_user = ratings;
  }
  read_number(options, OptionId::SampleSeed, result.seed);
  return result;
}

// A positional k (evaluate, recommend, ...): a number in the table's range; undefined: the default.
int read_k(const val& k) {
  if (k.isUndefined()) return tripletrec::kDefaultK;
  if (k.typeOf().as<std::string>() != "number") wrong_type(OptionId::K, k);
  return tripletrec::check_k(k.as<double>());
}

// The fold-in options (group "foldIn" of the table) of an options object; absent keys: defaults.
tripletrec::FoldInOptions read_fold_in(const val& options) {
  tripletrec::FoldInOptions result;
  read_number(options, OptionId::FoldInSteps, result.steps);
  read_number(options, OptionId::FoldInLearningRate, result.learning_rate);
  read_number(options, OptionId::FoldInSeed, result.seed);
  return result;
}

// A JS array of integers (likes, exclude, itemIds, userIds, counts). What the numbers may be (known
// ids, counts in range) is the engine's question; this only refuses what is not an array of
// integers JS holds exactly, naming the caller's argument: "likes: expected an array of item ids
// (integers), got 3".
std::vector<std::int64_t> read_integers(const val& values, const char* name, const char* what) {
  const auto refuse = [&](const std::string& got) {
    throw tripletrec::UsageError(std::string(name) + ": expected an array of " + what + " (integers), got " + got);
  };
  if (!values.isArray()) refuse(describe(values));
  const std::size_t length = values["length"].as<std::size_t>();
  std::vector<std::int64_t> result;
  result.reserve(length);
  for (std::size_t i = 0; i < length; ++i) {
    const val value = values[i];
    if (value.typeOf().as<std::string>() != "number") refuse("an array holding " + describe(value));
    const double number = value.as<double>();
    if (!(std::abs(number) <= 9007199254740991.0) || std::trunc(number) != number)
      refuse("an array holding " + tripletrec::format_number(number));
    result.push_back(static_cast<std::int64_t>(number));
  }
  return result;
}
std::vector<std::int64_t> read_item_ids(const val& ids, const char* name) { return read_integers(ids, name, "item ids"); }

// An optional field of an options object (undefined when the object is absent).
val option_field(const val& options, const char* key) {
  if (options.isUndefined() || options.isNull() || options.typeOf().as<std::string>() != "object") return val::undefined();
  return options[key];
}

// A visitor's user features, { field: value or [values] } (absent: none); the engine checks the
// names against the model's vocabulary.
tripletrec::UserFeatureValues read_user_features(const val& options) {
  const val object = option_field(options, "userFeatures");
  tripletrec::UserFeatureValues values;
  if (object.isUndefined()) return values;
  auto wrong = [](const std::string& what) {
    throw tripletrec::UsageError("userFeatures: expected an object of field names to a value or an array of values, got " + what);
  };
  if (object.isNull() || object.isArray() || object.typeOf().as<std::string>() != "object") wrong(describe(object));
  const val keys = val::global("Object").call<val>("keys", object);
  const std::size_t length = keys["length"].as<std::size_t>();
  for (std::size_t i = 0; i < length; ++i) {
    const std::string field = keys[i].as<std::string>();
    const val value = object[field];
    std::vector<std::string>& list = values[field];
    if (value.typeOf().as<std::string>() == "string") {
      list.push_back(value.as<std::string>());
      continue;
    }
    if (!value.isArray()) wrong(describe(value) + " for " + field);
    const std::size_t n = value["length"].as<std::size_t>();
    for (std::size_t j = 0; j < n; ++j) {
      const val entry = value[j];
      if (entry.typeOf().as<std::string>() != "string") wrong(describe(entry) + " in " + field);
      list.push_back(entry.as<std::string>());
    }
  }
  return values;
}

// "\"float32\", \"float16\" or \"int8\"": the serving bundle's dtypes for messages.
std::string dtype_list() {
  const std::vector<std::string>& names = tripletrec::bundle_dtype_names();
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i)
    list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("\"" + names[i] + "\"");
  return list;
}

// ---- building JS results ------------------------------------------------------------------------

template <class T>
val copy_to_array(const std::vector<T>& values) {  // a plain JS array of numbers
  val array = val::array();
  for (std::size_t i = 0; i < values.size(); ++i) array.set(i, static_cast<double>(values[i]));
  return array;
}

// Results cross as Embind value objects (registered in EMSCRIPTEN_BINDINGS below): JS gets plain
// objects with the fields declared there. Engine counts are 64-bit; JS reads them as numbers.
// Enums cross as the option table's names (strings, as in the CLI), not as Embind enum_ values
// (JS objects), and option objects are read by the table's keys (reading_options above), because
// a value_object needs every field present while an option left out means the engine's default.
template <class T, class Field, Field T::*member>
double number_of(const T& object) { return static_cast<double>(object.*member); }
template <class T, class Field, Field T::*member>
void set_number_of(T& object, double value) { object.*member = static_cast<Field>(value); }
#define TRIPLETREC_AS_NUMBER(T, member) \
  &number_of<T, decltype(T::member), &T::member>, &set_number_of<T, decltype(T::member), &T::member>

// Fields computed for JS only (results never travel back into the engine, so they ignore writes).
template <class T, val (*get)(const T&)>
void ignore_write(T&, val) {}

val rating_histogram(const tripletrec::RatingStats& stats) {
  val histogram = val::array();
  for (std::size_t i = 0; i < stats.histogram_values.size(); ++i) {
    val bin = val::object();
    bin.set("value", stats.histogram_values[i]);
    bin.set("count", static_cast<double>(stats.histogram_counts[i]));
    histogram.set(i, bin);
  }
  return histogram;
}
val rating_popularity(const tripletrec::RatingStats& stats) { return copy_to_array(stats.popularity_desc); }
val progress_epoch_losses(const tripletrec::Progress& progress) { return copy_to_array(progress.epoch_losses); }
val progress_rate(const tripletrec::Progress& progress) {
  return val(progress.elapsed_seconds > 0 ? progress.triplets / progress.elapsed_seconds : 0.0);
}

// The model's kind, size and Keras-style summary, as ModelSummary in types.ts.
struct ModelSummaryView {
  std::string kind;
  double params = 0;
  std::string text;
};

val max_user_id_of(const tripletrec::PreprocessOptions& options) {
  return options.max_user_id < 0 ? val::null() : val(static_cast<double>(options.max_user_id));  // null: no bound
}

val item_list(const std::vector<tripletrec::ItemView>& items) {
  val array = val::array();
  for (std::size_t i = 0; i < items.size(); ++i) array.set(i, val(items[i]));
  return array;
}

// A model kind as the option table names it ("bilinear", "deep", "fm").
std::string kind_name(tripletrec::ModelKind kind) {
  return tripletrec::option_spec(OptionId::Model).choices.at(static_cast<std::size_t>(kind));
}

// A recommendation for a visitor: the item's fields with `because` (the like that explains it).
val recommendation_list(const std::vector<tripletrec::Recommendation>& recommendations) {
  val array = val::array();
  for (std::size_t i = 0; i < recommendations.size(); ++i) {
    val object(recommendations[i].item);
    object.set("because", val(recommendations[i].because));
    array.set(i, object);
  }
  return array;
}

val summary_object(tripletrec::Session& session) {
  return val(ModelSummaryView{kind_name(session.model().kind()), static_cast<double>(session.param_count()),
                              session.model_summary()});
}

// The side-feature vocabulary of the prepared data: per field its values and how many rows carry each.
val feature_fields(const std::vector<tripletrec::FeatureFieldStats>& fields) {
  val array = val::array();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    val values = val::array();
    for (std::size_t j = 0; j < fields[i].values.size(); ++j) {
      val value = val::object();
      value.set("value", fields[i].values[j].value);
      value.set("count", static_cast<double>(fields[i].values[j].count));
      values.set(j, value);
    }
    val entry = val::object();
    entry.set("field", fields[i].field);
    entry.set("rowsWithValue", static_cast<double>(fields[i].rows_with_value));
    entry.set("values", values);
    array.set(i, entry);
  }
  return array;
}

// PreparedStats with the feature vocabulary of the prepared items and users.
val prepared_stats_object(const tripletrec::Session& session) {
  val object(session.prepared_stats());
  const tripletrec::FeatureVocabulary vocabulary = session.feature_vocabulary();
  val fields = val::object();
  fields.set("items", vocabulary.n_items);
  fields.set("users", vocabulary.n_users);
  fields.set("itemFields", feature_fields(vocabulary.item_fields));
  fields.set("userFields", feature_fields(vocabulary.user_fields));
  object.set("vocabulary", fields);
  return object;
}

// A Float32Array from JS as the engine's matrix (one TypedArray.set, not element by element).
tripletrec::ItemVectors vectors_from(const val& values, int dim) {
  if (!values.instanceof(val::global("Float32Array")))
    throw tripletrec::UsageError("item vectors: expected a Float32Array");
  if (dim < 1) throw tripletrec::UsageError("item vectors: dim must be >= 1, got " + std::to_string(dim));
  tripletrec::ItemVectors vectors;
  vectors.values = emscripten::convertJSArrayToNumberVector<float>(values);
  vectors.dim = dim;
  vectors.count = static_cast<std::int32_t>(vectors.values.size() / static_cast<std::size_t>(dim));
  if (vectors.values.size() % static_cast<std::size_t>(dim) != 0)
    throw tripletrec::UsageError("item vectors: " + std::to_string(vectors.values.size()) +
                                 " values are not rows of " + std::to_string(dim));
  return vectors;
}

template <class T>
val float32_array_of(const std::vector<T>& values) {  // a copy that outlives the engine's buffer
  val view(emscripten::typed_memory_view(values.size(), values.data()));
  return val::global("Float32Array").new_(view);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---- the class JS sees ----------------------------------------------------------------------------

class Engine {
 public:
  // The input buffer: JS asks for `size` bytes (the prefix is kept, so a caller may grow it while
  // encoding a string), writes into the returned view at once (memory growth makes views stale),
  // then calls one of the load* methods with the number of bytes written.
  val inputBuffer(double size) {
    return guarded([&] {
      if (!(size >= 0) || size > 4294967295.0)
        throw tripletrec::UsageError("input size out of range: " + std::to_string(size));
      input_.resize(static_cast<std::size_t>(size));
      // unsigned char: JS sees a Uint8Array (char would give an Int8Array).
      return val(emscripten::typed_memory_view(input_.size(), reinterpret_cast<unsigned char*>(input_.data())));
    });
  }

  // Frees the input buffer without loading it: a streamed read that failed half-way must not pin
  // its (possibly 100 MB) buffer until the next load.
  void releaseInput() { std::vector<char>().swap(input_); }  // `input_ = {}` would keep the capacity

  // The package's CreateOptions.memoryBudget (bytes): what a model, a training, an evaluation or a
  // sample may need at most (Session::set_memory_budget).
  void setMemoryBudget(double bytes) {
    guarded([&] { session_.set_memory_budget(tripletrec::memory_budget_from_number(bytes, "memoryBudget")); });
  }
  double memoryBudget() const { return static_cast<double>(session_.memory_budget()); }

  void loadRatings(double length, const std::string& source) {
    guarded([&] { consume_input(length, [&](std::string_view bytes) { session_.load_ratings(bytes, source); }); });
  }
  void loadTestRatings(double length, const std::string& source) {
    guarded([&] { consume_input(length, [&](std::string_view bytes) { session_.load_test_ratings(bytes, source); }); });
  }
  void loadItems(double length, const std::string& source) {
    guarded([&] { consume_input(length, [&](std::string_view bytes) { session_.load_items(bytes, source); }); });
  }
  void loadUsers(double length, const std::string& source) {
    guarded([&] { consume_input(length, [&](std::string_view bytes) { session_.load_users(bytes, source); }); });
  }
  val loadModel(double length, const std::string& source) {
    return guarded([&] {
      consume_input(length, [&](std::string_view bytes) {
        session_.load_model(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), source);
      });
      return summary_object(session_);
    });
  }

  void loadSample(const val& options) {
    guarded([&] {
      session_.load_sample(read_sample(options));
    });
  }
  double loadedRows() const { return session_.has_ratings() ? session_.ratings().size() : 0; }
  double loadedItemRows() const { return session_.items() ? session_.items()->size() : 0; }
  double loadedUserRows() const { return session_.users() ? session_.users()->size() : 0; }
  // The session keeps the test file internally; its row count is what the loaded report adds.
  double loadedTestRows() const {
    return guarded([&] {
      if (!session_.has_test_ratings() || !session_.has_ratings()) return 0.0;
      tripletrec::PreprocessOptions keep_all;
      keep_all.drop_unrated = false;
      keep_all.item_type = "any";
      keep_all.min_popularity = 0;  // every loaded item has at least one row
      keep_all.max_user_id = -1;
      return static_cast<double>(session_.preview(keep_all).loaded.ratings) -
             static_cast<double>(session_.ratings().size());
    });
  }
  void clearItems() { guarded([&] { session_.clear_items(); }); }
  void clearUsers() { guarded([&] { session_.clear_users(); }); }
  void clearTestRatings() { guarded([&] { session_.clear_test_ratings(); }); }

  val samplePreprocessOptions() const {
    return guarded([&] { return val(tripletrec::sample_preprocess_options()); });
  }
  val loadedStats() const { return guarded([&] { return val(session_.loaded_stats()); }); }
  val preparedRatingStats() const {
    return guarded([&] { return val(session_.prepared_rating_stats()); });
  }
  val preview(const val& options) const {
    return guarded([&] { return val(session_.preview(read_preprocess(options))); });
  }
  val prepare(const val& options) {
    return guarded([&] {
      training_ = false;
      session_.prepare(read_prepare(options));
      return prepared_stats_object(session_);
    });
  }
  val preparedStats() const {
    return guarded([&] { return prepared_stats_object(session_); });
  }

  val createModel(const val& options) {
    return guarded([&] {
      ModelRequest request = read_model(options);
      training_ = false;
      session_.create_model(request.config, request.optimizer, request.seed);
      return summary_object(session_);
    });
  }
  val summary() { return guarded([&] { require_model(); return summary_object(session_); }); }

  // --- steppable training: JS drives the slices and returns to its event loop in between ---
  val beginTraining(const val& options) {
    return guarded([&] {
      require_model();
      session_.begin_training(read_train(options, session_.model().kind()));
      training_ = true;
      seconds_per_batch_ = 0;
      return val(session_.training_progress());
    });
  }
  // Trains until `maxBatches` batches are done or `maxSeconds` have passed (at least one batch);
  // returns true while epochs remain.
  bool trainFor(double maxBatches, double maxSeconds) {
    return guarded([&] {
      if (!training_) throw tripletrec::UsageError("trainFor: call beginTraining first");
      const auto start = std::chrono::steady_clock::now();
      std::int64_t done = 0;
      const auto limit = static_cast<std::int64_t>(maxBatches);
      // Several threads train in rounds (the engine stops a round at the epoch's end), at least
      // one per call whatever maxBatches says: as large as the time left allows by the last
      // round's pace, from 32 batches per thread up to a full round (kRoundBatchesPerThread).
      // Rounds of 32 per thread kept 2 threads at 1.1-1.5x one thread's rate in wasm (bilinear,
      // anime): a wake-up, a wait for the last thread and a sync of the per-thread copies each.
      const int threads = session_.training_progress().threads;
      bool more = true;
      while (more && done < limit) {
        std::int64_t group;
        if (threads == 1) {
          group = std::min<std::int64_t>(limit - done, done == 0 ? 1 : 8);  // the clock read rarely
        } else {
          const double left = maxSeconds - seconds_since(start);
          const double fits = seconds_per_batch_ > 0 ? left / seconds_per_batch_ : 0;
          group = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::min(fits, 1e9)), std::int64_t{32} * threads,
                                           tripletrec::kRoundBatchesPerThread * threads);
        }
        const auto round_start = std::chrono::steady_clock::now();
        more = session_.train_step(group);
        if (threads > 1) seconds_per_batch_ = seconds_since(round_start) / static_cast<double>(group);
        done += group;
        if (seconds_since(start) >= maxSeconds) break;
      }
      return more;
    });
  }
  // Batches trained so far, as trainingProgress() counts them: what a training run reports as its
  // `batches`, without building the progress object (every epoch's loss included).
  double trainedBatches() const {
    return guarded([&] {
      const tripletrec::Progress& progress = session_.training_progress();
      // Once finished the engine reports epoch == epochs with the last epoch's batch count kept.
      if (progress.epoch >= progress.epochs) return static_cast<double>(progress.epochs * progress.batches_per_epoch);
      return static_cast<double>(progress.epoch * progress.batches_per_epoch + progress.batch);
    });
  }
  val trainingProgress() const {
    return guarded([&] { return val(session_.training_progress()); });
  }
  void endTraining() {
    guarded([&] {
      if (!training_) return;
      training_ = false;
      session_.end_training();
    });
  }

  // The model's evaluation with the popularity baseline's beside it (computed once per prepared data).
  val evaluate(const val& k) const {
    return guarded([&] {
      const int top = read_k(k);
      val object(session_.evaluate(top));
      object.set("popularity", val(session_.evaluate_popularity(top)));
      return object;
    });
  }
  double paramCount() { return guarded([&] { require_model(); return static_cast<double>(session_.param_count()); }); }

  val users() const {
    return guarded([&] {
      require_prepared();
      return copy_to_array(session_.dataset().user_raw_id);
    });
  }
  val recommend(double rawUser, const val& k) const {
    return guarded([&] { return item_list(session_.recommend(user_of(rawUser), read_k(k))); });
  }
  val similarItems(double rawItem, const val& k) const {
    return guarded([&] { return item_list(session_.similar_items(item_of(rawItem), read_k(k))); });
  }
  val userHistory(double rawUser) const {
    return guarded([&] {
      const std::int32_t user = user_of(rawUser);
      val object = val::object();
      object.set("train", item_list(session_.user_train_positives(user)));
      object.set("test", item_list(session_.user_test_positives(user)));
      return object;
    });
  }
  val popular(const val& k) const { return guarded([&] { return item_list(session_.popular(read_k(k))); }); }

  // --- new visitors: fold-in from raw liked item ids, no retraining ---
  // options: { k, exclude, userFeatures, ...the foldIn group (steps, learningRate, seed) }.
  val recommendFor(const val& likes, const val& options) const {
    return guarded([&] {
      const val exclude = option_field(options, "exclude");
      return recommendation_list(session_.recommend_for(
          read_item_ids(likes, "likes"), exclude.isUndefined() ? std::vector<std::int64_t>{} : read_item_ids(exclude, "exclude"),
          read_k(option_field(options, "k")), read_fold_in(options), read_user_features(options)));
    });
  }
  val scoreFor(const val& likes, const val& itemIds, const val& options) const {
    return guarded([&] {
      return item_list(session_.score_for(read_item_ids(likes, "likes"), read_item_ids(itemIds, "itemIds"),
                                          read_fold_in(options), read_user_features(options)));
    });
  }
  std::string contributionMeaning() const { return guarded([&] { return session_.contribution_meaning(); }); }
  val searchItems(const std::string& query, const val& k) const {
    return guarded([&] { return item_list(session_.search_items(query, read_k(k))); });
  }

  // --- held-out users (prepare with holdoutUsers > 0) ---
  val holdoutUsers() const { return guarded([&] { return copy_to_array(session_.holdout_user_ids()); }); }
  val evaluateFoldIn(const val& k, const val& options) const {
    return guarded([&] { return val(session_.evaluate_fold_in(read_k(k), read_fold_in(options))); });
  }
  val evaluateUsers(const val& userIds, const val& k) const {
    return guarded([&] { return val(session_.evaluate_users(read_integers(userIds, "userIds", "user ids"), read_k(k))); });
  }
  val likesCurve(const val& counts, const val& options) const {
    return guarded([&] {
      std::vector<int> likes = tripletrec::default_likes_counts();
      if (!counts.isUndefined()) {
        likes.clear();
        for (const std::int64_t count : read_integers(counts, "counts", "numbers of likes"))
          likes.push_back(static_cast<int>(std::clamp<std::int64_t>(count, INT32_MIN, INT32_MAX)));
      }
      const std::vector<tripletrec::LikesCurvePoint> points = session_.likes_curve(likes, read_fold_in(options));
      val array = val::array();
      for (std::size_t i = 0; i < points.size(); ++i) array.set(i, val(points[i]));
      return array;
    });
  }

  // --- the embedding map ---
  // The model's item vectors (unit rows), which tensor they are, and every item to label them.
  val itemVectors() {
    return guarded([&] {
      const tripletrec::ItemVectors vectors = session_.item_vectors();
      std::vector<tripletrec::ItemView> items;
      items.reserve(static_cast<std::size_t>(vectors.count));
      for (std::int32_t i = 0; i < vectors.count; ++i) items.push_back(session_.item_view(i));
      val object = val::object();
      object.set("values", float32_array_of(vectors.values));
      object.set("dim", vectors.dim);
      object.set("source", vectors.source);
      object.set("items", item_list(items));
      return object;
    });
  }
  // PCA of any row-major matrix (e.g. itemVectors' values) to 2-D: count x 2, deterministic.
  val pcaMap(const val& values, int dim) const {
    return guarded([&] { return float32_array_of(tripletrec::pca_2d(vectors_from(values, dim))); });
  }
  // The k nearest rows of one row (unit rows: its cosine neighbours), nearest first.
  val nearestRows(const val& values, int dim, int row, const val& k) const {
    return guarded([&] {
      const tripletrec::ItemVectors vectors = vectors_from(values, dim);
      return copy_to_array(tripletrec::nearest_rows(vectors.values.data(), vectors.count, vectors.dim, row, read_k(k)));
    });
  }
  // Every row's k nearest other rows and their distances (count x k each): what UMAP starts from.
  val nearestNeighbours(const val& values, int dim, const val& k) const {
    return guarded([&] {
      const tripletrec::ItemVectors vectors = vectors_from(values, dim);
      const tripletrec::NeighbourLists lists = tripletrec::nearest_neighbour_lists(vectors.values.data(), vectors.count, vectors.dim, read_k(k));
      val object = val::object();
      object.set("k", lists.k);
      val indices(emscripten::typed_memory_view(lists.index.size(), lists.index.data()));
      object.set("indices", val::global("Int32Array").new_(indices));
      object.set("distances", float32_array_of(lists.distance));
      return object;
    });
  }
  val mapQuality(const val& values, int dim, const val& xy, const val& k) const {
    return guarded([&] {
      const tripletrec::ItemVectors vectors = vectors_from(values, dim);
      const tripletrec::ItemVectors map = vectors_from(xy, 2);
      const tripletrec::MapQuality quality = session_.map_quality(vectors, map.values, read_k(k));
      val object = val::object();
      object.set("k", quality.k);
      object.set("neighboursKept", quality.neighbours_kept);
      object.set("genrePurity", quality.genre_purity);
      object.set("genrePurityOnMap", quality.genre_purity_on_map);
      object.set("genrePurityByChance", quality.genre_purity_by_chance);
      return object;
    });
  }

  // --- the serving bundle: the model's item side with the items, for serving without ratings ---
  // Replaces everything with the bundle (the engine's strong guarantee: a refused bundle changes nothing).
  val loadServing(double length, const std::string& source) {
    return guarded([&] {
      consume_input(length, [&](std::string_view bytes) {
        session_.load_serving(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), source);
      });
      return summary_object(session_);
    });
  }
  // options: { dtype } (one of servingDtypes(); absent: the engine's default). A copy of the bytes.
  val exportServing(const val& options) {
    return guarded([&] {
      const val name = option_field(options, "dtype");
      if (!name.isUndefined() && name.typeOf().as<std::string>() != "string")
        throw tripletrec::UsageError("dtype: expected " + dtype_list() + ", got " + describe(name));
      std::vector<std::uint8_t> bytes = name.isUndefined()
          ? session_.save_serving()
          : session_.save_serving(tripletrec::bundle_dtype_from_name(name.as<std::string>()));
      val view(emscripten::typed_memory_view(bytes.size(), bytes.data()));
      return view.call<val>("slice");
    });
  }

  // A copy of the model file (the engine's buffer is freed before returning).
  val saveModel() {
    return guarded([&] {
      std::vector<std::uint8_t> bytes = session_.save_model();
      val view(emscripten::typed_memory_view(bytes.size(), bytes.data()));
      return view.call<val>("slice");
    });
  }

 private:
  template <class Load>
  void consume_input(double length, Load&& load) {
    if (!(length >= 0) || length > static_cast<double>(input_.size()))
      throw tripletrec::UsageError("load: length " + std::to_string(length) +
                                   " exceeds the input buffer (" + std::to_string(input_.size()) + " bytes)");
    // Released whether or not the load succeeds: a failed load must not pin a 100 MB buffer.
    std::vector<char> bytes = std::move(input_);
    input_ = {};
    load(std::string_view(bytes.data(), static_cast<std::size_t>(length)));
    training_ = false;  // loading replaced the data, so any training run is gone
  }
  void require_model() const {
    if (!session_.has_model()) throw tripletrec::StepError(tripletrec::MissingStep::Model);
  }
  void require_prepared() const {
    if (!session_.prepared()) throw tripletrec::StepError(tripletrec::MissingStep::Prepare);
  }
  std::int32_t user_of(double raw) const {
    require_prepared();
    const std::int32_t user = session_.user_index(static_cast<std::int64_t>(raw));
    if (user < 0) throw tripletrec::UsageError("unknown user id " + std::to_string(static_cast<std::int64_t>(raw)));
    return user;
  }
  std::int32_t item_of(double raw) const {
    if (!session_.serving()) require_prepared();  // a serving bundle has items without prepared data
    const std::int32_t item = session_.item_index(static_cast<std::int64_t>(raw));
    if (item < 0) throw tripletrec::UsageError("unknown item id " + std::to_string(static_cast<std::int64_t>(raw)));
    return item;
  }

  tripletrec::Session session_;
  std::vector<char> input_;
  bool training_ = false;
  double seconds_per_batch_ = 0;  // several threads: the last round's pace (trainFor sizes rounds by it)
};

// The engine's option table (options.hpp) for the package: its type checks before values reach
// the engine, defaults() and the demo page's fields all read it from here.
val option_value(const tripletrec::OptionValue& value) {
  using Kind = tripletrec::OptionValue::Kind;
  switch (value.kind) {
    case Kind::Null: return val::null();
    case Kind::Number: return val(value.number);
    case Kind::Bool: return val(value.flag);
    case Kind::Text: return val(value.text);
    case Kind::List: return copy_to_array(value.list);
  }
  return val::undefined();
}

// A default as the package takes the option: a FieldList's text ("genre,type", "none") as an array.
val default_value(const tripletrec::OptionSpec& spec, tripletrec::ModelKind kind) {
  const tripletrec::OptionValue value = tripletrec::option_default(spec.id, kind);
  if (spec.type != tripletrec::OptionType::FieldList) return option_value(value);
  const std::vector<std::string> fields = tripletrec::parse_feature_fields(spec.id, value.text);
  val array = val::array();
  for (std::size_t i = 0; i < fields.size(); ++i) array.set(i, fields[i]);
  return array;
}

val optionTable() {
  static const char* const groups[] = {"loadSample", "prepare", "createModel", "train", "evaluate", "foldIn"};
  static const char* const types[] = {"integer", "number", "boolean", "enum", "string", "integerList", "fieldList"};
  val table = val::array();
  std::size_t index = 0;
  for (const tripletrec::OptionSpec& spec : tripletrec::option_specs()) {
    val entry = val::object();
    entry.set("key", std::string(spec.key));
    entry.set("flag", std::string(spec.flag));
    entry.set("group", std::string(groups[static_cast<int>(spec.group)]));
    entry.set("type", std::string(types[static_cast<int>(spec.type)]));
    entry.set("nullable", spec.nullable);
    entry.set("expected", tripletrec::option_expectation(spec));
    entry.set("help", std::string(spec.help));
    const bool ranged = spec.type == tripletrec::OptionType::Integer || spec.type == tripletrec::OptionType::Number ||
                        spec.type == tripletrec::OptionType::IntegerList;
    if (ranged) {
      entry.set("min", spec.min);
      entry.set("max", spec.max);
      entry.set("minOpen", spec.min_open);
      entry.set("maxOpen", spec.max_open);
    }
    if (spec.type == tripletrec::OptionType::IntegerList) entry.set("maxLength", spec.max_length);
    if (spec.type == tripletrec::OptionType::Enum || spec.type == tripletrec::OptionType::FieldList) {
      val choices = val::array();
      for (std::size_t i = 0; i < spec.choices.size(); ++i) choices.set(i, spec.choices[i]);
      entry.set("choices", choices);
    }
    val defaults = val::object();
    for (const tripletrec::ModelKind kind : {tripletrec::ModelKind::Bilinear, tripletrec::ModelKind::Deep, tripletrec::ModelKind::FM})
      defaults.set(kind_name(kind), default_value(spec, kind));
    entry.set("defaults", defaults);
    table.set(index++, entry);
  }
  return table;
}

// The serving bundle's item-side storage types, as the engine names them ("float32" first: the default).
val servingDtypes() {
  val names = val::array();
  const std::vector<std::string>& all = tripletrec::bundle_dtype_names();
  for (std::size_t i = 0; i < all.size(); ++i) names.set(i, all[i]);
  return names;
}

// Heap statistics: the package's heapStats() (an app's memory readout; the leak tests use it too).
// mallinfo's fields are `int`, but wasm32 memory reaches 4 GiB: read as unsigned, so sizes above
// 2 GiB do not come out negative.
double heap_bytes(int field) { return static_cast<double>(static_cast<std::uint32_t>(field)); }

val heapStats() {
  const struct mallinfo info = mallinfo();
  val object = val::object();
  object.set("allocatedBytes", heap_bytes(info.uordblks));  // in use by malloc
  object.set("freeBytes", heap_bytes(info.fordblks));
  object.set("arenaBytes", heap_bytes(info.arena));         // obtained from sbrk
  return object;
}

}  // namespace

EMSCRIPTEN_BINDINGS(tripletrec) {
  using namespace tripletrec;
  emscripten::value_object<PreprocessOptions>("PreprocessOptions")
      .field("dropUnrated", &PreprocessOptions::drop_unrated)
      .field("itemType", &PreprocessOptions::item_type)
      .field("minPopularity", TRIPLETREC_AS_NUMBER(PreprocessOptions, min_popularity))
      .field("maxUserId", &max_user_id_of, &ignore_write<PreprocessOptions, &max_user_id_of>);
  emscripten::value_object<Counts>("Counts")
      .field("users", TRIPLETREC_AS_NUMBER(Counts, users))
      .field("items", TRIPLETREC_AS_NUMBER(Counts, items))
      .field("ratings", TRIPLETREC_AS_NUMBER(Counts, ratings));
  emscripten::value_object<PreprocessReport>("PreprocessReport")
      .field("loaded", &PreprocessReport::loaded)
      .field("merged", &PreprocessReport::merged)
      .field("itemFilter", &PreprocessReport::item_filter)
      .field("ratingFilter", &PreprocessReport::rating_filter);
  emscripten::value_object<RatingStats>("RatingStats")
      .field("counts", &RatingStats::counts)
      .field("histogram", &rating_histogram, &ignore_write<RatingStats, &rating_histogram>)
      .field("popularity", &rating_popularity, &ignore_write<RatingStats, &rating_popularity>);
  emscripten::value_object<PreparedStats>("PreparedStats")
      .field("counts", &PreparedStats::counts)
      .field("report", &PreparedStats::report)
      .field("trainRows", TRIPLETREC_AS_NUMBER(PreparedStats, train_rows))
      .field("testRows", TRIPLETREC_AS_NUMBER(PreparedStats, test_rows))
      .field("trainPositives", TRIPLETREC_AS_NUMBER(PreparedStats, train_positives))
      .field("testPositives", TRIPLETREC_AS_NUMBER(PreparedStats, test_positives))
      .field("unknownTestRows", TRIPLETREC_AS_NUMBER(PreparedStats, unknown_test_rows))
      .field("unknownTestUsers", TRIPLETREC_AS_NUMBER(PreparedStats, unknown_test_users))
      .field("unknownTestItems", TRIPLETREC_AS_NUMBER(PreparedStats, unknown_test_items))
      .field("coldItems", TRIPLETREC_AS_NUMBER(PreparedStats, cold_items))

      .field("holdoutUsers", TRIPLETREC_AS_NUMBER(PreparedStats, holdout_users))
      .field("holdoutTrainPositives", TRIPLETREC_AS_NUMBER(PreparedStats, holdout_train_positives))
      .field("holdoutTestPositives", TRIPLETREC_AS_NUMBER(PreparedStats, holdout_test_positives));
  emscripten::value_object<ItemView>("ItemView")
      .field("id", TRIPLETREC_AS_NUMBER(ItemView, raw_id))
      .field("name", &ItemView::name)
      .field("genres", &ItemView::genres)
      .field("type", &ItemView::type)
      .field("score", &ItemView::score)
      .field("inTest", &ItemView::in_test)
      .field("popularity", TRIPLETREC_AS_NUMBER(ItemView, popularity));
  emscripten::value_object<Explanation>("Explanation")
      .field("id", TRIPLETREC_AS_NUMBER(Explanation, raw_id))
      .field("name", &Explanation::name)
      .field("contribution", &Explanation::contribution);
  emscripten::value_object<LikesCurvePoint>("LikesCurvePoint")
      .field("likes", &LikesCurvePoint::likes)
      .field("auc", &LikesCurvePoint::auc)
      .field("users", &LikesCurvePoint::users);
  emscripten::value_object<Progress>("Progress")
      .field("epoch", &Progress::epoch)
      .field("epochs", &Progress::epochs)
      .field("batch", TRIPLETREC_AS_NUMBER(Progress, batch))
      .field("batchesPerEpoch", TRIPLETREC_AS_NUMBER(Progress, batches_per_epoch))
      .field("loss", &Progress::loss)
      .field("epochLosses", &progress_epoch_losses, &ignore_write<Progress, &progress_epoch_losses>)
      .field("elapsedSeconds", &Progress::elapsed_seconds)
      .field("triplets", TRIPLETREC_AS_NUMBER(Progress, triplets))
      .field("tripletsPerSecond", &progress_rate, &ignore_write<Progress, &progress_rate>)
      .field("threads", &Progress::threads);
  emscripten::value_object<Evaluation>("Evaluation")
      .field("auc", &Evaluation::auc)
      .field("users", &Evaluation::users)
      .field("k", &Evaluation::k)
      .field("precisionAtK", &Evaluation::precision_at_k)
      .field("recallAtK", &Evaluation::recall_at_k)
      .field("mapAtK", &Evaluation::map_at_k)
      .field("ndcgAtK", &Evaluation::ndcg_at_k)
      .field("aucCold", &Evaluation::auc_cold)
      .field("coldUsers", &Evaluation::cold_users)
      .field("nColdItems", &Evaluation::n_cold_items);
  emscripten::value_object<ModelSummaryView>("ModelSummary")
      .field("kind", &ModelSummaryView::kind)
      .field("params", &ModelSummaryView::params)
      .field("text", &ModelSummaryView::text);
  emscripten::class_<Engine>("Engine")
      .constructor<>()
      .function("inputBuffer", &Engine::inputBuffer)
      .function("releaseInput", &Engine::releaseInput)
      .function("setMemoryBudget", &Engine::setMemoryBudget)
      .function("memoryBudget", &Engine::memoryBudget)
      .function("loadRatings", &Engine::loadRatings)
      .function("loadTestRatings", &Engine::loadTestRatings)
      .function("loadItems", &Engine::loadItems)
      .function("loadUsers", &Engine::loadUsers)
      .function("loadModel", &Engine::loadModel)
      .function("loadSample", &Engine::loadSample)
      .function("loadedRows", &Engine::loadedRows)
      .function("loadedItemRows", &Engine::loadedItemRows)
      .function("loadedUserRows", &Engine::loadedUserRows)
      .function("loadedTestRows", &Engine::loadedTestRows)
      .function("clearItems", &Engine::clearItems)
      .function("clearUsers", &Engine::clearUsers)
      .function("clearTestRatings", &Engine::clearTestRatings)
      .function("samplePreprocessOptions", &Engine::samplePreprocessOptions)
      .function("loadedStats", &Engine::loadedStats)
      .function("preparedRatingStats", &Engine::preparedRatingStats)
      .function("preview", &Engine::preview)
      .function("prepare", &Engine::prepare)
      .function("preparedStats", &Engine::preparedStats)
      .function("createModel", &Engine::createModel)
      .function("summary", &Engine::summary)
      .function("beginTraining", &Engine::beginTraining)
      .function("trainFor", &Engine::trainFor)
      .function("trainedBatches", &Engine::trainedBatches)
      .function("trainingProgress", &Engine::trainingProgress)
      .function("endTraining", &Engine::endTraining)
      .function("evaluate", &Engine::evaluate)
      .function("paramCount", &Engine::paramCount)
      .function("users", &Engine::users)
      .function("recommend", &Engine::recommend)
      .function("similarItems", &Engine::similarItems)
      .function("userHistory", &Engine::userHistory)
      .function("popular", &Engine::popular)
      .function("recommendFor", &Engine::recommendFor)
      .function("scoreFor", &Engine::scoreFor)
      .function("contributionMeaning", &Engine::contributionMeaning)
      .function("searchItems", &Engine::searchItems)
      .function("holdoutUsers", &Engine::holdoutUsers)
      .function("evaluateFoldIn", &Engine::evaluateFoldIn)
      .function("evaluateUsers", &Engine::evaluateUsers)
      .function("likesCurve", &Engine::likesCurve)
      .function("itemVectors", &Engine::itemVectors)
      .function("pcaMap", &Engine::pcaMap)
      .function("nearestRows", &Engine::nearestRows)
      .function("nearestNeighbours", &Engine::nearestNeighbours)
      .function("mapQuality", &Engine::mapQuality)
      .function("saveModel", &Engine::saveModel)
      .function("loadServing", &Engine::loadServing)
      .function("exportServing", &Engine::exportServing);
  emscripten::function("heapStats", &heapStats);
  emscripten::function("takeError", &takeError);
  emscripten::function("optionTable", &optionTable);
  emscripten::function("servingDtypes", &servingDtypes);
}

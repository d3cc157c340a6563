// The option table (see options.hpp): names, types, ranges and help of every option, the checks
// every face runs, and the defaults, read from the settings structs' own defaults.
#include "tripletrec/options.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>

#include "tripletrec/features.hpp"
#include "tripletrec/sample_data.hpp"
#include "tripletrec/session.hpp"
#include "tripletrec/trainer.hpp"

namespace tripletrec {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1: seeds and ids JS holds exactly
constexpr double kMaxRows = 2147483647.0;               // the engine counts rows in int32

std::vector<OptionSpec> make_specs() {
  using I = OptionId;
  using T = OptionType;
  using G = OptionGroup;
  auto integer = [](I id, G group, const char* key, const char* flag, double min, double max, const char* help) {
    return OptionSpec{id, group, key, flag, T::Integer, min, max, false, false, false, 0, {}, false, help};
  };
  auto number = [](I id, G group, const char* key, const char* flag, double min, double max, bool min_open,
                   bool max_open, const char* help) {
    return OptionSpec{id, group, key, flag, T::Number, min, max, min_open, max_open, false, 0, {}, false, help};
  };
  auto boolean = [](I id, G group, const char* key, const char* flag, const char* help) {
    return OptionSpec{id, group, key, flag, T::Bool, 0, 0, false, false, false, 0, {}, false, help};
  };
  auto choice = [](I id, G group, const char* key, const char* flag, std::vector<std::string> names,
                   const char* help) {
    return OptionSpec{id, group, key, flag, T::Enum, 0, 0, false, false, false, 0, std::move(names), false, help};
  };
  auto field_list = [](I id, const char* key, const char* flag, std::vector<std::string> names, const char* help) {
    return OptionSpec{id, G::Model, key, flag, T::FieldList, 0, 0, false, false, false, 0, std::move(names), false, help};
  };
  auto per_model = [](OptionSpec spec) {
    spec.per_model = true;
    return spec;
  };
  std::vector<OptionSpec> specs = {
      // loadSample
      integer(I::SampleUsers, G::Sample, "users", "--sample-users", 1, 100000, "users in the sample"),
      integer(I::SampleItems, G::Sample, "items", "--sample-items", 10, 20000, "items in the sample"),
      number(I::SampleRatingsPerUser, G::Sample, "ratingsPerUser", "--sample-ratings", 1, 10000, false, false,
             "mean ratings per user in the sample (at most half the items)"),
      integer(I::SampleSeed, G::Sample, "seed", "--sample-seed", 0, kMaxSafeInteger, "seed of the sample generator"),
      // prepare
      boolean(I::DropUnrated, G::Prepare, "dropUnrated", "--keep-unrated",
              "drop rating -1 rows (watched, not rated)"),
      OptionSpec{I::ItemType, G::Prepare, "itemType", "--item-type", T::Text, 0, 0, false, false, false, 0, {}, false,
                 "keep items of this type (TV, Movie, ...) or any; ignored without item metadata"},
      integer(I::MinPopularity, G::Prepare, "minPopularity", "--min-popularity", 0, kMaxRows,
              "keep items with more than N rating rows"),
      OptionSpec{I::MaxUserId, G::Prepare, "maxUserId", "--max-user-id", T::Integer, 1, kMaxSafeInteger, false, false,
                 true, 0, {}, false, "keep users whose raw id is below this (null, in the CLI off: no bound)"},
      number(I::TestFraction, G::Prepare, "testFraction", "--test-fraction", 0, 1, true, true,
             "share of rows in the random test split (ignored with a test file)"),
      integer(I::SplitSeed, G::Prepare, "splitSeed", "--split-seed", 0, kMaxSafeInteger, "seed of the random split"),
      number(I::MinPositive, G::Prepare, "minPositive", "--min-positive", -1e9, 1e9, false, false,
             "a rating >= R is a positive (the notebook: rating > 7)"),
      number(I::ColdItems, G::Prepare, "coldItems", "--cold-items", 0, 1, false, true,
             "share of items held out of training entirely (cold-start items, scored by their features)"),
      // createModel
      per_model(choice(I::Model, G::Model, "model", "--model", {"bilinear", "deep", "fm"},
                       "the notebook's TripletModel or DeepTripletModel, or a factorization machine")),
      integer(I::EmbeddingDim, G::Model, "embeddingDim", "--embedding-dim", 1, 4096,
              "bilinear: embedding size; fm: number of factors"),
      choice(I::Similarity, G::Model, "similarity", "--similarity", {"cosine", "dot"},
             "bilinear: user-item similarity"),
      integer(I::UserDim, G::Model, "userDim", "--user-dim", 1, 4096, "deep: user embedding size"),
      integer(I::ItemDim, G::Model, "itemDim", "--item-dim", 1, 4096, "deep: item embedding size"),
      OptionSpec{I::Hidden, G::Model, "hidden", "--hidden", T::IntegerList, 1, 65536, false, false, false, 16, {},
                 false, "deep: hidden layer sizes"},
      number(I::Dropout, G::Model, "dropout", "--dropout", 0, 1, false, true, "deep: dropout rate"),
      per_model(number(I::Margin, G::Model, "margin", "--margin", 0, 100, true, false, "triplet loss margin")),
      per_model(number(I::L2, G::Model, "l2", "--l2", 0, 1, false, false, "L2 regularisation weight")),
      field_list(I::ItemFeatures, "itemFeatures", "--item-features", item_feature_fields(),
                 "item side features: an item's vector adds the mean of its feature embeddings"),
      field_list(I::UserFeatures, "userFeatures", "--user-features", user_feature_fields(),
                 "user side features (needs a user file: u.user or users.dat)"),
      boolean(I::IdEmbeddings, G::Model, "idEmbeddings", "--features-only",
              "id embeddings beside the features (off: a side with features is its features alone)"),
      number(I::LearningRate, G::Model, "learningRate", "--learning-rate", 0, 1, true, false, "Adam learning rate"),
      number(I::Beta1, G::Model, "beta1", "--beta1", 0, 1, false, true, "Adam beta1"),
      number(I::Beta2, G::Model, "beta2", "--beta2", 0, 1, false, true, "Adam beta2"),
      number(I::Epsilon, G::Model, "epsilon", "--epsilon", 0, 1, true, false, "Adam epsilon"),
      boolean(I::KerasExact, G::Model, "kerasExact", "--keras-exact",
              "dense Adam and whole-table L2 every step, as Keras (slower)"),
      integer(I::ModelSeed, G::Model, "seed", "--seed", 0, kMaxSafeInteger, "seed of the initial weights"),
      // train
      per_model(integer(I::Epochs, G::Train, "epochs", "--epochs", 1, 10000, "training epochs")),
      integer(I::BatchSize, G::Train, "batchSize", "--batch-size", 1, 65536, "triplets per optimiser step"),
      integer(I::TrainSeed, G::Train, "seed", "--seed", 0, kMaxSafeInteger, "seed of the negatives, shuffling and dropout"),
      choice(I::Negatives, G::Train, "negatives", "--negatives", {"uniform", "unseen", "hard"},
             "negative sampling: the notebook's uniform, uniform over unseen items, or hardest of N draws"),
      integer(I::HardCandidates, G::Train, "hardCandidates", "--hard-candidates", 1, 1000,
              "draws per negative for negatives hard"),
      boolean(I::EvaluateEachEpoch, G::Train, "evaluateEachEpoch", "--eval-every-epoch",
              "test AUC after each epoch (not counted in the training time)"),
      integer(I::Threads, G::Train, "threads", "--threads", 1, 256,
              "training threads; more than 1 trains Hogwild-style, fast but not "
              "bit-reproducible (default: the hardware's; 1 in a wasm build without threads)"),
      // evaluate
      integer(I::K, G::Evaluate, "k", "--k", 1, 10000,
              "length of the top-k lists (P@k, R@k, MAP@k, NDCG@k, recommendations)"),
      // prepare (appended: the table follows OptionId's order)
      number(I::HoldoutUsers, G::Prepare, "holdoutUsers", "--holdout-users", 0, 1, false, true,
             "share of users kept out of training entirely, folded in for the fold-in AUC (seeded by the split seed)"),
      // fold-in
      integer(I::FoldInSteps, G::FoldIn, "steps", "--fold-in-steps", 1, 100000,
              "fold-in: Adam steps on the new user's vector, each over one triplet per like"),
      number(I::FoldInLearningRate, G::FoldIn, "learningRate", "--fold-in-learning-rate", 0, 1, true, false,
             "fold-in: Adam learning rate of the new user's vector"),
      integer(I::FoldInSeed, G::FoldIn, "seed", "--fold-in-seed", 0, kMaxSafeInteger,
              "fold-in: seed of the initial vector and the negatives"),
  };
  for (std::size_t i = 0; i < specs.size(); ++i)
    if (static_cast<std::size_t>(specs[i].id) != i) std::abort();  // the table follows OptionId's order
  return specs;
}

OptionValue number_value(double number) { return {OptionValue::Kind::Number, number, false, {}, {}}; }
// A float setting's default as it was written (0.001, not 0.0010000000474974513): the shortest
// decimal that reads back as the same float.
OptionValue float_value(float number) {
  char buffer[32];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, static_cast<double>(number));
    if (std::strtof(buffer, nullptr) == number) break;
  }
  return number_value(std::strtod(buffer, nullptr));
}
OptionValue bool_value(bool flag) { return {OptionValue::Kind::Bool, 0, flag, {}, {}}; }
OptionValue text_value(std::string text) { return {OptionValue::Kind::Text, 0, false, std::move(text), {}}; }
std::string feature_list_text(const std::vector<std::string>& fields) {
  std::string text;
  for (const std::string& f : fields) text += (text.empty() ? "" : ",") + f;
  return text.empty() ? "none" : text;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string range_text(const OptionSpec& spec) {
  return std::string(spec.min_open ? "(" : "[") + format_number(spec.min) + ", " + format_number(spec.max) +
         (spec.max_open ? ")" : "]");
}

bool in_range(const OptionSpec& spec, double value) {
  return (spec.min_open ? value > spec.min : value >= spec.min) &&
         (spec.max_open ? value < spec.max : value <= spec.max);
}

}  // namespace

OptionError::OptionError(OptionId option, std::string problem)
    : UsageError(option_name(option, Face::Package) + ": " + problem), option(option), problem(std::move(problem)) {}

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs = make_specs();
  return specs;
}

const OptionSpec& option_spec(OptionId id) { return option_specs().at(static_cast<std::size_t>(id)); }

std::string option_name(OptionId id, Face face) {
  const OptionSpec& spec = option_spec(id);
  return face == Face::Cli ? spec.flag : spec.key;
}

std::string format_number(double value) {
  // As JavaScript's String(number) writes it, so every face quotes a value the same way.
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return "0";
  char buffer[40];
  int precision = 1;
  for (; precision < 17; ++precision) {  // the fewest significant digits that read back the same
    std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::snprintf(buffer, sizeof buffer, "%.*e", precision - 1, value);
  const int exponent = std::atoi(std::strchr(buffer, 'e') + 1);
  if (exponent >= -6 && exponent < 21) {
    std::snprintf(buffer, sizeof buffer, "%.*f", std::max(0, precision - 1 - exponent), value);
    return buffer;
  }
  std::string mantissa(buffer, std::strchr(buffer, 'e'));
  return mantissa + "e" + (exponent > 0 ? "+" : "-") + std::to_string(std::abs(exponent));
}

std::string option_expectation(const OptionSpec& spec, const char* null_word) {
  switch (spec.type) {
    case OptionType::Integer:
      return "an integer in " + range_text(spec) + (spec.nullable ? std::string(" or ") + null_word : std::string());
    case OptionType::Number: return "a number in " + range_text(spec);
    case OptionType::Bool: return "true or false";
    case OptionType::Text: return "a non-empty string";
    case OptionType::IntegerList:
      return "a list of at most " + std::to_string(spec.max_length) + " integers in " + range_text(spec);
    case OptionType::FieldList: {
      std::string names;
      for (std::size_t i = 0; i < spec.choices.size(); ++i) names += (i ? ", " : "") + spec.choices[i];
      return "field names from " + names + " (or none)";
    }
    case OptionType::Enum: {
      std::string names;
      for (std::size_t i = 0; i < spec.choices.size(); ++i)
        names += (i == 0 ? "" : i + 1 == spec.choices.size() ? " or " : ", ") + quoted(spec.choices[i]);
      return names;
    }
  }
  return "";
}

OptionValue option_default(OptionId id, ModelKind model) {
  const SampleOptions sample;
  const PrepareOptions prepare;
  const ModelConfig config = ModelConfig::defaults_for(model);
  const OptimizerConfig optimizer;
  const TrainOptions train = TrainOptions::defaults_for(model);
  const FoldInOptions fold_in;
  using I = OptionId;
  switch (id) {
    case I::SampleUsers: return number_value(sample.users);
    case I::SampleItems: return number_value(sample.items);
    case I::SampleRatingsPerUser: return number_value(normalised(sample).ratings_per_user.value());
    case I::SampleSeed: return number_value(static_cast<double>(sample.seed));
    case I::DropUnrated: return bool_value(prepare.preprocess.drop_unrated);
    case I::ItemType: return text_value(prepare.preprocess.item_type);
    case I::MinPopularity: return number_value(static_cast<double>(prepare.preprocess.min_popularity));
    case I::MaxUserId:
      return prepare.preprocess.max_user_id < 0 ? OptionValue{}
                                                : number_value(static_cast<double>(prepare.preprocess.max_user_id));
    case I::TestFraction: return number_value(prepare.test_fraction);
    case I::SplitSeed: return number_value(static_cast<double>(prepare.split_seed));
    case I::MinPositive: return float_value(prepare.min_positive);
    case I::ColdItems: return number_value(prepare.cold_items);
    case I::Model: return text_value(option_spec(id).choices.at(static_cast<std::size_t>(config.kind)));
    case I::EmbeddingDim: return number_value(config.embedding_dim);
    case I::Similarity: return text_value(option_spec(id).choices.at(static_cast<std::size_t>(config.similarity)));
    case I::UserDim: return number_value(config.user_dim);
    case I::ItemDim: return number_value(config.item_dim);
    case I::Hidden: return {OptionValue::Kind::List, 0, false, {}, config.hidden};
    case I::Dropout: return float_value(config.dropout);
    case I::Margin: return float_value(config.margin);
    case I::L2: return float_value(config.l2);
    case I::ItemFeatures: return text_value(feature_list_text(config.item_features));
    case I::UserFeatures: return text_value(feature_list_text(config.user_features));
    case I::IdEmbeddings: return bool_value(config.id_embeddings);
    case I::LearningRate: return float_value(optimizer.learning_rate);
    case I::Beta1: return float_value(optimizer.beta1);
    case I::Beta2: return float_value(optimizer.beta2);
    case I::Epsilon: return float_value(optimizer.epsilon);
    case I::KerasExact: return bool_value(optimizer.keras_exact);
    case I::ModelSeed: return number_value(static_cast<double>(kDefaultModelSeed));
    case I::Epochs: return number_value(train.epochs);
    case I::BatchSize: return number_value(train.batch_size);
    case I::TrainSeed: return number_value(static_cast<double>(train.seed));
    case I::Negatives: return text_value(option_spec(id).choices.at(static_cast<std::size_t>(train.negatives)));
    case I::HardCandidates: return number_value(train.hard_candidates);
    case I::EvaluateEachEpoch: return bool_value(false);
    case I::Threads: return number_value(train.threads);
    case I::K: return number_value(kDefaultK);
    case I::HoldoutUsers: return number_value(prepare.holdout_users);
    case I::FoldInSteps: return number_value(fold_in.steps);
    case I::FoldInLearningRate: return float_value(fold_in.learning_rate);
    case I::FoldInSeed: return number_value(static_cast<double>(fold_in.seed));
  }
  return {};
}

std::string format_option_value(const OptionValue& value) {
  switch (value.kind) {
    case OptionValue::Kind::Null: return "null";
    case OptionValue::Kind::Number: return format_number(value.number);
    case OptionValue::Kind::Bool: return value.flag ? "true" : "false";
    case OptionValue::Kind::Text: return value.text;
    case OptionValue::Kind::List: {
      std::string text;
      for (std::size_t i = 0; i < value.list.size(); ++i) text += (i ? "," : "") + std::to_string(value.list[i]);
      return text.empty() ? "none" : text;
    }
  }
  return "";
}

double check_number(OptionId id, double value, std::string_view as_written) {
  const OptionSpec& spec = option_spec(id);
  const bool integral = spec.type != OptionType::Number;
  if (!std::isfinite(value) || !in_range(spec, value) || (integral && std::floor(value) != value))
    throw OptionError(id, "expected " + option_expectation(spec) + ", got " +
                              (as_written.empty() ? format_number(value) : std::string(as_written)));
  return value;
}

int check_choice(OptionId id, std::string_view name) {
  const OptionSpec& spec = option_spec(id);
  for (std::size_t i = 0; i < spec.choices.size(); ++i)
    if (spec.choices[i] == name) return static_cast<int>(i);
  throw OptionError(id, "expected " + option_expectation(spec) + ", got " + quoted(name));
}

std::vector<int> check_integer_list(OptionId id, const std::vector<double>& values) {
  const OptionSpec& spec = option_spec(id);
  if (values.size() > static_cast<std::size_t>(spec.max_length))
    throw OptionError(id, "expected " + option_expectation(spec) + ", got " + std::to_string(values.size()) +
                              " elements");
  std::vector<int> result;
  for (const double value : values) {
    if (!std::isfinite(value) || !in_range(spec, value) || std::floor(value) != value)
      throw OptionError(id, "expected " + option_expectation(spec) + ", got " + format_number(value));
    result.push_back(static_cast<int>(value));
  }
  return result;
}

const std::string& check_text(OptionId id, const std::string& text) {
  if (text.empty()) throw OptionError(id, "expected " + option_expectation(option_spec(id)) + ", got \"\"");
  return text;
}

namespace {

double seed_value(std::uint64_t seed) {
  // Above 2^53 a double rounds, but every such seed is out of range anyway.
  return static_cast<double>(seed);
}

std::vector<double> as_doubles(const std::vector<int>& values) { return {values.begin(), values.end()}; }

}  // namespace

void check_sample_options(const SampleOptions& o) {
  check_number(OptionId::SampleUsers, o.users);
  check_number(OptionId::SampleItems, o.items);
  check_number(OptionId::SampleSeed, seed_value(o.seed));
  if (!o.ratings_per_user) return;
  const double ratings = check_number(OptionId::SampleRatingsPerUser, *o.ratings_per_user);
  if (ratings > o.items / 2.0)
    throw OptionError(OptionId::SampleRatingsPerUser,
                      "expected at most half the items (" + format_number(o.items / 2.0) + " for " +
                          std::to_string(o.items) + " items), got " + format_number(ratings));
}

void check_prepare_options(const PrepareOptions& o) {
  check_text(OptionId::ItemType, o.preprocess.item_type);
  check_number(OptionId::MinPopularity, static_cast<double>(o.preprocess.min_popularity));
  if (o.preprocess.max_user_id >= 0) check_number(OptionId::MaxUserId, static_cast<double>(o.preprocess.max_user_id));
  check_number(OptionId::TestFraction, o.test_fraction);
  check_number(OptionId::SplitSeed, seed_value(o.split_seed));
  check_number(OptionId::MinPositive, o.min_positive);
  check_number(OptionId::ColdItems, o.cold_items);
  check_number(OptionId::HoldoutUsers, o.holdout_users);
}

void check_model_options(const ModelConfig& c, const OptimizerConfig& o, std::uint64_t seed) {
  if (c.kind != ModelKind::Bilinear && c.kind != ModelKind::Deep && c.kind != ModelKind::FM)
    throw OptionError(OptionId::Model, "expected " + option_expectation(option_spec(OptionId::Model)));
  if (c.similarity != Similarity::Cosine && c.similarity != Similarity::Dot)
    throw OptionError(OptionId::Similarity, "expected " + option_expectation(option_spec(OptionId::Similarity)));
  check_feature_fields(OptionId::ItemFeatures, c.item_features);
  check_feature_fields(OptionId::UserFeatures, c.user_features);
  if (c.kind != ModelKind::Deep) {
    check_number(OptionId::EmbeddingDim, c.embedding_dim);
  } else {
    check_number(OptionId::UserDim, c.user_dim);
    check_number(OptionId::ItemDim, c.item_dim);
    check_integer_list(OptionId::Hidden, as_doubles(c.hidden));
    check_number(OptionId::Dropout, c.dropout);
  }
  check_number(OptionId::Margin, c.margin);
  check_number(OptionId::L2, c.l2);
  check_number(OptionId::LearningRate, o.learning_rate);
  check_number(OptionId::Beta1, o.beta1);
  check_number(OptionId::Beta2, o.beta2);
  check_number(OptionId::Epsilon, o.epsilon);
  check_number(OptionId::ModelSeed, seed_value(seed));
}

void check_train_options(const TrainOptions& o) {
  check_number(OptionId::Epochs, o.epochs);
  check_number(OptionId::BatchSize, o.batch_size);
  check_number(OptionId::TrainSeed, seed_value(o.seed));
  if (o.negatives != NegativeSampling::Uniform && o.negatives != NegativeSampling::UniformUnseen &&
      o.negatives != NegativeSampling::Hard)
    throw OptionError(OptionId::Negatives, "expected " + option_expectation(option_spec(OptionId::Negatives)));
  check_number(OptionId::HardCandidates, o.hard_candidates);
  check_number(OptionId::Threads, o.threads);
}

void check_fold_in_options(const FoldInOptions& o) {
  check_number(OptionId::FoldInSteps, o.steps);
  check_number(OptionId::FoldInLearningRate, o.learning_rate);
  check_number(OptionId::FoldInSeed, seed_value(o.seed));
}

int check_k(double k) { return static_cast<int>(check_number(OptionId::K, k)); }

}  // namespace tripletrec

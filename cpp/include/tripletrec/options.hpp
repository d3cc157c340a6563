// The engine's option table: every option of loadSample / prepare / createModel / train /
// evaluate, written once. For each: its id, its name in each face (the package's key, the CLI's
// flag), its type, range, enum names and default (per model where the models differ). The CLI
// (flags, --help), the Embind bindings (the package's type checks, defaults()) and the demo page
// read it from here; nothing else spells a default or a range.
//
// OptionError is the one error for a bad option value (or a size an option makes too big): it
// carries the option's id, so each face reports the name its caller used:
//   throw OptionError(OptionId::Hidden, "needs 17.2 GB, over the 1 GiB budget");
// reads "hidden: needs 17.2 GB, ..." in the package and "--hidden: needs 17.2 GB, ..." in the CLI.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/model.hpp"

namespace tripletrec {

struct SampleOptions;
struct PrepareOptions;
struct TrainOptions;

// Defaults that belong to no settings struct.
inline constexpr std::uint64_t kDefaultModelSeed = 42;  // createModel's seed
inline constexpr int kDefaultK = 10;                     // evaluate's k

enum class OptionId {
  // loadSample
  SampleUsers, SampleItems, SampleRatingsPerUser, SampleSeed,
  // prepare (preprocessing, split, positives)
  DropUnrated, ItemType, MinPopularity, MaxUserId, TestFraction, SplitSeed, MinPositive, ColdItems,
  // createModel (model, optimiser, initialisation)
  Model, EmbeddingDim, Similarity, UserDim, ItemDim, Hidden, Dropout, Margin, L2,
  ItemFeatures, UserFeatures, IdEmbeddings,
  LearningRate, Beta1, Beta2, Epsilon, KerasExact, ModelSeed,
  // train
  Epochs, BatchSize, TrainSeed, Negatives, HardCandidates, EvaluateEachEpoch, Threads,
  // evaluate and the top-k lists
  K,
  // prepare: users kept out of training entirely, for the fold-in evaluation
  HoldoutUsers,
  // fold-in of a new user (recommend_for, score_for, the hold-out evaluation)
  FoldInSteps, FoldInLearningRate, FoldInSeed,
};

// Which interface a caller used: names differ (learningRate vs --learning-rate).
enum class Face { Package, Cli };

// The name of an option in a face: "learningRate" or "--learning-rate".
std::string option_name(OptionId id, Face face);

// A bad value for one option, or a size it makes too big. `problem` is the message without the
// option's name ("expected an integer in [1, 4096], got 2.7"); what() prefixes the package key.
// Faces print message(face).
struct OptionError : UsageError {
  OptionError(OptionId option, std::string problem);
  std::string message(Face face) const { return option_name(option, face) + ": " + problem; }
  OptionId option;
  std::string problem;
};

// ---- the table ---------------------------------------------------------------------------------

// FieldList: names from `choices`, comma-separated text in the CLI ("genre,type" or "none").
enum class OptionType { Integer, Number, Bool, Enum, Text, IntegerList, FieldList };
enum class OptionGroup { Sample, Prepare, Model, Train, Evaluate, FoldIn };

// A default or a given value of any option type.
struct OptionValue {
  enum class Kind { Null, Number, Bool, Text, List } kind = Kind::Null;
  double number = 0;
  bool flag = false;
  std::string text;
  std::vector<int> list;
};

struct OptionSpec {
  OptionId id;
  OptionGroup group;
  const char* key;   // the package's option key
  const char* flag;  // the CLI's flag
  OptionType type;
  // Integer, Number and the elements of IntegerList: the finite range accepted.
  double min = 0, max = 0;
  bool min_open = false, max_open = false;
  bool nullable = false;               // null is a value (maxUserId: no bound)
  int max_length = 0;                  // IntegerList: at most this many elements
  std::vector<std::string> choices;    // Enum: the names, in the engine enum's order
  bool per_model = false;              // the default differs between the models
  const char* help;
};

const std::vector<OptionSpec>& option_specs();
const OptionSpec& option_spec(OptionId id);

// What a value must be, as the messages say it: "an integer in [1, 4096]", "\"cosine\" or \"dot\"".
// `null_word`: how the caller spells null (the CLI: off).
std::string option_expectation(const OptionSpec& spec, const char* null_word = "null");
// A number as a caller would write it: shortest text that reads back the same (2.7, 1e+30).
std::string format_number(double value);
// The default of an option for a model kind (the same for both unless spec.per_model).
OptionValue option_default(OptionId id, ModelKind model = ModelKind::Bilinear);
std::string format_option_value(const OptionValue& value);

// ---- checks: each throws OptionError naming the option, with the value as the caller gave it ----

// An Integer or Number option's value: finite, in range, and integral for integers.
// `as_written` (the CLI's text) replaces the formatted number in the message.
double check_number(OptionId id, double value, std::string_view as_written = {});
// An Enum option's name -> its index in spec.choices.
int check_choice(OptionId id, std::string_view name);
// An IntegerList option: length and each element.
std::vector<int> check_integer_list(OptionId id, const std::vector<double>& values);
// A Text option: not empty.
const std::string& check_text(OptionId id, const std::string& text);

// Whole settings, field by field, before any work starts (Session calls these; the faces convert
// the caller's values with the checks above first, so integers are never truncated).
void check_sample_options(const SampleOptions& options);
void check_prepare_options(const PrepareOptions& options);
void check_model_options(const ModelConfig& config, const OptimizerConfig& optimizer, std::uint64_t seed);
void check_train_options(const TrainOptions& options);
void check_fold_in_options(const FoldInOptions& options);
int check_k(double k);

}  // namespace tripletrec

#include "cli_options.hpp"

#include <algorithm>
#include <climits>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <iostream>
#include <sstream>
#include <utility>

#include "cli_errors.hpp"
#include "tripletrec/features.hpp"
#include "tripletrec/memory_budget.hpp"
#include "tripletrec/options.hpp"

namespace tripletrec::cli {
namespace {

// Values of engine options: the text is read as a number (or a name), then the engine's table
// checks it, so the CLI accepts exactly what the package accepts, with the same message (null is
// spelled off here).
[[noreturn]] void not_readable(OptionId id, const std::string& text) {
  throw OptionError(id, "expected " + option_expectation(option_spec(id), "off") + ", got \"" + text + "\"");
}

double read_number_text(OptionId id, const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) not_readable(id, text);
  try {
    return check_number(id, value, text);
  } catch (const OptionError&) {
    if (!option_spec(id).nullable) throw;
    not_readable(id, text);  // the engine's range message spells null "null"; the CLI says off
  }
}

template <class T>
T option_number(OptionId id, const std::string& text) {
  return static_cast<T>(read_number_text(id, text));
}

template <class T>
T option_choice(OptionId id, const std::string& text) {
  return static_cast<T>(check_choice(id, text));
}

std::vector<int> option_layers(OptionId id, const std::string& text) {
  std::vector<double> layers;
  if (text == "none") return {};
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, comma - start);
    double value = 0;
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size()) not_readable(id, text);
    layers.push_back(value);
    start = comma + 1;
  }
  return check_integer_list(id, layers);
}

// Non-engine flags (CLI output): an integer >= minimum.
template <class T>
T parse_integer_at_least(const std::string& flag, const std::string& text, T minimum) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    throw CliError(flag + ": expected an integer, got \"" + text + "\"");
  if (value < minimum) throw CliError(flag + ": expected an integer >= " + std::to_string(minimum) + ", got " + text);
  return value;
}

// A byte count: an integer with an optional binary suffix K, M, G or T ("1073741824", "4G").
std::uint64_t parse_bytes(const std::string& flag, const std::string& text) {
  std::string digits = text;
  std::uint64_t unit = 1;
  if (!digits.empty()) {
    const char suffix = static_cast<char>(digits.back() & ~0x20);  // upper case
    const std::string units = "KMGT";
    if (const std::size_t at = units.find(suffix); at != std::string::npos) {
      unit = std::uint64_t{1} << (10 * (at + 1));
      digits.pop_back();
    }
  }
  const auto count = parse_integer_at_least<std::uint64_t>(flag, digits, 1);
  if (count > kMaxMemoryBudget / unit || count * unit < kMinMemoryBudget)
    throw CliError(flag + ": expected 1M to 1T bytes, got \"" + text + "\"");
  return count * unit;
}

// "10; deep 20": the default from the engine's table, per model where the models differ (the FM
// named when its default is not the bilinear model's).
std::string default_text(OptionId id) {
  const std::string bilinear = format_option_value(option_default(id, ModelKind::Bilinear));
  if (!option_spec(id).per_model) return bilinear;
  const std::string fm = format_option_value(option_default(id, ModelKind::FM));
  return bilinear + "; deep " + format_option_value(option_default(id, ModelKind::Deep)) +
         (fm == bilinear ? "" : "; fm " + fm);
}

// The flag of an engine option: spelling, help and default from the engine's table.
Flag option_flag(OptionId id, std::string value, std::function<void(CliOptions&, const std::string&)> apply,
                 std::string default_override = "") {
  const OptionSpec& spec = option_spec(id);
  return {spec.flag, std::move(value), default_override.empty() ? default_text(id) : std::move(default_override),
          spec.help, std::move(apply)};
}

void print_flags(const std::vector<Flag>& flags) {
  for (const Flag& f : flags) {
    std::string left = "  " + f.name + (f.value.empty() ? "" : " " + f.value);
    if (left.size() < 33) left.resize(34, ' ');
    else left += "\n" + std::string(34, ' ');
    std::cout << left << f.help;
    if (!f.default_text.empty()) std::cout << " (default: " << f.default_text << ")";
    std::cout << "\n";
  }
}

}  // namespace

std::vector<Flag> train_flags() {
  using I = OptionId;
  const PreprocessOptions sample_preprocess = sample_preprocess_options();
  return {
      {"--ratings", "FILE", "", "ratings CSV (anime rating.csv, MovieLens ratings.csv, u.data, ratings.dat)",
       [](CliOptions& o, const std::string& v) { o.ratings = v; }},
      {"--items", "FILE", "", "item metadata CSV (anime.csv, movies.csv, u.item): names, genres, types",
       [](CliOptions& o, const std::string& v) { o.items = v; }},
      {"--users", "FILE", "", "user metadata (u.user, users.dat) for --user-features: age, gender, occupation",
       [](CliOptions& o, const std::string& v) { o.users_file = v; }},
      {"--train", "FILE", "", "train ratings of a given split (use with --test instead of --ratings)",
       [](CliOptions& o, const std::string& v) { o.ratings = v; o.train_flag_used = true; }},
      {"--test", "FILE", "", "test ratings of a given split (e.g. MovieLens ua.test)",
       [](CliOptions& o, const std::string& v) { o.test = v; }},
      {"--sample", "", "off", "use the built-in synthetic sample instead of files",
       [](CliOptions& o, const std::string&) { o.sample = true; }},
      option_flag(I::SampleUsers, "N", [](CliOptions& o, const std::string& v) {
        o.sample_options.users = option_number<int>(I::SampleUsers, v);
      }),
      option_flag(I::SampleItems, "N", [](CliOptions& o, const std::string& v) {
        o.sample_options.items = option_number<int>(I::SampleItems, v);
      }),
      option_flag(I::SampleRatingsPerUser, "N", [](CliOptions& o, const std::string& v) {
        o.sample_options.ratings_per_user = option_number<double>(I::SampleRatingsPerUser, v);
      }, default_text(I::SampleRatingsPerUser) + ", at most items/3"),
      option_flag(I::SampleSeed, "N", [](CliOptions& o, const std::string& v) {
        o.sample_options.seed = option_number<std::uint64_t>(I::SampleSeed, v);
      }),
      option_flag(I::ItemType, "TYPE|any", [](CliOptions& o, const std::string& v) {
        o.item_type = check_text(I::ItemType, v);
      }),
      option_flag(I::MinPopularity, "N", [](CliOptions& o, const std::string& v) {
        o.min_popularity = option_number<std::int64_t>(I::MinPopularity, v);
      }, default_text(I::MinPopularity) + "; with --sample " + std::to_string(sample_preprocess.min_popularity)),
      option_flag(I::MaxUserId, "N|off", [](CliOptions& o, const std::string& v) {
        o.max_user_id = v == "off" ? -1 : option_number<std::int64_t>(I::MaxUserId, v);
      }, default_text(I::MaxUserId) + "; with --sample " +
             (sample_preprocess.max_user_id < 0 ? "off" : std::to_string(sample_preprocess.max_user_id))),
      {option_spec(I::DropUnrated).flag, "", "off", "keep rating -1 rows (watched, not rated)",
       [](CliOptions& o, const std::string&) { o.keep_unrated = true; }},
      option_flag(I::TestFraction, "F", [](CliOptions& o, const std::string& v) {
        o.prepare.test_fraction = option_number<double>(I::TestFraction, v);
      }),
      option_flag(I::SplitSeed, "N", [](CliOptions& o, const std::string& v) {
        o.prepare.split_seed = option_number<std::uint64_t>(I::SplitSeed, v);
      }),
      option_flag(I::MinPositive, "R", [](CliOptions& o, const std::string& v) {
        o.prepare.min_positive = option_number<float>(I::MinPositive, v);
      }),
      option_flag(I::ColdItems, "F", [](CliOptions& o, const std::string& v) {
        o.prepare.cold_items = option_number<double>(I::ColdItems, v);
      }),
      option_flag(I::HoldoutUsers, "F", [](CliOptions& o, const std::string& v) {
        o.prepare.holdout_users = option_number<double>(I::HoldoutUsers, v);
      }),
      option_flag(I::Model, "bilinear|deep|fm", [](CliOptions& o, const std::string& v) {
        o.model = option_choice<ModelKind>(I::Model, v);
      }, format_option_value(option_default(I::Model))),
      option_flag(I::EmbeddingDim, "N", [](CliOptions& o, const std::string& v) {
        o.embedding_dim = option_number<int>(I::EmbeddingDim, v);
      }),
      option_flag(I::Similarity, "cosine|dot", [](CliOptions& o, const std::string& v) {
        o.similarity = option_choice<Similarity>(I::Similarity, v);
      }),
      option_flag(I::UserDim, "N", [](CliOptions& o, const std::string& v) {
        o.user_dim = option_number<int>(I::UserDim, v);
      }),
      option_flag(I::ItemDim, "N", [](CliOptions& o, const std::string& v) {
        o.item_dim = option_number<int>(I::ItemDim, v);
      }),
      option_flag(I::Hidden, "N,N,...|none", [](CliOptions& o, const std::string& v) {
        o.hidden = option_layers(I::Hidden, v);
      }, format_option_value(option_default(I::Hidden, ModelKind::Deep))),
      option_flag(I::Dropout, "P", [](CliOptions& o, const std::string& v) {
        o.dropout = option_number<float>(I::Dropout, v);
      }, format_option_value(option_default(I::Dropout, ModelKind::Deep))),
      option_flag(I::Margin, "M", [](CliOptions& o, const std::string& v) {
        o.margin = option_number<float>(I::Margin, v);
      }),
      option_flag(I::L2, "L", [](CliOptions& o, const std::string& v) {
        o.l2 = option_number<float>(I::L2, v);
      }),
      option_flag(I::ItemFeatures, "F,F,...|all|none", [](CliOptions& o, const std::string& v) {
        if (v != "all") parse_feature_fields(I::ItemFeatures, v);  // names checked now, "all" after loading
        o.item_features = v;
      }),
      option_flag(I::UserFeatures, "F,F,...|all|none", [](CliOptions& o, const std::string& v) {
        if (v != "all") parse_feature_fields(I::UserFeatures, v);
        o.user_features = v;
      }),
      {option_spec(I::IdEmbeddings).flag, "", "off", "no id embeddings where there are features: such items (users) are their features alone",
       [](CliOptions& o, const std::string&) { o.features_only = true; }},
      option_flag(I::LearningRate, "LR", [](CliOptions& o, const std::string& v) {
        o.optimizer.learning_rate = option_number<float>(I::LearningRate, v);
      }),
      option_flag(I::Beta1, "B", [](CliOptions& o, const std::string& v) {
        o.optimizer.beta1 = option_number<float>(I::Beta1, v);
      }),
      option_flag(I::Beta2, "B", [](CliOptions& o, const std::string& v) {
        o.optimizer.beta2 = option_number<float>(I::Beta2, v);
      }),
      option_flag(I::Epsilon, "E", [](CliOptions& o, const std::string& v) {
        o.optimizer.epsilon = option_number<float>(I::Epsilon, v);
      }),
      option_flag(I::KerasExact, "", [](CliOptions& o, const std::string&) { o.optimizer.keras_exact = true; }, "off"),
      option_flag(I::Epochs, "N", [](CliOptions& o, const std::string& v) {
        o.epochs = option_number<int>(I::Epochs, v);
      }),
      option_flag(I::BatchSize, "N", [](CliOptions& o, const std::string& v) {
        o.train.batch_size = option_number<int>(I::BatchSize, v);
      }),
      {"--seed", "N", default_text(I::TrainSeed),
       "seed of the initial weights, the negatives, shuffling and dropout",
       [](CliOptions& o, const std::string& v) {
         o.model_seed = option_number<std::uint64_t>(I::ModelSeed, v);
         o.train.seed = option_number<std::uint64_t>(I::TrainSeed, v);
       }},
      option_flag(I::Negatives, "uniform|unseen|hard", [](CliOptions& o, const std::string& v) {
        o.train.negatives = option_choice<NegativeSampling>(I::Negatives, v);
      }),
      option_flag(I::HardCandidates, "N", [](CliOptions& o, const std::string& v) {
        o.train.hard_candidates = option_number<int>(I::HardCandidates, v);
      }),
      option_flag(I::FoldInSteps, "N", [](CliOptions& o, const std::string& v) {
        o.fold_in.steps = option_number<int>(I::FoldInSteps, v);
      }),
      option_flag(I::FoldInLearningRate, "LR", [](CliOptions& o, const std::string& v) {
        o.fold_in.learning_rate = option_number<float>(I::FoldInLearningRate, v);
      }),
      option_flag(I::FoldInSeed, "N", [](CliOptions& o, const std::string& v) {
        o.fold_in.seed = option_number<std::uint64_t>(I::FoldInSeed, v);
      }),
      option_flag(I::Threads, "N", [](CliOptions& o, const std::string& v) {
        o.threads = option_number<int>(I::Threads, v);
      }),
      option_flag(I::K, "N", [](CliOptions& o, const std::string& v) { o.k = option_number<int>(I::K, v); }),
      {"--memory-budget", "BYTES", "1G",
       "refuse any model, batch, evaluation or sample that would need more memory (suffixes K, M, G, T)",
       [](CliOptions& o, const std::string& v) { o.memory_budget = parse_bytes("--memory-budget", v); }},
      {"--user", "RAWID", "a few users", "show this user's recommendations (repeatable)",
       [](CliOptions& o, const std::string& v) { o.users.push_back(parse_integer_at_least<std::int64_t>("--user", v, INT64_MIN)); }},
      {"--example-users", "N", "3", "users shown when no --user is given",
       [](CliOptions& o, const std::string& v) { o.example_users = parse_integer_at_least<int>("--example-users", v, 0); }},
      {"--save-model", "FILE", "", "write the trained model to FILE",
       [](CliOptions& o, const std::string& v) { o.save_model = v; }},
      {"--json", "", "off", "print one JSON object with the results and nothing else",
       [](CliOptions& o, const std::string&) { o.json = true; }},
      {"--quiet", "", "off", "no per-epoch progress",
       [](CliOptions& o, const std::string&) { o.quiet = true; }},
      option_flag(I::EvaluateEachEpoch, "", [](CliOptions& o, const std::string&) { o.eval_every_epoch = true; }, "off"),
  };
}

// The flags `stats` understands: inputs and preprocessing.
std::vector<Flag> stats_flags() {
  std::vector<Flag> out;
  for (Flag& f : train_flags())
    for (const char* name : {"--ratings", "--items", "--users", "--train", "--test", "--sample", "--sample-users",
                             "--sample-items", "--sample-ratings", "--sample-seed", "--item-type", "--min-popularity",
                             "--max-user-id", "--keep-unrated", "--json", "--memory-budget"})
      if (f.name == name) out.push_back(f);
  return out;
}

std::vector<Flag> sample_flags() {
  std::vector<Flag> out;
  for (Flag& f : train_flags())
    for (const char* name : {"--sample-users", "--sample-items", "--sample-ratings", "--sample-seed",
                             "--memory-budget"})
      if (f.name == name) out.push_back(f);
  out.push_back({"--out", "DIR", ".", "directory for sample_rating.csv and sample_anime.csv",
                 [](CliOptions& o, const std::string& v) { o.out_dir = v; }});
  return out;
}

std::vector<Flag> export_flags() {
  std::vector<Flag> out = train_flags();
  out.push_back({"--serving", "FILE", "", "write the serving bundle (safetensors) to FILE",
                 [](CliOptions& o, const std::string& v) { o.serving_path = v; }});
  out.push_back({"--dtype", "float32|float16|int8", "float32",
                 "how the bundle stores the item embedding (int8: one float32 scale per row)",
                 [](CliOptions& o, const std::string& v) {
                   try {
                     o.dtype = bundle_dtype_from_name(v);
                   } catch (const UsageError&) {
                     throw CliError("--dtype: expected \"float32\", \"float16\" or \"int8\", got \"" + v + "\"");
                   }
                 }});
  out.push_back({"--load-model", "FILE", "", "export this model file (from --save-model, same data flags) instead of training",
                 [](CliOptions& o, const std::string& v) { o.load_model = v; }});
  return out;
}

std::vector<Flag> recommend_flags() {
  std::vector<Flag> out = {
      {"--bundle", "FILE", "", "a serving bundle (tripletrec export --serving)",
       [](CliOptions& o, const std::string& v) { o.bundle = v; }},
      {"--like", "ID", "", "a liked item's raw id (repeatable)",
       [](CliOptions& o, const std::string& v) { o.likes.push_back(parse_integer_at_least<std::int64_t>("--like", v, INT64_MIN)); }},
      {"--exclude", "ID", "", "an item's raw id never to recommend (repeatable)",
       [](CliOptions& o, const std::string& v) {
         o.excludes.push_back(parse_integer_at_least<std::int64_t>("--exclude", v, INT64_MIN));
       }},
      {"--user-feature", "FIELD=VALUE", "",
       "the visitor's user feature, named as in the model's vocabulary, e.g. gender=F (repeatable; "
       "models trained with --user-features)",
       [](CliOptions& o, const std::string& v) {
         const std::size_t at = v.find('=');
         if (at == std::string::npos || at == 0 || at + 1 == v.size())
           throw CliError("--user-feature: expected FIELD=VALUE (e.g. gender=F), got \"" + v + "\"");
         o.visitor_features[v.substr(0, at)].push_back(v.substr(at + 1));
       }},
  };
  for (Flag& f : train_flags())
    for (const char* name : {"--k", "--fold-in-steps", "--fold-in-learning-rate", "--fold-in-seed", "--json"})
      if (f.name == name) out.push_back(f);
  return out;
}

void print_main_help() {
  std::cout << "tripletrec: triplet-loss recommenders for implicit feedback (the notebook's models)\n\n"
               "usage: tripletrec <command> [flags]\n\n"
               "commands:\n"
               "  train    load ratings, preprocess, split, train a model, evaluate, recommend\n"
               "  stats    load ratings and show their statistics and preprocessing counts\n"
               "  sample   write the built-in synthetic sample as two CSV files\n"
               "  export   train (or --load-model) and write a serving bundle: --serving FILE [--dtype int8]\n"
               "  recommend  recommend to a new visitor from a bundle: --bundle FILE --like ID [--like ID ...]\n\n"
               "Run `tripletrec <command> --help` for a command's flags. Examples:\n"
               "  tripletrec train --sample\n"
               "  tripletrec train --ratings rating.csv --items anime.csv --min-popularity 340 --epochs 10\n"
               "  tripletrec train --train ua.base --test ua.test --items u.item --model deep --json\n\n"
               "Exit codes: 0 success, 1 unreadable or malformed file, 2 bad command line.\n";
}

void print_command_help(const std::string& command, const std::vector<Flag>& flags) {
  std::cout << "usage: tripletrec " << command << " [flags]\n\nflags:\n";
  print_flags(flags);
  std::cout << "  --help                          this help\n";
}

CliOptions parse_flags(const std::vector<Flag>& flags, int argc, char** argv, int first) {
  CliOptions options;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inline_value;
    if (const std::size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    const auto flag = std::find_if(flags.begin(), flags.end(), [&](const Flag& f) { return f.name == arg; });
    if (flag == flags.end()) throw CliError("unknown flag \"" + arg + "\"");
    if (flag->value.empty()) {
      if (inline_value) throw CliError(arg + " takes no value");
      flag->apply(options, "");
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) throw CliError(arg + " needs a value (" + flag->value + ")");
      inline_value = argv[++i];
    }
    flag->apply(options, *inline_value);
  }
  // Combinations.
  const bool have_files = !options.ratings.empty() || !options.items.empty() || !options.test.empty() ||
                          !options.users_file.empty();
  if (options.sample && have_files)
    throw CliError("--sample cannot be combined with --ratings/--train/--test/--items/--users");
  if (!options.test.empty() && !options.train_flag_used)
    throw CliError("--test needs --train FILE (a given split) instead of --ratings");
  if (options.train_flag_used && options.test.empty()) throw CliError("--train needs --test FILE");
  return options;
}

}  // namespace tripletrec::cli

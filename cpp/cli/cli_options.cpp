#include "cli_options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <iostream>
#include <sstream>
#include <utility>

#include "cli_errors.hpp"

namespace tripletrec::cli {
namespace {

template <class T>
T parse_integer(const std::string& flag, const std::string& text) {
  T value{};
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    throw CliError(flag + " expects an integer, got \"" + text + "\"");
  return value;
}

template <class T>
T parse_integer_at_least(const std::string& flag, const std::string& text, T minimum) {
  const T value = parse_integer<T>(flag, text);
  if (value < minimum) throw CliError(flag + " must be >= " + std::to_string(minimum) + ", got " + text);
  return value;
}

double parse_number(const std::string& flag, const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value))
    throw CliError(flag + " expects a number, got \"" + text + "\"");
  return value;
}

double parse_number_in(const std::string& flag, const std::string& text, double low, double high,
                       bool low_open, bool high_open) {
  const double v = parse_number(flag, text);
  const bool ok = (low_open ? v > low : v >= low) && (high_open ? v < high : v <= high);
  if (!ok) {
    std::ostringstream range;
    range << (low_open ? "(" : "[") << low << ", " << high << (high_open ? ")" : "]");
    throw CliError(flag + " must be in " + range.str() + ", got " + text);
  }
  return v;
}

// One of a fixed set of words, e.g. --model bilinear|deep; the message lists them all.
template <class T>
T parse_choice(const std::string& flag, const std::string& text,
               std::initializer_list<std::pair<const char*, T>> choices) {
  std::string names;
  std::size_t index = 0;
  for (const auto& [name, value] : choices) {
    if (text == name) return value;
    names += (index == 0 ? "" : index + 1 == choices.size() ? " or " : ", ") + std::string(name);
    ++index;
  }
  throw CliError(flag + " expects " + names + ", got \"" + text + "\"");
}

std::vector<int> parse_layers(const std::string& flag, const std::string& text) {
  std::vector<int> layers;
  if (text == "none") return layers;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    layers.push_back(parse_integer_at_least<int>(flag, text.substr(start, comma - start), 1));
    start = comma + 1;
  }
  return layers;
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
  return {
      {"--ratings", "FILE", "", "ratings CSV (anime rating.csv, MovieLens ratings.csv, u.data, ratings.dat)",
       [](CliOptions& o, const std::string& v) { o.ratings = v; }},
      {"--items", "FILE", "", "item metadata CSV (anime.csv, movies.csv, u.item): names, genres, types",
       [](CliOptions& o, const std::string& v) { o.items = v; }},
      {"--train", "FILE", "", "train ratings of a given split (use with --test instead of --ratings)",
       [](CliOptions& o, const std::string& v) { o.ratings = v; o.train_flag_used = true; }},
      {"--test", "FILE", "", "test ratings of a given split (e.g. MovieLens ua.test)",
       [](CliOptions& o, const std::string& v) { o.test = v; }},
      {"--sample", "", "off", "use the built-in synthetic sample instead of files",
       [](CliOptions& o, const std::string&) { o.sample = true; }},
      {"--sample-users", "N", std::to_string(SampleOptions{}.users), "users in the sample",
       [](CliOptions& o, const std::string& v) { o.sample_users = parse_integer_at_least<int>("--sample-users", v, 1); }},
      {"--sample-items", "N", std::to_string(SampleOptions{}.items), "items in the sample",
       [](CliOptions& o, const std::string& v) { o.sample_items = parse_integer_at_least<int>("--sample-items", v, 10); }},
      {"--sample-ratings", "N", "60, at most items/3", "mean ratings per user in the sample",
       [](CliOptions& o, const std::string& v) { o.sample_ratings_per_user = parse_integer_at_least<int>("--sample-ratings", v, 1); }},
      {"--sample-seed", "N", std::to_string(SampleOptions{}.seed), "seed of the sample generator",
       [](CliOptions& o, const std::string& v) { o.sample_seed = parse_integer<std::uint64_t>("--sample-seed", v); }},
      {"--item-type", "TYPE|any", "TV", "keep items of this type (ignored without --items)",
       [](CliOptions& o, const std::string& v) {
         if (v.empty()) throw CliError("--item-type expects a type such as TV, or any");
         o.item_type = v;
       }},
      {"--min-popularity", "N", "5000; with --sample 20", "keep items with more than N rating rows",
       [](CliOptions& o, const std::string& v) { o.min_popularity = parse_integer_at_least<std::int64_t>("--min-popularity", v, 0); }},
      {"--max-user-id", "N|off", "10000; with --sample off", "keep users whose raw id is < N",
       [](CliOptions& o, const std::string& v) {
         o.max_user_id = v == "off" ? -1 : parse_integer_at_least<std::int64_t>("--max-user-id", v, 1);
       }},
      {"--keep-unrated", "", "off", "keep rating -1 rows (watched, not rated)",
       [](CliOptions& o, const std::string&) { o.keep_unrated = true; }},
      {"--test-fraction", "F", "0.2", "share of rows in the random test split, in (0, 1)",
       [](CliOptions& o, const std::string& v) { o.test_fraction = parse_number_in("--test-fraction", v, 0, 1, true, true); }},
      {"--split-seed", "N", "42", "seed of the random split",
       [](CliOptions& o, const std::string& v) { o.split_seed = parse_integer<std::uint64_t>("--split-seed", v); }},
      {"--min-positive", "R", "8", "a rating >= R is a positive (the notebook: rating > 7)",
       [](CliOptions& o, const std::string& v) { o.min_positive = static_cast<float>(parse_number("--min-positive", v)); }},
      {"--model", "bilinear|deep", "bilinear", "the notebook's TripletModel or DeepTripletModel",
       [](CliOptions& o, const std::string& v) {
         o.model = parse_choice<ModelKind>("--model", v, {{"bilinear", ModelKind::Bilinear}, {"deep", ModelKind::Deep}});
       }},
      {"--embedding-dim", "N", "64", "bilinear: embedding size",
       [](CliOptions& o, const std::string& v) { o.embedding_dim = parse_integer_at_least<int>("--embedding-dim", v, 1); }},
      {"--similarity", "cosine|dot", "cosine", "bilinear: user-item similarity",
       [](CliOptions& o, const std::string& v) {
         o.similarity = parse_choice<Similarity>("--similarity", v, {{"cosine", Similarity::Cosine}, {"dot", Similarity::Dot}});
       }},
      {"--user-dim", "N", "32", "deep: user embedding size",
       [](CliOptions& o, const std::string& v) { o.user_dim = parse_integer_at_least<int>("--user-dim", v, 1); }},
      {"--item-dim", "N", "64", "deep: item embedding size",
       [](CliOptions& o, const std::string& v) { o.item_dim = parse_integer_at_least<int>("--item-dim", v, 1); }},
      {"--hidden", "N,N,...|none", "128", "deep: hidden layer sizes",
       [](CliOptions& o, const std::string& v) { o.hidden = parse_layers("--hidden", v); }},
      {"--dropout", "P", "0.1", "deep: dropout rate in [0, 1)",
       [](CliOptions& o, const std::string& v) { o.dropout = static_cast<float>(parse_number_in("--dropout", v, 0, 1, false, true)); }},
      {"--margin", "M", "1; deep 0.5", "triplet loss margin",
       [](CliOptions& o, const std::string& v) { o.margin = static_cast<float>(parse_number_in("--margin", v, 0, 1e6, false, false)); }},
      {"--l2", "L", "1e-6; deep 0", "L2 regularisation weight",
       [](CliOptions& o, const std::string& v) { o.l2 = static_cast<float>(parse_number_in("--l2", v, 0, 1e6, false, false)); }},
      {"--learning-rate", "LR", "0.001", "Adam learning rate",
       [](CliOptions& o, const std::string& v) { o.learning_rate = static_cast<float>(parse_number_in("--learning-rate", v, 0, 1e3, true, false)); }},
      {"--keras-exact", "", "off", "dense Adam and whole-table L2 every step, as Keras (slower)",
       [](CliOptions& o, const std::string&) { o.keras_exact = true; }},
      {"--epochs", "N", "10; deep 20", "training epochs",
       [](CliOptions& o, const std::string& v) { o.epochs = parse_integer_at_least<int>("--epochs", v, 1); }},
      {"--batch-size", "N", "64", "triplets per optimiser step",
       [](CliOptions& o, const std::string& v) { o.batch_size = parse_integer_at_least<int>("--batch-size", v, 1); }},
      {"--seed", "N", "42", "seed of the initialisation, negatives, shuffling and dropout",
       [](CliOptions& o, const std::string& v) { o.seed = parse_integer<std::uint64_t>("--seed", v); }},
      {"--negatives", "uniform|unseen|hard", "uniform",
       "negative sampling: the notebook's uniform, uniform over unseen items, or hardest of N draws",
       [](CliOptions& o, const std::string& v) {
         o.negatives = parse_choice<NegativeSampling>("--negatives", v,
                                                      {{"uniform", NegativeSampling::Uniform},
                                                       {"unseen", NegativeSampling::UniformUnseen},
                                                       {"hard", NegativeSampling::Hard}});
       }},
      {"--hard-candidates", "N", "10", "draws per negative for --negatives hard",
       [](CliOptions& o, const std::string& v) { o.hard_candidates = parse_integer_at_least<int>("--hard-candidates", v, 1); }},
      {"--k", "N", "10", "length of the top-k lists (P@k, R@k, MAP@k, NDCG@k, recommendations)",
       [](CliOptions& o, const std::string& v) { o.k = parse_integer_at_least<int>("--k", v, 1); }},
      {"--user", "RAWID", "a few users", "show this user's recommendations (repeatable)",
       [](CliOptions& o, const std::string& v) { o.users.push_back(parse_integer<std::int64_t>("--user", v)); }},
      {"--example-users", "N", "3", "users shown when no --user is given",
       [](CliOptions& o, const std::string& v) { o.example_users = parse_integer_at_least<int>("--example-users", v, 0); }},
      {"--save-model", "FILE", "", "write the trained model to FILE",
       [](CliOptions& o, const std::string& v) { o.save_model = v; }},
      {"--json", "", "off", "print one JSON object with the results and nothing else",
       [](CliOptions& o, const std::string&) { o.json = true; }},
      {"--quiet", "", "off", "no per-epoch progress",
       [](CliOptions& o, const std::string&) { o.quiet = true; }},
      {"--eval-every-epoch", "", "off",
       "test AUC after each epoch: on the progress lines and as epoch_aucs in --json (not in train time)",
       [](CliOptions& o, const std::string&) { o.eval_every_epoch = true; }},
  };
}

// The flags `stats` understands: inputs and preprocessing.
std::vector<Flag> stats_flags() {
  std::vector<Flag> out;
  for (Flag& f : train_flags())
    for (const char* name : {"--ratings", "--items", "--train", "--test", "--sample", "--sample-users",
                             "--sample-items", "--sample-ratings", "--sample-seed", "--item-type", "--min-popularity",
                             "--max-user-id", "--keep-unrated", "--json"})
      if (f.name == name) out.push_back(f);
  return out;
}

std::vector<Flag> sample_flags() {
  std::vector<Flag> out;
  for (Flag& f : train_flags())
    for (const char* name : {"--sample-users", "--sample-items", "--sample-ratings", "--sample-seed"})
      if (f.name == name) out.push_back(f);
  out.push_back({"--out", "DIR", ".", "directory for sample_rating.csv and sample_anime.csv",
                 [](CliOptions& o, const std::string& v) { o.out_dir = v; }});
  return out;
}

void print_main_help() {
  std::cout << "tripletrec: triplet-loss recommenders for implicit feedback (the notebook's models)\n\n"
               "usage: tripletrec <command> [flags]\n\n"
               "commands:\n"
               "  train    load ratings, preprocess, split, train a model, evaluate, recommend\n"
               "  stats    load ratings and show their statistics and preprocessing counts\n"
               "  sample   write the built-in synthetic sample as two CSV files\n\n"
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
  const bool have_files = !options.ratings.empty() || !options.items.empty() || !options.test.empty();
  if (options.sample && have_files) throw CliError("--sample cannot be combined with --ratings/--train/--test/--items");
  if (!options.test.empty() && !options.train_flag_used)
    throw CliError("--test needs --train FILE (a given split) instead of --ratings");
  if (options.train_flag_used && options.test.empty()) throw CliError("--train needs --test FILE");
  return options;
}

}  // namespace tripletrec::cli

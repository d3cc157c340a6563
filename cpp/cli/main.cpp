// `tripletrec`: the notebook's pipeline from the command line, over the Session facade.
//   tripletrec train [flags]   load, preprocess, split, train, evaluate, show recommendations
//   tripletrec stats [flags]   load and show the data's statistics and preprocessing counts
//   tripletrec sample [flags]  write the built-in sample's two CSV files
// Exit codes: 0 success, 1 a file could not be read or parsed (or the engine failed), 2 a bad
// command line or parameter.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/session.hpp"

using namespace tripletrec;

namespace {

// A bad command line: reported with a hint, exit code 2.
struct CliError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A file that cannot be read: exit code 1.
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------------------------
// Options

struct CliOptions {
  // input
  std::string ratings, items, test;
  bool train_flag_used = false;  // --train FILE (a given split, needs --test)
  bool sample = false;
  int sample_users = SampleOptions{}.users, sample_items = SampleOptions{}.items;
  std::optional<double> sample_ratings_per_user;
  std::uint64_t sample_seed = SampleOptions{}.seed;
  // preprocessing (unset = the default of the data source: the notebook's, or the sample's)
  std::optional<std::string> item_type;
  std::optional<std::int64_t> min_popularity, max_user_id;
  bool keep_unrated = false;
  double test_fraction = 0.2;
  std::uint64_t split_seed = 42;
  float min_positive = 8;
  // model (unset = the notebook's default of the chosen model)
  ModelKind model = ModelKind::Bilinear;
  std::optional<int> embedding_dim, user_dim, item_dim;
  std::optional<std::vector<int>> hidden;
  std::optional<float> dropout, margin, l2;
  std::optional<Similarity> similarity;
  float learning_rate = 1e-3f;
  bool keras_exact = false;
  // training
  std::optional<int> epochs;
  int batch_size = 64;
  std::uint64_t seed = 42;
  NegativeSampling negatives = NegativeSampling::Uniform;
  int hard_candidates = 10;
  // output
  int k = 10;
  std::vector<std::int64_t> users;
  int example_users = 3;
  std::string save_model;
  bool json = false;
  bool quiet = false;
  bool eval_every_epoch = false;
  std::string out_dir = ".";  // sample
};

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

// One command-line flag: its spelling, value placeholder ("" for a switch), default and help.
struct Flag {
  std::string name, value, default_text, help;
  std::function<void(CliOptions&, const std::string&)> apply;
};

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
         if (v == "bilinear") o.model = ModelKind::Bilinear;
         else if (v == "deep") o.model = ModelKind::Deep;
         else throw CliError("--model expects bilinear or deep, got \"" + v + "\"");
       }},
      {"--embedding-dim", "N", "64", "bilinear: embedding size",
       [](CliOptions& o, const std::string& v) { o.embedding_dim = parse_integer_at_least<int>("--embedding-dim", v, 1); }},
      {"--similarity", "cosine|dot", "cosine", "bilinear: user-item similarity",
       [](CliOptions& o, const std::string& v) {
         if (v == "cosine") o.similarity = Similarity::Cosine;
         else if (v == "dot") o.similarity = Similarity::Dot;
         else throw CliError("--similarity expects cosine or dot, got \"" + v + "\"");
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
         if (v == "uniform") o.negatives = NegativeSampling::Uniform;
         else if (v == "unseen") o.negatives = NegativeSampling::UniformUnseen;
         else if (v == "hard") o.negatives = NegativeSampling::Hard;
         else throw CliError("--negatives expects uniform, unseen or hard, got \"" + v + "\"");
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

// ---------------------------------------------------------------------------------------------
// Loading

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw FileError("cannot read " + path + ": read error");
  return bytes.str();
}

SampleOptions sample_options(const CliOptions& o) {
  SampleOptions sample;
  sample.users = o.sample_users;
  sample.items = o.sample_items;
  sample.seed = o.sample_seed;
  // The default density suits the default catalogue; a small catalogue gets a third of it.
  sample.ratings_per_user = o.sample_ratings_per_user.value_or(std::min(sample.ratings_per_user, o.sample_items / 3.0));
  return sample;
}

void load_inputs(Session& session, const CliOptions& o) {
  if (o.sample) {
    const SampleOptions sample = sample_options(o);
    session.load_sample(sample);
    return;
  }
  if (o.ratings.empty()) throw CliError("no data: give --ratings FILE (or --train FILE --test FILE), or --sample");
  session.load_ratings(read_file(o.ratings), o.ratings);
  if (!o.test.empty()) session.load_test_ratings(read_file(o.test), o.test);
  if (!o.items.empty()) session.load_items(read_file(o.items), o.items);
}

PreprocessOptions preprocess_options(const CliOptions& o) {
  PreprocessOptions p = o.sample ? sample_preprocess_options() : PreprocessOptions{};
  if (o.item_type) p.item_type = *o.item_type;
  if (o.min_popularity) p.min_popularity = *o.min_popularity;
  if (o.max_user_id) p.max_user_id = *o.max_user_id;
  if (o.keep_unrated) p.drop_unrated = false;
  return p;
}

ModelConfig model_config(const CliOptions& o) {
  ModelConfig c = o.model == ModelKind::Deep ? ModelConfig::deep_defaults() : ModelConfig::bilinear_defaults();
  if (o.embedding_dim) c.embedding_dim = *o.embedding_dim;
  if (o.similarity) c.similarity = *o.similarity;
  if (o.user_dim) c.user_dim = *o.user_dim;
  if (o.item_dim) c.item_dim = *o.item_dim;
  if (o.hidden) c.hidden = *o.hidden;
  if (o.dropout) c.dropout = *o.dropout;
  if (o.margin) c.margin = *o.margin;
  if (o.l2) c.l2 = *o.l2;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Output helpers

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string fixed(double v, int decimals) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string format_rating(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

// A minimal JSON writer: objects and arrays built as strings, NaN/inf written as null.
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::string json_number(std::int64_t v) { return std::to_string(v); }

class JsonObject {
 public:
  JsonObject& add(const std::string& key, const std::string& raw_json) {
    body_ += (body_.empty() ? "" : ",") + json_string(key) + ":" + raw_json;
    return *this;
  }
  JsonObject& num(const std::string& key, double v) { return add(key, json_number(v)); }
  // A float parameter, written with the digits a float has (1e-06, not 9.99999997e-07).
  JsonObject& real(const std::string& key, float v) {
    if (!std::isfinite(v)) return add(key, "null");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.7g", static_cast<double>(v));
    return add(key, buf);
  }
  JsonObject& integer(const std::string& key, std::int64_t v) { return add(key, json_number(v)); }
  JsonObject& str(const std::string& key, const std::string& v) { return add(key, json_string(v)); }
  JsonObject& boolean(const std::string& key, bool v) { return add(key, v ? "true" : "false"); }
  std::string text() const { return "{" + body_ + "}"; }

 private:
  std::string body_;
};

template <class T, class F>
std::string json_array(const std::vector<T>& values, F to_json) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';  // appended apart: `"," + string` trips GCC 12's -Wrestrict false positive
    out += to_json(values[i]);
  }
  return out + "]";
}

std::string counts_json(const Counts& c) {
  return JsonObject().integer("users", c.users).integer("items", c.items).integer("ratings", c.ratings).text();
}

std::string report_json(const PreprocessReport& r) {
  return JsonObject()
      .add("loaded", counts_json(r.loaded))
      .add("merged", counts_json(r.merged))
      .add("item_filter", counts_json(r.item_filter))
      .add("rating_filter", counts_json(r.rating_filter))
      .text();
}

std::string stats_json(const RatingStats& s) {
  std::vector<std::string> histogram;
  for (std::size_t i = 0; i < s.histogram_values.size(); ++i)
    histogram.push_back(JsonObject().num("value", s.histogram_values[i]).integer("count", s.histogram_counts[i]).text());
  return JsonObject()
      .add("counts", counts_json(s.counts))
      .add("histogram", json_array(histogram, [](const std::string& x) { return x; }))
      .add("popularity_top", json_array(std::vector<std::int64_t>(s.popularity_desc.begin(),
                                                                  s.popularity_desc.begin() + std::min<std::size_t>(20, s.popularity_desc.size())),
                                        [](std::int64_t v) { return json_number(v); }))
      .text();
}

std::string item_json(const ItemView& v) {
  return JsonObject()
      .integer("id", v.raw_id)
      .str("name", v.name)
      .str("genres", v.genres)
      .str("type", v.type)
      .num("score", v.score)
      .boolean("in_test", v.in_test)
      .integer("popularity", v.popularity)
      .text();
}

std::string evaluation_json(const Evaluation& e) {
  return JsonObject()
      .num("auc", e.auc)
      .integer("users", e.users)
      .integer("k", e.k)
      .num("precision_at_k", e.precision_at_k)
      .num("recall_at_k", e.recall_at_k)
      .num("map_at_k", e.map_at_k)
      .num("ndcg_at_k", e.ndcg_at_k)
      .text();
}

void print_counts_table(const PreprocessReport& r) {
  std::printf("  %-34s %10s %8s %12s\n", "step", "users", "items", "ratings");
  auto row = [](const char* name, const Counts& c) {
    std::printf("  %-34s %10s %8s %12s\n", name, with_commas(c.users).c_str(), with_commas(c.items).c_str(),
                with_commas(c.ratings).c_str());
  };
  row("loaded", r.loaded);
  row("merged with item metadata", r.merged);
  row("item filters (type, popularity)", r.item_filter);
  row("rating filters (-1, user id bound)", r.rating_filter);
}

void print_stats(const RatingStats& s) {
  std::printf("  %s users, %s items, %s ratings\n", with_commas(s.counts.users).c_str(),
              with_commas(s.counts.items).c_str(), with_commas(s.counts.ratings).c_str());
  std::printf("  rating histogram:");
  for (std::size_t i = 0; i < s.histogram_values.size(); ++i)
    std::printf("%s %s: %s", i ? "," : "", format_rating(s.histogram_values[i]).c_str(),
                with_commas(s.histogram_counts[i]).c_str());
  std::printf("\n  most popular items' rating rows:");
  for (std::size_t i = 0; i < std::min<std::size_t>(8, s.popularity_desc.size()); ++i)
    std::printf(" %s", with_commas(s.popularity_desc[i]).c_str());
  if (!s.popularity_desc.empty())
    std::printf(" ... least: %s", with_commas(s.popularity_desc.back()).c_str());
  std::printf("\n");
}

void print_evaluation(const char* label, const Evaluation& e, double seconds) {
  std::printf("%s AUC %s | P@%d %s  R@%d %s  MAP@%d %s  NDCG@%d %s  (%d users, %.1f ms)\n", label,
              fixed(e.auc, 4).c_str(), e.k, fixed(e.precision_at_k, 4).c_str(), e.k,
              fixed(e.recall_at_k, 4).c_str(), e.k, fixed(e.map_at_k, 4).c_str(), e.k,
              fixed(e.ndcg_at_k, 4).c_str(), e.users, seconds * 1000);
}

std::string describe(const ItemView& v) {
  std::string text = v.name;
  std::string details = v.genres;
  if (!v.type.empty()) details += (details.empty() ? "" : "; ") + v.type;
  if (!details.empty()) text += " (" + details + ")";
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The users whose recommendations are shown: the requested raw ids, or a few users with test
// positives spread over the id range.
std::vector<std::int32_t> example_users(const Session& session, const CliOptions& o) {
  std::vector<std::int32_t> users;
  for (std::int64_t raw : o.users) {
    const std::int32_t u = session.user_index(raw);
    if (u < 0) throw CliError("--user " + std::to_string(raw) + " is not in the prepared data");
    users.push_back(u);
  }
  if (!o.users.empty()) return users;
  const Positives& test = session.test_positives();
  std::vector<std::int32_t> with_test;
  for (std::int32_t u = 0; u < test.n_users; ++u)
    if (test.end_of(u) - test.begin_of(u) >= 2) with_test.push_back(u);
  const std::size_t wanted = std::min<std::size_t>(static_cast<std::size_t>(o.example_users), with_test.size());
  for (std::size_t i = 0; i < wanted; ++i) users.push_back(with_test[i * with_test.size() / wanted]);
  return users;
}

// ---------------------------------------------------------------------------------------------
// Commands

int run_stats(const CliOptions& o) {
  Session session;
  load_inputs(session, o);
  const RatingStats loaded = session.loaded_stats();
  const PreprocessReport report = session.preview(preprocess_options(o));
  if (o.json) {
    std::cout << JsonObject().add("loaded", stats_json(loaded)).add("preprocessing", report_json(report)).text() << "\n";
    return 0;
  }
  std::printf("Loaded %s%s:\n", o.sample ? "the built-in sample" : o.ratings.c_str(),
              session.has_items() ? " with item metadata" : "");
  print_stats(loaded);
  std::printf("Preprocessing (the notebook's steps):\n");
  print_counts_table(report);
  return 0;
}

int run_train(const CliOptions& o) {
  Session session;
  const auto load_start = std::chrono::steady_clock::now();
  load_inputs(session, o);
  const double load_seconds = seconds_since(load_start);
  const RatingStats loaded = session.loaded_stats();

  PrepareOptions prepare;
  prepare.preprocess = preprocess_options(o);
  prepare.test_fraction = o.test_fraction;
  prepare.split_seed = o.split_seed;
  prepare.min_positive = o.min_positive;
  session.prepare(prepare);
  const PreparedStats prepared = session.prepared_stats();

  OptimizerConfig optimizer;
  optimizer.learning_rate = o.learning_rate;
  optimizer.keras_exact = o.keras_exact;
  const ModelConfig config = model_config(o);
  session.create_model(config, optimizer, o.seed);
  const std::vector<std::int32_t> shown_users = example_users(session, o);

  if (!o.json) {
    std::printf("Loaded %s%s in %.2f s:\n", o.sample ? "the built-in sample" : o.ratings.c_str(),
                session.has_items() ? " with item metadata" : "", load_seconds);
    print_stats(loaded);
    std::printf("\nPreprocessing (item type %s, popularity > %lld, user id < %s, %s):\n",
                prepare.preprocess.item_type.c_str(), static_cast<long long>(prepare.preprocess.min_popularity),
                prepare.preprocess.max_user_id < 0 ? "any" : std::to_string(prepare.preprocess.max_user_id).c_str(),
                prepare.preprocess.drop_unrated ? "-1 ratings dropped" : "-1 ratings kept");
    print_counts_table(prepared.report);
    std::printf("\nSplit: %s train rows, %s test rows (%s); positives (rating >= %s): %s train, %s test\n",
                with_commas(prepared.train_rows).c_str(), with_commas(prepared.test_rows).c_str(),
                session.has_test_ratings() ? "given files" : ("random, seed " + std::to_string(o.split_seed)).c_str(),
                format_rating(o.min_positive).c_str(), with_commas(prepared.train_positives).c_str(),
                with_commas(prepared.test_positives).c_str());
    std::printf("\n%s\n", session.model_summary().c_str());
  }

  auto eval_start = std::chrono::steady_clock::now();
  const Evaluation untrained = session.evaluate(o.k);
  const double untrained_eval_seconds = seconds_since(eval_start);
  if (!o.json) print_evaluation("Untrained:", untrained, untrained_eval_seconds);

  TrainOptions train;
  train.epochs = o.epochs.value_or(o.model == ModelKind::Deep ? 20 : 10);
  train.batch_size = o.batch_size;
  train.seed = o.seed;
  train.negatives = o.negatives;
  train.hard_candidates = o.hard_candidates;
  const bool print_progress = !o.json && !o.quiet;
  std::size_t epochs_seen = 0;
  std::vector<double> epoch_aucs;  // with --eval-every-epoch: the test AUC after each finished epoch
  double epoch_eval_seconds = 0;
  ProgressCallback on_progress;
  if (print_progress || o.eval_every_epoch) {
    // Called after every batch, between two steps: the model is exactly the one at the end of the
    // epoch, and the trainer's clock is stopped, so evaluating here is not counted as training time.
    on_progress = [&](const Progress& p) {
      while (epochs_seen < p.epoch_losses.size()) {
        ++epochs_seen;
        std::string auc_text;
        if (o.eval_every_epoch) {
          const auto start = std::chrono::steady_clock::now();
          epoch_aucs.push_back(session.evaluate(o.k).auc);
          const double seconds = seconds_since(start);
          epoch_eval_seconds += seconds;
          char buf[64];
          std::snprintf(buf, sizeof buf, "  AUC %s (%.1f ms)", fixed(epoch_aucs.back(), 4).c_str(), seconds * 1000);
          auc_text = buf;
        }
        if (!print_progress) continue;
        std::printf("epoch %2zu/%d  loss %.4f%s  elapsed %6.2f s  %s triplets/s\n", epochs_seen, p.epochs,
                    p.epoch_losses[epochs_seen - 1], auc_text.c_str(), p.elapsed_seconds,
                    with_commas(static_cast<std::int64_t>(p.elapsed_seconds > 0 ? p.triplets / p.elapsed_seconds : 0)).c_str());
        std::fflush(stdout);
      }
      return true;
    };
  }
  const TrainResult result = session.train(train, on_progress);

  eval_start = std::chrono::steady_clock::now();
  const Evaluation trained = session.evaluate(o.k);
  const double eval_seconds = seconds_since(eval_start);

  // Examples: recommendations of a few users and the neighbours of each one's top pick.
  struct Example {
    std::int64_t raw_user;
    std::size_t train_positives, test_positives;
    std::vector<ItemView> recommendations, similar;
    std::string similar_to;
  };
  std::vector<Example> examples;
  for (std::int32_t u : shown_users) {
    Example e;
    e.raw_user = session.dataset().user_raw_id[static_cast<std::size_t>(u)];
    e.train_positives = session.user_train_positives(u).size();
    e.test_positives = session.user_test_positives(u).size();
    e.recommendations = session.recommend(u, o.k);
    if (!e.recommendations.empty()) {
      e.similar_to = e.recommendations.front().name;
      e.similar = session.similar_items(e.recommendations.front().item, std::min(o.k, 5));
    }
    examples.push_back(std::move(e));
  }

  if (!o.save_model.empty()) {
    const std::vector<std::uint8_t> bytes = session.save_model();
    std::ofstream out(o.save_model, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw FileError("cannot write " + o.save_model + ": " + std::strerror(errno));
  }

  if (o.json) {
    JsonObject params;
    params.str("model", o.model == ModelKind::Deep ? "deep" : "bilinear")
        .integer("epochs", train.epochs)
        .integer("batch_size", train.batch_size)
        .integer("seed", static_cast<std::int64_t>(o.seed))
        .integer("split_seed", static_cast<std::int64_t>(o.split_seed))
        .num("test_fraction", session.has_test_ratings() ? NAN : o.test_fraction)
        .real("min_positive", o.min_positive)
        .str("item_type", prepare.preprocess.item_type)
        .integer("min_popularity", prepare.preprocess.min_popularity)
        .integer("max_user_id", prepare.preprocess.max_user_id)
        .boolean("drop_unrated", prepare.preprocess.drop_unrated)
        .real("margin", config.margin)
        .real("l2", config.l2)
        .real("learning_rate", o.learning_rate)
        .boolean("keras_exact", o.keras_exact)
        .str("negatives", o.negatives == NegativeSampling::Uniform ? "uniform"
                          : o.negatives == NegativeSampling::UniformUnseen ? "unseen" : "hard")
        .integer("hard_candidates", o.hard_candidates)
        .boolean("eval_every_epoch", o.eval_every_epoch);
    if (o.model == ModelKind::Bilinear) {
      params.integer("embedding_dim", config.embedding_dim)
          .str("similarity", config.similarity == Similarity::Cosine ? "cosine" : "dot");
    } else {
      params.integer("user_dim", config.user_dim)
          .integer("item_dim", config.item_dim)
          .add("hidden", json_array(config.hidden, [](int h) { return json_number(static_cast<std::int64_t>(h)); }))
          .real("dropout", config.dropout);
    }
    std::vector<std::string> example_json;
    for (const Example& e : examples)
      example_json.push_back(JsonObject()
                                 .integer("user", e.raw_user)
                                 .integer("train_positives", static_cast<std::int64_t>(e.train_positives))
                                 .integer("test_positives", static_cast<std::int64_t>(e.test_positives))
                                 .add("recommendations", json_array(e.recommendations, item_json))
                                 .add("similar_items", json_array(e.similar, item_json))
                                 .text());
    JsonObject out;
    out.integer("n_users", prepared.counts.users)
        .integer("n_items", prepared.counts.items)
        .integer("n_ratings", prepared.counts.ratings)
        .integer("train_rows", prepared.train_rows)
        .integer("test_rows", prepared.test_rows)
        .integer("n_train_positives", prepared.train_positives)
        .integer("n_test_positives", prepared.test_positives)
        .add("preprocessing", report_json(prepared.report))
        .add("loaded", stats_json(loaded))
        .str("model", o.model == ModelKind::Deep ? "deep" : "bilinear")
        .integer("params", session.param_count())
        .add("config", params.text())
        .num("auc_untrained", untrained.auc)
        .num("auc", trained.auc)
        .integer("k", o.k)
        .num("precision_at_k", trained.precision_at_k)
        .num("recall_at_k", trained.recall_at_k)
        .num("map_at_k", trained.map_at_k)
        .num("ndcg_at_k", trained.ndcg_at_k)
        .integer("evaluated_users", trained.users)
        .add("untrained", evaluation_json(untrained))
        .num("eval_seconds", eval_seconds)
        .num("load_seconds", load_seconds)
        .num("train_seconds", result.seconds)
        .num("triplets_per_second", result.triplets_per_second)
        .integer("triplets", result.triplets)
        .add("epoch_losses", json_array(result.epoch_losses, [](double v) { return json_number(v); }))
        .add("epoch_aucs", json_array(epoch_aucs, [](double v) { return json_number(v); }))
        .num("epoch_eval_seconds", epoch_eval_seconds)
        .add("examples", json_array(example_json, [](const std::string& x) { return x; }));
    if (!o.save_model.empty()) out.str("saved_model", o.save_model);
    std::cout << out.text() << "\n";
    return 0;
  }

  std::printf("Trained %d epochs in %.2f s (%s triplets/s)\n", result.epochs_completed, result.seconds,
              with_commas(static_cast<std::int64_t>(result.triplets_per_second)).c_str());
  print_evaluation("Trained:  ", trained, eval_seconds);
  for (const Example& e : examples) {
    std::printf("\nUser %lld (%zu train positives, %zu test positives): top %d, [hit] = a test positive\n",
                static_cast<long long>(e.raw_user), e.train_positives, e.test_positives, o.k);
    int rank = 0;
    for (const ItemView& v : e.recommendations)
      std::printf("  %2d. %s %s  score %.3f\n", ++rank, v.in_test ? "[hit]" : "     ", describe(v).c_str(),
                  static_cast<double>(v.score));
    if (!e.similar.empty()) {
      std::printf("  Similar to %s:\n", e.similar_to.c_str());
      for (const ItemView& v : e.similar)
        std::printf("      %s  similarity %.3f\n", describe(v).c_str(), static_cast<double>(v.score));
    }
  }
  if (!o.save_model.empty()) std::printf("\nModel saved to %s\n", o.save_model.c_str());
  return 0;
}

int run_sample(const CliOptions& o) {
  const SampleOptions sample = sample_options(o);
  const SampleFiles files = generate_sample(sample);
  for (const auto& [name, bytes] : {std::pair{std::string("sample_rating.csv"), &files.ratings_csv},
                                    std::pair{std::string("sample_anime.csv"), &files.items_csv}}) {
    const std::string path = o.out_dir + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out << *bytes;
    if (!out) throw FileError("cannot write " + path + ": " + std::strerror(errno));
    std::printf("wrote %s (%s bytes)\n", path.c_str(), with_commas(static_cast<std::int64_t>(bytes->size())).c_str());
  }
  return 0;
}

bool known_command(const std::string& name) { return name == "train" || name == "stats" || name == "sample"; }

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command.empty() || command == "--help" || command == "-h" || command == "help") {
      if (command.empty()) {
        std::cerr << "tripletrec: error: no command given\n";
        print_main_help();
        return 2;
      }
      print_main_help();
      return 0;
    }
    struct Command {
      const char* name;
      std::vector<Flag> (*flags)();
      int (*run)(const CliOptions&);
    };
    const Command commands[] = {{"train", train_flags, run_train},
                                {"stats", stats_flags, run_stats},
                                {"sample", sample_flags, run_sample}};
    for (const Command& c : commands) {
      if (command != c.name) continue;
      const std::vector<Flag> flags = c.flags();
      for (int i = 2; i < argc; ++i)
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
          print_command_help(c.name, flags);
          return 0;
        }
      return c.run(parse_flags(flags, argc, argv, 2));
    }
    throw CliError("unknown command \"" + command + "\" (commands: train, stats, sample)");
  } catch (const CliError& e) {
    std::cerr << "tripletrec: error: " << e.what() << "\n"
              << "Run `tripletrec " << (known_command(command) ? command + " " : "") << "--help` for usage.\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "tripletrec: error: " << e.what() << "\n";
    return 2;
  } catch (const ParseError& e) {
    std::cerr << "tripletrec: " << e.what() << "\n";
    return 1;
  } catch (const FileError& e) {
    std::cerr << "tripletrec: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tripletrec: error: " << e.what() << "\n";
    return 1;
  }
}

// The command line: what each command accepts (flags with their help), parsed into CliOptions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tripletrec/options.hpp"
#include "tripletrec/session.hpp"

namespace tripletrec::cli {

struct CliOptions {
  // input
  std::string ratings, items, test, users_file;
  bool train_flag_used = false;  // --train FILE (a given split, needs --test)
  bool sample = false;
  SampleOptions sample_options;  // the engine normalises what is not given
  // preprocessing (unset = the default of the data source: the notebook's, or the sample's)
  std::optional<std::string> item_type;
  std::optional<std::int64_t> min_popularity, max_user_id;
  bool keep_unrated = false;
  PrepareOptions prepare;        // split and positives (its preprocessing is decided above)
  // model (unset = the notebook's default of the chosen model)
  ModelKind model = ModelKind::Bilinear;
  std::optional<int> embedding_dim, user_dim, item_dim;
  std::optional<std::vector<int>> hidden;
  std::optional<float> dropout, margin, l2;
  std::optional<Similarity> similarity;
  // Side features as written ("genre,type", "none", "all": every field with values in the files).
  std::string item_features = "none", user_features = "none";
  bool features_only = false;
  OptimizerConfig optimizer;
  std::uint64_t model_seed = kDefaultModelSeed;
  // training (unset epochs = the chosen model's default)
  std::optional<int> epochs;
  std::optional<int> threads;  // unset: the engine's default (every core)
  TrainOptions train;
  FoldInOptions fold_in;         // new visitors and the hold-out evaluation
  // output
  std::optional<std::uint64_t> memory_budget;  // unset: the engine's default
  int k = kDefaultK;
  std::vector<std::int64_t> users;
  int example_users = 3;
  std::string save_model;
  bool json = false;
  bool quiet = false;
  bool eval_every_epoch = false;
  std::string out_dir = ".";  // sample
  // export: the serving bundle to write, its dtype, and a model file to export instead of training
  std::string serving_path, load_model;
  BundleDtype dtype = BundleDtype::Float32;
  // recommend: a serving bundle and a visitor's likes and exclusions (raw item ids)
  std::string bundle;
  std::vector<std::int64_t> likes, excludes;
  UserFeatureValues visitor_features;  // --user-feature FIELD=VALUE (repeatable)
};

// One command-line flag: its spelling, value placeholder ("" for a switch), default and help.
struct Flag {
  std::string name, value, default_text, help;
  std::function<void(CliOptions&, const std::string&)> apply;
};

// The flags of each command (stats and sample take subsets of train's, sample adds --out).
std::vector<Flag> train_flags();
std::vector<Flag> stats_flags();
std::vector<Flag> sample_flags();
std::vector<Flag> export_flags();     // train's flags + --serving, --dtype, --load-model
std::vector<Flag> recommend_flags();  // --bundle, --like, --exclude, --k, fold-in, --json

void print_main_help();
void print_command_help(const std::string& command, const std::vector<Flag>& flags);

// Applies argv[first..argc) to default options and checks the flags' combinations.
// Throws CliError for an unknown flag, a missing or malformed value, or a bad combination.
CliOptions parse_flags(const std::vector<Flag>& flags, int argc, char** argv, int first);

}  // namespace tripletrec::cli

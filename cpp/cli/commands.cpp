#include "commands.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "cli_errors.hpp"
#include "cli_output.hpp"
#include "cli_settings.hpp"
#include "tripletrec/memory_budget.hpp"
#include "tripletrec/options.hpp"

namespace tripletrec::cli {
namespace {

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
// train, step by step: load and prepare, train with progress, evaluate, examples, report

// What loading and preparing produced.
struct Preparation {
  RatingStats loaded;
  double load_seconds = 0;
  PrepareOptions prepare;
  PreparedStats prepared;
  ModelConfig config;
  FeatureVocabulary vocabulary;
  std::vector<std::int32_t> shown_users;
};

// Loads and prepares the data, creates the model and picks the users to show (an unknown
// --user fails here, before anything is printed).
Preparation load_and_prepare(Session& session, const CliOptions& o) {
  Preparation p;
  const auto load_start = std::chrono::steady_clock::now();
  load_inputs(session, o);
  p.load_seconds = seconds_since(load_start);
  p.loaded = session.loaded_stats();

  p.prepare = prepare_options(o);
  session.prepare(p.prepare);
  p.prepared = session.prepared_stats();

  p.vocabulary = session.feature_vocabulary();
  p.config = model_config(o, p.vocabulary);
  session.create_model(p.config, o.optimizer, o.model_seed);
  p.shown_users = example_users(session, o);
  return p;
}

void print_preparation(Session& session, const CliOptions& o, const Preparation& p) {
  const PreprocessOptions& preprocess = p.prepare.preprocess;
  std::printf("Loaded %s%s in %.2f s:\n", o.sample ? "the built-in sample" : o.ratings.c_str(),
              session.has_items() ? " with item metadata" : "", p.load_seconds);
  print_stats(p.loaded);
  std::printf("\nPreprocessing (item type %s, popularity > %lld, user id < %s, %s):\n",
              preprocess.item_type.c_str(), static_cast<long long>(preprocess.min_popularity),
              preprocess.max_user_id < 0 ? "any" : std::to_string(preprocess.max_user_id).c_str(),
              preprocess.drop_unrated ? "-1 ratings dropped" : "-1 ratings kept");
  print_counts_table(p.prepared.report);
  std::printf("\nSplit: %s train rows, %s test rows (%s); positives (rating >= %s): %s train, %s test\n",
              with_commas(p.prepared.train_rows).c_str(), with_commas(p.prepared.test_rows).c_str(),
              session.has_test_ratings() ? "given files" : ("random, seed " + std::to_string(o.prepare.split_seed)).c_str(),
              format_rating(o.prepare.min_positive).c_str(), with_commas(p.prepared.train_positives).c_str(),
              with_commas(p.prepared.test_positives).c_str());
  if (p.prepared.cold_items > 0)
    std::printf("Cold items: %s items (%s of the items, seed %llu) held out of training; all their rows are test rows\n",
                with_commas(p.prepared.cold_items).c_str(), fixed(p.prepare.cold_items, 3).c_str(),
                static_cast<unsigned long long>(p.prepare.split_seed));
  print_vocabulary(p.vocabulary);
  if (p.prepared.unknown_test_rows > 0)
    std::printf("Unknown to training: %s test rows, %s test users and %s test items have no train row "
                "(their scores come from untrained embeddings)\n",
                with_commas(p.prepared.unknown_test_rows).c_str(), with_commas(p.prepared.unknown_test_users).c_str(),
                with_commas(p.prepared.unknown_test_items).c_str());
  std::printf("\n%s\n", session.model_summary().c_str());
}

struct TimedEvaluation {
  Evaluation evaluation;
  double seconds = 0;
};

template <class Evaluate>
TimedEvaluation timed(Evaluate&& evaluate) {
  TimedEvaluation result;
  const auto start = std::chrono::steady_clock::now();
  result.evaluation = evaluate();
  result.seconds = seconds_since(start);
  return result;
}

TimedEvaluation evaluate_timed(const Session& session, int k) {
  return timed([&] { return session.evaluate(k); });
}

TimedEvaluation evaluate_popularity_timed(const Session& session, int k) {
  return timed([&] { return session.evaluate_popularity(k); });
}

struct Training {
  TrainOptions options;
  TrainResult result;
  std::vector<double> epoch_aucs;  // with --eval-every-epoch: the test AUC after each finished epoch
  double epoch_eval_seconds = 0;
};

// Trains, printing one line per finished epoch (unless --json or --quiet) and, with
// --eval-every-epoch, evaluating the test AUC at each epoch's end.
Training train_with_progress(Session& session, const CliOptions& o) {
  Training training;
  training.options = train_options(o);
  const bool print_progress = !o.json && !o.quiet;
  std::size_t epochs_seen = 0;
  ProgressCallback on_progress;
  if (print_progress || o.eval_every_epoch) {
    // Called after every batch, between two steps: the model is exactly the one at the end of the
    // epoch, and the trainer's clock is stopped, so evaluating here is not counted as training time.
    on_progress = [&](const Progress& p) {
      while (epochs_seen < p.epoch_losses.size()) {
        ++epochs_seen;
        std::string auc_text;
        if (o.eval_every_epoch) {
          const TimedEvaluation epoch_eval = evaluate_timed(session, o.k);
          training.epoch_aucs.push_back(epoch_eval.evaluation.auc);
          training.epoch_eval_seconds += epoch_eval.seconds;
          char buf[64];
          std::snprintf(buf, sizeof buf, "  AUC %s (%.1f ms)", fixed(training.epoch_aucs.back(), 4).c_str(),
                        epoch_eval.seconds * 1000);
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
  training.result = session.train(training.options, on_progress);
  return training;
}

// A shown user's recommendations and the neighbours of the top pick.
struct Example {
  std::int64_t raw_user;
  std::size_t train_positives, test_positives;
  std::vector<ItemView> recommendations, similar;
  std::string similar_to;
};

std::vector<Example> collect_examples(const Session& session, const CliOptions& o,
                                      const std::vector<std::int32_t>& users) {
  std::vector<Example> examples;
  for (std::int32_t u : users) {
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
  return examples;
}

void write_model(Session& session, const std::string& path) {
  const std::vector<std::uint8_t> bytes = session.save_model();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw FileError("cannot write " + path + ": " + std::strerror(errno));
}

// With --holdout-users: the held-out users folded in, against the same users trained jointly.
struct HoldoutReport {
  std::int64_t holdout_users = 0;
  TimedEvaluation fold_in, joint;
  std::vector<LikesCurvePoint> likes_curve;
  std::string likes_curve_note;  // why there is no curve, when there is none
  double likes_curve_seconds = 0;
};

// Everything the train command reports at the end.
struct TrainReport {
  Preparation preparation;
  TimedEvaluation popularity, untrained, trained;
  Training training;
  std::vector<Example> examples;
  std::optional<HoldoutReport> holdout;
};

// Folds in the held-out users of `session`, then trains the same model with the same seeds on
// the data prepared without hold-out (the same split: hold-out draws its own stream) and
// evaluates it on exactly the users fold-in was evaluated on.
HoldoutReport compare_fold_in_with_joint(const Session& session, const CliOptions& o) {
  HoldoutReport r;
  r.holdout_users = session.prepared_stats().holdout_users;
  r.fold_in = timed([&] { return session.evaluate_fold_in(o.k, o.fold_in); });
  const auto curve_start = std::chrono::steady_clock::now();
  try {
    r.likes_curve = session.likes_curve(default_likes_counts(), o.fold_in);
  } catch (const UsageError& e) {  // too few held-out users with 20 likes: the comparison still stands
    r.likes_curve_note = e.what();
  }
  r.likes_curve_seconds = seconds_since(curve_start);
  const std::vector<std::int64_t> users = session.holdout_user_ids();

  CliOptions joint_options = o;
  joint_options.prepare.holdout_users = 0;
  joint_options.users.clear();
  Session joint;
  load_and_prepare(joint, joint_options);
  joint.train(train_options(joint_options));
  r.joint = timed([&] { return joint.evaluate_users(users, o.k); });
  return r;
}

std::string train_config_json(const CliOptions& o, const TrainReport& r, bool given_test_split) {
  const PreprocessOptions& preprocess = r.preparation.prepare.preprocess;
  const ModelConfig& config = r.preparation.config;
  JsonObject params;
  const auto name_of = [](OptionId id, auto value) { return option_spec(id).choices.at(static_cast<std::size_t>(value)); };
  params.str("model", name_of(OptionId::Model, o.model))
      .integer("epochs", r.training.options.epochs)
      .integer("batch_size", r.training.options.batch_size)
      .integer("seed", static_cast<std::int64_t>(o.model_seed))
      .integer("split_seed", static_cast<std::int64_t>(o.prepare.split_seed))
      .num("test_fraction", given_test_split ? NAN : o.prepare.test_fraction)
      .real("min_positive", o.prepare.min_positive)
      .str("item_type", preprocess.item_type)
      .integer("min_popularity", preprocess.min_popularity)
      .integer("max_user_id", preprocess.max_user_id)
      .boolean("drop_unrated", preprocess.drop_unrated)
      .real("margin", config.margin)
      .real("l2", config.l2)
      .real("learning_rate", o.optimizer.learning_rate)
      .boolean("keras_exact", o.optimizer.keras_exact)
      .str("negatives", name_of(OptionId::Negatives, r.training.options.negatives))
      .integer("hard_candidates", r.training.options.hard_candidates)
      .boolean("eval_every_epoch", o.eval_every_epoch);
  params.num("cold_items", o.prepare.cold_items)
      .add("item_features", json_array(config.item_features, json_string))
      .add("user_features", json_array(config.user_features, json_string))
      .boolean("id_embeddings", config.id_embeddings);
  if (o.model == ModelKind::Bilinear) {
    params.integer("embedding_dim", config.embedding_dim)
        .str("similarity", name_of(OptionId::Similarity, config.similarity));
  } else if (o.model == ModelKind::FM) {
    params.integer("embedding_dim", config.embedding_dim);
  } else {
    params.integer("user_dim", config.user_dim)
        .integer("item_dim", config.item_dim)
        .add("hidden", json_array(config.hidden, [](int h) { return json_number(static_cast<std::int64_t>(h)); }))
        .real("dropout", config.dropout);
  }
  return params.text();
}

std::string example_json(const Example& e) {
  return JsonObject()
      .integer("user", e.raw_user)
      .integer("train_positives", static_cast<std::int64_t>(e.train_positives))
      .integer("test_positives", static_cast<std::int64_t>(e.test_positives))
      .add("recommendations", json_array(e.recommendations, item_json))
      .add("similar_items", json_array(e.similar, item_json))
      .text();
}

void print_train_json(Session& session, const CliOptions& o, const TrainReport& r) {
  const PreparedStats& prepared = r.preparation.prepared;
  const Evaluation& trained = r.trained.evaluation;
  const TrainResult& result = r.training.result;
  JsonObject out;
  out.integer("n_users", prepared.counts.users)
      .integer("n_items", prepared.counts.items)
      .integer("n_ratings", prepared.counts.ratings)
      .integer("train_rows", prepared.train_rows)
      .integer("test_rows", prepared.test_rows)
      .integer("n_train_positives", prepared.train_positives)
      .integer("n_test_positives", prepared.test_positives)
      .integer("unknown_test_rows", prepared.unknown_test_rows)
      .integer("unknown_test_users", prepared.unknown_test_users)
      .integer("unknown_test_items", prepared.unknown_test_items)
      .add("preprocessing", report_json(prepared.report))
      .add("loaded", stats_json(r.preparation.loaded))
      .add("features", vocabulary_json(r.preparation.vocabulary))
      .str("model", option_spec(OptionId::Model).choices.at(static_cast<std::size_t>(o.model)))
      .integer("params", session.param_count())
      .add("config", train_config_json(o, r, session.has_test_ratings()))
      .num("auc_untrained", r.untrained.evaluation.auc)
      .num("auc", trained.auc)
      .num("auc_cold", trained.auc_cold)
      .integer("n_cold_items", trained.n_cold_items)
      .integer("cold_users", trained.cold_users)
      .num("auc_cold_untrained", r.untrained.evaluation.auc_cold)
      .integer("k", o.k)
      .num("precision_at_k", trained.precision_at_k)
      .num("recall_at_k", trained.recall_at_k)
      .num("map_at_k", trained.map_at_k)
      .num("ndcg_at_k", trained.ndcg_at_k)
      .integer("evaluated_users", trained.users)
      .add("untrained", evaluation_json(r.untrained.evaluation))
      .num("auc_popularity", r.popularity.evaluation.auc)
      .add("popularity", evaluation_json(r.popularity.evaluation))
      .num("eval_seconds", r.trained.seconds)
      .num("load_seconds", r.preparation.load_seconds)
      .num("train_seconds", result.seconds)
      .num("triplets_per_second", result.triplets_per_second)
      .integer("triplets", result.triplets)
      .integer("threads", result.threads)
      .add("epoch_losses", json_array(result.epoch_losses, [](double v) { return json_number(v); }))
      .add("epoch_aucs", json_array(r.training.epoch_aucs, [](double v) { return json_number(v); }))
      .num("epoch_eval_seconds", r.training.epoch_eval_seconds)
      .add("examples", json_array(r.examples, example_json));
  if (r.holdout) {
    const HoldoutReport& h = *r.holdout;
    out.integer("n_holdout_users", h.holdout_users)
        .integer("holdout_evaluated_users", h.fold_in.evaluation.users)
        .num("auc_foldin", h.fold_in.evaluation.auc)
        .num("auc_joint", h.joint.evaluation.auc)
        .add("foldin", evaluation_json(h.fold_in.evaluation))
        .add("joint", evaluation_json(h.joint.evaluation))
        .num("foldin_seconds", h.fold_in.seconds)
        .add("likes_curve", json_array(h.likes_curve, [](const LikesCurvePoint& p) {
               return JsonObject().integer("likes", p.likes).num("auc", p.auc).integer("users", p.users).text();
             }))
        .num("likes_curve_seconds", h.likes_curve_seconds)
        .str("likes_curve_note", h.likes_curve_note)
        .integer("fold_in_steps", o.fold_in.steps)
        .real("fold_in_learning_rate", o.fold_in.learning_rate);
  }
  if (!o.save_model.empty()) out.str("saved_model", o.save_model);
  std::cout << out.text() << "\n";
}

void print_train_text(const CliOptions& o, const TrainReport& r) {
  const TrainResult& result = r.training.result;
  std::printf("Trained %d epochs in %.2f s on %d thread%s (%s triplets/s)\n", result.epochs_completed,
              result.seconds, result.threads, result.threads == 1 ? "" : "s",
              with_commas(static_cast<std::int64_t>(result.triplets_per_second)).c_str());
  print_evaluation("Trained:  ", r.trained.evaluation, r.trained.seconds);
  // The bar every recommender must clear: the same ranking (most train positives first) for all.
  print_evaluation("Popular:  ", r.popularity.evaluation, r.popularity.seconds);
  for (const Example& e : r.examples) {
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
  if (r.holdout) {
    const HoldoutReport& h = *r.holdout;
    std::printf("\nHeld-out users (%lld, out of training), folded in from their train positives:\n",
                static_cast<long long>(h.holdout_users));
    print_evaluation("Fold-in:  ", h.fold_in.evaluation, h.fold_in.seconds);
    print_evaluation("Joint:    ", h.joint.evaluation, h.joint.seconds);
    if (h.likes_curve.empty()) {
      std::printf("No likes curve: %s\n", h.likes_curve_note.c_str());
    } else {
      std::printf("Fold-in AUC by number of likes (%d users with >= %d train positives):", h.likes_curve.front().users,
                  h.likes_curve.back().likes);
      for (const LikesCurvePoint& p : h.likes_curve) std::printf("  %d: %s", p.likes, fixed(p.auc, 4).c_str());
      std::printf("\n");
    }
  }
  if (!o.save_model.empty()) std::printf("\nModel saved to %s\n", o.save_model.c_str());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Commands

int run_train(const CliOptions& o) {
  Session session;
  TrainReport report;
  report.preparation = load_and_prepare(session, o);
  if (!o.json) print_preparation(session, o, report.preparation);

  report.popularity = evaluate_popularity_timed(session, o.k);
  report.untrained = evaluate_timed(session, o.k);
  if (!o.json) print_evaluation("Untrained:", report.untrained.evaluation, report.untrained.seconds);

  report.training = train_with_progress(session, o);
  report.trained = evaluate_timed(session, o.k);
  report.examples = collect_examples(session, o, report.preparation.shown_users);
  if (o.prepare.holdout_users > 0) report.holdout = compare_fold_in_with_joint(session, o);
  if (!o.save_model.empty()) write_model(session, o.save_model);

  if (o.json) print_train_json(session, o, report);
  else print_train_text(o, report);
  return 0;
}

namespace {

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw FileError("cannot read " + path + ": it is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot read " + path + ": " + std::strerror(errno));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw FileError("cannot read " + path + ": read error");
  return bytes;
}

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw FileError("cannot write " + path + ": " + std::strerror(errno));
}

// Share of the top-k positions where a quantised bundle recommends the same item as the float32
// one, over visitors folded in from the first `visitors` users' train positives.
double top_k_agreement(const Session& full, const Session& quantised, const Session& prepared, int k, int visitors) {
  std::int64_t same = 0, positions = 0;
  const Dataset& data = prepared.dataset();
  for (std::int32_t u = 0, used = 0; u < data.n_users && used < visitors; ++u) {
    std::vector<std::int64_t> likes;
    for (const ItemView& v : prepared.user_train_positives(u)) likes.push_back(v.raw_id);
    if (likes.empty()) continue;
    ++used;
    const auto a = full.recommend_for(likes, {}, k), b = quantised.recommend_for(likes, {}, k);
    for (std::size_t r = 0; r < a.size() && r < b.size(); ++r) same += a[r].item.raw_id == b[r].item.raw_id;
    positions += static_cast<std::int64_t>(a.size());
  }
  return positions ? static_cast<double>(same) / static_cast<double>(positions) : NAN;
}

}  // namespace

int run_export(const CliOptions& o) {
  if (o.serving_path.empty()) throw CliError("export needs --serving FILE");
  Session session;
  load_inputs(session, o);
  session.prepare(prepare_options(o));
  if (!o.load_model.empty()) {
    const std::vector<std::uint8_t> model = read_bytes(o.load_model);
    session.load_model(model.data(), model.size(), o.load_model);
  } else {
    session.create_model(model_config(o, session.feature_vocabulary()), o.optimizer, o.model_seed);
    session.train(train_options(o));
  }
  const std::vector<std::uint8_t> bundle = session.save_serving(o.dtype);
  write_bytes(o.serving_path, bundle);
  // How much the quantisation changes the lists: the float32 bundle against this one.
  double agreement = 1.0;
  if (o.dtype != BundleDtype::Float32) {
    Session full, quantised;
    const std::vector<std::uint8_t> reference = session.save_serving(BundleDtype::Float32);
    full.load_serving(reference.data(), reference.size(), "float32 bundle");
    quantised.load_serving(bundle.data(), bundle.size(), o.serving_path);
    agreement = top_k_agreement(full, quantised, session, o.k, 500);
  }
  const std::string dtype = bundle_dtype_names()[static_cast<std::size_t>(o.dtype)];
  if (o.json) {
    std::cout << JsonObject()
                     .str("serving", o.serving_path)
                     .str("dtype", dtype)
                     .integer("bytes", static_cast<std::int64_t>(bundle.size()))
                     .integer("n_items", session.dataset().n_items)
                     .integer("k", o.k)
                     .num("top_k_agreement", agreement)
                     .text()
              << "\n";
  } else {
    std::printf("Wrote %s: %s bytes, %s items, item embedding as %s\n", o.serving_path.c_str(),
                with_commas(static_cast<std::int64_t>(bundle.size())).c_str(), with_commas(session.dataset().n_items).c_str(),
                dtype.c_str());
    if (o.dtype != BundleDtype::Float32)
      std::printf("Top-%d lists equal to the float32 bundle's in %s%% of positions (500 visitors)\n", o.k,
                  fixed(100 * agreement, 2).c_str());
  }
  return 0;
}

int run_recommend(const CliOptions& o) {
  if (o.bundle.empty()) throw CliError("recommend needs --bundle FILE");
  if (o.likes.empty()) throw CliError("recommend needs at least one --like ID");
  const std::vector<std::uint8_t> bytes = read_bytes(o.bundle);
  Session session;
  session.load_serving(bytes.data(), bytes.size(), o.bundle);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Recommendation> recs = session.recommend_for(o.likes, o.excludes, o.k, o.fold_in, o.visitor_features);
  const double seconds = seconds_since(start);
  if (o.json) {
    std::cout << JsonObject()
                     .add("likes", json_array(o.likes, [](std::int64_t id) { return json_number(id); }))
                     .str("explanation", session.contribution_meaning())
                     .num("seconds", seconds)
                     .add("recommendations", json_array(recs, [](const Recommendation& r) {
                            return JsonObject()
                                .add("item", item_json(r.item))
                                .add("because", JsonObject()
                                                    .integer("id", r.because.raw_id)
                                                    .str("name", r.because.name)
                                                    .num("contribution", r.because.contribution)
                                                    .text())
                                .text();
                          }))
                     .text()
              << "\n";
    return 0;
  }
  std::printf("Liked:");
  for (const std::int64_t id : o.likes) std::printf(" %s", session.item_view(session.item_index(id)).name.c_str());
  std::printf("\nTop %d (folded in in %.1f ms):\n", o.k, seconds * 1000);
  int rank = 0;
  for (const Recommendation& r : recs)
    std::printf("  %2d. %s  score %.3f  because you liked %s\n", ++rank, describe(r.item).c_str(),
                static_cast<double>(r.item.score), r.because.name.c_str());
  std::printf("(\"because\": %s)\n", session.contribution_meaning().c_str());
  return 0;
}

int run_stats(const CliOptions& o) {
  Session session;
  load_inputs(session, o);
  const RatingStats loaded = session.loaded_stats();
  const PreprocessReport report = session.preview(preprocess_options(o));
  // The vocabulary is that of the prepared items and users: none when nothing is left.
  FeatureVocabulary vocabulary;
  if (report.rating_filter.ratings > 0 && (session.has_items() || session.has_users())) {
    session.prepare(prepare_options(o));
    vocabulary = session.feature_vocabulary();
  }
  if (o.json) {
    std::cout << JsonObject()
                     .add("loaded", stats_json(loaded))
                     .add("preprocessing", report_json(report))
                     .add("features", vocabulary_json(vocabulary))
                     .text()
              << "\n";
    return 0;
  }
  std::printf("Loaded %s%s:\n", o.sample ? "the built-in sample" : o.ratings.c_str(),
              session.has_items() ? " with item metadata" : "");
  print_stats(loaded);
  std::printf("Preprocessing (the notebook's steps):\n");
  print_counts_table(report);
  print_vocabulary(vocabulary);
  return 0;
}

int run_sample(const CliOptions& o) {
  check_sample_options(o.sample_options);
  check_sample_fits(o.sample_options, o.memory_budget.value_or(kDefaultMemoryBudget));
  const SampleFiles files = generate_sample(o.sample_options);
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

}  // namespace tripletrec::cli

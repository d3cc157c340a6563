// The notebook's experiment on the real anime files (5,000-user reduction of rating.csv):
// TV titles with popularity > 340 (5000 scaled to this file), user_id < 10000, random split with
// seed 42, positives rating >= 8. Skipped with a message when the data is absent.
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <cmath>
#include <cstdio>
#include <vector>


#include "test_support.hpp"
#include "tripletrec/session.hpp"

using namespace tripletrec;

namespace {

PrepareOptions notebook_prepare() {
  PrepareOptions p;
  p.preprocess.item_type = "TV";
  p.preprocess.min_popularity = 340;
  p.preprocess.max_user_id = 10000;
  p.split_seed = 42;
  p.min_positive = 8;
  return p;
}

void load_anime(Session& s) {
  s.load_ratings(tripletrec::testing::read_data("anime/rating_5000users.csv"), "anime/rating_5000users.csv");
  s.load_items(tripletrec::testing::read_data("anime/anime.csv"), "anime/anime.csv");
  s.prepare(notebook_prepare());
}

}  // namespace

TEST(AnimeNotebook, AnimeSubsetHasTheDocumentedShape) {
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  Session s;
  load_anime(s);
  // ../shared/data/README.md: 293 anime, 4,610 users, 163,416 ratings, 114,512 of them > 7.
  const PreparedStats stats = s.prepared_stats();
  EXPECT_EQ(stats.counts.items, 293);
  EXPECT_EQ(stats.counts.users, 4610);
  EXPECT_EQ(stats.counts.ratings, 163416);
  EXPECT_EQ(stats.train_positives + stats.test_positives, 114512);
}

TEST(AnimeNotebook, UntrainedBilinearIsAtChance) {
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  Session s;
  load_anime(s);
  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 42);
  const Evaluation e = s.evaluate();
  std::printf("[ anime ] untrained bilinear AUC %.4f over %d users\n", e.auc, e.users);
  EXPECT_NEAR(e.auc, 0.5, 0.03);
  // Every user with a test positive outside their train positives counts (293 items leave
  // negatives for everyone), user 0 included.
  const Positives& train = s.train_positives();
  const Positives& test = s.test_positives();
  std::int32_t expected_users = 0;
  for (std::int32_t u = 0; u < test.n_users; ++u) {
    bool counted = false;
    for (const std::int32_t* i = test.begin_of(u); i != test.end_of(u) && !counted; ++i)
      counted = !train.contains(u, *i);
    expected_users += counted;
  }
  EXPECT_EQ(e.users, expected_users);
}

TEST(AnimeNotebook, TrainedBilinearReachesTheNotebooksAuc) {
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  Session s;
  load_anime(s);
  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 42);
  const TrainResult r = s.train(TrainOptions{});  // 10 epochs, batch 64, uniform negatives
  const Evaluation e = s.evaluate();
  std::printf("[ anime ] bilinear 10 epochs: AUC %.4f, P@10 %.4f, MAP@10 %.4f (%.2f s, %.0f triplets/s)\n",
              e.auc, e.precision_at_k, e.map_at_k, r.seconds, r.triplets_per_second);
  EXPECT_GE(e.auc, 0.80);  // a Keras-faithful reference reached 0.81
}

TEST(AnimeNotebook, TrainedDeepModelReachesTheNotebooksAuc) {
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  Session s;
  load_anime(s);
  s.create_model(ModelConfig::deep_defaults(), OptimizerConfig{}, 42);
  TrainOptions t;
  t.epochs = 20;
  const TrainResult r = s.train(t);
  const Evaluation e = s.evaluate();
  std::printf("[ anime ] deep 20 epochs: AUC %.4f, P@10 %.4f, MAP@10 %.4f (%.2f s, %.0f triplets/s)\n", e.auc,
              e.precision_at_k, e.map_at_k, r.seconds, r.triplets_per_second);
  EXPECT_GE(e.auc, 0.82);  // a Keras-faithful reference reached 0.835
}

// Cold-start items (issue 9): a fifth of the items (seeded by the split seed) held out of training
// entirely. Item features (genre, type, episodes, members) must score them well above chance and
// cost the warm items nothing; ids alone score them at about chance.
namespace {

Evaluation cold_start_run(ModelKind kind, std::vector<std::string> features) {
  Session s;
  s.load_ratings(tripletrec::testing::read_data("anime/rating_5000users.csv"), "anime/rating_5000users.csv");
  s.load_items(tripletrec::testing::read_data("anime/anime.csv"), "anime/anime.csv");
  PrepareOptions p = notebook_prepare();
  p.cold_items = 0.2;
  s.prepare(p);
  ModelConfig config = ModelConfig::defaults_for(kind);
  config.item_features = std::move(features);
  s.create_model(config, OptimizerConfig{}, 42);
  s.train(TrainOptions::defaults_for(kind));
  const Evaluation e = s.evaluate();
  std::printf("[ anime ] cold 0.2, model %d, %zu item fields: warm AUC %.4f, cold AUC %.4f (%d cold items, %d users)\n",
              static_cast<int>(kind), config.item_features.size(), e.auc, e.auc_cold, e.n_cold_items, e.cold_users);
  return e;
}

const std::vector<std::string> kAnimeFields = {"genre", "type", "episodes", "members"};

}  // namespace

TEST(AnimeColdStart, ItemFeaturesRescueColdItemsAndKeepTheWarmAuc) {
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  const Evaluation ids = cold_start_run(ModelKind::Bilinear, {});
  const Evaluation features = cold_start_run(ModelKind::Bilinear, kAnimeFields);
  EXPECT_EQ(features.n_cold_items, 59);                 // round(293 x 0.2)
  EXPECT_NEAR(ids.auc_cold, 0.5, 0.06);                 // measured 0.461: untrained ids, one random order for all
  EXPECT_GE(features.auc_cold, 0.70);                   // measured 0.728 (the target: 0.70)
  EXPECT_GE(features.auc, ids.auc - 0.005);             // measured 0.8112 against 0.8104
}

TEST(AnimeColdStart, FactorizationMachineWithFeaturesScoresColdItems) {
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  const Evaluation fm = cold_start_run(ModelKind::FM, kAnimeFields);
  const Evaluation fm_ids = cold_start_run(ModelKind::FM, {});
  EXPECT_GE(fm.auc_cold, 0.70);             // measured 0.721
  EXPECT_GE(fm.auc, fm_ids.auc - 0.005);    // measured 0.8336 against 0.8352
}

// Quantised serving bundles recommend what the float32 bundle recommends: the top-10 lists of
// visitors folded in from the first 300 users' train positives, position by position.
namespace {

// Share of top-10 positions where the float16 and the int8 bundles recommend what the float32 one
// does, for visitors folded in from the first 300 users' train positives (the CLI's export
// measures the same with 500). The model: the bilinear defaults, 10 epochs, one thread.
std::pair<double, double> quantised_top10_agreement(Session& s, const char* name) {
  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 42);
  TrainOptions t;
  t.threads = 1;
  s.train(t);
  auto served = [&](BundleDtype dtype) {
    auto session = std::make_unique<Session>();
    const std::vector<std::uint8_t> bytes = s.save_serving(dtype);
    session->load_serving(bytes.data(), bytes.size(), "bundle.safetensors");
    std::printf("[ %s ] %s bundle: %zu bytes\n", name, bundle_dtype_names()[static_cast<int>(dtype)].c_str(), bytes.size());
    return session;
  };
  const auto full = served(BundleDtype::Float32), half = served(BundleDtype::Float16), int8 = served(BundleDtype::Int8);
  std::int64_t positions = 0, same_half = 0, same_int8 = 0;
  for (std::int32_t u = 0; u < 300; ++u) {
    std::vector<std::int64_t> likes;
    for (const ItemView& v : s.user_train_positives(u)) likes.push_back(v.raw_id);
    if (likes.empty()) continue;
    const auto a = full->recommend_for(likes, {}, 10), b = half->recommend_for(likes, {}, 10),
               c = int8->recommend_for(likes, {}, 10);
    for (std::size_t r = 0; r < a.size(); ++r) {
      same_half += a[r].item.raw_id == b[r].item.raw_id;
      same_int8 += a[r].item.raw_id == c[r].item.raw_id;
    }
    positions += static_cast<std::int64_t>(a.size());
  }
  const double half_agreement = static_cast<double>(same_half) / positions,
               int8_agreement = static_cast<double>(same_int8) / positions;
  std::printf("[ %s ] top-10 agreement with float32: float16 %.4f, int8 %.4f (%lld positions)\n", name, half_agreement,
              int8_agreement, static_cast<long long>(positions));
  return {half_agreement, int8_agreement};
}

}  // namespace

TEST(AnimeNotebook, QuantisedBundlesKeepTheTop10Lists) {
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  Session s;
  load_anime(s);
  const auto [half, int8] = quantised_top10_agreement(s, "anime");
  // The bar is 98% of positions. Measured: float16 0.9976, int8 0.9949 (2,940 positions)
  // (int8 with its 4-bit residual; plain int8 with one scale per row gave 0.9517).
  EXPECT_GE(half, 0.98);
  EXPECT_GE(int8, 0.98);
}

// Hogwild on 2 threads against 1 thread (same seeds): the AUC moves by collisions on shared rows
// and by the other order of the triplets, never by more than the 0.005.
namespace {

void load_movielens(Session& s) {
  s.load_ratings(tripletrec::testing::read_data("movielens-latest-small/ratings.csv"), "ratings.csv");
  s.load_items(tripletrec::testing::read_data("movielens-latest-small/movies.csv"), "movies.csv");
  PrepareOptions p;  // the README's MovieLens row: every movie and user, positives rating >= 4
  p.preprocess.item_type = "any";
  p.preprocess.min_popularity = 0;
  p.preprocess.max_user_id = -1;
  p.min_positive = 4;
  s.prepare(p);
}

}  // namespace

TEST(MovieLens, QuantisedBundlesKeepTheTop10Lists) {
  TRIPLETREC_REQUIRE_DATA("movielens-latest-small/ratings.csv");
  Session s;
  load_movielens(s);
  const auto [half, int8] = quantised_top10_agreement(s, "ml-latest-small");
  // 9,724 items crowd the top 10 with near-ties. Measured: float16 0.9887, int8 0.9893 (3,000 positions)
  // (plain int8 with one scale per row gave 0.8327).
  EXPECT_GE(half, 0.98);
  EXPECT_GE(int8, 0.98);
}

namespace {

// Mean test AUC over `seeds` after the notebook's training on `threads` threads.
template <class Load>
double trained_auc(Load load, const ModelConfig& config, int threads, std::vector<std::uint64_t> seeds,
                   const char* name) {
  double sum = 0;
  for (const std::uint64_t seed : seeds) {
    Session s;
    load(s);
    s.create_model(config, OptimizerConfig{}, seed);
    TrainOptions options = TrainOptions::defaults_for(config.kind);
    options.threads = threads;
    options.seed = seed;
    const TrainResult r = s.train(options);
    const double auc = s.evaluate().auc;
    std::printf("[ %s ] %s on %d thread(s), seed %llu: AUC %.4f (%.2f s, %.0f triplets/s)\n", name,
                config.kind == ModelKind::Deep ? "deep" : "bilinear", r.threads,
                static_cast<unsigned long long>(seed), auc, r.seconds, r.triplets_per_second);
    EXPECT_EQ(r.threads, threads);
    sum += auc;
  }
  return sum / static_cast<double>(seeds.size());
}

}  // namespace

TEST(ThreadsOnRealData, TwoThreadsKeepTheAnimeAucOfOne) {
  TRIPLETREC_REQUIRE_THREADS();
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  // Measured (seed 42): bilinear 0.8184 on 1 thread, 0.8168-0.8173 on 2 (32 runs). Deep: 0.8367 on
  // 1, on 2 a spread of 0.8314-0.8375 (mean 0.8353, 54 runs; 1 in 54 more than 0.005 below), so
  // the deep model compares the means of 3 seeds (one thread: 0.8367, 0.8329, 0.8348; two, once:
  // 0.8350, 0.8357, 0.8384).
  const ModelConfig bilinear = ModelConfig::bilinear_defaults();
  EXPECT_NEAR(trained_auc(load_anime, bilinear, 2, {42}, "anime"), trained_auc(load_anime, bilinear, 1, {42}, "anime"),
              0.005);
  const ModelConfig deep = ModelConfig::deep_defaults();
  EXPECT_NEAR(trained_auc(load_anime, deep, 2, {42, 43, 44}, "anime"),
              trained_auc(load_anime, deep, 1, {42, 43, 44}, "anime"), 0.005);
}

TEST(ThreadsOnRealData, TwoThreadsKeepTheMovieLensAucOfOne) {
  TRIPLETREC_REQUIRE_THREADS();
  TRIPLETREC_REQUIRE_DATA("movielens-latest-small/ratings.csv");
  // Measured (seed 42): 0.9211 on 1 thread, 0.9201 and 0.9202 on 2. (The deep model is not
  // tested here: its AUC on this data moves with the seed alone by 0.007 on one thread, and the
  // mean of 3 seeds on 2 threads was 0.002-0.004 below one thread's, see the README.)
  const ModelConfig bilinear = ModelConfig::bilinear_defaults();
  EXPECT_NEAR(trained_auc(load_movielens, bilinear, 2, {42}, "movielens"),
              trained_auc(load_movielens, bilinear, 1, {42}, "movielens"), 0.005);
}

// Evaluation splits its users over the session's threads and sums them in user order: the same
// bits on 1, 2 and 3 threads, for the warm and cold AUC and ranking metrics, fold-in on held-out
// users, a chosen set of users and the likes curve. The session evaluates on the threads of its
// last training; Keras-exact training runs on one thread whatever it is given, so the three
// sessions hold the same model and differ only in the evaluation's threads.
namespace {

void expect_same_bits(const Evaluation& a, const Evaluation& b, const char* what, int threads) {
  SCOPED_TRACE(std::string(what) + " on " + std::to_string(threads) + " threads");
  EXPECT_EQ(a.users, b.users);
  EXPECT_EQ(a.auc, b.auc);
  EXPECT_EQ(a.precision_at_k, b.precision_at_k);
  EXPECT_EQ(a.recall_at_k, b.recall_at_k);
  EXPECT_EQ(a.map_at_k, b.map_at_k);
  EXPECT_EQ(a.ndcg_at_k, b.ndcg_at_k);
  EXPECT_EQ(a.cold_users, b.cold_users);
  if (!std::isnan(a.auc_cold) || !std::isnan(b.auc_cold)) EXPECT_EQ(a.auc_cold, b.auc_cold);
}

struct Evaluated {
  Evaluation warm_and_cold, fold_in, chosen_users;
  std::vector<LikesCurvePoint> curve;
};

Evaluated evaluate_on(const ModelConfig& config, int threads) {
  Session s;
  s.load_ratings(tripletrec::testing::read_data("anime/rating_5000users.csv"), "anime/rating_5000users.csv");
  s.load_items(tripletrec::testing::read_data("anime/anime.csv"), "anime/anime.csv");
  PrepareOptions p = notebook_prepare();
  p.cold_items = 0.1;
  p.holdout_users = 0.1;
  s.prepare(p);
  OptimizerConfig exact;
  exact.keras_exact = true;
  s.create_model(config, exact, 7);
  TrainOptions o;
  o.epochs = 1;
  o.threads = threads;
  EXPECT_EQ(s.train(o).threads, 1);  // Keras-exact: one training thread, the same model
  Evaluated e;
  e.warm_and_cold = s.evaluate();
  FoldInOptions fold;
  fold.steps = 30;  // enough to move the vectors; the bits are what is compared
  e.fold_in = s.evaluate_fold_in(10, fold);
  std::vector<std::int64_t> chosen;
  for (std::size_t u = 0; u < s.dataset().user_raw_id.size(); u += 3) chosen.push_back(s.dataset().user_raw_id[u]);
  e.chosen_users = s.evaluate_users(chosen);
  e.curve = s.likes_curve({1, 5}, fold);
  return e;
}

}  // namespace

TEST(ThreadsOnRealData, EvaluationHasTheSameBitsOnOneTwoAndThreeThreads) {
  TRIPLETREC_REQUIRE_THREADS();
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  for (const ModelConfig& config : {ModelConfig::bilinear_defaults(), ModelConfig::deep_defaults()}) {
    SCOPED_TRACE(config.kind == ModelKind::Deep ? "deep" : "bilinear");
    const Evaluated one = evaluate_on(config, 1);
    EXPECT_GT(one.warm_and_cold.cold_users, 0);
    for (const int threads : {2, 3}) {
      const Evaluated many = evaluate_on(config, threads);
      expect_same_bits(many.warm_and_cold, one.warm_and_cold, "evaluate", threads);
      expect_same_bits(many.fold_in, one.fold_in, "evaluate_fold_in", threads);
      expect_same_bits(many.chosen_users, one.chosen_users, "evaluate_users", threads);
      ASSERT_EQ(many.curve.size(), one.curve.size());
      for (std::size_t i = 0; i < one.curve.size(); ++i) {
        EXPECT_EQ(many.curve[i].users, one.curve[i].users);
        EXPECT_EQ(many.curve[i].auc, one.curve[i].auc);
      }
    }
  }
}

// The two triplet models: initialisation, summaries, gradients (finite differences against the
// double-precision reference, and the fast float path against the reference), Adam, sparse vs
// Keras-exact updates, scoring, and no allocation while training.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "tripletrec/error.hpp"
#include "reference_gradients.hpp"
#include "tripletrec/model.hpp"

// Counts heap allocations while enabled, to check that a warmed-up train_batch allocates nothing.
namespace {
std::atomic<bool> g_count_allocations{false};
std::atomic<long> g_allocations{0};
}  // namespace
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // malloc/free pair up correctly here
#endif
void* operator new(std::size_t size) {
  if (g_count_allocations.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// The nothrow forms too (std::stable_sort's buffer uses them): left to the runtime they would
// allocate with its operator new and be freed by the free() above, which ASan reports as an
// alloc-dealloc mismatch.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_count_allocations.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  return std::malloc(size ? size : 1);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace tripletrec {
namespace {

struct Batch {
  std::vector<std::int32_t> users, pos, neg;
  int size() const { return static_cast<int>(users.size()); }
};

Batch random_batch(int count, std::int32_t n_users, std::int32_t n_items, std::uint64_t seed) {
  Rng rng(seed);
  Batch b;
  for (int t = 0; t < count; ++t) {
    b.users.push_back(static_cast<std::int32_t>(rng.below(n_users)));
    const auto p = static_cast<std::int32_t>(rng.below(n_items));
    auto n = static_cast<std::int32_t>(rng.below(n_items - 1));
    if (n >= p) ++n;  // distinct positive and negative
    b.pos.push_back(p);
    b.neg.push_back(n);
  }
  return b;
}

ModelConfig tiny_bilinear(Similarity similarity) {
  ModelConfig c = ModelConfig::bilinear_defaults();
  c.embedding_dim = 6;  // not a multiple of the 8 kernel lanes: exercises the tails
  c.similarity = similarity;
  c.l2 = 1e-2f;         // large enough that its gradient is visible
  return c;
}

ModelConfig tiny_deep(std::vector<int> hidden) {
  ModelConfig c = ModelConfig::deep_defaults();
  c.user_dim = 3;
  c.item_dim = 5;
  c.hidden = std::move(hidden);
  c.dropout = 0.0f;  // the reference is inference mode
  c.margin = 2.0f;   // keeps every triplet's hinge active
  c.l2 = 1e-2f;
  return c;
}

// Hand-made side features: rows of 0-3 values out of n_features (row r has the values
// r % n_features, ... ; every third row none), weights 1 / count.
FeatureRows tiny_rows(std::int32_t rows, std::int32_t n_features, const char* field) {
  FeatureRows f;
  f.rows = rows;
  for (std::int32_t v = 0; v < n_features; ++v) f.names.push_back(std::string(field) + "=" + std::to_string(v));
  f.offsets.push_back(0);
  for (std::int32_t r = 0; r < rows; ++r) {
    const int count = r % 3 == 2 ? 0 : 1 + r % 3 + (r % 5 == 0);
    std::vector<std::int32_t> values;
    for (int c = 0; c < count; ++c) values.push_back((r + 2 * c) % n_features);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    for (const std::int32_t v : values) {
      f.index.push_back(v);
      f.weight.push_back(1.0f / static_cast<float>(values.size()));
    }
    f.offsets.push_back(static_cast<std::uint32_t>(f.index.size()));
  }
  return f;
}

ModelFeatures tiny_features(std::int32_t n_users, std::int32_t n_items) {
  return {tiny_rows(n_users, 3, "age"), tiny_rows(n_items, 4, "genre")};
}

// The config with side features on both sides (and optionally without id embeddings).
ModelConfig with_features(ModelConfig c, bool ids = true) {
  c.item_features = {"genre"};
  c.user_features = {"age"};
  c.id_embeddings = ids;
  return c;
}

ModelConfig tiny_fm() {
  ModelConfig c = ModelConfig::fm_defaults();
  c.embedding_dim = 5;
  c.margin = 3.0f;  // keeps every triplet's hinge active
  c.l2 = 1e-2f;
  return c;
}

double loss_of(Model& model, const Batch& b) {
  return reference_loss_and_gradients(model, b.users.data(), b.pos.data(), b.neg.data(), b.size(), nullptr);
}

// Central finite differences in double (the reference loss is computed in double from the float
// weights; each step is the float-representable one actually taken). Returns the largest error
// relative to max(1e-3, |gradient|).
double worst_gradient_error(Model& model, const Batch& b) {
  std::vector<std::vector<float>> grads;
  reference_loss_and_gradients(model, b.users.data(), b.pos.data(), b.neg.data(), b.size(), &grads);
  auto tensors = model.parameters();
  EXPECT_EQ(grads.size(), tensors.size());
  double worst = 0;
  const double h = 1e-5;
  for (std::size_t t = 0; t < tensors.size(); ++t) {
    EXPECT_EQ(grads[t].size(), tensors[t].size());
    for (std::size_t k = 0; k < tensors[t].size(); ++k) {
      float& w = tensors[t].data[k];
      const float original = w;
      w = static_cast<float>(original + h);
      const double up = static_cast<double>(w) - original;
      model.parameters_changed();
      const double loss_up = loss_of(model, b);
      w = static_cast<float>(original - h);
      const double down = original - static_cast<double>(w);
      model.parameters_changed();
      const double loss_down = loss_of(model, b);
      w = original;
      model.parameters_changed();
      const double numeric = (loss_up - loss_down) / (up + down);
      const double error = std::abs(numeric - grads[t][k]) / std::max(1e-3, std::abs(numeric));
      worst = std::max(worst, error);
    }
  }
  if (std::getenv("TRIPLETREC_PRINT_ERRORS")) std::printf("worst finite-difference error %.3g\n", worst);
  return worst;
}

// Every triplet of the batch has its hinge active (away from the kink): each alone has loss > 0.1.
void expect_hinges_active(Model& model, const Batch& b) {
  for (int t = 0; t < b.size(); ++t) {
    const double alone =
        reference_loss_and_gradients(model, &b.users[t], &b.pos[t], &b.neg[t], 1, nullptr);
    EXPECT_GT(alone, 0.1) << "triplet " << t << " sits near the hinge kink; pick another batch";
  }
}

// Measured worst relative errors with h = 1e-5: 5e-7 (cosine, where the O(h^2) truncation
// shows: 5e-5 at h = 1e-4), 5e-8 (dot, deep; the float rounding of the returned gradients).
constexpr double kGradientTolerance = 1e-5;

TEST(ModelGradients, BilinearCosineMatchesFiniteDifferences) {
  auto model = make_model(tiny_bilinear(Similarity::Cosine), {}, 4, 7, 1);
  const Batch b = random_batch(5, 4, 7, 10);
  expect_hinges_active(*model, b);
  EXPECT_LT(worst_gradient_error(*model, b), kGradientTolerance);
}

TEST(ModelGradients, BilinearDotMatchesFiniteDifferences) {
  auto model = make_model(tiny_bilinear(Similarity::Dot), {}, 4, 7, 2);
  const Batch b = random_batch(5, 4, 7, 11);
  expect_hinges_active(*model, b);
  EXPECT_LT(worst_gradient_error(*model, b), kGradientTolerance);
}

TEST(ModelGradients, DeepWithOneHiddenLayerMatchesFiniteDifferences) {
  auto model = make_model(tiny_deep({7}), {}, 4, 6, 3);
  const Batch b = random_batch(4, 4, 6, 12);
  expect_hinges_active(*model, b);
  EXPECT_LT(worst_gradient_error(*model, b), kGradientTolerance);
}

TEST(ModelGradients, DeepWithTwoHiddenLayersMatchesFiniteDifferences) {
  auto model = make_model(tiny_deep({6, 5}), {}, 4, 6, 4);
  const Batch b = random_batch(4, 4, 6, 13);
  expect_hinges_active(*model, b);
  EXPECT_LT(worst_gradient_error(*model, b), kGradientTolerance);
}

TEST(ModelGradients, FeatureModelsMatchFiniteDifferences) {
  const ModelFeatures features = tiny_features(4, 7);
  for (const bool ids : {true, false}) {
    for (const ModelConfig& config : {with_features(tiny_bilinear(Similarity::Cosine), ids),
                                      with_features(tiny_bilinear(Similarity::Dot), ids), with_features(tiny_deep({7}), ids),
                                      with_features(tiny_fm(), ids), tiny_fm()}) {
      auto model = make_model(config, {}, 4, 7, 5, config.item_features.empty() ? nullptr : &features);
      const Batch b = random_batch(5, 4, 7, 14);
      expect_hinges_active(*model, b);
      EXPECT_LT(worst_gradient_error(*model, b), kGradientTolerance)
          << static_cast<int>(config.kind) << (ids ? " with ids" : " features only");
    }
  }
}

// With Adam at beta1 = beta2 = 0 and lr = eps = 1, one step moves each weight by
// g / (|g| + 1), so the gradient the fast float path used is g = delta / (1 - |delta|).
// Keras-exact mode makes it the full gradient, L2 over whole tables included.
void expect_fast_path_gradient_matches_reference(ModelConfig config, std::int32_t n_users, std::int32_t n_items,
                                                 const ModelFeatures* features = nullptr) {
  OptimizerConfig sgd_like;
  sgd_like.learning_rate = 1.0f;
  sgd_like.beta1 = 0.0f;
  sgd_like.beta2 = 0.0f;
  sgd_like.epsilon = 1.0f;
  sgd_like.keras_exact = true;
  auto reference = make_model(config, sgd_like, n_users, n_items, 21, features);
  auto trained = make_model(config, sgd_like, n_users, n_items, 21, features);
  const Batch b = random_batch(9, n_users, n_items, 22);
  std::vector<std::vector<float>> grads;
  reference_loss_and_gradients(*reference, b.users.data(), b.pos.data(), b.neg.data(), b.size(), &grads);
  Rng unused(0);
  trained->train_batch(b.users.data(), b.pos.data(), b.neg.data(), b.size(), unused);
  auto before = reference->parameters();
  auto after = trained->parameters();
  double worst = 0;
  for (std::size_t t = 0; t < before.size(); ++t)
    for (std::size_t k = 0; k < before[t].size(); ++k) {
      const double delta = static_cast<double>(before[t].data[k]) - after[t].data[k];
      const double g = delta / (1.0 - std::abs(delta));
      worst = std::max(worst, std::abs(g - grads[t][k]) / std::max(1e-3, std::abs(double(grads[t][k]))));
    }
  if (std::getenv("TRIPLETREC_PRINT_ERRORS")) std::printf("worst fast-path error %.3g\n", worst);
  // Measured 2e-6 to 3e-6: float arithmetic in the fast path and the rounding of w - delta.
  EXPECT_LT(worst, 1e-4);
}

TEST(ModelGradients, FastBilinearCosinePathAgreesWithTheReference) {
  expect_fast_path_gradient_matches_reference(tiny_bilinear(Similarity::Cosine), 5, 9);
}
TEST(ModelGradients, FastBilinearDotPathAgreesWithTheReference) {
  expect_fast_path_gradient_matches_reference(tiny_bilinear(Similarity::Dot), 5, 9);
}
TEST(ModelGradients, FastFeatureAndFmPathsAgreeWithTheReference) {
  const ModelFeatures features = tiny_features(5, 9);
  expect_fast_path_gradient_matches_reference(with_features(tiny_bilinear(Similarity::Cosine)), 5, 9, &features);
  expect_fast_path_gradient_matches_reference(with_features(tiny_bilinear(Similarity::Dot), false), 5, 9, &features);
  expect_fast_path_gradient_matches_reference(with_features(tiny_deep({12, 9})), 5, 9, &features);
  expect_fast_path_gradient_matches_reference(with_features(tiny_fm()), 5, 9, &features);
  expect_fast_path_gradient_matches_reference(with_features(tiny_fm(), false), 5, 9, &features);
  expect_fast_path_gradient_matches_reference(tiny_fm(), 5, 9);
}

TEST(FactorizationMachine, ScoreEqualsTheBruteForceSumOverPairs) {
  const ModelFeatures features = tiny_features(4, 7);
  for (const ModelConfig& config : {with_features(tiny_fm()), with_features(tiny_fm(), false), tiny_fm()}) {
    auto model = make_model(config, {}, 4, 7, 8, config.item_features.empty() ? nullptr : &features);
    // Train a few steps so that the linear weights are not zero any more.
    Rng rng(1);
    for (int step = 0; step < 5; ++step) {
      const Batch b = random_batch(6, 4, 7, 30 + step);
      model->train_batch(b.users.data(), b.pos.data(), b.neg.data(), b.size(), rng);
    }
    std::vector<float> scores(7);
    for (std::int32_t u = 0; u < 4; ++u) {
      model->score_items(u, scores.data());
      for (std::int32_t i = 0; i < 7; ++i)
        EXPECT_NEAR(scores[static_cast<std::size_t>(i)], reference_fm_score(*model, u, i), 1e-5)
            << "user " << u << ", item " << i;
    }
  }
}

TEST(FactorizationMachine, SummaryCountsItsParametersAndSaysWhatIsLeftOut) {
  const ModelFeatures features = tiny_features(4, 7);
  auto model = make_model(with_features(tiny_fm()), {}, 4, 7, 1, &features);
  const std::string summary = model->summary();
  // user ids 4 x 5, user features 3 x 5, item ids 7 x 5, item features 4 x 5, biases 7 + 4.
  EXPECT_EQ(model->param_count(), 20 + 15 + 35 + 20 + 7 + 4);
  EXPECT_NE(summary.find("Total params: 101"), std::string::npos) << summary;
  EXPECT_NE(summary.find("item_feature_embedding (Embedding)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("item_bias (Embedding)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("the global bias, the user side's linear weights and the user-user pairs"), std::string::npos);
}

TEST(FeatureModels, WithoutFeaturesTheyAreTheIdOnlyModelsBitForBit) {
  // A config with empty feature lists builds exactly the model of before (same draws, same steps).
  for (const ModelConfig& config : {ModelConfig::bilinear_defaults(), ModelConfig::deep_defaults()}) {
    const ModelFeatures none;
    auto a = make_model(config, {}, 30, 20, 9);
    auto b = make_model(config, {}, 30, 20, 9, &none);
    Rng ra(4), rb(4);
    const Batch batch = random_batch(16, 30, 20, 3);
    EXPECT_EQ(a->train_batch(batch.users.data(), batch.pos.data(), batch.neg.data(), batch.size(), ra),
              b->train_batch(batch.users.data(), batch.pos.data(), batch.neg.data(), batch.size(), rb));
    const auto ta = a->parameters(), tb = b->parameters();
    ASSERT_EQ(ta.size(), tb.size());
    for (std::size_t t = 0; t < ta.size(); ++t)
      EXPECT_TRUE(std::equal(ta[t].data, ta[t].data + ta[t].size(), tb[t].data)) << ta[t].name;
  }
}

TEST(FeatureModels, ColdItemsGetTheirFeaturesVector) {
  // Features only: two items with the same values have the same vector and the same scores.
  FeatureRows items;
  items.rows = 3;
  items.names = {"genre=a", "genre=b"};
  items.offsets = {0, 2, 3, 5};
  items.index = {0, 1, 1, 0, 1};
  items.weight = {0.5f, 0.5f, 1.0f, 0.5f, 0.5f};
  const ModelFeatures features{{}, items};
  ModelConfig config = ModelConfig::bilinear_defaults();
  config.item_features = {"genre"};
  config.id_embeddings = false;
  auto model = make_model(config, {}, 2, 3, 1, &features);
  std::vector<float> scores(3);
  model->score_items(1, scores.data());
  EXPECT_EQ(scores[0], scores[2]);
  EXPECT_NE(scores[0], scores[1]);
  EXPECT_EQ(model->parameters().size(), 2u);  // user_embedding (users have no features), item_feature_embedding
}

TEST(ModelGradients, FastDeepPathAgreesWithTheReference) {
  expect_fast_path_gradient_matches_reference(tiny_deep({7}), 5, 9);
  expect_fast_path_gradient_matches_reference(tiny_deep({12, 9}), 5, 9);  // 12: vector + tail
}

TEST(Adam, TwoStepsMatchAHandComputation) {
  // One weight followed through two Keras Adam steps, with the gradients the reference gives.
  ModelConfig config = tiny_bilinear(Similarity::Cosine);
  config.l2 = 0;
  OptimizerConfig adam;  // Keras defaults
  auto model = make_model(config, adam, 2, 3, 5);
  const std::int32_t u[] = {0}, p[] = {1}, n[] = {2};
  Rng rng(0);
  float& w = model->parameters()[1].data[1 * config.embedding_dim + 2];  // item 1, coordinate 2
  double m = 0, v = 0, expected = w;
  for (int step = 1; step <= 2; ++step) {
    std::vector<std::vector<float>> grads;
    reference_loss_and_gradients(*model, u, p, n, 1, &grads);
    const double g = grads[1][1 * config.embedding_dim + 2];
    ASSERT_NE(g, 0.0);
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const double lr_t = 1e-3 * std::sqrt(1 - std::pow(0.999, step)) / (1 - std::pow(0.9, step));
    expected -= lr_t * m / (std::sqrt(v) + 1e-7);
    model->train_batch(u, p, n, 1, rng);
    // Updates are ~1e-3; float weights near 0.05 carry ~4e-9 of rounding.
    EXPECT_NEAR(w, expected, 1e-7) << "step " << step;
  }
}

TEST(Adam, SparseModeLeavesUntouchedRowsAloneKerasExactMovesThem) {
  ModelConfig config = tiny_bilinear(Similarity::Cosine);  // l2 = 1e-2
  OptimizerConfig sparse, exact;
  exact.keras_exact = true;
  auto a = make_model(config, sparse, 3, 4, 8);
  auto b = make_model(config, exact, 3, 4, 8);
  const std::vector<float> initial_user2(a->parameters()[0].data + 2 * 6, a->parameters()[0].data + 3 * 6);
  const std::vector<float> initial_item3(a->parameters()[1].data + 3 * 6, a->parameters()[1].data + 4 * 6);
  const std::int32_t u[] = {0, 1}, p[] = {0, 1}, n[] = {1, 2};
  Rng rng(0);
  a->train_batch(u, p, n, 2, rng);
  b->train_batch(u, p, n, 2, rng);
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(a->parameters()[0].data[2 * 6 + k], initial_user2[k]);  // user 2 untouched
    EXPECT_EQ(a->parameters()[1].data[3 * 6 + k], initial_item3[k]);  // item 3 untouched
    EXPECT_NE(b->parameters()[0].data[2 * 6 + k], initial_user2[k]);  // L2 decay moved it
    EXPECT_NE(b->parameters()[1].data[3 * 6 + k], initial_item3[k]);
  }
  // A second batch without user 0: sparse (lazy) Adam leaves user 0 where it is; Keras' dense
  // Adam keeps moving it with its first moment.
  const std::vector<float> a_user0(a->parameters()[0].data, a->parameters()[0].data + 6);
  const std::vector<float> b_user0(b->parameters()[0].data, b->parameters()[0].data + 6);
  const std::int32_t u2[] = {2}, p2[] = {3}, n2[] = {2};
  a->train_batch(u2, p2, n2, 1, rng);
  b->train_batch(u2, p2, n2, 1, rng);
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(a->parameters()[0].data[k], a_user0[k]);
    EXPECT_NE(b->parameters()[0].data[k], b_user0[k]);
  }
}

TEST(Models, KerasInitialisationRangesAndReproducibility) {
  auto deep = make_model(ModelConfig::deep_defaults(), {}, 50, 30, 9);
  auto again = make_model(ModelConfig::deep_defaults(), {}, 50, 30, 9);
  auto other = make_model(ModelConfig::deep_defaults(), {}, 50, 30, 10);
  auto tensors = deep->parameters();
  ASSERT_EQ(tensors.size(), 6u);
  for (std::size_t t = 0; t < tensors.size(); ++t) {
    float limit = 0.05f;
    if (t >= 2) {
      const Tensor& kernel = tensors[t % 2 == 0 ? t : t - 1];
      limit = std::sqrt(6.0f / (kernel.shape[0] + kernel.shape[1]));
    }
    double sum_abs = 0;
    for (std::size_t k = 0; k < tensors[t].size(); ++k) {
      const float w = tensors[t].data[k];
      if (t >= 2 && t % 2 == 1) {
        EXPECT_EQ(w, 0.0f);  // biases start at zero
      } else {
        EXPECT_LT(std::abs(w), limit);
      }
      sum_abs += std::abs(w);
      EXPECT_EQ(w, again->parameters()[t].data[k]);
    }
    if (!(t >= 2 && t % 2 == 1)) {
      EXPECT_GT(sum_abs / tensors[t].size(), limit / 4);  // spread, mean |w| = limit/2
    }
  }
  EXPECT_NE(tensors[0].data[0], other->parameters()[0].data[0]);
}

TEST(Models, ParameterCountsAndSummariesFollowTheNotebook) {
  auto bilinear = make_model(ModelConfig::bilinear_defaults(), {}, 4610, 293, 1);
  EXPECT_EQ(bilinear->param_count(), 4610 * 64 + 293 * 64);
  const std::string s = bilinear->summary();
  EXPECT_NE(s.find("user_embedding (Embedding)"), std::string::npos);
  EXPECT_NE(s.find("Total params: 313,792"), std::string::npos) << s;
  auto deep = make_model(ModelConfig::deep_defaults(), {}, 4610, 293, 1);
  EXPECT_EQ(deep->param_count(), 4610 * 32 + 293 * 64 + (96 * 128 + 128) + (128 * 1 + 1));
  const std::string d = deep->summary();
  EXPECT_NE(d.find("mlp (MLP)"), std::string::npos) << d;
  EXPECT_NE(d.find("12,545"), std::string::npos) << d;  // the MLP's parameters
  ModelConfig two = ModelConfig::deep_defaults();
  two.hidden = {128, 64};
  EXPECT_EQ(make_model(two, {}, 10, 5, 1)->param_count(),
            10 * 32 + 5 * 64 + (96 * 128 + 128) + (128 * 64 + 64) + (64 + 1));
}

TEST(Models, InvalidConfigurationsAreUsageErrors) {
  ModelConfig c = ModelConfig::bilinear_defaults();
  c.embedding_dim = 0;
  EXPECT_THROW(make_model(c, {}, 5, 5, 1), UsageError);
  ModelConfig d = ModelConfig::deep_defaults();
  d.dropout = 1.0f;
  EXPECT_THROW(make_model(d, {}, 5, 5, 1), UsageError);
  d = ModelConfig::deep_defaults();
  d.hidden = {0};
  EXPECT_THROW(make_model(d, {}, 5, 5, 1), UsageError);
  OptimizerConfig o;
  o.learning_rate = -1;
  EXPECT_THROW(make_model(ModelConfig::bilinear_defaults(), o, 5, 5, 1), UsageError);
  EXPECT_THROW(make_model(ModelConfig::bilinear_defaults(), {}, 0, 5, 1), UsageError);
}

TEST(Models, OutOfRangeIdsAreUsageErrorsAndChangeNothing) {
  for (const ModelConfig& config : {ModelConfig::bilinear_defaults(), ModelConfig::deep_defaults()}) {
    auto model = make_model(config, {}, 3, 4, 1);
    const float before = model->parameters()[0].data[0];
    const std::int32_t u[] = {0, 3}, p[] = {0, 0}, n[] = {1, 1};
    const std::int32_t bad_neg[] = {1, 4};
    Rng rng(0);
    EXPECT_THROW(model->train_batch(u, p, n, 2, rng), UsageError);
    EXPECT_THROW(model->train_batch(p, p, bad_neg, 2, rng), UsageError);
    EXPECT_EQ(model->parameters()[0].data[0], before);
    std::vector<float> out(4);
    EXPECT_THROW(model->score_items(-1, out.data()), UsageError);
    EXPECT_THROW(model->item_similarities(4, out.data()), UsageError);
  }
}

// score_items (cached item part / item norms, float) against the reference loss (double):
// with the hinge active, loss(u, i, k) - margin = s(u, k) - s(u, i).
void expect_scores_match_reference(Model& model) {
  const float margin = model.config().margin;
  for (std::int32_t u = 0; u < model.n_users(); ++u) {
    std::vector<float> scores(model.n_items());
    model.score_items(u, scores.data());
    for (std::int32_t k = 1; k < model.n_items(); ++k) {
      const std::int32_t i = 0;
      const double diff = reference_loss_and_gradients(model, &u, &i, &k, 1, nullptr) - margin;
      EXPECT_NEAR(scores[k] - scores[0], diff, 1e-5) << "user " << u << " item " << k;
      EXPECT_FLOAT_EQ(model.score(u, k), scores[k]);
    }
  }
}

TEST(Models, ScoresAgreeWithTheReferenceAndFollowTraining) {
  ModelConfig bilinear = tiny_bilinear(Similarity::Cosine);
  bilinear.l2 = 0;
  bilinear.margin = 50;
  auto b = make_model(bilinear, {}, 3, 6, 1);
  expect_scores_match_reference(*b);
  ModelConfig deep = tiny_deep({8, 4});
  deep.l2 = 0;
  deep.margin = 50;
  deep.dropout = 0.2f;  // inference must ignore it
  auto d = make_model(deep, {}, 3, 6, 1);
  // Give the output relu a positive bias so scores are not all clipped to zero.
  d->parameters().back().data[0] = 0.5f;
  d->parameters_changed();
  expect_scores_match_reference(*d);
  // After training the cache must follow the new weights.
  const Batch batch = random_batch(16, 3, 6, 3);
  Rng rng(1);
  for (int r = 0; r < 5; ++r) {
    b->train_batch(batch.users.data(), batch.pos.data(), batch.neg.data(), batch.size(), rng);
    d->train_batch(batch.users.data(), batch.pos.data(), batch.neg.data(), batch.size(), rng);
  }
  expect_scores_match_reference(*b);
  expect_scores_match_reference(*d);
}

TEST(Models, ItemSimilaritiesAreCosinesBetweenItemEmbeddings) {
  auto model = make_model(ModelConfig::deep_defaults(), {}, 5, 7, 2);
  std::vector<float> row0(7), row3(7);
  model->item_similarities(0, row0.data());
  model->item_similarities(3, row3.data());
  EXPECT_NEAR(row0[0], 1.0f, 1e-6);
  EXPECT_NEAR(row3[3], 1.0f, 1e-6);
  EXPECT_NEAR(row0[3], row3[0], 1e-6);
  for (const float s : row0) EXPECT_LE(std::abs(s), 1.0f + 1e-6f);
}

TEST(Models, DropoutMasksComeFromTheGivenRng) {
  ModelConfig config = ModelConfig::deep_defaults();
  const Batch b = random_batch(32, 10, 20, 4);
  auto run = [&](std::uint64_t dropout_seed) {
    auto model = make_model(config, {}, 10, 20, 1);
    Rng rng(dropout_seed);
    model->train_batch(b.users.data(), b.pos.data(), b.neg.data(), b.size(), rng);
    auto kernel = model->parameters()[2];
    return std::vector<float>(kernel.data, kernel.data + kernel.size());
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

TEST(Models, WarmedUpTrainBatchDoesNotAllocate) {
  const ModelFeatures features = tiny_features(100, 50);
  for (const ModelConfig& config :
       {ModelConfig::bilinear_defaults(), ModelConfig::deep_defaults(), ModelConfig::fm_defaults(),
        with_features(ModelConfig::bilinear_defaults()), with_features(ModelConfig::deep_defaults()),
        with_features(ModelConfig::fm_defaults()), with_features(ModelConfig::fm_defaults(), false)}) {
    auto model = make_model(config, {}, 100, 50, 1, config.item_features.empty() ? nullptr : &features);
    const Batch big = random_batch(64, 100, 50, 5), small = random_batch(17, 100, 50, 6);
    Rng rng(2);
    g_allocations = 0;
    g_count_allocations = true;
    model->train_batch(big.users.data(), big.pos.data(), big.neg.data(), big.size(), rng);  // warm-up
    g_count_allocations = false;
    EXPECT_GT(g_allocations.load(), 0) << "the counter sees the warm-up's buffers";
    g_allocations = 0;
    g_count_allocations = true;
    for (int r = 0; r < 3; ++r) {
      model->train_batch(big.users.data(), big.pos.data(), big.neg.data(), big.size(), rng);
      model->train_batch(small.users.data(), small.pos.data(), small.neg.data(), small.size(), rng);
    }
    g_count_allocations = false;
    EXPECT_EQ(g_allocations.load(), 0) << static_cast<int>(config.kind) << " with features: " << !config.item_features.empty();
  }
}

}  // namespace
}  // namespace tripletrec

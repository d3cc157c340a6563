// Limits: the memory budget (sizes checked before any work, the option named with the bytes),
// k and sample bounds, a training that diverges, model files with non-finite weights, test files
// whose users or items training never saw. Every refused call leaves the session as it was.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "tripletrec/error.hpp"
#include "tripletrec/memory_budget.hpp"
#include "tripletrec/session.hpp"
#include "session_fixture.hpp"
#include "test_support.hpp"

using namespace tripletrec;
using namespace tripletrec::testing;

namespace {

template <class F>
MemoryBudgetError budget_error_of(F&& f) {
  try {
    f();
  } catch (const MemoryBudgetError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a MemoryBudgetError";
  return MemoryBudgetError(OptionId::K, "", 0, 0);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(MemoryBudget, SizesAreComputedIn64BitsAndSaturate) {
  ModelConfig deep = ModelConfig::deep_defaults();
  deep.user_dim = deep.item_dim = 32;
  deep.hidden = {65536, 65536};
  // The case: ~4.3e9 weights, which 32-bit arithmetic reported as 4,496,609.
  const std::uint64_t params = model_parameter_count(deep, 3000, 400);
  EXPECT_EQ(params, 3000u * 32 + 400u * 32 + 64u * 65536 + 65536 + 65536ull * 65536 + 65536 + 65536 + 1);
  EXPECT_GT(model_bytes(deep, 3000, 400), params * 12);
  ModelConfig absurd = ModelConfig::bilinear_defaults();
  absurd.embedding_dim = std::numeric_limits<int>::max();
  EXPECT_EQ(model_bytes(absurd, std::numeric_limits<std::int64_t>::max(), 1), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(describe_bytes(1073741824), "1,073,741,824 bytes (1.0 GiB)");
  EXPECT_EQ(describe_bytes(512), "512 bytes");
}

TEST(MemoryBudget, AHugeDeepModelIsRefusedAtCreateModelNamingHidden) {
  Session s;
  ready(s);
  const std::int64_t params_before = s.param_count();
  ModelConfig deep = ModelConfig::deep_defaults();
  deep.user_dim = deep.item_dim = 32;
  deep.hidden = {65536, 65536};
  const MemoryBudgetError e = budget_error_of([&] { s.create_model(deep, OptimizerConfig{}, 1); });
  EXPECT_EQ(e.option, OptionId::Hidden);
  EXPECT_EQ(e.budget, kDefaultMemoryBudget);
  EXPECT_GT(e.bytes_needed, 4294967296ull * 20);
  EXPECT_TRUE(contains(e.what(), "hidden: the model (4,299,369,185 parameters with Adam's moments) needs ")) << e.what();
  EXPECT_TRUE(contains(e.what(), "over the memory budget of 1,073,741,824 bytes (1.0 GiB)")) << e.what();
  // The bilinear model from before is intact.
  EXPECT_TRUE(s.has_model());
  EXPECT_EQ(s.param_count(), params_before);
  EXPECT_GT(s.evaluate(10).users, 0);
}

TEST(MemoryBudget, EachModelOptionIsNamedWhenItIsTheLargeOne) {
  Session s;
  ready(s);
  ModelConfig bilinear = ModelConfig::bilinear_defaults();
  bilinear.embedding_dim = 4096;
  s.set_memory_budget(4u << 20);  // 4 MiB: ~360 users+items x 4096 x 12 bytes does not fit
  EXPECT_EQ(budget_error_of([&] { s.create_model(bilinear, OptimizerConfig{}, 1); }).option, OptionId::EmbeddingDim);
  ModelConfig deep = ModelConfig::deep_defaults();
  deep.user_dim = 4096;
  deep.hidden = {1};
  EXPECT_EQ(budget_error_of([&] { s.create_model(deep, OptimizerConfig{}, 1); }).option, OptionId::UserDim);
}

TEST(MemoryBudget, TrainingActivationsAreCheckedNamingBatchSize) {
  Session s;
  ready(s);
  ModelConfig deep = ModelConfig::deep_defaults();
  deep.hidden = {1024};
  s.create_model(deep, OptimizerConfig{}, 1);  // ~130 k weights: fits
  TrainOptions big_batches;
  big_batches.batch_size = 32768;
  big_batches.epochs = 1;
  const MemoryBudgetError e = budget_error_of([&] { s.train(big_batches); });
  EXPECT_EQ(e.option, OptionId::BatchSize);
  EXPECT_TRUE(contains(e.what(), "batchSize: training with batches of 32,768 triplets (widest layer 1,024) needs "))
      << e.what();
  EXPECT_EQ(budget_error_of([&] { s.begin_training(big_batches); }).option, OptionId::BatchSize);
  // Nothing trained: the model is the fresh one and still evaluates.
  EXPECT_EQ(s.training_progress().triplets, 0);
  EXPECT_TRUE(s.has_model());
  EXPECT_GT(s.evaluate(10).users, 0);
}

// The deep model's scoring cache (the first layer's item part, unit-major and item-major) is part
// of the model's bytes: 8 bytes per item and first-layer unit.
TEST(MemoryBudget, TheDeepModelsScoringCacheCounts) {
  ModelConfig deep = ModelConfig::deep_defaults();  // hidden {128}
  ModelConfig no_hidden = deep;
  no_hidden.hidden = {};
  const std::uint64_t tables_and_dense = model_parameter_count(deep, 5000, 10000);
  EXPECT_GE(model_bytes(deep, 5000, 10000), tables_and_dense * 12 + 10000u * 128 * 8);
  EXPECT_EQ(model_bytes(deep, 5000, 20000) - model_bytes(deep, 5000, 10000),
            10000u * (deep.item_dim * 12 + 4 + 128 * 8));
  EXPECT_EQ(model_bytes(no_hidden, 5000, 20000) - model_bytes(no_hidden, 5000, 10000),
            10000u * (deep.item_dim * 12 + 4 + 1 * 8));
}

// The package's memoryBudget arrives as a JS number: a whole number of bytes in the settable
// range, else an error that names the option as the package spells it.
TEST(MemoryBudget, FromANumberIsAWholeNumberOfBytesInRange) {
  EXPECT_EQ(memory_budget_from_number(1048576.0, "memoryBudget"), kMinMemoryBudget);
  EXPECT_EQ(memory_budget_from_number(1099511627776.0, "memoryBudget"), kMaxMemoryBudget);
  EXPECT_EQ(memory_budget_from_number(3.0 * (1 << 30), "memoryBudget"), 3ull << 30);
  for (const double bad : {1048575.0, 1048576.5, 1099511627777.0, -1.0, std::nan(""),
                           std::numeric_limits<double>::infinity()}) {
    try {
      memory_budget_from_number(bad, "memoryBudget");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const UsageError& e) {
      EXPECT_TRUE(contains(e.what(), "memoryBudget: expected a whole number of bytes in [1,048,576, "
                                     "1,099,511,627,776], got ")) << e.what();
    }
  }
  try {
    memory_budget_from_number(1048576.5, "memoryBudget");
    ADD_FAILURE() << "accepted 1048576.5";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "memoryBudget: expected a whole number of bytes in [1,048,576, 1,099,511,627,776], got 1048576.5");
  }
}

TEST(MemoryBudget, EachThreadsBuffersCount) {
  ModelConfig deep = ModelConfig::deep_defaults();
  TrainOptions one, four;
  four.threads = 4;
  const std::uint64_t workspace = training_workspace_bytes(deep, one, 5000, 300);
  // Deep defaults, batch 64: 128 lanes of activations, the dense gradients, the row slots.
  EXPECT_GT(workspace, 128u * (deep.user_dim + deep.item_dim) * 4);
  // On several threads, each also has its copy of the MLP (96 x 128 + 128 + 128 + 1 weights, 24
  // bytes each) and of the 300 x 64 item table (16 bytes per weight).
  const std::uint64_t threaded = training_workspace_bytes(deep, four, 5000, 300);
  EXPECT_EQ(threaded - workspace, 24u * (96 * 128 + 128 + 128 + 1) + 16u * 300 * 64);
  // A large item table trains shared: no copy.
  EXPECT_EQ(training_workspace_bytes(deep, four, 5000, 3000) - training_workspace_bytes(deep, one, 5000, 3000),
            24u * (96 * 128 + 128 + 128 + 1));
  EXPECT_EQ(training_bytes(deep, four, 100000, 5000, 300) - training_bytes(deep, one, 100000, 5000, 300),
            4 * threaded - workspace);
  EXPECT_EQ(evaluation_bytes(deep, 5000, 300, 10, 3) - evaluation_bytes(deep, 5000, 300, 10, 1),
            2 * evaluation_thread_bytes(deep, 300));
  EXPECT_GE(evaluation_thread_bytes(deep, 300), 300u * 22);
}

TEST(MemoryBudget, ThreadsThatWouldNotFitAreNamed) {
  TRIPLETREC_REQUIRE_THREADS();  // a build without threads gives every training one workspace
  Session s;
  ready(s);
  ModelConfig deep = ModelConfig::deep_defaults();
  deep.hidden = {1024};
  s.create_model(deep, OptimizerConfig{}, 1);
  TrainOptions many;
  many.epochs = 1;
  many.batch_size = 1024;
  many.threads = 64;
  const Dataset& data = s.dataset();
  TrainOptions two = many;
  two.threads = 2;
  // Room for the model and two threads' buffers (on several threads each has its copy of the MLP),
  // not for 64.
  const std::uint64_t budget = model_bytes(deep, data.n_users, data.n_items) +
                               training_bytes(deep, two, static_cast<std::int64_t>(s.train_positives().size()),
                                              data.n_users, data.n_items);
  ASSERT_GE(budget, kMinMemoryBudget);
  s.set_memory_budget(budget);
  const MemoryBudgetError e = budget_error_of([&] { s.train(many); });
  EXPECT_EQ(e.option, OptionId::Threads);
  EXPECT_TRUE(contains(e.what(), "threads: training on 64 threads (each with its own buffers of ")) << e.what();
  EXPECT_EQ(s.training_progress().triplets, 0);
  // Two threads fit.
  many.threads = 2;
  EXPECT_EQ(s.train(many).epochs_completed, 1);
}

TEST(MemoryBudget, TheBudgetIsASettingWithARange) {
  Session s;
  EXPECT_EQ(s.memory_budget(), kDefaultMemoryBudget);
  s.set_memory_budget(std::uint64_t{8} << 30);
  EXPECT_EQ(s.memory_budget(), std::uint64_t{8} << 30);
  EXPECT_EQ(usage_error_of([&] { s.set_memory_budget(1000); }),
            "memory budget: expected a number of bytes in [1,048,576, 1,099,511,627,776], got 1,000");
  EXPECT_EQ(s.memory_budget(), std::uint64_t{8} << 30);
}

TEST(Limits, KIsBoundedAndCountsInTheBudget) {
  Session s;
  ready(s);
  const std::int32_t items = s.dataset().n_items;
  EXPECT_EQ(s.evaluate(items + 5).k, items + 5);  // lists shorter than k: capped at the candidates
  // The evaluate(2**31 - 1): out of k's range, refused before any work.
  EXPECT_EQ(usage_error_of([&] { s.evaluate(std::numeric_limits<int>::max()); }),
            "k: expected an integer in [1, 10000], got 2147483647");
  // The ideal-DCG table of k ranks counts in the evaluation's bytes.
  ModelConfig config = ModelConfig::bilinear_defaults();
  EXPECT_EQ(evaluation_bytes(config, 50, 100, 10000) - evaluation_bytes(config, 50, 100, 0), 10000u * 8);
  EXPECT_TRUE(s.has_model());
}

TEST(Limits, AHugeSampleIsRefusedAtOnce) {
  Session s;
  s.load_sample(small_sample());
  const std::size_t rows = s.ratings().size();
  // The largest sample the option ranges allow (the 1,000,000 x 100,000 is beyond them).
  SampleOptions huge;
  huge.users = 100000;
  huge.items = 20000;
  const MemoryBudgetError e = budget_error_of([&] { s.load_sample(huge); });
  EXPECT_EQ(e.option, OptionId::SampleUsers);
  EXPECT_TRUE(contains(e.what(), "users: the sample's users x items is 2,000,000,000, over the limit of 1,073,741,824"))
      << e.what();
  // Many users with few items passes the work bound but not a small memory budget.
  SampleOptions many;
  many.users = 100000;
  many.items = 1000;
  many.ratings_per_user = 200;
  s.set_memory_budget(256u << 20);
  EXPECT_TRUE(contains(budget_error_of([&] { s.load_sample(many); }).what(), "users: the sample (100,000 users) needs"));
  EXPECT_EQ(s.ratings().size(), rows);
}

namespace {
// The session's model with the learning rate in its file set to `rate`, loaded back: model files
// are the one way to an extreme learning rate that the option ranges would refuse.
void load_with_learning_rate(Session& s, float rate) {
  std::vector<std::uint8_t> bytes = s.save_model();
  std::uint32_t hidden_layers;
  std::memcpy(&hidden_layers, bytes.data() + 28, 4);  // after magic, version, kind and 4 sizes
  std::memcpy(bytes.data() + 32 + 4 * hidden_layers + 12, &rate, 4);  // after dropout, margin, l2
  s.load_model(bytes.data(), bytes.size(), "fast.ttrm");
}
}  // namespace

TEST(Limits, ADivergingTrainingStopsWithAClearErrorAndDropsTheModel) {
  Session s;
  ready(s);
  load_with_learning_rate(s, 1e30f);
  TrainOptions t;
  t.epochs = 3;
  const std::string message = usage_error_of([&] { s.train(t); });
  EXPECT_TRUE(contains(message, "training diverged in epoch 1")) << message;
  EXPECT_TRUE(contains(message, "the learning rate is too large")) << message;
  EXPECT_FALSE(s.has_model());
  // The prepared data is intact: a sensible model trains and evaluates to a number.
  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 1);
  t.epochs = 1;
  s.train(t);
  EXPECT_TRUE(std::isfinite(s.evaluate(10).auc));

  // The same through the stepped training the package uses.
  load_with_learning_rate(s, 1e30f);
  s.begin_training(t);
  EXPECT_TRUE(contains(usage_error_of([&] { while (s.train_step(16)) {} }), "training diverged"));
  EXPECT_FALSE(s.has_model());
}

TEST(Limits, AModelFileWithNonFiniteWeightsIsRefused) {
  Session s;
  ready(s);
  std::vector<std::uint8_t> bytes = s.save_model();
  const std::int64_t params = s.param_count();
  for (const float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<std::uint8_t> damaged = bytes;
    std::memcpy(damaged.data() + damaged.size() - 8, &bad, 4);  // the second-to-last weight
    try {
      s.load_model(damaged.data(), damaged.size(), "model.ttrm");
      ADD_FAILURE() << "expected a ParseError";
    } catch (const ParseError& e) {
      EXPECT_EQ(e.column, damaged.size() - 8 + 1);
      EXPECT_TRUE(contains(e.what(), std::string("expected finite weights, found ") +
                                         (std::isnan(bad) ? "NaN" : "infinity") + " at index "))
          << e.what();
    }
  }
  EXPECT_EQ(s.param_count(), params);
  s.load_model(bytes.data(), bytes.size(), "model.ttrm");  // the undamaged file still loads
}

namespace {
// Users 1..3 and items 10..12 train; the test file adds user 9 and item 99.
constexpr const char* kTrain = "user_id,anime_id,rating\n1,10,9\n1,11,8\n2,10,9\n2,12,9\n3,11,9\n3,12,8\n";
constexpr const char* kTestWithStrangers = "user_id,anime_id,rating\n1,12,9\n9,10,9\n9,11,8\n2,99,9\n";
constexpr const char* kTestOnlyStrangers = "user_id,anime_id,rating\n7,10,2\n8,99,3\n";

PrepareOptions keep_everything() {
  PrepareOptions p;
  p.preprocess.min_popularity = 0;
  p.preprocess.max_user_id = -1;
  return p;
}
}  // namespace

TEST(Limits, TestRowsUnknownToTrainingAreCounted) {
  Session s;
  s.load_ratings(kTrain, "train.csv");
  s.load_test_ratings(kTestWithStrangers, "test.csv");
  s.prepare(keep_everything());
  const PreparedStats stats = s.prepared_stats();
  EXPECT_EQ(stats.test_rows, 4);
  EXPECT_EQ(stats.unknown_test_rows, 3);   // 9,10  9,11  2,99
  EXPECT_EQ(stats.unknown_test_users, 1);  // 9
  EXPECT_EQ(stats.unknown_test_items, 1);  // 99
}

TEST(Limits, NoEvaluableTestUserIsAnErrorNotNaN) {
  Session s;
  s.load_ratings(kTrain, "train.csv");
  s.load_test_ratings(kTestOnlyStrangers, "test.csv");  // and no test rating is a positive
  s.prepare(keep_everything());
  EXPECT_EQ(s.prepared_stats().unknown_test_users, 2);
  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 1);
  const std::string message = usage_error_of([&] { s.evaluate(1); });
  EXPECT_EQ(message,
            "evaluate: no test user can be evaluated: none has a test positive (rating >= min_positive) that is "
            "not also a train positive (0 test positives; 2 test users and 1 test items are unknown to training)");
  EXPECT_TRUE(s.has_model());
}

// Threads: the pool, Hogwild training on several threads (every positive trained once per epoch,
// the result close to one thread's), and the cases that stay on one thread. The AUC of 1 against 2 threads on the real data is in
// test_real_data.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "session_fixture.hpp"
#include "test_support.hpp"
#include "tripletrec/options.hpp"
#include "tripletrec/session.hpp"
#include "tripletrec/thread_pool.hpp"

using namespace tripletrec;
using tripletrec::testing::ready;
using tripletrec::testing::sample_prepare;
using tripletrec::testing::small_sample;

namespace {

TrainOptions on_threads(int threads, int epochs = 3) {
  TrainOptions o;
  o.epochs = epochs;
  o.threads = threads;
  return o;
}

}  // namespace

TEST(ThreadPool, RunsEveryPartOnceAndRethrowsAPartsError) {
  ThreadPool pool(3);
  ASSERT_GE(pool.size(), 1);
  std::vector<std::atomic<int>> runs(static_cast<std::size_t>(pool.size()));
  for (int round = 0; round < 50; ++round) {
    auto count = [&](int i) { runs[static_cast<std::size_t>(i)].fetch_add(1); };
    pool.run(pool.size(), count);
  }
  for (auto& r : runs) EXPECT_EQ(r.load(), 50);
  auto fail_last = [&](int i) {
    if (i == pool.size() - 1) throw std::runtime_error("part failed");
  };
  EXPECT_THROW(pool.run(pool.size(), fail_last), std::runtime_error);
  auto nothing = [](int) {};
  pool.run(pool.size(), nothing);  // still usable after an error
}

TEST(Threads, TheOptionDefaultsToTheHardwareAndABareTrainOptionsToOne) {
  EXPECT_EQ(option_default(OptionId::Threads).number, hardware_threads());
  EXPECT_EQ(TrainOptions::defaults_for(ModelKind::Deep).threads, hardware_threads());
  EXPECT_EQ(TrainOptions{}.threads, 1);
  EXPECT_THROW(check_train_options(on_threads(0)), OptionError);
  EXPECT_THROW(check_train_options(on_threads(257)), OptionError);
}

TEST(Threads, TwoThreadsTrainEveryPositiveOncePerEpochAndReportTwo) {
  TRIPLETREC_REQUIRE_THREADS();
  for (const ModelConfig& config : {ModelConfig::bilinear_defaults(), ModelConfig::deep_defaults()}) {
    Session s;
    s.load_sample(SampleOptions{});  // learns within 3 epochs (the small one does not, on any thread)
    s.prepare(sample_prepare());
    s.create_model(config, OptimizerConfig{}, 1);
    const double untrained = s.evaluate().auc;
    const TrainResult r = s.train(on_threads(2));
    EXPECT_EQ(r.threads, 2);
    EXPECT_EQ(r.triplets, 3 * static_cast<std::int64_t>(s.train_positives().size()));
    EXPECT_EQ(r.epochs_completed, 3);
    // It learns (bilinear, measured: 0.496 untrained, 0.755 on 1 thread, 0.760 on 2).
    EXPECT_GT(s.evaluate().auc, untrained + 0.05) << "untrained " << untrained;
  }
}

TEST(Threads, SteppedTrainingOnTwoThreadsStopsAtEachEpochsEnd) {
  TRIPLETREC_REQUIRE_THREADS();
  Session s;
  ready(s);
  s.begin_training(on_threads(2, 2));
  EXPECT_EQ(s.training_progress().threads, 2);
  std::size_t epochs_seen = 0;
  while (s.train_step(1000000)) {
    const Progress& p = s.training_progress();
    EXPECT_EQ(p.epoch_losses.size(), ++epochs_seen);  // one call never crosses an epoch's end
    EXPECT_EQ(p.batch, 0);
  }
  EXPECT_EQ(s.training_progress().epoch_losses.size(), 2u);
  s.end_training();
}

// The bilinear model's threads train copies of a small item table (the sample's 400 items) and
// write them back every few batches and at the end of every step: what a caller evaluates after a
// step has every thread's item updates.
TEST(Threads, EachStepOnTwoThreadsReachesTheSharedItemTable) {
  TRIPLETREC_REQUIRE_THREADS();
  Session s;
  ready(s);
  auto item_table = [&] {
    for (const Tensor& t : s.model().parameters())
      if (t.name == "item_embedding") return std::vector<float>(t.data, t.data + t.size());
    ADD_FAILURE() << "no item_embedding";
    return std::vector<float>{};
  };
  ASSERT_LE(s.dataset().n_items, 1024);  // small enough for the copies (IdReplica::kMaxRows)
  s.begin_training(on_threads(2, 1));
  ASSERT_EQ(s.training_progress().threads, 2);
  const std::vector<float> before = item_table();
  s.train_step(2);  // one batch per thread: far fewer than a sync's 32
  const std::vector<float> after = item_table();
  std::size_t changed = 0;
  for (std::size_t i = 0; i < before.size(); ++i) changed += before[i] != after[i];
  // Two batches of 64 triplets touch at most 256 item rows of 64 floats, and at least a few.
  EXPECT_GT(changed, 64u * 10);
  s.end_training();
}

// The deep model's threads train copies of the MLP and of a small item table, and add their
// changes to the shared ones every few batches and at the end of every step: what a caller
// evaluates after a step has them.
TEST(Threads, EachStepOnTwoThreadsReachesTheSharedMlpAndItemTable) {
  TRIPLETREC_REQUIRE_THREADS();
  Session s;
  s.load_sample(small_sample());
  s.prepare(sample_prepare());
  s.create_model(ModelConfig::deep_defaults(), OptimizerConfig{}, 1);
  ASSERT_LE(s.dataset().n_items, 1024);  // small enough for the copies (IdReplica::kMaxRows)
  auto weights = [&](bool mlp) {
    std::vector<float> out;
    for (const Tensor& t : s.model().parameters()) {
      const bool dense = t.name.find("/kernel") != std::string::npos || t.name.find("/bias") != std::string::npos;
      if (mlp ? dense : t.name == "item_embedding") out.insert(out.end(), t.data, t.data + t.size());
    }
    return out;
  };
  auto changed = [](const std::vector<float>& before, const std::vector<float>& after) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < before.size(); ++i) n += before[i] != after[i];
    return n;
  };
  s.begin_training(on_threads(2, 1));
  ASSERT_EQ(s.training_progress().threads, 2);
  const std::vector<float> mlp_before = weights(true), items_before = weights(false);
  ASSERT_GT(mlp_before.size(), 96u * 128u);  // the 96 x 128 kernel, its bias and the output layer
  ASSERT_FALSE(items_before.empty());
  s.train_step(2);  // one batch per thread: fewer than a sync's kMlpSyncBatches
  // Adam moves every weight whose gradient is not zero; dropout and relu leave some at zero.
  EXPECT_GT(changed(mlp_before, weights(true)), mlp_before.size() / 2);
  // Two batches of 64 triplets touch at most 256 item rows of 64 floats, and at least a few.
  EXPECT_GT(changed(items_before, weights(false)), 64u * 10);
  s.end_training();
}

TEST(Threads, KerasExactTrainingStaysOnOneThread) {
  Session s;
  s.load_sample(small_sample());
  s.prepare(sample_prepare());
  OptimizerConfig exact;
  exact.keras_exact = true;
  s.create_model(ModelConfig::bilinear_defaults(), exact, 1);
  EXPECT_EQ(s.train(on_threads(2, 1)).threads, 1);
}

TEST(Threads, OneThreadIsReproducibleBitForBit) {
  auto auc_after = [](int threads) {
    Session s;
    ready(s);
    s.train(on_threads(threads));
    return s.evaluate().auc;
  };
  EXPECT_EQ(auc_after(1), auc_after(1));
}

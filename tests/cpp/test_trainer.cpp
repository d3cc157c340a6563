// The training loop: learning a planted problem, progress, stepping, cancellation, options,
// and the throughput at the anime data set's scale.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <vector>

#include "fake_model.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/trainer.hpp"

namespace tripletrec {
namespace {

using testing::make_test_positives;

// Two taste groups: users 0..19 like items 0..9, users 20..39 like items 10..19. Each user's
// train positives are 5 of the 10 items of their group; the other 5 are held out.
struct Planted {
  Positives train;
  std::vector<std::vector<std::int32_t>> held_out;  // per user
};

Planted planted_problem() {
  Planted p;
  Rng rng(77);
  std::vector<std::pair<std::int32_t, std::int32_t>> pairs;
  p.held_out.resize(40);
  for (std::int32_t u = 0; u < 40; ++u) {
    std::vector<std::int32_t> group;
    for (std::int32_t i = 0; i < 10; ++i) group.push_back(u < 20 ? i : 10 + i);
    shuffle(group, rng);
    for (int k = 0; k < 10; ++k) {
      if (k < 5)
        pairs.emplace_back(u, group[k]);
      else
        p.held_out[u].push_back(group[k]);
    }
  }
  p.train = make_test_positives(40, 20, pairs);
  return p;
}

// Fraction of (held-out in-group item, out-of-group item) pairs ranked correctly, over users.
double held_out_ranking(const Model& model, const Planted& p) {
  double correct = 0, total = 0;
  std::vector<float> scores(20);
  for (std::int32_t u = 0; u < 40; ++u) {
    model.score_items(u, scores.data());
    for (const std::int32_t good : p.held_out[u])
      for (std::int32_t bad = 0; bad < 20; ++bad) {
        if ((bad < 10) == (u < 20)) continue;
        correct += scores[good] > scores[bad] ? 1.0 : scores[good] == scores[bad] ? 0.5 : 0.0;
        total += 1;
      }
  }
  return correct / total;
}

void expect_learns_planted_problem(ModelConfig config, double min_ranking) {
  const Planted p = planted_problem();
  auto model = make_model(config, {}, 40, 20, 3);
  const double before = held_out_ranking(*model, p);
  TrainOptions options;
  options.epochs = 30;
  options.batch_size = 16;
  const TrainResult result = train(*model, p.train, options);
  ASSERT_EQ(result.epoch_losses.size(), 30u);
  const double after = held_out_ranking(*model, p);
  std::printf("planted problem: ranking %.3f -> %.3f, loss %.3f -> %.3f\n", before, after,
              result.epoch_losses.front(), result.epoch_losses.back());
  EXPECT_LT(result.epoch_losses.back(), 0.6 * result.epoch_losses.front());
  EXPECT_GT(after, min_ranking);
  EXPECT_LT(before, 0.75);  // it was not solved by the initialisation
}

TEST(Trainer, BilinearLearnsAPlantedProblem) {
  ModelConfig config = ModelConfig::bilinear_defaults();
  config.embedding_dim = 16;
  expect_learns_planted_problem(config, 0.95);
}

TEST(Trainer, DeepLearnsAPlantedProblem) {
  ModelConfig config = ModelConfig::deep_defaults();
  config.user_dim = 8;
  config.item_dim = 8;
  config.hidden = {32};
  expect_learns_planted_problem(config, 0.95);
}

TEST(Trainer, ProgressCountsAreConsistentWhileStepping) {
  const Planted p = planted_problem();  // 200 positives
  auto model = make_model(ModelConfig::bilinear_defaults(), {}, 40, 20, 1);
  TrainOptions options;
  options.epochs = 3;
  options.batch_size = 64;  // 4 batches: 64, 64, 64, 8
  Trainer trainer(*model, p.train, options);
  EXPECT_EQ(trainer.progress().batches_per_epoch, 4);
  EXPECT_EQ(trainer.progress().epochs, 3);
  std::int64_t steps = 0;
  double last_elapsed = 0;
  while (trainer.step(1)) {
    ++steps;
    const Progress& pr = trainer.progress();
    EXPECT_EQ(pr.triplets, pr.epoch * 200 + std::min<std::int64_t>(pr.batch * 64, 200));
    EXPECT_EQ(static_cast<int>(pr.epoch_losses.size()), pr.epoch);
    EXPECT_GE(pr.elapsed_seconds, last_elapsed);
    last_elapsed = pr.elapsed_seconds;
    if (pr.batch > 0) {
      EXPECT_GT(pr.loss, 0.0);
    }
  }
  EXPECT_EQ(steps + 1, 12);  // the last step reports the end
  EXPECT_TRUE(trainer.finished());
  EXPECT_FALSE(trainer.step(5));
  EXPECT_EQ(trainer.progress().triplets, 600);
  EXPECT_EQ(trainer.progress().epoch, 3);
  EXPECT_EQ(trainer.progress().epoch_losses.size(), 3u);
  EXPECT_DOUBLE_EQ(trainer.progress().loss, trainer.progress().epoch_losses.back());
}

TEST(Trainer, StepRunsAtMostTheRequestedBatches) {
  const Planted p = planted_problem();
  auto model = make_model(ModelConfig::bilinear_defaults(), {}, 40, 20, 1);
  TrainOptions options;
  options.epochs = 2;
  options.batch_size = 30;  // 7 batches per epoch
  Trainer trainer(*model, p.train, options);
  EXPECT_TRUE(trainer.step(5));
  EXPECT_EQ(trainer.progress().batch, 5);
  EXPECT_TRUE(trainer.step(5));  // crosses into epoch 1
  EXPECT_EQ(trainer.progress().epoch, 1);
  EXPECT_EQ(trainer.progress().batch, 3);
  EXPECT_FALSE(trainer.step(100));
  EXPECT_EQ(trainer.progress().triplets, 400);
}

TEST(Trainer, SameSeedGivesTheSameModel) {
  const Planted p = planted_problem();
  auto run = [&](std::uint64_t seed) {
    auto model = make_model(ModelConfig::deep_defaults(), {}, 40, 20, 1);
    TrainOptions options;
    options.epochs = 2;
    options.seed = seed;
    train(*model, p.train, options);
    auto t = model->parameters()[0];
    return std::vector<float>(t.data, t.data + t.size());
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

TEST(Trainer, CancelStopsAfterTheCurrentBatch) {
  const Planted p = planted_problem();
  auto model = make_model(ModelConfig::bilinear_defaults(), {}, 40, 20, 1);
  TrainOptions options;
  options.epochs = 5;
  options.batch_size = 10;
  std::atomic<bool> cancel{false};
  int calls = 0;
  const TrainResult r = train(*model, p.train, options, [&](const Progress&) {
    if (++calls == 7) cancel = true;
    return true;
  }, &cancel);
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(r.triplets, 70);
  EXPECT_EQ(r.epochs_completed, 0);

  int calls2 = 0;
  const TrainResult r2 = train(*model, p.train, options, [&](const Progress& pr) {
    ++calls2;
    return pr.epoch < 1 || pr.batch < 3;  // stop at epoch 1, batch 3
  });
  EXPECT_TRUE(r2.cancelled);
  EXPECT_EQ(r2.triplets, 230);
  EXPECT_EQ(r2.epochs_completed, 1);
  EXPECT_EQ(calls2, 23);

  const TrainResult full = train(*model, p.train, options, [](const Progress&) { return true; });
  EXPECT_FALSE(full.cancelled);
  EXPECT_EQ(full.epochs_completed, 5);
  EXPECT_EQ(full.triplets, 1000);
  EXPECT_GT(full.triplets_per_second, 0.0);
}

TEST(Trainer, InvalidOptionsAreUsageErrors) {
  const Planted p = planted_problem();
  auto model = make_model(ModelConfig::bilinear_defaults(), {}, 40, 20, 1);
  TrainOptions bad;
  bad.epochs = 0;
  EXPECT_THROW(Trainer(*model, p.train, bad), UsageError);
  bad = TrainOptions{};
  bad.batch_size = 0;
  EXPECT_THROW(train(*model, p.train, bad), UsageError);
  bad = TrainOptions{};
  bad.negatives = NegativeSampling::Hard;
  bad.hard_candidates = 0;
  EXPECT_THROW(train(*model, p.train, bad), UsageError);
  EXPECT_THROW(train(*model, make_test_positives(40, 20, {}), TrainOptions{}), UsageError);
  auto small = make_model(ModelConfig::bilinear_defaults(), {}, 10, 20, 1);
  EXPECT_THROW(train(*small, p.train, TrainOptions{}), UsageError);  // users beyond the model
}

}  // namespace
}  // namespace tripletrec

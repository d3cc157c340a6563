// Negative sampling of the trainer, seen through a model that records the triplets it gets.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "fake_model.hpp"
#include "tripletrec/trainer.hpp"

namespace tripletrec {
namespace {

using testing::make_test_positives;
using testing::TableModel;

// Scores item i as i for every user, and records every triplet it is trained on.
class RecordingModel : public TableModel {
 public:
  RecordingModel(std::int32_t n_users, std::int32_t n_items)
      : TableModel(n_users, n_items, increasing_scores(n_users, n_items)) {}
  float train_batch(TrainingWorkspace&, const std::int32_t* u, const std::int32_t* p, const std::int32_t* n, int count,
                    Rng&) override {
    batches.push_back(count);
    for (int t = 0; t < count; ++t) triplets.emplace_back(u[t], p[t], n[t]);
    return 1.0f;
  }
  std::vector<std::tuple<std::int32_t, std::int32_t, std::int32_t>> triplets;
  std::vector<int> batches;

 private:
  static std::vector<float> increasing_scores(std::int32_t n_users, std::int32_t n_items) {
    std::vector<float> s;
    for (std::int32_t u = 0; u < n_users; ++u)
      for (std::int32_t i = 0; i < n_items; ++i) s.push_back(static_cast<float>(i));
    return s;
  }
};

// n_users users with `per_user` positives each, drawn with a fixed seed.
Positives random_positives(std::int32_t n_users, std::int32_t n_items, int per_user, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::pair<std::int32_t, std::int32_t>> pairs;
  for (std::int32_t u = 0; u < n_users; ++u)
    for (int k = 0; k < per_user; ++k) pairs.emplace_back(u, static_cast<std::int32_t>(rng.below(n_items)));
  return make_test_positives(n_users, n_items, pairs);
}

RecordingModel run(const Positives& positives, NegativeSampling sampling, int epochs = 1, std::uint64_t seed = 42) {
  RecordingModel model(positives.n_users, positives.n_items);
  TrainOptions options;
  options.epochs = epochs;
  options.negatives = sampling;
  options.seed = seed;
  train(model, positives, options);
  return model;
}

TEST(Sampler, UniformNegativesCoverAllItemsEvenlyAndAreNotFiltered) {
  // 10 items, 20,000 negatives: chi-square with 9 degrees of freedom, 99.9% quantile 27.88.
  const Positives positives = random_positives(200, 10, 100, 1);
  const RecordingModel model = run(positives, NegativeSampling::Uniform);
  std::vector<int> counts(10, 0);
  int negatives_that_are_positives = 0;
  for (const auto& [u, p, n] : model.triplets) {
    ++counts[n];
    negatives_that_are_positives += positives.contains(u, n);
  }
  const double expected = model.triplets.size() / 10.0;
  double chi2 = 0;
  for (const int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 27.88);
  // The notebook does not filter: a user's own positives come up as negatives too.
  EXPECT_GT(negatives_that_are_positives, 1000);
}

TEST(Sampler, UniformUnseenNeverReturnsATrainPositiveAndCoversTheRest) {
  // User 0 has every item (no unseen one: falls back to uniform), user 1 all but two (the
  // enumeration fallback after rejections), the others a few.
  std::vector<std::pair<std::int32_t, std::int32_t>> pairs;
  for (std::int32_t i = 0; i < 50; ++i) pairs.emplace_back(0, i);
  for (std::int32_t i = 0; i < 50; ++i)
    if (i != 7 && i != 41) pairs.emplace_back(1, i);
  Rng rng(3);
  for (std::int32_t u = 2; u < 40; ++u)
    for (int k = 0; k < 20; ++k) pairs.emplace_back(u, static_cast<std::int32_t>(rng.below(50)));
  const Positives positives = make_test_positives(40, 50, pairs);
  const RecordingModel model = run(positives, NegativeSampling::UniformUnseen, 3);
  std::set<std::int32_t> user1_negatives;
  for (const auto& [u, p, n] : model.triplets) {
    ASSERT_GE(n, 0);
    ASSERT_LT(n, 50);
    if (u == 0) continue;
    EXPECT_FALSE(positives.contains(u, n)) << "user " << u << " item " << n;
    if (u == 1) user1_negatives.insert(n);
  }
  EXPECT_EQ(user1_negatives, (std::set<std::int32_t>{7, 41}));
}

TEST(Sampler, HardNegativesPreferHighScoringItems) {
  // Scores are the item ids. The best of 10 uniform draws over 100 items has mean about
  // 100 * 10/11 - 0.5 = 90.4; uniform draws have mean 49.5.
  const Positives positives = random_positives(50, 100, 20, 2);
  const RecordingModel hard = run(positives, NegativeSampling::Hard);
  const RecordingModel uniform = run(positives, NegativeSampling::Uniform);
  auto mean_negative = [](const RecordingModel& m) {
    double sum = 0;
    for (const auto& [u, p, n] : m.triplets) sum += n;
    return sum / m.triplets.size();
  };
  EXPECT_NEAR(mean_negative(hard), 90.4, 1.5);
  EXPECT_NEAR(mean_negative(uniform), 49.5, 1.5);
}

TEST(Sampler, EachEpochIsAFreshShuffleOfAllPositives) {
  const Positives positives = random_positives(30, 20, 10, 4);
  const RecordingModel model = run(positives, NegativeSampling::Uniform, 2);
  const std::size_t n = positives.size();
  ASSERT_EQ(model.triplets.size(), 2 * n);
  std::multiset<std::pair<std::int32_t, std::int32_t>> expected, epoch0, epoch1;
  for (std::size_t k = 0; k < n; ++k) expected.emplace(positives.user[k], positives.item[k]);
  std::size_t same_position = 0, same_negative = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto& [u0, p0, n0] = model.triplets[k];
    const auto& [u1, p1, n1] = model.triplets[n + k];
    epoch0.emplace(u0, p0);
    epoch1.emplace(u1, p1);
    same_position += u0 == u1 && p0 == p1;
    same_negative += n0 == n1;
  }
  EXPECT_EQ(epoch0, expected);
  EXPECT_EQ(epoch1, expected);
  EXPECT_LT(same_position, n / 10);      // reshuffled
  EXPECT_LT(same_negative, n / 20 * 3);  // resampled (1/20 agree by chance)
}

TEST(Sampler, SameSeedSameTripletsOtherSeedOthers) {
  const Positives positives = random_positives(10, 15, 8, 5);
  EXPECT_EQ(run(positives, NegativeSampling::UniformUnseen, 2, 7).triplets,
            run(positives, NegativeSampling::UniformUnseen, 2, 7).triplets);
  EXPECT_NE(run(positives, NegativeSampling::UniformUnseen, 2, 7).triplets,
            run(positives, NegativeSampling::UniformUnseen, 2, 8).triplets);
}

}  // namespace
}  // namespace tripletrec

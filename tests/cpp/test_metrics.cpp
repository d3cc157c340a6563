// ROC AUC against the pairwise definition, evaluate() against a brute-force evaluation, and the
// ranking metrics against examples worked out by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "fake_model.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/metrics.hpp"

using namespace tripletrec;
using tripletrec::testing::make_test_positives;
using tripletrec::testing::TableModel;

namespace {

// The definition: the fraction of (positive, negative) pairs ordered correctly, ties 1/2. O(n^2).
double pairwise_auc(const std::vector<float>& scores, const std::vector<std::uint8_t>& labels) {
  double correct = 0, pairs = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (!labels[i]) continue;
    for (std::size_t j = 0; j < scores.size(); ++j) {
      if (labels[j]) continue;
      pairs += 1;
      correct += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
    }
  }
  return pairs == 0 ? std::nan("") : correct / pairs;
}

// Uniform integer in [0, n) from a fully specified engine (same numbers in every library).
std::uint32_t draw(std::mt19937& gen, std::uint32_t n) { return gen() % n; }

}  // namespace

TEST(RocAuc, MatchesScikitLearnExample) {
  // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
  const float scores[] = {0.1f, 0.4f, 0.35f, 0.8f};
  const std::uint8_t labels[] = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(roc_auc(scores, labels, 4), 0.75);
}

TEST(RocAuc, PerfectReversedAndAllTied) {
  const float rising[] = {1, 2, 3, 4};
  const float tied[] = {7, 7, 7, 7};
  const std::uint8_t labels[] = {0, 0, 1, 1};
  EXPECT_DOUBLE_EQ(roc_auc(rising, labels, 4), 1.0);
  const std::uint8_t reversed_labels[] = {1, 1, 0, 0};
  EXPECT_DOUBLE_EQ(roc_auc(rising, reversed_labels, 4), 0.0);
  EXPECT_DOUBLE_EQ(roc_auc(tied, labels, 4), 0.5);
}

TEST(RocAuc, NaNWithoutBothClasses) {
  const float scores[] = {0.3f, 0.1f, 0.2f};
  const std::uint8_t all_negative[] = {0, 0, 0};
  const std::uint8_t all_positive[] = {1, 1, 1};
  EXPECT_TRUE(std::isnan(roc_auc(scores, all_negative, 3)));
  EXPECT_TRUE(std::isnan(roc_auc(scores, all_positive, 3)));
  EXPECT_TRUE(std::isnan(roc_auc(scores, all_positive, 0)));
}

TEST(RocAuc, MatchesPairwiseDefinitionOnRandomVectorsWithTies) {
  std::mt19937 gen(12345);
  int compared = 0;
  for (int trial = 0; trial < 600; ++trial) {
    const std::size_t n = 1 + draw(gen, 120);
    // Few distinct values make heavy ties; many make almost none.
    const std::uint32_t distinct = trial % 3 == 0 ? 2 : trial % 3 == 1 ? 6 : 100000;
    std::vector<float> scores(n);
    std::vector<std::uint8_t> labels(n);
    const std::uint32_t positive_percent = 5 + draw(gen, 90);
    for (std::size_t i = 0; i < n; ++i) {
      scores[i] = static_cast<float>(draw(gen, distinct)) * 0.25f - 3.0f;
      labels[i] = draw(gen, 100) < positive_percent;
    }
    const double expected = pairwise_auc(scores, labels);
    const double actual = roc_auc(scores.data(), labels.data(), n);
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(actual)) << "trial " << trial;
    } else {
      EXPECT_NEAR(actual, expected, 1e-12) << "trial " << trial << " n " << n;
      ++compared;
    }
  }
  EXPECT_GT(compared, 500);  // most trials have both classes
}

TEST(RocAuc, NegativeZeroTiesWithPositiveZero) {
  const float scores[] = {-0.0f, 0.0f};
  const std::uint8_t labels[] = {1, 0};
  EXPECT_DOUBLE_EQ(roc_auc(scores, labels, 2), 0.5);
}

namespace {

struct BruteForce {
  double auc = 0, precision = 0, recall = 0, map = 0, ndcg = 0;
  int users = 0;
};

// Straight from the definitions, one user at a time, with explicit candidate lists.
BruteForce brute_force_evaluate(const Model& model, const Positives& train, const Positives& test,
                                int k) {
  BruteForce out;
  std::vector<float> all(static_cast<std::size_t>(model.n_items()));
  for (std::int32_t u = 0; u < model.n_users(); ++u) {
    model.score_items(u, all.data());
    std::vector<std::int32_t> candidates;
    for (std::int32_t i = 0; i < model.n_items(); ++i)
      if (!train.contains(u, i)) candidates.push_back(i);
    std::vector<float> scores;
    std::vector<std::uint8_t> labels;
    int n_relevant = 0;
    for (std::int32_t i : candidates) {
      scores.push_back(all[i]);
      labels.push_back(test.contains(u, i));
      n_relevant += labels.back();
    }
    const double auc = pairwise_auc(scores, labels);
    if (std::isnan(auc)) continue;
    out.auc += auc;
    ++out.users;
    std::vector<std::int32_t> ranked = candidates;  // best first, ties by item id
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](std::int32_t a, std::int32_t b) { return all[a] > all[b]; });
    const int top = std::min<int>(k, static_cast<int>(ranked.size()));
    double hits = 0, ap = 0, dcg = 0, idcg = 0;
    for (int r = 0; r < top; ++r) {
      if (r < n_relevant) idcg += 1.0 / std::log2(r + 2.0);
      if (!test.contains(u, ranked[r])) continue;
      hits += 1;
      ap += hits / (r + 1);
      dcg += 1.0 / std::log2(r + 2.0);
    }
    out.precision += hits / top;
    out.recall += hits / n_relevant;
    out.map += ap / std::min(top, n_relevant);
    out.ndcg += dcg / idcg;
  }
  out.auc /= out.users;
  out.precision /= out.users;
  out.recall /= out.users;
  out.map /= out.users;
  out.ndcg /= out.users;
  return out;
}

}  // namespace

TEST(Evaluate, MatchesBruteForceOnRandomModels) {
  std::mt19937 gen(777);
  for (int trial = 0; trial < 24; ++trial) {
    // The last trials have many items and dense test sets: users with ~100-200 test positives,
    // more than 8 log2(candidates) (<= 72 here), take evaluate()'s sorting path, not counting.
    const bool dense = trial >= 20;
    const std::int32_t n_users = 5 + static_cast<std::int32_t>(draw(gen, dense ? 10 : 40));
    const std::int32_t n_items = dense ? 200 + static_cast<std::int32_t>(draw(gen, 200))
                                       : 3 + static_cast<std::int32_t>(draw(gen, 60));
    const std::uint32_t test_percent = dense ? 50 : 10;
    std::vector<float> table(static_cast<std::size_t>(n_users) * n_items);
    const std::uint32_t distinct = trial % 2 ? 4 : 1000;  // with and without heavy ties
    for (float& s : table) s = static_cast<float>(draw(gen, distinct)) / 7.0f;
    std::vector<std::pair<std::int32_t, std::int32_t>> train_pairs, test_pairs;
    for (std::int32_t u = 0; u < n_users; ++u)
      for (std::int32_t i = 0; i < n_items; ++i) {
        const std::uint32_t r = draw(gen, 100);
        if (r < 15) train_pairs.emplace_back(u, i);
        else if (r < 15 + test_percent) test_pairs.emplace_back(u, i);
        else if (r < 17 + test_percent) {  // a pair in both sets: must not count as a test label
          train_pairs.emplace_back(u, i);
          test_pairs.emplace_back(u, i);
        }
      }
    // One user whose every item is a train positive (no candidates), kept as a corner case.
    for (std::int32_t i = 0; i < n_items; ++i) train_pairs.emplace_back(0, i);
    const Positives train = make_test_positives(n_users, n_items, train_pairs);
    const Positives test = make_test_positives(n_users, n_items, test_pairs);
    const TableModel model(n_users, n_items, table);
    for (int k : {1, 5, 10, 100}) {
      const Evaluation got = evaluate(model, train, test, k);
      const BruteForce want = brute_force_evaluate(model, train, test, k);
      ASSERT_EQ(got.users, want.users) << "trial " << trial;
      ASSERT_GT(got.users, 0);
      EXPECT_EQ(got.k, k);
      EXPECT_NEAR(got.auc, want.auc, 1e-12) << "trial " << trial;
      EXPECT_NEAR(got.precision_at_k, want.precision, 1e-12) << "trial " << trial << " k " << k;
      EXPECT_NEAR(got.recall_at_k, want.recall, 1e-12) << "trial " << trial << " k " << k;
      EXPECT_NEAR(got.map_at_k, want.map, 1e-12) << "trial " << trial << " k " << k;
      EXPECT_NEAR(got.ndcg_at_k, want.ndcg, 1e-12) << "trial " << trial << " k " << k;
    }
  }
}

TEST(Evaluate, RankingMetricsOnAHandWorkedExample) {
  // One user, 6 items scored 0.9, 0.8, 0.7, 0.6, 0.5, 0.4 (item 0 best). Item 1 is a train
  // positive (excluded). Test positives: items 2 and 5.
  // Candidates best first: 0, 2, 3, 4, 5 -> relevant at ranks 2 and 5.
  // k = 3: hits 1 (rank 2). P@3 = 1/3. R@3 = 1/2. AP@3 = (1/2) / min(3, 2) = 1/4.
  // NDCG@3 = (1/log2 3) / (1 + 1/log2 3).
  // AUC: positives {2: 0.7, 5: 0.4}, negatives {0: 0.9, 3: 0.6, 4: 0.5}:
  //   item 2 beats 3 and 4 (2 pairs), item 5 beats none -> 2/6.
  const TableModel model(1, 6, {0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f});
  const Positives train = make_test_positives(1, 6, {{0, 1}});
  const Positives test = make_test_positives(1, 6, {{0, 2}, {0, 5}});
  const Evaluation e = evaluate(model, train, test, 3);
  EXPECT_EQ(e.users, 1);
  EXPECT_DOUBLE_EQ(e.auc, 2.0 / 6.0);
  EXPECT_DOUBLE_EQ(e.precision_at_k, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(e.recall_at_k, 0.5);
  EXPECT_DOUBLE_EQ(e.map_at_k, 0.25);
  const double g = 1.0 / std::log2(3.0);
  EXPECT_DOUBLE_EQ(e.ndcg_at_k, g / (1.0 + g));

  // k = 5 covers all candidates: P@5 = 2/5, R@5 = 1, AP@5 = (1/2 + 2/5) / 2,
  // NDCG@5 = (1/log2 3 + 1/log2 6) / (1 + 1/log2 3).
  const Evaluation e5 = evaluate(model, train, test, 5);
  EXPECT_DOUBLE_EQ(e5.precision_at_k, 0.4);
  EXPECT_DOUBLE_EQ(e5.recall_at_k, 1.0);
  EXPECT_DOUBLE_EQ(e5.map_at_k, (0.5 + 0.4) / 2);
  EXPECT_DOUBLE_EQ(e5.ndcg_at_k, (g + 1.0 / std::log2(6.0)) / (1.0 + g));
}

TEST(Evaluate, SkipsUsersWithoutTestPositivesOrWithoutNegatives) {
  // User 0: no test positive. User 1: every candidate is a test positive (no negative).
  // User 2: a normal user ranked perfectly.
  const TableModel model(3, 3, {1, 2, 3, 1, 2, 3, 3, 2, 1});
  const Positives train = make_test_positives(3, 3, {{0, 0}, {1, 0}});
  const Positives test = make_test_positives(3, 3, {{1, 1}, {1, 2}, {2, 0}});
  const Evaluation e = evaluate(model, train, test, 1);
  EXPECT_EQ(e.users, 1);
  EXPECT_DOUBLE_EQ(e.auc, 1.0);
  EXPECT_DOUBLE_EQ(e.precision_at_k, 1.0);
}

TEST(Evaluate, CountsUserZeroAndItemZero) {
  // The notebook's loop starts at id 1; ours must not. Only user 0 / item 0 carry signal here.
  const TableModel model(2, 3, {5, 1, 0, 0, 0, 0});
  const Positives train = make_test_positives(2, 3, {});
  const Positives test = make_test_positives(2, 3, {{0, 0}});
  const Evaluation e = evaluate(model, train, test, 1);
  EXPECT_EQ(e.users, 1);
  EXPECT_DOUBLE_EQ(e.auc, 1.0);
}

TEST(Evaluate, NaNWhenNoUserQualifiesAndRejectsBadArguments) {
  const TableModel model(2, 3, std::vector<float>(6, 0.f));
  const Positives none = make_test_positives(2, 3, {});
  const Evaluation e = evaluate(model, none, none, 10);
  EXPECT_EQ(e.users, 0);
  EXPECT_TRUE(std::isnan(e.auc));
  EXPECT_THROW(evaluate(model, none, none, 0), UsageError);
  const Positives other_shape = make_test_positives(3, 3, {});
  EXPECT_THROW(evaluate(model, other_shape, none, 10), UsageError);
}

TEST(Evaluate, AnimeScaleRandomScoresGiveChanceAuc) {
  // The anime subset's shape: 4,610 users x 293 items, ~18 train and ~5 test positives per user.
  const std::int32_t n_users = 4610, n_items = 293;
  std::mt19937 gen(5);
  std::vector<float> table(static_cast<std::size_t>(n_users) * n_items);
  for (float& s : table) s = static_cast<float>(gen()) / 4294967296.0f;
  std::vector<std::pair<std::int32_t, std::int32_t>> train_pairs, test_pairs;
  for (std::int32_t u = 0; u < n_users; ++u)
    for (std::int32_t i = 0; i < n_items; ++i) {
      const std::uint32_t r = draw(gen, 1000);
      if (r < 60) train_pairs.emplace_back(u, i);
      else if (r < 77) test_pairs.emplace_back(u, i);
    }
  const TableModel model(n_users, n_items, table);
  const Positives train = make_test_positives(n_users, n_items, train_pairs);
  const Positives test = make_test_positives(n_users, n_items, test_pairs);
  // (Its speed is measured by `npm run bench`, not asserted here.)
  const Evaluation e = evaluate(model, train, test, 10);
  EXPECT_NEAR(e.auc, 0.5, 0.02);  // random scores
}

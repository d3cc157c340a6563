// The popularity baseline: its AUC and ranking metrics against a brute-force computation from the
// definitions, against evaluate() of a model that scores by the same counts, and by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "fake_model.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/metrics.hpp"
#include "tripletrec/popularity_baseline.hpp"

using namespace tripletrec;
using tripletrec::testing::make_test_positives;
using tripletrec::testing::TableModel;

namespace {

using Pairs = std::vector<std::pair<std::int32_t, std::int32_t>>;

// Popularity straight from the pair list: distinct users per item.
std::vector<double> brute_force_popularity(std::int32_t n_items, const Pairs& train_pairs) {
  std::vector<std::set<std::int32_t>> users(static_cast<std::size_t>(n_items));
  for (auto [u, i] : train_pairs) users[i].insert(u);
  std::vector<double> count;
  for (const auto& s : users) count.push_back(static_cast<double>(s.size()));
  return count;
}

struct Expected {
  double auc = 0, precision = 0, recall = 0, map = 0, ndcg = 0;
  int users = 0;
};

// For each user: every (test positive, other candidate) pair, ties 1/2; the top k by sorting the
// candidates (popularity descending, then item id).
Expected brute_force(std::int32_t n_users, std::int32_t n_items, const Pairs& train_pairs,
                     const Pairs& test_pairs, int k) {
  const std::vector<double> popularity = brute_force_popularity(n_items, train_pairs);
  const std::set<std::pair<std::int32_t, std::int32_t>> train(train_pairs.begin(), train_pairs.end());
  const std::set<std::pair<std::int32_t, std::int32_t>> test(test_pairs.begin(), test_pairs.end());
  Expected out;
  for (std::int32_t u = 0; u < n_users; ++u) {
    std::vector<std::int32_t> liked, others;
    for (std::int32_t i = 0; i < n_items; ++i) {
      if (train.count({u, i})) continue;
      (test.count({u, i}) ? liked : others).push_back(i);
    }
    if (liked.empty() || others.empty()) continue;
    double correct = 0;
    for (std::int32_t p : liked)
      for (std::int32_t q : others)
        correct += popularity[p] > popularity[q] ? 1.0 : popularity[p] == popularity[q] ? 0.5 : 0.0;
    out.auc += correct / (static_cast<double>(liked.size()) * static_cast<double>(others.size()));

    std::vector<std::int32_t> ranked = liked;
    ranked.insert(ranked.end(), others.begin(), others.end());
    std::sort(ranked.begin(), ranked.end(), [&](std::int32_t a, std::int32_t b) {
      return popularity[a] != popularity[b] ? popularity[a] > popularity[b] : a < b;
    });
    const int n_relevant = static_cast<int>(liked.size());
    const int top = std::min<int>(k, static_cast<int>(ranked.size()));
    double hits = 0, ap = 0, dcg = 0, idcg = 0;
    for (int r = 0; r < top; ++r) {
      if (r < n_relevant) idcg += 1.0 / std::log2(r + 2.0);
      if (!test.count({u, ranked[r]})) continue;
      hits += 1;
      ap += hits / (r + 1);
      dcg += 1.0 / std::log2(r + 2.0);
    }
    out.precision += hits / top;
    out.recall += hits / n_relevant;
    out.map += ap / std::min(top, n_relevant);
    out.ndcg += dcg / idcg;
    ++out.users;
  }
  out.auc /= out.users;
  out.precision /= out.users;
  out.recall /= out.users;
  out.map /= out.users;
  out.ndcg /= out.users;
  return out;
}

}  // namespace

TEST(PopularityBaseline, CountsDistinctUsersPerItem) {
  const Positives train = make_test_positives(3, 4, {{0, 1}, {0, 1}, {1, 1}, {2, 3}, {0, 3}, {2, 1}});
  EXPECT_EQ(item_popularity(train), (std::vector<float>{0, 3, 0, 2}));
}

TEST(PopularityBaseline, MatchesBruteForceOnRandomData) {
  std::mt19937 gen(2024);
  for (int trial = 0; trial < 30; ++trial) {
    const std::int32_t n_users = 3 + static_cast<std::int32_t>(gen() % 40);
    const std::int32_t n_items = 2 + static_cast<std::int32_t>(gen() % (trial < 20 ? 30 : 300));
    // Skewed item appeal, so popularity carries signal and counts tie often.
    std::vector<std::uint32_t> appeal(static_cast<std::size_t>(n_items));
    for (auto& a : appeal) a = 5 + gen() % 40;
    Pairs train_pairs, test_pairs;
    for (std::int32_t u = 0; u < n_users; ++u)
      for (std::int32_t i = 0; i < n_items; ++i) {
        const std::uint32_t r = gen() % 100;
        if (r < appeal[i] / 2) train_pairs.emplace_back(u, i);
        else if (r < appeal[i] / 2 + appeal[i] / 4) test_pairs.emplace_back(u, i);
        else if (r < appeal[i] / 2 + appeal[i] / 4 + 2) {  // in both: not a test label
          train_pairs.emplace_back(u, i);
          test_pairs.emplace_back(u, i);
        }
      }
    const Positives train = make_test_positives(n_users, n_items, train_pairs);
    const Positives test = make_test_positives(n_users, n_items, test_pairs);
    for (int k : {1, 3, 10, 1000}) {
      const Evaluation got = evaluate_popularity(train, test, k);
      const Expected want = brute_force(n_users, n_items, train_pairs, test_pairs, k);
      ASSERT_EQ(got.users, want.users) << "trial " << trial;
      if (want.users == 0) {
        EXPECT_TRUE(std::isnan(got.auc));
        continue;
      }
      EXPECT_EQ(got.k, k);
      EXPECT_NEAR(got.auc, want.auc, 1e-12) << "trial " << trial;
      EXPECT_NEAR(got.precision_at_k, want.precision, 1e-12) << "trial " << trial << " k " << k;
      EXPECT_NEAR(got.recall_at_k, want.recall, 1e-12) << "trial " << trial << " k " << k;
      EXPECT_NEAR(got.map_at_k, want.map, 1e-12) << "trial " << trial << " k " << k;
      EXPECT_NEAR(got.ndcg_at_k, want.ndcg, 1e-12) << "trial " << trial << " k " << k;
    }
  }
}

TEST(PopularityBaseline, EqualsTheModelEvaluationOfTheSameScores) {
  // A model that gives every user the popularity counts as scores must evaluate identically.
  std::mt19937 gen(7);
  const std::int32_t n_users = 60, n_items = 45;
  Pairs train_pairs, test_pairs;
  for (std::int32_t u = 0; u < n_users; ++u)
    for (std::int32_t i = 0; i < n_items; ++i) {
      const std::uint32_t r = gen() % 100;
      if (r < static_cast<std::uint32_t>(i % 9) * 3) train_pairs.emplace_back(u, i);
      else if (r > 90) test_pairs.emplace_back(u, i);
    }
  const Positives train = make_test_positives(n_users, n_items, train_pairs);
  const Positives test = make_test_positives(n_users, n_items, test_pairs);
  const std::vector<float> popularity = item_popularity(train);
  std::vector<float> table;
  for (std::int32_t u = 0; u < n_users; ++u) table.insert(table.end(), popularity.begin(), popularity.end());
  const TableModel model(n_users, n_items, table);
  for (int k : {1, 10}) {
    const Evaluation want = evaluate(model, train, test, k);
    const Evaluation got = evaluate_popularity(train, test, k);
    ASSERT_GT(want.users, 0);
    EXPECT_EQ(got.users, want.users);
    EXPECT_NEAR(got.auc, want.auc, 1e-12);
    EXPECT_NEAR(got.precision_at_k, want.precision_at_k, 1e-12);
    EXPECT_NEAR(got.recall_at_k, want.recall_at_k, 1e-12);
    EXPECT_NEAR(got.map_at_k, want.map_at_k, 1e-12);
    EXPECT_NEAR(got.ndcg_at_k, want.ndcg_at_k, 1e-12);
  }
}

TEST(PopularityBaseline, HandWorkedExample) {
  // Train: item 0 liked by users 0, 1, 2; item 1 by users 1, 2; item 2 by user 2; item 3 by none.
  // User 0 (train: item 0): candidates 1 (pop 2), 2 (pop 1), 3 (pop 0); test positive: item 2.
  //   AUC: item 2 beats item 3, loses to item 1 -> 1/2. Top 1 = item 1: P@1 = 0, R@1 = 0.
  //   Top 2 = items 1, 2: P@2 = 1/2, R@2 = 1, AP@2 = (1/2) / 1, NDCG@2 = (1/log2 3) / 1.
  // Users 1 and 2 have no test positive and are not evaluated.
  const Positives train = make_test_positives(3, 4, {{0, 0}, {1, 0}, {2, 0}, {1, 1}, {2, 1}, {2, 2}});
  const Positives test = make_test_positives(3, 4, {{0, 2}});
  const Evaluation e1 = evaluate_popularity(train, test, 1);
  EXPECT_EQ(e1.users, 1);
  EXPECT_DOUBLE_EQ(e1.auc, 0.5);
  EXPECT_DOUBLE_EQ(e1.precision_at_k, 0.0);
  EXPECT_DOUBLE_EQ(e1.recall_at_k, 0.0);
  const Evaluation e2 = evaluate_popularity(train, test, 2);
  EXPECT_DOUBLE_EQ(e2.precision_at_k, 0.5);
  EXPECT_DOUBLE_EQ(e2.recall_at_k, 1.0);
  EXPECT_DOUBLE_EQ(e2.map_at_k, 0.5);
  EXPECT_DOUBLE_EQ(e2.ndcg_at_k, 1.0 / std::log2(3.0));
}

TEST(PopularityBaseline, RejectsBadArgumentsAndIsNaNWithoutUsers) {
  const Positives none = make_test_positives(2, 3, {});
  EXPECT_TRUE(std::isnan(evaluate_popularity(none, none, 10).auc));
  EXPECT_THROW(evaluate_popularity(none, none, 0), UsageError);
  EXPECT_THROW(evaluate_popularity(make_test_positives(3, 3, {}), none, 10), UsageError);
}

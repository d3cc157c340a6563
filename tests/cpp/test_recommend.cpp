// Top-k recommendations, similar items and the popularity baseline on models with known scores.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "fake_model.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/recommend.hpp"

using namespace tripletrec;
using tripletrec::testing::make_test_positives;
using tripletrec::testing::TableModel;

namespace {

// A table model whose item-item similarities are a second table.
class SimilarityTableModel : public TableModel {
 public:
  SimilarityTableModel(std::int32_t n_items, std::vector<float> similarities)
      : TableModel(1, n_items, std::vector<float>(static_cast<std::size_t>(n_items), 0.f)),
        similarities_(std::move(similarities)) {}
  void item_similarities(std::int32_t item, float* out) const override {
    for (std::int32_t i = 0; i < n_items(); ++i) out[i] = similarities_[static_cast<std::size_t>(item) * n_items() + i];
  }

 private:
  std::vector<float> similarities_;
};

std::vector<std::int32_t> items_of(const std::vector<Scored>& list) {
  std::vector<std::int32_t> out;
  for (const Scored& s : list) out.push_back(s.item);
  return out;
}

}  // namespace

TEST(Recommend, BestFirstExcludingTrainPositives) {
  // Scores for items 0..5; the user's train positives are 1 and 4 (the two best).
  const TableModel model(1, 6, {0.3f, 0.9f, 0.5f, 0.1f, 0.8f, 0.5f});
  const Positives train = make_test_positives(1, 6, {{0, 1}, {0, 4}});
  const auto top = recommend(model, 0, 3, &train);
  // 0.5 ties between items 2 and 5: the lower id first.
  EXPECT_EQ(items_of(top), (std::vector<std::int32_t>{2, 5, 0}));
  EXPECT_FLOAT_EQ(top[0].score, 0.5f);
  EXPECT_FLOAT_EQ(top[2].score, 0.3f);
  // Without exclusion the train positives come first.
  EXPECT_EQ(items_of(recommend(model, 0, 2, nullptr)), (std::vector<std::int32_t>{1, 4}));
  // k beyond the candidates returns all of them; k = 0 returns none.
  EXPECT_EQ(recommend(model, 0, 100, &train).size(), 4u);
  EXPECT_TRUE(recommend(model, 0, 0, &train).empty());
}

TEST(Recommend, MatchesFullSortOnRandomScores) {
  std::mt19937 gen(99);
  const std::int32_t n_users = 30, n_items = 80;
  std::vector<float> table(static_cast<std::size_t>(n_users) * n_items);
  for (float& s : table) s = static_cast<float>(gen() % 20);  // many ties
  std::vector<std::pair<std::int32_t, std::int32_t>> pairs;
  for (std::int32_t u = 0; u < n_users; ++u)
    for (std::int32_t i = 0; i < n_items; ++i)
      if (gen() % 4 == 0) pairs.emplace_back(u, i);
  const Positives train = make_test_positives(n_users, n_items, pairs);
  const TableModel model(n_users, n_items, table);
  for (std::int32_t u = 0; u < n_users; ++u) {
    std::vector<std::int32_t> expected;
    for (std::int32_t i = 0; i < n_items; ++i)
      if (!train.contains(u, i)) expected.push_back(i);
    std::stable_sort(expected.begin(), expected.end(), [&](std::int32_t a, std::int32_t b) {
      return table[u * n_items + a] > table[u * n_items + b];
    });
    expected.resize(10);
    EXPECT_EQ(items_of(recommend(model, u, 10, &train)), expected) << "user " << u;
  }
}

TEST(Recommend, RejectsBadArguments) {
  const TableModel model(2, 3, std::vector<float>(6, 0.f));
  EXPECT_THROW(recommend(model, 2, 1, nullptr), UsageError);
  EXPECT_THROW(recommend(model, -1, 1, nullptr), UsageError);
  EXPECT_THROW(recommend(model, 0, -1, nullptr), UsageError);
  const Positives wrong_shape = make_test_positives(2, 4, {});
  EXPECT_THROW(recommend(model, 0, 1, &wrong_shape), UsageError);
}

TEST(SimilarItems, ClosestFirstWithoutTheItemItself) {
  // Row 1 of the similarity table: item 1 is most similar to itself, then 3, then 0.
  const SimilarityTableModel model(4, {1, 0, 0, 0,  //
                                       0.2f, 1, -0.5f, 0.7f,  //
                                       0, 0, 1, 0,  //
                                       0, 0, 0, 1});
  const auto similar = similar_items(model, 1, 2);
  EXPECT_EQ(items_of(similar), (std::vector<std::int32_t>{3, 0}));
  EXPECT_FLOAT_EQ(similar[0].score, 0.7f);
  EXPECT_EQ(similar_items(model, 1, 10).size(), 3u);
  EXPECT_THROW(similar_items(model, 4, 2), UsageError);
}

TEST(PopularItems, CountsTrainPositivesAndCanExcludeTheUsersOwn) {
  // Item 2 liked by 3 users, item 0 by 2, item 1 by 1, item 3 by none.
  const Positives train = make_test_positives(3, 4, {{0, 2}, {1, 2}, {2, 2}, {0, 0}, {1, 0}, {2, 1}});
  const auto overall = popular_items(train, 0, 3, false);
  EXPECT_EQ(items_of(overall), (std::vector<std::int32_t>{2, 0, 1}));
  EXPECT_FLOAT_EQ(overall[0].score, 3.f);
  EXPECT_FLOAT_EQ(overall[1].score, 2.f);
  // User 0 already likes 2 and 0.
  EXPECT_EQ(items_of(popular_items(train, 0, 3, true)), (std::vector<std::int32_t>{1, 3}));
  EXPECT_THROW(popular_items(train, 3, 3, true), UsageError);
}

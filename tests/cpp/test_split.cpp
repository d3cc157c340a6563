// Train/test split and implicit-feedback positives.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "tripletrec/error.hpp"
#include "tripletrec/split.hpp"

namespace tripletrec {
namespace {

void expect_partition(const Split& s, std::size_t n) {
  EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
  EXPECT_TRUE(std::is_sorted(s.test.begin(), s.test.end()));
  std::vector<std::uint32_t> all = s.train;
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  std::vector<std::uint32_t> expected(n);
  std::iota(expected.begin(), expected.end(), 0u);
  EXPECT_EQ(all, expected);  // disjoint and covering: every row exactly once
}

TEST(RandomSplit, ExactSizeDisjointCoveringSorted) {
  for (std::size_t n : {0u, 1u, 2u, 7u, 10u, 101u, 5000u})
    for (double fraction : {0.0, 0.1, 0.2, 0.25, 0.5, 0.999, 1.0}) {
      const Split s = random_split(n, fraction, 42);
      EXPECT_EQ(s.test.size(), static_cast<std::size_t>(std::llround(n * fraction)))
          << n << " " << fraction;
      expect_partition(s, n);
    }
  EXPECT_EQ(random_split(10, 0.25, 1).test.size(), 3u);  // 2.5 rounds half away from zero
  EXPECT_EQ(random_split(7, 0.2, 1).test.size(), 1u);    // 1.4
}

TEST(RandomSplit, ReproducibleForASeedDifferentForAnother) {
  const Split a = random_split(1000, 0.2, 42), b = random_split(1000, 0.2, 42);
  const Split c = random_split(1000, 0.2, 43);
  EXPECT_EQ(a.test, b.test);
  EXPECT_EQ(a.train, b.train);
  EXPECT_NE(a.test, c.test);
}

TEST(RandomSplit, EveryRowEquallyLikelyToBeInTest) {
  // 10 rows, 3 in test, 3000 seeds: each row is in test ~900 times (binomial sd ~25).
  std::vector<int> in_test(10, 0);
  for (std::uint64_t seed = 0; seed < 3000; ++seed)
    for (std::uint32_t r : random_split(10, 0.3, seed).test) ++in_test[r];
  for (int count : in_test) {
    EXPECT_GT(count, 900 - 125);
    EXPECT_LT(count, 900 + 125);
  }
}

TEST(RandomSplit, FractionOutOfRangeIsAUsageError) {
  for (double bad : {-0.1, 1.5, std::numeric_limits<double>::quiet_NaN()})
    EXPECT_THROW(random_split(10, bad, 1), UsageError) << bad;
}

Dataset small_dataset() {
  Dataset d;
  d.n_users = 3;
  d.n_items = 4;
  d.user = {0, 0, 1, 0, 2, 1, 2};
  d.item = {1, 2, 1, 1, 3, 0, 2};
  d.rating = {9, 5, 8, 10, 8, 7.5f, 7.99f};
  d.in_test_file = {0, 0, 0, 0, 0, 0, 0};
  return d;
}

TEST(Positives, PairsInRowOrderAndSortedUniqueCsr) {
  const Dataset d = small_dataset();
  const std::vector<std::uint32_t> rows = {0, 1, 2, 3, 4, 5, 6};
  const Positives p = make_positives(d, rows, 8);  // rows 0, 2, 3, 4 have rating >= 8
  EXPECT_EQ(p.n_users, 3);
  EXPECT_EQ(p.n_items, 4);
  EXPECT_EQ(p.user, (std::vector<std::int32_t>{0, 1, 0, 2}));
  EXPECT_EQ(p.item, (std::vector<std::int32_t>{1, 1, 1, 3}));
  EXPECT_EQ(p.offsets, (std::vector<std::uint32_t>{0, 1, 2, 3}));  // (0,1) twice -> once
  EXPECT_EQ(p.items, (std::vector<std::int32_t>{1, 1, 3}));
  EXPECT_TRUE(p.contains(0, 1));
  EXPECT_FALSE(p.contains(0, 2));  // rating 5
  EXPECT_FALSE(p.contains(2, 2));  // 7.99 < 8
  EXPECT_TRUE(p.contains(2, 3));
  EXPECT_FALSE(p.contains(3, 0));   // no such user
  EXPECT_FALSE(p.contains(-1, 0));
}

TEST(Positives, ThresholdIsInclusiveAndRowSubsetsKeepTheirOrder) {
  const Dataset d = small_dataset();
  const Positives p = make_positives(d, {5, 4, 2}, 7.5f);
  EXPECT_EQ(p.user, (std::vector<std::int32_t>{1, 2, 1}));
  EXPECT_EQ(p.item, (std::vector<std::int32_t>{0, 3, 1}));
  EXPECT_EQ(p.offsets, (std::vector<std::uint32_t>{0, 0, 2, 3}));
  EXPECT_EQ(p.items, (std::vector<std::int32_t>{0, 1, 3}));  // user 1's items sorted
  EXPECT_FALSE(p.contains(0, 1));  // row 0 not in the subset
  EXPECT_EQ(p.end_of(1) - p.begin_of(1), 2);
}

TEST(Positives, RowOutOfRangeIsAUsageError) {
  EXPECT_THROW(make_positives(small_dataset(), {0, 7}, 8), UsageError);
}

TEST(SplitByFile, RowsMarkedInTestGoToTest) {
  Dataset d = small_dataset();
  d.in_test_file = {0, 1, 0, 0, 1, 1, 0};
  const Split s = split_by_file(d);
  EXPECT_EQ(s.train, (std::vector<std::uint32_t>{0, 2, 3, 6}));
  EXPECT_EQ(s.test, (std::vector<std::uint32_t>{1, 4, 5}));
}

}  // namespace
}  // namespace tripletrec

// The notebook's preprocessing on a small hand-made data set (expected counts worked out by hand
// in the comments) and on the real anime data (numbers from /work/shared/data/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "test_support.hpp"
#include "tripletrec/data.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/preprocess.hpp"
#include "tripletrec/split.hpp"

namespace tripletrec {
namespace {

// Catalog order 400, 100, 200, 300, 50 (not the raw-id order, so the two orderings differ).
const char* const kCatalog =
    "anime_id,name,genre,type,episodes,rating,members\n"
    "400,D,,TV,24,8,1\n"
    "100,A,,TV,12,8,1\n"
    "200,B,,Movie,1,8,1\n"
    "300,C,,TV,24,8,1\n"
    "50,E,,TV,1,8,1\n";  // never rated

// Rows r0..r10. Loaded: 11 ratings, users {5,2,9,12000,7} = 5, items {300,100,200,999,400} = 5.
// Merge drops r5 (999 unknown): 10 ratings, 5 users (2 keeps r3 r4), 4 items.
// Popularity on merged rows, -1 and user 12000 included: 300 -> 4 (r0 r3 r6 r8),
// 100 -> 3 (r1 r4 r9), 400 -> 2 (r7 r10), 200 -> 1 (r2).
const std::string kHeader = "user_id,anime_id,rating\n";
const std::string kRowsA =  // r0..r3
    "5,300,9\n"
    "5,100,-1\n"
    "5,200,7\n"
    "2,300,8\n";
const std::string kRowsB =  // r4..r10
    "2,100,6\n"
    "2,999,10\n"
    "9,300,-1\n"
    "9,400,10\n"
    "12000,300,9\n"
    "12000,100,3\n"
    "7,400,5\n";

PreprocessOptions options(std::int64_t min_popularity, std::string type = "TV") {
  PreprocessOptions o;
  o.min_popularity = min_popularity;
  o.item_type = std::move(type);
  return o;  // drop_unrated = true, max_user_id = 10000 (the notebook's)
}

void expect_counts(const Counts& c, std::int64_t users, std::int64_t items, std::int64_t ratings,
                   const char* stage) {
  EXPECT_EQ(c.users, users) << stage;
  EXPECT_EQ(c.items, items) << stage;
  EXPECT_EQ(c.ratings, ratings) << stage;
}

template <class Call>
std::string usage_error(Call&& call) {
  try {
    call();
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UsageError";
  return "";
}

class Preprocess : public ::testing::Test {
 protected:
  RatingsTable ratings = parse_ratings(kHeader + kRowsA + kRowsB, "ratings.csv");
  ItemCatalog catalog = parse_items(kCatalog, "anime.csv");
};

TEST_F(Preprocess, NotebookStepsWithCatalog) {
  // Item filter TV and popularity > 2: 300 (4) and 100 (3) stay; 400 (2) is not > 2, 200 is a
  // Movie. Rows r0 r1 r3 r4 r6 r8 r9: 7 ratings, users {5,2,9,12000} = 4, 2 items.
  // Rating filter drops r1 r6 (-1) and r8 r9 (user 12000): r0 r3 r4, users {5,2}, items {300,100}.
  const Dataset d = preprocess(ratings, nullptr, &catalog, options(2));
  expect_counts(d.report.loaded, 5, 5, 11, "loaded");
  expect_counts(d.report.merged, 5, 4, 10, "merged");
  expect_counts(d.report.item_filter, 4, 2, 7, "item filter");
  expect_counts(d.report.rating_filter, 2, 2, 3, "rating filter");
  // Users by raw id: 2 -> 0, 5 -> 1. Items in catalog order: 100 (row 1) -> 0, 300 (row 3) -> 1.
  EXPECT_EQ(d.n_users, 2);
  EXPECT_EQ(d.n_items, 2);
  EXPECT_EQ(d.user_raw_id, (std::vector<std::int64_t>{2, 5}));
  EXPECT_EQ(d.item_raw_id, (std::vector<std::int64_t>{100, 300}));
  EXPECT_EQ(d.item_catalog_row, (std::vector<std::int32_t>{1, 3}));
  EXPECT_EQ(d.item_popularity, (std::vector<std::int64_t>{3, 4}));
  // File order kept: r0 (5,300,9), r3 (2,300,8), r4 (2,100,6).
  EXPECT_EQ(d.user, (std::vector<std::int32_t>{1, 0, 0}));
  EXPECT_EQ(d.item, (std::vector<std::int32_t>{1, 1, 0}));
  EXPECT_EQ(d.rating, (std::vector<float>{9, 8, 6}));
  EXPECT_EQ(d.in_test_file, (std::vector<std::uint8_t>{0, 0, 0}));
}

TEST_F(Preprocess, ItemsInCatalogOrderWithAnyType) {
  // "any" and popularity > 0 keep 400, 100, 200, 300 (catalog order, unlike raw order 100..400).
  // Rating filter keeps r0 r2 r3 r4 r7 r10: users {2,5,7,9}.
  const Dataset d = preprocess(ratings, nullptr, &catalog, options(0, "any"));
  EXPECT_EQ(d.item_raw_id, (std::vector<std::int64_t>{400, 100, 200, 300}));
  EXPECT_EQ(d.item_catalog_row, (std::vector<std::int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(d.user_raw_id, (std::vector<std::int64_t>{2, 5, 7, 9}));
  expect_counts(d.report.rating_filter, 4, 4, 6, "rating filter");
}

TEST_F(Preprocess, WithoutCatalogTypeIgnoredAndItemsByRawId) {
  // No merge: 11 rows stay, 999 counts (popularity 1). Popularity > 1 keeps 300 (4), 100 (3),
  // 400 (2): rows r0 r1 r3 r4 r6 r7 r8 r9 r10 = 9, users {5,2,9,12000,7}, 3 items.
  // Rating filter drops r1 r6 r8 r9: r0 r3 r4 r7 r10, users {2,5,7,9}, items {100,300,400}.
  const Dataset d = preprocess(ratings, nullptr, nullptr, options(1, "Movie"));
  expect_counts(d.report.loaded, 5, 5, 11, "loaded");
  expect_counts(d.report.merged, 5, 5, 11, "merged");
  expect_counts(d.report.item_filter, 5, 3, 9, "item filter");
  expect_counts(d.report.rating_filter, 4, 3, 5, "rating filter");
  EXPECT_EQ(d.item_raw_id, (std::vector<std::int64_t>{100, 300, 400}));
  EXPECT_EQ(d.item_catalog_row, (std::vector<std::int32_t>{-1, -1, -1}));
  EXPECT_EQ(d.user_raw_id, (std::vector<std::int64_t>{2, 5, 7, 9}));
  // r0 (5,300) r3 (2,300) r4 (2,100) r7 (9,400) r10 (7,400)
  EXPECT_EQ(d.user, (std::vector<std::int32_t>{1, 0, 0, 3, 2}));
  EXPECT_EQ(d.item, (std::vector<std::int32_t>{1, 1, 0, 2, 2}));
}

TEST_F(Preprocess, KeepingUnratedRowsAndAllUsers) {
  // Item filter as in NotebookSteps (7 rows); no rating filter: all 7 stay, users {2,5,9,12000}.
  PreprocessOptions o = options(2);
  o.drop_unrated = false;
  o.max_user_id = -1;
  const Dataset d = preprocess(ratings, nullptr, &catalog, o);
  expect_counts(d.report.rating_filter, 4, 2, 7, "rating filter");
  EXPECT_EQ(d.user_raw_id, (std::vector<std::int64_t>{2, 5, 9, 12000}));
  EXPECT_EQ(std::count(d.rating.begin(), d.rating.end(), -1.0f), 2);
}

TEST_F(Preprocess, GivenTestFileIsPreprocessedTogetherAndMarked) {
  // train = r0..r3, test = r4..r10. Popularity counts both: 100 has 1 row in train alone
  // (r1) but 3 in all, so it stays with popularity > 2. Final rows r0 r3 (train), r4 (test).
  const RatingsTable train = parse_ratings(kHeader + kRowsA, "train.csv");
  const RatingsTable test = parse_ratings(kHeader + kRowsB, "test.csv");
  const Dataset d = preprocess(train, &test, &catalog, options(2));
  expect_counts(d.report.loaded, 5, 5, 11, "loaded");
  expect_counts(d.report.rating_filter, 2, 2, 3, "rating filter");
  EXPECT_EQ(d.item_popularity, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(d.rating, (std::vector<float>{9, 8, 6}));
  EXPECT_EQ(d.in_test_file, (std::vector<std::uint8_t>{0, 0, 1}));
  const Split split = split_by_file(d);
  EXPECT_EQ(split.train, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(split.test, (std::vector<std::uint32_t>{2}));
}

TEST_F(Preprocess, NothingLeftGivesAHelpfulUsageError) {
  std::string message = usage_error([&] { preprocess(ratings, nullptr, &catalog, options(100)); });
  EXPECT_NE(message.find("no ratings left after preprocessing"), std::string::npos) << message;
  EXPECT_NE(message.find("the most popular has 4"), std::string::npos) << message;
  EXPECT_NE(message.find("try a lower popularity threshold"), std::string::npos) << message;

  message = usage_error([&] { preprocess(ratings, nullptr, &catalog, options(0, "OVA")); });
  EXPECT_NE(message.find("types present: 'Movie', 'TV'"), std::string::npos) << message;

  const ItemCatalog other = parse_items("anime_id,name\n1,x\n2,y\n", "other.csv");
  message = usage_error([&] { preprocess(ratings, nullptr, &other, options(0)); });
  EXPECT_NE(message.find("none of the 5 item ids of ratings.csv is in the metadata file other.csv"),
            std::string::npos) << message;

  PreprocessOptions o = options(2);
  o.max_user_id = 2;  // every kept user id is >= 2
  message = usage_error([&] { preprocess(ratings, nullptr, &catalog, o); });
  EXPECT_NE(message.find("with a user id below 2"), std::string::npos) << message;

  message = usage_error([&] { preprocess(RatingsTable{}, nullptr, nullptr, o); });
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
}

TEST_F(Preprocess, ReportIsTheCountsOfPreprocess) {
  for (const PreprocessOptions& o : {options(2), options(0, "any"), options(1, "any")}) {
    const PreprocessReport report = preprocess_report(ratings, nullptr, &catalog, o);
    const PreprocessReport full = preprocess(ratings, nullptr, &catalog, o).report;
    expect_counts(report.loaded, full.loaded.users, full.loaded.items, full.loaded.ratings, "loaded");
    expect_counts(report.merged, full.merged.users, full.merged.items, full.merged.ratings, "merged");
    expect_counts(report.item_filter, full.item_filter.users, full.item_filter.items,
                  full.item_filter.ratings, "item filter");
    expect_counts(report.rating_filter, full.rating_filter.users, full.rating_filter.items,
                  full.rating_filter.ratings, "rating filter");
  }
}

TEST_F(Preprocess, ReportGivesZerosFromTheStepThatLeavesNothing) {
  // Popularity > 100: no item passes (the most popular has 4), where preprocess() throws.
  PreprocessReport r = preprocess_report(ratings, nullptr, &catalog, options(100));
  expect_counts(r.loaded, 5, 5, 11, "loaded");
  expect_counts(r.merged, 5, 4, 10, "merged");
  expect_counts(r.item_filter, 0, 0, 0, "item filter");
  expect_counts(r.rating_filter, 0, 0, 0, "rating filter");

  // No item of the catalog is rated: zeros from the merge on.
  const ItemCatalog other = parse_items("anime_id,name\n1,x\n2,y\n", "other.csv");
  r = preprocess_report(ratings, nullptr, &other, options(0));
  expect_counts(r.loaded, 5, 5, 11, "loaded");
  expect_counts(r.merged, 0, 0, 0, "merged");
  expect_counts(r.rating_filter, 0, 0, 0, "rating filter");

  // Items pass, but every kept user id is >= 2: only the rating filter is empty.
  PreprocessOptions o = options(2);
  o.max_user_id = 2;
  r = preprocess_report(ratings, nullptr, &catalog, o);
  expect_counts(r.item_filter, 4, 2, 7, "item filter");
  expect_counts(r.rating_filter, 0, 0, 0, "rating filter");
}

TEST_F(Preprocess, InvalidOptionsStillThrow) {
  const std::string message =
      usage_error([&] { preprocess_report(ratings, nullptr, &catalog, options(2, "")); });
  EXPECT_NE(message.find("item_type must be a type name"), std::string::npos) << message;
  EXPECT_THROW(preprocess(ratings, nullptr, nullptr, options(2, "")), UsageError);
}

TEST_F(Preprocess, RatingStatsOverMergedRows) {
  // Merged rows (r5 dropped): -1 x2 (r1 r6), 3, 5, 6, 7, 8, 9 x2 (r0 r8), 10 (r7).
  const RatingStats s = rating_stats(ratings, &catalog);
  expect_counts(s.counts, 5, 4, 10, "stats");
  EXPECT_EQ(s.histogram_values, (std::vector<float>{-1, 3, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(s.histogram_counts, (std::vector<std::int64_t>{2, 1, 1, 1, 1, 1, 2, 1}));
  EXPECT_EQ(s.popularity_desc, (std::vector<std::int64_t>{4, 3, 2, 1}));
  // Without metadata r5 (999, rating 10) counts too.
  const RatingStats all = rating_stats(ratings, nullptr);
  expect_counts(all.counts, 5, 5, 11, "stats without catalog");
  EXPECT_EQ(all.histogram_counts.back(), 2);
  EXPECT_EQ(all.popularity_desc, (std::vector<std::int64_t>{4, 3, 2, 1, 1}));
}

TEST_F(Preprocess, RatingStatsOfADataset) {
  // Rows 9, 8, 6; item 300 has 2 rows, item 100 one.
  const RatingStats s = rating_stats(preprocess(ratings, nullptr, &catalog, options(2)));
  expect_counts(s.counts, 2, 2, 3, "dataset stats");
  EXPECT_EQ(s.histogram_values, (std::vector<float>{6, 8, 9}));
  EXPECT_EQ(s.histogram_counts, (std::vector<std::int64_t>{1, 1, 1}));
  EXPECT_EQ(s.popularity_desc, (std::vector<std::int64_t>{2, 1}));
}

TEST(PreprocessRealData, NotebookSubsetOfTheAnime5000UsersFile) {
  TRIPLETREC_REQUIRE_DATA("anime/anime.csv");
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  const ItemCatalog catalog = parse_items(testing::read_data("anime/anime.csv"), "anime.csv");
  const RatingsTable ratings =
      parse_ratings(testing::read_data("anime/rating_5000users.csv"), "rating_5000users.csv");
  PreprocessOptions o;
  o.min_popularity = 340;  // 5000 scaled to 5,000 of 73,515 users (README)
  o.item_type = "TV";
  o.max_user_id = 10000;
  const Dataset d = preprocess(ratings, nullptr, &catalog, o);
  // README: every anime of the file is in anime.csv, so the merge keeps everything.
  expect_counts(d.report.loaded, 5000, 7390, 520609, "loaded");
  expect_counts(d.report.merged, 5000, 7390, 520609, "merged");
  EXPECT_EQ(d.n_items, 293);
  EXPECT_EQ(d.n_users, 4610);
  EXPECT_EQ(d.size(), 163416u);
  EXPECT_EQ(std::count_if(d.rating.begin(), d.rating.end(), [](float r) { return r > 7; }), 114512);
  expect_counts(d.report.rating_filter, 4610, 293, 163416, "final");
  // Every kept item is a TV show with popularity > 340, numbered in catalog order.
  for (std::int32_t i = 0; i < d.n_items; ++i) {
    EXPECT_EQ(catalog.type[d.item_catalog_row[i]], "TV");
    EXPECT_GT(d.item_popularity[i], 340);
    if (i > 0) {
      EXPECT_LT(d.item_catalog_row[i - 1], d.item_catalog_row[i]);
    }
  }
  EXPECT_TRUE(std::is_sorted(d.user_raw_id.begin(), d.user_raw_id.end()));
  const RatingStats s = rating_stats(ratings, &catalog);
  EXPECT_EQ(s.histogram_values.front(), -1.0f);
  EXPECT_EQ(s.histogram_counts.front(), 100666);
}

TEST(PreprocessRealData, MovieLensKeepsEverythingWithPermissiveOptions) {
  TRIPLETREC_REQUIRE_DATA("movielens-latest-small/ratings.csv");
  TRIPLETREC_REQUIRE_DATA("movielens-latest-small/movies.csv");
  const RatingsTable ratings =
      parse_ratings(testing::read_data("movielens-latest-small/ratings.csv"), "ratings.csv");
  const ItemCatalog movies =
      parse_items(testing::read_data("movielens-latest-small/movies.csv"), "movies.csv");
  PreprocessOptions o;
  o.item_type = "any";
  o.min_popularity = 0;
  o.max_user_id = -1;
  const Dataset d = preprocess(ratings, nullptr, &movies, o);
  EXPECT_EQ(d.size(), 100836u);
  EXPECT_EQ(d.n_users, 610);
  EXPECT_EQ(d.n_items, 9724);
}

}  // namespace
}  // namespace tripletrec

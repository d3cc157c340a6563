// The notebook's preprocessing: merge with metadata, popularity, filters, dense re-indexing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tripletrec/data.hpp"

namespace tripletrec {

struct PreprocessOptions {
  bool drop_unrated = true;         // drop rating == -1 rows (notebook: rating > -1)
  std::string item_type = "TV";     // keep one type; "any" keeps all; ignored without metadata
  std::int64_t min_popularity = 5000;  // keep items whose popularity is > this (notebook: > 5000)
  std::int64_t max_user_id = 10000; // keep raw user_id < this; negative = no bound
};

struct Counts {
  std::int64_t users = 0, items = 0, ratings = 0;
};

// What remains after each step, in the notebook's order (for the page's live counts).
struct PreprocessReport {
  Counts loaded;          // the ratings file(s) as loaded
  Counts merged;          // after the inner merge with metadata (== loaded without metadata)
  Counts item_filter;     // after type + popularity filters on items
  Counts rating_filter;   // after dropping -1 ratings and the user-id bound: the final data
};

// The preprocessed data set: dense ids, both maps kept.
struct Dataset {
  std::int32_t n_users = 0, n_items = 0;
  std::vector<std::int32_t> user;    // dense user id per row, in [0, n_users)
  std::vector<std::int32_t> item;    // dense item id per row, in [0, n_items)
  std::vector<float> rating;
  std::vector<std::uint8_t> in_test_file;  // per row, 1 if it came from the given test file
  std::vector<std::int64_t> user_raw_id;   // dense -> raw
  std::vector<std::int64_t> item_raw_id;   // dense -> raw
  std::vector<std::int32_t> item_catalog_row;  // dense -> catalog row, -1 without metadata
  std::vector<std::int64_t> item_popularity;   // dense -> popularity (rows in the loaded file)
  PreprocessReport report;
  std::size_t size() const { return user.size(); }
};

// Popularity = number of rating rows per item in the loaded (merged) file, -1 ratings included,
// all users, as the notebook counts it. Users are numbered in increasing raw id, items in catalog
// order when metadata is given (the notebook's new_anime_id), else in increasing raw id; only
// users and items that keep at least one rating get an id.
// `test` (optional) is a given test file: preprocessed together with `train`, its rows marked.
// Throws UsageError when nothing is left, naming the step that emptied the data and what to change.
Dataset preprocess(const RatingsTable& train, const RatingsTable* test, const ItemCatalog* catalog,
                   const PreprocessOptions& options);

// The counts preprocess() would report, computed by the same filters without building the data
// set. A step that leaves nothing gives zeros from there on (no error: the page's live counts);
// only invalid options throw (UsageError: an empty item_type, more than 2^31 - 1 rows).
PreprocessReport preprocess_report(const RatingsTable& train, const RatingsTable* test,
                                   const ItemCatalog* catalog, const PreprocessOptions& options);

// Statistics of a loaded file (merged with metadata when given), as the notebook shows them.
struct RatingStats {
  Counts counts;
  std::vector<float> histogram_values;          // distinct rating values, ascending
  std::vector<std::int64_t> histogram_counts;   // rows per value
  std::vector<std::int64_t> popularity_desc;    // rows per item, sorted descending (long tail)
};
RatingStats rating_stats(const RatingsTable& ratings, const ItemCatalog* catalog);
RatingStats rating_stats(const Dataset& data);

}  // namespace tripletrec

// The notebook's preprocessing, step by step in its order:
//   ratings.merge(metadata)                      -> rows of unknown items dropped
//   popularity = ratings.groupby(item).size()    -> on the merged rows, all users, -1 included
//   metadata[(popularity > N) & (type == 'TV')]  -> item filter
//   ratings[(rating > -1) & (user_id < 10000)]   -> rating filter
//   new ids: items in metadata order, users in increasing raw id (np.unique)
// Rows keep their file order (pandas' inner merges keep the left order), train rows first.
#include "tripletrec/preprocess.hpp"

#include <algorithm>
#include <unordered_map>

#include "tripletrec/error.hpp"
#include "tripletrec/options.hpp"

namespace tripletrec {
namespace {

// Raw id -> slot (0, 1, 2, ... in order of first appearance); open addressing, because this
// lookup runs twice per row and std::unordered_map costs a node and a cache miss per id.
class IdSlots {
 public:
  explicit IdSlots(std::size_t expected_ids) { rehash(expected_ids * 2 + 16); }

  std::int32_t slot_of(std::int64_t id) {
    std::size_t h = bucket(id);
    while (slots_[h] >= 0) {
      if (keys_[h] == id) return slots_[h];
      h = (h + 1) & mask_;
    }
    if ((ids_.size() + 1) * 2 > keys_.size()) {  // keep the load under 1/2
      rehash(keys_.size() * 2);
      return slot_of(id);
    }
    const auto slot = static_cast<std::int32_t>(ids_.size());
    keys_[h] = id;
    slots_[h] = slot;
    ids_.push_back(id);
    return slot;
  }
  std::size_t size() const { return ids_.size(); }
  std::int64_t id(std::int32_t slot) const { return ids_[static_cast<std::size_t>(slot)]; }

 private:
  std::size_t bucket(std::int64_t id) const {
    auto x = static_cast<std::uint64_t>(id);
    x ^= x >> 31;
    x *= 0x9E3779B97F4A7C15ull;
    x ^= x >> 29;
    return static_cast<std::size_t>(x) & mask_;
  }
  void rehash(std::size_t at_least) {
    std::size_t capacity = 16;
    while (capacity < at_least) capacity <<= 1;
    keys_.assign(capacity, 0);
    slots_.assign(capacity, -1);
    mask_ = capacity - 1;
    for (std::size_t s = 0; s < ids_.size(); ++s) {
      std::size_t h = bucket(ids_[s]);
      while (slots_[h] >= 0) h = (h + 1) & mask_;
      keys_[h] = ids_[s];
      slots_[h] = static_cast<std::int32_t>(s);
    }
  }

  std::vector<std::int64_t> keys_;
  std::vector<std::int32_t> slots_;  // -1 = empty bucket
  std::vector<std::int64_t> ids_;    // slot -> raw id
  std::size_t mask_ = 0;
};

// The rows of one or two ratings tables seen as one, each row's raw ids turned into slots.
struct SlottedRows {
  std::size_t n_train = 0, n = 0;
  IdSlots users{0}, items{0};
  std::vector<std::int32_t> user_slot, item_slot;
  std::vector<float> rating;
  std::vector<std::int64_t> raw_user;
};

SlottedRows slot_rows(const RatingsTable& train, const RatingsTable* test) {
  SlottedRows rows;
  rows.n_train = train.size();
  rows.n = train.size() + (test ? test->size() : 0);
  rows.users = IdSlots(std::min<std::size_t>(rows.n, 1u << 16));
  rows.items = IdSlots(std::min<std::size_t>(rows.n, 1u << 14));
  rows.user_slot.reserve(rows.n);
  rows.item_slot.reserve(rows.n);
  rows.rating.reserve(rows.n);
  rows.raw_user.reserve(rows.n);
  for (const RatingsTable* table : {&train, test}) {
    if (!table) continue;
    for (std::size_t r = 0; r < table->size(); ++r) {
      rows.user_slot.push_back(rows.users.slot_of(table->user[r]));
      rows.item_slot.push_back(rows.items.slot_of(table->item[r]));
      rows.rating.push_back(table->rating[r]);
      rows.raw_user.push_back(table->user[r]);
    }
  }
  return rows;
}

// Distinct users, items and rows among the rows with keep[r] set.
Counts count_kept(const SlottedRows& rows, const std::vector<std::uint8_t>& keep) {
  std::vector<std::uint8_t> user_seen(rows.users.size(), 0), item_seen(rows.items.size(), 0);
  Counts counts;
  for (std::size_t r = 0; r < rows.n; ++r) {
    if (!keep[r]) continue;
    ++counts.ratings;
    auto& u = user_seen[static_cast<std::size_t>(rows.user_slot[r])];
    auto& i = item_seen[static_cast<std::size_t>(rows.item_slot[r])];
    counts.users += !u;
    counts.items += !i;
    u = i = 1;
  }
  return counts;
}

std::string describe(const Counts& c) {
  return std::to_string(c.ratings) + " ratings (" + std::to_string(c.users) + " users, " +
         std::to_string(c.items) + " items)";
}

// Catalog row per item slot, -1 when the item is not in the catalog (or there is none).
std::vector<std::int32_t> catalog_rows(const SlottedRows& rows, const ItemCatalog* catalog) {
  std::vector<std::int32_t> row_of_slot(rows.items.size(), -1);
  if (catalog)
    for (std::size_t s = 0; s < row_of_slot.size(); ++s)
      row_of_slot[s] = catalog->row(rows.items.id(static_cast<std::int32_t>(s)));
  return row_of_slot;
}

// Why nothing passed the item filter, in words a user can act on, as an error on the option to change.
OptionError explain_empty_item_filter(const ItemCatalog* catalog,
                                      const std::vector<std::int32_t>& row_of_slot,
                                      const std::vector<std::int64_t>& popularity,
                                      const PreprocessOptions& options) {
  const bool by_type = catalog && options.item_type != "any";
  std::int64_t best = -1, typed_items = 0;
  for (std::size_t s = 0; s < popularity.size(); ++s) {
    if (catalog && row_of_slot[s] < 0) continue;
    if (by_type && catalog->type[static_cast<std::size_t>(row_of_slot[s])] != options.item_type) continue;
    ++typed_items;
    best = std::max(best, popularity[s]);
  }
  const std::string kind = by_type ? "item of type '" + options.item_type + "'" : "item";
  if (by_type && typed_items == 0) {
    std::vector<std::string> types;
    for (std::size_t s = 0; s < row_of_slot.size(); ++s)
      if (row_of_slot[s] >= 0) types.push_back(catalog->type[static_cast<std::size_t>(row_of_slot[s])]);
    std::sort(types.begin(), types.end());
    types.erase(std::unique(types.begin(), types.end()), types.end());
    std::string list;
    for (const std::string& t : types) list += (list.empty() ? "'" : ", '") + t + "'";
    return OptionError(OptionId::ItemType, "no ratings left after preprocessing: no rated item has type '" +
                                               options.item_type + "' (types present: " + list +
                                               "); choose one of these or \"any\"");
  }
  return OptionError(OptionId::MinPopularity, "no ratings left after preprocessing: no " + kind + " has more than " +
                                                  std::to_string(options.min_popularity) + " ratings (the most popular has " +
                                                  std::to_string(best) + "); try a lower popularity threshold");
}

std::vector<std::int32_t> dense_ids(std::size_t n_slots, const std::vector<std::uint8_t>& used,
                                    const std::vector<std::int64_t>& order_key,
                                    std::vector<std::int32_t>& slot_of_dense) {
  slot_of_dense.clear();
  for (std::size_t s = 0; s < n_slots; ++s)
    if (used[s]) slot_of_dense.push_back(static_cast<std::int32_t>(s));
  std::sort(slot_of_dense.begin(), slot_of_dense.end(), [&](std::int32_t a, std::int32_t b) {
    return order_key[static_cast<std::size_t>(a)] < order_key[static_cast<std::size_t>(b)];
  });
  std::vector<std::int32_t> dense_of_slot(n_slots, -1);
  for (std::size_t d = 0; d < slot_of_dense.size(); ++d)
    dense_of_slot[static_cast<std::size_t>(slot_of_dense[d])] = static_cast<std::int32_t>(d);
  return dense_of_slot;
}

// Distinct values ascending with their counts.
void histogram(const std::vector<float>& values, const std::vector<std::uint8_t>* keep,
               RatingStats& stats) {
  std::unordered_map<float, std::int64_t> count_of;
  float last_value = 0;
  std::int64_t* last_count = nullptr;  // most files repeat few values: skip most lookups
  for (std::size_t r = 0; r < values.size(); ++r) {
    if (keep && !(*keep)[r]) continue;
    if (!last_count || values[r] != last_value) {
      last_value = values[r];
      last_count = &count_of[values[r]];
    }
    ++*last_count;
  }
  std::vector<std::pair<float, std::int64_t>> sorted(count_of.begin(), count_of.end());
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [value, count] : sorted) {
    stats.histogram_values.push_back(value);
    stats.histogram_counts.push_back(count);
  }
}

// The filters' outcome: the rows that survive every step and the counts after each. Empty
// steps are not errors here (the live preview shows zeros); preprocess() explains them.
struct Filtered {
  SlottedRows rows;
  std::vector<std::int32_t> row_of_slot;  // item slot -> catalog row, -1 when not in it
  std::vector<std::int64_t> popularity;   // item slot -> merged rows
  std::vector<std::uint8_t> keep;         // row -> passes every filter
  PreprocessReport report;
};

void check_options(const PreprocessOptions& options) {
  if (options.item_type.empty())
    throw UsageError("item_type must be a type name such as \"TV\", or \"any\"");
}

Filtered apply_filters(const RatingsTable& train, const RatingsTable* test,
                       const ItemCatalog* catalog, const PreprocessOptions& options) {
  check_options(options);
  const std::size_t total_rows = train.size() + (test ? test->size() : 0);
  if (total_rows > static_cast<std::size_t>(INT32_MAX))
    throw UsageError("too many ratings: " + std::to_string(total_rows) + " rows (at most 2^31 - 1)");
  Filtered f;
  f.rows = slot_rows(train, test);
  f.row_of_slot = catalog_rows(f.rows, catalog);
  const SlottedRows& rows = f.rows;
  const std::size_t n_item_slots = rows.items.size();
  std::vector<std::uint8_t>& keep = f.keep;
  keep.assign(rows.n, 1);
  f.report.loaded = count_kept(rows, keep);

  // Inner merge with the metadata.
  if (catalog)
    for (std::size_t r = 0; r < rows.n; ++r)
      keep[r] = f.row_of_slot[static_cast<std::size_t>(rows.item_slot[r])] >= 0;
  f.report.merged = count_kept(rows, keep);

  // Popularity on the merged rows, then the item filter.
  f.popularity.assign(n_item_slots, 0);
  for (std::size_t r = 0; r < rows.n; ++r)
    if (keep[r]) ++f.popularity[static_cast<std::size_t>(rows.item_slot[r])];
  std::vector<std::uint8_t> item_kept(n_item_slots, 0);
  const bool by_type = catalog && options.item_type != "any";
  for (std::size_t s = 0; s < n_item_slots; ++s) {
    const std::int32_t row = f.row_of_slot[s];
    const bool type_ok =
        !by_type || (row >= 0 && catalog->type[static_cast<std::size_t>(row)] == options.item_type);
    item_kept[s] = type_ok && f.popularity[s] > options.min_popularity;
  }
  for (std::size_t r = 0; r < rows.n; ++r)
    keep[r] = keep[r] && item_kept[static_cast<std::size_t>(rows.item_slot[r])];
  f.report.item_filter = count_kept(rows, keep);

  // The rating filter: unrated rows and the user-id bound.
  for (std::size_t r = 0; r < rows.n; ++r) {
    if (!keep[r]) continue;
    if (options.drop_unrated && rows.rating[r] == -1.0f) keep[r] = 0;
    if (options.max_user_id >= 0 && rows.raw_user[r] >= options.max_user_id) keep[r] = 0;
  }
  f.report.rating_filter = count_kept(rows, keep);
  return f;
}

// The first step that left nothing, in words a user can act on.
[[noreturn]] void explain_empty_result(const Filtered& f, const RatingsTable& train,
                                       const ItemCatalog* catalog, const PreprocessOptions& options) {
  const PreprocessReport& report = f.report;
  if (report.merged.ratings == 0)  // only a catalog can drop rows here
    throw UsageError("no ratings left after preprocessing: none of the " +
                     std::to_string(report.loaded.items) + " item ids of " + train.source +
                     " is in the metadata file " + catalog->source +
                     "; are they from the same data set?");
  if (report.item_filter.ratings == 0)  // named after the option to change (see options.hpp)
    throw explain_empty_item_filter(catalog, f.row_of_slot, f.popularity, options);
  throw UsageError("no ratings left after preprocessing: " + describe(report.item_filter) +
                   " passed the item filters, but none is rated (not -1)" +
                   (options.max_user_id >= 0
                        ? " with a user id below " + std::to_string(options.max_user_id)
                        : std::string()) +
                   "; try keeping unrated rows or a larger user-id bound");
}

}  // namespace

PreprocessReport preprocess_report(const RatingsTable& train, const RatingsTable* test,
                                   const ItemCatalog* catalog, const PreprocessOptions& options) {
  return apply_filters(train, test, catalog, options).report;
}

Dataset preprocess(const RatingsTable& train, const RatingsTable* test, const ItemCatalog* catalog,
                   const PreprocessOptions& options) {
  if (train.size() + (test ? test->size() : 0) == 0)
    throw UsageError("no ratings to preprocess: the ratings file is empty");
  const Filtered f = apply_filters(train, test, catalog, options);
  if (f.report.rating_filter.ratings == 0) explain_empty_result(f, train, catalog, options);
  const SlottedRows& rows = f.rows;
  const std::vector<std::int32_t>& row_of_slot = f.row_of_slot;
  const std::vector<std::int64_t>& popularity = f.popularity;
  const std::vector<std::uint8_t>& keep = f.keep;
  const PreprocessReport& report = f.report;
  const std::size_t n_item_slots = rows.items.size();

  // Dense ids of the users and items that keep a row.
  std::vector<std::uint8_t> user_used(rows.users.size(), 0), item_used(n_item_slots, 0);
  for (std::size_t r = 0; r < rows.n; ++r)
    if (keep[r]) {
      user_used[static_cast<std::size_t>(rows.user_slot[r])] = 1;
      item_used[static_cast<std::size_t>(rows.item_slot[r])] = 1;
    }
  std::vector<std::int64_t> user_key(rows.users.size()), item_key(n_item_slots);
  for (std::size_t s = 0; s < user_key.size(); ++s) user_key[s] = rows.users.id(static_cast<std::int32_t>(s));
  for (std::size_t s = 0; s < n_item_slots; ++s)
    item_key[s] = catalog ? row_of_slot[s] : rows.items.id(static_cast<std::int32_t>(s));
  std::vector<std::int32_t> user_slots, item_slots;
  const auto dense_user = dense_ids(rows.users.size(), user_used, user_key, user_slots);
  const auto dense_item = dense_ids(n_item_slots, item_used, item_key, item_slots);

  Dataset data;
  data.n_users = static_cast<std::int32_t>(user_slots.size());
  data.n_items = static_cast<std::int32_t>(item_slots.size());
  const auto n_kept = static_cast<std::size_t>(report.rating_filter.ratings);
  data.user.reserve(n_kept);
  data.item.reserve(n_kept);
  data.rating.reserve(n_kept);
  data.in_test_file.reserve(n_kept);
  for (std::size_t r = 0; r < rows.n; ++r) {
    if (!keep[r]) continue;
    data.user.push_back(dense_user[static_cast<std::size_t>(rows.user_slot[r])]);
    data.item.push_back(dense_item[static_cast<std::size_t>(rows.item_slot[r])]);
    data.rating.push_back(rows.rating[r]);
    data.in_test_file.push_back(r >= rows.n_train ? 1 : 0);
  }
  for (std::int32_t slot : user_slots) data.user_raw_id.push_back(rows.users.id(slot));
  for (std::int32_t slot : item_slots) {
    data.item_raw_id.push_back(rows.items.id(slot));
    data.item_catalog_row.push_back(row_of_slot[static_cast<std::size_t>(slot)]);
    data.item_popularity.push_back(popularity[static_cast<std::size_t>(slot)]);
  }
  data.report = report;
  return data;
}

RatingStats rating_stats(const RatingsTable& ratings, const ItemCatalog* catalog) {
  RatingStats stats;
  const SlottedRows rows = slot_rows(ratings, nullptr);
  const std::vector<std::int32_t> row_of_slot = catalog_rows(rows, catalog);
  std::vector<std::uint8_t> keep(rows.n, 1);
  if (catalog)
    for (std::size_t r = 0; r < rows.n; ++r)
      keep[r] = row_of_slot[static_cast<std::size_t>(rows.item_slot[r])] >= 0;
  stats.counts = count_kept(rows, keep);
  histogram(ratings.rating, &keep, stats);
  std::vector<std::int64_t> popularity(rows.items.size(), 0);
  for (std::size_t r = 0; r < rows.n; ++r)
    if (keep[r]) ++popularity[static_cast<std::size_t>(rows.item_slot[r])];
  for (std::int64_t p : popularity)
    if (p > 0) stats.popularity_desc.push_back(p);
  std::sort(stats.popularity_desc.begin(), stats.popularity_desc.end(), std::greater<>());
  return stats;
}

RatingStats rating_stats(const Dataset& data) {
  RatingStats stats;
  stats.counts = {data.n_users, data.n_items, static_cast<std::int64_t>(data.size())};
  histogram(data.rating, nullptr, stats);
  // Rows per item in this data set (not the loaded file's popularity, which the Dataset keeps).
  std::vector<std::int64_t> rows_per_item(static_cast<std::size_t>(data.n_items), 0);
  for (std::int32_t item : data.item) ++rows_per_item[static_cast<std::size_t>(item)];
  stats.popularity_desc = std::move(rows_per_item);
  std::sort(stats.popularity_desc.begin(), stats.popularity_desc.end(), std::greater<>());
  return stats;
}

}  // namespace tripletrec

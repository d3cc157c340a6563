// Train/test split (seeded, exact size) and the positives of implicit feedback.
#include "tripletrec/split.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>

#include "tripletrec/error.hpp"
#include "tripletrec/random.hpp"

namespace tripletrec {

Split random_split(std::size_t n_rows, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction >= 0.0 && test_fraction <= 1.0))
    throw UsageError("test fraction must be between 0 and 1, got " + std::to_string(test_fraction));
  if (n_rows > UINT32_MAX)
    throw UsageError("too many rows to split: " + std::to_string(n_rows) + " (at most 2^32 - 1)");
  const auto n_test = static_cast<std::size_t>(
      std::llround(static_cast<double>(n_rows) * test_fraction));

  // Partial Fisher-Yates: the first n_test entries become a uniform random subset.
  std::vector<std::uint32_t> order(n_rows);
  std::iota(order.begin(), order.end(), 0u);
  Rng rng(seed);
  for (std::size_t i = 0; i < n_test; ++i) {
    const std::size_t j = i + rng.below(static_cast<std::uint32_t>(n_rows - i));
    std::swap(order[i], order[j]);
  }
  Split split;
  split.test.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_test));
  split.train.assign(order.begin() + static_cast<std::ptrdiff_t>(n_test), order.end());
  std::sort(split.test.begin(), split.test.end());
  std::sort(split.train.begin(), split.train.end());
  return split;
}

Split split_by_file(const Dataset& data) {
  Split split;
  for (std::size_t r = 0; r < data.size(); ++r) {
    const bool in_test = r < data.in_test_file.size() && data.in_test_file[r];
    (in_test ? split.test : split.train).push_back(static_cast<std::uint32_t>(r));
  }
  return split;
}

std::vector<std::uint8_t> choose_cold_items(std::int32_t n_items, double fraction, std::uint64_t seed) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw UsageError("cold item fraction must be in [0, 1), got " + std::to_string(fraction));
  std::vector<std::uint8_t> cold(static_cast<std::size_t>(std::max(n_items, 0)), 0);
  if (n_items <= 0 || fraction == 0.0) return cold;
  // A stream of its own, so the row split of the same seed is unchanged by the choice.
  Rng rng = Rng(seed).fork(0xC01D);
  std::vector<std::int32_t> order(static_cast<std::size_t>(n_items));
  std::iota(order.begin(), order.end(), 0);
  const auto n_cold = static_cast<std::size_t>(std::llround(static_cast<double>(n_items) * fraction));
  for (std::size_t i = 0; i < n_cold; ++i) {
    const std::size_t j = i + rng.below(static_cast<std::uint32_t>(order.size() - i));
    std::swap(order[i], order[j]);
    cold[static_cast<std::size_t>(order[i])] = 1;
  }
  return cold;
}

void hold_out_cold_items(const Dataset& data, const std::vector<std::uint8_t>& cold, Split& split) {
  auto is_cold = [&](std::uint32_t row) { return cold[static_cast<std::size_t>(data.item[row])] != 0; };
  std::vector<std::uint32_t> moved;
  std::vector<std::uint32_t> kept;
  for (const std::uint32_t r : split.train) (is_cold(r) ? moved : kept).push_back(r);
  if (moved.empty()) return;
  std::vector<std::uint32_t> test;
  test.reserve(split.test.size() + moved.size());
  std::merge(split.test.begin(), split.test.end(), moved.begin(), moved.end(), std::back_inserter(test));
  split.train = std::move(kept);
  split.test = std::move(test);
}

std::vector<std::uint8_t> holdout_user_mask(std::int32_t n_users, double fraction, std::uint64_t seed) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw UsageError("hold-out fraction must be in [0, 1), got " + std::to_string(fraction));
  std::vector<std::uint8_t> held_out(static_cast<std::size_t>(std::max(n_users, 0)), 0);
  const auto count = static_cast<std::size_t>(std::llround(static_cast<double>(held_out.size()) * fraction));
  std::vector<std::uint32_t> order(held_out.size());
  std::iota(order.begin(), order.end(), 0u);
  Rng rng = Rng(seed).fork(0x486f6c644f7574ull);  // "HoldOut": independent of the row split's stream
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t j = i + rng.below(static_cast<std::uint32_t>(order.size() - i));
    std::swap(order[i], order[j]);
    held_out[order[i]] = 1;
  }
  return held_out;
}

Split take_holdout_rows(const Dataset& data, const std::vector<std::uint8_t>& held_out, Split& split) {
  Split holdout;
  auto partition = [&](std::vector<std::uint32_t>& rows, std::vector<std::uint32_t>& taken) {
    std::vector<std::uint32_t> kept;
    kept.reserve(rows.size());
    for (const std::uint32_t r : rows)
      (held_out[static_cast<std::size_t>(data.user[r])] ? taken : kept).push_back(r);
    rows.swap(kept);
  };
  partition(split.train, holdout.train);
  partition(split.test, holdout.test);
  return holdout;
}

bool Positives::contains(std::int32_t u, std::int32_t i) const {
  if (u < 0 || static_cast<std::size_t>(u) + 1 >= offsets.size()) return false;
  return std::binary_search(begin_of(u), end_of(u), i);
}

Positives make_positives(const Dataset& data, const std::vector<std::uint32_t>& rows,
                         float min_rating) {
  for (std::uint32_t r : rows)
    if (r >= data.size())
      throw UsageError("row " + std::to_string(r) + " is out of range: the data set has " +
                       std::to_string(data.size()) + " rows");
  Positives positives;
  positives.n_users = data.n_users;
  positives.n_items = data.n_items;
  for (std::uint32_t r : rows) {
    if (!(data.rating[r] >= min_rating)) continue;
    positives.user.push_back(data.user[r]);
    positives.item.push_back(data.item[r]);
  }

  // CSR: count per user, prefix sums, fill, then sort and deduplicate each user's items.
  const auto n_users = static_cast<std::size_t>(data.n_users);
  std::vector<std::uint32_t> fill(n_users + 1, 0);
  for (std::int32_t u : positives.user) ++fill[static_cast<std::size_t>(u) + 1];
  std::partial_sum(fill.begin(), fill.end(), fill.begin());
  std::vector<std::int32_t> items(positives.size());
  std::vector<std::uint32_t> next = fill;
  for (std::size_t k = 0; k < positives.size(); ++k)
    items[next[static_cast<std::size_t>(positives.user[k])]++] = positives.item[k];
  positives.offsets.assign(n_users + 1, 0);
  positives.items.reserve(items.size());
  for (std::size_t u = 0; u < n_users; ++u) {
    auto begin = items.begin() + fill[u], end = items.begin() + fill[u + 1];
    std::sort(begin, end);
    end = std::unique(begin, end);
    positives.items.insert(positives.items.end(), begin, end);
    positives.offsets[u + 1] = static_cast<std::uint32_t>(positives.items.size());
  }
  return positives;
}

}  // namespace tripletrec

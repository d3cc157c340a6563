// Train/test split and the implicit-feedback positives.
#pragma once
#include <cstdint>
#include <vector>

#include "tripletrec/preprocess.hpp"

namespace tripletrec {

struct Split {
  std::vector<std::uint32_t> train, test;  // row indices into a Dataset, ascending
};

// Seeded random split: each row lands in test with a shuffled 20% (exactly round(n*fraction)).
Split random_split(std::size_t n_rows, double test_fraction, std::uint64_t seed);
// The split given by files: rows with in_test_file set go to test.
Split split_by_file(const Dataset& data);

// Cold-start items: a seeded uniform choice of round(n_items * fraction) items (1 = cold). The
// choice is cut before anything is learnt, from the item count alone.
std::vector<std::uint8_t> choose_cold_items(std::int32_t n_items, double fraction, std::uint64_t seed);
// Moves every row of a cold item to the test side: no row of theirs reaches training (train
// positives, sampling), and all their rows are there for the cold-item AUC.
void hold_out_cold_items(const Dataset& data, const std::vector<std::uint8_t>& cold, Split& split);
// Held-out users: round(n_users * fraction) of them, a seeded uniform choice (its own stream of
// `seed`, so the row split stays the same with or without hold-out). 1 marks a held-out user.
std::vector<std::uint8_t> holdout_user_mask(std::int32_t n_users, double fraction, std::uint64_t seed);
// Moves the rows of held-out users out of `split` into the returned split (both stay ascending).
Split take_holdout_rows(const Dataset& data, const std::vector<std::uint8_t>& held_out, Split& split);

// Positive (user, item) pairs with rating >= min_rating, as pair lists (training order) and as
// a per-user sorted set (CSR) for lookups. Duplicate pairs appear once in the CSR.
struct Positives {
  std::int32_t n_users = 0, n_items = 0;
  std::vector<std::int32_t> user, item;   // one entry per positive row
  std::vector<std::uint32_t> offsets;     // n_users + 1
  std::vector<std::int32_t> items;        // sorted unique items of each user
  std::size_t size() const { return user.size(); }
  const std::int32_t* begin_of(std::int32_t u) const { return items.data() + offsets[u]; }
  const std::int32_t* end_of(std::int32_t u) const { return items.data() + offsets[u + 1]; }
  bool contains(std::int32_t u, std::int32_t i) const;  // binary search
};

Positives make_positives(const Dataset& data, const std::vector<std::uint32_t>& rows,
                         float min_rating);

}  // namespace tripletrec

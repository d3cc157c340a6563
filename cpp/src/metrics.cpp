// Per-user ROC AUC (the notebook's metric) and ranking metrics at k over the same candidates.
#include "tripletrec/metrics.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#include "ranking_sums.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec {
namespace {

// Maps a float to an unsigned key with the same order (NaN sorts below every number), so one
// 64-bit integer sort replaces an indirect comparator sort: several times faster in the
// evaluation loop.
std::uint32_t order_key(float score) {
  if (std::isnan(score)) return 0;
  const float value = score == 0.0f ? 0.0f : score;  // -0 sorts with +0
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);  // (Emscripten 3.1.6's libc++ has no std::bit_cast)
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

// Key that sorts ascending as (score descending, index ascending): best first, ties in index
// order so the top-k is deterministic.
std::uint64_t rank_key(float score, std::uint32_t index) {
  return (static_cast<std::uint64_t>(~order_key(score)) << 32) | index;
}
std::uint32_t score_part(std::uint64_t key) { return static_cast<std::uint32_t>(key >> 32); }
std::uint32_t index_part(std::uint64_t key) { return static_cast<std::uint32_t>(key); }

// AUC of keys already sorted best first, labels looked up through `is_positive(index)`.
// Walking from the worst score up: each tie group of p positives and q negatives adds
// p * (negatives strictly below) + p * q / 2 correctly ordered pairs (ties count 1/2).
template <class IsPositive>
double auc_of_sorted(const std::uint64_t* keys, std::size_t n, IsPositive is_positive) {
  double correct_pairs = 0;
  std::int64_t negatives_below = 0, positives = 0;
  std::size_t end = n;
  while (end > 0) {
    std::size_t begin = end - 1;
    const std::uint32_t group_score = score_part(keys[begin]);
    while (begin > 0 && score_part(keys[begin - 1]) == group_score) --begin;
    std::int64_t p = 0, q = 0;
    for (std::size_t i = begin; i < end; ++i) (is_positive(index_part(keys[i])) ? p : q) += 1;
    correct_pairs += static_cast<double>(p) * static_cast<double>(negatives_below) +
                     0.5 * static_cast<double>(p) * static_cast<double>(q);
    negatives_below += q;
    positives += p;
    end = begin;
  }
  if (positives == 0 || negatives_below == 0) return std::numeric_limits<double>::quiet_NaN();
  return correct_pairs / (static_cast<double>(positives) * static_cast<double>(negatives_below));
}

// AUC for few positives (the evaluation's hot path; a user has a handful of test positives):
// each positive counts the negatives below it (+1/2 per tie) in one branch-free pass over the
// negatives' score keys, which the compiler vectorises. O(n * P), so callers use it for small P
// and sort otherwise.
// 2 * (keys below `score`) + (keys equal to it). Kept out of line so the compiler vectorises this
// loop rather than the short loop over positives around it.
[[gnu::noinline]] std::uint64_t twice_pairs_below(const std::uint32_t* keys, std::size_t n,
                                                  std::uint32_t score) {
  std::uint32_t twice = 0;  // n < 2^31 here (one user's candidates)
  for (std::size_t j = 0; j < n; ++j) twice += (keys[j] < score ? 2u : 0u) + (keys[j] == score ? 1u : 0u);
  return twice;
}

double auc_by_counting(const std::uint32_t* positive_keys, std::size_t n_pos,
                       const std::uint32_t* negative_keys, std::size_t n_neg) {
  if (n_pos == 0 || n_neg == 0) return std::numeric_limits<double>::quiet_NaN();
  std::uint64_t twice_correct = 0;  // 2 * correct pairs: stays an exact integer
  for (std::size_t p = 0; p < n_pos; ++p) {
    twice_correct += twice_pairs_below(negative_keys, n_neg, positive_keys[p]);
  }
  return 0.5 * static_cast<double>(twice_correct) /
         (static_cast<double>(n_pos) * static_cast<double>(n_neg));
}
// Counting costs n_pos * n vectorised steps (about 8 per instruction), a sort about n log2 n: so
// counting is used while n_pos <= 8 log2 n, which keeps every user at O(n log n).
std::size_t max_positives_for_counting(std::size_t n_candidates) {
  std::size_t log2 = 1;
  while ((std::size_t{1} << log2) < n_candidates) ++log2;
  return 8 * log2;
}

}  // namespace

double roc_auc(const float* scores, const std::uint8_t* labels, std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw UsageError("roc_auc: more than 2^32 scores");
  std::vector<std::uint64_t> keys(n);
  for (std::size_t i = 0; i < n; ++i) keys[i] = rank_key(scores[i], static_cast<std::uint32_t>(i));
  std::sort(keys.begin(), keys.end());
  return auc_of_sorted(keys.data(), n, [&](std::uint32_t i) { return labels[i] != 0; });
}

// Ranking metrics for one user, candidates sorted best first, R relevant candidates:
//   precision@k = hits in the top k / k
//   recall@k    = hits in the top k / R
//   AP@k        = sum over hit positions i <= k of precision@i, divided by min(k, R)
//   NDCG@k      = DCG / ideal DCG, DCG = sum over hit positions i <= k of 1 / log2(i + 1)
// (k is capped at the number of candidates.) Each is averaged over the evaluated users.
Evaluation evaluate(const Model& model, const Positives& train, const Positives& test, int k,
                    const std::vector<std::uint8_t>* candidates, ThreadPool* pool) {
  return evaluate_with(
      model.n_users(), model.n_items(), train, test, k,
      [&model](const std::int32_t* users, int count, float* out) { model.score_users(users, count, out); }, nullptr,
      candidates, pool);
}

Evaluation evaluate_with(std::int32_t n_users, std::int32_t n_items, const Positives& train, const Positives& test,
                         int k, const ScoreUsers& score, const std::vector<std::uint8_t>* only,
                         const std::vector<std::uint8_t>* candidates, ThreadPool* pool) {
  if (k < 1) throw UsageError("evaluate: k must be >= 1, got " + std::to_string(k));
  if (only && only->size() != static_cast<std::size_t>(n_users))
    throw UsageError("evaluate: the user selection has " + std::to_string(only->size()) + " entries for " +
                     std::to_string(n_users) + " users");
  if (train.n_users != n_users || test.n_users != n_users || train.n_items != n_items ||
      test.n_items != n_items)
    throw UsageError("evaluate: the model's users/items (" + std::to_string(n_users) + " x " +
                     std::to_string(n_items) + ") do not match the positives (" +
                     std::to_string(train.n_users) + " x " + std::to_string(train.n_items) + ")");

  if (candidates && candidates->size() != static_cast<std::size_t>(n_items))
    throw UsageError("evaluate: " + std::to_string(candidates->size()) + " candidate flags for " +
                     std::to_string(n_items) + " items");

  Evaluation result;
  result.k = k;
  const auto items = static_cast<std::size_t>(n_items);
  // Items outside the candidates are never ranked: excluded for every user (`outside`), on top
  // of each user's train positives.
  std::vector<std::uint8_t> outside(items, 0);
  std::int32_t n_outside = 0;
  if (candidates)
    for (std::int32_t i = 0; i < n_items; ++i) n_outside += outside[i] = (*candidates)[i] ? 0 : 1;

  // Users are scored in blocks (one matrix product per block in the engine's models), then
  // ranked one by one. A block holds about kBlockScores scores; the blocks are the same on any
  // number of threads, so every score is too.
  constexpr std::size_t kBlockScores = std::size_t{1} << 14;  // 64 KB: stays in L2 until ranked
  const auto block_size = std::clamp<std::size_t>(kBlockScores / items, 1, 256);
  // One thread's buffers, reused for every user it ranks: no allocation inside its loop.
  struct Scratch {
    std::vector<std::uint64_t> keys;
    std::vector<std::uint8_t> excluded, relevant;
    std::vector<std::uint32_t> positive_keys, negative_keys;
    std::vector<float> block_scores;
  };
  auto make_scratch = [&] {
    return Scratch{std::vector<std::uint64_t>(items), outside, std::vector<std::uint8_t>(items, 0),
                   std::vector<std::uint32_t>(items), std::vector<std::uint32_t>(items),
                   std::vector<float>(block_size * items)};
  };

  // Marks the user's train positives as excluded and its other test positives as relevant;
  // returns how many are relevant. unmark() undoes it.
  auto mark = [&](Scratch& s, std::int32_t u) {
    for (const std::int32_t* i = train.begin_of(u); i != train.end_of(u); ++i) s.excluded[*i] = 1;
    std::int64_t n_relevant = 0;
    for (const std::int32_t* i = test.begin_of(u); i != test.end_of(u); ++i)
      if (!s.excluded[*i]) { s.relevant[*i] = 1; ++n_relevant; }
    return n_relevant;
  };
  auto unmark = [&](Scratch& s, std::int32_t u) {
    for (const std::int32_t* i = train.begin_of(u); i != train.end_of(u); ++i) s.excluded[*i] = outside[*i];
    for (const std::int32_t* i = test.begin_of(u); i != test.end_of(u); ++i) s.relevant[*i] = 0;
  };
  auto n_candidates = [&](std::int32_t u) {
    std::int64_t n = n_items - n_outside;
    for (const std::int32_t* i = train.begin_of(u); i != train.end_of(u); ++i) n -= outside[*i] ? 0 : 1;
    return n;
  };

  // The users to evaluate, in user order: a test positive that is not a train positive, and a negative.
  std::vector<Scratch> scratch;
  scratch.push_back(make_scratch());
  std::vector<std::int32_t> users;
  for (std::int32_t u = 0; u < n_users; ++u) {
    if (only && !(*only)[static_cast<std::size_t>(u)]) continue;
    if (test.begin_of(u) == test.end_of(u)) continue;
    const std::int64_t n_relevant = mark(scratch[0], u);
    unmark(scratch[0], u);
    if (n_relevant == 0 || n_relevant >= n_candidates(u)) continue;  // no AUC without both labels
    users.push_back(u);
  }

  // Each user's metrics, kept by position and summed in user order at the end: the same sums,
  // bit for bit, on any number of threads and whichever thread finishes first.
  struct UserMetrics {
    double auc = 0;
    TopKHits walk;
    std::int64_t top = 0, n_relevant = 0;
  };
  std::vector<UserMetrics> per_user(users.size());
  auto rank_user = [&](Scratch& s, std::size_t index, const float* scores) {
    const std::int32_t u = users[index];
    const std::int64_t n_relevant = mark(s, u);
    std::size_t n = 0, n_pos = 0, n_neg = 0;
    for (std::int32_t i = 0; i < n_items; ++i) {
      if (s.excluded[i]) continue;
      s.keys[n++] = rank_key(scores[i], static_cast<std::uint32_t>(i));
      (s.relevant[i] ? s.positive_keys[n_pos++] : s.negative_keys[n_neg++]) = order_key(scores[i]);
    }
    const std::size_t top = std::min<std::size_t>(static_cast<std::size_t>(k), n);
    double auc;
    if (n_pos <= max_positives_for_counting(static_cast<std::size_t>(n_candidates(u)))) {
      auc = auc_by_counting(s.positive_keys.data(), n_pos, s.negative_keys.data(), n_neg);
      // Only the top k need an order: a heap pass instead of a full sort.
      std::partial_sort(s.keys.begin(), s.keys.begin() + static_cast<std::ptrdiff_t>(top),
                        s.keys.begin() + static_cast<std::ptrdiff_t>(n));
    } else {
      std::sort(s.keys.begin(), s.keys.begin() + static_cast<std::ptrdiff_t>(n));  // the top k too
      auc = auc_of_sorted(s.keys.data(), n, [&](std::uint32_t i) { return s.relevant[i] != 0; });
    }
    UserMetrics& metrics = per_user[index];
    for (std::size_t rank = 0; rank < top; ++rank)
      if (s.relevant[index_part(s.keys[rank])]) metrics.walk.hit_at(static_cast<std::int64_t>(rank) + 1);
    metrics.auc = auc;
    metrics.top = static_cast<std::int64_t>(top);
    metrics.n_relevant = n_relevant;
    unmark(s, u);
  };

  // Each thread takes the next block until none is left (a busy core takes fewer), scores it
  // into its own buffer and ranks its users.
  const std::size_t blocks = (users.size() + block_size - 1) / block_size;
  const int parts = pool ? static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(pool->size()), blocks)) : 1;
  while (scratch.size() < static_cast<std::size_t>(parts)) scratch.push_back(make_scratch());
  std::atomic<std::size_t> next_block{0};
  auto rank_blocks = [&](int t) {
    Scratch& s = scratch[static_cast<std::size_t>(t)];
    for (std::size_t b; (b = next_block.fetch_add(1, std::memory_order_relaxed)) < blocks;) {
      const std::size_t begin = b * block_size, count = std::min(block_size, users.size() - begin);
      score(users.data() + begin, static_cast<int>(count), s.block_scores.data());
      for (std::size_t r = 0; r < count; ++r) rank_user(s, begin + r, s.block_scores.data() + r * items);
    }
  };
  if (parts > 1)
    pool->run(parts, rank_blocks);
  else
    rank_blocks(0);

  RankingSums sums(k);
  for (const UserMetrics& m : per_user) sums.add_user(m.auc, m.walk, m.top, m.n_relevant);
  sums.finish(result);
  return result;
}

}  // namespace tripletrec

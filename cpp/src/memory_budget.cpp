// Byte estimates per stage and the budget checks (see memory_budget.hpp). Every product is
// taken in 64 bits and saturates, so no option, however large, can wrap a size around.
#include "tripletrec/memory_budget.hpp"

#include "embedding_bag.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace tripletrec {
namespace {

constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();

std::uint64_t mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > kSaturated / a) return kSaturated;
  return a * b;
}
std::uint64_t add(std::uint64_t a, std::uint64_t b) { return b > kSaturated - a ? kSaturated : a + b; }
std::uint64_t count(std::int64_t n) { return n < 0 ? 0 : static_cast<std::uint64_t>(n); }
std::uint64_t count(int n) { return n < 0 ? 0 : static_cast<std::uint64_t>(n); }

std::string with_commas(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The deep model's widths: the input (user_dim + item_dim), the hidden layers, the output.
std::uint64_t widest_layer(const ModelConfig& c) {
  if (c.kind != ModelKind::Deep) return count(c.embedding_dim);
  std::uint64_t widest = add(count(c.user_dim), count(c.item_dim));
  for (const int h : c.hidden) widest = std::max(widest, count(h));
  return widest;
}

std::uint64_t table_parameters(const ModelConfig& c, std::int64_t n_users, std::int64_t n_items) {
  if (c.kind != ModelKind::Deep) return mul(add(count(n_users), count(n_items)), count(c.embedding_dim));  // (FM: + n_items linear weights, small)
  return add(mul(count(n_users), count(c.user_dim)), mul(count(n_items), count(c.item_dim)));
}

std::uint64_t dense_parameters(const ModelConfig& c) {
  if (c.kind != ModelKind::Deep) return 0;
  std::uint64_t total = 0, in = add(count(c.user_dim), count(c.item_dim));
  for (const int h : c.hidden) {
    total = add(total, add(mul(in, count(h)), count(h)));
    in = count(h);
  }
  return add(total, add(in, 1));
}

// The option that makes a model large: the one whose term of the parameter count is biggest.
OptionId largest_model_option(const ModelConfig& c, std::int64_t n_users, std::int64_t n_items) {
  if (c.kind != ModelKind::Deep) return OptionId::EmbeddingDim;
  const std::uint64_t users = mul(count(n_users), count(c.user_dim));
  const std::uint64_t items = mul(count(n_items), count(c.item_dim));
  const std::uint64_t dense = dense_parameters(c);
  if (dense >= users && dense >= items) return OptionId::Hidden;
  return users >= items ? OptionId::UserDim : OptionId::ItemDim;
}

std::string over_budget_text(const std::string& what, std::uint64_t needed, std::uint64_t budget) {
  return what + " needs " + describe_bytes(needed) + ", over the memory budget of " + describe_bytes(budget);
}

[[noreturn]] void over_budget(OptionId option, const std::string& what, std::uint64_t needed, std::uint64_t budget) {
  throw MemoryBudgetError(option, over_budget_text(what, needed, budget), needed, budget);
}

}  // namespace

std::string describe_bytes(std::uint64_t bytes) {
  if (bytes == kSaturated) return "more than 18 EB (the size overflows 64 bits)";
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 5) value /= 1024, ++unit;
  if (unit < 0) return with_commas(bytes) + " bytes";
  char scaled[32];
  std::snprintf(scaled, sizeof scaled, "%.1f %s", value, kUnits[unit]);
  return with_commas(bytes) + " bytes (" + scaled + ")";
}

std::uint64_t model_parameter_count(const ModelConfig& c, std::int64_t n_users, std::int64_t n_items) {
  return add(table_parameters(c, n_users, n_items), dense_parameters(c));
}

std::uint64_t model_bytes(const ModelConfig& c, std::int64_t n_users, std::int64_t n_items) {
  // Tables: weights and Adam's two moments (12 bytes per weight) and a row index per row.
  // Dense layers: weights, moments, the batch's gradient and a transposed copy (20 bytes).
  const std::uint64_t bytes =
      add(add(mul(table_parameters(c, n_users, n_items), 12), mul(add(count(n_users), count(n_items)), 4)),
          mul(dense_parameters(c), 20));
  if (c.kind != ModelKind::Deep) return bytes;
  // The deep model's scoring cache: the first layer's item part for every item, unit-major and
  // item-major (evaluation, fold-in), 8 bytes per item and unit.
  const std::uint64_t units = c.hidden.empty() ? 1 : count(c.hidden.front());
  return add(bytes, mul(mul(count(n_items), units), 8));
}

std::uint64_t training_bytes(const ModelConfig& c, const TrainOptions& o, std::int64_t n_positives,
                             std::int64_t n_users, std::int64_t n_items) {
  // The epoch's triplets: order, users, positives, negatives (4 x 4 bytes per positive pair),
  // split between the threads' shards.
  const std::uint64_t shared = mul(count(n_positives), 16);
  return add(shared, mul(count(o.threads), training_workspace_bytes(c, o, n_users, n_items)));
}

std::uint64_t training_workspace_bytes(const ModelConfig& c, const TrainOptions& o, std::int64_t n_users,
                                       std::int64_t n_items) {
  // Hard negatives score every item of a user; each embedding table's gradient accumulator keeps
  // a slot per table row (4 bytes each).
  std::uint64_t bytes = mul(add(count(n_items), add(count(n_users), count(n_items))), 4);
  // A batch has two lanes per triplet (positive, negative). Per lane: the activations and
  // dropout masks of every layer's input, and three buffers of the widest layer (gathered rows,
  // gradients in and out), 4 bytes each; plus the embedding rows' gradients.
  const std::uint64_t lanes = mul(count(o.batch_size), 2);
  // On several threads, the bilinear and deep models' copy of a small item table: rows, rows at
  // the last sync and two moments (16 bytes per weight).
  if (o.threads > 1 && n_items <= IdReplica::kMaxRows && (c.kind == ModelKind::Bilinear || c.kind == ModelKind::Deep)) {
    const int item_width = c.kind == ModelKind::Deep ? c.item_dim : c.embedding_dim;
    bytes = add(bytes, mul(mul(count(n_items), count(item_width)), 16));
  }
  std::uint64_t per_lane = mul(widest_layer(c), 3);
  if (c.kind == ModelKind::Deep) {
    std::uint64_t inputs = add(count(c.user_dim), count(c.item_dim));
    for (const int h : c.hidden) inputs = add(inputs, count(h));
    per_lane = add(per_lane, mul(inputs, 2));
    // The dense layers' gradients (model_bytes counts one set; each thread has its own).
    bytes = add(bytes, mul(dense_parameters(c), 4));
    // On several threads, each thread's copy of the MLP (weights and two moments) and the copy as
    // it was at the last sync (the same), 24 bytes per weight.
    if (o.threads > 1) bytes = add(bytes, mul(dense_parameters(c), 24));
  }
  return add(bytes, mul(mul(lanes, per_lane), 4));
}

std::uint64_t evaluation_bytes(const ModelConfig& c, std::int64_t n_users, std::int64_t n_items, std::int64_t k,
                               int threads) {
  // Per evaluated user: its index and its metrics, kept until they are summed in user order.
  const std::uint64_t shared = add(mul(count(n_users), 52), mul(add(count(k), 1), 8));
  return add(shared, mul(count(threads), evaluation_thread_bytes(c, n_items)));
}

std::uint64_t evaluation_thread_bytes(const ModelConfig& c, std::int64_t n_items) {
  // Per item: score, sort key, two labels, two split keys (22 bytes). The deep model scores all
  // items of a user at once: its first layer's item part and two activations of the widest
  // layer, per item.
  std::uint64_t per_item = 22;
  if (c.kind == ModelKind::Deep) {
    const std::uint64_t first = c.hidden.empty() ? 1 : count(c.hidden.front());
    per_item = add(per_item, mul(add(add(count(c.item_dim), first), mul(widest_layer(c), 2)), 4));
  }
  return mul(count(n_items), per_item);
}

std::uint64_t preparation_bytes(std::int64_t loaded_rows) {
  // Slots, ratings and raw ids while preprocessing, then the data set's columns and the split
  // (about 48 bytes per row at the peak).
  return mul(count(loaded_rows), 48);
}

std::uint64_t sample_bytes(const SampleOptions& o) {
  // About 14 bytes of CSV text per rating, then 20 bytes per row once parsed (both held at once).
  const double rows = static_cast<double>(o.users) * normalised(o).ratings_per_user.value_or(0);
  if (!(rows >= 0) || rows > 1e17) return kSaturated;
  return mul(static_cast<std::uint64_t>(rows), 34);
}

void check_model_fits(const ModelConfig& c, std::int64_t n_users, std::int64_t n_items, std::uint64_t budget) {
  const std::uint64_t bytes = model_bytes(c, n_users, n_items);
  if (bytes > budget)
    over_budget(largest_model_option(c, n_users, n_items),
                "the model (" + with_commas(model_parameter_count(c, n_users, n_items)) +
                    " parameters with Adam's moments)",
                bytes, budget);
}

void check_training_fits(const ModelConfig& c, const TrainOptions& o, std::int64_t n_positives,
                         std::int64_t n_users, std::int64_t n_items, std::uint64_t budget) {
  const std::uint64_t held = model_bytes(c, n_users, n_items);
  const std::uint64_t needed = add(held, training_bytes(c, o, n_positives, n_users, n_items));
  if (needed <= budget) return;
  TrainOptions one_thread = o;
  one_thread.threads = 1;
  if (o.threads > 1 && add(held, training_bytes(c, one_thread, n_positives, n_users, n_items)) <= budget)
    over_budget(OptionId::Threads,
                "training on " + with_commas(count(o.threads)) + " threads (each with its own buffers of " +
                    describe_bytes(training_workspace_bytes(c, o, n_users, n_items)) + ")",
                needed, budget);
  over_budget(OptionId::BatchSize,
              "training with batches of " + with_commas(count(o.batch_size)) + " triplets (widest layer " +
                  with_commas(widest_layer(c)) + ")",
              needed, budget);
}

void check_evaluation_fits(const ModelConfig& c, std::int64_t n_users, std::int64_t n_items, std::int64_t k,
                           std::uint64_t budget, int threads) {
  const std::uint64_t held = model_bytes(c, n_users, n_items);
  const std::uint64_t bytes = evaluation_bytes(c, n_users, n_items, k, threads);
  if (add(held, bytes) <= budget) return;
  const std::uint64_t for_k = mul(add(count(k), 1), 8);
  if (for_k > bytes - for_k)
    over_budget(OptionId::K, "evaluating the top " + with_commas(count(k)) + " items", add(held, bytes), budget);
  over_budget(c.kind == ModelKind::Deep ? OptionId::Hidden : OptionId::EmbeddingDim,
              "scoring " + with_commas(count(n_items)) + " items per user" +
                  (threads > 1 ? " on " + with_commas(count(threads)) + " threads" : ""),
              add(held, bytes), budget);
}

void check_preparation_fits(std::int64_t loaded_rows, std::uint64_t budget) {
  const std::uint64_t bytes = preparation_bytes(loaded_rows);
  if (bytes > budget)
    throw UsageError("prepare: " + over_budget_text("preparing " + with_commas(count(loaded_rows)) + " loaded rating rows",
                                                    bytes, budget));
}

void check_sample_fits(const SampleOptions& o, std::uint64_t budget) {
  const std::uint64_t pairs = mul(count(o.users), count(o.items));
  if (pairs > kMaxSamplePairs)
    throw MemoryBudgetError(OptionId::SampleUsers,
                            "the sample's users x items is " + with_commas(pairs) + ", over the limit of " +
                                with_commas(kMaxSamplePairs) +
                                " (the generator visits every item for every user); use fewer users or items",
                            0, budget);
  const std::uint64_t bytes = sample_bytes(o);
  if (bytes > budget) over_budget(OptionId::SampleUsers, "the sample (" + with_commas(count(o.users)) + " users)", bytes, budget);
}

std::uint64_t check_memory_budget(std::uint64_t bytes) {
  if (bytes < kMinMemoryBudget || bytes > kMaxMemoryBudget)
    throw UsageError("memory budget: expected a number of bytes in [" + with_commas(kMinMemoryBudget) + ", " +
                     with_commas(kMaxMemoryBudget) + "], got " + with_commas(bytes));
  return bytes;
}

std::uint64_t memory_budget_from_number(double bytes, const std::string& name) {
  if (!(bytes >= static_cast<double>(kMinMemoryBudget) && bytes <= static_cast<double>(kMaxMemoryBudget)) ||
      bytes != std::floor(bytes)) {
    char given[64];
    std::snprintf(given, sizeof given, "%.17g", bytes);
    throw UsageError(name + ": expected a whole number of bytes in [" + with_commas(kMinMemoryBudget) + ", " +
                     with_commas(kMaxMemoryBudget) + "], got " + given);
  }
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace tripletrec

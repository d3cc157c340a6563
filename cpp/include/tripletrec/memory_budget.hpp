// The memory budget: every size an option implies is computed in 64 bits and checked against it
// before any work starts, so no setting can ask wasm32 (4 GiB of address space, often far less in
// a tab) or the native heap for more than it can give. The byte counts are estimates of what the
// engine allocates for each stage, erring on the large side; they live here, apart from the
// models' arithmetic, so the models can change without touching the rules.
#pragma once
#include <cstdint>
#include <string>

#include "tripletrec/error.hpp"
#include "tripletrec/model.hpp"
#include "tripletrec/options.hpp"
#include "tripletrec/sample_data.hpp"
#include "tripletrec/trainer.hpp"

namespace tripletrec {

// What a browser tab can give a wasm32 module with room to spare: 1 GiB. Natively it is a
// setting (Session::set_memory_budget, the CLI's --memory-budget).
inline constexpr std::uint64_t kDefaultMemoryBudget = std::uint64_t{1} << 30;
// The settable range: 1 MiB .. 1 TiB.
inline constexpr std::uint64_t kMinMemoryBudget = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMaxMemoryBudget = std::uint64_t{1} << 40;

// The sample generator draws each user's ratings over the whole catalogue: its work grows with
// users x items. Above this many pairs it would run for minutes, so it is refused.
inline constexpr std::uint64_t kMaxSamplePairs = std::uint64_t{1} << 30;

// A size over the budget: an OptionError naming the option that makes it large (each face prints
// its own name for it), with the bytes it would need.
struct MemoryBudgetError : OptionError {
  MemoryBudgetError(OptionId option, std::string problem, std::uint64_t bytes_needed, std::uint64_t budget)
      : OptionError(option, std::move(problem)), bytes_needed(bytes_needed), budget(budget) {}
  std::uint64_t bytes_needed, budget;
};

// Bytes, as messages show them: "17,179,869,184 bytes (16.0 GiB)".
std::string describe_bytes(std::uint64_t bytes);

// The weights (and for dense layers the biases) a model of this config has, in 64 bits.
std::uint64_t model_parameter_count(const ModelConfig& config, std::int64_t n_users, std::int64_t n_items);

// A model's weights, Adam's moments, its gradient buffers and transposed copies.
std::uint64_t model_bytes(const ModelConfig& config, std::int64_t n_users, std::int64_t n_items);
// Training's buffers: the epoch's triplets (per positive pair) and each training thread's
// workspace (options.threads of them).
std::uint64_t training_bytes(const ModelConfig& config, const TrainOptions& options,
                             std::int64_t n_positives, std::int64_t n_users, std::int64_t n_items);
// One training thread's workspace: the activations of a batch (batch x widest layer, which grow
// with batch_size), the gradient accumulators of the tables and dense layers, hard negatives' scores.
std::uint64_t training_workspace_bytes(const ModelConfig& config, const TrainOptions& options,
                                       std::int64_t n_users, std::int64_t n_items);
// Evaluation: each user's metrics and the ideal-DCG table of the ranking metrics at k (8 bytes
// per rank), and per evaluating thread its per-item buffers (evaluation_thread_bytes).
std::uint64_t evaluation_bytes(const ModelConfig& config, std::int64_t n_users, std::int64_t n_items,
                               std::int64_t k, int threads = 1);
// One evaluating thread's per-item buffers (scores, sort keys, labels) and the model's scoring buffers.
std::uint64_t evaluation_thread_bytes(const ModelConfig& config, std::int64_t n_items);
// Preprocessing and the split: columns and id maps per loaded row.
std::uint64_t preparation_bytes(std::int64_t loaded_rows);
// The sample: its CSV text and its parsed columns.
std::uint64_t sample_bytes(const SampleOptions& options);

// Each throws MemoryBudgetError (naming the option that makes the size large) when the stage
// would need more than `budget` bytes, counting what it holds meanwhile (the model while training
// or evaluating). Training on several threads that would fit on one names the threads option.
// Preparation names no option: its size is the loaded data's (a UsageError).
void check_model_fits(const ModelConfig& config, std::int64_t n_users, std::int64_t n_items,
                      std::uint64_t budget);
void check_training_fits(const ModelConfig& config, const TrainOptions& options,
                         std::int64_t n_positives, std::int64_t n_users, std::int64_t n_items,
                         std::uint64_t budget);
void check_evaluation_fits(const ModelConfig& config, std::int64_t n_users, std::int64_t n_items,
                           std::int64_t k, std::uint64_t budget, int threads = 1);
void check_preparation_fits(std::int64_t loaded_rows, std::uint64_t budget);
// Also bounds the generator's work (kMaxSamplePairs).
void check_sample_fits(const SampleOptions& options, std::uint64_t budget);

// The budget itself must be in [kMinMemoryBudget, kMaxMemoryBudget] (UsageError otherwise).
std::uint64_t check_memory_budget(std::uint64_t bytes);
// The same for a budget given as a number (the package's `memoryBudget`): a whole number in that
// range, or a UsageError that starts with `name`, the option as its caller spells it.
std::uint64_t memory_budget_from_number(double bytes, const std::string& name);

}  // namespace tripletrec

// Epochs of freshly sampled triplets (the notebook's sample_triplets + fit(shuffle=True)),
// in batches, with progress and cooperative cancellation.
#include "tripletrec/trainer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <numeric>

#include "models_internal.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec {

TrainOptions TrainOptions::defaults_for(ModelKind kind) {
  TrainOptions options;
  if (kind == ModelKind::Deep) options.epochs = 20;
  options.threads = hardware_threads();
  return options;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void check_options(const Model& model, const Positives& train, const TrainOptions& o) {
  if (o.epochs < 1) throw UsageError("train: epochs must be >= 1, got " + std::to_string(o.epochs));
  if (o.batch_size < 1) throw UsageError("train: batch_size must be >= 1, got " + std::to_string(o.batch_size));
  if (o.threads < 1) throw UsageError("train: threads must be >= 1, got " + std::to_string(o.threads));
  if (o.negatives != NegativeSampling::Uniform && o.negatives != NegativeSampling::UniformUnseen &&
      o.negatives != NegativeSampling::Hard)
    throw UsageError("train: unknown negative sampling");
  if (o.negatives == NegativeSampling::Hard && (o.hard_candidates < 1 || o.hard_candidates > 100000))
    throw UsageError("train: hard_candidates must be in [1, 100000], got " + std::to_string(o.hard_candidates));
  if (train.size() == 0) throw UsageError("train: there are no positive pairs to train on");
  if (train.size() > 0xFFFFFFFFu) throw UsageError("train: too many positive pairs");
  if (train.n_users > model.n_users() || train.n_items > model.n_items())
    throw UsageError("train: the positives have " + std::to_string(train.n_users) + " users and " +
                     std::to_string(train.n_items) + " items but the model was built for " +
                     std::to_string(model.n_users()) + " and " + std::to_string(model.n_items()));
  if (train.item.size() != train.size() || train.offsets.size() != static_cast<std::size_t>(train.n_users) + 1)
    throw UsageError("train: malformed positives (list and CSR sizes disagree)");
}

// Uniform over the items that are not the user's train positives; uniform over all items for a
// user who has every item (there is no unseen one to choose).
std::int32_t sample_unseen(const Positives& train, std::int32_t user, std::int32_t n_items, Rng& rng) {
  const auto* begin = train.begin_of(user);
  const auto* end = train.end_of(user);
  const auto seen = static_cast<std::int32_t>(end - begin);
  if (seen >= n_items) return static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(n_items)));
  // Rejection is fast while few items are seen; after many misses, pick the k-th unseen item.
  for (int attempt = 0; attempt < 32; ++attempt) {
    const auto item = static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(n_items)));
    if (!train.contains(user, item)) return item;
  }
  auto item = static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(n_items - seen)));
  // The k-th unseen item: every seen item at or below the candidate pushes it one further.
  for (const auto* p = begin; p != end && *p <= item; ++p) ++item;
  return item;
}

[[noreturn]] void diverged(const Progress& p, const std::string& what) {
  throw TrainingDiverged("training diverged in epoch " + std::to_string(p.epoch + 1) + ", batch " +
                         std::to_string(p.batch + 1) + ": " + what +
                         "; the learning rate is too large for this model (the model was discarded: "
                         "create it again with a smaller learning rate)");
}

}  // namespace

bool parameters_finite(Model& model) {
  for (const Tensor& t : model.parameters())
    if (!std::all_of(t.data, t.data + t.size(), [](float w) { return std::isfinite(w); })) return false;
  return true;
}

// One training thread's share of an epoch (its positives and their triplets, sampled and shuffled
// by that thread) and its state: generator, workspace, and what it trained. A thread trains its own
// shard's batches first, then takes what is left of the others' (work stealing, batch by batch), so
// a slower core does not hold the faster ones at the end of every round and epoch.
struct Trainer::Shard {
  std::size_t begin = 0, end = 0;  // its positives in the train list
  std::unique_ptr<TrainingWorkspace> workspace;
  Rng rng{0};
  std::vector<std::uint32_t> order;
  std::vector<std::int32_t> users, pos, neg;
  std::vector<float> scores;     // hard negatives: the scores of one user
  std::int64_t batches = 0;      // per epoch
  std::atomic<std::int64_t> claimed{0};  // its batches handed to a thread this epoch (may pass `batches`)
  // What this shard's thread trained, from any shard: batches and loss sum in this epoch, and in
  // this round.
  std::int64_t trained = 0;
  double loss_sum = 0;
  std::int64_t round_triplets = 0;
  std::int64_t round_batches = 0;
  bool diverged = false;
  float bad_loss = 0;
  bool exhausted() const { return claimed.load(std::memory_order_relaxed) >= batches; }
  std::size_t size() const { return end - begin; }
};

Trainer::Trainer(Model& model, const Positives& train, const TrainOptions& options,
                 const std::vector<std::int32_t>* negative_items, ThreadPool* pool)
    : model_(model), train_(train),
      negative_items_(negative_items && !negative_items->empty() ? negative_items : nullptr),
      options_(options) {
  check_options(model, train, options);
  if (negative_items_)
    for (const std::int32_t item : *negative_items_)
      if (item < 0 || item >= model.n_items())
        throw UsageError("train: negative item " + std::to_string(item) + " out of range");
  const auto start = Clock::now();
  const std::int64_t n = static_cast<std::int64_t>(train.size());
  int threads = options.threads;
  if (!model.parallel_training() || model_optimizer_config(model).keras_exact) threads = 1;
  threads = static_cast<int>(std::min<std::int64_t>(threads, n));
  if (threads > 1) {
    if (pool == nullptr) {
      own_pool_ = std::make_unique<ThreadPool>(threads);
      pool = own_pool_.get();
    }
    pool_ = pool;
    threads = std::min(threads, pool_->size());
  }
  const int batch_size = options.batch_size;
  for (int t = 0; t < threads; ++t) {
    auto shard = std::make_unique<Shard>();
    shard->begin = static_cast<std::size_t>(n * t / threads);
    shard->end = static_cast<std::size_t>(n * (t + 1) / threads);
    shard->workspace = model.make_workspace();
    shard->workspace->other_threads = threads > 1;
    shard->order.resize(shard->size());
    shard->users.resize(shard->size());
    shard->pos.resize(shard->size());
    shard->neg.resize(shard->size());
    shard->batches = (static_cast<std::int64_t>(shard->size()) + batch_size - 1) / batch_size;
    progress_.batches_per_epoch += shard->batches;
    shards_.push_back(std::move(shard));
  }
  progress_.epochs = options.epochs;
  progress_.threads = threads;
  begin_epoch();
  seconds_ = seconds_since(start);
  progress_.elapsed_seconds = seconds_;
}

std::int32_t Trainer::draw_item(Rng& rng) {
  if (!negative_items_) return static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(model_.n_items())));
  return (*negative_items_)[rng.below(static_cast<std::uint32_t>(negative_items_->size()))];
}

Trainer::~Trainer() = default;

void Trainer::sample_shard(Shard& shard, std::uint64_t stream) {
  // One stream per epoch (negatives, shuffle, dropout), like the notebook's seed per epoch; with
  // several threads, one sub-stream per thread.
  const Rng epoch_rng = Rng(options_.seed).fork(static_cast<std::uint64_t>(progress_.epoch));
  shard.rng = shards_.size() == 1 ? epoch_rng : epoch_rng.fork(stream);
  Rng& rng = shard.rng;
  const std::size_t n = shard.size();
  const std::int32_t n_items = model_.n_items();
  // Negatives in the positives' order (one score_items per user run for Hard), then shuffle.
  std::int32_t scored_user = -1;
  for (std::size_t k = 0; k < n; ++k) {
    const std::int32_t user = train_.user[shard.begin + k];
    std::int32_t negative;
    switch (options_.negatives) {
      case NegativeSampling::Uniform:
        negative = draw_item(rng);
        break;
      case NegativeSampling::UniformUnseen:
        if (!negative_items_) {
          negative = sample_unseen(train_, user, n_items, rng);
          break;
        }
        // From the pool: rejection, then the last draw (a user who has seen most of the pool).
        negative = draw_item(rng);
        for (int attempt = 1; attempt < 32 && train_.contains(user, negative); ++attempt) negative = draw_item(rng);
        break;
      case NegativeSampling::Hard:
      default: {
        if (user != scored_user) {
          shard.scores.resize(static_cast<std::size_t>(n_items));
          model_.score_items(user, shard.scores.data());
          scored_user = user;
        }
        negative = draw_item(rng);
        for (int c = 1; c < options_.hard_candidates; ++c) {
          const std::int32_t candidate = draw_item(rng);
          if (shard.scores[candidate] > shard.scores[negative]) negative = candidate;
        }
        break;
      }
    }
    shard.neg[k] = negative;
  }
  std::iota(shard.order.begin(), shard.order.end(), 0u);
  shuffle(shard.order, rng);
  // users/pos take the shuffled order; pos briefly holds the unshuffled negatives.
  shard.pos.swap(shard.neg);
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint32_t from = shard.order[k];
    shard.users[k] = train_.user[shard.begin + from];
    shard.neg[k] = shard.pos[from];
  }
  for (std::size_t k = 0; k < n; ++k) shard.pos[k] = train_.item[shard.begin + shard.order[k]];
  shard.claimed.store(0, std::memory_order_relaxed);
  shard.trained = 0;
  shard.loss_sum = 0;
}

void Trainer::begin_epoch() {
  if (shards_.size() == 1) {
    sample_shard(*shards_[0], 0);
  } else {
    auto sample = [this](int t) { sample_shard(*shards_[static_cast<std::size_t>(t)], 1 + static_cast<std::uint64_t>(t)); };
    pool_->run(threads(), sample);
  }
  progress_.batch = 0;
  progress_.loss = 0;
}

void Trainer::train_thread(std::size_t thread, std::atomic<std::int64_t>& budget) {
  // Batches are taken from the round's budget a few at a time: an atomic per batch on a cache line
  // that every thread writes would cost more than the stealing gains.
  constexpr std::int64_t kTake = 8;
  Shard& own = *shards_[thread];
  own.round_batches = own.round_triplets = 0;
  std::int64_t allowance = 0;  // batches taken from the budget and not yet trained
  const std::size_t n_shards = shards_.size();
  for (std::size_t k = 0; k < n_shards && !own.diverged; ++k) {
    Shard& shard = *shards_[(thread + k) % n_shards];  // its own shard first, then the others' leftovers
    while (!own.diverged && !shard.exhausted()) {
      if (allowance == 0) {
        const std::int64_t left = budget.fetch_sub(kTake, std::memory_order_relaxed);
        if (left <= 0) break;  // the round is spent
        allowance = std::min(kTake, left);
      }
      const std::int64_t b = shard.claimed.fetch_add(1, std::memory_order_relaxed);
      if (b >= shard.batches) break;
      --allowance;
      const std::int64_t first = b * options_.batch_size;
      const int count = static_cast<int>(std::min<std::int64_t>(options_.batch_size,
                                                                static_cast<std::int64_t>(shard.size()) - first));
      const float loss = model_.train_batch(*own.workspace, shard.users.data() + first, shard.pos.data() + first,
                                            shard.neg.data() + first, count, own.rng);
      if (!std::isfinite(loss)) {
        own.diverged = true;
        own.bad_loss = loss;
        break;
      }
      own.loss_sum += loss;
      ++own.trained;
      ++own.round_batches;
      own.round_triplets += count;
    }
    if (allowance == 0 && budget.load(std::memory_order_relaxed) <= 0) break;
  }
  model_.end_round(*own.workspace);
}

bool Trainer::finished() const { return progress_.epoch >= progress_.epochs; }

bool Trainer::step(std::int64_t max_batches) {
  const auto start = Clock::now();
  const int threads = this->threads();
  std::int64_t left = max_batches;
  while (left > 0 && !finished()) {
    // One round: the threads train up to `left` batches between them, within the epoch.
    std::atomic<std::int64_t> budget{left};
    if (threads == 1) {
      train_thread(0, budget);
    } else {
      auto train_part = [this, &budget](int t) { train_thread(static_cast<std::size_t>(t), budget); };
      pool_->run(threads, train_part);
    }
    std::int64_t batches = 0, round = 0;
    double loss_sum = 0;
    bool epoch_done = true;
    for (const auto& shard : shards_) {  // in shard order: the same sums on one thread as ever
      batches += shard->trained;
      loss_sum += shard->loss_sum;
      round += shard->round_batches;
      progress_.triplets += shard->round_triplets;
      epoch_done = epoch_done && shard->exhausted();
    }
    progress_.batch = batches;
    progress_.loss = batches > 0 ? loss_sum / static_cast<double>(batches) : 0;
    for (const auto& shard : shards_)
      if (shard->diverged) diverged(progress_, "the loss is " + std::to_string(shard->bad_loss));
    left -= round;
    if (epoch_done) {
      // A margin loss hides NaN scores (max(0, NaN) is 0): the weights tell, once per epoch.
      if (!parameters_finite(model_)) {
        --progress_.batch;
        diverged(progress_, "the weights are no longer finite numbers");
      }
      progress_.epoch_losses.push_back(progress_.loss);
      ++progress_.epoch;
      if (!finished()) begin_epoch();  // a finished run keeps its last batch count and loss
      // Several threads stop at the epoch's end (their rounds are large), so a caller can
      // evaluate the model exactly as it is after each epoch.
      if (threads > 1) break;
    }
    if (round == 0) break;
  }
  seconds_ += seconds_since(start);
  progress_.elapsed_seconds = seconds_;
  return !finished();
}

TrainResult train(Model& model, const Positives& train, const TrainOptions& options,
                  const ProgressCallback& callback, const std::atomic<bool>* cancel,
                  const std::vector<std::int32_t>* negative_items, ThreadPool* pool) {
  Trainer trainer(model, train, options, negative_items, pool);
  // One batch per step on one thread (progress and cancel after each, as ever); on several, a
  // full round (kRoundBatchesPerThread, trainer.hpp).
  const std::int64_t per_step = trainer.threads() == 1 ? 1 : kRoundBatchesPerThread * trainer.threads();
  TrainResult result;
  while (!trainer.finished()) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      result.cancelled = true;
      break;
    }
    trainer.step(per_step);
    if (callback && !callback(trainer.progress()) && !trainer.finished()) {
      result.cancelled = true;
      break;
    }
  }
  const Progress& p = trainer.progress();
  result.epochs_completed = static_cast<int>(p.epoch_losses.size());
  result.epoch_losses = p.epoch_losses;
  result.seconds = p.elapsed_seconds;
  result.triplets = p.triplets;
  result.triplets_per_second = p.elapsed_seconds > 0 ? static_cast<double>(p.triplets) / p.elapsed_seconds : 0;
  result.threads = p.threads;
  return result;
}

}  // namespace tripletrec

// Epochs of freshly sampled triplets (the notebook's sample_triplets + fit(shuffle=True)),
// in batches, with progress and cooperative cancellation.
#include "tripletrec/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "tripletrec/error.hpp"

namespace tripletrec {

TrainOptions TrainOptions::defaults_for(ModelKind kind) {
  TrainOptions options;
  if (kind == ModelKind::Deep) options.epochs = 20;
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

Trainer::Trainer(Model& model, const Positives& train, const TrainOptions& options,
                 const std::vector<std::int32_t>* negative_items)
    : model_(model), train_(train),
      negative_items_(negative_items && !negative_items->empty() ? negative_items : nullptr),
      options_(options), rng_(options.seed) {
  check_options(model, train, options);
  if (negative_items_)
    for (const std::int32_t item : *negative_items_)
      if (item < 0 || item >= model.n_items())
        throw UsageError("train: negative item " + std::to_string(item) + " out of range");
  const auto start = Clock::now();
  const std::int64_t n = static_cast<std::int64_t>(train.size());
  progress_.epochs = options.epochs;
  progress_.batches_per_epoch = (n + options.batch_size - 1) / options.batch_size;
  order_.resize(train.size());
  users_.resize(train.size());
  pos_.resize(train.size());
  neg_.resize(train.size());
  begin_epoch();
  seconds_ = seconds_since(start);
  progress_.elapsed_seconds = seconds_;
}

std::int32_t Trainer::draw_item() {
  if (!negative_items_) return static_cast<std::int32_t>(rng_.below(static_cast<std::uint32_t>(model_.n_items())));
  return (*negative_items_)[rng_.below(static_cast<std::uint32_t>(negative_items_->size()))];
}

void Trainer::begin_epoch() {
  // One stream per epoch (negatives, shuffle, dropout), like the notebook's seed per epoch.
  rng_ = Rng(options_.seed).fork(static_cast<std::uint64_t>(progress_.epoch));
  const std::size_t n = train_.size();
  const std::int32_t n_items = model_.n_items();
  // Negatives in the positives' order (one score_items per user run for Hard), then shuffle.
  std::vector<float> scores;
  std::int32_t scored_user = -1;
  for (std::size_t k = 0; k < n; ++k) {
    const std::int32_t user = train_.user[k];
    std::int32_t negative;
    switch (options_.negatives) {
      case NegativeSampling::Uniform:
        negative = draw_item();
        break;
      case NegativeSampling::UniformUnseen:
        if (!negative_items_) {
          negative = sample_unseen(train_, user, n_items, rng_);
          break;
        }
        // From the pool: rejection, then the last draw (a user who has seen most of the pool).
        negative = draw_item();
        for (int attempt = 1; attempt < 32 && train_.contains(user, negative); ++attempt) negative = draw_item();
        break;
      case NegativeSampling::Hard:
      default: {
        if (user != scored_user) {
          scores.resize(static_cast<std::size_t>(n_items));
          model_.score_items(user, scores.data());
          scored_user = user;
        }
        negative = draw_item();
        for (int c = 1; c < options_.hard_candidates; ++c) {
          const std::int32_t candidate = draw_item();
          if (scores[candidate] > scores[negative]) negative = candidate;
        }
        break;
      }
    }
    neg_[k] = negative;
  }
  std::iota(order_.begin(), order_.end(), 0u);
  shuffle(order_, rng_);
  // users_/pos_ take the shuffled order; pos_ briefly holds the unshuffled negatives.
  pos_.swap(neg_);
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint32_t from = order_[k];
    users_[k] = train_.user[from];
    neg_[k] = pos_[from];
  }
  for (std::size_t k = 0; k < n; ++k) pos_[k] = train_.item[order_[k]];
  epoch_loss_sum_ = 0;
  progress_.batch = 0;
  progress_.loss = 0;
}

bool Trainer::finished() const { return progress_.epoch >= progress_.epochs; }

bool Trainer::step(std::int64_t max_batches) {
  const auto start = Clock::now();
  const std::int64_t n = static_cast<std::int64_t>(train_.size());
  for (std::int64_t done = 0; done < max_batches && !finished(); ++done) {
    const std::int64_t first = progress_.batch * options_.batch_size;
    const int count = static_cast<int>(std::min<std::int64_t>(options_.batch_size, n - first));
    const float loss = model_.train_batch(users_.data() + first, pos_.data() + first, neg_.data() + first,
                                          count, rng_);
    if (!std::isfinite(loss)) diverged(progress_, "the loss is " + std::to_string(loss));
    epoch_loss_sum_ += loss;
    ++progress_.batch;
    progress_.triplets += count;
    progress_.loss = epoch_loss_sum_ / static_cast<double>(progress_.batch);
    if (progress_.batch == progress_.batches_per_epoch) {
      // A margin loss hides NaN scores (max(0, NaN) is 0): the weights tell, once per epoch.
      if (!parameters_finite(model_)) {
        --progress_.batch;
        diverged(progress_, "the weights are no longer finite numbers");
      }
      progress_.epoch_losses.push_back(progress_.loss);
      ++progress_.epoch;
      if (!finished()) begin_epoch();  // a finished run keeps its last batch count and loss
    }
  }
  seconds_ += seconds_since(start);
  progress_.elapsed_seconds = seconds_;
  return !finished();
}

TrainResult train(Model& model, const Positives& train, const TrainOptions& options,
                  const ProgressCallback& callback, const std::atomic<bool>* cancel,
                  const std::vector<std::int32_t>* negative_items) {
  Trainer trainer(model, train, options, negative_items);
  TrainResult result;
  while (!trainer.finished()) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      result.cancelled = true;
      break;
    }
    trainer.step(1);
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
  return result;
}

}  // namespace tripletrec

// The notebook's DeepTripletModel: user and item embeddings, concatenated, through a shared MLP
// (Dropout -> [Dense(h, relu) -> Dropout]* -> Dense(1, relu)) for the positive and the negative
// item, margin loss, Adam.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "adam.hpp"
#include "embedding_bag.hpp"
#include "fold_in.hpp"
#include "kernels.hpp"
#include "linalg.hpp"
#include "models_internal.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec {
namespace {

using linalg::Matrix;
using linalg::RowVector;

struct DenseLayer {
  int in = 0, out = 0;
  Matrix kernel;             // in x out (Keras' layout)
  RowVector bias;            // out
  AdamMoments kernel_moments, bias_moments;
};

// A dense layer's batch gradients, in a training thread's workspace.
struct DenseGradients {
  Matrix kernel_t;  // out x in: the kernel transposed, for the backward pass
  Matrix dkernel;   // in x out
  RowVector dbias;
};

// The number of batches a thread's copy of the MLP trains between syncs with the shared MLP
// (DeepWorkspace::mlp). Every batch updates every weight of the MLP, so threads that shared it
// moved its ~50 KB of weights and moments between the cores on every batch: measured on 2 cores
// (anime, bench/native_bench.cpp's scaling pairs), 2 threads trained 1.33-1.42x one thread's rate
// while two independent trainings reached 1.84-2.01x, and 1.79x with the MLP update left out.
// A small item table has the same problem (a batch updates ~128 of anime's 293 rows and their
// moments): each thread also trains a copy of it (IdReplica), synced as often as the MLP. Measured
// (anime, 3 alternations of 3 interleaved pairs, 2 threads): 0.97-1.04 M triplets/s with the table
// shared (and no row prefetch, adam.cpp), 1.14-1.23 M with both. The AUC at 20 epochs, seed 42, on
// 2 threads: mean 0.8353 (0.8314-0.8375, 54 runs) with the copies, 0.8356 (0.8315-0.8382, 71 runs)
// shared; one thread 0.8367. Copies merged without the lock gave 0.8286-0.8370 (lost merges).
constexpr int kMlpSyncBatches = 8;

// One training thread's state: activations, dropout masks and gradients of its batch.
struct DeepWorkspace final : TrainingWorkspace {
  // Per lane: acts[l] is layer l's input (after dropout), masks[l] its mask.
  int capacity = 0;  // the largest batch the buffers are sized for
  std::vector<std::vector<float>> acts, masks;
  std::vector<float> scores;
  // Backward: the active lanes, their gathered inputs, and gradients (d pre-activation, d input).
  std::vector<int> active;
  std::vector<float> gathered, dz, din;
  std::vector<DenseGradients> layers;
  BagGradients user_grads, item_grads;
  std::vector<float> user_scratch, item_scratch;  // composed vectors (features)
  // Several threads: this thread's copy of the MLP (weights and moments) and its weights as they
  // were at the last sync; empty on one thread, which trains the model's own MLP.
  std::vector<DenseLayer> mlp, mlp_at_sync;
  int mlp_batches = 0;  // batches since the last sync
  IdReplica items{kMlpSyncBatches};  // several threads, few items: this thread's copy of the item rows
  bool replicated() const { return kThreadsAvailable && !mlp.empty(); }
};

class DeepModel final : public ModelWithOptimizer {
 public:
  DeepModel(const ModelConfig& config, const OptimizerConfig& optimizer, std::int32_t n_users,
            std::int32_t n_items, const ModelFeatures* features, Rng& init)
      : ModelWithOptimizer(optimizer), config_(config), user_dim_(config.user_dim), item_dim_(config.item_dim),
        adam_(optimizer) {
    n_users_ = n_users;
    n_items_ = n_items;
    if (features) features_ = *features;
    user_.init_ids(n_users, user_dim_, keeps_ids(config, features_.user), init);  // Keras' Embedding default
    item_.init_ids(n_items, item_dim_, keeps_ids(config, features_.item), init);

    int in = user_dim_ + item_dim_;
    std::vector<int> widths = config.hidden;
    widths.push_back(1);
    for (const int out : widths) {
      DenseLayer layer;
      layer.in = in;
      layer.out = out;
      const float limit = static_cast<float>(std::sqrt(6.0 / (in + out)));  // Glorot uniform
      layer.kernel = uniform_table(in, out, limit, init);
      layer.bias = RowVector::Zero(out);
      layer.kernel_moments = AdamMoments(static_cast<std::size_t>(layer.kernel.size()));
      layer.bias_moments = AdamMoments(static_cast<std::size_t>(out));
      layers_.push_back(std::move(layer));
      in = out;
    }
    max_width_ = user_dim_ + item_dim_;
    for (const int h : config.hidden) max_width_ = std::max(max_width_, h);
    // Feature tables after the kernels: an id-only model draws exactly what it always drew.
    user_.init_features(&features_.user, init);
    item_.init_features(&features_.item, init);
  }

  ModelKind kind() const override { return ModelKind::Deep; }
  const ModelConfig& config() const override { return config_; }

  std::unique_ptr<TrainingWorkspace> make_workspace() const override {
    auto ws = std::make_unique<DeepWorkspace>();
    for (const DenseLayer& layer : layers_)
      ws->layers.push_back({Matrix::Zero(layer.out, layer.in), Matrix::Zero(layer.in, layer.out),
                            RowVector::Zero(layer.out)});
    ws->user_grads = user_.make_gradients();
    ws->item_grads = item_.make_gradients();
    ws->user_scratch.assign(static_cast<std::size_t>(user_dim_), 0.0f);
    ws->item_scratch.assign(static_cast<std::size_t>(item_dim_), 0.0f);
    return ws;
  }

  // Hogwild: threads update the embedding rows without locks (the floats and their Adam moments
  // may interleave between threads); each thread trains its own copy of the MLP and of a small item
  // table, and adds its change to the shared ones every kMlpSyncBatches batches; activations and
  // gradients are each thread's own.
  bool parallel_training() const override { return true; }

  float train_batch(TrainingWorkspace& workspace, const std::int32_t* users, const std::int32_t* pos,
                    const std::int32_t* neg, int count, Rng& rng) override {
    check_triplet_ids(users, pos, neg, count);
    if (count == 0) return 0.0f;
    auto& ws = static_cast<DeepWorkspace&>(workspace);
    reserve(ws, count);
    const std::vector<DenseLayer>& net = ws.replicated() ? ws.mlp : layers_;  // the MLP this thread trains
    // Only a valid cache is invalidated: a store every batch would move this cache line between
    // the training threads on every batch (they all read the model's fields).
    if (cache_valid_.load(std::memory_order_relaxed)) cache_valid_.store(false, std::memory_order_relaxed);
    const float lr = adam_.begin_step();

    const int lanes = 2 * count;  // [0, count): positive item, [count, 2 count): negative item
    const int n_layers = static_cast<int>(layers_.size());
    const bool dropout = config_.dropout > 0.0f;
    // Forward, with dropout on the input and after every hidden layer (one Rng draw per layer
    // seeds its masks).
    const int in0 = user_dim_ + item_dim_;
    const kernels::Dropout input_dropout(dropout ? rng.next() : 0, config_.dropout);
    for (int s = 0; s < lanes; ++s) {
      const std::size_t row = static_cast<std::size_t>(s) * in0;
      float* x = ws.acts[0].data() + row;
      const int t = s < count ? s : s - count;
      const float* user = user_.vector(users[t], ws.user_scratch.data());
      const std::int32_t item_row = s < count ? pos[t] : neg[t];
      const float* item = ws.items.active() ? ws.items.row(item_row) : item_.vector(item_row, ws.item_scratch.data());
      if (dropout) {
        float* m = ws.masks[0].data() + row;
        input_dropout.apply(static_cast<std::uint32_t>(row), user, x, m, user_dim_);
        input_dropout.apply(static_cast<std::uint32_t>(row + user_dim_), item, x + user_dim_, m + user_dim_, item_dim_);
      } else {
        linalg::RowMap(x, in0) << linalg::ConstRowMap(user, user_dim_), linalg::ConstRowMap(item, item_dim_);
      }
    }
    for (int l = 0; l < n_layers; ++l) {
      const DenseLayer& layer = net[l];
      float* out = l + 1 < n_layers ? ws.acts[l + 1].data() : ws.scores.data();
      kernels::dense_forward(ws.acts[l].data(), layer.in, layer.kernel.data(), layer.bias.data(), layer.out,
                             out, lanes);
      // A hidden layer's relu, then the next layer's dropout. The output layer's pre-activation
      // stays in the scores; relu(score) is applied below.
      if (l + 1 == n_layers) break;
      const std::size_t out_size = static_cast<std::size_t>(layer.out) * lanes;
      if (dropout)
        kernels::Dropout(rng.next(), config_.dropout).apply_after_relu(out, ws.masks[l + 1].data(), out_size);
      else
        linalg::ArrayMap(out, static_cast<Eigen::Index>(out_size)) = linalg::ArrayMap(out, static_cast<Eigen::Index>(out_size)).max(0.0f);
    }

    // Loss; the backward pass runs over the lanes that carry a gradient: triplets whose hinge is
    // active, and of those only the lanes whose output relu is on.
    const float scale = 1.0f / static_cast<float>(count);
    double loss_sum = 0;
    int n_active = 0;
    for (int t = 0; t < count; ++t) {
      user_.touch(ws.user_grads, users[t]);  // every row the batch used gets an update, as in Keras
      item_.touch(ws.item_grads, pos[t]);
      item_.touch(ws.item_grads, neg[t]);
      const float pre_pos = ws.scores[t], pre_neg = ws.scores[count + t];
      const float s_pos = pre_pos > 0.0f ? pre_pos : 0.0f, s_neg = pre_neg > 0.0f ? pre_neg : 0.0f;
      const float loss = config_.margin + s_neg - s_pos;
      if (!(loss > 0.0f)) continue;
      loss_sum += loss;
      if (pre_pos > 0.0f) ws.active[n_active] = t, ws.dz[n_active++] = -scale;
      if (pre_neg > 0.0f) ws.active[n_active] = count + t, ws.dz[n_active++] = scale;
    }
    for (auto& grads : ws.layers) grads.dbias.setZero();
    if (n_active > 0)
      backward(ws, net, n_active, users, pos, neg, count);  // writes every dkernel
    else
      for (auto& grads : ws.layers) grads.dkernel.setZero();

    const bool exact = optimizer_.keras_exact;
    const float l2 = config_.l2;
    user_.apply(ws.user_grads, adam_, lr, exact, l2);
    if (ws.items.active())
      ws.items.apply(item_, ws.item_grads.ids, adam_, lr, l2);
    else
      item_.apply(ws.item_grads, adam_, lr, exact, l2);
    if (ws.replicated()) {
      // Several threads: Adam on this thread's copy; its change reaches the shared MLP at the sync.
      update_mlp(ws.mlp, ws, lr, l2);
      if (++ws.mlp_batches >= kMlpSyncBatches) sync_mlp(ws, false);
    } else {
      update_mlp(layers_, ws, lr, l2);
    }
    return static_cast<float>(loss_sum / count);
  }

  void end_round(TrainingWorkspace& workspace) override {
    auto& ws = static_cast<DeepWorkspace&>(workspace);
    if (ws.replicated()) sync_mlp(ws, true);
    if (ws.items.active()) ws.items.sync(item_, true);
  }

  void score_items(std::int32_t user, float* out) const override {
    if (user < 0 || user >= n_users_) throw UsageError("score_items: user " + std::to_string(user) +
                                                       " out of range [0, " + std::to_string(n_users_) + ")");
    score_block(&user, 1, out);
  }

  void score_users(const std::int32_t* users, int count, float* out) const override {
    for (int r = 0; r < count; ++r)
      if (users[r] < 0 || users[r] >= n_users_)
        throw UsageError("score_users: user " + std::to_string(users[r]) + " out of range [0, " +
                         std::to_string(n_users_) + ")");
    score_block(users, count, out);
  }

  std::vector<float> item_vectors(int& dim) const override {
    dim = item_dim_;
    const Matrix all = item_.compose_all();
    return {all.data(), all.data() + all.size()};
  }

  // --- fold-in ---
  int user_vector_size() const override { return user_dim_; }

  // score_block's expressions for a given user vector: the same bits as score_items of a user
  // whose vector it is.
  void score_vector(const float* user_vector, float* out) const override {
    score_block(nullptr, 1, out, user_vector);
  }


  // The triplet loss of training through the frozen MLP (dropout off: the network the scores come
  // from), back to the user vector only. The first layer's pre-activation of a lane is
  // user part + item part (item_part_rows_, cached item-major so that a lane reads its units
  // contiguously), so the user part is computed once per step and the gradient reaches the user
  // through one sum over the active lanes. The positive and the negative lane keep their own
  // activations for their backward passes.
  std::vector<float> fold_in(const std::int32_t* liked, int n_liked, const FoldInOptions& options) const override {
    ensure_item_part();
    const int n_layers = static_cast<int>(layers_.size());
    const DenseLayer& first = layers_[0];
    const int h0 = first.out;
    Lane lanes[2] = {make_lane(), make_lane()};  // 0: the positive, 1: the negative
    std::vector<float> user_part(static_cast<std::size_t>(h0)), dfirst(static_cast<std::size_t>(h0)), delta, next_delta;
    auto forward = [&](Lane& lane, std::int32_t item) { return forward_lane(lane, user_part.data(), item); };
    // Adds dz * d(output pre-activation) / d(first layer's pre-activation) of the lane.
    auto backward = [&](const Lane& lane, float dz) {
      const auto& pre = lane.pre;
      delta.assign(1, dz);
      for (int l = n_layers - 1; l >= 1; --l) {
        const DenseLayer& layer = layers_[l];
        next_delta.assign(static_cast<std::size_t>(layer.in), 0.0f);
        for (int k = 0; k < layer.in; ++k) {
          if (!(pre[l - 1][k] > 0.0f)) continue;  // relu of the layer below
          float sum = 0.0f;
          for (int j = 0; j < layer.out; ++j) sum += layer.kernel(k, j) * delta[j];
          next_delta[k] = sum;
        }
        delta.swap(next_delta);
      }
      for (int j = 0; j < h0; ++j) dfirst[j] += delta[j];
    };
    const float margin = config_.margin;
    auto gradient = [&](const float* u, const std::int32_t* pos, const std::int32_t* neg, int count, float* du) {
      first_layer_user_part(u, user_part.data());
      std::fill(dfirst.begin(), dfirst.end(), 0.0f);
      const float scale = 1.0f / static_cast<float>(count);
      for (int t = 0; t < count; ++t) {
        const float z_neg = forward(lanes[1], neg[t]);
        const float z_pos = forward(lanes[0], pos[t]);
        const float s_pos = z_pos > 0.0f ? z_pos : 0.0f, s_neg = z_neg > 0.0f ? z_neg : 0.0f;
        if (!(margin + s_neg - s_pos > 0.0f)) continue;
        if (z_pos > 0.0f) backward(lanes[0], -scale);
        if (z_neg > 0.0f) backward(lanes[1], scale);
      }
      for (int k = 0; k < user_dim_; ++k) {
        float sum = 0.0f;
        for (int j = 0; j < h0; ++j) sum += first.kernel(k, j) * dfirst[j];
        du[k] += sum;
      }
    };
    const std::vector<float> fixed = visitor_feature_part(user_, options);
    return fold_in_user(user_dim_, liked, n_liked, n_items_, options, optimizer_, config_.l2, gradient,
                        fixed.empty() ? nullptr : fixed.data());
  }

  // A few items' scores, one lane each (the leave-one-out explanations score only the items they
  // explain, not every item per left-out like). The same network as score_block, summed in the
  // lanes' order (scores may differ from score_vector's in the last bit).
  void score_vector_items(const float* user_vector, const std::int32_t* items, int n, float* out) const override {
    ensure_item_part();
    std::vector<float> user_part(static_cast<std::size_t>(layers_[0].out));
    first_layer_user_part(user_vector, user_part.data());
    Lane lane = make_lane();
    for (int r = 0; r < n; ++r) {
      const float z = forward_lane(lane, user_part.data(), items[r]);
      out[r] = z > 0.0f ? z : 0.0f;
    }
  }

  std::string contribution_meaning() const override {
    return "leave-one-out: the item's score minus its score when the user is folded in without that like";
  }

  std::vector<Tensor> parameters() override {
    std::vector<Tensor> tensors;
    user_.tensors("user", tensors);
    item_.tensors("item", tensors);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const std::string name = "dense_" + std::to_string(l);
      tensors.push_back({name + "/kernel", {layers_[l].in, layers_[l].out}, layers_[l].kernel.data()});
      tensors.push_back({name + "/bias", {layers_[l].out}, layers_[l].bias.data()});
    }
    return tensors;
  }

  std::string summary() override {
    std::int64_t mlp_params = 0;
    std::string mlp = "mlp = ";
    char dropout[32];
    std::snprintf(dropout, sizeof dropout, "Dropout(%g)", static_cast<double>(config_.dropout));
    mlp += dropout;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      const std::int64_t params = std::int64_t(layers_[l].in) * layers_[l].out + layers_[l].out;
      mlp_params += params;
      mlp += " -> Dense(" + std::to_string(layers_[l].out) + ", relu) [" + std::to_string(params) + "]";
      if (l + 1 < layers_.size()) mlp += std::string(" -> ") + dropout;
    }
    std::vector<SummaryRow> rows = embedding_summary_rows(user_, item_);
    rows.push_back({"flatten (Flatten)", "multiple", 0});
    rows.push_back({"concatenate (Concatenate)", "(None, " + std::to_string(user_dim_ + item_dim_) + ")", 0});
    rows.push_back({"mlp (MLP)", "(None, 1)", mlp_params});
    rows.push_back({"margin_loss (MarginLoss)", "(None, 1)", 0});
    return format_summary("TripletModel", rows,
                          mlp + "; " + (item_.plain() ? "item_embedding" : "the item tables") +
                              " and mlp are shared by the positive and the negative item." + features_note(user_, item_));
  }

  void parameters_changed() override { cache_valid_.store(false, std::memory_order_relaxed); }

 private:


  // Buffers for the largest batch seen; training allocates nothing once they are this big.
  void reserve(DeepWorkspace& ws, int count) const {
    if (count <= ws.capacity) return;
    const std::size_t lanes = 2 * static_cast<std::size_t>(count);
    ws.acts.resize(layers_.size());
    ws.masks.resize(layers_.size());
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      ws.acts[l].resize(lanes * layers_[l].in);
      ws.masks[l].resize(lanes * layers_[l].in);
    }
    ws.scores.resize(lanes);
    ws.active.resize(lanes);
    ws.gathered.resize(lanes * max_width_);
    ws.dz.resize(lanes * max_width_);
    ws.din.resize(lanes * max_width_);
    user_.reserve(ws.user_grads, count);
    item_.reserve(ws.item_grads, 2 * count);
    ws.capacity = count;
    if (kThreadsAvailable && ws.other_threads && ws.mlp.empty()) {  // warm-up, as the buffers: this thread's copy of the MLP
      ws.mlp = layers_;
      ws.mlp_at_sync = layers_;
      ws.mlp_batches = 0;
      if (!optimizer_.keras_exact && IdReplica::suits(item_)) ws.items.attach(item_, item_sync_mutex_);
    }
  }

  // Adam on an MLP's weights with the batch's dense gradients (the workspace's).
  void update_mlp(std::vector<DenseLayer>& net, const DeepWorkspace& ws, float lr, float l2) const {
    for (std::size_t l = 0; l < net.size(); ++l) {
      DenseLayer& layer = net[l];
      const DenseGradients& grads = ws.layers[l];
      adam_.update_l2(lr, layer.kernel.data(), grads.dkernel.data(), l2, layer.kernel_moments.m.data(),
                      layer.kernel_moments.v.data(), static_cast<std::size_t>(layer.kernel.size()));
      adam_.update(lr, layer.bias.data(), grads.dbias.data(), layer.bias_moments.m.data(),
                   layer.bias_moments.v.data(), static_cast<std::size_t>(layer.bias.size()));
    }
  }

  // Adds what this thread's copy of the MLP moved since the last sync to the shared MLP and takes
  // the shared weights back (the other threads' steps included), as IdReplica does for the bilinear
  // model's item rows; `with_moments` (at the end of a round) also writes its moments there. One
  // thread at a time (a short lock).
  void sync_mlp(DeepWorkspace& ws, bool with_moments) {
    std::lock_guard<std::mutex> lock(dense_update_mutex_);
    for (std::size_t l = 0; l < layers_.size(); ++l) {
      DenseLayer& shared = layers_[l];
      DenseLayer& mine = ws.mlp[l];
      DenseLayer& before = ws.mlp_at_sync[l];
      merge_into_shared(shared.kernel.data(), mine.kernel.data(), before.kernel.data(),
                        static_cast<std::size_t>(shared.kernel.size()));
      merge_into_shared(shared.bias.data(), mine.bias.data(), before.bias.data(),
                        static_cast<std::size_t>(shared.bias.size()));
      if (with_moments) {
        shared.kernel_moments = mine.kernel_moments;  // copies into the same sizes: no allocation
        shared.bias_moments = mine.bias_moments;
      }
    }
    ws.mlp_batches = 0;
  }

  // Backpropagates dz (d loss / d output pre-activation of the active lanes) through the MLP into
  // the dense gradients and the embedding rows, layer by layer for all active lanes at once.
  // Every sum runs in the same order as a gemm over the active lanes, so the blocking and the
  // special case of the output layer do not change the bits.
  void backward(DeepWorkspace& ws, const std::vector<DenseLayer>& net, int n_active, const std::int32_t* users,
                const std::int32_t* pos, const std::int32_t* neg, int count) {
    const int top = static_cast<int>(layers_.size()) - 1;
    {
      // The output layer has one unit: dW += dz_i x_i and d input_i = dz_i W are axpys.
      const DenseLayer& layer = net[top];
      DenseGradients& grads = ws.layers[top];
      const int in = layer.in;
      grads.dkernel.setZero();
      for (int i = 0; i < n_active; ++i) {
        const float dz = ws.dz[i];
        const linalg::ConstRowMap x(ws.acts[top].data() + static_cast<std::size_t>(ws.active[i]) * in, in);
        linalg::RowMap(grads.dkernel.data(), in) += dz * x;  // the in x 1 kernel as a row
        grads.dbias[0] += dz;
        linalg::RowMap(ws.din.data() + static_cast<std::size_t>(i) * in, in) = dz * linalg::ConstRowMap(layer.kernel.data(), in);
      }
      through_input_masks(ws, top, n_active);
    }
    for (int l = top - 1; l >= 0; --l) {
      ws.dz.swap(ws.din);
      const DenseLayer& layer = net[l];
      DenseGradients& grads = ws.layers[l];
      const int in = layer.in, out = layer.out;
      // The layer's inputs for the active lanes, gathered into rows.
      float* x = ws.gathered.data();
      const linalg::ConstMatrixMap inputs(ws.acts[l].data(), 2 * count, in);
      for (int i = 0; i < n_active; ++i) linalg::MatrixMap(x, n_active, in).row(i) = inputs.row(ws.active[i]);
      // dW = x^T dz (x read transposed), db += column sums of dz.
      kernels::gemm_set(x, 1, in, ws.dz.data(), out, grads.dkernel.data(), out, in, n_active, out);
      const linalg::ConstMatrixMap dz(ws.dz.data(), n_active, out);
      for (int i = 0; i < n_active; ++i) grads.dbias += dz.row(i);  // row by row: the same sums everywhere
      // d input = dz W^T.
      grads.kernel_t = layer.kernel.transpose();
      kernels::gemm_set(ws.dz.data(), out, 1, grads.kernel_t.data(), in, ws.din.data(), in, n_active, out, in);
      through_input_masks(ws, l, n_active);
    }
    // din holds d loss / d (user row, item row) of every active lane.
    const int in = user_dim_ + item_dim_;
    for (int i = 0; i < n_active; ++i) {
      const int s = ws.active[i];
      const int t = s < count ? s : s - count;
      const float* g = ws.din.data() + static_cast<std::size_t>(i) * in;
      user_.add_gradient(ws.user_grads, users[t], g);
      item_.add_gradient(ws.item_grads, s < count ? pos[t] : neg[t], g + user_dim_);
    }
  }

  // din (d loss / d layer l's input, active lanes) through layer l's input dropout and, above the
  // first layer, the previous layer's relu: the kept input is > 0.
  void through_input_masks(DeepWorkspace& ws, int l, int n_active) const {
    const bool dropout = config_.dropout > 0.0f;
    const int in = layers_[l].in;
    for (int i = 0; i < n_active; ++i) {
      const std::size_t lane = static_cast<std::size_t>(ws.active[i]) * in;
      const float* m = ws.masks[l].data() + lane;
      const float* x = ws.acts[l].data() + lane;
      float* g = ws.din.data() + static_cast<std::size_t>(i) * in;
      if (l == 0) {
        if (dropout) kernels::mul(g, m, in);
      } else if (dropout) {
        kernels::relu_dropout_backward(g, x, m, in);
      } else {
        kernels::relu_backward(g, x, in);
      }
    }
  }

  // Scores a block of users against every item. The first layer splits into the cached item part
  // and each user's part; activations are kept unit-major (unit x item), so every step is
  // vectorised over the items. The first layer's relu(item part + user part) is made a chunk of
  // items at a time and goes straight into the second layer's product while the chunk is in L1,
  // chunks outside, users inside, so the block's users share each chunk of the item part; with one
  // hidden layer (the default) relu and the output unit's product are one pass
  // (kernels::relu_dense_to_one). Before, units x items activations were written out and read
  // back per user: deep evaluation in wasm (Node) took 55 ms CPU, now 41 ms. Every score is the
  // same sum in the same order for any block or chunk size, natively and in wasm.
  // `vector` (optional, count 1): score that user vector instead of users[0]'s.
  void score_block(const std::int32_t* users, int count, float* out, const float* vector = nullptr) const {
    ensure_item_part();
    const DenseLayer& first = layers_[0];
    const int h0 = first.out, n = n_items_;
    const std::size_t items = static_cast<std::size_t>(n);
    thread_local std::vector<float> user_parts, chunk, act, next[2], user_vector;  // scratch, per thread; grows only
    grow(user_parts, static_cast<std::size_t>(count) * h0);
    grow(user_vector, static_cast<std::size_t>(user_dim_));
    for (int r = 0; r < count; ++r) {  // one kernel row at a time: the same sums in every build
      linalg::RowMap part(user_parts.data() + static_cast<std::size_t>(r) * h0, h0);
      part.setZero();
      const float* u = vector ? vector : user_.vector(users[r], user_vector.data());
      for (int k = 0; k < user_dim_; ++k) part += u[k] * first.kernel.row(k);
    }
    auto first_relu = [&](int r, int i0, int c, float* dst, int ld) {  // dst[j][i] for i in [i0, i0 + c)
      const float* add = user_parts.data() + static_cast<std::size_t>(r) * h0;
      for (int j = 0; j < h0; ++j) {
        const float* part = item_part_t_.data() + static_cast<std::size_t>(j) * items + i0;
        float* a = dst + static_cast<std::size_t>(j) * ld;
        const float add_j = add[j];
        for (int i = 0; i < c; ++i) {
          const float z = part[i] + add_j;
          a[i] = z > 0.0f ? z : 0.0f;
        }
      }
    };
    if (layers_.size() == 1) {  // no hidden layer: the first layer is the output
      for (int r = 0; r < count; ++r) first_relu(r, 0, n, out + r * items, n);
      return;
    }
    const DenseLayer& second = layers_[1];
    const int n2 = second.out;
    const bool second_is_output = layers_.size() == 2;
    const std::size_t per_user = static_cast<std::size_t>(n2) * items;
    if (!second_is_output) grow(act, per_user * count);
    float* pre = second_is_output ? out : act.data();  // the second layer's pre-activations, per user
    if (!second_is_output || !kernels::kFusedReluDense)
      for (int r = 0; r < count; ++r)
        linalg::MatrixMap(pre + r * per_user, n2, n) = second.bias.transpose().replicate(1, n);
    constexpr int kChunk = 32;  // items: 128 units x 32 floats = 16 KB
    grow(chunk, static_cast<std::size_t>(h0) * kChunk);
    for (int i0 = 0; i0 < n; i0 += kChunk) {
      const int c = std::min(kChunk, n - i0);
      for (int r = 0; r < count; ++r) {
        if (second_is_output && kernels::kFusedReluDense) {  // one hidden layer: relu and product in one pass
          kernels::relu_dense_to_one(item_part_t_.data() + i0, n, user_parts.data() + static_cast<std::size_t>(r) * h0,
                                     second.kernel.data(), second.bias[0], h0, pre + r * per_user + i0, c);
          continue;
        }
        first_relu(r, i0, c, chunk.data(), c);
        // pre (n2 x items) += kernel^T (read transposed) x chunk (h0 x c)
        kernels::gemm_add(second.kernel.data(), 1, n2, chunk.data(), c, pre + r * per_user + i0, n, n2, h0, c);
      }
    }
    for (int r = 0; r < count; ++r) {
      float* a = pre + r * per_user;
      for (std::size_t k = 0; k < per_user; ++k) a[k] = a[k] > 0.0f ? a[k] : 0.0f;
      if (second_is_output) continue;
      // Deeper layers, one user at a time: next (out x items) = bias + kernel^T x act (in x items).
      const float* in = a;
      for (std::size_t l = 2; l < layers_.size(); ++l) {
        const DenseLayer& layer = layers_[l];
        std::vector<float>& buffer = next[l % 2];  // ping-pong: never the layer's input
        grow(buffer, static_cast<std::size_t>(layer.out) * items);
        float* z = buffer.data();
        linalg::MatrixMap(z, layer.out, n) = layer.bias.transpose().replicate(1, n);
        kernels::gemm_add(layer.kernel.data(), 1, layer.out, in, n, z, n, layer.out, layer.in, n);
        for (std::size_t k = 0; k < static_cast<std::size_t>(layer.out) * items; ++k) z[k] = z[k] > 0.0f ? z[k] : 0.0f;
        in = z;
      }
      std::copy_n(in, n, out + r * items);
    }
  }

  // One lane's activations through the MLP: pre-activations and relu outputs per layer.
  struct Lane {
    std::vector<std::vector<float>> pre, post;
  };
  Lane make_lane() const {
    Lane lane;
    for (const DenseLayer& layer : layers_) {
      lane.pre.emplace_back(static_cast<std::size_t>(layer.out));
      lane.post.emplace_back(static_cast<std::size_t>(layer.out));
    }
    return lane;
  }
  // The first layer's pre-activation from a user vector (user_dim floats) -> part (h0 floats).
  void first_layer_user_part(const float* u, float* part) const {
    const DenseLayer& first = layers_[0];
    for (int j = 0; j < first.out; ++j) part[j] = 0.0f;
    for (int k = 0; k < user_dim_; ++k)
      for (int j = 0; j < first.out; ++j) part[j] += u[k] * first.kernel(k, j);
  }
  // Forward of one (user, item) lane; returns the output's pre-activation.
  float forward_lane(Lane& lane, const float* user_part, std::int32_t item) const {
    auto& pre = lane.pre;
    auto& post = lane.post;
    const int n_layers = static_cast<int>(layers_.size()), h0 = layers_[0].out;
    const float* item_part = item_part_rows_.row(item).data();
    for (int j = 0; j < h0; ++j) {
      pre[0][j] = item_part[j] + user_part[j];
      post[0][j] = pre[0][j] > 0.0f ? pre[0][j] : 0.0f;
    }
    for (int l = 1; l < n_layers; ++l) {
      const DenseLayer& layer = layers_[l];
      for (int j = 0; j < layer.out; ++j) pre[l][j] = layer.bias[j];
      for (int k = 0; k < layer.in; ++k) {
        const float x = post[l - 1][k];
        if (x == 0.0f) continue;
        for (int j = 0; j < layer.out; ++j) pre[l][j] += x * layer.kernel(k, j);
      }
      for (int j = 0; j < layer.out; ++j) post[l][j] = pre[l][j] > 0.0f ? pre[l][j] : 0.0f;
    }
    return pre[n_layers - 1][0];
  }

  static void grow(std::vector<float>& buffer, std::size_t size) {
    if (buffer.size() < size) buffer.resize(size);
  }

  // item_part_t_[j][i] = bias_0[j] + (item i's embedding) x (the item rows of the first kernel)[j],
  // unit-major for score_items.
  void ensure_item_part() const {
    if (cache_valid_.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_valid_.load(std::memory_order_relaxed)) return;
    const DenseLayer& first = layers_[0];
    const int h0 = first.out, n = n_items_;
    const Matrix items_t = item_.compose_all().transpose();
    item_part_t_ = first.bias.transpose().replicate(1, n);
    kernels::gemm_add(first.kernel.data() + static_cast<std::size_t>(user_dim_) * h0, 1, h0, items_t.data(), n,
                      item_part_t_.data(), n, h0, item_dim_, n);
    item_part_rows_ = item_part_t_.transpose();
    cache_valid_.store(true, std::memory_order_release);
  }

  ModelConfig config_;
  int user_dim_, item_dim_;
  EmbeddingBag user_, item_;  // id embeddings and/or the mean of feature embeddings
  std::vector<DenseLayer> layers_;  // hidden layers, then the Dense(1) output
  Adam adam_;
  int max_width_ = 0;
  std::mutex dense_update_mutex_;  // one thread at a time syncs its copy of the MLP into it
  mutable std::mutex item_sync_mutex_;  // and its copy of the item table (IdReplica)

  mutable std::mutex cache_mutex_;
  mutable std::atomic<bool> cache_valid_{false};
  mutable Matrix item_part_t_;     // units x items
  mutable Matrix item_part_rows_;  // items x units: the same values item-major, for fold-in's lanes
};

}  // namespace

std::unique_ptr<Model> make_deep_model(const ModelConfig& config, const OptimizerConfig& optimizer,
                                       std::int32_t n_users, std::int32_t n_items,
                                       const ModelFeatures* features, Rng& init) {
  return std::make_unique<DeepModel>(config, optimizer, n_users, n_items, features, init);
}

}  // namespace tripletrec

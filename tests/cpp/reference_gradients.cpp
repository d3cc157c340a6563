#include "reference_gradients.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace tripletrec {
namespace {

constexpr double kNormEpsilon = 1e-12;  // Keras' l2_normalize clamps the squared norm here

const float* row(const Tensor& table, std::int32_t r) {
  return table.data + static_cast<std::size_t>(r) * static_cast<std::size_t>(table.shape[1]);
}

int tensor_index(const std::vector<Tensor>& tensors, const std::string& name) {
  for (std::size_t t = 0; t < tensors.size(); ++t)
    if (tensors[t].name == name) return static_cast<int>(t);
  return -1;
}

// One side's vectors (users or items, or the FM's linear weights) as the models compose them:
// the id row (when the model has one) plus the weighted feature rows, in double.
struct Side {
  const std::vector<Tensor>* tensors = nullptr;
  int ids = -1, features = -1;  // tensor indices, -1 when absent
  const FeatureRows* rows = nullptr;
  int dim = 0;

  Side(const std::vector<Tensor>& all, const Model& model, const std::string& side, const std::string& what) : tensors(&all) {
    ids = tensor_index(all, side + "_" + what);
    features = tensor_index(all, side + "_feature_" + what);
    rows = side == "user" ? &model.features().user : &model.features().item;
    dim = (*tensors)[ids >= 0 ? ids : features].shape[1];
  }
  std::vector<double> vector(std::int32_t r) const {
    std::vector<double> v(static_cast<std::size_t>(dim), 0.0);
    if (ids >= 0)
      for (int k = 0; k < dim; ++k) v[k] = row((*tensors)[ids], r)[k];
    if (features >= 0)
      for (std::uint32_t j = rows->begin(r); j < rows->end(r); ++j)
        for (int k = 0; k < dim; ++k) v[k] += double(rows->weight[j]) * row((*tensors)[features], rows->index[j])[k];
    return v;
  }
  void scatter(std::int32_t r, const double* g, std::vector<std::vector<double>>& grads) const {
    if (ids >= 0)
      for (int k = 0; k < dim; ++k) grads[ids][std::size_t(r) * dim + k] += g[k];
    if (features >= 0)
      for (std::uint32_t j = rows->begin(r); j < rows->end(r); ++j)
        for (int k = 0; k < dim; ++k) grads[features][std::size_t(rows->index[j]) * dim + k] += double(rows->weight[j]) * g[k];
  }
};

double bilinear(const Model& model, const std::vector<Tensor>& tensors, const std::int32_t* users,
                const std::int32_t* pos, const std::int32_t* neg, int count, std::vector<std::vector<double>>& grads) {
  const ModelConfig& config = model.config();
  const Side user(tensors, model, "user", "embedding"), item(tensors, model, "item", "embedding");
  const int d = user.dim;
  const bool cosine = config.similarity == Similarity::Cosine;
  double loss = 0;
  for (int t = 0; t < count; ++t) {
    const std::vector<double> uv = user.vector(users[t]), pv = item.vector(pos[t]), qv = item.vector(neg[t]);
    const double *u = uv.data(), *p = pv.data(), *q = qv.data();
    double uu = 0, pp = 0, qq = 0, up = 0, uq = 0;
    for (int k = 0; k < d; ++k) {
      uu += u[k] * u[k];
      pp += p[k] * p[k];
      qq += q[k] * q[k];
      up += u[k] * p[k];
      uq += u[k] * q[k];
    }
    const double eps = kNormEpsilon;
    const double nu = std::sqrt(std::max(uu, eps)), np = std::sqrt(std::max(pp, eps)),
                 nq = std::sqrt(std::max(qq, eps));
    const double sp = cosine ? up / (nu * np) : up, sq = cosine ? uq / (nu * nq) : uq;
    const double l = config.margin + sq - sp;
    if (l <= 0) continue;
    loss += l / count;
    const double gp = -1.0 / count, gq = 1.0 / count;
    std::vector<double> duv(d, 0.0), dpv(d, 0.0), dqv(d, 0.0);
    double *du = duv.data(), *dp = dpv.data(), *dq = dqv.data();
    for (int k = 0; k < d; ++k) {
      if (cosine) {
        const double cu = uu > eps ? 1.0 / (nu * nu) : 0, cp = pp > eps ? 1.0 / (np * np) : 0,
                     cq = qq > eps ? 1.0 / (nq * nq) : 0;
        du[k] += gp * (p[k] / (nu * np) - sp * cu * u[k]) + gq * (q[k] / (nu * nq) - sq * cu * u[k]);
        dp[k] += gp * (u[k] / (nu * np) - sp * cp * p[k]);
        dq[k] += gq * (u[k] / (nu * nq) - sq * cq * q[k]);
      } else {
        du[k] += gp * p[k] + gq * q[k];
        dp[k] += gp * u[k];
        dq[k] += gq * u[k];
      }
    }
    user.scatter(users[t], du, grads);
    item.scatter(pos[t], dp, grads);
    item.scatter(neg[t], dq, grads);
  }
  return loss;
}

// The factorization machine by brute force: every pair of inputs (user id, item id, user and
// item feature values, x = 1 for ids and the row's weight for features) with at least one
// item-side member, plus the item side's linear weights. d/dv_a = x_a sum_b x_b v_b over a's
// pairs.
struct FmInput {
  int tensor;          // factor table
  std::int32_t row;    // its row
  double x;
  bool item_side;
  int linear_tensor;   // item side: its linear weight table
};

std::vector<FmInput> fm_inputs(const Model& model, const std::vector<Tensor>& tensors, std::int32_t u, std::int32_t i) {
  std::vector<FmInput> inputs;
  for (const bool item_side : {false, true}) {
    const std::string side = item_side ? "item" : "user";
    const std::int32_t r = item_side ? i : u;
    const int ids = tensor_index(tensors, side + "_embedding"), features = tensor_index(tensors, side + "_feature_embedding");
    const FeatureRows& rows = item_side ? model.features().item : model.features().user;
    if (ids >= 0) inputs.push_back({ids, r, 1.0, item_side, item_side ? tensor_index(tensors, "item_bias") : -1});
    if (features >= 0)
      for (std::uint32_t j = rows.begin(r); j < rows.end(r); ++j)
        inputs.push_back({features, rows.index[j], rows.weight[j], item_side,
                          item_side ? tensor_index(tensors, "item_feature_bias") : -1});
  }
  return inputs;
}

double fm_score(const Model& model, const std::vector<Tensor>& tensors, std::int32_t u, std::int32_t i, double dscore,
                std::vector<std::vector<double>>* grads) {
  const std::vector<FmInput> inputs = fm_inputs(model, tensors, u, i);
  const int k = model.config().embedding_dim;
  double score = 0;
  for (const FmInput& a : inputs)
    if (a.item_side) {
      score += a.x * row(tensors[a.linear_tensor], a.row)[0];
      if (grads) (*grads)[a.linear_tensor][a.row] += dscore * a.x;
    }
  for (std::size_t a = 0; a < inputs.size(); ++a)
    for (std::size_t b = a + 1; b < inputs.size(); ++b) {
      const FmInput &A = inputs[a], &B = inputs[b];
      if (!A.item_side && !B.item_side) continue;  // user-user pairs cancel in the triplet loss
      const float* va = row(tensors[A.tensor], A.row);
      const float* vb = row(tensors[B.tensor], B.row);
      double dot = 0;
      for (int f = 0; f < k; ++f) dot += double(va[f]) * vb[f];
      score += A.x * B.x * dot;
      if (!grads) continue;
      for (int f = 0; f < k; ++f) {
        (*grads)[A.tensor][std::size_t(A.row) * k + f] += dscore * A.x * B.x * vb[f];
        (*grads)[B.tensor][std::size_t(B.row) * k + f] += dscore * A.x * B.x * va[f];
      }
    }
  return score;
}

double fm(const Model& model, const std::vector<Tensor>& tensors, const std::int32_t* users, const std::int32_t* pos,
          const std::int32_t* neg, int count, std::vector<std::vector<double>>& grads) {
  double loss = 0;
  for (int t = 0; t < count; ++t) {
    const double l = model.config().margin + fm_score(model, tensors, users[t], neg[t], 0, nullptr) -
                     fm_score(model, tensors, users[t], pos[t], 0, nullptr);
    if (l <= 0) continue;
    loss += l / count;
    fm_score(model, tensors, users[t], pos[t], -1.0 / count, &grads);
    fm_score(model, tensors, users[t], neg[t], 1.0 / count, &grads);
  }
  return loss;
}

// Tensors: the user and item tables, then kernel (in x out, row-major) and bias of every dense layer.
double deep(const Model& model, const std::vector<Tensor>& tensors, const std::int32_t* users,
            const std::int32_t* pos, const std::int32_t* neg, int count, std::vector<std::vector<double>>& grads) {
  const ModelConfig& config = model.config();
  const Side user(tensors, model, "user", "embedding"), item(tensors, model, "item", "embedding");
  const int user_dim = user.dim;
  const int first_dense = tensor_index(tensors, "dense_0/kernel");
  const int n_layers = static_cast<int>(tensors.size() - first_dense) / 2;
  auto kernel = [&](int l) -> const Tensor& { return tensors[first_dense + 2 * l]; };
  auto bias = [&](int l) -> const Tensor& { return tensors[first_dense + 1 + 2 * l]; };
  // acts[l]: input of layer l; pres[l]: its pre-activations.
  auto forward = [&](std::int32_t u, std::int32_t i, std::vector<std::vector<double>>& acts,
                     std::vector<std::vector<double>>& pres) {
    acts.assign(n_layers + 1, {});
    pres.assign(n_layers, {});
    for (const double x : user.vector(u)) acts[0].push_back(x);
    for (const double x : item.vector(i)) acts[0].push_back(x);
    for (int l = 0; l < n_layers; ++l) {
      const int in = kernel(l).shape[0], out = kernel(l).shape[1];
      pres[l].assign(out, 0.0);
      for (int j = 0; j < out; ++j) {
        double z = bias(l).data[j];
        for (int k = 0; k < in; ++k) z += acts[l][k] * double(kernel(l).data[std::size_t(k) * out + j]);
        pres[l][j] = z;
        acts[l + 1].push_back(z > 0 ? z : 0);
      }
    }
    return acts[n_layers][0];
  };
  auto backward = [&](std::int32_t u, std::int32_t i, const std::vector<std::vector<double>>& acts,
                      const std::vector<std::vector<double>>& pres, double dscore) {
    std::vector<double> da = {dscore};
    for (int l = n_layers - 1; l >= 0; --l) {
      const int in = kernel(l).shape[0], out = kernel(l).shape[1];
      std::vector<double> dz(out), din(in, 0.0);
      for (int j = 0; j < out; ++j) dz[j] = pres[l][j] > 0 ? da[j] : 0;
      auto& dkernel = grads[first_dense + 2 * l];
      auto& dbias = grads[first_dense + 1 + 2 * l];
      for (int j = 0; j < out; ++j) dbias[j] += dz[j];
      for (int k = 0; k < in; ++k)
        for (int j = 0; j < out; ++j) {
          dkernel[std::size_t(k) * out + j] += acts[l][k] * dz[j];
          din[k] += double(kernel(l).data[std::size_t(k) * out + j]) * dz[j];
        }
      da = std::move(din);
    }
    user.scatter(u, da.data(), grads);
    item.scatter(i, da.data() + user_dim, grads);
  };
  double loss = 0;
  std::vector<std::vector<double>> acts_p, pres_p, acts_q, pres_q;
  for (int t = 0; t < count; ++t) {
    const double sp = forward(users[t], pos[t], acts_p, pres_p);
    const double sq = forward(users[t], neg[t], acts_q, pres_q);
    const double l = config.margin + sq - sp;
    if (l <= 0) continue;
    loss += l / count;
    backward(users[t], pos[t], acts_p, pres_p, -1.0 / count);
    backward(users[t], neg[t], acts_q, pres_q, 1.0 / count);
  }
  return loss;
}

}  // namespace

double reference_loss_and_gradients(Model& model, const std::int32_t* users, const std::int32_t* pos,
                                    const std::int32_t* neg, int count, std::vector<std::vector<float>>* gradients) {
  const std::vector<Tensor> tensors = model.parameters();
  std::vector<std::vector<double>> grads;
  for (const auto& t : tensors) grads.emplace_back(t.size(), 0.0);
  const ModelConfig& config = model.config();
  double loss = config.kind == ModelKind::Bilinear ? bilinear(model, tensors, users, pos, neg, count, grads)
                : config.kind == ModelKind::FM     ? fm(model, tensors, users, pos, neg, count, grads)
                                                   : deep(model, tensors, users, pos, neg, count, grads);
  // L2 on the embeddings and the dense kernels (not the biases), as the notebook's regularisers.
  const double l2 = config.l2;
  for (std::size_t t = 0; t < tensors.size(); ++t) {
    if (tensors[t].name.find("/bias") != std::string::npos) continue;
    for (std::size_t k = 0; k < tensors[t].size(); ++k) {
      const double w = tensors[t].data[k];
      loss += l2 * w * w;
      grads[t][k] += 2 * l2 * w;
    }
  }
  if (gradients) {
    gradients->clear();
    for (const auto& g : grads) gradients->emplace_back(g.begin(), g.end());
  }
  return loss;
}

}  // namespace tripletrec

namespace tripletrec {

double reference_fm_score(Model& model, std::int32_t user, std::int32_t item) {
  const std::vector<Tensor> tensors = model.parameters();
  return fm_score(model, tensors, user, item, 0, nullptr);
}

}  // namespace tripletrec

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

double bilinear(const ModelConfig& config, const std::vector<Tensor>& tensors, const std::int32_t* users,
                const std::int32_t* pos, const std::int32_t* neg, int count, std::vector<std::vector<double>>& grads) {
  const Tensor &user = tensors[0], &item = tensors[1];
  const int d = user.shape[1];
  const bool cosine = config.similarity == Similarity::Cosine;
  double loss = 0;
  for (int t = 0; t < count; ++t) {
    const float* u = row(user, users[t]);
    const float* p = row(item, pos[t]);
    const float* q = row(item, neg[t]);
    double uu = 0, pp = 0, qq = 0, up = 0, uq = 0;
    for (int k = 0; k < d; ++k) {
      uu += double(u[k]) * u[k];
      pp += double(p[k]) * p[k];
      qq += double(q[k]) * q[k];
      up += double(u[k]) * p[k];
      uq += double(u[k]) * q[k];
    }
    const double eps = kNormEpsilon;
    const double nu = std::sqrt(std::max(uu, eps)), np = std::sqrt(std::max(pp, eps)),
                 nq = std::sqrt(std::max(qq, eps));
    const double sp = cosine ? up / (nu * np) : up, sq = cosine ? uq / (nu * nq) : uq;
    const double l = config.margin + sq - sp;
    if (l <= 0) continue;
    loss += l / count;
    const double gp = -1.0 / count, gq = 1.0 / count;
    double* du = grads[0].data() + static_cast<std::size_t>(users[t]) * d;
    double* dp = grads[1].data() + static_cast<std::size_t>(pos[t]) * d;
    double* dq = grads[1].data() + static_cast<std::size_t>(neg[t]) * d;
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
  }
  return loss;
}

// Tensors: user, item, then kernel (in x out, row-major) and bias of every dense layer.
double deep(const ModelConfig& config, const std::vector<Tensor>& tensors, const std::int32_t* users,
            const std::int32_t* pos, const std::int32_t* neg, int count, std::vector<std::vector<double>>& grads) {
  const Tensor &user = tensors[0], &item = tensors[1];
  const int user_dim = user.shape[1], item_dim = item.shape[1];
  const int n_layers = static_cast<int>(tensors.size() - 2) / 2;
  auto kernel = [&](int l) -> const Tensor& { return tensors[2 + 2 * l]; };
  auto bias = [&](int l) -> const Tensor& { return tensors[3 + 2 * l]; };
  // acts[l]: input of layer l; pres[l]: its pre-activations.
  auto forward = [&](std::int32_t u, std::int32_t i, std::vector<std::vector<double>>& acts,
                     std::vector<std::vector<double>>& pres) {
    acts.assign(n_layers + 1, {});
    pres.assign(n_layers, {});
    for (int k = 0; k < user_dim; ++k) acts[0].push_back(row(user, u)[k]);
    for (int k = 0; k < item_dim; ++k) acts[0].push_back(row(item, i)[k]);
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
      auto& dkernel = grads[2 + 2 * l];
      auto& dbias = grads[3 + 2 * l];
      for (int j = 0; j < out; ++j) dbias[j] += dz[j];
      for (int k = 0; k < in; ++k)
        for (int j = 0; j < out; ++j) {
          dkernel[std::size_t(k) * out + j] += acts[l][k] * dz[j];
          din[k] += double(kernel(l).data[std::size_t(k) * out + j]) * dz[j];
        }
      da = std::move(din);
    }
    for (int k = 0; k < user_dim; ++k) grads[0][std::size_t(u) * user_dim + k] += da[k];
    for (int k = 0; k < item_dim; ++k) grads[1][std::size_t(i) * item_dim + k] += da[user_dim + k];
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
  double loss = config.kind == ModelKind::Bilinear ? bilinear(config, tensors, users, pos, neg, count, grads)
                                                   : deep(config, tensors, users, pos, neg, count, grads);
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

#include "embedding_bag.hpp"

#include <algorithm>

#include "kernels.hpp"
#include "models_internal.hpp"

namespace tripletrec {

namespace {
linalg::Matrix table(std::int32_t rows, int dim, float limit, Rng& init) {
  return limit > 0.0f ? uniform_table(rows, dim, limit, init) : linalg::Matrix(linalg::Matrix::Zero(rows, dim));
}
}  // namespace

void EmbeddingBag::init_ids(std::int32_t rows, int dim, bool with_ids, Rng& init, float limit) {
  rows_ = rows;
  dim_ = dim;
  with_ids_ = with_ids;
  ids_ = table(with_ids ? rows : 0, dim, limit, init);
  id_moments_ = AdamMoments(static_cast<std::size_t>(ids_.size()));
}

void EmbeddingBag::init_features(const FeatureRows* features, Rng& init, float limit) {
  features_ = features && !features->empty() ? features : nullptr;
  const std::int32_t n = features_ ? features_->n_features() : 0;
  table_ = table(n, dim_, limit, init);
  table_moments_ = AdamMoments(static_cast<std::size_t>(table_.size()));
  max_features_per_row_ = 0;
  if (features_)
    for (std::int32_t r = 0; r < rows_; ++r)
      max_features_per_row_ = std::max(max_features_per_row_, static_cast<int>(features_->end(r) - features_->begin(r)));
}

void EmbeddingBag::compose(std::int32_t row, float* out) const {
  if (with_ids_)
    kernels::copy(ids_.row(row).data(), out, dim_);
  else
    std::fill_n(out, dim_, 0.0f);
  if (!features_) return;
  for (std::uint32_t k = features_->begin(row); k < features_->end(row); ++k)
    kernels::axpy(features_->weight[k], table_.row(features_->index[k]).data(), out, dim_);
}

const float* EmbeddingBag::vector(std::int32_t row, float* scratch) const {
  if (plain()) return ids_.row(row).data();
  compose(row, scratch);
  return scratch;
}

std::vector<float> EmbeddingBag::feature_mean(const std::vector<std::int32_t>& features) const {
  std::vector<float> out(static_cast<std::size_t>(dim_), 0.0f);
  std::vector<std::int32_t> sorted = features;  // index order, as the rows list their values
  std::sort(sorted.begin(), sorted.end());
  const float weight = 1.0f / static_cast<float>(sorted.size());
  for (const std::int32_t f : sorted) kernels::axpy(weight, table_.row(f).data(), out.data(), dim_);
  return out;
}

linalg::Matrix EmbeddingBag::compose_all() const {
  if (plain()) return ids_;
  linalg::Matrix all(rows_, dim_);
  for (std::int32_t r = 0; r < rows_; ++r) compose(r, all.row(r).data());
  return all;
}

BagGradients EmbeddingBag::make_gradients() const {
  BagGradients grads;
  grads.ids.reset(with_ids_ ? rows_ : 0, dim_);
  grads.features.reset(features_ ? features_->n_features() : 0, dim_);
  return grads;
}

float* EmbeddingBag::gradient(BagGradients& grads, std::int32_t row, float* scratch) const {
  if (plain()) return grads.ids.row(row);
  std::fill_n(scratch, dim_, 0.0f);
  return scratch;
}

void EmbeddingBag::scatter(BagGradients& grads, std::int32_t row, const float* g) const {
  if (plain()) return;  // accumulated in place
  if (with_ids_) kernels::axpy(1.0f, g, grads.ids.row(row), dim_);
  if (!features_) return;
  for (std::uint32_t k = features_->begin(row); k < features_->end(row); ++k)
    kernels::axpy(features_->weight[k], g, grads.features.row(features_->index[k]), dim_);
}

void EmbeddingBag::add_gradient(BagGradients& grads, std::int32_t row, const float* g) const {
  if (plain()) {
    linalg::RowMap(grads.ids.row(row), dim_) += linalg::ConstRowMap(g, dim_);
    return;
  }
  scatter(grads, row, g);
}

void EmbeddingBag::touch(BagGradients& grads, std::int32_t row) const {
  if (with_ids_) grads.ids.row(row);
  if (!features_) return;
  for (std::uint32_t k = features_->begin(row); k < features_->end(row); ++k) grads.features.row(features_->index[k]);
}

void EmbeddingBag::reserve(BagGradients& grads, int uses) const {
  if (with_ids_) grads.ids.reserve(std::min(uses, rows_));
  if (features_)
    grads.features.reserve(static_cast<int>(std::min<std::int64_t>(std::int64_t(uses) * max_features_per_row_,
                                                                   features_->n_features())));
}

void EmbeddingBag::apply(BagGradients& grads, const Adam& adam, float lr, bool keras_exact, float l2) {
  if (with_ids_) apply_embedding_update(adam, lr, keras_exact, l2, ids_.data(), rows_, id_moments_, grads.ids);
  if (features_)
    apply_embedding_update(adam, lr, keras_exact, l2, table_.data(), features_->n_features(), table_moments_,
                           grads.features);
}

void EmbeddingBag::tensors(const std::string& side, std::vector<Tensor>& out, const std::string& what) {
  if (with_ids_) out.push_back({side + "_" + what, {rows_, dim_}, ids_.data()});
  if (features_) out.push_back({side + "_feature_" + what, {features_->n_features(), dim_}, table_.data()});
}

void merge_into_shared(float* shared, float* copy, float* at_sync, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float value = shared[i] + (copy[i] - at_sync[i]);
    shared[i] = value;
    copy[i] = value;
    at_sync[i] = value;
  }
}

void IdReplica::attach(const EmbeddingBag& bag, std::mutex& sync_mutex) {
  sync_mutex_ = &sync_mutex;
  dim_ = bag.dim();
  const std::size_t size = static_cast<std::size_t>(bag.rows()) * static_cast<std::size_t>(dim_);
  rows_.assign(bag.id_table(), bag.id_table() + size);
  at_sync_ = rows_;
  moments_ = bag.id_moments();
  batches_ = 0;
}

void IdReplica::apply(EmbeddingBag& bag, RowGradients& grads, const Adam& adam, float lr, float l2) {
  apply_embedding_update(adam, lr, false, l2, rows_.data(), bag.rows(), moments_, grads);
  if (++batches_ >= sync_batches_) sync(bag, false);
}

void IdReplica::sync(EmbeddingBag& bag, bool with_moments) {
  std::lock_guard<std::mutex> lock(*sync_mutex_);
  merge_into_shared(bag.id_table(), rows_.data(), at_sync_.data(), rows_.size());
  if (with_moments) {
    AdamMoments& shared_moments = bag.id_moments();
    std::copy(moments_.m.begin(), moments_.m.end(), shared_moments.m.begin());
    std::copy(moments_.v.begin(), moments_.v.end(), shared_moments.v.begin());
  }
  batches_ = 0;
}

}  // namespace tripletrec

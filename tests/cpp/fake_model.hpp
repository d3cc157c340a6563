// A Model whose scores are a fixed table, for testing evaluation and recommendation without
// training anything.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/model.hpp"
#include "tripletrec/split.hpp"

namespace tripletrec::testing {

class TableModel : public Model {
 public:
  // scores[u * n_items + i]; item_vectors (optional) row-major n_items x dim for similarities.
  TableModel(std::int32_t n_users, std::int32_t n_items, std::vector<float> scores)
      : scores_(std::move(scores)) {
    n_users_ = n_users;
    n_items_ = n_items;
  }
  ModelKind kind() const override { return ModelKind::Bilinear; }
  const ModelConfig& config() const override { return config_; }
  float train_batch(TrainingWorkspace&, const std::int32_t*, const std::int32_t*, const std::int32_t*, int,
                    Rng&) override {
    return 0;
  }
  void score_items(std::int32_t user, float* out) const override {
    for (std::int32_t i = 0; i < n_items_; ++i) out[i] = scores_[static_cast<std::size_t>(user) * n_items_ + i];
  }
  // No user vectors behind the table: fold-in is not what this double is for.
  int user_vector_size() const override { return 0; }
  std::vector<float> fold_in(const std::int32_t*, int, const FoldInOptions&) const override {
    throw UsageError("TableModel: no fold-in");
  }
  void score_vector(const float*, float*) const override { throw UsageError("TableModel: no fold-in"); }
  std::vector<Tensor> parameters() override {
    return {Tensor{"scores", {n_users_, n_items_}, scores_.data()}};
  }
  std::string summary() override { return "table model"; }

 private:
  ModelConfig config_;
  std::vector<float> scores_;
};

// Positives built by hand from (user, item) pairs: pair lists plus the sorted unique CSR.
inline Positives make_test_positives(std::int32_t n_users, std::int32_t n_items,
                                     const std::vector<std::pair<std::int32_t, std::int32_t>>& pairs) {
  Positives p;
  p.n_users = n_users;
  p.n_items = n_items;
  std::vector<std::vector<std::int32_t>> per_user(static_cast<std::size_t>(n_users));
  for (auto [u, i] : pairs) {
    p.user.push_back(u);
    p.item.push_back(i);
    per_user[u].push_back(i);
  }
  p.offsets.push_back(0);
  for (auto& items : per_user) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    p.items.insert(p.items.end(), items.begin(), items.end());
    p.offsets.push_back(static_cast<std::uint32_t>(p.items.size()));
  }
  return p;
}

}  // namespace tripletrec::testing

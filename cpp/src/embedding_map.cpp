// PCA to 2-D and the faithfulness measures of a map (see embedding_map.hpp).
#include "tripletrec/embedding_map.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <utility>

#include "kernels.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec {
namespace {

void check_shape(const ItemVectors& v) {
  if (v.count < 0 || v.dim < 1 || v.values.size() != static_cast<std::size_t>(v.count) * static_cast<std::size_t>(v.dim))
    throw UsageError("item vectors: expected " + std::to_string(v.count) + " x " + std::to_string(v.dim) +
                     " values, got " + std::to_string(v.values.size()));
}

// Eigenvalues (diagonal of `a` on return) and eigenvectors (columns of `vectors`) of the
// symmetric d x d matrix `a`, by cyclic Jacobi rotations until the off-diagonal part vanishes.
void jacobi_eigen(std::vector<double>& a, std::vector<double>& vectors, int d) {
  vectors.assign(static_cast<std::size_t>(d) * d, 0.0);
  for (int i = 0; i < d; ++i) vectors[static_cast<std::size_t>(i) * d + i] = 1.0;
  auto at = [d](std::vector<double>& m, int r, int c) -> double& { return m[static_cast<std::size_t>(r) * d + c]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (int r = 0; r < d; ++r)
      for (int c = 0; c < d; ++c) (r == c ? total : off) += at(a, r, c) * at(a, r, c);
    if (off <= 1e-30 * (total + off) || off == 0) return;
    for (int p = 0; p < d - 1; ++p)
      for (int q = p + 1; q < d; ++q) {
        const double apq = at(a, p, q);
        if (apq == 0) continue;
        // The rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
        const double theta = (at(a, q, q) - at(a, p, p)) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < d; ++k) {  // columns p, q
          const double akp = at(a, k, p), akq = at(a, k, q);
          at(a, k, p) = c * akp - s * akq;
          at(a, k, q) = s * akp + c * akq;
        }
        for (int k = 0; k < d; ++k) {  // rows p, q
          const double apk = at(a, p, k), aqk = at(a, q, k);
          at(a, p, k) = c * apk - s * aqk;
          at(a, q, k) = s * apk + c * aqk;
        }
        for (int k = 0; k < d; ++k) {
          const double vkp = at(vectors, k, p), vkq = at(vectors, k, q);
          at(vectors, k, p) = c * vkp - s * vkq;
          at(vectors, k, q) = s * vkp + c * vkq;
        }
      }
  }
}

}  // namespace

void normalise_rows(ItemVectors& vectors) {
  check_shape(vectors);
  for (std::int32_t i = 0; i < vectors.count; ++i) {
    float* row = vectors.values.data() + static_cast<std::size_t>(i) * vectors.dim;
    double squares = 0;
    for (std::int32_t j = 0; j < vectors.dim; ++j) squares += static_cast<double>(row[j]) * row[j];
    if (squares == 0) continue;
    const double scale = 1 / std::sqrt(squares);
    for (std::int32_t j = 0; j < vectors.dim; ++j) row[j] = static_cast<float>(row[j] * scale);
  }
}

std::vector<float> pca_2d(const ItemVectors& vectors) {
  check_shape(vectors);
  const std::int32_t n = vectors.count, d = vectors.dim;
  std::vector<float> xy(static_cast<std::size_t>(n) * 2, 0.0f);
  if (n == 0) return xy;
  std::vector<double> mean(static_cast<std::size_t>(d), 0.0);
  for (std::int32_t i = 0; i < n; ++i)
    for (std::int32_t j = 0; j < d; ++j) mean[j] += vectors.values[static_cast<std::size_t>(i) * d + j];
  for (double& m : mean) m /= n;
  std::vector<double> covariance(static_cast<std::size_t>(d) * d, 0.0), centred(static_cast<std::size_t>(d));
  for (std::int32_t i = 0; i < n; ++i) {
    for (std::int32_t j = 0; j < d; ++j) centred[j] = vectors.values[static_cast<std::size_t>(i) * d + j] - mean[j];
    for (std::int32_t r = 0; r < d; ++r)
      for (std::int32_t c = r; c < d; ++c) covariance[static_cast<std::size_t>(r) * d + c] += centred[r] * centred[c];
  }
  for (std::int32_t r = 0; r < d; ++r)
    for (std::int32_t c = r; c < d; ++c) {
      const double v = covariance[static_cast<std::size_t>(r) * d + c] / n;
      covariance[static_cast<std::size_t>(r) * d + c] = covariance[static_cast<std::size_t>(c) * d + r] = v;
    }
  std::vector<double> eigenvectors;
  jacobi_eigen(covariance, eigenvectors, d);
  // The two largest eigenvalues (ties to the lower index, so the choice is deterministic).
  std::vector<int> order(static_cast<std::size_t>(d));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return covariance[static_cast<std::size_t>(a) * d + a] > covariance[static_cast<std::size_t>(b) * d + b];
  });
  for (int axis = 0; axis < std::min(2, static_cast<int>(d)); ++axis) {
    const int column = order[axis];
    std::vector<double> direction(static_cast<std::size_t>(d));
    int largest = 0;
    for (int j = 0; j < d; ++j) {
      direction[j] = eigenvectors[static_cast<std::size_t>(j) * d + column];
      if (std::abs(direction[j]) > std::abs(direction[largest])) largest = j;
    }
    if (direction[largest] < 0)
      for (double& v : direction) v = -v;
    for (std::int32_t i = 0; i < n; ++i) {
      double projection = 0;
      for (std::int32_t j = 0; j < d; ++j)
        projection += (vectors.values[static_cast<std::size_t>(i) * d + j] - mean[j]) * direction[j];
      xy[static_cast<std::size_t>(i) * 2 + axis] = static_cast<float>(projection);
    }
  }
  return xy;
}

namespace {

// Squared distances from row `i` to every other row as |a|^2 + |b|^2 - 2 a.b (the dot products
// run in the SIMD kernel), the k smallest written to `index` and, if given, their distances to
// `distance` (nearest first; the pairs sort ties by the lower index).
void k_nearest(const float* rows, const std::vector<float>& squared_norms, std::int32_t count, std::int32_t dim,
               std::int32_t i, int k, std::vector<std::pair<float, std::int32_t>>& candidates,
               std::int32_t* index, float* distance) {
  const float* a = rows + static_cast<std::size_t>(i) * dim;
  std::size_t n = 0;
  for (std::int32_t j = 0; j < count; ++j) {
    if (j == i) continue;
    const float squared = squared_norms[i] + squared_norms[j] - 2.0f * kernels::dot(a, rows + static_cast<std::size_t>(j) * dim, dim);
    candidates[n++] = {squared > 0.0f ? squared : 0.0f, j};
  }
  std::partial_sort(candidates.begin(), candidates.begin() + k, candidates.begin() + static_cast<std::ptrdiff_t>(n));
  for (int r = 0; r < k; ++r) {
    index[r] = candidates[static_cast<std::size_t>(r)].second;
    if (distance) distance[r] = std::sqrt(candidates[static_cast<std::size_t>(r)].first);
  }
}

std::vector<float> squared_norms_of(const float* rows, std::int32_t count, std::int32_t dim) {
  std::vector<float> norms(static_cast<std::size_t>(count));
  for (std::int32_t i = 0; i < count; ++i) norms[i] = kernels::sum_squares(rows + static_cast<std::size_t>(i) * dim, dim);
  return norms;
}

int capped_k(int k, std::int32_t count) {
  if (k < 1) throw UsageError("nearest neighbours: k must be >= 1, got " + std::to_string(k));
  return std::min<int>(k, std::max<std::int32_t>(count - 1, 0));
}

}  // namespace

NeighbourLists nearest_neighbour_lists(const float* rows, std::int32_t count, std::int32_t dim, int k) {
  NeighbourLists lists;
  lists.k = capped_k(k, count);
  lists.index.resize(static_cast<std::size_t>(count) * lists.k);
  lists.distance.resize(lists.index.size());
  if (lists.k == 0) return lists;
  const std::vector<float> norms = squared_norms_of(rows, count, dim);
  std::vector<std::pair<float, std::int32_t>> candidates(static_cast<std::size_t>(count - 1));
  for (std::int32_t i = 0; i < count; ++i) {
    const std::size_t at = static_cast<std::size_t>(i) * lists.k;
    k_nearest(rows, norms, count, dim, i, lists.k, candidates, lists.index.data() + at, lists.distance.data() + at);
  }
  return lists;
}

std::vector<std::int32_t> nearest_neighbours(const float* rows, std::int32_t count, std::int32_t dim, int k) {
  return nearest_neighbour_lists(rows, count, dim, k).index;
}

std::vector<std::int32_t> nearest_rows(const float* rows, std::int32_t count, std::int32_t dim,
                                       std::int32_t row, int k) {
  if (row < 0 || row >= count)
    throw UsageError("nearest rows: row " + std::to_string(row) + " out of range [0, " + std::to_string(count) + ")");
  k = capped_k(k, count);
  std::vector<std::int32_t> out(static_cast<std::size_t>(k));
  if (k == 0) return out;
  std::vector<std::pair<float, std::int32_t>> candidates(static_cast<std::size_t>(count - 1));
  k_nearest(rows, squared_norms_of(rows, count, dim), count, dim, row, k, candidates, out.data(), nullptr);
  return out;
}

double neighbourhood_overlap(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b,
                             std::int32_t count, int k) {
  if (count == 0 || k == 0) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t size = static_cast<std::size_t>(count) * k;
  if (a.size() != size || b.size() != size) throw UsageError("neighbourhood_overlap: the neighbour lists differ in shape");
  double total = 0;
  for (std::int32_t i = 0; i < count; ++i) {
    const std::int32_t* ra = a.data() + static_cast<std::size_t>(i) * k;
    const std::int32_t* rb = b.data() + static_cast<std::size_t>(i) * k;
    int kept = 0;
    for (int x = 0; x < k; ++x) kept += std::find(rb, rb + k, ra[x]) != rb + k;
    total += static_cast<double>(kept) / k;
  }
  return total / count;
}

std::vector<std::vector<std::uint64_t>> genre_sets(const std::vector<std::string>& genres) {
  std::map<std::string, int> index;
  std::vector<std::vector<int>> ids(genres.size());
  for (std::size_t i = 0; i < genres.size(); ++i) {
    const std::string& text = genres[i];
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find(',', start);
      if (end == std::string::npos) end = text.size();
      std::size_t a = start, b = end;
      while (a < b && text[a] == ' ') ++a;
      while (b > a && text[b - 1] == ' ') --b;
      if (b > a) {
        const auto [it, added] = index.emplace(text.substr(a, b - a), static_cast<int>(index.size()));
        ids[i].push_back(it->second);
      }
      start = end + 1;
    }
  }
  const std::size_t words = (index.size() + 63) / 64;
  std::vector<std::vector<std::uint64_t>> sets(genres.size(), std::vector<std::uint64_t>(words, 0));
  for (std::size_t i = 0; i < genres.size(); ++i)
    for (int id : ids[i]) sets[i][static_cast<std::size_t>(id) / 64] |= std::uint64_t{1} << (id % 64);
  return sets;
}

namespace {
bool share_a_genre(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  for (std::size_t w = 0; w < a.size(); ++w)
    if (a[w] & b[w]) return true;
  return false;
}
bool has_genre(const std::vector<std::uint64_t>& set) {
  return std::any_of(set.begin(), set.end(), [](std::uint64_t w) { return w != 0; });
}
}  // namespace

double genre_purity(const std::vector<std::int32_t>& neighbours, std::int32_t count, int k,
                    const std::vector<std::vector<std::uint64_t>>& genres) {
  if (genres.size() != static_cast<std::size_t>(count) || neighbours.size() != static_cast<std::size_t>(count) * k)
    throw UsageError("genre_purity: the neighbour lists and the genres differ in size");
  double total = 0;
  int items = 0;
  for (std::int32_t i = 0; i < count; ++i) {
    if (!has_genre(genres[i]) || k == 0) continue;
    int same = 0;
    for (int r = 0; r < k; ++r) same += share_a_genre(genres[i], genres[neighbours[static_cast<std::size_t>(i) * k + r]]);
    total += static_cast<double>(same) / k;
    ++items;
  }
  return items == 0 ? std::numeric_limits<double>::quiet_NaN() : total / items;
}

double genre_purity_by_chance(const std::vector<std::vector<std::uint64_t>>& genres) {
  const std::size_t n = genres.size();
  double total = 0;
  int items = 0;
  for (std::size_t i = 0; i < n && n > 1; ++i) {
    if (!has_genre(genres[i])) continue;
    int same = 0;
    for (std::size_t j = 0; j < n; ++j) same += j != i && share_a_genre(genres[i], genres[j]);
    total += static_cast<double>(same) / static_cast<double>(n - 1);
    ++items;
  }
  return items == 0 ? std::numeric_limits<double>::quiet_NaN() : total / items;
}

MapQuality map_quality(const ItemVectors& vectors, const std::vector<float>& xy,
                       const std::vector<std::string>& genres, int k) {
  check_shape(vectors);
  if (xy.size() != static_cast<std::size_t>(vectors.count) * 2)
    throw UsageError("map quality: expected " + std::to_string(vectors.count) + " x 2 map coordinates, got " +
                     std::to_string(xy.size()) + " numbers");
  if (genres.size() != static_cast<std::size_t>(vectors.count))
    throw UsageError("map quality: the genres do not match the item vectors");
  const std::vector<std::int32_t> in_space = nearest_neighbours(vectors.values.data(), vectors.count, vectors.dim, k);
  const std::vector<std::int32_t> on_map = nearest_neighbours(xy.data(), vectors.count, 2, k);
  const int kept_k = static_cast<int>(vectors.count > 0 ? in_space.size() / static_cast<std::size_t>(vectors.count) : 0);
  const auto sets = genre_sets(genres);
  MapQuality quality;
  quality.k = kept_k;
  quality.neighbours_kept = neighbourhood_overlap(in_space, on_map, vectors.count, kept_k);
  quality.genre_purity = genre_purity(in_space, vectors.count, kept_k, sets);
  quality.genre_purity_on_map = genre_purity(on_map, vectors.count, kept_k, sets);
  quality.genre_purity_by_chance = genre_purity_by_chance(sets);
  return quality;
}

}  // namespace tripletrec

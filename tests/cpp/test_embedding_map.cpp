// The embedding map: PCA against a hand computation, neighbour lists, the neighbourhood overlap
// and genre purity on cases constructed so the answer is known.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tripletrec/embedding_map.hpp"
#include "tripletrec/error.hpp"

using namespace tripletrec;

namespace {
ItemVectors matrix(std::int32_t count, std::int32_t dim, std::vector<float> values) {
  ItemVectors v;
  v.count = count;
  v.dim = dim;
  v.values = std::move(values);
  return v;
}
}  // namespace

TEST(Pca, ProjectsOnTheAxesOfLargestVarianceByHand) {
  // Four points in 3-D, mean (1, 1, 1). Centred: (+-2, 0, 0) and (0, +-1, 0). Covariance =
  // diag(8/4, 2/4, 0) = diag(2, 0.5, 0): the first axis is x, the second y, so the map is the
  // centred (x, y) (signs: each axis' largest component is positive, here +1).
  const ItemVectors points = matrix(4, 3, {3, 1, 1, -1, 1, 1, 1, 2, 1, 1, 0, 1});
  const std::vector<float> xy = pca_2d(points);
  const std::vector<float> expected = {2, 0, -2, 0, 0, 1, 0, -1};
  ASSERT_EQ(xy.size(), expected.size());
  for (std::size_t i = 0; i < xy.size(); ++i) EXPECT_NEAR(xy[i], expected[i], 1e-6) << i;
}

TEST(Pca, FindsRotatedAxes) {
  // The same shape rotated by 45 degrees in the (x, z) plane: the axis (1, 0, 1)/sqrt 2 carries
  // the spread of 2, (0, 1, 0) that of 1. Projections are unchanged: (+-2, 0), (0, +-1).
  const float r = std::sqrt(2.0f);
  const ItemVectors points = matrix(4, 3, {r, 0, r, -r, 0, -r, 0, 1, 0, 0, -1, 0});
  const std::vector<float> xy = pca_2d(points);
  const std::vector<float> expected = {2, 0, -2, 0, 0, 1, 0, -1};
  for (std::size_t i = 0; i < xy.size(); ++i) EXPECT_NEAR(xy[i], expected[i], 1e-5) << i;
}

TEST(Pca, IsDeterministicAndCentred) {
  std::vector<float> values;
  std::uint32_t state = 1;
  for (int i = 0; i < 200 * 16; ++i) {
    state = state * 1664525u + 1013904223u;
    values.push_back(static_cast<float>(state >> 8) / 16777216.0f - 0.5f);
  }
  const ItemVectors points = matrix(200, 16, values);
  const std::vector<float> a = pca_2d(points), b = pca_2d(points);
  EXPECT_EQ(a, b);
  double sum_x = 0, sum_y = 0, cross = 0, var_x = 0, var_y = 0;
  for (int i = 0; i < 200; ++i) {
    sum_x += a[2 * i];
    sum_y += a[2 * i + 1];
  }
  for (int i = 0; i < 200; ++i) {
    cross += a[2 * i] * a[2 * i + 1];
    var_x += a[2 * i] * a[2 * i];
    var_y += a[2 * i + 1] * a[2 * i + 1];
  }
  EXPECT_NEAR(sum_x / 200, 0, 1e-5);
  EXPECT_NEAR(sum_y / 200, 0, 1e-5);
  EXPECT_NEAR(cross / 200, 0, 1e-5);  // principal components are uncorrelated
  EXPECT_GE(var_x, var_y);            // the first axis has the most variance
}

TEST(Pca, RejectsAMatrixOfTheWrongSize) {
  EXPECT_THROW(pca_2d(matrix(3, 2, {1, 2, 3})), UsageError);
}

TEST(NormaliseRows, ScalesToUnitLengthAndKeepsZeroRows) {
  ItemVectors v = matrix(2, 2, {3, 4, 0, 0});
  normalise_rows(v);
  EXPECT_FLOAT_EQ(v.values[0], 0.6f);
  EXPECT_FLOAT_EQ(v.values[1], 0.8f);
  EXPECT_EQ(v.values[2], 0.0f);
}

TEST(NearestNeighbours, OrdersByDistanceAndBreaksTiesByIndex) {
  // Points on a line at 0, 1, 2, 4: item 1 is equally close to 0 and 2 (0 wins, lower index),
  // and so is item 2 to 0 and 3 after its nearest, 1.
  const std::vector<float> line = {0, 1, 2, 4};
  EXPECT_EQ(nearest_neighbours(line.data(), 4, 1, 2), (std::vector<std::int32_t>{1, 2, 0, 2, 1, 0, 2, 1}));
  EXPECT_EQ(nearest_neighbours(line.data(), 4, 1, 10).size(), 4u * 3u);  // k capped at count - 1
  const NeighbourLists lists = nearest_neighbour_lists(line.data(), 4, 1, 1);
  EXPECT_EQ(lists.k, 1);
  EXPECT_EQ(lists.index, (std::vector<std::int32_t>{1, 0, 1, 2}));
  EXPECT_EQ(lists.distance, (std::vector<float>{1, 1, 1, 2}));
  EXPECT_EQ(nearest_rows(line.data(), 4, 1, 3, 2), (std::vector<std::int32_t>{2, 1}));
  EXPECT_THROW(nearest_rows(line.data(), 4, 1, 4, 2), UsageError);
}

TEST(NeighbourhoodOverlap, KnownCase) {
  // Embedding: 0, 1, 10, 11 on a line (pairs {0,1}, {2,3}). Map: 0, 1, 10, 30 keeps the nearest
  // neighbour of items 0, 1 and 3 but not of item 2 (now nearer to 1 than to 3): 3/4.
  const std::vector<float> space = {0, 1, 10, 11}, kept_map = {0, 1, 10, 30}, swapped_map = {0, 10, 1, 11};
  const auto in_space = nearest_neighbours(space.data(), 4, 1, 1);
  EXPECT_DOUBLE_EQ(neighbourhood_overlap(in_space, nearest_neighbours(kept_map.data(), 4, 1, 1), 4, 1), 0.75);
  // Items 1 and 2 trade places: every nearest neighbour changes.
  EXPECT_DOUBLE_EQ(neighbourhood_overlap(in_space, nearest_neighbours(swapped_map.data(), 4, 1, 1), 4, 1), 0.0);
  EXPECT_DOUBLE_EQ(neighbourhood_overlap(in_space, in_space, 4, 1), 1.0);
}

TEST(GenrePurity, KnownCase) {
  // Items 0, 1: Action; 2: Comedy, Action; 3: Drama; 4: no genre (not counted).
  const auto sets = genre_sets({"Action", "Action", "Comedy, Action", "Drama", ""});
  // Neighbours (k = 2): 0 -> 1, 3 (1 of 2 share); 1 -> 2, 0 (2/2); 2 -> 3, 4 (0/2);
  // 3 -> 0, 1 (0/2); 4 -> ignored. Mean over 4 items: (0.5 + 1 + 0 + 0) / 4.
  const std::vector<std::int32_t> neighbours = {1, 3, 2, 0, 3, 4, 0, 1, 0, 1};
  EXPECT_DOUBLE_EQ(genre_purity(neighbours, 5, 2, sets), 1.5 / 4);
  // By chance: item 0 shares with 1, 2 of 4 others (1/2), item 1 likewise, item 2 with 0, 1
  // (1/2), item 3 with none: (0.5 + 0.5 + 0.5 + 0) / 4.
  EXPECT_DOUBLE_EQ(genre_purity_by_chance(sets), 1.5 / 4);
}

TEST(MapQuality, AFaithfulMapKeepsEveryNeighbour) {
  // Items in 3-D with the third coordinate 0: PCA keeps all distances, so every neighbour list.
  const ItemVectors v = matrix(5, 3, {0, 0, 0, 1, 0, 0, 3, 1, 0, 7, 3, 0, 12, 0, 0});
  const MapQuality q = map_quality(v, pca_2d(v), {"A", "A", "B", "B", "B"}, 2);
  EXPECT_EQ(q.k, 2);
  EXPECT_DOUBLE_EQ(q.neighbours_kept, 1.0);
  EXPECT_DOUBLE_EQ(q.genre_purity, q.genre_purity_on_map);
  EXPECT_THROW(map_quality(v, {1, 2}, {"A", "A", "B", "B", "B"}, 2), UsageError);
}

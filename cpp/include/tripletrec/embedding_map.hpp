// What the model learned, as a picture: item vectors projected to 2-D (PCA), and numbers that
// say how far the picture can be trusted (neighbours kept by the map, genre purity of
// neighbourhoods). A map made elsewhere (UMAP in the page) is measured by the same functions.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tripletrec {

// Row-major count x dim matrix.
struct ItemVectors {
  std::int32_t count = 0, dim = 0;
  std::vector<float> values;
  std::string source;  // which of the model's tensors these rows are, in words
};

// Scales every row to unit length (zero rows stay zero): Euclidean neighbours of the result are
// the cosine neighbours of the input, as "similar items" ranks them.
void normalise_rows(ItemVectors& vectors);

// PCA to two dimensions: rows centred, projected on the two leading eigenvectors of their
// covariance (cyclic Jacobi rotations in double precision: exact and deterministic). Each axis'
// sign is fixed so that its largest component is positive. Returns count x 2 (x, y) floats.
std::vector<float> pca_2d(const ItemVectors& vectors);

// The k nearest other rows of each row (Euclidean), nearest first, ties to the lower index:
// count x k indices and distances. k is capped at count - 1.
struct NeighbourLists {
  int k = 0;
  std::vector<std::int32_t> index;
  std::vector<float> distance;
};
NeighbourLists nearest_neighbour_lists(const float* rows, std::int32_t count, std::int32_t dim, int k);
// Just the indices.
std::vector<std::int32_t> nearest_neighbours(const float* rows, std::int32_t count, std::int32_t dim, int k);

// The k nearest other rows of one row, as above.
std::vector<std::int32_t> nearest_rows(const float* rows, std::int32_t count, std::int32_t dim,
                                       std::int32_t row, int k);

// Mean over rows of the share of a row's k neighbours in `a` that are also among its k in `b`.
double neighbourhood_overlap(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b,
                             std::int32_t count, int k);

// Genre sets from the catalogue's "Action, Comedy" strings, as one bit per distinct genre.
// Items without genres get an empty set.
std::vector<std::vector<std::uint64_t>> genre_sets(const std::vector<std::string>& genres);

// Mean, over items with at least one genre, of the share of their k neighbours that share a genre
// with them. NaN when no item has a genre.
double genre_purity(const std::vector<std::int32_t>& neighbours, std::int32_t count, int k,
                    const std::vector<std::vector<std::uint64_t>>& genres);
// The same share over all other items: what a random neighbourhood would score.
double genre_purity_by_chance(const std::vector<std::vector<std::uint64_t>>& genres);

// How faithful a 2-D map of `vectors` is, and how genre-pure their neighbourhoods are.
struct MapQuality {
  int k = 10;
  double neighbours_kept = 0;       // neighbourhood_overlap(embedding space, map)
  double genre_purity = 0;          // in embedding space
  double genre_purity_on_map = 0;   // on the map
  double genre_purity_by_chance = 0;
};
MapQuality map_quality(const ItemVectors& vectors, const std::vector<float>& xy,
                       const std::vector<std::string>& genres, int k);

}  // namespace tripletrec

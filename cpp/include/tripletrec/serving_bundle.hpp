// The serving bundle: everything a page needs to recommend to new visitors without the ratings
// (the model's item side, what fold-in needs, the items' ids, names, genres and types), in the
// safetensors layout so that numpy can open it. The layout is written down in serving_bundle.cpp
// and README.md ("The serving bundle").
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tripletrec/model.hpp"

namespace tripletrec {

// How the item embedding is stored: as is, as IEEE half floats, or as int8 with one float32
// scale per row (max |row| / 127) and a 4-bit residual per weight: value = (q + (k + 0.5) / 16
// - 0.5) * scale, |error| <= scale / 32 (1.5 bytes a weight; quantise_int8 says why).
enum class BundleDtype { Float32, Float16, Int8 };
// "float32", "float16", "int8" (the CLI's --dtype names).
const std::vector<std::string>& bundle_dtype_names();
BundleDtype bundle_dtype_from_name(const std::string& name);  // UsageError for any other name

// The items as a bundle carries them, in the model's dense item order.
struct BundleItems {
  std::vector<std::int64_t> ids, popularity;
  std::vector<std::string> names, genres, types;
};

struct ServingBundle {
  std::unique_ptr<Model> model;  // no users: the item side (and the deep model's MLP) only
  BundleItems items;
  BundleDtype dtype = BundleDtype::Float32;  // how the item embedding was stored
};

// The bundle's bytes: the model's item-side tensors (the item embedding in `dtype`, every other
// tensor float32), the items, the model and optimiser configuration in the header's metadata.
std::vector<std::uint8_t> write_serving_bundle(Model& model, const BundleItems& items, BundleDtype dtype);

// Reads and checks a bundle (header length, JSON, tensor names, dtypes, shapes and offsets, finite
// weights) before anything is built. Errors are ParseErrors naming `source`, line 1 and the byte
// offset as the column.
ServingBundle read_serving_bundle(const std::uint8_t* bytes, std::size_t size, const std::string& source);

// The int8 storage of a rows x dim table: codes, one scale per row, 4-bit residual cells packed
// two per byte (column 2j in the low nibble).
struct Int8Rows {
  std::vector<std::int8_t> codes;
  std::vector<float> scales;
  std::vector<std::uint8_t> residual;
};
Int8Rows quantise_int8(const float* values, std::size_t rows, std::size_t dim);
void dequantise_int8(const Int8Rows& q, std::size_t rows, std::size_t dim, float* out);

// IEEE 754 binary16 conversions (round to nearest even), exposed for the quantisation tests.
std::uint16_t float_to_half(float value);
float half_to_float(std::uint16_t half);

}  // namespace tripletrec

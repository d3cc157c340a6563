// The serving bundle in the safetensors layout (https://github.com/huggingface/safetensors):
//   8 bytes   N, the header's length (unsigned 64-bit little-endian)
//   N bytes   the header: a UTF-8 JSON object, padded with spaces to a multiple of 8 bytes
//   the rest  the tensors' bytes, little-endian, row-major, back to back from offset 0
// The header maps each tensor's name to {"dtype", "shape", "data_offsets": [begin, end)} (offsets
// into the bytes after the header) and "__metadata__" to string values:
//   format "tripletrec-serving", version "1", model (JSON of the model configuration; with side
//   features also "item_features", "user_features" (the fields) and "id_embeddings"),
//   optimizer (JSON: fold-in uses its betas and epsilon), dtype ("float32", "float16", "int8").
// Tensors, n items (d: embedding_dim, or item_dim / user_dim for deep):
//   item_embedding             F32 / F16 / I8 [n, d]   the item id embedding (absent when features
//                                                      stand in for ids); the only tensor quantised
//   item_embedding_scales      F32 [n]                 int8 only: one scale per row
//   item_embedding_residual    U8 [n, (d + 1) / 2]     int8 only: 4-bit cells k (column 2j low nibble,
//                                                      2j + 1 high): x = (q + (k + 0.5) / 16 - 0.5) * scale
//   item_feature_embedding     F32 [V, d]              item features: one row per vocabulary value
//   user_feature_embedding     F32 [U, d]              user features: what a visitor's values add
//   item_bias, item_feature_bias   F32 [n, 1], [V, 1]  fm: the item side's linear weights
//   dense_L/kernel, dense_L/bias   F32                 deep: the MLP, user rows of dense_0 included
//   item_feature_offsets       I32 [n + 1]             item features, CSR: item r has the values
//   item_feature_index, item_feature_weights  I32, F32 [nnz]   index[k], weight[k] for k in
//                                                      [offsets[r], offsets[r+1]); its vector is
//                                                      item_embedding[r] + sum weight * item_feature_embedding[index]
//   item_feature_vocabulary, user_feature_vocabulary   U8 + I64 offsets: the values ("genre=Action")
//   item_ids, item_popularity  I64 [n]                 raw ids; rows in the loaded ratings file
//   item_names, item_genres, item_types   U8 [bytes]   UTF-8 text of all items, concatenated;
//   item_names_offsets, ...    I64 [n + 1]            item r is bytes [offsets[r], offsets[r+1])
// A bundle without "item_features" in its model (an id-only model, or one written before
// features were carried, whose item_embedding held the composed vectors) reads as ids only.
// Readers ignore tensors they do not know (later versions may add some).
#include "tripletrec/serving_bundle.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "models_internal.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/features.hpp"
#include "tripletrec/options.hpp"

namespace tripletrec {
namespace {

using Json = nlohmann::json;

constexpr const char* kFormat = "tripletrec-serving";
constexpr const char* kVersion = "1";
constexpr std::uint64_t kMaxHeader = 100u << 20;  // safetensors' own limit on the header

struct DtypeInfo {
  const char* name;
  std::size_t size;
};
const std::map<std::string, std::size_t>& dtype_sizes() {
  static const std::map<std::string, std::size_t> sizes = {{"F32", 4}, {"F16", 2}, {"I8", 1}, {"U8", 1}, {"I32", 4}, {"I64", 8}};
  return sizes;
}

// ---- writing ----

class TensorWriter {
 public:
  void add(const std::string& name, const char* dtype, std::vector<std::int64_t> shape, const void* data,
           std::size_t bytes) {
    const std::size_t begin = buffer_.size();
    const auto* b = static_cast<const std::uint8_t*>(data);
    buffer_.insert(buffer_.end(), b, b + bytes);
    header_[name] = {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {begin, buffer_.size()}}};
  }
  void f32(const std::string& name, std::vector<std::int64_t> shape, const float* data, std::size_t n) {
    std::vector<std::uint8_t> bytes(4 * n);
    for (std::size_t i = 0; i < n; ++i) put_le(bytes.data() + 4 * i, bits(data[i]), 4);
    add(name, "F32", std::move(shape), bytes.data(), bytes.size());
  }
  void i64(const std::string& name, const std::vector<std::int64_t>& values) {
    std::vector<std::uint8_t> bytes(8 * values.size());
    for (std::size_t i = 0; i < values.size(); ++i) put_le(bytes.data() + 8 * i, static_cast<std::uint64_t>(values[i]), 8);
    add(name, "I64", {static_cast<std::int64_t>(values.size())}, bytes.data(), bytes.size());
  }
  void i32(const std::string& name, const std::vector<std::int32_t>& values) {
    std::vector<std::uint8_t> bytes(4 * values.size());
    for (std::size_t i = 0; i < values.size(); ++i) put_le(bytes.data() + 4 * i, static_cast<std::uint32_t>(values[i]), 4);
    add(name, "I32", {static_cast<std::int64_t>(values.size())}, bytes.data(), bytes.size());
  }
  void texts(const std::string& name, const std::vector<std::string>& values) {
    std::string joined;
    std::vector<std::int64_t> offsets = {0};
    for (const std::string& v : values) {
      joined += v;
      offsets.push_back(static_cast<std::int64_t>(joined.size()));
    }
    add(name, "U8", {static_cast<std::int64_t>(joined.size())}, joined.data(), joined.size());
    i64(name + "_offsets", offsets);
  }
  Json& metadata() { return header_["__metadata__"]; }

  std::vector<std::uint8_t> finish() {
    std::string header = header_.dump();
    header.resize((header.size() + 7) / 8 * 8, ' ');  // tensors start 8-byte aligned
    std::vector<std::uint8_t> out(8 + header.size() + buffer_.size());
    put_le(out.data(), header.size(), 8);
    std::copy(header.begin(), header.end(), out.begin() + 8);
    std::copy(buffer_.begin(), buffer_.end(), out.begin() + 8 + static_cast<std::ptrdiff_t>(header.size()));
    return out;
  }

  static std::uint32_t bits(float v) {
    std::uint32_t b;
    std::memcpy(&b, &v, 4);
    return b;
  }
  static void put_le(std::uint8_t* out, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
  }

 private:
  Json header_ = Json::object();
  std::vector<std::uint8_t> buffer_;
};

// A float setting as it was written (1e-06, not 9.99999997e-07): the shortest decimal that reads
// back as the same float, so Python readers see the configuration's own numbers.
double as_written(float value) {
  char buffer[32];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, static_cast<double>(value));
    if (std::strtof(buffer, nullptr) == value) break;
  }
  return std::strtod(buffer, nullptr);
}

const char* kind_name(ModelKind kind) { return kind == ModelKind::Deep ? "deep" : kind == ModelKind::FM ? "fm" : "bilinear"; }

Json config_json(const ModelConfig& c) {
  Json j = {{"kind", kind_name(c.kind)}, {"margin", as_written(c.margin)}, {"l2", as_written(c.l2)}};
  // Written only with features, so that id-only bundles keep their bytes.
  if (!c.item_features.empty() || !c.user_features.empty()) {
    j["item_features"] = c.item_features;
    j["user_features"] = c.user_features;
    j["id_embeddings"] = c.id_embeddings;
  }
  if (c.kind == ModelKind::FM) {
    j["embedding_dim"] = c.embedding_dim;
  } else if (c.kind == ModelKind::Bilinear) {
    j["embedding_dim"] = c.embedding_dim;
    j["similarity"] = c.similarity == Similarity::Dot ? "dot" : "cosine";
  } else {
    j["user_dim"] = c.user_dim;
    j["item_dim"] = c.item_dim;
    j["hidden"] = c.hidden;
    j["dropout"] = as_written(c.dropout);
  }
  return j;
}

Json optimizer_json(const OptimizerConfig& o) {
  return {{"learning_rate", as_written(o.learning_rate)},
          {"beta1", as_written(o.beta1)},
          {"beta2", as_written(o.beta2)},
          {"epsilon", as_written(o.epsilon)}};
}

// ---- reading ----

class BundleReader {
 public:
  BundleReader(const std::uint8_t* bytes, std::size_t size, std::string source)
      : bytes_(bytes), size_(size), source_(std::move(source)) {}

  [[noreturn]] void fail(std::size_t offset, const std::string& what) const {
    throw ParseError(source_, 1, offset + 1, "serving bundle: " + what);
  }
  [[noreturn]] void fail_header(const std::string& what) const { fail(8, what); }

  void parse_header() {
    if (size_ < 8) fail(0, "expected an 8-byte header length, found " + std::to_string(size_) + " bytes (truncated?)");
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(bytes_[i]) << (8 * i);
    if (n > size_ - 8)
      fail(0, "the header length " + std::to_string(n) + " goes beyond the file's " + std::to_string(size_) +
                  " bytes (truncated, or not a safetensors file)");
    if (n > kMaxHeader) fail(0, "the header length " + std::to_string(n) + " is over the 100 MiB limit");
    if (n < 2 || bytes_[8] != '{') fail(8, "expected the JSON header to start with '{'");
    try {
      header_ = Json::parse(bytes_ + 8, bytes_ + 8 + n);
    } catch (const Json::parse_error& e) {
      fail(8 + (e.byte > 0 ? e.byte - 1 : 0), std::string("bad JSON header: ") + e.what());
    }
    if (!header_.is_object()) fail_header("expected the header to be a JSON object");
    data_ = 8 + static_cast<std::size_t>(n);
  }

  // The tensor table: each entry checked for dtype, shape and offsets within the data, sizes
  // matching, and together covering the data without gaps or overlaps (as safetensors requires).
  void check_tensors() {
    const std::size_t data_size = size_ - data_;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (const auto& [name, entry] : header_.items()) {
      if (name == "__metadata__") {
        if (!entry.is_object()) fail_header("\"__metadata__\" must be an object of strings");
        for (const auto& [key, value] : entry.items())
          if (!value.is_string()) fail_header("\"__metadata__\": \"" + key + "\" must be a string");
        continue;
      }
      const std::string where = "tensor \"" + name + "\": ";
      if (!entry.is_object()) fail_header(where + "expected an object with dtype, shape and data_offsets");
      const auto dtype = entry.find("dtype");
      const auto shape = entry.find("shape");
      const auto offsets = entry.find("data_offsets");
      if (dtype == entry.end() || !dtype->is_string()) fail_header(where + "expected a string \"dtype\"");
      const auto size = dtype_sizes().find(dtype->get<std::string>());
      if (size == dtype_sizes().end()) fail_header(where + "unsupported dtype " + dtype->dump());
      if (shape == entry.end() || !shape->is_array()) fail_header(where + "expected a \"shape\" array");
      std::uint64_t count = 1;
      for (const Json& d : *shape) {
        if (!d.is_number_unsigned()) fail_header(where + "expected non-negative integer dimensions, found " + d.dump());
        const std::uint64_t dim = d.get<std::uint64_t>();
        if (dim != 0 && count > (std::uint64_t{1} << 40) / dim) fail_header(where + "the shape is too large");
        count *= dim;
      }
      if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
          !(*offsets)[1].is_number_unsigned())
        fail_header(where + "expected \"data_offsets\": [begin, end]");
      const std::uint64_t begin = (*offsets)[0].get<std::uint64_t>(), end = (*offsets)[1].get<std::uint64_t>();
      if (begin > end || end > data_size)
        fail_header(where + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                    ") out of range: the data has " + std::to_string(data_size) + " bytes (truncated?)");
      if (end - begin != count * size->second)
        fail_header(where + "dtype " + dtype->get<std::string>() + " and shape " + shape->dump() + " need " +
                    std::to_string(count * size->second) + " bytes, data_offsets give " + std::to_string(end - begin));
      ranges.emplace_back(begin, end);
    }
    std::sort(ranges.begin(), ranges.end());
    std::uint64_t covered = 0;
    for (const auto& [begin, end] : ranges) {
      if (begin != covered) fail_header("tensor data overlaps or leaves a gap at byte " + std::to_string(covered));
      covered = end;
    }
    if (covered != data_size)
      fail(data_ + covered, "expected the end of the file after the tensors, found " +
                                std::to_string(data_size - covered) + " more bytes");
  }

  const Json& metadata() const {
    const auto it = header_.find("__metadata__");
    if (it == header_.end()) fail_header("no \"__metadata__\": not a tripletrec serving bundle");
    return *it;
  }
  std::string meta(const char* key) const {
    const Json& m = metadata();
    const auto it = m.find(key);
    if (it == m.end()) fail_header(std::string("\"__metadata__\" has no \"") + key + "\"");
    return it->get<std::string>();
  }
  Json meta_json(const char* key) const {
    const std::string text = meta(key);
    try {
      return Json::parse(text);
    } catch (const Json::parse_error& e) {
      fail_header(std::string("\"__metadata__\": \"") + key + "\" is not JSON: " + e.what());
    }
  }

  // A tensor's entry, checked for dtype and shape.
  struct View {
    const std::uint8_t* data;
    std::size_t offset;  // in the file
    std::uint64_t count;
  };
  bool has(const std::string& name) const { return header_.contains(name); }
  View tensor(const std::string& name, const char* dtype, const std::vector<std::int64_t>& shape) const {
    const auto it = header_.find(name);
    if (it == header_.end()) fail_header("no tensor \"" + name + "\"");
    const std::string found = (*it)["dtype"].get<std::string>();
    if (found != dtype) fail_header("tensor \"" + name + "\": expected dtype " + dtype + ", found " + found);
    std::vector<std::int64_t> dims;
    for (const Json& d : (*it)["shape"]) dims.push_back(static_cast<std::int64_t>(d.get<std::uint64_t>()));
    if (dims != shape)
      fail_header("tensor \"" + name + "\": expected shape " + Json(shape).dump() + ", found " + Json(dims).dump());
    const std::uint64_t begin = (*it)["data_offsets"][0].get<std::uint64_t>();
    std::uint64_t count = 1;
    for (const std::int64_t d : dims) count *= static_cast<std::uint64_t>(d);
    return {bytes_ + data_ + begin, data_ + static_cast<std::size_t>(begin), count};
  }
  std::int64_t length(const std::string& name) const {  // a 1-D tensor's length
    const auto it = header_.find(name);
    if (it == header_.end()) fail_header("no tensor \"" + name + "\"");
    if ((*it)["shape"].size() != 1) fail_header("tensor \"" + name + "\": expected one dimension");
    return static_cast<std::int64_t>((*it)["shape"][0].get<std::uint64_t>());
  }

  static std::uint64_t le(const std::uint8_t* p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return v;
  }
  void read_f32(const View& v, const std::string& name, float* out) const {
    for (std::uint64_t i = 0; i < v.count; ++i) {
      const auto bits = static_cast<std::uint32_t>(le(v.data + 4 * i, 4));
      std::memcpy(out + i, &bits, 4);
      if (!std::isfinite(out[i]))
        fail(v.offset + 4 * i, "tensor \"" + name + "\": expected finite numbers, found " +
                                   (std::isnan(out[i]) ? "NaN" : "infinity") + " at index " + std::to_string(i));
    }
  }
  std::vector<std::int64_t> read_i64(const std::string& name, std::int64_t n) const {
    const View v = tensor(name, "I64", {n});
    std::vector<std::int64_t> out(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<std::int64_t>(le(v.data + 8 * i, 8));
    return out;
  }
  std::vector<std::string> read_texts(const std::string& name, std::int64_t n) const {
    const View text = tensor(name, "U8", {length(name)});
    const std::vector<std::int64_t> offsets = read_i64(name + "_offsets", n + 1);
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < n; ++r) {
      if (offsets[0] != 0 || offsets[r] > offsets[r + 1] || offsets[r + 1] > static_cast<std::int64_t>(text.count))
        fail_header("tensor \"" + name + "_offsets\": expected ascending offsets from 0 to " +
                    std::to_string(text.count) + ", found " + std::to_string(offsets[r]) + ", " +
                    std::to_string(offsets[r + 1]) + " at item " + std::to_string(r));
      out.emplace_back(reinterpret_cast<const char*>(text.data) + offsets[r],
                       static_cast<std::size_t>(offsets[r + 1] - offsets[r]));
    }
    return out;
  }

  std::vector<std::int32_t> read_i32(const std::string& name, std::int64_t n) const {
    const View v = tensor(name, "I32", {n});
    std::vector<std::int32_t> out(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<std::int32_t>(le(v.data + 4 * i, 4));
    return out;
  }
  std::vector<std::string> read_vocabulary(const std::string& name) const {
    const std::int64_t values = length(name + "_offsets") - 1;
    if (values < 1) fail_header("tensor \"" + name + "_offsets\": expected at least one feature value");
    return read_texts(name, values);
  }
  // The items' feature rows (CSR), checked as the model file's are: ascending offsets from 0 to
  // the value count, indices within the vocabulary, finite weights.
  FeatureRows read_item_rows(std::int32_t n) const {
    FeatureRows rows;
    rows.rows = n;
    rows.names = read_vocabulary("item_feature_vocabulary");
    const std::vector<std::int32_t> offsets = read_i32("item_feature_offsets", std::int64_t{n} + 1);
    const std::int64_t nnz = length("item_feature_index");
    rows.index = read_i32("item_feature_index", nnz);
    rows.weight.resize(static_cast<std::size_t>(nnz));
    read_f32(tensor("item_feature_weights", "F32", {nnz}), "item_feature_weights", rows.weight.data());
    const bool ordered = offsets.front() == 0 && offsets.back() == nnz && std::is_sorted(offsets.begin(), offsets.end());
    if (!ordered)
      fail_header("tensor \"item_feature_offsets\": expected ascending offsets from 0 to " + std::to_string(nnz));
    for (std::size_t k = 0; k < rows.index.size(); ++k)
      if (rows.index[k] < 0 || rows.index[k] >= rows.n_features())
        fail_header("tensor \"item_feature_index\": value " + std::to_string(rows.index[k]) + " at " + std::to_string(k) +
                    " is outside the vocabulary of " + std::to_string(rows.n_features()));
    rows.offsets.assign(offsets.begin(), offsets.end());
    return rows;
  }

 private:
  const std::uint8_t* bytes_;
  std::size_t size_, data_ = 0;
  std::string source_;
  Json header_;
};

template <class T>
T json_field(const BundleReader& reader, const Json& object, const char* key, const char* where) {
  const auto it = object.find(key);
  try {
    if (it == object.end()) throw std::runtime_error("missing");
    return it->get<T>();
  } catch (const std::exception&) {
    reader.fail_header(std::string("\"__metadata__\": ") + where + " has no valid \"" + key + "\"");
  }
}

}  // namespace

const std::vector<std::string>& bundle_dtype_names() {
  static const std::vector<std::string> names = {"float32", "float16", "int8"};
  return names;
}

BundleDtype bundle_dtype_from_name(const std::string& name) {
  const auto& names = bundle_dtype_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end())
    throw UsageError("dtype: expected \"float32\", \"float16\" or \"int8\", got \"" + name + "\"");
  return static_cast<BundleDtype>(it - names.begin());
}

std::uint16_t float_to_half(float value) {
  std::uint32_t f;
  std::memcpy(&f, &value, 4);
  const std::uint32_t sign = (f >> 16) & 0x8000u;
  const std::uint32_t abs = f & 0x7fffffffu;
  if (abs >= 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0));
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds past 65504: infinity
  if (abs < 0x38800000u) {  // below 2^-14: a subnormal half (or zero), rounded to nearest even
    const int shift = 126 - static_cast<int>(abs >> 23);  // -(unbiased exponent + 1), in [14, ...]
    if (shift > 24) return static_cast<std::uint16_t>(sign);
    const std::uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;
    const std::uint32_t half = mantissa >> shift;  // the value in units of 2^-24
    const std::uint32_t rest = mantissa & ((1u << shift) - 1), midpoint = 1u << (shift - 1);
    return static_cast<std::uint16_t>(sign | (half + (rest > midpoint || (rest == midpoint && (half & 1)))));
  }
  const std::uint32_t rebased = abs - 0x38000000u;  // exponent bias 127 -> 15
  const std::uint32_t half = rebased >> 13, rest = rebased & 0x1fffu;
  return static_cast<std::uint16_t>(sign | (half + (rest > 0x1000u || (rest == 0x1000u && (half & 1)))));
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  std::uint32_t f;
  if (exponent == 0x1f) {
    f = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    f = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else {  // zero or subnormal: mantissa * 2^-24
    const float value = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    std::memcpy(&f, &value, 4);
    f |= sign;
  }
  float out;
  std::memcpy(&out, &f, 4);
  return out;
}

// int8 with a 4-bit residual. Plain int8 (one scale per row, max |row| / 127) kept the top 10
// lists of only 94.9% (anime) and 82.7% (MovieLens, 9,724 items) of positions; about half the
// loss came from scoring against the rounded rows, half from the visitor folded in against them
// (measured apart). Each weight's rounding error, in [-scale/2, scale/2], is itself stored in 4
// bits (16 cells), which brings the error to 1/16 and the lists to 99.5% / 98.9% for 1.5 bytes a
// weight (float16: 2). README, "The serving bundle".
Int8Rows quantise_int8(const float* values, std::size_t rows, std::size_t dim) {
  Int8Rows q;
  q.codes.resize(rows * dim);
  q.scales.resize(rows);
  const std::size_t packed = (dim + 1) / 2;
  q.residual.assign(rows * packed, 0);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = values + r * dim;
    float largest = 0;
    for (std::size_t c = 0; c < dim; ++c) largest = std::max(largest, std::fabs(row[c]));
    const float scale = largest / 127.0f;
    q.scales[r] = scale;
    for (std::size_t c = 0; c < dim; ++c) {
      const long code = scale > 0 ? std::lround(std::clamp(row[c] / scale, -127.0f, 127.0f)) : 0;
      q.codes[r * dim + c] = static_cast<std::int8_t>(code);
      // The cell of row[c] within [code - 1/2, code + 1/2] (in units of the scale).
      const float within = scale > 0 ? row[c] / scale - static_cast<float>(code) + 0.5f : 0.5f;
      const auto cell = static_cast<std::uint8_t>(std::clamp(static_cast<int>(std::floor(within * 16.0f)), 0, 15));
      q.residual[r * packed + c / 2] |= static_cast<std::uint8_t>(c % 2 ? cell << 4 : cell);
    }
  }
  return q;
}

void dequantise_int8(const Int8Rows& q, std::size_t rows, std::size_t dim, float* out) {
  const std::size_t packed = (dim + 1) / 2;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < dim; ++c) {
      const int cell = (q.residual[r * packed + c / 2] >> (c % 2 ? 4 : 0)) & 15;
      const float value = static_cast<float>(q.codes[r * dim + c]) + (static_cast<float>(cell) + 0.5f) / 16.0f - 0.5f;
      out[r * dim + c] = value * q.scales[r];
    }
}

std::vector<std::uint8_t> write_serving_bundle(Model& model, const BundleItems& items, BundleDtype dtype) {
  const std::int32_t n = model.n_items();
  if (items.ids.size() != static_cast<std::size_t>(n) || items.popularity.size() != items.ids.size() ||
      items.names.size() != items.ids.size() || items.genres.size() != items.ids.size() ||
      items.types.size() != items.ids.size())
    throw UsageError("serving bundle: the item metadata does not match the model's " + std::to_string(n) + " items");
  TensorWriter w;
  // The item side as the model holds it (id table, feature tables, the FM's linear weights, the
  // deep model's MLP) and the user side's feature tables: the bundle rebuilds the same model, so
  // scores and fold-in are the trained session's. Users are folded in, not stored.
  for (const Tensor& t : model.parameters()) {
    if (t.name == "user_embedding") continue;
    std::vector<std::int64_t> shape(t.shape.begin(), t.shape.end());
    if (t.name != "item_embedding" || dtype == BundleDtype::Float32) {
      w.f32(t.name, shape, t.data, t.size());
      continue;
    }
    const std::size_t rows = static_cast<std::size_t>(t.shape[0]), dim = static_cast<std::size_t>(t.shape[1]);
    if (dtype == BundleDtype::Float16) {
      std::vector<std::uint8_t> bytes(2 * t.size());
      for (std::size_t i = 0; i < t.size(); ++i) TensorWriter::put_le(bytes.data() + 2 * i, float_to_half(t.data[i]), 2);
      w.add(t.name, "F16", shape, bytes.data(), bytes.size());
    } else {
      const Int8Rows q = quantise_int8(t.data, rows, dim);
      w.add(t.name, "I8", shape, q.codes.data(), q.codes.size());
      w.f32(t.name + "_scales", {static_cast<std::int64_t>(rows)}, q.scales.data(), rows);
      w.add(t.name + "_residual", "U8", {static_cast<std::int64_t>(rows), static_cast<std::int64_t>((dim + 1) / 2)},
            q.residual.data(), q.residual.size());
    }
  }
  w.i64("item_ids", items.ids);
  w.i64("item_popularity", items.popularity);
  w.texts("item_names", items.names);
  w.texts("item_genres", items.genres);
  w.texts("item_types", items.types);
  // The feature vocabularies and which values each item has (what scoring composes).
  const FeatureRows& item_rows = model.features().item;
  if (!item_rows.empty()) {
    w.texts("item_feature_vocabulary", item_rows.names);
    w.i32("item_feature_offsets", std::vector<std::int32_t>(item_rows.offsets.begin(), item_rows.offsets.end()));
    w.i32("item_feature_index", item_rows.index);
    w.f32("item_feature_weights", {static_cast<std::int64_t>(item_rows.weight.size())}, item_rows.weight.data(),
          item_rows.weight.size());
  }
  if (!model.features().user.empty()) w.texts("user_feature_vocabulary", model.features().user.names);
  Json& meta = w.metadata();
  meta["format"] = kFormat;
  meta["version"] = kVersion;
  meta["model"] = config_json(model.config()).dump();
  meta["optimizer"] = optimizer_json(model_optimizer_config(model)).dump();
  meta["dtype"] = bundle_dtype_names()[static_cast<std::size_t>(dtype)];
  meta["items"] = std::to_string(n);
  return w.finish();
}

ServingBundle read_serving_bundle(const std::uint8_t* bytes, std::size_t size, const std::string& source) {
  BundleReader r(bytes, size, source);
  r.parse_header();
  r.check_tensors();
  if (r.meta("format") != kFormat) r.fail_header("\"__metadata__\": format is not \"" + std::string(kFormat) + "\"");
  if (r.meta("version") != kVersion)
    r.fail_header("unsupported version \"" + r.meta("version") + "\" (this engine reads version " + kVersion + ")");
  ServingBundle bundle;
  const std::string dtype = r.meta("dtype");
  const auto& names = bundle_dtype_names();
  const auto at = std::find(names.begin(), names.end(), dtype);
  if (at == names.end()) r.fail_header("\"__metadata__\": unknown dtype \"" + dtype + "\"");
  bundle.dtype = static_cast<BundleDtype>(at - names.begin());

  const Json model_json = r.meta_json("model"), optimizer = r.meta_json("optimizer");
  if (!model_json.is_object() || !optimizer.is_object()) r.fail_header("\"__metadata__\": model and optimizer must be JSON objects");
  ModelConfig c;
  const std::string kind = json_field<std::string>(r, model_json, "kind", "model");
  if (kind != "bilinear" && kind != "deep" && kind != "fm") r.fail_header("\"__metadata__\": unknown model kind \"" + kind + "\"");
  c = ModelConfig::defaults_for(kind == "deep" ? ModelKind::Deep : kind == "fm" ? ModelKind::FM : ModelKind::Bilinear);
  c.margin = json_field<float>(r, model_json, "margin", "model");
  c.l2 = json_field<float>(r, model_json, "l2", "model");
  if (model_json.contains("item_features")) {
    c.item_features = json_field<std::vector<std::string>>(r, model_json, "item_features", "model");
    c.user_features = json_field<std::vector<std::string>>(r, model_json, "user_features", "model");
    c.id_embeddings = json_field<bool>(r, model_json, "id_embeddings", "model");
  }
  if (c.kind == ModelKind::FM) {
    c.embedding_dim = json_field<int>(r, model_json, "embedding_dim", "model");
  } else if (c.kind == ModelKind::Bilinear) {
    c.embedding_dim = json_field<int>(r, model_json, "embedding_dim", "model");
    const std::string similarity = json_field<std::string>(r, model_json, "similarity", "model");
    if (similarity != "cosine" && similarity != "dot") r.fail_header("\"__metadata__\": unknown similarity \"" + similarity + "\"");
    c.similarity = similarity == "dot" ? Similarity::Dot : Similarity::Cosine;
  } else {
    c.user_dim = json_field<int>(r, model_json, "user_dim", "model");
    c.item_dim = json_field<int>(r, model_json, "item_dim", "model");
    c.hidden = json_field<std::vector<int>>(r, model_json, "hidden", "model");
    c.dropout = json_field<float>(r, model_json, "dropout", "model");
  }
  OptimizerConfig o;
  o.learning_rate = json_field<float>(r, optimizer, "learning_rate", "optimizer");
  o.beta1 = json_field<float>(r, optimizer, "beta1", "optimizer");
  o.beta2 = json_field<float>(r, optimizer, "beta2", "optimizer");
  o.epsilon = json_field<float>(r, optimizer, "epsilon", "optimizer");
  const std::int64_t n = r.length("item_ids");
  if (n < 1 || n > (std::int64_t{1} << 28)) r.fail_header("tensor \"item_ids\": expected 1 to 2^28 items, found " + std::to_string(n));
  try {
    check_model_config(c, o, 1, static_cast<std::int32_t>(n));
    check_feature_fields(OptionId::ItemFeatures, c.item_features);
    check_feature_fields(OptionId::UserFeatures, c.user_features);
  } catch (const UsageError& e) {
    r.fail_header(std::string("invalid model configuration (") + e.what() + ")");
  }
  ModelFeatures features;
  if (!c.item_features.empty()) features.item = r.read_item_rows(static_cast<std::int32_t>(n));
  if (!c.user_features.empty()) {
    features.user.names = r.read_vocabulary("user_feature_vocabulary");
    features.user.offsets = {0};  // no users: a visitor's values are given at fold-in
  }
  // Every tensor the configuration implies must be there with its shape before the model is
  // built: then every size is backed by bytes of the file, and building allocates no more than a
  // small multiple of the file's size.
  const char* embedding_dtype = bundle.dtype == BundleDtype::Float16 ? "F16" : bundle.dtype == BundleDtype::Int8 ? "I8" : "F32";
  const bool deep = c.kind == ModelKind::Deep;
  const std::int64_t item_width = deep ? c.item_dim : c.embedding_dim, user_width = deep ? c.user_dim : c.embedding_dim;
  const bool item_ids = keeps_ids(c, features.item);
  if (item_ids) r.tensor("item_embedding", embedding_dtype, {n, item_width});
  if (item_ids && bundle.dtype == BundleDtype::Int8) {
    r.tensor("item_embedding_scales", "F32", {n});
    r.tensor("item_embedding_residual", "U8", {n, (item_width + 1) / 2});
  }
  if (!features.item.empty()) r.tensor("item_feature_embedding", "F32", {features.item.n_features(), item_width});
  if (!features.user.empty()) r.tensor("user_feature_embedding", "F32", {features.user.n_features(), user_width});
  if (c.kind == ModelKind::FM) {
    if (item_ids) r.tensor("item_bias", "F32", {n, 1});
    if (!features.item.empty()) r.tensor("item_feature_bias", "F32", {features.item.n_features(), 1});
  }
  if (deep) {
    std::int64_t in = c.user_dim + c.item_dim;
    std::vector<int> widths = c.hidden;
    widths.push_back(1);
    for (std::size_t l = 0; l < widths.size(); ++l) {
      r.tensor("dense_" + std::to_string(l) + "/kernel", "F32", {in, widths[l]});
      r.tensor("dense_" + std::to_string(l) + "/bias", "F32", {widths[l]});
      in = widths[l];
    }
  }
  std::unique_ptr<Model> model = make_item_side_model(c, o, static_cast<std::int32_t>(n), &features);
  for (Tensor& t : model->parameters()) {
    if (t.name == "user_embedding") continue;  // no users: visitors are folded in
    const std::vector<std::int64_t> shape(t.shape.begin(), t.shape.end());
    if (t.name != "item_embedding" || bundle.dtype == BundleDtype::Float32) {
      r.read_f32(r.tensor(t.name, "F32", shape), t.name, t.data);
      continue;
    }
    const std::size_t rows = static_cast<std::size_t>(t.shape[0]), dim = static_cast<std::size_t>(t.shape[1]);
    if (bundle.dtype == BundleDtype::Float16) {
      const auto view = r.tensor(t.name, "F16", shape);
      for (std::size_t i = 0; i < t.size(); ++i) {
        t.data[i] = half_to_float(static_cast<std::uint16_t>(BundleReader::le(view.data + 2 * i, 2)));
        if (!std::isfinite(t.data[i]))
          r.fail(view.offset + 2 * i, "tensor \"item_embedding\": expected finite numbers at index " + std::to_string(i));
      }
    } else {
      Int8Rows q;
      const auto codes = r.tensor(t.name, "I8", shape);
      const auto residual = r.tensor(t.name + "_residual", "U8", {shape[0], (shape[1] + 1) / 2});
      q.codes.assign(reinterpret_cast<const std::int8_t*>(codes.data), reinterpret_cast<const std::int8_t*>(codes.data) + t.size());
      q.residual.assign(residual.data, residual.data + residual.count);
      q.scales.resize(rows);
      r.read_f32(r.tensor(t.name + "_scales", "F32", {static_cast<std::int64_t>(rows)}), t.name + "_scales", q.scales.data());
      dequantise_int8(q, rows, dim, t.data);
    }
  }
  model->parameters_changed();
  bundle.model = std::move(model);
  bundle.items.ids = r.read_i64("item_ids", n);
  bundle.items.popularity = r.read_i64("item_popularity", n);
  bundle.items.names = r.read_texts("item_names", n);
  bundle.items.genres = r.read_texts("item_genres", n);
  bundle.items.types = r.read_texts("item_types", n);
  std::vector<std::int64_t> sorted = bundle.items.ids;
  std::sort(sorted.begin(), sorted.end());
  const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
  if (twice != sorted.end()) r.fail_header("tensor \"item_ids\": item id " + std::to_string(*twice) + " appears twice");
  return bundle;
}

}  // namespace tripletrec

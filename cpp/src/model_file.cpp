// Model files: the format of save_model / load_model. A file holds a model's configuration and
// weights, not Adam's moments (a loaded model restarts its optimiser).
#include "tripletrec/model_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "models_internal.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/features.hpp"

namespace tripletrec {

// "TTRM", u32 version, the model config, the optimizer config, n_users, n_items, u32 tensor
// count, then per tensor: u32 name length, name, u32 rank, u32 dims, float32 data. All
// little-endian. Adam's moments are not stored: a loaded model restarts its optimiser.
// Version 2 (written for the FM and for models with side features; id-only bilinear and deep
// models keep writing version 1, byte for byte as before) adds after the optimizer config:
// u32 id_embeddings, the item and the user feature fields (u32 count, then u32 length + name
// each); after n_items, for users then items when they have fields, the feature rows: u32
// vocabulary size, each value's name (u32 length + bytes), u32 nnz, offsets (rows + 1 u32),
// indices (nnz i32), weights (nnz f32). The file thus carries the vocabulary and which values
// each user and item has.
namespace {

constexpr char kMagic[4] = {'T', 'T', 'R', 'M'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kVersionWithFeatures = 2;

class Writer {
 public:
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void f32(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    u32(bits);
  }
  std::vector<std::uint8_t> out;
};

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size, const std::string& source)
      : data_(data), size_(size), source_(source) {}
  [[noreturn]] void fail(const std::string& what) const {
    // Binary file: line 1, column = 1-based byte offset.
    throw ParseError(source_, 1, pos_ + 1, "model file: " + what);
  }
  void need(std::size_t n, const char* what) const {
    if (size_ - pos_ < n)
      fail(std::string("expected ") + what + ", found the end of the file (truncated?)");
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(data_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  std::int32_t i32(const char* what) { return static_cast<std::int32_t>(u32(what)); }
  float f32(const char* what) {
    const std::uint32_t bits = u32(what);
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  std::string str(std::size_t n, const char* what) {
    need(n, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  void floats(float* out, std::size_t n, const char* what) {
    if (n > (size_ - pos_) / 4) fail(std::string("expected ") + what + ", found the end of the file (truncated?)");
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t bits = 0;
      for (int b = 0; b < 4; ++b) bits |= static_cast<std::uint32_t>(data_[pos_ + 4 * i + b]) << (8 * b);
      std::memcpy(out + i, &bits, 4);
    }
    pos_ += 4 * n;
  }
  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return size_ - pos_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_, pos_ = 0;
  std::string source_;
};

// The weights a (validated) config implies, computed before anything is allocated.
std::uint64_t expected_param_count(const ModelConfig& c, std::int32_t n_users, std::int32_t n_items,
                                   const ModelFeatures& f) {
  const std::uint64_t user_ids = keeps_ids(c, f.user) ? 1 : 0, item_ids = keeps_ids(c, f.item) ? 1 : 0;
  const std::uint64_t user_features = std::uint64_t(f.user.n_features()), item_features = std::uint64_t(f.item.n_features());
  if (c.kind != ModelKind::Deep) {
    std::uint64_t total =
        (user_ids * n_users + item_ids * n_items + user_features + item_features) * c.embedding_dim;
    if (c.kind == ModelKind::FM) total += item_ids * n_items + item_features;  // linear weights
    return total;
  }
  std::uint64_t total = (user_ids * n_users + user_features) * c.user_dim + (item_ids * n_items + item_features) * c.item_dim;
  std::uint64_t in = std::uint64_t(c.user_dim) + c.item_dim;
  for (const int h : c.hidden) {
    total += in * h + h;
    in = h;
  }
  return total + in + 1;
}

}  // namespace

std::vector<std::uint8_t> save_model(Model& model) {
  Writer w;
  const ModelConfig& c = model.config();
  const bool v2 = c.kind == ModelKind::FM || !c.id_embeddings || !c.item_features.empty() || !c.user_features.empty();
  auto names = [&w](const std::vector<std::string>& list) {
    w.u32(static_cast<std::uint32_t>(list.size()));
    for (const std::string& name : list) {
      w.u32(static_cast<std::uint32_t>(name.size()));
      w.bytes(name.data(), name.size());
    }
  };
  w.bytes(kMagic, 4);
  w.u32(v2 ? kVersionWithFeatures : kVersion);
  w.u32(static_cast<std::uint32_t>(c.kind));
  w.i32(c.embedding_dim);
  w.u32(c.similarity == Similarity::Cosine ? 0 : 1);
  w.i32(c.user_dim);
  w.i32(c.item_dim);
  w.u32(static_cast<std::uint32_t>(c.hidden.size()));
  for (const int h : c.hidden) w.i32(h);
  w.f32(c.dropout);
  w.f32(c.margin);
  w.f32(c.l2);
  // The optimiser config is not reachable through Model; the models keep it and save it here.
  const OptimizerConfig o = model_optimizer_config(model);
  w.f32(o.learning_rate);
  w.f32(o.beta1);
  w.f32(o.beta2);
  w.f32(o.epsilon);
  w.u32(o.keras_exact ? 1 : 0);
  if (v2) {
    w.u32(c.id_embeddings ? 1 : 0);
    names(c.item_features);
    names(c.user_features);
  }
  w.i32(model.n_users());
  w.i32(model.n_items());
  for (const FeatureRows* rows : {&model.features().user, &model.features().item}) {
    if (rows->empty()) continue;
    names(rows->names);
    w.u32(static_cast<std::uint32_t>(rows->index.size()));
    for (const std::uint32_t offset : rows->offsets) w.u32(offset);
    for (const std::int32_t index : rows->index) w.i32(index);
    for (const float weight : rows->weight) w.f32(weight);
  }
  const std::vector<Tensor> tensors = model.parameters();
  w.u32(static_cast<std::uint32_t>(tensors.size()));
  for (const auto& t : tensors) {
    w.u32(static_cast<std::uint32_t>(t.name.size()));
    w.bytes(t.name.data(), t.name.size());
    w.u32(static_cast<std::uint32_t>(t.shape.size()));
    for (const int d : t.shape) w.u32(static_cast<std::uint32_t>(d));
    for (std::size_t i = 0; i < t.size(); ++i) w.f32(t.data[i]);
  }
  return std::move(w.out);
}

std::unique_ptr<Model> load_model(const std::uint8_t* bytes, std::size_t size, const std::string& source) {
  Reader r(bytes, size, source);
  if (r.str(4, "the magic \"TTRM\"") != std::string(kMagic, 4))
    throw ParseError(source, 1, 1, "model file: expected the magic \"TTRM\" (not a tripletrec model file)");
  const std::uint32_t version = r.u32("the format version");
  if (version != kVersion && version != kVersionWithFeatures)
    r.fail("unsupported format version " + std::to_string(version) + " (this engine reads versions " +
           std::to_string(kVersion) + " and " + std::to_string(kVersionWithFeatures) + ")");
  ModelConfig c;
  const std::uint32_t kind = r.u32("the model kind");
  if (kind > (version == kVersion ? 1u : 2u))
    r.fail(version == kVersion ? "expected model kind 0 (bilinear) or 1 (deep), found " + std::to_string(kind)
                               : "expected model kind 0 (bilinear), 1 (deep) or 2 (fm), found " + std::to_string(kind));
  c.kind = static_cast<ModelKind>(kind);
  c.embedding_dim = r.i32("embedding_dim");
  const std::uint32_t similarity = r.u32("the similarity");
  if (similarity > 1) r.fail("expected similarity 0 (cosine) or 1 (dot), found " + std::to_string(similarity));
  c.similarity = similarity == 0 ? Similarity::Cosine : Similarity::Dot;
  c.user_dim = r.i32("user_dim");
  c.item_dim = r.i32("item_dim");
  const std::uint32_t n_hidden = r.u32("the number of hidden layers");
  if (n_hidden > 16) r.fail("expected at most 16 hidden layers, found " + std::to_string(n_hidden));
  c.hidden.clear();
  for (std::uint32_t l = 0; l < n_hidden; ++l) c.hidden.push_back(r.i32("a hidden layer size"));
  c.dropout = r.f32("dropout");
  c.margin = r.f32("margin");
  c.l2 = r.f32("l2");
  OptimizerConfig o;
  o.learning_rate = r.f32("learning_rate");
  o.beta1 = r.f32("beta1");
  o.beta2 = r.f32("beta2");
  o.epsilon = r.f32("epsilon");
  o.keras_exact = r.u32("keras_exact") != 0;
  // A list of names, each checked against the file's length before it is read.
  auto names = [&r](const char* what, std::uint32_t max_count) {
    const std::uint32_t n = r.u32(what);
    if (n > max_count || n > r.remaining() / 4)
      r.fail(std::string("expected ") + what + ", found " + std::to_string(n) + " (more than the file holds)");
    std::vector<std::string> list;
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::uint32_t length = r.u32("a name length");
      if (length > 1024) r.fail("expected a name, found a length of " + std::to_string(length));
      list.push_back(r.str(length, "a name"));
    }
    return list;
  };
  if (version == kVersionWithFeatures) {
    c.id_embeddings = r.u32("id_embeddings") != 0;
    c.item_features = names("the item feature fields", 16);
    c.user_features = names("the user feature fields", 16);
  }
  const std::size_t config_end = r.pos();
  const std::int32_t n_users = r.i32("n_users");
  const std::int32_t n_items = r.i32("n_items");
  std::unique_ptr<Model> model;
  try {
    // Check the sizes against the file before allocating, so garbage cannot ask for gigabytes.
    check_model_config(c, o, n_users, n_items);
    check_feature_fields(OptionId::ItemFeatures, c.item_features);
    check_feature_fields(OptionId::UserFeatures, c.user_features);
  } catch (const UsageError& e) {
    throw ParseError(source, 1, config_end + 1, std::string("model file: invalid header (") + e.what() + ")");
  }
  ModelFeatures features;
  auto read_rows = [&](FeatureRows& rows, std::int32_t n_rows) {
    rows.rows = n_rows;
    rows.names = names("a feature vocabulary size", 1u << 24);
    const std::uint32_t nnz = r.u32("the feature count");
    if ((std::uint64_t(n_rows) + 1 + 3 * std::uint64_t(nnz)) > r.remaining() / 4)
      r.fail("the feature rows announce " + with_thousands(nnz) + " values for " + with_thousands(n_rows) +
             " rows but fewer bytes follow (truncated?)");
    rows.offsets.resize(static_cast<std::size_t>(n_rows) + 1);
    for (auto& offset : rows.offsets) offset = r.u32("a feature offset");
    rows.index.resize(nnz);
    for (auto& index : rows.index) index = r.i32("a feature index");
    rows.weight.resize(nnz);
    r.floats(rows.weight.data(), nnz, "feature weights");
    const bool ordered = rows.offsets.front() == 0 && rows.offsets.back() == nnz &&
                         std::is_sorted(rows.offsets.begin(), rows.offsets.end());
    const bool in_range = std::all_of(rows.index.begin(), rows.index.end(),
                                      [&](std::int32_t f) { return f >= 0 && f < rows.n_features(); });
    const bool finite = std::all_of(rows.weight.begin(), rows.weight.end(), [](float w) { return std::isfinite(w); });
    if (!ordered || !in_range || !finite || rows.names.empty())
      r.fail("expected feature rows (ascending offsets from 0 to the value count, indices within the vocabulary, "
             "finite weights)");
  };
  if (!c.user_features.empty()) read_rows(features.user, n_users);
  if (!c.item_features.empty()) read_rows(features.item, n_items);
  const std::uint64_t params = expected_param_count(c, n_users, n_items, features);
  if (params > r.remaining() / 4)
    r.fail("the header announces " + with_thousands(static_cast<std::int64_t>(params)) + " weights but only " +
           with_thousands(static_cast<std::int64_t>(r.remaining())) + " bytes follow (truncated?)");
  try {
    model = make_model(c, o, n_users, n_items, 0, &features);
  } catch (const UsageError& e) {
    throw ParseError(source, 1, config_end + 1, std::string("model file: invalid header (") + e.what() + ")");
  }
  std::vector<Tensor> tensors = model->parameters();
  const std::uint32_t n_tensors = r.u32("the tensor count");
  if (n_tensors != tensors.size())
    r.fail("expected " + std::to_string(tensors.size()) + " tensors for this model, found " + std::to_string(n_tensors));
  for (auto& t : tensors) {
    const std::uint32_t name_length = r.u32("a tensor name length");
    if (name_length > 256) r.fail("expected a tensor name, found a length of " + std::to_string(name_length));
    const std::string name = r.str(name_length, "a tensor name");
    if (name != t.name) r.fail("expected tensor \"" + t.name + "\", found \"" + name + "\"");
    const std::uint32_t rank = r.u32("a tensor rank");
    if (rank != t.shape.size())
      r.fail("tensor \"" + name + "\": expected rank " + std::to_string(t.shape.size()) + ", found " + std::to_string(rank));
    for (const int d : t.shape) {
      const std::uint32_t found = r.u32("a tensor dimension");
      if (found != static_cast<std::uint32_t>(d))
        r.fail("tensor \"" + name + "\": expected dimension " + std::to_string(d) + ", found " + std::to_string(found));
    }
    const std::size_t data_start = r.pos();
    r.floats(t.data, t.size(), "tensor data");
    // NaN or infinite weights would load silently and score everything NaN.
    const float* bad = std::find_if(t.data, t.data + t.size(), [](float w) { return !std::isfinite(w); });
    if (bad != t.data + t.size())
      throw ParseError(source, 1, data_start + 4 * static_cast<std::size_t>(bad - t.data) + 1,
                       "model file: tensor \"" + name + "\": expected finite weights, found " +
                           (std::isnan(*bad) ? "NaN" : "infinity") + " at index " +
                           std::to_string(bad - t.data));
  }
  if (r.remaining() != 0) r.fail("expected the end of the file, found " + std::to_string(r.remaining()) + " more bytes");
  model->parameters_changed();
  return model;
}

}  // namespace tripletrec

// The serving bundle: round trips (recommendations from the bundle alone equal the trained
// session's), quantisation error bounds, and corrupt or truncated files refused with clear
// errors and the session left as it was.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/serving_bundle.hpp"
#include "tripletrec/session.hpp"
#include "session_fixture.hpp"

using namespace tripletrec;
using namespace tripletrec::testing;

namespace {

void trained(Session& s, ModelKind kind) {
  s.load_sample(small_sample());
  s.prepare(sample_prepare());
  s.create_model(kind == ModelKind::Deep ? ModelConfig::deep_defaults() : ModelConfig::bilinear_defaults(),
                 OptimizerConfig{}, 1);
  TrainOptions t;
  t.epochs = 3;
  s.train(t);
}

std::vector<std::int64_t> likes_of(const Session& s, std::int32_t user) {
  std::vector<std::int64_t> likes;
  for (const ItemView& v : s.user_train_positives(user)) likes.push_back(v.raw_id);
  return likes;
}

std::vector<float> item_embedding(Session& s) {
  for (const Tensor& t : s.model().parameters())
    if (t.name == "item_embedding") return {t.data, t.data + t.size()};
  return {};
}

// The bundle with its JSON header rewritten by `edit` (the length prefix follows).
std::vector<std::uint8_t> with_header(const std::vector<std::uint8_t>& bundle,
                                      const std::function<void(std::string&)>& edit) {
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(bundle[i]) << (8 * i);
  std::string header(bundle.begin() + 8, bundle.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  edit(header);
  const auto tensors = bundle.begin() + 8 + static_cast<std::ptrdiff_t>(n);
  std::vector<std::uint8_t> out(8 + header.size() + static_cast<std::size_t>(bundle.end() - tensors));
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(header.size() >> (8 * i));
  std::copy(header.begin(), header.end(), out.begin() + 8);
  std::copy(tensors, bundle.end(), out.begin() + 8 + static_cast<std::ptrdiff_t>(header.size()));
  return out;
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

std::string parse_error_of(const std::vector<std::uint8_t>& bytes) {
  try {
    read_serving_bundle(bytes.data(), bytes.size(), "b.safetensors");
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(no ParseError)";
}

class Bundle : public ::testing::TestWithParam<ModelKind> {};

}  // namespace

TEST_P(Bundle, RoundTripServesTheSameRecommendationsWithoutRatings) {
  Session trained_session;
  trained(trained_session, GetParam());
  const std::vector<std::uint8_t> bytes = trained_session.save_serving();
  Session served;
  served.load_serving(bytes.data(), bytes.size(), "model.safetensors");
  EXPECT_TRUE(served.serving());
  EXPECT_FALSE(served.has_ratings());
  EXPECT_EQ(item_embedding(served), item_embedding(trained_session));
  for (const std::int32_t user : {1, 2, 40, 41}) {
    const auto likes = likes_of(trained_session, user);
    if (likes.empty()) continue;
    const auto a = trained_session.recommend_for(likes, {}, 10), b = served.recommend_for(likes, {}, 10);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t r = 0; r < a.size(); ++r) {
      EXPECT_EQ(a[r].item.raw_id, b[r].item.raw_id);
      EXPECT_EQ(a[r].item.score, b[r].item.score);
      EXPECT_EQ(a[r].item.name, b[r].item.name);
      EXPECT_EQ(a[r].item.genres, b[r].item.genres);
      EXPECT_EQ(a[r].item.type, b[r].item.type);
      EXPECT_EQ(a[r].item.popularity, b[r].item.popularity);
      EXPECT_EQ(a[r].because.raw_id, b[r].because.raw_id);
    }
  }
  const std::int64_t first = trained_session.dataset().item_raw_id[0];
  EXPECT_EQ(served.similar_items(served.item_index(first), 5).size(), 5u);
  const std::string name = trained_session.item_view(0).name;
  EXPECT_EQ(served.search_items(name, 1).at(0).name, trained_session.search_items(name, 1).at(0).name);
  // What needs ratings says so; saving the served bundle gives the same bytes.
  EXPECT_NE(usage_error_of([&] { served.evaluate(); }).find("prepare"), std::string::npos);
  EXPECT_EQ(served.save_serving(), bytes);
  // A new load of ratings leaves serving mode entirely.
  served.load_sample(small_sample());
  EXPECT_FALSE(served.serving());
  EXPECT_FALSE(served.has_model());
}

TEST_P(Bundle, QuantisedItemEmbeddingsStayWithinTheirErrorBounds) {
  Session s;
  trained(s, GetParam());
  const std::vector<float> exact = item_embedding(s);
  const int dim = static_cast<int>(exact.size() / static_cast<std::size_t>(s.dataset().n_items));
  for (const BundleDtype dtype : {BundleDtype::Float16, BundleDtype::Int8}) {
    const std::vector<std::uint8_t> bytes = s.save_serving(dtype);
    Session served;
    served.load_serving(bytes.data(), bytes.size(), "q.safetensors");
    const std::vector<float> loaded = item_embedding(served);
    ASSERT_EQ(loaded.size(), exact.size());
    for (std::size_t row = 0; row * dim < exact.size(); ++row) {
      float largest = 0;
      for (int c = 0; c < dim; ++c) largest = std::max(largest, std::fabs(exact[row * dim + c]));
      for (int c = 0; c < dim; ++c) {
        const float x = exact[row * dim + c], q = loaded[row * dim + c];
        // float16: half an ulp of 11 significant bits (subnormals: half of 2^-24);
        // int8: half a cell of the 4-bit residual, 1/32 of the row's scale max|x| / 127 (plus
        // float rounding of the cell's choice and of the product).
        const float bound = dtype == BundleDtype::Float16 ? std::max(std::fabs(x) * 0x1p-11f, 0x1p-25f)
                                                          : largest / 127.0f * (1.0f / 32 + 1e-4f);
        ASSERT_LE(std::fabs(x - q), bound) << "row " << row << " column " << c;
      }
    }
    // Quantised bundles are smaller: 2 bytes, or 1.5 bytes (+ a scale per row) per weight.
    EXPECT_LT(bytes.size(), s.save_serving().size());
    if (dtype == BundleDtype::Int8) EXPECT_LT(bytes.size(), s.save_serving(BundleDtype::Float16).size());
  }
}

INSTANTIATE_TEST_SUITE_P(Models, Bundle, ::testing::Values(ModelKind::Bilinear, ModelKind::Deep),
                         [](const auto& info) { return info.param == ModelKind::Deep ? "Deep" : "Bilinear"; });

TEST(HalfFloat, ConvertsLikeIeeeBinary16) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);         // rounds past the largest half: infinity
  EXPECT_EQ(float_to_half(0x1p-24f), 0x0001);         // smallest subnormal
  EXPECT_EQ(float_to_half(0x1p-26f), 0x0000);         // below half of it: zero
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f), 0x3c00);  // a tie: to even
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(NAN))));
  for (std::uint32_t h = 0; h < 0x7c00; ++h)  // every finite half reads back exactly
    ASSERT_EQ(float_to_half(half_to_float(static_cast<std::uint16_t>(h))), h);
}

TEST(BundleErrors, CorruptOrTruncatedBundlesAreClearErrorsAndChangeNothing) {
  Session s;
  trained(s, ModelKind::Deep);
  const std::vector<std::uint8_t> good = s.save_serving(BundleDtype::Int8);
  Session served;
  served.load_serving(good.data(), good.size(), "good.safetensors");
  const auto likes = likes_of(s, 3);
  const auto before = served.recommend_for(likes, {}, 5);

  auto expect_error = [&](const std::vector<std::uint8_t>& bytes, const std::string& expected) {
    EXPECT_NE(parse_error_of(bytes).find(expected), std::string::npos) << parse_error_of(bytes);
    EXPECT_THROW(served.load_serving(bytes.data(), bytes.size(), "b.safetensors"), ParseError);
  };
  expect_error({1, 2, 3}, "b.safetensors:1:1: serving bundle: expected an 8-byte header length, found 3 bytes");
  std::vector<std::uint8_t> long_header = good;
  long_header[5] = 1;
  expect_error(long_header, "goes beyond the file's");
  expect_error(with_header(good, [](std::string& h) { h[h.find(':')] = ';'; }), "bad JSON header");
  expect_error(with_header(good, [](std::string& h) { replace_once(h, "\"I8\"", "\"F32\""); }), "need");
  expect_error(with_header(good, [](std::string& h) { replace_once(h, "\"I8\"", "\"Q4\""); }), "unsupported dtype \"Q4\"");
  expect_error(with_header(good, [](std::string& h) { replace_once(h, "\"item_ids\"", "\"item_idz\""); }),
               "no tensor \"item_ids\"");
  expect_error(with_header(good, [](std::string& h) { replace_once(h, "tripletrec-serving", "something-else"); }),
               "format is not");
  // Offsets beyond the data, and a tensor whose shape disagrees with the model configuration.
  expect_error(std::vector<std::uint8_t>(good.begin(), good.end() - 16), "out of range");
  expect_error(with_header(good, [](std::string& h) { replace_once(h, "\\\"item_dim\\\":64", "\\\"item_dim\\\":32"); }),
               "expected shape");
  // Every truncation is refused (checked at every length through the header, then in steps).
  std::uint64_t header = 0;
  for (int i = 0; i < 8; ++i) header |= static_cast<std::uint64_t>(good[i]) << (8 * i);
  for (std::size_t length = 0; length < good.size(); length += length < header + 64 ? 1 : 61)
    ASSERT_THROW(read_serving_bundle(good.data(), length, "t.safetensors"), ParseError) << length;
  // A NaN weight is found and named, with its byte offset.
  const std::string header_text(good.begin() + 8, good.begin() + 8 + static_cast<std::ptrdiff_t>(header));
  const std::string key = "\"dense_0/kernel\":{\"data_offsets\":[";
  ASSERT_NE(header_text.find(key), std::string::npos);
  const std::size_t kernel_begin = std::stoull(header_text.substr(header_text.find(key) + key.size()));
  std::vector<std::uint8_t> nan = good;
  const float bad = NAN;
  std::memcpy(nan.data() + 8 + header + kernel_begin + 4 * 5, &bad, 4);
  expect_error(nan, ":1:" + std::to_string(8 + header + kernel_begin + 4 * 5 + 1) +
                        ": serving bundle: tensor \"dense_0/kernel\": expected finite numbers, found NaN at index 5");
  // The session still serves what it served.
  const auto after = served.recommend_for(likes, {}, 5);
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t r = 0; r < before.size(); ++r) EXPECT_EQ(before[r].item.raw_id, after[r].item.raw_id);
}

// ---- feature models and the FM: the bundle carries the vocabularies and the feature rows ----

namespace {

struct FeatureCase {
  const char* name;
  ModelKind kind;
  bool id_embeddings;
};

class FeatureBundle : public ::testing::TestWithParam<FeatureCase> {};

void trained_with_features(Session& s, const FeatureCase& c) {
  hand_made_session(s);
  ModelConfig config = ModelConfig::defaults_for(c.kind);
  config.item_features = {"genre", "episodes"};
  config.user_features = {"age", "gender"};
  config.id_embeddings = c.id_embeddings;
  s.create_model(config, {}, 3);
  TrainOptions t;
  t.epochs = 3;
  t.batch_size = 4;
  s.train(t);
}

}  // namespace

TEST_P(FeatureBundle, RoundTripCarriesTheVocabularyAndFoldsInTheSame) {
  Session trained_session;
  trained_with_features(trained_session, GetParam());
  const std::vector<std::uint8_t> bytes = trained_session.save_serving();
  Session served;
  served.load_serving(bytes.data(), bytes.size(), "features.safetensors");
  const Model& model = served.model();
  EXPECT_EQ(model.config().item_features, (std::vector<std::string>{"genre", "episodes"}));
  EXPECT_EQ(model.config().user_features, (std::vector<std::string>{"age", "gender"}));
  EXPECT_EQ(model.config().id_embeddings, GetParam().id_embeddings);
  EXPECT_EQ(model.features().item.names, trained_session.model().features().item.names);
  EXPECT_EQ(model.features().item.offsets, trained_session.model().features().item.offsets);
  EXPECT_EQ(model.features().item.index, trained_session.model().features().item.index);
  EXPECT_EQ(model.features().item.weight, trained_session.model().features().item.weight);
  EXPECT_EQ(model.features().user.names, trained_session.model().features().user.names);
  int dim_a = 0, dim_b = 0;
  EXPECT_EQ(served.model().item_vectors(dim_a), trained_session.model().item_vectors(dim_b));
  for (const std::vector<std::int64_t>& likes : std::vector<std::vector<std::int64_t>>{{10}, {11, 12}, {10, 12, 13}}) {
    const auto a = trained_session.recommend_for(likes, {}, 10), b = served.recommend_for(likes, {}, 10);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_FALSE(a.empty());
    for (std::size_t r = 0; r < a.size(); ++r) {
      EXPECT_EQ(a[r].item.raw_id, b[r].item.raw_id);
      EXPECT_EQ(a[r].item.score, b[r].item.score);  // the same model: the same bits
      EXPECT_EQ(a[r].because.raw_id, b[r].because.raw_id);
    }
  }
  EXPECT_EQ(served.save_serving(), bytes);
  // Quantised bundles of feature models load and serve too (only the id table is quantised).
  for (const BundleDtype dtype : {BundleDtype::Float16, BundleDtype::Int8}) {
    const std::vector<std::uint8_t> quantised = trained_session.save_serving(dtype);
    Session q;
    q.load_serving(quantised.data(), quantised.size(), "q.safetensors");
    EXPECT_EQ(q.recommend_for({10, 12}, {}, 10).size(), trained_session.recommend_for({10, 12}, {}, 10).size());
    EXPECT_LE(quantised.size(), bytes.size());
  }
}

TEST_P(FeatureBundle, CorruptFeatureRowsAreClearErrors) {
  Session s;
  trained_with_features(s, GetParam());
  const std::vector<std::uint8_t> good = s.save_serving();
  EXPECT_EQ(parse_error_of(good), "(no ParseError)");
  EXPECT_NE(parse_error_of(with_header(good, [](std::string& h) { replace_once(h, "\"item_feature_index\"", "\"item_feature_indes\""); }))
                .find("no tensor \"item_feature_index\""),
            std::string::npos);
  EXPECT_NE(parse_error_of(with_header(good, [](std::string& h) { replace_once(h, "\\\"genre\\\"", "\\\"genus\\\""); }))
                .find("got \"genus\""),
            std::string::npos)
      << parse_error_of(with_header(good, [](std::string& h) { replace_once(h, "\\\"genre\\\"", "\\\"genus\\\""); }));
  // An index outside the vocabulary (the first index set to 1000).
  std::uint64_t header = 0;
  for (int i = 0; i < 8; ++i) header |= static_cast<std::uint64_t>(good[i]) << (8 * i);
  const std::string header_text(good.begin() + 8, good.begin() + 8 + static_cast<std::ptrdiff_t>(header));
  const std::string key = "\"item_feature_index\":{\"data_offsets\":[";
  ASSERT_NE(header_text.find(key), std::string::npos);
  const std::size_t begin = std::stoull(header_text.substr(header_text.find(key) + key.size()));
  std::vector<std::uint8_t> bad = good;
  const std::int32_t outside = 1000;
  std::memcpy(bad.data() + 8 + header + begin, &outside, 4);
  EXPECT_NE(parse_error_of(bad).find("tensor \"item_feature_index\": value 1000 at 0 is outside the vocabulary"),
            std::string::npos)
      << parse_error_of(bad);
}

INSTANTIATE_TEST_SUITE_P(Models, FeatureBundle,
                         ::testing::Values(FeatureCase{"Bilinear", ModelKind::Bilinear, true},
                                           FeatureCase{"DeepFeaturesOnly", ModelKind::Deep, false},
                                           FeatureCase{"Deep", ModelKind::Deep, true},
                                           FeatureCase{"Fm", ModelKind::FM, true},
                                           FeatureCase{"FmFeaturesOnly", ModelKind::FM, false}),
                         [](const auto& info) { return std::string(info.param.name); });

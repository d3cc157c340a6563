// Model files: round trips give identical scores; damaged files give clear errors, never crashes.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/model.hpp"
#include "tripletrec/model_file.hpp"

namespace tripletrec {
namespace {

// A model trained a little, so its weights are not just the initialisation.
std::unique_ptr<Model> trained_model(const ModelConfig& config, const OptimizerConfig& optimizer = {}) {
  auto model = make_model(config, optimizer, 12, 9, 4);
  Rng rng(1);
  std::vector<std::int32_t> u, p, n;
  for (int t = 0; t < 40; ++t) {
    u.push_back(static_cast<std::int32_t>(rng.below(12)));
    p.push_back(static_cast<std::int32_t>(rng.below(9)));
    n.push_back(static_cast<std::int32_t>(rng.below(9)));
  }
  for (int r = 0; r < 5; ++r) model->train_batch(u.data(), p.data(), n.data(), 40, rng);
  return model;
}

std::vector<float> all_scores(const Model& m) {
  std::vector<float> scores(static_cast<std::size_t>(m.n_users()) * m.n_items());
  for (std::int32_t u = 0; u < m.n_users(); ++u) m.score_items(u, scores.data() + static_cast<std::size_t>(u) * m.n_items());
  return scores;
}

void expect_round_trip(const ModelConfig& config, const OptimizerConfig& optimizer = {}) {
  auto model = trained_model(config, optimizer);
  const std::vector<std::uint8_t> bytes = save_model(*model);
  ASSERT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "TTRM");
  auto loaded = load_model(bytes.data(), bytes.size(), "model.ttrm");
  EXPECT_EQ(loaded->kind(), config.kind);
  EXPECT_EQ(loaded->n_users(), 12);
  EXPECT_EQ(loaded->n_items(), 9);
  EXPECT_EQ(loaded->config().hidden, config.hidden);
  EXPECT_EQ(loaded->config().similarity, config.similarity);
  EXPECT_EQ(loaded->config().margin, config.margin);
  EXPECT_EQ(loaded->param_count(), model->param_count());
  EXPECT_EQ(all_scores(*loaded), all_scores(*model));  // bit for bit
  EXPECT_EQ(save_model(*loaded), bytes);              // and it saves back to the same bytes
}

TEST(ModelIo, BilinearRoundTripGivesIdenticalScores) {
  expect_round_trip(ModelConfig::bilinear_defaults());
  ModelConfig dot = ModelConfig::bilinear_defaults();
  dot.similarity = Similarity::Dot;
  dot.embedding_dim = 5;
  OptimizerConfig exact;
  exact.keras_exact = true;
  exact.learning_rate = 0.01f;
  expect_round_trip(dot, exact);
}

TEST(ModelIo, DeepRoundTripGivesIdenticalScores) {
  expect_round_trip(ModelConfig::deep_defaults());
  ModelConfig two = ModelConfig::deep_defaults();
  two.hidden = {16, 8};
  expect_round_trip(two);
}

TEST(ModelIo, EveryTruncationIsAParseError) {
  ModelConfig small = ModelConfig::deep_defaults();
  small.user_dim = 2;
  small.item_dim = 3;
  small.hidden = {4};
  auto model = make_model(small, {}, 3, 2, 1);
  const std::vector<std::uint8_t> bytes = save_model(*model);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    try {
      load_model(bytes.data(), size, "cut.ttrm");
      ADD_FAILURE() << "a file cut to " << size << " bytes loaded";
    } catch (const ParseError& e) {
      EXPECT_EQ(e.file, "cut.ttrm");
      EXPECT_EQ(e.line, 1u);
      EXPECT_LE(e.column, size + 1);  // the offset where reading stopped
    }
  }
}

TEST(ModelIo, DamagedHeadersAreClearErrors) {
  auto model = make_model(ModelConfig::bilinear_defaults(), {}, 3, 2, 1);
  const std::vector<std::uint8_t> good = save_model(*model);
  auto expect_error = [&](std::vector<std::uint8_t> bytes, const std::string& fragment) {
    try {
      load_model(bytes.data(), bytes.size(), "bad.ttrm");
      ADD_FAILURE() << "loaded; expected an error mentioning " << fragment;
    } catch (const ParseError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  std::vector<std::uint8_t> bytes = good;
  bytes[0] = 'X';
  expect_error(bytes, "magic");
  bytes = good;
  bytes[4] = 99;  // version
  expect_error(bytes, "version 99");
  bytes = good;
  bytes[8] = 7;  // model kind
  expect_error(bytes, "model kind");
  bytes = good;
  // n_users (after magic, version, kind, dim, similarity, user_dim, item_dim, hidden count, one
  // hidden size, dropout, margin, l2, 4 optimizer floats, keras_exact): a huge count, little data.
  const std::size_t n_users_at = 4 + 4 * 16;
  ASSERT_EQ(bytes[n_users_at], 3);
  bytes[n_users_at + 3] = 0x0F;  // 251,658,243 users
  expect_error(bytes, "truncated");
  bytes = good;
  bytes.push_back(0);
  expect_error(bytes, "end of the file");
  bytes = good;
  const std::size_t name_at = n_users_at + 8 + 4 + 4;  // first tensor's name
  bytes[name_at] = 'x';
  expect_error(bytes, "expected tensor \"user_embedding\"");
}

TEST(ModelIo, RandomGarbageNeverCrashes) {
  Rng rng(123);
  auto model = make_model(ModelConfig::deep_defaults(), {}, 4, 3, 1);
  const std::vector<std::uint8_t> good = save_model(*model);
  int rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<std::uint8_t> bytes = good;
    // Flip a few bytes in the header region (where structure lives) or anywhere.
    const int flips = 1 + static_cast<int>(rng.below(4));
    for (int f = 0; f < flips; ++f) {
      const std::size_t at = trial % 2 ? rng.below(120) : rng.below(static_cast<std::uint32_t>(bytes.size()));
      bytes[at] = static_cast<std::uint8_t>(rng.below(256));
    }
    try {
      auto loaded = load_model(bytes.data(), bytes.size(), "noise.ttrm");
      std::vector<float> scores(loaded->n_items());
      loaded->score_items(0, scores.data());  // a model that loads must be usable
    } catch (const Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
  std::vector<std::uint8_t> noise(500);
  for (auto& b : noise) b = static_cast<std::uint8_t>(rng.below(256));
  EXPECT_THROW(load_model(noise.data(), noise.size(), "noise.bin"), ParseError);
  EXPECT_THROW(load_model(nullptr, 0, "empty.bin"), ParseError);
}

}  // namespace
}  // namespace tripletrec

// The Session facade: the whole pipeline through one object, state checks, and the strong
// guarantee (a failed call changes nothing; replacing an input drops what was derived from it).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tripletrec/error.hpp"
#include "tripletrec/session.hpp"
#include "session_fixture.hpp"

using namespace tripletrec;
using namespace tripletrec::testing;

namespace {

TrainOptions short_training() {
  TrainOptions t;
  t.epochs = 2;
  return t;
}

// A tiny ratings file without metadata: users 1..4, items 10..14.
constexpr const char* kTrainCsv =
    "user_id,anime_id,rating\n"
    "1,10,9\n1,11,8\n1,12,3\n"
    "2,10,10\n2,13,9\n2,14,2\n"
    "3,11,9\n3,12,8\n3,14,9\n"
    "4,10,8\n4,13,1\n";
constexpr const char* kTestCsv =
    "user_id,anime_id,rating\n"
    "1,13,9\n2,11,8\n3,10,2\n";

PrepareOptions tiny_prepare() {
  PrepareOptions p;
  p.preprocess.min_popularity = 0;
  p.preprocess.max_user_id = -1;
  return p;
}

}  // namespace

TEST(Session, MethodsInTheWrongStateExplainWhatToDo) {
  Session s;
  EXPECT_FALSE(s.has_ratings());
  EXPECT_NE(usage_error_of([&] { (void)s.ratings(); }).find("load"), std::string::npos);
  EXPECT_NE(usage_error_of([&] { s.prepare(PrepareOptions{}); }).find("load"), std::string::npos);
  EXPECT_NE(usage_error_of([&] { s.create_model(ModelConfig{}, OptimizerConfig{}, 1); }).find("prepare"),
            std::string::npos);
  s.load_sample(small_sample());
  EXPECT_NE(usage_error_of([&] { (void)s.dataset(); }).find("prepare"), std::string::npos);
  EXPECT_NE(usage_error_of([&] { (void)s.user_index(1); }).find("prepare"), std::string::npos);
  s.prepare(sample_prepare());
  EXPECT_NE(usage_error_of([&] { s.train(TrainOptions{}); }).find("createModel()"), std::string::npos);
  EXPECT_NE(usage_error_of([&] { (void)s.evaluate(); }).find("createModel()"), std::string::npos);
  EXPECT_NE(usage_error_of([&] { (void)s.recommend(0, 5); }).find("createModel()"), std::string::npos);
  EXPECT_NE(usage_error_of([&] { (void)s.train_step(1); }).find("begin_training"), std::string::npos);
  EXPECT_THROW(s.save_model(), UsageError);
}

// The engine names the missing step; each face names its own call for it (never the C++ name).
TEST(Session, MissingStepsAreNamedInEachFacesWords) {
  Session s;
  s.load_sample(small_sample());
  try {
    (void)s.dataset();
    ADD_FAILURE() << "no StepError";
  } catch (const StepError& e) {
    EXPECT_EQ(e.step, MissingStep::Prepare);
    EXPECT_STREQ(e.what(), "the data is not prepared yet: call prepare() after loading ratings");
    EXPECT_EQ(e.message(Face::Package), e.what());
    EXPECT_EQ(e.message(Face::Cli),
              "the data is not prepared yet: `tripletrec train` prepares it after loading --ratings FILE or --sample");
  }
  s.prepare(sample_prepare());
  try {
    (void)s.recommend(0, 5);
    ADD_FAILURE() << "no StepError";
  } catch (const StepError& e) {
    EXPECT_EQ(e.step, MissingStep::Model);
    EXPECT_STREQ(e.what(), "there is no model yet: call createModel() (or loadModel()) after prepare()");
    EXPECT_EQ(e.message(Face::Cli), "there is no model yet: `tripletrec train` creates one after preparing the data");
  }
}

TEST(Session, RunsThePipelineOnTheSample) {
  Session s;
  s.load_sample();  // the full default sample: enough data to learn from in a few epochs
  s.prepare(sample_prepare());
  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 1);
  const PreparedStats stats = s.prepared_stats();
  EXPECT_GT(stats.counts.users, 250);
  EXPECT_EQ(stats.train_rows + stats.test_rows, stats.counts.ratings);
  EXPECT_NEAR(static_cast<double>(stats.test_rows) / static_cast<double>(stats.counts.ratings), 0.2, 0.001);
  EXPECT_GT(stats.train_positives, 0);
  EXPECT_EQ(stats.report.rating_filter.ratings, stats.counts.ratings);
  EXPECT_GT(s.param_count(), 0);
  EXPECT_NE(s.model_summary().find("Total params"), std::string::npos);

  const Evaluation before = s.evaluate();
  const TrainResult result = s.train(short_training());
  EXPECT_EQ(result.epochs_completed, 2);
  const Evaluation after = s.evaluate();
  EXPECT_GT(after.auc, before.auc + 0.1);

  const Positives& train = s.train_positives();
  const Positives& test = s.test_positives();
  for (std::int32_t u = 0; u < 20; ++u) {
    const auto recs = s.recommend(u, 5);
    ASSERT_EQ(recs.size(), 5u);
    for (std::size_t r = 0; r < recs.size(); ++r) {
      EXPECT_FALSE(train.contains(u, recs[r].item)) << "recommended a train positive";
      EXPECT_EQ(recs[r].in_test, test.contains(u, recs[r].item));
      EXPECT_EQ(recs[r].raw_id, s.dataset().item_raw_id[static_cast<std::size_t>(recs[r].item)]);
      EXPECT_EQ(recs[r].type, "TV");  // the sample's preprocessing keeps TV titles
      EXPECT_FALSE(recs[r].genres.empty());
      EXPECT_NE(recs[r].name.rfind("item ", 0), 0u) << "names come from the catalog";
      if (r > 0) { EXPECT_LE(recs[r].score, recs[r - 1].score); }
    }
  }
  const auto similar = s.similar_items(3, 4);
  ASSERT_EQ(similar.size(), 4u);
  for (const ItemView& v : similar) EXPECT_NE(v.item, 3);
  const auto popular = s.popular(5);
  ASSERT_EQ(popular.size(), 5u);
  EXPECT_GE(popular[0].score, popular[4].score);
  EXPECT_GT(popular[0].popularity, 0);
  for (const ItemView& v : s.user_test_positives(0)) EXPECT_TRUE(v.in_test);
  EXPECT_EQ(s.user_train_positives(0).size(), static_cast<std::size_t>(train.end_of(0) - train.begin_of(0)));
  EXPECT_THROW(s.recommend(-1, 5), UsageError);
  EXPECT_THROW(s.similar_items(s.dataset().n_items, 5), UsageError);
}

TEST(Session, IndexLookupsRoundTrip) {
  Session s;
  ready(s);
  const Dataset& d = s.dataset();
  for (std::int32_t u : {0, 7, d.n_users - 1}) EXPECT_EQ(s.user_index(d.user_raw_id[static_cast<std::size_t>(u)]), u);
  for (std::int32_t i : {0, 5, d.n_items - 1}) EXPECT_EQ(s.item_index(d.item_raw_id[static_cast<std::size_t>(i)]), i);
  EXPECT_EQ(s.user_index(-5), -1);
  EXPECT_EQ(s.item_index(999999999), -1);
  EXPECT_EQ(s.item_view(2).raw_id, d.item_raw_id[2]);
  EXPECT_TRUE(std::isnan(s.item_view(2).score));
}

TEST(Session, FailedCallsLeaveTheSessionUnchanged) {
  Session s;
  ready(s);
  s.train(short_training());
  const Evaluation trained = s.evaluate();
  const auto n_rows = s.dataset().size();

  // Bad preparation options.
  PrepareOptions bad = sample_prepare();
  bad.test_fraction = 1.5;
  EXPECT_THROW(s.prepare(bad), UsageError);
  bad.test_fraction = 0;
  EXPECT_THROW(s.prepare(bad), UsageError);
  bad = sample_prepare();
  bad.preprocess.min_popularity = 1000000000;  // filters everything out
  EXPECT_THROW(s.prepare(bad), UsageError);
  // A malformed file and a file of the wrong kind.
  EXPECT_THROW(s.load_ratings("user_id,anime_id,rating\n1,2,x\n", "bad.csv"), ParseError);
  EXPECT_THROW(s.load_items("\"unterminated\n", "bad_items.csv"), Error);
  // A bad model configuration.
  ModelConfig wrong = ModelConfig::bilinear_defaults();
  wrong.embedding_dim = 0;
  EXPECT_THROW(s.create_model(wrong, OptimizerConfig{}, 1), UsageError);

  ASSERT_TRUE(s.prepared());
  ASSERT_TRUE(s.has_model());
  EXPECT_EQ(s.dataset().size(), n_rows);
  EXPECT_DOUBLE_EQ(s.evaluate().auc, trained.auc);  // same model, same data
}

TEST(Session, ReplacingInputsDropsWhatDependsOnThem) {
  Session s;
  ready(s);
  s.prepare(sample_prepare());
  EXPECT_TRUE(s.prepared());
  EXPECT_FALSE(s.has_model()) << "a new preparation drops the model";
  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 1);
  s.load_ratings(kTrainCsv, "train.csv");
  EXPECT_FALSE(s.prepared());
  EXPECT_FALSE(s.has_model());
  EXPECT_TRUE(s.has_items()) << "the catalog stays until it is cleared or replaced";
  s.clear_items();
  EXPECT_FALSE(s.has_items());
  EXPECT_EQ(s.items(), nullptr);
}

TEST(Session, PreviewDoesNotChangeTheSession) {
  Session s;
  s.load_sample(small_sample());
  // The notebook's popularity > 5000 leaves no item of a small sample: zeros from the item filter
  // on (the page shows them live), while prepare() says why.
  const PreprocessReport strict = s.preview(PreprocessOptions{});
  EXPECT_GT(strict.merged.ratings, 0);
  EXPECT_EQ(strict.item_filter.ratings, 0);
  const PreprocessReport loose = s.preview(sample_preprocess_options());
  EXPECT_GT(loose.rating_filter.ratings, 0);
  EXPECT_EQ(loose.loaded.ratings, static_cast<std::int64_t>(s.ratings().size()));
  EXPECT_FALSE(s.prepared());
  EXPECT_GT(s.loaded_stats().counts.ratings, 0);
}

TEST(Session, PreviewCountsZerosWhereNothingRemainsAndKeepsTheState) {
  Session s;
  ready(s);
  const PreparedStats before = s.prepared_stats();
  PreprocessOptions above_every_popularity = sample_preprocess_options();
  above_every_popularity.min_popularity = s.loaded_stats().popularity_desc.front();  // > is strict

  const PreprocessReport report = s.preview(above_every_popularity);
  EXPECT_EQ(report.loaded.ratings, static_cast<std::int64_t>(s.ratings().size()));
  EXPECT_GT(report.merged.ratings, 0);
  for (const Counts& empty : {report.item_filter, report.rating_filter}) {
    EXPECT_EQ(empty.users, 0);
    EXPECT_EQ(empty.items, 0);
    EXPECT_EQ(empty.ratings, 0);
  }
  // One below the top popularity keeps exactly the most popular item(s).
  above_every_popularity.min_popularity -= 1;
  EXPECT_GE(s.preview(above_every_popularity).item_filter.items, 1);

  // The preview changed nothing: still prepared with the same data and the model kept.
  EXPECT_TRUE(s.prepared());
  EXPECT_TRUE(s.has_model());
  EXPECT_EQ(s.prepared_stats().counts.ratings, before.counts.ratings);
  EXPECT_EQ(s.prepared_stats().train_positives, before.train_positives);

  // prepare() with the same options still refuses, saying which filter emptied the data.
  PrepareOptions p = sample_prepare();
  p.preprocess.min_popularity = s.loaded_stats().popularity_desc.front();
  const std::string message = usage_error_of([&] { s.prepare(p); });
  EXPECT_NE(message.find("no ratings left after preprocessing"), std::string::npos) << message;
  EXPECT_NE(message.find("popularity threshold"), std::string::npos) << message;
  EXPECT_TRUE(s.prepared()) << "a failed prepare() keeps the previous preparation";
  EXPECT_TRUE(s.has_model());

  // Invalid options are still errors.
  PreprocessOptions no_type = sample_preprocess_options();
  no_type.item_type = "";
  EXPECT_THROW(s.preview(no_type), UsageError);
}

TEST(Session, GivenTestFileWithoutMetadata) {
  Session s;
  s.load_ratings(kTrainCsv, "train.csv");
  s.load_test_ratings(kTestCsv, "test.csv");
  EXPECT_TRUE(s.has_test_ratings());
  PrepareOptions p = tiny_prepare();
  p.test_fraction = 0.9;  // ignored with a test file (but still checked: the same rules everywhere)
  s.prepare(p);
  const PreparedStats stats = s.prepared_stats();
  EXPECT_EQ(stats.test_rows, 3);
  EXPECT_EQ(stats.train_rows, 11);
  EXPECT_EQ(stats.test_positives, 2);  // 1-13 (9) and 2-11 (8); 3-10 (2) is not positive
  const ItemView v = s.item_view(s.item_index(13));
  EXPECT_EQ(v.name, "item 13");
  EXPECT_EQ(v.genres, "");
  EXPECT_EQ(v.raw_id, 13);

  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 3);
  s.train(short_training());
  const std::int32_t user1 = s.user_index(1);
  bool saw_hit = false;
  for (const ItemView& r : s.recommend(user1, 10)) {
    EXPECT_NE(r.raw_id, 10);  // train positives of user 1: 10, 11
    EXPECT_NE(r.raw_id, 11);
    if (r.raw_id == 13) saw_hit = r.in_test;
  }
  EXPECT_TRUE(saw_hit) << "item 13 is user 1's test positive and every candidate is listed";

  s.clear_test_ratings();
  EXPECT_FALSE(s.prepared());
}

TEST(Session, SteppedTrainingMatchesOneCall) {
  Session stepped, whole;
  ready(stepped);
  ready(whole);
  stepped.begin_training(short_training());
  EXPECT_THROW(stepped.train(short_training()), UsageError);
  int slices = 0;
  while (stepped.train_step(5)) ++slices;
  EXPECT_GT(slices, 2);
  EXPECT_EQ(stepped.training_progress().epoch, 2);
  EXPECT_EQ(stepped.training_progress().epoch_losses.size(), 2u);
  stepped.end_training();
  EXPECT_EQ(stepped.training_progress().epoch_losses.size(), 2u) << "the last progress stays readable";
  const TrainResult result = whole.train(short_training());
  EXPECT_DOUBLE_EQ(stepped.evaluate().auc, whole.evaluate().auc);
  EXPECT_DOUBLE_EQ(stepped.training_progress().epoch_losses.back(), result.epoch_losses.back());
}

TEST(Session, SavedModelLoadsBackAndMustMatchTheData) {
  Session s;
  ready(s);
  s.train(short_training());
  const auto bytes = s.save_model();
  const auto recs = s.recommend(4, 5);

  Session other;
  ready(other);  // same data, a different (untrained) model
  other.load_model(bytes.data(), bytes.size(), "model.bin");
  const auto loaded_recs = other.recommend(4, 5);
  ASSERT_EQ(loaded_recs.size(), recs.size());
  for (std::size_t r = 0; r < recs.size(); ++r) EXPECT_EQ(loaded_recs[r].item, recs[r].item);
  EXPECT_DOUBLE_EQ(other.evaluate().auc, s.evaluate().auc);

  Session tiny;
  tiny.load_ratings(kTrainCsv, "train.csv");
  tiny.prepare(tiny_prepare());
  tiny.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 1);
  const Evaluation before = tiny.evaluate();
  EXPECT_NE(usage_error_of([&] { tiny.load_model(bytes.data(), bytes.size(), "model.bin"); }).find("users"),
            std::string::npos);
  EXPECT_DOUBLE_EQ(tiny.evaluate().auc, before.auc) << "the old model is kept";
  EXPECT_THROW(tiny.load_model(bytes.data(), 10, "truncated.bin"), Error);
}

// Side features: the user-file loader, buckets, the vocabulary on hand-made files, the feature
// rows (weights 1/count), the field options, the cold-item split and its evaluation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "session_fixture.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/features.hpp"
#include "tripletrec/session.hpp"

namespace tripletrec {
namespace {

using testing::hand_made_session;
using testing::usage_error_of;

TEST(UserFile, ReadsMl100kUUser) {
  const UserCatalog users = parse_users("1|24|M|technician|85711\n2|53|F|other|94043\n3|17||student|05201\n", "u.user");
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(users.id, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(users.age, (std::vector<std::int32_t>{24, 53, 17}));
  EXPECT_EQ(users.gender, (std::vector<std::string>{"M", "F", ""}));  // empty: missing, no feature
  EXPECT_EQ(users.occupation, (std::vector<std::string>{"technician", "other", "student"}));
  EXPECT_EQ(users.row(2), 1);
  EXPECT_EQ(users.row(9), -1);
}

TEST(UserFile, ReadsMl1mUsersDatWithOccupationCodes) {
  const UserCatalog users = parse_users("1::F::1::10::48067\r\n2::M::56::16::70072\r\n", "users.dat");
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users.gender, (std::vector<std::string>{"F", "M"}));
  EXPECT_EQ(users.age, (std::vector<std::int32_t>{1, 56}));
  EXPECT_EQ(users.occupation, (std::vector<std::string>{"K-12 student", "self-employed"}));
}

TEST(UserFile, ReadsACsvWithAHeader) {
  const UserCatalog users = parse_users("user_id,occupation,age\n7,writer,31\n8,,\n", "users.csv");
  EXPECT_EQ(users.id, (std::vector<std::int64_t>{7, 8}));
  EXPECT_EQ(users.age, (std::vector<std::int32_t>{31, -1}));
  EXPECT_EQ(users.gender, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(users.occupation, (std::vector<std::string>{"writer", ""}));
}

TEST(UserFile, BadFilesNameLineAndColumn) {
  auto error = [](const char* bytes) {
    try {
      parse_users(bytes, "u.user");
    } catch (const ParseError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error("1|24|M|technician|85711\n2|x|F|other|94043\n"),
            "u.user:2:3: expected an age in years (an integer in [0, 150]) in column 'age', found 'x'");
  EXPECT_EQ(error("1|24|X|technician|85711\n"), "u.user:1:6: expected a gender M or F in column 'gender', found 'X'");
  EXPECT_EQ(error("1|24|M|technician|85711\n2|53|F|other\n"),
            "u.user:2:13: expected 5 fields (user id, age, gender, occupation, zip code), found 4");
  EXPECT_EQ(error("1::M::25::99::11\n"), "u.user:1:11: expected an occupation code 0-20 in column 'Occupation', found '99'");
  EXPECT_EQ(error(""), "u.user:1:1: expected a user table (u.user or users.dat), found an empty file");
}

TEST(Buckets, EpisodesMembersYearsAges) {
  EXPECT_EQ(episodes_bucket("1"), "1");
  EXPECT_EQ(episodes_bucket("12"), "7-13");
  EXPECT_EQ(episodes_bucket("26"), "14-26");
  EXPECT_EQ(episodes_bucket("500"), "101+");
  EXPECT_EQ(episodes_bucket("Unknown"), "");  // missing: no feature
  EXPECT_EQ(episodes_bucket(""), "");
  EXPECT_EQ(members_bucket(999), "<1k");
  EXPECT_EQ(members_bucket(1000), "1k-3k");
  EXPECT_EQ(members_bucket(250000), "100k-300k");
  EXPECT_EQ(members_bucket(1013917), "1M+");
  EXPECT_EQ(members_bucket(-1), "");
  EXPECT_EQ(release_year("Toy Story (1995)", ""), 1995);
  EXPECT_EQ(release_year("Toy Story (1995) ", ""), 1995);
  EXPECT_EQ(release_year("Toy Story", "01-Jan-1995"), 1995);  // u.item's date wins over the title
  EXPECT_EQ(release_year("Untitled", ""), -1);
  EXPECT_EQ(year_bucket(1995), "1990s");
  EXPECT_EQ(year_bucket(-1), "");
  EXPECT_EQ(age_bucket(1), "under 18");  // users.dat's band code
  EXPECT_EQ(age_bucket(24), "18-24");
  EXPECT_EQ(age_bucket(56), "56+");
}

const FeatureFieldStats& field(const std::vector<FeatureFieldStats>& fields, const std::string& name) {
  for (const FeatureFieldStats& f : fields)
    if (f.field == name) return f;
  throw std::runtime_error("no field " + name);
}

TEST(Vocabulary, CountsValuesAndSkipsMissingOnes) {
  Session s;
  hand_made_session(s);
  const FeatureVocabulary v = s.feature_vocabulary();
  EXPECT_EQ(v.n_items, 4);
  EXPECT_EQ(v.n_users, 3);
  std::vector<std::string> item_fields, user_fields;
  for (const auto& f : v.item_fields) item_fields.push_back(f.field);
  for (const auto& f : v.user_fields) user_fields.push_back(f.field);
  EXPECT_EQ(item_fields, (std::vector<std::string>{"genre", "type", "episodes", "members"}));  // no year in anime.csv
  EXPECT_EQ(user_fields, (std::vector<std::string>{"age", "gender", "occupation"}));

  const FeatureFieldStats& genre = field(v.item_fields, "genre");
  EXPECT_EQ(genre.rows_with_value, 3);  // D has no genre
  ASSERT_EQ(genre.values.size(), 3u);
  EXPECT_EQ(genre.values[0].value, "Action");
  EXPECT_EQ(genre.values[0].count, 3);
  EXPECT_EQ(genre.values[1].value, "Comedy");
  EXPECT_EQ(genre.values[1].count, 2);
  EXPECT_EQ(genre.values[2].value, "Drama");
  EXPECT_EQ(field(v.item_fields, "type").rows_with_value, 3);  // B's type is empty
  const FeatureFieldStats& episodes = field(v.item_fields, "episodes");
  EXPECT_EQ(episodes.rows_with_value, 3);                       // B's is Unknown
  ASSERT_EQ(episodes.values.size(), 3u);
  EXPECT_EQ(episodes.values[0].value, "1");                     // buckets in their order
  EXPECT_EQ(episodes.values[1].value, "7-13");
  EXPECT_EQ(episodes.values[2].value, "14-26");
  EXPECT_EQ(field(v.item_fields, "members").rows_with_value, 3);
  EXPECT_EQ(field(v.user_fields, "occupation").rows_with_value, 1);  // Unknown and no row: none
  EXPECT_EQ(field(v.user_fields, "age").values.size(), 2u);
}

TEST(Vocabulary, FeatureRowsWeighEachValueByOneOverTheRowsCount) {
  Session s;
  hand_made_session(s);
  const FeatureRows rows = item_feature_rows(s.dataset(), s.items(), {"genre", "type"});
  EXPECT_EQ(rows.names, (std::vector<std::string>{"genre=Action", "genre=Comedy", "genre=Drama", "type=Movie", "type=TV"}));
  ASSERT_EQ(rows.offsets.size(), 5u);
  const std::int32_t c = s.item_index(12);  // Comedy, Drama, Action; Movie
  ASSERT_EQ(rows.end(c) - rows.begin(c), 4u);
  for (std::uint32_t k = rows.begin(c); k < rows.end(c); ++k) EXPECT_FLOAT_EQ(rows.weight[k], 0.25f);
  EXPECT_EQ(std::vector<std::int32_t>(rows.index.begin() + rows.begin(c), rows.index.begin() + rows.end(c)),
            (std::vector<std::int32_t>{0, 1, 2, 3}));
  const std::int32_t d = s.item_index(13);  // no genre; TV
  ASSERT_EQ(rows.end(d) - rows.begin(d), 1u);
  EXPECT_EQ(rows.index[rows.begin(d)], 4);
  EXPECT_FLOAT_EQ(rows.weight[rows.begin(d)], 1.0f);
  const FeatureRows users = user_feature_rows(s.dataset(), s.users(), {"occupation"});
  EXPECT_EQ(users.names, (std::vector<std::string>{"occupation=student"}));
  EXPECT_EQ(users.end(2) - users.begin(2), 0u);  // user 3: no row in u.user
}

TEST(FeatureOptions, UnknownOrUnavailableFieldsNameTheOption) {
  EXPECT_EQ(parse_feature_fields(OptionId::ItemFeatures, "genre, type"), (std::vector<std::string>{"genre", "type"}));
  EXPECT_TRUE(parse_feature_fields(OptionId::ItemFeatures, "none").empty());
  try {
    parse_feature_fields(OptionId::ItemFeatures, "genre,colour");
    ADD_FAILURE() << "no error";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.message(Face::Cli),
              "--item-features: expected field names from genre, type, episodes, members, year (or none), got \"colour\"");
    EXPECT_EQ(e.message(Face::Package),
              "itemFeatures: expected field names from genre, type, episodes, members, year (or none), got \"colour\"");
  }
  EXPECT_EQ(usage_error_of([] { parse_feature_fields(OptionId::UserFeatures, "age,age"); }),
            "userFeatures: field \"age\" is named twice");
  Session s;
  hand_made_session(s);
  ModelConfig config = ModelConfig::bilinear_defaults();
  config.item_features = {"year"};
  EXPECT_EQ(usage_error_of([&] { s.create_model(config, {}, 1); }),
            "itemFeatures: field 'year' has no value in anime.csv; fields with values: genre, type, episodes, members");
  EXPECT_FALSE(s.has_model());
  s.clear_users();
  config.item_features = {};
  config.user_features = {"age"};
  EXPECT_EQ(usage_error_of([&] { s.create_model(config, {}, 1); }),
            "userFeatures: user features need a user file (u.user or users.dat); none is loaded");
}

TEST(UserFile, LoadingUsersKeepsThePreparedDataAndDropsTheModel) {
  Session s;
  hand_made_session(s);
  s.create_model(ModelConfig::bilinear_defaults(), {}, 1);
  s.load_users("1|30|F|writer|1\n", "other.user");
  EXPECT_TRUE(s.prepared());
  EXPECT_FALSE(s.has_model());
  EXPECT_TRUE(s.has_users());
  EXPECT_THROW(s.load_users("1|x|F|writer|1\n", "bad.user"), ParseError);
  EXPECT_EQ(s.users()->source, "other.user");  // the failed load left the first file
}

// ---- model files ------------------------------------------------------------------------------

TEST(FeatureModelFiles, CarryTheVocabularyAndEvaluateTheSame) {
  for (const ModelKind kind : {ModelKind::Bilinear, ModelKind::Deep, ModelKind::FM}) {
    Session s;
  hand_made_session(s);
    ModelConfig config = ModelConfig::defaults_for(kind);
    config.item_features = {"genre", "episodes"};
    config.user_features = {"age", "gender"};
    config.id_embeddings = kind != ModelKind::FM;
    s.create_model(config, {}, 3);
    TrainOptions t;
    t.epochs = 3;
    t.batch_size = 4;
    s.train(t);
    const Evaluation before = s.evaluate();
    const std::vector<std::uint8_t> bytes = s.save_model();

    Session loaded;
    hand_made_session(loaded);
    loaded.load_model(bytes.data(), bytes.size(), "model.ttrm");
    EXPECT_EQ(loaded.model().config().item_features, config.item_features);
    EXPECT_EQ(loaded.model().features().item.names,
              (std::vector<std::string>{"genre=Action", "genre=Comedy", "genre=Drama", "episodes=1", "episodes=7-13",
                                        "episodes=14-26"}));
    EXPECT_EQ(loaded.evaluate().auc, before.auc) << static_cast<int>(kind);
    EXPECT_EQ(loaded.save_model(), bytes);
    EXPECT_EQ(loaded.model_summary(), s.model_summary());

    // Other metadata: the same items with another genre list.
    Session other;
    hand_made_session(other);
    other.load_items(
        "anime_id,name,genre,type,episodes,rating,members\n"
        "10,A,\"Action, Comedy\",TV,12,8.1,250000\n11,B,Horror,,Unknown,7.0,\n"
        "12,C,\"Comedy, Drama, Action\",Movie,1,6.5,999\n13,D,,TV,26,7.7,1200\n",
        "other.csv");
    PrepareOptions p;
    p.preprocess.item_type = "any";
    p.preprocess.min_popularity = 0;
    p.test_fraction = 0.25;
    other.prepare(p);
    EXPECT_EQ(usage_error_of([&] { other.load_model(bytes.data(), bytes.size(), "model.ttrm"); }),
              "model.ttrm: the model's item features (genre=Action, genre=Comedy, genre=Drama, episodes=1, ... (6 "
              "values)) differ from those of the loaded files (genre=Action, genre=Comedy, genre=Drama, genre=Horror, "
              "... (7 values)); value 4 is episodes=1 in the model, genre=Horror in the data; load the same item file "
              "and prepare with the same options");
    EXPECT_FALSE(other.has_model());
    other.clear_users();
    EXPECT_EQ(usage_error_of([&] { other.load_model(bytes.data(), bytes.size(), "model.ttrm"); }),
              "model.ttrm: the model has user features; load its user file before the model");
  }
}

// ---- cold items -----------------------------------------------------------------------------

TEST(ColdItems, NoColdItemsRowReachesTraining) {
  Session s;
  s.load_sample(testing::small_sample());
  PrepareOptions p = testing::sample_prepare();
  p.cold_items = 0.25;
  s.prepare(p);
  const std::vector<std::uint8_t>& cold = s.cold_items();
  const std::int32_t n_cold = static_cast<std::int32_t>(std::count(cold.begin(), cold.end(), 1));
  const std::int32_t n_items = s.dataset().n_items;
  EXPECT_EQ(n_cold, static_cast<std::int32_t>(std::lround(n_items * 0.25)));
  EXPECT_EQ(s.prepared_stats().cold_items, n_cold);
  const Positives& train = s.train_positives();
  for (std::size_t k = 0; k < train.size(); ++k) EXPECT_FALSE(cold[static_cast<std::size_t>(train.item[k])]);
  // Every row of a cold item is a test row: their positives are all in the test set.
  std::size_t cold_test_positives = 0;
  const Positives& test = s.test_positives();
  for (std::size_t k = 0; k < test.size(); ++k) cold_test_positives += cold[static_cast<std::size_t>(test.item[k])];
  EXPECT_GT(cold_test_positives, 0u);
  // And the trainer never draws a cold item as a negative: a model that records its triplets.
  s.create_model(ModelConfig::bilinear_defaults(), {}, 1);
  TrainOptions t;
  t.epochs = 1;
  s.begin_training(t);
  while (s.train_step(1000)) {
  }
  s.end_training();
  const Evaluation e = s.evaluate();
  EXPECT_EQ(e.n_cold_items, n_cold);
  EXPECT_GT(e.cold_users, 0);
  EXPECT_TRUE(std::isfinite(e.auc_cold));
  // The same seed chooses the same items; another seed others.
  Session again;
  again.load_sample(testing::small_sample());
  again.prepare(p);
  EXPECT_EQ(again.cold_items(), cold);
  p.split_seed = 7;
  again.prepare(p);
  EXPECT_NE(again.cold_items(), cold);
}

TEST(ColdItems, AFractionOfZeroChangesNothing) {
  Session a, b;
  a.load_sample(testing::small_sample());
  b.load_sample(testing::small_sample());
  PrepareOptions p = testing::sample_prepare();
  a.prepare(p);
  p.cold_items = 0;
  b.prepare(p);
  EXPECT_EQ(a.train_positives().item, b.train_positives().item);
  a.create_model(ModelConfig::bilinear_defaults(), {}, 3);
  const Evaluation e = a.evaluate();
  EXPECT_EQ(e.n_cold_items, 0);
  EXPECT_TRUE(std::isnan(e.auc_cold));
  EXPECT_EQ(usage_error_of([&] {
              PrepareOptions bad = testing::sample_prepare();
              bad.cold_items = 1;
              a.prepare(bad);
            }),
            "coldItems: expected a number in [0, 1), got 1");
}

}  // namespace
}  // namespace tripletrec

namespace tripletrec {
namespace {

// Native/wasm parity of the feature models and the FM: the same seed gives the same bits in both
// builds (this suite runs natively and compiled to wasm). A hash of every trained weight and of
// the evaluation's AUCs after one epoch on the built-in sample with cold items, against the values
// the native build gives (golden values: a deliberate change to the math updates them).
std::uint64_t trained_fingerprint(ModelKind kind, bool features) {
  Session s;
  s.load_sample(testing::small_sample());
  PrepareOptions p = testing::sample_prepare();
  p.cold_items = 0.2;
  s.prepare(p);
  ModelConfig config = ModelConfig::defaults_for(kind);
  if (features) config.item_features = {"genre", "type"};
  s.create_model(config, {}, 5);
  TrainOptions t;
  t.epochs = 1;
  s.train(t);
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a over the bits
  auto add = [&hash](const void* data, std::size_t bytes) {
    const auto* b = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; ++i) hash = (hash ^ b[i]) * 1099511628211ull;
  };
  for (const Tensor& tensor : s.model().parameters()) add(tensor.data, tensor.size() * sizeof(float));
  const Evaluation e = s.evaluate();
  add(&e.auc, sizeof e.auc);
  add(&e.auc_cold, sizeof e.auc_cold);
  return hash;
}

TEST(FeatureModels, SameBitsNativelyAndInWasm) {
  const std::uint64_t bilinear = trained_fingerprint(ModelKind::Bilinear, true);
  const std::uint64_t deep = trained_fingerprint(ModelKind::Deep, true);
  const std::uint64_t fm = trained_fingerprint(ModelKind::FM, true);
  const std::uint64_t fm_ids = trained_fingerprint(ModelKind::FM, false);
  if (std::getenv("TRIPLETREC_PRINT_FINGERPRINTS"))
    std::printf("fingerprints 0x%llxull 0x%llxull 0x%llxull 0x%llxull\n", static_cast<unsigned long long>(bilinear),
                static_cast<unsigned long long>(deep), static_cast<unsigned long long>(fm),
                static_cast<unsigned long long>(fm_ids));
  EXPECT_EQ(bilinear, trained_fingerprint(ModelKind::Bilinear, true));  // reproducible run to run
  // Measured natively (TRIPLETREC_PRINT_FINGERPRINTS=1 prints them).
  EXPECT_EQ(bilinear, 0x6a1137ee999441a7ull);
  EXPECT_EQ(deep, 0x9bafdbd8d0a909fbull);
  EXPECT_EQ(fm, 0xa705212aa79dfee7ull);
  EXPECT_EQ(fm_ids, 0x41cea9830b2ff261ull);
}

}  // namespace
}  // namespace tripletrec

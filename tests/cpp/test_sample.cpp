// The built-in sample: format, determinism, shape (power law, -1 share, types), and the planted
// structure: a trained model must clearly beat a popularity ranking on it.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "tripletrec/data.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/metrics.hpp"
#include "tripletrec/sample_data.hpp"
#include "tripletrec/session.hpp"

using namespace tripletrec;

namespace {

// Scores every item by its number of train positives, the same for every user: the baseline a
// personalised model has to beat, evaluated exactly like a model.
class PopularityModel : public Model {
 public:
  explicit PopularityModel(const Positives& train) : count_(static_cast<std::size_t>(train.n_items), 0.f) {
    n_users_ = train.n_users;
    n_items_ = train.n_items;
    for (std::int32_t i : train.items) count_[static_cast<std::size_t>(i)] += 1.f;
  }
  ModelKind kind() const override { return ModelKind::Bilinear; }
  const ModelConfig& config() const override { return config_; }
  float train_batch(TrainingWorkspace&, const std::int32_t*, const std::int32_t*, const std::int32_t*, int, Rng&) override { return 0; }
  void score_items(std::int32_t, float* out) const override { std::copy(count_.begin(), count_.end(), out); }
  // Every visitor gets the same list too: an empty user vector.
  int user_vector_size() const override { return 0; }
  std::vector<float> fold_in(const std::int32_t*, int, const FoldInOptions&) const override { return {}; }
  void score_vector(const float*, float* out) const override { std::copy(count_.begin(), count_.end(), out); }
  std::vector<Tensor> parameters() override { return {}; }
  std::string summary() override { return "popularity"; }

 private:
  ModelConfig config_;
  std::vector<float> count_;
};

const SampleFiles& default_sample() {
  static const SampleFiles files = generate_sample();
  return files;
}

}  // namespace

TEST(Sample, SameSeedSameBytesOtherSeedOtherBytes) {
  const SampleFiles again = generate_sample();
  EXPECT_EQ(again.ratings_csv, default_sample().ratings_csv);
  EXPECT_EQ(again.items_csv, default_sample().items_csv);
  SampleOptions other;
  other.seed = 7;
  const SampleFiles different = generate_sample(other);
  EXPECT_NE(different.ratings_csv, default_sample().ratings_csv);
  EXPECT_NE(different.items_csv, default_sample().items_csv);
}

TEST(Sample, HasTheAnimeFilesFormat) {
  const SampleFiles& files = default_sample();
  EXPECT_EQ(files.ratings_csv.rfind("user_id,anime_id,rating\n", 0), 0u);
  EXPECT_EQ(files.items_csv.rfind("anime_id,name,genre,type,episodes,rating,members\r\n", 0), 0u);
  EXPECT_NE(files.items_csv.find("&#039;"), std::string::npos);  // entities as anime.csv writes them
  EXPECT_NE(files.items_csv.find("&amp;"), std::string::npos);
  EXPECT_NE(files.items_csv.find(",\"Goodbye, Starlit Summer\","), std::string::npos);  // quoted name

  const ItemCatalog catalog = parse_items(files.items_csv, "sample/anime.csv");
  ASSERT_EQ(catalog.size(), 400u);
  std::map<std::string, int> types;
  int unknown_episodes = 0, multi_genre = 0, apostrophes = 0, ampersands = 0;
  std::set<std::string> names;
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    ++types[catalog.type[i]];
    unknown_episodes += catalog.episodes[i] == "Unknown";
    multi_genre += catalog.genres[i].find(", ") != std::string::npos;
    apostrophes += catalog.name[i].find('\'') != std::string::npos;
    ampersands += catalog.name[i].find(" & ") != std::string::npos;
    EXPECT_FALSE(catalog.name[i].empty());
    EXPECT_FALSE(catalog.genres[i].empty());
    EXPECT_GT(catalog.members[i], 0);
    names.insert(catalog.name[i]);
    if (i > 0) { EXPECT_GT(catalog.id[i], catalog.id[i - 1]); }
  }
  EXPECT_GT(types["TV"], 240);  // mostly TV
  EXPECT_GT(types["Movie"], 20);
  EXPECT_GT(types["OVA"], 10);
  EXPECT_GT(unknown_episodes, 3);
  EXPECT_GT(multi_genre, 150);
  EXPECT_GE(apostrophes, 2);  // decoded from &#039;
  EXPECT_GE(ampersands, 1);   // decoded from &amp;
  EXPECT_GT(names.size(), 380u);  // readable and (nearly) unique; sequels share a base name
}

TEST(Sample, RatingsHaveTheIntendedShape) {
  const RatingsTable ratings = parse_ratings(default_sample().ratings_csv, "sample/rating.csv");
  std::set<std::int64_t> users;
  std::map<std::int64_t, std::int64_t> rows_per_item;
  std::int64_t unrated = 0, positives = 0;
  for (std::size_t r = 0; r < ratings.size(); ++r) {
    users.insert(ratings.user[r]);
    ++rows_per_item[ratings.item[r]];
    const float v = ratings.rating[r];
    ASSERT_TRUE(v == -1.f || (v >= 1.f && v <= 10.f && v == static_cast<int>(v))) << v;
    unrated += v == -1.f;
    positives += v >= 8.f;
  }
  EXPECT_EQ(users.size(), 3000u);
  EXPECT_EQ(rows_per_item.size(), 400u);
  const double per_user = static_cast<double>(ratings.size()) / 3000;
  EXPECT_NEAR(per_user, 60, 6);
  const double unrated_share = static_cast<double>(unrated) / static_cast<double>(ratings.size());
  EXPECT_NEAR(unrated_share, 0.15, 0.02);
  const double positive_share = static_cast<double>(positives) / static_cast<double>(ratings.size() - unrated);
  EXPECT_GT(positive_share, 0.25);
  EXPECT_LT(positive_share, 0.75);
  // Power-law popularity: the head is far above the median title.
  std::vector<std::int64_t> counts;
  for (auto& [item, n] : rows_per_item) counts.push_back(n);
  std::sort(counts.rbegin(), counts.rend());
  EXPECT_GT(counts.front(), 5 * counts[counts.size() / 2]);
  // The sample's preprocessing keeps most of it (all TV titles have > 20 rows).
  const PreprocessOptions options = sample_preprocess_options();
  EXPECT_LT(options.min_popularity, counts.back());
  EXPECT_LT(options.max_user_id, 0);
}

TEST(Sample, RejectsBadOptions) {
  SampleOptions o;
  o.users = 0;
  EXPECT_THROW(generate_sample(o), UsageError);
  o = {};
  o.items = 3;
  EXPECT_THROW(generate_sample(o), UsageError);
  o = {};
  o.ratings_per_user = 1000;  // more than half the catalogue
  EXPECT_THROW(generate_sample(o), UsageError);
}

TEST(Sample, TrainedBilinearModelClearlyBeatsPopularity) {
  Session session;
  session.load_sample();
  PrepareOptions prepare;
  prepare.preprocess = sample_preprocess_options();
  session.prepare(prepare);
  const PopularityModel popularity(session.train_positives());
  const Evaluation baseline = evaluate(popularity, session.train_positives(), session.test_positives());

  session.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 42);
  const Evaluation untrained = session.evaluate();
  session.train(TrainOptions{});  // the notebook's 10 epochs, batch 64
  const Evaluation trained = session.evaluate();
  std::printf("[ sample ] AUC untrained %.4f, popularity %.4f, trained bilinear %.4f; "
              "P@10 popularity %.4f, trained %.4f (%d users)\n",
              untrained.auc, baseline.auc, trained.auc, baseline.precision_at_k, trained.precision_at_k,
              trained.users);
  EXPECT_NEAR(untrained.auc, 0.5, 0.03);
  EXPECT_GT(baseline.auc, 0.55);  // popularity carries signal...
  // ...but the planted tastes carry more (measured: popularity 0.689, trained 0.842).
  EXPECT_GT(trained.auc, baseline.auc + 0.10);
  EXPECT_GT(trained.precision_at_k, baseline.precision_at_k);
}

#include "cli_settings.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_errors.hpp"

namespace tripletrec::cli {
namespace {

// The whole file's bytes; throws FileError when it cannot be read.
std::string read_file(const std::string& path) {
  // A directory opens as a stream that reads nothing: say what it is instead of "an empty file".
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw FileError("cannot read " + path + ": it is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw FileError("cannot read " + path + ": read error");
  return bytes.str();
}

}  // namespace

void load_inputs(Session& session, const CliOptions& o) {
  if (o.memory_budget) session.set_memory_budget(*o.memory_budget);
  if (o.sample) {
    session.load_sample(o.sample_options);
    return;
  }
  if (o.ratings.empty()) throw CliError("no data: give --ratings FILE (or --train FILE --test FILE), or --sample");
  session.load_ratings(read_file(o.ratings), o.ratings);
  if (!o.test.empty()) session.load_test_ratings(read_file(o.test), o.test);
  if (!o.items.empty()) session.load_items(read_file(o.items), o.items);
  if (!o.users_file.empty()) session.load_users(read_file(o.users_file), o.users_file);
}

PreprocessOptions preprocess_options(const CliOptions& o) {
  PreprocessOptions p = o.sample ? sample_preprocess_options() : PreprocessOptions{};
  if (o.item_type) p.item_type = *o.item_type;
  if (o.min_popularity) p.min_popularity = *o.min_popularity;
  if (o.max_user_id) p.max_user_id = *o.max_user_id;
  if (o.keep_unrated) p.drop_unrated = false;
  return p;
}

PrepareOptions prepare_options(const CliOptions& o) {
  PrepareOptions prepare = o.prepare;
  prepare.preprocess = preprocess_options(o);
  return prepare;
}

namespace {
// "all": every field with a value in the loaded files (the prepared data's vocabulary).
std::vector<std::string> feature_fields(OptionId id, const std::string& text,
                                        const std::vector<FeatureFieldStats>& available) {
  if (text != "all") return parse_feature_fields(id, text);
  std::vector<std::string> fields;
  for (const FeatureFieldStats& field : available) fields.push_back(field.field);
  return fields;
}
}  // namespace

ModelConfig model_config(const CliOptions& o, const FeatureVocabulary& vocabulary) {
  ModelConfig c = ModelConfig::defaults_for(o.model);
  c.item_features = feature_fields(OptionId::ItemFeatures, o.item_features, vocabulary.item_fields);
  c.user_features = feature_fields(OptionId::UserFeatures, o.user_features, vocabulary.user_fields);
  c.id_embeddings = !o.features_only;
  if (o.embedding_dim) c.embedding_dim = *o.embedding_dim;
  if (o.similarity) c.similarity = *o.similarity;
  if (o.user_dim) c.user_dim = *o.user_dim;
  if (o.item_dim) c.item_dim = *o.item_dim;
  if (o.hidden) c.hidden = *o.hidden;
  if (o.dropout) c.dropout = *o.dropout;
  if (o.margin) c.margin = *o.margin;
  if (o.l2) c.l2 = *o.l2;
  return c;
}

TrainOptions train_options(const CliOptions& o) {
  TrainOptions train = o.train;
  train.epochs = o.epochs.value_or(TrainOptions::defaults_for(o.model).epochs);
  train.threads = o.threads.value_or(TrainOptions::defaults_for(o.model).threads);
  return train;
}

}  // namespace tripletrec::cli

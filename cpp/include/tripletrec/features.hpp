// Side features from the metadata files: the fields, their values (bucketed where a number would
// be too fine-grained), the vocabulary with how many items or users carry each value, and the
// sparse rows (FeatureRows, model.hpp) the feature models read.
//
// Item fields: genre (multi-valued), type, episodes (bucketed), members (log-bucketed) from
// anime.csv; genre and year (bucketed by decade, from u.item's release date or a title ending in
// "(1995)") from MovieLens movies.csv / u.item. User fields: age (bucketed), gender, occupation
// from u.user / users.dat. A missing, empty or `Unknown` value gives no feature at all (not an
// "unknown" feature): such a row is represented by its other values, or by its id alone.
//
// Nothing here is learnt from ratings: the buckets are fixed, so a cold item's features come from
// its metadata alone and cannot leak held-out rows into training.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tripletrec/data.hpp"
#include "tripletrec/model.hpp"
#include "tripletrec/options.hpp"
#include "tripletrec/preprocess.hpp"

namespace tripletrec {

// The field names a model can choose, in vocabulary order.
const std::vector<std::string>& item_feature_fields();  // genre, type, episodes, members, year
const std::vector<std::string>& user_feature_fields();  // age, gender, occupation

// The buckets (labels; "" = no feature).
std::string episodes_bucket(std::string_view episodes);  // "1", "2-6", "7-13", "14-26", "27-52", "53-100", "101+"
std::string members_bucket(std::int64_t members);        // "<1k", "1k-3k", ..., "300k-1M", "1M+"
int release_year(std::string_view title, std::string_view release_date);  // -1 when neither has one
std::string year_bucket(int year);                        // "1990s"
std::string age_bucket(int age);                          // "under 18", "18-24", "25-34", ..., "56+" (ml-1m's bands)

// One value of a field and how many rows (of the prepared items or users) carry it.
struct FeatureValueCount {
  std::string value;
  std::int64_t count = 0;
};
struct FeatureFieldStats {
  std::string field;
  std::int64_t rows_with_value = 0;  // rows with at least one value of this field
  std::vector<FeatureValueCount> values;  // in vocabulary order (buckets in order, others by name)
};
// Every field with at least one value in the prepared data.
struct FeatureVocabulary {
  std::int32_t n_items = 0, n_users = 0;
  std::vector<FeatureFieldStats> item_fields, user_fields;
};

FeatureVocabulary feature_vocabulary(const Dataset& data, const ItemCatalog* items, const UserCatalog* users);

// The rows of the chosen fields for the prepared items / users (dense ids). `option` names the
// option in errors: a field with no value in the data is an OptionError listing the fields that
// have values.
FeatureRows item_feature_rows(const Dataset& data, const ItemCatalog* items, const std::vector<std::string>& fields,
                              OptionId option = OptionId::ItemFeatures);
FeatureRows user_feature_rows(const Dataset& data, const UserCatalog* users, const std::vector<std::string>& fields,
                              OptionId option = OptionId::UserFeatures);

// A visitor's user feature values for fold-in: field -> its values, named as in the vocabulary
// ({"gender", {"F"}}, {"age", {"25-34"}}); a value given twice counts once.
using UserFeatureValues = std::map<std::string, std::vector<std::string>>;
// Their indices in a model's user vocabulary (names "field=value"). An unknown field or value, or
// a model without user features, is a UsageError ("user features: ...") naming it and saying
// what the model knows.
std::vector<std::int32_t> user_feature_indices(const FeatureRows& vocabulary, const UserFeatureValues& values);

// "genre,type" -> {"genre", "type"}; "none" or "" -> {}. Names are checked (check_feature_fields).
std::vector<std::string> parse_feature_fields(OptionId option, std::string_view text);
// Each name must be a field of the option's side, at most once: an OptionError naming the option
// and listing the valid names otherwise.
void check_feature_fields(OptionId option, const std::vector<std::string>& fields);

}  // namespace tripletrec

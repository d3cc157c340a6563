// Side features: field values per row, buckets, vocabulary and the sparse rows (features.hpp).
#include "tripletrec/features.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "numbers.hpp"

namespace tripletrec {
namespace {

// A value with its place in the vocabulary: buckets sort by their position, other values by name.
struct Value {
  int order = 0;
  std::string label;
};

bool is_missing(std::string_view text) {
  text = csv::trim(text);
  return text.empty() || text == "Unknown" || text == "unknown";
}

// The bucket of `value` among ascending lower bounds (value >= bounds[0]): its index.
template <class T, std::size_t N>
int bucket_index(T value, const T (&bounds)[N]) {
  int index = 0;
  for (std::size_t b = 1; b < N; ++b)
    if (value >= bounds[b]) index = static_cast<int>(b);
  return index;
}

constexpr std::int64_t kEpisodeBounds[] = {1, 2, 7, 14, 27, 53, 101};
constexpr const char* kEpisodeLabels[] = {"1", "2-6", "7-13", "14-26", "27-52", "53-100", "101+"};
constexpr std::int64_t kMemberBounds[] = {0, 1000, 3000, 10000, 30000, 100000, 300000, 1000000};
constexpr const char* kMemberLabels[] = {"<1k", "1k-3k", "3k-10k", "10k-30k", "30k-100k", "100k-300k", "300k-1M", "1M+"};
constexpr int kAgeBounds[] = {0, 18, 25, 35, 45, 50, 56};
constexpr const char* kAgeLabels[] = {"under 18", "18-24", "25-34", "35-44", "45-49", "50-55", "56+"};

Value episodes_value(std::string_view text) {
  std::int64_t episodes = 0;
  if (is_missing(text) || !csv::parse_int64(text, episodes) || episodes < 1) return {};
  const int b = bucket_index(episodes, kEpisodeBounds);
  return {b, kEpisodeLabels[b]};
}

Value members_value(std::int64_t members) {
  if (members < 0) return {};
  const int b = bucket_index(members, kMemberBounds);
  return {b, kMemberLabels[b]};
}

Value year_value(int year) {
  if (year < 0) return {};
  const int decade = year / 10 * 10;
  return {decade, std::to_string(decade) + "s"};
}

Value age_value(int age) {
  if (age < 0) return {};
  const int b = bucket_index(age, kAgeBounds);
  return {b, kAgeLabels[b]};
}

// "Action, Comedy" (the catalogue's normalised genres) -> each genre.
std::vector<Value> genre_values(const std::string& genres) {
  std::vector<Value> out;
  std::size_t start = 0;
  while (start < genres.size()) {
    std::size_t stop = genres.find(", ", start);
    if (stop == std::string::npos) stop = genres.size();
    const std::string_view genre = csv::trim(std::string_view(genres).substr(start, stop - start));
    if (!is_missing(genre)) out.push_back({0, std::string(genre)});
    start = stop + 2;
  }
  return out;
}

std::vector<Value> category(std::string_view text) {
  if (is_missing(text)) return {};
  return {{0, std::string(csv::trim(text))}};
}

std::vector<Value> one(Value value) {
  if (value.label.empty()) return {};
  return {std::move(value)};
}

// The values of field `field` (an index into item_feature_fields()) of catalogue row `row`.
std::vector<Value> item_values(const ItemCatalog& c, std::size_t field, std::size_t row) {
  switch (field) {
    case 0: return genre_values(c.genres[row]);
    case 1: return category(c.type[row]);
    case 2: return one(episodes_value(c.episodes[row]));
    case 3: return one(members_value(c.members[row]));
    case 4: return one(year_value(release_year(c.name[row], c.release_date[row])));
  }
  return {};
}

std::vector<Value> user_values(const UserCatalog& c, std::size_t field, std::size_t row) {
  switch (field) {
    case 0: return one(age_value(c.age[row]));
    case 1: return category(c.gender[row]);
    case 2: return category(c.occupation[row]);
  }
  return {};
}

// Values per field and dense row (field -> dense row -> values), from each dense row's catalogue
// row (-1: no metadata, no values).
template <class ValuesOf>
std::vector<std::vector<std::vector<Value>>> collect(std::size_t n_fields, const std::vector<std::int32_t>& catalog_row,
                                                     ValuesOf values_of) {
  std::vector<std::vector<std::vector<Value>>> by_field(n_fields, std::vector<std::vector<Value>>(catalog_row.size()));
  for (std::size_t f = 0; f < n_fields; ++f)
    for (std::size_t r = 0; r < catalog_row.size(); ++r)
      if (catalog_row[r] >= 0) by_field[f][r] = values_of(f, static_cast<std::size_t>(catalog_row[r]));
  return by_field;
}

// Per field: its values in vocabulary order with their row counts.
std::vector<FeatureFieldStats> field_stats(const std::vector<std::string>& names,
                                           const std::vector<std::vector<std::vector<Value>>>& by_field) {
  std::vector<FeatureFieldStats> out;
  for (std::size_t f = 0; f < names.size(); ++f) {
    std::map<std::pair<int, std::string>, std::int64_t> counts;
    FeatureFieldStats stats;
    stats.field = names[f];
    for (const auto& row : by_field[f]) {
      // A value listed twice in one row ("Action, Action") counts the row once.
      std::vector<std::pair<int, std::string>> seen;
      for (const Value& v : row) seen.emplace_back(v.order, v.label);
      std::sort(seen.begin(), seen.end());
      seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
      for (const auto& key : seen) ++counts[key];
      stats.rows_with_value += !seen.empty();
    }
    if (counts.empty()) continue;
    for (const auto& [key, count] : counts) stats.values.push_back({key.second, count});
    out.push_back(std::move(stats));
  }
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

const std::vector<std::string>& fields_of(OptionId option) {
  return option == OptionId::UserFeatures ? user_feature_fields() : item_feature_fields();
}

// The rows of the chosen fields: vocabulary = the values of those fields in vocabulary order.
FeatureRows rows_of(OptionId option, const std::vector<std::string>& names, const std::vector<std::string>& chosen,
                    const std::vector<std::vector<std::vector<Value>>>& by_field, std::size_t n_rows,
                    const std::string& source) {
  check_feature_fields(option, chosen);
  FeatureRows rows;
  rows.rows = static_cast<std::int32_t>(n_rows);
  if (chosen.empty()) return rows;
  const std::vector<FeatureFieldStats> stats = field_stats(names, by_field);
  std::vector<std::size_t> fields;  // chosen field indices, in vocabulary order
  for (std::size_t f = 0; f < names.size(); ++f)
    if (std::find(chosen.begin(), chosen.end(), names[f]) != chosen.end()) fields.push_back(f);
  std::map<std::pair<std::size_t, std::pair<int, std::string>>, std::int32_t> index_of;
  for (const std::size_t f : fields) {
    std::map<std::pair<int, std::string>, int> values;
    for (const auto& row : by_field[f])
      for (const Value& v : row) values.emplace(std::make_pair(v.order, v.label), 0);
    if (values.empty()) {
      std::vector<std::string> available;
      for (const FeatureFieldStats& s : stats) available.push_back(s.field);
      throw OptionError(option, "field '" + names[f] + "' has no value in " + source +
                                    (available.empty() ? "; no field has values there"
                                                       : "; fields with values: " + joined(available)));
    }
    for (const auto& [key, unused] : values) {
      index_of.emplace(std::make_pair(f, key), static_cast<std::int32_t>(rows.names.size()));
      rows.names.push_back(names[f] + "=" + key.second);
    }
  }
  rows.offsets.assign(n_rows + 1, 0);
  for (std::size_t r = 0; r < n_rows; ++r) {
    std::vector<std::int32_t> row;
    for (const std::size_t f : fields)
      for (const Value& v : by_field[f][r]) row.push_back(index_of.at(std::make_pair(f, std::make_pair(v.order, v.label))));
    std::sort(row.begin(), row.end());
    row.erase(std::unique(row.begin(), row.end()), row.end());
    const float weight = row.empty() ? 0.0f : 1.0f / static_cast<float>(row.size());
    for (const std::int32_t index : row) {
      rows.index.push_back(index);
      rows.weight.push_back(weight);
    }
    rows.offsets[r + 1] = static_cast<std::uint32_t>(rows.index.size());
  }
  return rows;
}

std::vector<std::vector<std::vector<Value>>> item_table(const Dataset& data, const ItemCatalog* items) {
  std::vector<std::int32_t> catalog_row(static_cast<std::size_t>(data.n_items), -1);
  if (items && data.item_catalog_row.size() == catalog_row.size()) catalog_row = data.item_catalog_row;
  if (!items) std::fill(catalog_row.begin(), catalog_row.end(), -1);
  return collect(item_feature_fields().size(), catalog_row,
                 [&](std::size_t f, std::size_t row) { return item_values(*items, f, row); });
}

std::vector<std::vector<std::vector<Value>>> user_table(const Dataset& data, const UserCatalog* users) {
  std::vector<std::int32_t> catalog_row(static_cast<std::size_t>(data.n_users), -1);
  if (users)
    for (std::size_t u = 0; u < catalog_row.size(); ++u) catalog_row[u] = users->row(data.user_raw_id[u]);
  return collect(user_feature_fields().size(), catalog_row,
                 [&](std::size_t f, std::size_t row) { return user_values(*users, f, row); });
}

}  // namespace

const std::vector<std::string>& item_feature_fields() {
  static const std::vector<std::string> names = {"genre", "type", "episodes", "members", "year"};
  return names;
}

const std::vector<std::string>& user_feature_fields() {
  static const std::vector<std::string> names = {"age", "gender", "occupation"};
  return names;
}

std::string episodes_bucket(std::string_view episodes) { return episodes_value(episodes).label; }
std::string members_bucket(std::int64_t members) { return members_value(members).label; }
std::string year_bucket(int year) { return year_value(year).label; }
std::string age_bucket(int age) { return age_value(age).label; }

int release_year(std::string_view title, std::string_view release_date) {
  // u.item: "01-Jan-1995"; the year is the last four characters.
  release_date = csv::trim(release_date);
  std::int64_t year = -1;
  if (release_date.size() >= 4 && csv::parse_int64(release_date.substr(release_date.size() - 4), year) &&
      year >= 1800 && year <= 2200)
    return static_cast<int>(year);
  // movies.csv: "Toy Story (1995)" (some titles end in a space after it).
  title = csv::trim(title);
  if (title.size() >= 6 && title.back() == ')' && title[title.size() - 6] == '(' &&
      csv::parse_int64(title.substr(title.size() - 5, 4), year) && year >= 1800 && year <= 2200)
    return static_cast<int>(year);
  return -1;
}

FeatureVocabulary feature_vocabulary(const Dataset& data, const ItemCatalog* items, const UserCatalog* users) {
  FeatureVocabulary vocabulary;
  vocabulary.n_items = data.n_items;
  vocabulary.n_users = data.n_users;
  if (items) vocabulary.item_fields = field_stats(item_feature_fields(), item_table(data, items));
  if (users) vocabulary.user_fields = field_stats(user_feature_fields(), user_table(data, users));
  return vocabulary;
}

FeatureRows item_feature_rows(const Dataset& data, const ItemCatalog* items, const std::vector<std::string>& fields,
                              OptionId option) {
  check_feature_fields(option, fields);
  if (!fields.empty() && !items)
    throw OptionError(option, "item features need an item file (anime.csv, movies.csv or u.item); none is loaded");
  if (fields.empty()) return rows_of(option, item_feature_fields(), fields, {}, static_cast<std::size_t>(data.n_items), "");
  return rows_of(option, item_feature_fields(), fields, item_table(data, items),
                 static_cast<std::size_t>(data.n_items), items->source);
}

FeatureRows user_feature_rows(const Dataset& data, const UserCatalog* users, const std::vector<std::string>& fields,
                              OptionId option) {
  check_feature_fields(option, fields);
  if (!fields.empty() && !users)
    throw OptionError(option, "user features need a user file (u.user or users.dat); none is loaded");
  if (fields.empty()) return rows_of(option, user_feature_fields(), fields, {}, static_cast<std::size_t>(data.n_users), "");
  return rows_of(option, user_feature_fields(), fields, user_table(data, users),
                 static_cast<std::size_t>(data.n_users), users->source);
}

std::vector<std::string> parse_feature_fields(OptionId option, std::string_view text) {
  std::vector<std::string> fields;
  text = csv::trim(text);
  if (text.empty() || text == "none") return fields;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    fields.emplace_back(csv::trim(text.substr(start, comma - start)));
    start = comma + 1;
  }
  check_feature_fields(option, fields);
  return fields;
}

std::vector<std::int32_t> user_feature_indices(const FeatureRows& vocabulary, const UserFeatureValues& values) {
  if (values.empty()) return {};
  if (vocabulary.empty()) throw UsageError("user features: the model was trained without user features");
  // field -> (value -> index), in vocabulary order
  std::vector<std::string> fields;
  std::map<std::string, std::vector<std::pair<std::string, std::int32_t>>> known;
  for (std::int32_t f = 0; f < vocabulary.n_features(); ++f) {
    const std::string& name = vocabulary.names[static_cast<std::size_t>(f)];
    const std::size_t at = name.find('=');
    const std::string field = name.substr(0, at);
    if (!known.count(field)) fields.push_back(field);
    known[field].emplace_back(at == std::string::npos ? "" : name.substr(at + 1), f);
  }
  std::vector<std::int32_t> indices;
  for (const auto& [field, given] : values) {
    const auto it = known.find(field);
    if (it == known.end())
      throw UsageError("user features: unknown field \"" + field + "\" (the model's user fields: " + joined(fields) + ")");
    if (given.empty()) throw UsageError("user features: give at least one value of " + field);
    for (const std::string& value : given) {
      const auto match = std::find_if(it->second.begin(), it->second.end(), [&](const auto& v) { return v.first == value; });
      if (match == it->second.end()) {
        std::vector<std::string> options;
        for (const auto& v : it->second) options.push_back(v.first);
        throw UsageError("user features: " + field + " has no value \"" + value + "\" in the model (its values: " +
                         joined(options) + ")");
      }
      indices.push_back(match->second);
    }
  }
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  return indices;
}

void check_feature_fields(OptionId option, const std::vector<std::string>& fields) {
  const std::vector<std::string>& valid = fields_of(option);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (std::find(valid.begin(), valid.end(), fields[i]) == valid.end())
      throw OptionError(option, "expected field names from " + joined(valid) + " (or none), got \"" + fields[i] + "\"");
    if (std::find(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(i), fields[i]) !=
        fields.begin() + static_cast<std::ptrdiff_t>(i))
      throw OptionError(option, "field \"" + fields[i] + "\" is named twice");
  }
}

}  // namespace tripletrec

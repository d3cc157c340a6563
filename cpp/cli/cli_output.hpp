// Output formatting: numbers for people, a minimal JSON writer, the engine's results as JSON
// objects, and the text tables printed to stdout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tripletrec/session.hpp"

namespace tripletrec::cli {

// --- numbers ---------------------------------------------------------------------------------
std::string with_commas(std::int64_t n);     // 1234567 -> "1,234,567"
std::string fixed(double v, int decimals);   // NaN -> "n/a"
std::string format_rating(float v);          // shortest form: 8, 0.5

// --- a minimal JSON writer: objects and arrays built as strings, NaN/inf written as null ------
std::string json_string(const std::string& s);
std::string json_number(double v);
std::string json_number(std::int64_t v);

class JsonObject {
 public:
  JsonObject& add(const std::string& key, const std::string& raw_json);
  JsonObject& num(const std::string& key, double v);
  // A float parameter, written with the digits a float has (1e-06, not 9.99999997e-07).
  JsonObject& real(const std::string& key, float v);
  JsonObject& integer(const std::string& key, std::int64_t v);
  JsonObject& str(const std::string& key, const std::string& v);
  JsonObject& boolean(const std::string& key, bool v);
  std::string text() const;

 private:
  std::string body_;
};

template <class T, class F>
std::string json_array(const std::vector<T>& values, F to_json) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';  // appended apart: `"," + string` trips GCC 12's -Wrestrict false positive
    out += to_json(values[i]);
  }
  return out + "]";
}

// --- the engine's results as JSON ------------------------------------------------------------
std::string counts_json(const Counts& c);
std::string report_json(const PreprocessReport& r);
std::string stats_json(const RatingStats& s);
std::string item_json(const ItemView& v);
std::string evaluation_json(const Evaluation& e);
// {"items": {"n": 293, "fields": [{"field": "genre", "rows": 293, "values": [{"value": "Action", "count": 120}, ...]}]},
//  "users": {...}}
std::string vocabulary_json(const FeatureVocabulary& v);

// --- text ------------------------------------------------------------------------------------
void print_counts_table(const PreprocessReport& r);
void print_stats(const RatingStats& s);
void print_evaluation(const char* label, const Evaluation& e, double seconds);
void print_vocabulary(const FeatureVocabulary& v);  // nothing without fields
std::string describe(const ItemView& v);  // "Name (genres; type)"

}  // namespace tripletrec::cli

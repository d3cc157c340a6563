#include "cli_output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace tripletrec::cli {

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::string fixed(double v, int decimals) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string format_rating(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
std::string json_number(std::int64_t v) { return std::to_string(v); }

JsonObject& JsonObject::add(const std::string& key, const std::string& raw_json) {
  // Appended piece by piece: `"," + string` trips GCC 12's -Wrestrict false positive.
  if (!body_.empty()) body_ += ',';
  body_ += json_string(key);
  body_ += ':';
  body_ += raw_json;
  return *this;
}
JsonObject& JsonObject::num(const std::string& key, double v) { return add(key, json_number(v)); }
JsonObject& JsonObject::real(const std::string& key, float v) {
  if (!std::isfinite(v)) return add(key, "null");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", static_cast<double>(v));
  return add(key, buf);
}
JsonObject& JsonObject::integer(const std::string& key, std::int64_t v) { return add(key, json_number(v)); }
JsonObject& JsonObject::str(const std::string& key, const std::string& v) { return add(key, json_string(v)); }
JsonObject& JsonObject::boolean(const std::string& key, bool v) { return add(key, v ? "true" : "false"); }
std::string JsonObject::text() const { return "{" + body_ + "}"; }

std::string counts_json(const Counts& c) {
  return JsonObject().integer("users", c.users).integer("items", c.items).integer("ratings", c.ratings).text();
}

std::string report_json(const PreprocessReport& r) {
  return JsonObject()
      .add("loaded", counts_json(r.loaded))
      .add("merged", counts_json(r.merged))
      .add("item_filter", counts_json(r.item_filter))
      .add("rating_filter", counts_json(r.rating_filter))
      .text();
}

std::string stats_json(const RatingStats& s) {
  std::vector<std::string> histogram;
  for (std::size_t i = 0; i < s.histogram_values.size(); ++i)
    histogram.push_back(JsonObject().num("value", s.histogram_values[i]).integer("count", s.histogram_counts[i]).text());
  return JsonObject()
      .add("counts", counts_json(s.counts))
      .add("histogram", json_array(histogram, [](const std::string& x) { return x; }))
      .add("popularity_top", json_array(std::vector<std::int64_t>(s.popularity_desc.begin(),
                                                                  s.popularity_desc.begin() + std::min<std::size_t>(20, s.popularity_desc.size())),
                                        [](std::int64_t v) { return json_number(v); }))
      .text();
}

std::string item_json(const ItemView& v) {
  return JsonObject()
      .integer("id", v.raw_id)
      .str("name", v.name)
      .str("genres", v.genres)
      .str("type", v.type)
      .num("score", v.score)
      .boolean("in_test", v.in_test)
      .integer("popularity", v.popularity)
      .text();
}

std::string vocabulary_json(const FeatureVocabulary& v) {
  auto side = [](std::int32_t n, const std::vector<FeatureFieldStats>& fields) {
    return JsonObject()
        .integer("n", n)
        .add("fields", json_array(fields, [](const FeatureFieldStats& f) {
               return JsonObject()
                   .str("field", f.field)
                   .integer("rows", f.rows_with_value)
                   .add("values", json_array(f.values, [](const FeatureValueCount& c) {
                          return JsonObject().str("value", c.value).integer("count", c.count).text();
                        }))
                   .text();
             }))
        .text();
  };
  return JsonObject().add("items", side(v.n_items, v.item_fields)).add("users", side(v.n_users, v.user_fields)).text();
}

void print_vocabulary(const FeatureVocabulary& v) {
  auto side = [](const char* what, std::int32_t n, const std::vector<FeatureFieldStats>& fields) {
    for (const FeatureFieldStats& f : fields) {
      std::printf("  %s %-10s %s of %s %ss, %zu values:", what, f.field.c_str(), with_commas(f.rows_with_value).c_str(),
                  with_commas(n).c_str(), what, f.values.size());
      std::size_t shown = 0;
      for (const FeatureValueCount& c : f.values) {
        if (shown++ == 12) {
          std::printf(" ...");
          break;
        }
        std::printf(" %s (%s)", c.value.c_str(), with_commas(c.count).c_str());
      }
      std::printf("\n");
    }
  };
  if (v.item_fields.empty() && v.user_fields.empty()) return;
  std::printf("\nSide features (the values of each field, with how many carry them):\n");
  side("item", v.n_items, v.item_fields);
  side("user", v.n_users, v.user_fields);
}

std::string evaluation_json(const Evaluation& e) {
  JsonObject out;
  out.num("auc", e.auc);
  if (e.n_cold_items > 0) out.num("auc_cold", e.auc_cold).integer("n_cold_items", e.n_cold_items).integer("cold_users", e.cold_users);
  return out.integer("users", e.users)
      .integer("k", e.k)
      .num("precision_at_k", e.precision_at_k)
      .num("recall_at_k", e.recall_at_k)
      .num("map_at_k", e.map_at_k)
      .num("ndcg_at_k", e.ndcg_at_k)
      .text();
}

void print_counts_table(const PreprocessReport& r) {
  std::printf("  %-34s %10s %8s %12s\n", "step", "users", "items", "ratings");
  auto row = [](const char* name, const Counts& c) {
    std::printf("  %-34s %10s %8s %12s\n", name, with_commas(c.users).c_str(), with_commas(c.items).c_str(),
                with_commas(c.ratings).c_str());
  };
  row("loaded", r.loaded);
  row("merged with item metadata", r.merged);
  row("item filters (type, popularity)", r.item_filter);
  row("rating filters (-1, user id bound)", r.rating_filter);
}

void print_stats(const RatingStats& s) {
  std::printf("  %s users, %s items, %s ratings\n", with_commas(s.counts.users).c_str(),
              with_commas(s.counts.items).c_str(), with_commas(s.counts.ratings).c_str());
  std::printf("  rating histogram:");
  for (std::size_t i = 0; i < s.histogram_values.size(); ++i)
    std::printf("%s %s: %s", i ? "," : "", format_rating(s.histogram_values[i]).c_str(),
                with_commas(s.histogram_counts[i]).c_str());
  std::printf("\n  most popular items' rating rows:");
  for (std::size_t i = 0; i < std::min<std::size_t>(8, s.popularity_desc.size()); ++i)
    std::printf(" %s", with_commas(s.popularity_desc[i]).c_str());
  if (!s.popularity_desc.empty())
    std::printf(" ... least: %s", with_commas(s.popularity_desc.back()).c_str());
  std::printf("\n");
}

void print_evaluation(const char* label, const Evaluation& e, double seconds) {
  std::printf("%s AUC %s | P@%d %s  R@%d %s  MAP@%d %s  NDCG@%d %s  (%d users, %.1f ms)\n", label,
              fixed(e.auc, 4).c_str(), e.k, fixed(e.precision_at_k, 4).c_str(), e.k,
              fixed(e.recall_at_k, 4).c_str(), e.k, fixed(e.map_at_k, 4).c_str(), e.k,
              fixed(e.ndcg_at_k, 4).c_str(), e.users, seconds * 1000);
  if (e.n_cold_items > 0)
    std::printf("%*s AUC %s on warm items; cold-item AUC %s (%d cold items, %d users)\n",
                static_cast<int>(std::strlen(label)), "", fixed(e.auc, 4).c_str(), fixed(e.auc_cold, 4).c_str(),
                e.n_cold_items, e.cold_users);
}

std::string describe(const ItemView& v) {
  std::string text = v.name;
  std::string details = v.genres;
  if (!v.type.empty()) details += (details.empty() ? "" : "; ") + v.type;
  if (!details.empty()) text += " (" + details + ")";
  return text;
}

}  // namespace tripletrec::cli

// Loading the two kinds of input file into columns: ratings (user, item, rating) and item
// metadata (id, name, genres, type, ...). Separators, header, quoting, CRLF and BOM are detected;
// UTF-16/UTF-32 files are refused with a message that says so (UTF-8 or Latin-1 names are read).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tripletrec {

// One ratings file as loaded: raw ids as in the file, one entry per data row.
struct RatingsTable {
  std::string source;                // file name used in error messages
  std::vector<std::int64_t> user;    // raw user ids
  std::vector<std::int64_t> item;    // raw item ids
  std::vector<float> rating;         // -1 = watched but not rated (anime files)
  std::size_t size() const { return user.size(); }
};

// Parses a ratings file: anime rating.csv (user_id,anime_id,rating), MovieLens ratings.csv
// (userId,movieId,rating,timestamp), u.data / ua.base (tab, no header), ratings.dat ("::").
// Columns are found by header name, or by position (user, item, rating[, timestamp]) without one.
// Throws ParseError naming source, line and column of the first malformed field.
RatingsTable parse_ratings(std::string_view bytes, const std::string& source);

// Item metadata: anime.csv (anime_id,name,genre,type,episodes,rating,members), MovieLens
// movies.csv (movieId,title,genres with '|'), u.item ('|' separated, genre flags).
struct ItemCatalog {
  std::string source;
  std::vector<std::int64_t> id;
  std::vector<std::string> name;      // HTML entities decoded (Gintama&#039; -> Gintama')
  std::vector<std::string> genres;    // normalised to "Action, Comedy", entities decoded; "" when absent
  std::vector<std::string> type;      // "TV", "Movie", ...; "" when absent
  std::vector<std::string> episodes;  // as written ("12", "Unknown"); "" when absent
  std::vector<float> avg_rating;      // NaN when absent
  std::vector<std::int64_t> members;  // -1 when absent
  std::vector<std::string> release_date;  // u.item's release date ("01-Jan-1995"); "" when absent
  std::unordered_map<std::int64_t, std::int32_t> row_of_id;  // raw id -> row
  std::size_t size() const { return id.size(); }
  std::int32_t row(std::int64_t raw_id) const {  // -1 when unknown
    auto it = row_of_id.find(raw_id);
    return it == row_of_id.end() ? -1 : it->second;
  }
};

ItemCatalog parse_items(std::string_view bytes, const std::string& source);

// User metadata (side features): MovieLens 100k u.user (user id|age|gender|occupation|zip code,
// no header), ml-1m users.dat (UserID::Gender::Age::Occupation::Zip-code, occupation as a code
// 0-20, age as the code of its band: 1, 18, 25, ...), or a CSV with a header naming user_id and any
// of age, gender, occupation. Zip codes are not read.
struct UserCatalog {
  std::string source;
  std::vector<std::int64_t> id;
  std::vector<std::int32_t> age;          // years (users.dat: the band's lower bound); -1 when absent
  std::vector<std::string> gender;        // "M", "F"; "" when absent
  std::vector<std::string> occupation;    // "technician", "K-12 student" (users.dat codes named); "" when absent
  std::unordered_map<std::int64_t, std::int32_t> row_of_id;  // raw id -> row
  std::size_t size() const { return id.size(); }
  std::int32_t row(std::int64_t raw_id) const {  // -1 when unknown
    auto it = row_of_id.find(raw_id);
    return it == row_of_id.end() ? -1 : it->second;
  }
};

// Throws ParseError naming source, line and column of the first malformed field.
UserCatalog parse_users(std::string_view bytes, const std::string& source);

}  // namespace tripletrec

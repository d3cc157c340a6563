// Ratings and item-metadata files into columns. The tokenizer (csv_reader) splits records; this
// file finds the columns (by header name or by position), parses and checks each field.
#include "tripletrec/data.hpp"

#include <array>
#include <cmath>
#include <initializer_list>
#include <limits>

#if defined(__linux__) && !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#endif

#include "csv_reader.hpp"
#include "plain_ratings.hpp"
#include "text_encoding.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec {
namespace {

constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);

std::string lower_trimmed(std::string_view text) {
  std::string out(csv::trim(text));
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Index of the first header field whose lower-case name is one of `names`, else kNoColumn.
std::size_t find_column(const csv::Record& header, std::initializer_list<std::string_view> names) {
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = lower_trimmed(header.fields[i].text);
    for (std::string_view wanted : names)
      if (name == wanted) return i;
  }
  return kNoColumn;
}

std::string header_text(const csv::Record& header, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    if (i) out += separator;
    out += header.fields[i].text;
  }
  return out;
}

// Every data record must have as many fields as the header (or the first record).
void check_field_count(const csv::Reader& reader, const csv::Record& record, std::size_t expected,
                       const std::string& what) {
  const std::size_t found = record.fields.size();
  if (found == expected) return;
  const std::string message = "expected " + std::to_string(expected) + " fields (" + what +
                              "), found " + std::to_string(found);
  if (found < expected) reader.fail(record.end_line, record.end_column, message);
  const csv::Field& extra = record.fields[expected];
  reader.fail(extra.line, extra.column, message);
}

std::string found_text(const csv::Field& field) {
  return csv::trim(field.text).empty() ? std::string("an empty field") : csv::quote_for_message(field.text);
}

std::int64_t integer_field(const csv::Reader& reader, const csv::Field& field,
                           const std::string& column, const char* what) {
  std::int64_t value;
  if (!csv::parse_int64(field.text, value))
    reader.fail(field.line, field.column,
                std::string("expected ") + what + " in column '" + column + "', found " + found_text(field));
  return value;
}

// A user or item id: an integer within +-(2^53 - 1), so that JavaScript holds it exactly (the
// package hands ids out as numbers). Larger ids are refused here rather than merged later.
std::int64_t id_field(const csv::Reader& reader, const csv::Field& field, const std::string& column,
                      const char* what) {
  std::int64_t value = 0;
  const csv::IntegerText kind = csv::classify_integer(field.text, value);
  if (kind == csv::IntegerText::NotInteger)
    reader.fail(field.line, field.column,
                std::string("expected an integer ") + what + " in column '" + column + "', found " +
                    found_text(field));
  if (kind == csv::IntegerText::BeyondInt64)
    reader.fail(field.line, field.column,
                std::string(what) + " " + csv::quote_for_message(csv::trim(field.text)) + " in column '" +
                    column + "' is out of range (beyond 64-bit integers); ids must be within " +
                    "9007199254740991 (2^53 - 1) in absolute value");
  if (value < -csv::kMaxExactId || value > csv::kMaxExactId)
    reader.fail(field.line, field.column,
                std::string(what) + " " + std::to_string(value) + " in column '" + column +
                    "' is beyond 9007199254740991 (2^53 - 1) in absolute value, which JavaScript "
                    "cannot represent exactly; use ids within that range");
  return value;
}

// A first field that reads as an integer (even one too large for an id) starts a data row;
// anything else starts a header.
bool starts_header(const csv::Record& record) {
  std::int64_t ignored;
  return csv::classify_integer(record.fields[0].text, ignored) == csv::IntegerText::NotInteger;
}

float number_field(const csv::Reader& reader, const csv::Field& field, const std::string& column) {
  float value;
  if (!csv::parse_float(field.text, value))
    reader.fail(field.line, field.column,
                "expected a number in column '" + column + "', found " + found_text(field));
  return value;
}

// Big column buffers are first written once, row by row; with 4 KiB pages, page faults cost
// more than the parsing itself (measured: ~60% of the time on a 100 MB file). Asking Linux for
// transparent huge pages makes that 512 times fewer faults. A hint only: ignored elsewhere.
template <class T>
void advise_huge_pages([[maybe_unused]] std::vector<T>& column) {
#if defined(__linux__) && !defined(__EMSCRIPTEN__)
  constexpr std::uintptr_t kHugePage = 2u << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(column.data());
  const std::uintptr_t end = begin + column.capacity() * sizeof(T);
  const std::uintptr_t aligned = (begin + kHugePage - 1) & ~(kHugePage - 1);
  if (end > aligned + kHugePage)
    madvise(reinterpret_cast<void*>(aligned), (end - aligned) & ~(kHugePage - 1), MADV_HUGEPAGE);
#endif
}

// ---- ratings -----------------------------------------------------------------------------------

struct RatingsLayout {
  std::size_t fields = 0, user = 0, item = 1, rating = 2;
  std::string user_name = "user", item_name = "item", rating_name = "rating";
  std::string header;  // the header's names, for messages; empty without a header
};

RatingsLayout ratings_layout_from_header(const csv::Reader& reader, const csv::Record& header) {
  RatingsLayout layout;
  layout.fields = header.fields.size();
  layout.user = find_column(header, {"user_id", "userid", "user"});
  layout.item = find_column(header, {"anime_id", "movieid", "movie_id", "item_id", "itemid", "item"});
  layout.rating = find_column(header, {"rating"});
  if (layout.user == kNoColumn || layout.item == kNoColumn || layout.rating == kNoColumn) {
    std::int64_t ignored;
    if (header.fields.size() >= 3 &&
        csv::classify_integer(header.fields[1].text, ignored) != csv::IntegerText::NotInteger)
      reader.fail(header.fields[0].line, header.fields[0].column,
                  "expected an integer user id in column 1, found " +
                      csv::quote_for_message(header.fields[0].text));
    std::string missing;
    if (layout.user == kNoColumn) missing += " a user column (user_id, userId, user)";
    if (layout.item == kNoColumn)
      missing += std::string(missing.empty() ? "" : ",") +
                 " an item column (anime_id, movieId, item_id, item)";
    if (layout.rating == kNoColumn)
      missing += std::string(missing.empty() ? "" : ",") + " a 'rating' column";
    reader.fail(header.line, 1,
                "expected a header naming" + missing + ", found " +
                    csv::quote_for_message(header_text(header, reader.separator())));
  }
  layout.user_name = std::string(csv::trim(header.fields[layout.user].text));
  layout.item_name = std::string(csv::trim(header.fields[layout.item].text));
  layout.rating_name = std::string(csv::trim(header.fields[layout.rating].text));
  layout.header = header_text(header, ", ");
  return layout;
}

// ---- items -------------------------------------------------------------------------------------

// MovieLens 100k u.item: 19 genre flags after id|title|release|video release|url.
constexpr std::array<const char*, 19> kMl100kGenres = {
    "unknown", "Action",  "Adventure", "Animation", "Children's", "Comedy",  "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",   "Musical", "Mystery",
    "Romance", "Sci-Fi",  "Thriller",  "War",       "Western"};
constexpr std::size_t kUItemFields = 5 + kMl100kGenres.size();

struct ItemLayout {
  std::size_t fields = 0, id = 0, name = 1, genres = kNoColumn, type = kNoColumn,
              episodes = kNoColumn, avg_rating = kNoColumn, members = kNoColumn,
              genre_flags = kNoColumn,  // first of the u.item flag columns
              release_date = kNoColumn;
  std::vector<std::string> names;     // column names for messages
};

ItemLayout item_layout_from_header(const csv::Reader& reader, const csv::Record& header) {
  ItemLayout layout;
  layout.fields = header.fields.size();
  layout.id = find_column(header, {"anime_id", "movieid", "movie_id", "item_id", "itemid", "id", "item"});
  layout.name = find_column(header, {"name", "title"});
  if (layout.id == kNoColumn || layout.name == kNoColumn)
    reader.fail(header.line, 1,
                "expected a header naming an id column (anime_id, movieId, item_id, id) and a "
                "name column (name, title), found " +
                    csv::quote_for_message(header_text(header, reader.separator())));
  layout.genres = find_column(header, {"genre", "genres"});
  layout.type = find_column(header, {"type"});
  layout.episodes = find_column(header, {"episodes"});
  layout.avg_rating = find_column(header, {"rating", "avg_rating"});
  layout.members = find_column(header, {"members"});
  layout.release_date = find_column(header, {"release_date", "release date"});
  for (const csv::Field& field : header.fields) layout.names.emplace_back(csv::trim(field.text));
  return layout;
}

ItemLayout item_layout_without_header(const csv::Reader& reader, const csv::Record& first) {
  ItemLayout layout;
  layout.fields = first.fields.size();
  if (layout.fields == 3) {  // movies.csv / movies.dat order
    layout.genres = 2;
    layout.names = {"id", "title", "genres"};
  } else if (layout.fields == 7) {  // anime.csv order
    layout.genres = 2, layout.type = 3, layout.episodes = 4, layout.avg_rating = 5, layout.members = 6;
    layout.names = {"anime_id", "name", "genre", "type", "episodes", "rating", "members"};
  } else if (layout.fields == kUItemFields) {  // u.item
    layout.genre_flags = 5;
    layout.release_date = 2;
    layout.names = {"id", "title", "release date", "video release date", "url"};
    for (const char* genre : kMl100kGenres) layout.names.emplace_back(genre);
  } else {
    const std::size_t column =
        layout.fields < 3 ? first.end_column : first.fields[3].column;
    reader.fail(first.line, column,
                "expected 3 fields (id, title, genres), 7 (anime.csv order) or 24 (u.item) in an "
                "item file without a header, found " + std::to_string(layout.fields));
  }
  return layout;
}

// "Adventure|Animation" or "Action, Comedy" -> "Adventure, Animation" / "Action, Comedy".
std::string normalise_genres(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t stop = text.find_first_of("|,", start);
    if (stop == std::string_view::npos) stop = text.size();
    const std::string_view genre = csv::trim(text.substr(start, stop - start));
    if (!genre.empty() && genre != "(no genres listed)") {
      if (!out.empty()) out += ", ";
      out += genre;
    }
    start = stop + 1;
  }
  return out;
}

// The fast path is called through a pointer the optimisers cannot see through, so wasm-opt keeps
// it a function of its own instead of inlining it into its one caller, parse_ratings: V8 can then
// switch it to optimised code after its first chunks (a running call keeps the baseline code it
// started in: inlined, a whole 100 MB parse ran unoptimised), and its body stays free of the
// invoke_ trampolines around parse_ratings' own calls.
csv::PlainRun (*volatile const parse_plain_chunk)(std::string_view, const csv::PlainRatingsLayout&,
                                                   const csv::RatingsChunk&) noexcept =
    &csv::parse_plain_ratings;

}  // namespace

RatingsTable parse_ratings(std::string_view bytes, const std::string& source) {
  csv::Reader reader(bytes, source);
  csv::Record record;
  if (!reader.next(record))
    reader.fail(1, 1, "expected a ratings table (user, item, rating), found an empty file");

  RatingsLayout layout;
  if (starts_header(record)) {
    layout = ratings_layout_from_header(reader, record);
    const std::size_t after_header = record.end_line + 1;
    if (!reader.next(record))
      reader.fail(after_header, 1, "expected rating rows after the header, found none");
  } else {
    layout.fields = record.fields.size();
    if (layout.fields < 3 || layout.fields > 4)
      reader.fail(record.line, layout.fields < 3 ? record.end_column : record.fields[4].column,
                  "expected 3 or 4 fields (user, item, rating[, timestamp]) in a ratings file "
                  "without a header, found " + std::to_string(layout.fields));
  }
  const std::string what = layout.header.empty()
                               ? (layout.fields == 3 ? "user, item, rating"
                                                     : "user, item, rating, timestamp")
                               : layout.header;

  RatingsTable table;
  table.source = source;
  const std::size_t estimate = reader.estimate_rows();
  table.user.reserve(estimate);
  table.item.reserve(estimate);
  table.rating.reserve(estimate);
  advise_huge_pages(table.user);
  advise_huge_pages(table.item);
  advise_huge_pages(table.rating);
  // Plain lines go through the no-throw fast path in chunks; the general path below reads the
  // first record and every line the fast path leaves (quotes, blanks, spaces, errors).
  const bool fast_path_possible = reader.separator().size() == 1;
  const csv::PlainRatingsLayout plain_layout{layout.fields, layout.user, layout.item, layout.rating,
                                             reader.separator()[0]};
  constexpr std::size_t kChunkRows = 4096;  // 80 KB: stays in cache between parse and append
  std::vector<std::int64_t> user_chunk, item_chunk;
  std::vector<float> rating_chunk;
  if (fast_path_possible) {
    user_chunk.resize(kChunkRows);
    item_chunk.resize(kChunkRows);
    rating_chunk.resize(kChunkRows);
  }
  const csv::RatingsChunk chunk{user_chunk.data(), item_chunk.data(), rating_chunk.data(),
                                user_chunk.size()};
  bool have_record = true;  // the first data record is already in `record`
  for (;;) {
    if (!have_record) {
      if (fast_path_possible) {
        const csv::PlainRun run = parse_plain_chunk(reader.rest(), plain_layout, chunk);
        if (run.rows > 0) {
          // Raw pointers, so libc++ copies with memcpy rather than element by element.
          table.user.insert(table.user.end(), chunk.user, chunk.user + run.rows);
          table.item.insert(table.item.end(), chunk.item, chunk.item + run.rows);
          table.rating.insert(table.rating.end(), chunk.rating, chunk.rating + run.rows);
          reader.consume_lines(run.bytes, run.rows);
          continue;
        }
      }
      if (!reader.next(record)) break;
    }
    have_record = false;
    check_field_count(reader, record, layout.fields, what);
    table.user.push_back(id_field(reader, record.fields[layout.user], layout.user_name, "user id"));
    table.item.push_back(id_field(reader, record.fields[layout.item], layout.item_name, "item id"));
    table.rating.push_back(number_field(reader, record.fields[layout.rating], layout.rating_name));
  }
  return table;
}

ItemCatalog parse_items(std::string_view bytes, const std::string& source) {
  csv::Reader reader(bytes, source);
  csv::Record record;
  if (!reader.next(record))
    reader.fail(1, 1, "expected an item table (id, name, ...), found an empty file");

  ItemLayout layout;
  if (starts_header(record)) {
    layout = item_layout_from_header(reader, record);
    const std::size_t after_header = record.end_line + 1;
    if (!reader.next(record))
      reader.fail(after_header, 1, "expected item rows after the header, found none");
  } else {
    layout = item_layout_without_header(reader, record);
  }
  std::string what;
  for (std::size_t i = 0; i < layout.names.size() && i < 7; ++i)
    what += (i ? ", " : "") + layout.names[i];
  if (layout.names.size() > 7) what += ", ...";

  ItemCatalog catalog;
  catalog.source = source;
  std::vector<std::size_t> line_of_row;  // for duplicate-id messages
  const std::size_t estimate = reader.estimate_rows();
  catalog.row_of_id.reserve(estimate);
  do {
    check_field_count(reader, record, layout.fields, what);
    const csv::Field& id_cell = record.fields[layout.id];
    const std::int64_t id = id_field(reader, id_cell, layout.names[layout.id], "id");
    const auto row = static_cast<std::int32_t>(catalog.id.size());
    const auto [existing, inserted] = catalog.row_of_id.emplace(id, row);
    // A second row for one id would make the metadata of that item ambiguous: refuse it.
    if (!inserted)
      reader.fail(id_cell.line, id_cell.column,
                  "expected each item id once, found id " + std::to_string(id) +
                      " again (first on line " + std::to_string(line_of_row[existing->second]) +
                      ")");
    line_of_row.push_back(id_cell.line);
    catalog.id.push_back(id);
    catalog.name.push_back(text::decode_html_entities(text::to_utf8(csv::trim(record.fields[layout.name].text))));

    std::string genres;
    if (layout.genres != kNoColumn) {
      genres = text::decode_html_entities(normalise_genres(text::to_utf8(record.fields[layout.genres].text)));
    } else if (layout.genre_flags != kNoColumn) {
      for (std::size_t g = 0; g < kMl100kGenres.size(); ++g) {
        const csv::Field& flag = record.fields[layout.genre_flags + g];
        const std::string_view value = csv::trim(flag.text);
        if (value != "0" && value != "1")
          reader.fail(flag.line, flag.column,
                      std::string("expected a genre flag 0 or 1 in column '") + kMl100kGenres[g] +
                          "', found " + csv::quote_for_message(flag.text));
        if (value == "1") genres += (genres.empty() ? "" : ", ") + std::string(kMl100kGenres[g]);
      }
    }
    catalog.genres.push_back(std::move(genres));
    catalog.type.emplace_back(
        layout.type == kNoColumn ? "" : csv::trim(record.fields[layout.type].text));
    catalog.episodes.emplace_back(
        layout.episodes == kNoColumn ? "" : csv::trim(record.fields[layout.episodes].text));

    float avg_rating = std::numeric_limits<float>::quiet_NaN();
    if (layout.avg_rating != kNoColumn && !csv::trim(record.fields[layout.avg_rating].text).empty())
      avg_rating = number_field(reader, record.fields[layout.avg_rating], layout.names[layout.avg_rating]);
    catalog.avg_rating.push_back(avg_rating);
    std::int64_t members = -1;
    if (layout.members != kNoColumn && !csv::trim(record.fields[layout.members].text).empty())
      members = integer_field(reader, record.fields[layout.members], layout.names[layout.members],
                              "an integer member count");
    catalog.members.push_back(members);
    catalog.release_date.emplace_back(
        layout.release_date == kNoColumn ? "" : csv::trim(record.fields[layout.release_date].text));
  } while (reader.next(record));
  return catalog;
}

// ---- users -------------------------------------------------------------------------------------

namespace {

// ml-1m's occupation codes (its README), in code order.
constexpr std::array<const char*, 21> kMl1mOccupations = {
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student", "customer service",
    "doctor/health care", "executive/managerial", "farmer", "homemaker", "K-12 student", "lawyer",
    "programmer", "retired", "sales/marketing", "scientist", "self-employed", "technician/engineer",
    "tradesman/craftsman", "unemployed", "writer"};

struct UserLayout {
  std::size_t fields = 0, id = 0, age = kNoColumn, gender = kNoColumn, occupation = kNoColumn;
  bool occupation_codes = false;     // users.dat: 0-20
  std::vector<std::string> names;    // column names for messages
};

UserLayout user_layout_from_header(const csv::Reader& reader, const csv::Record& header) {
  UserLayout layout;
  layout.fields = header.fields.size();
  layout.id = find_column(header, {"user_id", "userid", "user", "id"});
  layout.age = find_column(header, {"age"});
  layout.gender = find_column(header, {"gender", "sex"});
  layout.occupation = find_column(header, {"occupation"});
  if (layout.id == kNoColumn || (layout.age == kNoColumn && layout.gender == kNoColumn && layout.occupation == kNoColumn))
    reader.fail(header.line, 1,
                "expected a header naming a user id column (user_id, userId, id) and at least one of "
                "age, gender, occupation, found " +
                    csv::quote_for_message(header_text(header, reader.separator())));
  for (const csv::Field& field : header.fields) layout.names.emplace_back(csv::trim(field.text));
  return layout;
}

UserLayout user_layout_without_header(const csv::Reader& reader, const csv::Record& first) {
  UserLayout layout;
  layout.fields = first.fields.size();
  if (layout.fields != 5) {
    const std::size_t column = layout.fields < 5 ? first.end_column : first.fields[5].column;
    reader.fail(first.line, column,
                "expected 5 fields (u.user: user id|age|gender|occupation|zip code, or users.dat: "
                "UserID::Gender::Age::Occupation::Zip-code) in a user file without a header, found " +
                    std::to_string(layout.fields));
  }
  if (reader.separator() == "::") {  // ml-1m users.dat
    layout.gender = 1, layout.age = 2, layout.occupation = 3, layout.occupation_codes = true;
    layout.names = {"UserID", "Gender", "Age", "Occupation", "Zip-code"};
  } else {  // ml-100k u.user
    layout.age = 1, layout.gender = 2, layout.occupation = 3;
    layout.names = {"user id", "age", "gender", "occupation", "zip code"};
  }
  return layout;
}

}  // namespace

UserCatalog parse_users(std::string_view bytes, const std::string& source) {
  csv::Reader reader(bytes, source);
  csv::Record record;
  if (!reader.next(record))
    reader.fail(1, 1, "expected a user table (u.user or users.dat), found an empty file");
  UserLayout layout;
  if (starts_header(record)) {
    layout = user_layout_from_header(reader, record);
    const std::size_t after_header = record.end_line + 1;
    if (!reader.next(record)) reader.fail(after_header, 1, "expected user rows after the header, found none");
  } else {
    layout = user_layout_without_header(reader, record);
  }
  std::string what;
  for (std::size_t i = 0; i < layout.names.size(); ++i) what += (i ? ", " : "") + layout.names[i];

  UserCatalog catalog;
  catalog.source = source;
  std::vector<std::size_t> line_of_row;  // for duplicate-id messages
  do {
    check_field_count(reader, record, layout.fields, what);
    const csv::Field& id_cell = record.fields[layout.id];
    const std::int64_t id = id_field(reader, id_cell, layout.names[layout.id], "user id");
    const auto row = static_cast<std::int32_t>(catalog.id.size());
    const auto [existing, inserted] = catalog.row_of_id.emplace(id, row);
    if (!inserted)
      reader.fail(id_cell.line, id_cell.column,
                  "expected each user id once, found id " + std::to_string(id) + " again (first on line " +
                      std::to_string(line_of_row[existing->second]) + ")");
    line_of_row.push_back(id_cell.line);
    catalog.id.push_back(id);

    // An empty field is a missing value (no feature); anything else must make sense.
    std::int32_t age = -1;
    if (layout.age != kNoColumn && !csv::trim(record.fields[layout.age].text).empty()) {
      const csv::Field& cell = record.fields[layout.age];
      std::int64_t value = -1;
      if (!csv::parse_int64(cell.text, value) || value < 0 || value > 150)
        reader.fail(cell.line, cell.column,
                    "expected an age in years (an integer in [0, 150]) in column '" + layout.names[layout.age] +
                        "', found " + found_text(cell));
      age = static_cast<std::int32_t>(value);
    }
    catalog.age.push_back(age);

    std::string gender;
    if (layout.gender != kNoColumn) {
      const csv::Field& cell = record.fields[layout.gender];
      const std::string_view value = csv::trim(cell.text);
      if (value == "M" || value == "m") gender = "M";
      else if (value == "F" || value == "f") gender = "F";
      else if (!value.empty())
        reader.fail(cell.line, cell.column,
                    "expected a gender M or F in column '" + layout.names[layout.gender] + "', found " +
                        found_text(cell));
    }
    catalog.gender.push_back(std::move(gender));

    std::string occupation;
    if (layout.occupation != kNoColumn) {
      const csv::Field& cell = record.fields[layout.occupation];
      const std::string_view value = csv::trim(cell.text);
      if (layout.occupation_codes && !value.empty()) {
        std::int64_t code = -1;
        if (!csv::parse_int64(value, code) || code < 0 || code >= static_cast<std::int64_t>(kMl1mOccupations.size()))
          reader.fail(cell.line, cell.column,
                      "expected an occupation code 0-20 in column '" + layout.names[layout.occupation] +
                          "', found " + found_text(cell));
        occupation = kMl1mOccupations[static_cast<std::size_t>(code)];
      } else {
        occupation = text::decode_html_entities(text::to_utf8(value));
      }
    }
    catalog.occupation.push_back(std::move(occupation));
  } while (reader.next(record));
  return catalog;
}

}  // namespace tripletrec

// See plain_ratings.hpp. Everything here must stay free of throwing calls and allocation.
#include "plain_ratings.hpp"

#include "numbers.hpp"

namespace tripletrec::csv {
namespace {

// One plain line starting at `line`: its values into the chunk's row `row`, and the start of
// the next line; nullptr (nothing written that counts) when the line is not plain.
const char* parse_plain_line(const char* line, const char* end, const PlainRatingsLayout& layout,
                             const RatingsChunk& chunk, std::size_t row) noexcept {
  const char separator = layout.separator;
  std::int64_t user = 0, item = 0;
  float rating = 0;
  const char* p = line;
  const char* stop = line;
  for (std::size_t k = 0; k < layout.fields; ++k) {
    stop = p;
    while (stop < end && *stop != separator && *stop != '\n' && *stop != '\r') ++stop;
    const bool last = k + 1 == layout.fields;
    if (last != (stop == end || *stop != separator)) return nullptr;  // too few or too many fields
    const std::string_view field(p, static_cast<std::size_t>(stop - p));
    if (k == layout.user) {
      if (!parse_int64(field, user)) return nullptr;
    } else if (k == layout.item) {
      if (!parse_int64(field, item)) return nullptr;
    } else if (k == layout.rating) {
      if (!parse_float(field, rating)) return nullptr;
    } else if (!field.empty() && field[0] == '"') {
      return nullptr;  // a quoted extra column may hide separators
    }
    if (!last) p = stop + 1;  // past the separator
  }
  // `stop` ends the last field: at '\n', '\r' or the end of the input.
  const char* next = stop;
  if (next < end) {
    if (*next == '\r' && next + 1 < end && next[1] == '\n') ++next;  // "\r\n" is one line end
    ++next;
  }
  chunk.user[row] = user;
  chunk.item[row] = item;
  chunk.rating[row] = rating;
  return next;
}

}  // namespace

PlainRun parse_plain_ratings(std::string_view bytes, const PlainRatingsLayout& layout,
                             const RatingsChunk& chunk) noexcept {
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  const char* line = begin;
  std::size_t rows = 0;
  while (rows < chunk.capacity && line < end) {
    const char* const next = parse_plain_line(line, end, layout, chunk, rows);
    if (!next) break;
    line = next;
    ++rows;
  }
  return {static_cast<std::size_t>(line - begin), rows};
}

}  // namespace tripletrec::csv

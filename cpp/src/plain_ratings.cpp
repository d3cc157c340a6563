// See plain_ratings.hpp. Everything here must stay free of throwing calls and allocation.
#include "plain_ratings.hpp"

#include <algorithm>

#include "numbers.hpp"

namespace tripletrec::csv {
namespace {

bool ends_field(const char* p, const char* end, char separator) {
  return p == end || *p == separator || *p == '\n' || *p == '\r';
}

// The common id ("123", "-7") read while the field is scanned; false for anything else, which
// the caller then parses with parse_int64 (spaces, '+'), or leaves to the general path (more
// than 15 digits, which may be beyond kMaxExactId). The digits are summed in unsigned arithmetic
// (wraps, never undefined) and a run longer than 15 is rejected, so the value never wraps.
bool read_plain_integer(const char*& p, const char* end, char separator, std::int64_t& out) {
  const char* q = p;
  const bool negative = q < end && *q == '-';
  q += negative;
  const char* const digits = q;
  std::uint64_t value = 0;
  while (q < end && is_digit(*q)) value = value * 10 + static_cast<std::uint64_t>(*q++ - '0');
  const std::ptrdiff_t count = q - digits;
  if (count < 1 || count > 15 || !ends_field(q, end, separator)) return false;
  const auto magnitude = static_cast<std::int64_t>(value);  // < 10^15
  out = negative ? -magnitude : magnitude;
  p = q;
  return true;
}

// The common rating ("8", "-1", "4.5"): at most 15 digits in all and no exponent, so the digits
// and the power of ten are exact doubles and one division rounds them as parse_float does
// (same formula, same result). False for anything else, which parse_float then reads. Unsigned
// accumulation and capped counts, as above: a long digit run wraps harmlessly before it is
// rejected.
bool read_plain_rating(const char*& p, const char* end, char separator, float& out) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* q = p;
  const bool negative = q < end && *q == '-';
  q += negative;
  std::uint64_t mantissa = 0;
  int digits = 0, fraction_digits = 0;
  auto take = [&](char c) { mantissa = mantissa * 10 + static_cast<std::uint64_t>(c - '0'); };
  while (q < end && is_digit(*q)) take(*q++), digits = std::min(digits + 1, 16);
  if (q < end && *q == '.') {
    ++q;
    while (q < end && is_digit(*q)) take(*q++), fraction_digits = std::min(fraction_digits + 1, 16);
  }
  digits += fraction_digits;
  if (digits < 1 || digits > 15 || !ends_field(q, end, separator)) return false;
  const double value = static_cast<double>(mantissa) / kPow10[fraction_digits];
  out = static_cast<float>(negative ? -value : value);
  p = q;
  return true;
}

// One plain line starting at `line`: its values into the chunk's row `row`, and the start of
// the next line; nullptr (the row does not count) when the line is not plain.
const char* parse_plain_line(const char* line, const char* end, const PlainRatingsLayout& layout,
                             const RatingsChunk& chunk, std::size_t row) {
  const char separator = layout.separator;
  std::int64_t user = 0, item = 0;
  float rating = 0;
  const char* p = line;
  for (std::size_t k = 0; k < layout.fields; ++k) {
    const char* const start = p;
    bool parsed = true;
    if (k == layout.user) {
      parsed = read_plain_integer(p, end, separator, user);
    } else if (k == layout.item) {
      parsed = read_plain_integer(p, end, separator, item);
    } else if (k == layout.rating) {
      parsed = read_plain_rating(p, end, separator, rating);
    } else if (p < end && *p == '"') {
      return nullptr;  // a quoted extra column may hide separators
    }
    while (!ends_field(p, end, separator)) ++p;  // extra columns, or an unusual number
    if (!parsed) {
      const std::string_view field(start, static_cast<std::size_t>(p - start));
      std::int64_t& id = k == layout.user ? user : item;
      // An id beyond kMaxExactId is an error the general path reports.
      const bool ok = k == layout.rating
                          ? parse_float(field, rating)
                          : parse_int64(field, id) && id >= -kMaxExactId && id <= kMaxExactId;
      if (!ok) return nullptr;
    }
    const bool last = k + 1 == layout.fields;
    if (last != (p == end || *p != separator)) return nullptr;  // too few or too many fields
    if (!last) ++p;  // past the separator
  }
  // p ends the last field: at '\n', '\r' or the end of the input.
  if (p < end) {
    if (*p == '\r' && p + 1 < end && p[1] == '\n') ++p;  // "\r\n" is one line end
    ++p;
  }
  chunk.user[row] = user;
  chunk.item[row] = item;
  chunk.rating[row] = rating;
  return p;
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

// Number parsing by hand (fast, locale-free, the same natively and in wasm, where libc++ has no
// floating-point from_chars). Inline and noexcept so the ratings fast path (plain_ratings.cpp,
// compiled without exception support in the wasm build) can inline them into its loop.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace tripletrec::csv {

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Spaces and tabs at both ends.
inline std::string_view trim(std::string_view text) noexcept {
  std::size_t begin = 0, end = text.size();
  while (begin < end && (text[begin] == ' ' || text[begin] == '\t')) ++begin;
  while (end > begin && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  return text.substr(begin, end - begin);
}

// Surrounding spaces are allowed; anything else makes these fail.
// Integers: optional sign and up to 18 digits.
inline bool parse_int64(std::string_view text, std::int64_t& out) noexcept {
  text = trim(text);
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  const std::ptrdiff_t digits = end - p;
  if (digits < 1 || digits > 18) return false;  // 18 digits cannot overflow
  std::int64_t value = 0;
  for (; p < end; ++p) {
    if (!is_digit(*p)) return false;
    value = value * 10 + (*p - '0');
  }
  out = negative ? -value : value;
  return true;
}

// Ids must survive the trip to JavaScript, whose numbers hold integers exactly only up to
// 2^53 - 1 (Number.MAX_SAFE_INTEGER): a larger id would silently merge with its neighbours.
inline constexpr std::int64_t kMaxExactId = (std::int64_t{1} << 53) - 1;

enum class IntegerText { Integer, NotInteger, BeyondInt64 };

// An integer of any number of digits (optional sign, surrounding spaces): Integer with its
// value, BeyondInt64 when it is an integer that no int64 holds, NotInteger for anything else.
inline IntegerText classify_integer(std::string_view text, std::int64_t& out) noexcept {
  text = trim(text);
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  if (p == end) return IntegerText::NotInteger;
  // Unsigned accumulation with an explicit bound: no overflow, however long the digit run.
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  std::uint64_t value = 0;
  bool beyond = false;
  for (; p < end; ++p) {
    if (!is_digit(*p)) return IntegerText::NotInteger;
    const auto digit = static_cast<std::uint64_t>(*p - '0');
    if (beyond || value > (limit - digit) / 10) beyond = true;
    else value = value * 10 + digit;
  }
  if (beyond) return IntegerText::BeyondInt64;
  out = negative ? static_cast<std::int64_t>(0 - value) : static_cast<std::int64_t>(value);
  return IntegerText::Integer;
}

// Reals: decimal with optional fraction and exponent ("8", "-1", "4.5", ".5", "1e3"); "nan",
// "inf", hex and out-of-range values fail.
inline bool parse_float(std::string_view text, float& out) noexcept {
  text = trim(text);
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  // Decimal digits into a 64-bit mantissa; digits past 19 significant ones only move the exponent.
  std::uint64_t mantissa = 0;
  int significant = 0, exponent = 0;
  bool any_digit = false, truncated = false;
  // The exponent moves one step per digit; it is held within +-10^6 (far past float's range)
  // so that no digit run, however long, can overflow it.
  constexpr int kExponentBound = 1000000;
  auto take_digit = [&](char c, bool fraction) {
    any_digit = true;
    if (mantissa == 0 && c == '0') {
      if (fraction) exponent -= exponent > -kExponentBound;
      return;
    }
    if (significant < 19) {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(c - '0');
      ++significant;
      if (fraction) exponent -= exponent > -kExponentBound;
    } else {
      truncated = true;
      if (!fraction) exponent += exponent < kExponentBound;
    }
  };
  while (p < end && is_digit(*p)) take_digit(*p++, false);
  if (p < end && *p == '.') {
    ++p;
    while (p < end && is_digit(*p)) take_digit(*p++, true);
  }
  if (!any_digit) return false;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool negative_exponent = false;
    if (p < end && (*p == '-' || *p == '+')) negative_exponent = *p++ == '-';
    if (p == end) return false;
    int written = 0;
    for (; p < end && is_digit(*p); ++p) written = std::min(written * 10 + (*p - '0'), 100000);
    exponent += negative_exponent ? -written : written;
  }
  if (p != end) return false;

  double value;
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (mantissa == 0) {
    value = 0.0;
  } else if (!truncated && significant <= 15 && exponent >= -22 && exponent <= 22) {
    // Both operands exact, so the one rounding of * or / gives the correctly rounded double.
    const double m = static_cast<double>(mantissa);
    value = exponent < 0 ? m / kPow10[-exponent] : m * kPow10[exponent];
  } else {
    // Rare (long mantissas, big exponents): let the C library do it on a terminated copy.
    if (text.size() >= 128) return false;
    char buffer[128];
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';
    value = std::strtod(buffer, nullptr);
    negative = false;  // strtod saw the sign
  }
  const float result = static_cast<float>(negative ? -value : value);
  if (!std::isfinite(result)) return false;
  out = result;
  return true;
}

}  // namespace tripletrec::csv

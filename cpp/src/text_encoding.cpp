// See text_encoding.hpp.
#include "text_encoding.hpp"

#include <utility>

namespace tripletrec::text {
namespace {

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// The code point of "&...;" starting at text[0] and its length, or false when it is not one.
bool decode_entity(std::string_view text, std::uint32_t& code, std::size_t& length) {
  const std::size_t semicolon = text.find(';');
  if (semicolon == std::string_view::npos || semicolon > 10) return false;
  const std::string_view body = text.substr(1, semicolon - 1);
  length = semicolon + 1;
  static constexpr std::pair<std::string_view, std::uint32_t> kNamed[] = {
      {"amp", '&'}, {"quot", '"'}, {"lt", '<'}, {"gt", '>'}, {"apos", '\''}, {"nbsp", 0xA0}};
  for (const auto& [name, value] : kNamed)
    if (body == name) return code = value, true;
  if (body.size() < 2 || body[0] != '#') return false;
  const bool hex = body[1] == 'x' || body[1] == 'X';
  const std::string_view digits = body.substr(hex ? 2 : 1);
  if (digits.empty()) return false;
  std::uint32_t value = 0;
  for (char c : digits) {
    std::uint32_t digit;
    if (c >= '0' && c <= '9') digit = static_cast<std::uint32_t>(c - '0');
    else if (hex && c >= 'a' && c <= 'f') digit = static_cast<std::uint32_t>(c - 'a' + 10);
    else if (hex && c >= 'A' && c <= 'F') digit = static_cast<std::uint32_t>(c - 'A' + 10);
    else return false;
    value = value * (hex ? 16 : 10) + digit;
    if (value > 0x10FFFF) return false;
  }
  if (value == 0 || (value >= 0xD800 && value <= 0xDFFF)) return false;  // not a character
  code = value;
  return true;
}

}  // namespace

const char* unsupported_encoding(std::string_view bytes) {
  auto starts = [&](std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; };
  using namespace std::string_view_literals;
  // Byte-order marks; UTF-32's little-endian mark starts like UTF-16's, so it is tested first.
  if (starts("\xFF\xFE\x00\x00"sv)) return "UTF-32 (little-endian)";
  if (starts("\x00\x00\xFE\xFF"sv)) return "UTF-32 (big-endian)";
  if (starts("\xFF\xFE"sv)) return "UTF-16 (little-endian)";
  if (starts("\xFE\xFF"sv)) return "UTF-16 (big-endian)";
  // Without a mark: ASCII text in UTF-16/32 has NUL bytes in fixed places. Text files never hold
  // NUL, so a NUL among the first bytes in that pattern is decisive enough.
  if (bytes.size() >= 4) {
    if (bytes[0] != 0 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 0) return "UTF-32 (little-endian)";
    if (bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] != 0) return "UTF-32 (big-endian)";
    if (bytes[0] != 0 && bytes[1] == 0 && bytes[2] != 0 && bytes[3] == 0) return "UTF-16 (little-endian)";
    if (bytes[0] == 0 && bytes[1] != 0 && bytes[2] == 0 && bytes[3] != 0) return "UTF-16 (big-endian)";
  }
  return nullptr;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 9;
    if (extra == 9 || i + extra >= text.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    i += extra + 1;
  }
  return true;
}

std::string to_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() * 2);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string decode_html_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, amp - i));
    std::uint32_t code;
    std::size_t length;
    if (decode_entity(text.substr(amp), code, length)) {
      append_utf8(out, code);
      i = amp + length;
    } else {  // not an entity: keep the '&' as written
      out += '&';
      i = amp + 1;
    }
  }
  return out;
}


}  // namespace tripletrec::text

#include "csv_reader.hpp"

#include <algorithm>

#include "text_encoding.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec::csv {
namespace {

bool is_line_end(char c) { return c == '\n' || c == '\r'; }

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == ' '; });
}

std::string_view rest_of_line(const char* p, const char* end) {
  const char* stop = p;
  while (stop < end && !is_line_end(*stop)) ++stop;
  return std::string_view(p, static_cast<std::size_t>(stop - p));
}

}  // namespace

std::string quote_for_message(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxShown) out += "...";
  out += "'";
  return out;
}

std::string detect_separator(std::string_view first_line) {
  std::size_t commas = 0, tabs = 0, pipes = 0;
  bool in_quotes = false, double_colon = false;
  for (std::size_t i = 0; i < first_line.size(); ++i) {
    const char c = first_line[i];
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    if (c == ',') ++commas;
    if (c == '\t') ++tabs;
    if (c == '|') ++pipes;
    if (c == ':' && i + 1 < first_line.size() && first_line[i + 1] == ':') double_colon = true;
  }
  if (double_colon) return "::";
  if (pipes > commas && pipes > tabs) return "|";
  if (tabs > commas) return "\t";
  return ",";
}

Reader::Reader(std::string_view bytes, std::string source)
    : bytes_(bytes), source_(std::move(source)) {
  if (const char* encoding = text::unsupported_encoding(bytes_))
    fail(1, 1, std::string("expected UTF-8 (or ASCII) text, found ") + encoding +
                   " text; save the file as UTF-8 and load it again");
  if (bytes_.size() >= 3 && bytes_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = line_start_ = 3;
  // Detect the separator on the first non-blank line.
  std::size_t start = pos_;
  while (start < bytes_.size()) {
    std::size_t stop = start;
    while (stop < bytes_.size() && !is_line_end(bytes_[stop])) ++stop;
    const std::string_view line = bytes_.substr(start, stop - start);
    if (!is_blank(line)) {
      separator_ = detect_separator(line);
      break;
    }
    start = stop + 1;
  }
  if (separator_.empty()) separator_ = ",";
  sep_ = separator_[0];
  double_sep_ = separator_ == "::";
  stops_[static_cast<unsigned char>('\n')] = stops_[static_cast<unsigned char>('\r')] = true;
  stops_[static_cast<unsigned char>(sep_)] = true;
}

void Reader::fail(std::size_t line, std::size_t column, const std::string& message) const {
  throw ParseError(source_, line, column, message);
}

std::size_t Reader::estimate_rows() const {
  // Line lengths drift through a file (ids get longer), so sample its start, middle and end.
  constexpr std::size_t kSample = 16 * 1024;
  const std::size_t remaining = bytes_.size() - pos_;
  std::size_t sampled = 0, breaks = 0;
  for (const std::size_t offset : {std::size_t{0}, remaining / 2, remaining - std::min(remaining, kSample)}) {
    const std::string_view sample = bytes_.substr(pos_ + offset, kSample);
    sampled += sample.size();
    breaks += static_cast<std::size_t>(std::count(sample.begin(), sample.end(), '\n'));
    if (remaining <= kSample) break;
  }
  if (breaks == 0) {  // old Mac line ends, or one long line
    const std::string_view sample = bytes_.substr(pos_, kSample);
    breaks = static_cast<std::size_t>(std::count(sample.begin(), sample.end(), '\r'));
    sampled = sample.size();
  }
  if (breaks == 0) return 1;
  const double rows = static_cast<double>(remaining) * static_cast<double>(breaks) /
                      static_cast<double>(sampled);
  return static_cast<std::size_t>(rows * 1.05) + 16;
}

void Reader::skip_line_end(const char*& p) {
  // p points at '\r' or '\n'; "\r\n" is one line end.
  if (*p == '\r' && p + 1 < bytes_.data() + bytes_.size() && p[1] == '\n') ++p;
  ++p;
  ++line_;
  line_start_ = static_cast<std::size_t>(p - bytes_.data());
}

bool Reader::next(Record& record) {
  const char* const data = bytes_.data();
  const char* const end = data + bytes_.size();
  for (;;) {
    record.fields.clear();
    unescaped_.clear();
    unescaped_fields_.clear();
    if (pos_ >= bytes_.size()) return false;
    const char* p = data + pos_;
    record.line = line_;
    bool last_field_quoted = false;
    for (;;) {
      Field field{{}, line_, static_cast<std::size_t>(p - data) - line_start_ + 1};
      last_field_quoted = p < end && *p == '"';
      if (last_field_quoted) {
        const std::size_t open_line = field.line, open_column = field.column;
        const char* content = ++p;
        bool doubled_quotes = false;
        for (;;) {
          if (p >= end)
            fail(open_line, open_column,
                 "unterminated quoted field: expected a closing '\"' before the end of the file");
          if (*p == '"') {
            if (p + 1 < end && p[1] == '"') {
              doubled_quotes = true;
              p += 2;
              continue;
            }
            break;
          }
          if (is_line_end(*p)) {
            skip_line_end(p);  // a line break inside quotes belongs to the field
            continue;
          }
          ++p;
        }
        const std::string_view raw(content, static_cast<std::size_t>(p - content));
        ++p;  // the closing quote
        if (doubled_quotes) {
          const std::size_t offset = unescaped_.size();
          for (std::size_t i = 0; i < raw.size(); ++i) {
            unescaped_ += raw[i];
            if (raw[i] == '"') ++i;  // "" -> "
          }
          unescaped_fields_.push_back({record.fields.size(), offset, unescaped_.size() - offset});
        } else {
          field.text = raw;
        }
        const bool at_separator =
            p < end && *p == sep_ && (!double_sep_ || (p + 1 < end && p[1] == ':'));
        if (p < end && !at_separator && !is_line_end(*p))
          fail(line_, static_cast<std::size_t>(p - data) - line_start_ + 1,
               "expected a separator or the end of the line after a closing quote, found " +
                   quote_for_message(rest_of_line(p, end)));
      } else {
        const char* q = p;
        for (;;) {
          while (q < end && !stops_[static_cast<unsigned char>(*q)]) ++q;
          // A single ':' inside a "::"-separated file is ordinary text.
          if (double_sep_ && q < end && *q == ':' && !(q + 1 < end && q[1] == ':')) {
            ++q;
            continue;
          }
          break;
        }
        field.text = std::string_view(p, static_cast<std::size_t>(q - p));
        p = q;
      }
      record.fields.push_back(field);
      if (p < end && *p == sep_) {
        p += double_sep_ ? 2 : 1;
        continue;
      }
      // End of the line or of the input.
      record.end_line = line_;
      record.end_column = static_cast<std::size_t>(p - data) - line_start_ + 1;
      if (p < end) skip_line_end(p);
      break;
    }
    pos_ = static_cast<std::size_t>(p - data);
    for (const Unescaped& u : unescaped_fields_)
      record.fields[u.field].text = std::string_view(unescaped_).substr(u.offset, u.length);
    const bool blank =
        record.fields.size() == 1 && !last_field_quoted && is_blank(record.fields[0].text);
    if (!blank) return true;
  }
}

}  // namespace tripletrec::csv

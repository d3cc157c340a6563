// A fast CSV tokenizer (internal to the engine): one record at a time, fields as string_views into
// the input, no allocation per field. Handles a UTF-8 BOM, CRLF / LF / CR line ends, RFC 4180
// quoting (separators, line breaks and doubled quotes inside quotes), blank lines, and the
// separators ',' '\t' '|' and "::" (detected from the first line).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "numbers.hpp"  // trim, parse_int64, parse_float

namespace tripletrec::csv {

struct Field {
  std::string_view text;  // content without the surrounding quotes, doubled quotes undone
  std::size_t line;       // 1-based line where the field starts
  std::size_t column;     // 1-based byte column where the field starts
};

struct Record {
  std::vector<Field> fields;
  std::size_t line = 0;        // line of the record's first byte
  std::size_t end_line = 0;    // line and column just past the record's last byte,
  std::size_t end_column = 0;  // where a missing field would have started
};

// The separator of a file, chosen from its first line (outside quotes): "::" when present, else
// the most frequent of '\t', '|', ',' (ties go to ',' then '\t'); ',' for a one-column line.
std::string detect_separator(std::string_view first_line);

class Reader {
 public:
  // `bytes` must outlive the reader and every record it fills.
  Reader(std::string_view bytes, std::string source);

  const std::string& source() const { return source_; }
  const std::string& separator() const { return separator_; }
  std::size_t size_bytes() const { return bytes_.size(); }

  // Fills `record` with the next non-blank record; false at the end of the input. Blank lines
  // (empty or spaces only) are skipped wherever they are. Views in `record` stay valid until the
  // next call. Throws ParseError on an unterminated quote or text after a closing quote.
  bool next(Record& record);

  // Fast path for callers parsing plain numeric rows: rest() gives the bytes from the read
  // position on (always the start of a line), consume_lines(bytes, lines) moves past the first
  // `bytes` of them, which must be exactly `lines` whole lines with their line ends (the last one
  // may end at the end of the input). A caller that cannot use the next line as it is (quotes,
  // blanks, a bad field) consumes nothing and calls next(), which reads that same line with the
  // full quoting rules and error reporting.
  std::string_view rest() const { return bytes_.substr(pos_); }
  void consume_lines(std::size_t bytes, std::size_t lines) {
    pos_ = line_start_ = pos_ + bytes;
    line_ += lines;
  }

  // A guess of the number of records left, from the byte count and the first lines' length,
  // for reserving column capacity (over-estimates a little rather than under).
  std::size_t estimate_rows() const;

  [[noreturn]] void fail(std::size_t line, std::size_t column, const std::string& message) const;

 private:
  void skip_line_end(const char*& p);

  std::string_view bytes_;
  std::string source_;
  std::string separator_;
  char sep_ = ',';
  bool double_sep_ = false;   // "::"
  std::array<bool, 256> stops_{};  // bytes that end an unquoted field (one test per byte)
  std::size_t pos_ = 0;       // next byte to read
  std::size_t line_ = 1;      // line of pos_
  std::size_t line_start_ = 0;
  // Quoted fields with doubled quotes are undone into one buffer per record; their views are set
  // when the record is complete (the buffer may grow while the record is read).
  struct Unescaped {
    std::size_t field, offset, length;
  };
  std::string unescaped_;
  std::vector<Unescaped> unescaped_fields_;
};

// "found ..." text for error messages: quoted, shortened, control characters escaped.
std::string quote_for_message(std::string_view text);

}  // namespace tripletrec::csv

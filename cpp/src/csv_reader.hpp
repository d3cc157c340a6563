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

  // Fast path for callers parsing plain numeric rows: peek() gives the bytes from the read
  // position on (at most kMaxPeek), consume_line(n) moves past the first n of them, which must be
  // exactly one line and its line end. A caller that cannot use the next line as it is (quotes,
  // blanks, a bad field) consumes nothing and calls next(), which reads that same line with the
  // full quoting rules and error reporting.
  static constexpr std::size_t kMaxPeek = 4096;
  std::string_view peek() const { return bytes_.substr(pos_, kMaxPeek); }
  void consume_line(std::size_t bytes) {
    pos_ = line_start_ = pos_ + bytes;
    ++line_;
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

// Number parsing by hand (fast, locale-free, the same natively and in wasm, where libc++ has no
// floating-point from_chars). Surrounding spaces are allowed; anything else makes them fail.
// Integers: optional sign and up to 18 digits. Reals: decimal with optional fraction and
// exponent ("8", "-1", "4.5", ".5", "1e3"); "nan", "inf", hex and out-of-range values fail.
bool parse_int64(std::string_view text, std::int64_t& out);
bool parse_float(std::string_view text, float& out);

std::string_view trim(std::string_view text);  // spaces and tabs at both ends

// "found ..." text for error messages: quoted, shortened, control characters escaped.
std::string quote_for_message(std::string_view text);

}  // namespace tripletrec::csv

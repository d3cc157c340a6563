// The CSV tokenizer and the hand-written number parsers.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "../../cpp/src/csv_reader.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec::csv {
namespace {

using Rows = std::vector<std::vector<std::string>>;

Rows read_all(std::string_view bytes) {
  Reader reader(bytes, "test.csv");
  Record record;
  Rows rows;
  while (reader.next(record)) {
    std::vector<std::string> row;
    for (const Field& f : record.fields) row.emplace_back(f.text);
    rows.push_back(row);
  }
  return rows;
}

ParseError tokenizer_error(std::string_view bytes) {
  try {
    read_all(bytes);
  } catch (const ParseError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ParseError for: " << bytes;
  return ParseError("", 0, 0, "");
}

TEST(CsvSeparator, DetectedFromTheFirstLine) {
  EXPECT_EQ(detect_separator("user_id,anime_id,rating"), ",");
  EXPECT_EQ(detect_separator("196\t242\t3\t881250949"), "\t");
  EXPECT_EQ(detect_separator("1::1193::5::978300760"), "::");
  EXPECT_EQ(detect_separator("1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1"), "|");
  // More pipes than commas, but commas outside quotes decide for the header line of movies.csv.
  EXPECT_EQ(detect_separator("movieId,title,genres"), ",");
  EXPECT_EQ(detect_separator("\"a|b|c|d\",x,y"), ",");  // separators inside quotes do not count
  EXPECT_EQ(detect_separator("onecolumn"), ",");
}

TEST(CsvReader, EachSeparator) {
  const Rows expected = {{"1", "2", "3"}, {"4", "5", "6"}};
  EXPECT_EQ(read_all("1,2,3\n4,5,6\n"), expected);
  EXPECT_EQ(read_all("1\t2\t3\n4\t5\t6\n"), expected);
  EXPECT_EQ(read_all("1|2|3\n4|5|6\n"), expected);
  EXPECT_EQ(read_all("1::2::3\n4::5::6\n"), expected);
}

TEST(CsvReader, SingleColonInsideDoubleColonFile) {
  EXPECT_EQ(read_all("1::Star Wars: Episode IV (1977)::Action\n"),
            (Rows{{"1", "Star Wars: Episode IV (1977)", "Action"}}));
}

TEST(CsvReader, QuotedFieldsWithSeparatorsDoubledQuotesAndLineBreaks) {
  const Rows rows = read_all(
      "id,name,genre\n"
      "1,\"Drama, Romance\",\"say \"\"hi\"\"\"\n"
      "2,\"two\nlines\",\"\"\n"
      "3,\"a\"\"b\",\"c, \"\"d\"\", e\"\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "Drama, Romance", "say \"hi\""}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"2", "two\nlines", ""}));
  // Two unescaped fields in one record both keep their own text.
  EXPECT_EQ(rows[3], (std::vector<std::string>{"3", "a\"b", "c, \"d\", e"}));
}

TEST(CsvReader, LineNumbersCountLineBreaksInsideQuotes) {
  Reader reader("a,b\n1,\"x\ny\"\n2,z\n", "t.csv");
  Record record;
  ASSERT_TRUE(reader.next(record));
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.line, 2u);
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.line, 4u);
  EXPECT_EQ(record.fields[1].line, 4u);
  EXPECT_EQ(record.fields[1].column, 3u);
}

TEST(CsvReader, CrlfBomTrailingNewlineAndBlankLines) {
  const Rows expected = {{"user_id", "rating"}, {"1", "8"}, {"2", "-1"}};
  EXPECT_EQ(read_all("user_id,rating\r\n1,8\r\n2,-1\r\n"), expected);
  EXPECT_EQ(read_all("user_id,rating\r\n1,8\r\n2,-1"), expected);           // no final line end
  EXPECT_EQ(read_all("\xEF\xBB\xBFuser_id,rating\n1,8\n2,-1\n"), expected);  // BOM
  EXPECT_EQ(read_all("user_id,rating\n1,8\n2,-1\n\n\r\n  \n"), expected);    // blank lines at end
  EXPECT_EQ(read_all("user_id,rating\n\n1,8\n2,-1\n"), expected);           // and in the middle
  EXPECT_EQ(read_all("user_id,rating\r1,8\r2,-1\r"), expected);             // old Mac line ends
  EXPECT_TRUE(read_all("").empty());
  EXPECT_TRUE(read_all("\n\r\n").empty());
}

TEST(CsvReader, BomDoesNotCountInColumns) {
  Reader reader("\xEF\xBB\xBF" "a,b\n", "t.csv");
  Record record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.fields[0].column, 1u);
  EXPECT_EQ(record.fields[1].column, 3u);
}

TEST(CsvReader, EmptyFieldsAndEndColumn) {
  Reader reader("1,,3\n4,5\n", "t.csv");
  Record record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.fields.size(), 3u);
  EXPECT_EQ(record.fields[1].text, "");
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.fields.size(), 2u);
  EXPECT_EQ(record.end_line, 2u);
  EXPECT_EQ(record.end_column, 4u);  // where a third field would have started
}

TEST(CsvReaderErrors, UnterminatedQuoteNamesTheOpeningQuote) {
  const ParseError e = tokenizer_error("id,name\n1,ok\n2,\"never closed\n3,x\n");
  EXPECT_EQ(e.file, "test.csv");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 3u);
  EXPECT_NE(std::string(e.what()).find("unterminated quoted field"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("test.csv:3:3:"), std::string::npos) << e.what();
}

TEST(CsvReaderErrors, TextAfterClosingQuote) {
  const ParseError e = tokenizer_error("id,name\n1,\"ab\"c,x\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 7u);  // the 'c'
  EXPECT_NE(std::string(e.what()).find("after a closing quote, found 'c,x'"), std::string::npos)
      << e.what();
}

TEST(CsvReader, EstimateRowsIsCloseAndNotBelow) {
  std::string bytes = "user_id,anime_id,rating\n";
  for (int i = 0; i < 50000; ++i) bytes += std::to_string(i % 977) + ",12345,8\n";
  Reader reader(bytes, "t.csv");
  EXPECT_GE(reader.estimate_rows(), 50001u);
  EXPECT_LE(reader.estimate_rows(), 60000u);
}

TEST(CsvNumbers, Integers) {
  std::int64_t v = 0;
  EXPECT_TRUE(parse_int64("12345", v));
  EXPECT_EQ(v, 12345);
  EXPECT_TRUE(parse_int64(" -7 ", v));
  EXPECT_EQ(v, -7);
  EXPECT_TRUE(parse_int64("999999999999999999", v));  // 18 digits
  EXPECT_EQ(v, 999999999999999999LL);
  for (const char* bad : {"", " ", "-", "1.5", "1e3", "12a", "a12", "9999999999999999999", "1 2"})
    EXPECT_FALSE(parse_int64(bad, v)) << bad;
}

TEST(CsvNumbers, Reals) {
  float v = 0;
  const std::pair<const char*, float> good[] = {
      {"8", 8.0f},     {"-1", -1.0f},   {"4.5", 4.5f},       {"0.5", 0.5f},     {".5", 0.5f},
      {"5.", 5.0f},    {"9.37", 9.37f}, {" 3.0 ", 3.0f},     {"1e3", 1000.0f},  {"2.5E-1", 0.25f},
      {"+2", 2.0f},    {"0", 0.0f},     {"0.000123", 0.000123f},
      {"12345678901234567890123", static_cast<float>(1.2345678901234567890123e22)}};  // strtod fallback
  for (const auto& [text, expected] : good) {
    ASSERT_TRUE(parse_float(text, v)) << text;
    EXPECT_EQ(v, expected) << text;
  }
  for (const char* bad : {"", "abc", "nan", "inf", "-inf", "0x10", "1.2.3", "1e", "e5", ".", "-",
                          "1e999", "4,5"})
    EXPECT_FALSE(parse_float(bad, v)) << bad;
}

TEST(CsvMessages, QuoteForMessageShortensAndEscapes) {
  EXPECT_EQ(quote_for_message("abc"), "'abc'");
  EXPECT_EQ(quote_for_message("a\tb\r\n"), "'a\\tb\\r\\n'");
  EXPECT_EQ(quote_for_message(std::string(50, 'x')), "'" + std::string(40, 'x') + "...'");
}

}  // namespace
}  // namespace tripletrec::csv

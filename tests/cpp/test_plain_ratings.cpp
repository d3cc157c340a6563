// The ratings fast path (cpp/src/plain_ratings.cpp): what it takes, where it stops, and that it
// gives bit for bit the values of the general path (tokenizer + parse_int64 / parse_float).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../../cpp/src/numbers.hpp"
#include "../../cpp/src/plain_ratings.hpp"
#include "tripletrec/data.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec::csv {
namespace {

struct Columns {
  explicit Columns(std::size_t capacity) : user(capacity), item(capacity), rating(capacity) {}
  RatingsChunk chunk() { return {user.data(), item.data(), rating.data(), user.size()}; }
  std::vector<std::int64_t> user, item;
  std::vector<float> rating;
};

std::uint32_t bits(float value) {
  std::uint32_t out;
  std::memcpy(&out, &value, sizeof out);
  return out;
}

TEST(PlainRatings, ReadsPlainLinesWithEveryLineEnd) {
  const std::string bytes = "1,10,8\n2,20,-1\r\n3,30,4.5\r4,40,7";
  Columns columns(16);
  const PlainRun run = parse_plain_ratings(bytes, PlainRatingsLayout{}, columns.chunk());
  EXPECT_EQ(run.rows, 4u);
  EXPECT_EQ(run.bytes, bytes.size());
  EXPECT_EQ(columns.user[3], 4);
  EXPECT_EQ(columns.item[2], 30);
  EXPECT_EQ(columns.rating[1], -1.0f);
  EXPECT_EQ(columns.rating[2], 4.5f);
}

TEST(PlainRatings, StopsBeforeTheFirstLineItCannotTake) {
  Columns columns(16);
  for (const std::string odd : {"\"3\",30,4\n", "3,30\n", "3,30,4,5\n", "\n", "3,x,4\n",
                                "3,30,4e\n", "3, 30,nan\n"}) {
    const std::string plain = "1,10,8\n2,20,7\n";
    const PlainRun run = parse_plain_ratings(plain + odd + "4,40,2\n", PlainRatingsLayout{},
                                             columns.chunk());
    EXPECT_EQ(run.rows, 2u) << odd;
    EXPECT_EQ(run.bytes, plain.size()) << odd;
  }
}

TEST(PlainRatings, TakesSpacesSignsAndExtraColumnsLikeTheGeneralPath) {
  const std::string bytes = " 1 ,+20, 3.5 ,x\"y\n007,-0,-0,\n5,6,1e1,\n";
  Columns columns(16);
  PlainRatingsLayout layout;
  layout.fields = 4;
  const PlainRun run = parse_plain_ratings(bytes, layout, columns.chunk());
  ASSERT_EQ(run.rows, 3u);
  EXPECT_EQ(columns.user[0], 1);
  EXPECT_EQ(columns.item[0], 20);
  EXPECT_EQ(columns.rating[0], 3.5f);
  EXPECT_EQ(columns.user[1], 7);
  EXPECT_EQ(columns.item[1], 0);
  EXPECT_EQ(bits(columns.rating[1]), bits(-0.0f));
  EXPECT_EQ(columns.rating[2], 10.0f);  // an exponent: parse_float reads it
}

TEST(PlainRatings, ColumnsInAnyOrderAndAnotherSeparator) {
  const std::string bytes = "9\t4.5\t12\t77\n";
  Columns columns(4);
  const PlainRatingsLayout layout{4, 2, 3, 1, '\t'};  // fields, user, item, rating, separator
  const PlainRun run = parse_plain_ratings(bytes, layout, columns.chunk());
  ASSERT_EQ(run.rows, 1u);
  EXPECT_EQ(columns.user[0], 12);
  EXPECT_EQ(columns.item[0], 77);
  EXPECT_EQ(columns.rating[0], 4.5f);
}

TEST(PlainRatings, StopsWhenTheChunkIsFull) {
  const std::string bytes = "1,1,1\n2,2,2\n3,3,3\n";
  Columns columns(2);
  const PlainRun run = parse_plain_ratings(bytes, PlainRatingsLayout{}, columns.chunk());
  EXPECT_EQ(run.rows, 2u);
  EXPECT_EQ(run.bytes, 12u);
}

TEST(PlainRatings, RatingsAreBitForBitThoseOfParseFloat) {
  std::mt19937_64 random(7);
  std::vector<std::string> texts = {"0", "10", "0.05", "007.5", ".5", "5.", "-0.0", "9.37",
                                    "123456789012345", "1234567.89012345", "0.000000000000001"};
  for (int i = 0; i < 20000; ++i) {  // random decimals with 1-15 digits
    const int digits = 1 + static_cast<int>(random() % 15);
    std::string text = random() % 2 ? "-" : "";
    const int point = static_cast<int>(random() % (digits + 1));
    for (int d = 0; d < digits; ++d) {
      if (d == point && d > 0) text += '.';
      text += static_cast<char>('0' + random() % 10);
    }
    texts.push_back(text);
  }
  Columns columns(1);
  for (const std::string& text : texts) {
    float expected = 0;
    ASSERT_TRUE(parse_float(text, expected)) << text;
    const PlainRun run = parse_plain_ratings("1,2," + text + "\n", PlainRatingsLayout{}, columns.chunk());
    ASSERT_EQ(run.rows, 1u) << text;
    EXPECT_EQ(bits(columns.rating[0]), bits(expected)) << text;
  }
}

// Through parse_ratings: runs of plain lines over several chunks, with lines the fast path leaves
// to the tokenizer at places that fall on and next to the chunk boundaries.
TEST(PlainRatings, ChunkedParseMatchesTheGeneralPathAndCountsLines) {
  std::string mixed = "user_id,anime_id,rating\n", quoted = mixed;
  const int rows = 3 * 4096 + 100;
  for (int r = 0; r < rows; ++r) {
    const std::string u = std::to_string(r / 9 + 1), i = std::to_string(r * 31 % 7000),
                      rating = std::to_string(r % 11 - 1) + (r % 3 ? "" : ".5");
    const bool odd_line = r % 4096 == 0 || r % 4096 == 4095 || r % 1000 == 7;
    mixed += odd_line ? "\"" + u + "\", " + i + " ," + rating + "\r\n" : u + "," + i + "," + rating + "\n";
    quoted += "\"" + u + "\",\"" + i + "\",\"" + rating + "\"\n";
  }
  const RatingsTable fast = parse_ratings(mixed, "mixed.csv"), general = parse_ratings(quoted, "quoted.csv");
  ASSERT_EQ(fast.size(), static_cast<std::size_t>(rows));
  EXPECT_EQ(fast.user, general.user);
  EXPECT_EQ(fast.item, general.item);
  EXPECT_EQ(fast.rating, general.rating);

  // An error after many fast lines still names its line and column.
  try {
    parse_ratings(mixed + "5,6,bad\n", "mixed.csv");
    ADD_FAILURE() << "expected a ParseError";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line, static_cast<std::size_t>(rows) + 2);
    EXPECT_EQ(e.column, 5u);
    EXPECT_STREQ(e.what(), ("mixed.csv:" + std::to_string(rows + 2) +
                            ":5: expected a number in column 'rating', found 'bad'").c_str());
  }
}

// Long digit runs must neither overflow (UBSan checks this in the sanitizer build) nor be taken:
// ids beyond 2^53 - 1 and ratings of more than 15 digits go to the general path.
TEST(PlainRatings, LongDigitRunsAreLeftToTheGeneralPath) {
  Columns columns(4);
  for (const std::string odd : {"9999999999999999999,1,1\n", "1,99999999999999999999999,1\n",
                                "9007199254740992,1,1\n", "-9007199254740992,1,1\n"}) {
    const PlainRun run = parse_plain_ratings("1,1,1\n" + odd, PlainRatingsLayout{}, columns.chunk());
    EXPECT_EQ(run.rows, 1u) << odd;
  }
  // A long rating is parse_float's to read (the fast loop only counts its digits).
  const PlainRun rating = parse_plain_ratings("1,1,99999999999999999999999999999999.5\n", PlainRatingsLayout{},
                                              columns.chunk());
  ASSERT_EQ(rating.rows, 1u);
  EXPECT_EQ(columns.rating[0], 1e32f);
  const PlainRun edge = parse_plain_ratings("9007199254740991,-9007199254740991,1\n",
                                            PlainRatingsLayout{}, columns.chunk());
  ASSERT_EQ(edge.rows, 1u);
  EXPECT_EQ(columns.user[0], kMaxExactId);
  EXPECT_EQ(columns.item[0], -kMaxExactId);
}

TEST(ClassifyInteger, TellsIntegersTooLargeForInt64FromText) {
  std::int64_t v = 0;
  EXPECT_EQ(classify_integer("9223372036854775807", v), IntegerText::Integer);
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_EQ(classify_integer("-9223372036854775808", v), IntegerText::Integer);
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_EQ(classify_integer(" +0042 ", v), IntegerText::Integer);
  EXPECT_EQ(v, 42);
  EXPECT_EQ(classify_integer("9223372036854775808", v), IntegerText::BeyondInt64);
  EXPECT_EQ(classify_integer("-9223372036854775809", v), IntegerText::BeyondInt64);
  EXPECT_EQ(classify_integer(std::string(300, '9'), v), IntegerText::BeyondInt64);
  for (const char* text : {"", "-", "1.5", "1e3", "x", "12a", "--1"})
    EXPECT_EQ(classify_integer(text, v), IntegerText::NotInteger) << text;
}

}  // namespace
}  // namespace tripletrec::csv

// Ratings and item-metadata files: formats, quoting, entities, every kind of bad line, real data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "../../cpp/src/text_encoding.hpp"
#include "test_support.hpp"
#include "tripletrec/data.hpp"
#include "tripletrec/error.hpp"

namespace tripletrec {
namespace {

template <class Parse>
ParseError parse_error(Parse&& parse) {
  try {
    parse();
  } catch (const ParseError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ParseError";
  return ParseError("", 0, 0, "");
}

ParseError ratings_error(const std::string& bytes) {
  return parse_error([&] { parse_ratings(bytes, "ratings.csv"); });
}
ParseError items_error(const std::string& bytes) {
  return parse_error([&] { parse_items(bytes, "items.csv"); });
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- ids beyond what JavaScript represents exactly (2^53 - 1) ----------------------------------

TEST(ParseIds, TheLargestExactIdsLoad) {
  const RatingsTable t = parse_ratings("1,1,1\n9007199254740991,-9007199254740991,5\n", "r.csv");
  EXPECT_EQ(t.user[1], 9007199254740991);
  EXPECT_EQ(t.item[1], -9007199254740991);
}

TEST(ParseIds, IdsBeyondTwoToThe53AreRefusedWithTheReason) {
  // The fast path (plain lines) and the general path (quoted) give the same error.
  for (const std::string row : {"9007199254740992,1,1", "\"9007199254740992\",1,1"}) {
    const ParseError e = ratings_error("1,1,1\n" + row + "\n");
    EXPECT_STREQ(e.what(), "ratings.csv:2:1: user id 9007199254740992 in column 'user' is beyond "
                           "9007199254740991 (2^53 - 1) in absolute value, which JavaScript cannot "
                           "represent exactly; use ids within that range") << row;
  }
  const ParseError item = ratings_error("user_id,anime_id,rating\n1,-1234567890123456789,1\n");
  EXPECT_STREQ(item.what(), "ratings.csv:2:3: item id -1234567890123456789 in column 'anime_id' is "
                            "beyond 9007199254740991 (2^53 - 1) in absolute value, which JavaScript "
                            "cannot represent exactly; use ids within that range");
}

TEST(ParseIds, IdsBeyondInt64AreOutOfRangeNotText) {
  // 19 digits over int64, on the first line too (it is a data row, not a header).
  const ParseError first = ratings_error("9999999999999999999,1,1\n");
  EXPECT_STREQ(first.what(), "ratings.csv:1:1: user id '9999999999999999999' in column 'user' is out "
                             "of range (beyond 64-bit integers); ids must be within 9007199254740991 "
                             "(2^53 - 1) in absolute value");
  const ParseError later = ratings_error("1,1,1\n2,99999999999999999999,1\n");
  EXPECT_EQ(later.line, 2u);
  EXPECT_EQ(later.column, 3u);
  EXPECT_TRUE(contains(later.what(), "is out of range (beyond 64-bit integers)")) << later.what();
}

TEST(ParseIds, ItemFileIdsHaveTheSameLimit) {
  const ParseError e = items_error("movieId,title,genres\n1,A,Drama\n9007199254740993,B,Drama\n");
  EXPECT_STREQ(e.what(), "items.csv:3:1: id 9007199254740993 in column 'movieId' is beyond "
                         "9007199254740991 (2^53 - 1) in absolute value, which JavaScript cannot "
                         "represent exactly; use ids within that range");
}

// ---- encodings the engine does not read -------------------------------------------------------

TEST(ParseEncodings, Utf16AndUtf32FilesSaySo) {
  using namespace std::string_literals;
  const std::string utf16le = "\xFF\xFEu\0s\0e\0r\0"s, utf16be = "\xFE\xFF\0u\0s\0e\0r"s;
  const std::string no_bom_le = "u\0s\0e\0r\0"s, utf32le = "\xFF\xFE\0\0u\0\0\0"s, utf32be = "\0\0\0u\0\0\0s"s;
  EXPECT_STREQ(ratings_error(utf16le).what(),
               "ratings.csv:1:1: expected UTF-8 (or ASCII) text, found UTF-16 (little-endian) text; save the "
               "file as UTF-8 and load it again");
  EXPECT_TRUE(contains(ratings_error(utf16be).what(), "found UTF-16 (big-endian) text"));
  EXPECT_TRUE(contains(items_error(no_bom_le).what(), "found UTF-16 (little-endian) text"));
  EXPECT_TRUE(contains(items_error(utf32le).what(), "found UTF-32 (little-endian) text"));
  EXPECT_TRUE(contains(ratings_error(utf32be).what(), "found UTF-32 (big-endian) text"));
  // UTF-8 with a BOM is read.
  EXPECT_EQ(parse_ratings("\xEF\xBB\xBF" "1,2,3\n", "r.csv").size(), 1u);
}

TEST(ParseItems, GenresHaveTheirEntitiesDecodedLikeNames) {
  const ItemCatalog c = parse_items("id,name,genres\n1,Tom &amp; Jerry,Kids &amp; Family|Comedy\n", "i.csv");
  EXPECT_EQ(c.name[0], "Tom & Jerry");
  EXPECT_EQ(c.genres[0], "Kids & Family, Comedy");
}

// ---- ratings: formats ----------------------------------------------------------------------

TEST(ParseRatings, AnimeHeader) {
  const RatingsTable t = parse_ratings("user_id,anime_id,rating\n1,20,-1\n1,24,8\n2,79,6\n", "r.csv");
  EXPECT_EQ(t.source, "r.csv");
  EXPECT_EQ(t.user, (std::vector<std::int64_t>{1, 1, 2}));
  EXPECT_EQ(t.item, (std::vector<std::int64_t>{20, 24, 79}));
  EXPECT_EQ(t.rating, (std::vector<float>{-1, 8, 6}));
}

TEST(ParseRatings, MovieLensHeaderHalfStarsAndTimestamp) {
  const RatingsTable t = parse_ratings(
      "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n6,2,0.5,845553522\n",
      "ratings.csv");
  EXPECT_EQ(t.user, (std::vector<std::int64_t>{1, 1, 6}));
  EXPECT_EQ(t.item, (std::vector<std::int64_t>{1, 3, 2}));
  EXPECT_EQ(t.rating, (std::vector<float>{4.0f, 4.5f, 0.5f}));
}

TEST(ParseRatings, HeaderNamesAreCaseInsensitiveAndFoundInAnyOrder) {
  const RatingsTable t = parse_ratings("Rating,ITEM_ID,timestamp,User\n5,10,0,3\n2,11,0,4\n", "r.csv");
  EXPECT_EQ(t.user, (std::vector<std::int64_t>{3, 4}));
  EXPECT_EQ(t.item, (std::vector<std::int64_t>{10, 11}));
  EXPECT_EQ(t.rating, (std::vector<float>{5, 2}));
}

TEST(ParseRatings, HeaderlessByPositionWithEachSeparator) {
  const std::vector<std::int64_t> users = {196, 186, 22}, items = {242, 302, 377};
  const std::vector<float> ratings = {3, 3, 1};
  // MovieLens 100k u.data / ua.base: tab separated, user item rating timestamp, no header.
  const std::string u_data = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n";
  for (const std::string& bytes :
       {u_data, std::string("196::242::3::881250949\n186::302::3::891717742\n22::377::1::878887116\n"),
        std::string("196|242|3\n186|302|3\n22|377|1\n"), std::string("196,242,3\n186,302,3\n22,377,1")}) {
    const RatingsTable t = parse_ratings(bytes, "u.data");
    EXPECT_EQ(t.user, users) << bytes;
    EXPECT_EQ(t.item, items) << bytes;
    EXPECT_EQ(t.rating, ratings) << bytes;
  }
}

TEST(ParseRatings, CrlfBomQuotesSpacesAndBlankLines) {
  const std::vector<std::int64_t> users = {1, 2};
  for (const std::string& bytes :
       {std::string("\xEF\xBB\xBFuser_id,anime_id,rating\r\n1,20,8\r\n2,30,-1\r\n"),
        std::string("user_id,anime_id,rating\r\n1,20,8\r\n2,30,-1"),
        std::string("\"user_id\",\"anime_id\",\"rating\"\n\"1\",\"20\",\"8\"\n\"2\",\"30\",\"-1\"\n"),
        std::string("user_id, anime_id, rating\n 1, 20, 8\n2 ,30 ,-1 \n"),
        std::string("user_id,anime_id,rating\n1,20,8\n\n2,30,-1\n\n\r\n\n")}) {
    const RatingsTable t = parse_ratings(bytes, "r.csv");
    EXPECT_EQ(t.user, users) << bytes;
    EXPECT_EQ(t.item, (std::vector<std::int64_t>{20, 30})) << bytes;
    EXPECT_EQ(t.rating, (std::vector<float>{8, -1})) << bytes;
  }
}

TEST(ParseRatings, FastAndGeneralPathsAgree) {
  // The same rows plain (fast path) and with every field quoted (general tokenizer).
  std::string plain = "userId,movieId,rating,timestamp\n", quoted = plain;
  for (int r = 0; r < 3000; ++r) {
    const std::string u = std::to_string(r / 7 + 1), i = std::to_string((r * 7919) % 5000);
    const std::string rating = std::to_string(r % 10) + (r % 2 ? ".5" : ".0");
    plain += u + "," + i + "," + rating + ",97" + std::to_string(r) + "\n";
    quoted += "\"" + u + "\",\"" + i + "\",\"" + rating + "\",\"9,7\"\r\n";
  }
  const RatingsTable a = parse_ratings(plain, "plain.csv"), b = parse_ratings(quoted, "quoted.csv");
  ASSERT_EQ(a.size(), 3000u);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.item, b.item);
  EXPECT_EQ(a.rating, b.rating);
  EXPECT_EQ(a.rating[3], 3.5f);
}

// ---- ratings: every kind of bad input --------------------------------------------------------

TEST(ParseRatingsErrors, NotANumberNamesLineColumnAndColumnName) {
  const ParseError e = ratings_error("user_id,anime_id,rating\n1,20,8\n1,24,abc\n2,5,5\n");
  EXPECT_EQ(e.file, "ratings.csv");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 6u);
  EXPECT_STREQ(e.what(), "ratings.csv:3:6: expected a number in column 'rating', found 'abc'");
}

TEST(ParseRatingsErrors, BadNumberOnACrlfLastLineWithoutLineEnd) {
  const ParseError e = ratings_error("userId,movieId,rating,timestamp\r\n1,2,4.0,9\r\n1,3,four,9");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 5u);
  EXPECT_TRUE(contains(e.what(), "found 'four'")) << e.what();
}

TEST(ParseRatingsErrors, BadUserAndItemIds) {
  ParseError e = ratings_error("user_id,anime_id,rating\n1,20,8\nx1,24,7\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 1u);
  EXPECT_TRUE(contains(e.what(), "expected an integer user id in column 'user_id', found 'x1'")) << e.what();
  e = ratings_error("196\t242\t3\t1\n186\t3.5\t3\t1\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 5u);
  EXPECT_TRUE(contains(e.what(), "integer item id in column 'item', found '3.5'")) << e.what();
}

TEST(ParseRatingsErrors, EmptyAndNonFiniteRatings) {
  ParseError e = ratings_error("user_id,anime_id,rating\n1,20,\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 6u);
  EXPECT_TRUE(contains(e.what(), "found an empty field")) << e.what();
  e = ratings_error("1,20,nan\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.column, 6u);
}

TEST(ParseRatingsErrors, TooFewFields) {
  const ParseError e = ratings_error("user_id,anime_id,rating\n1,20,8\n2,24\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 5u);  // just past "2,24", where the rating should start
  EXPECT_TRUE(contains(e.what(), "expected 3 fields (user_id, anime_id, rating), found 2")) << e.what();
}

TEST(ParseRatingsErrors, TooManyFields) {
  const ParseError e = ratings_error("1,20,8\n2,24,7,5,9\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 8u);  // the first extra field
  EXPECT_TRUE(contains(e.what(), "expected 3 fields")) << e.what();
}

TEST(ParseRatingsErrors, HeaderlessFileNeedsThreeOrFourFields) {
  const ParseError e = ratings_error("1,2\n3,4\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.column, 4u);
  EXPECT_TRUE(contains(e.what(), "expected 3 or 4 fields (user, item, rating[, timestamp])")) << e.what();
}

TEST(ParseRatingsErrors, UnterminatedQuote) {
  const ParseError e = ratings_error("user_id,anime_id,rating\n1,20,8\n1,\"24,8\n2,5,5\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 3u);
  EXPECT_TRUE(contains(e.what(), "unterminated quoted field")) << e.what();
}

TEST(ParseRatingsErrors, EmptyFileAndHeaderOnly) {
  for (const std::string bytes : {"", "\n\n", "\xEF\xBB\xBF"}) {
    const ParseError e = ratings_error(bytes);
    EXPECT_EQ(e.line, 1u);
    EXPECT_EQ(e.column, 1u);
    EXPECT_TRUE(contains(e.what(), "found an empty file")) << e.what();
  }
  const ParseError e = ratings_error("user_id,anime_id,rating\r\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 1u);
  EXPECT_TRUE(contains(e.what(), "expected rating rows after the header, found none")) << e.what();
}

TEST(ParseRatingsErrors, HeaderWithoutTheNeededColumns) {
  ParseError e = ratings_error("user_id,anime_id,score\n1,2,3\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_TRUE(contains(e.what(), "a 'rating' column")) << e.what();
  EXPECT_FALSE(contains(e.what(), "a user column")) << e.what();
  // A first line that is data with a bad id is reported as such, not as a strange header.
  e = ratings_error("x,5,8\n1,2,3\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_EQ(e.column, 1u);
  EXPECT_TRUE(contains(e.what(), "expected an integer user id in column 1, found 'x'")) << e.what();
}

// ---- items -------------------------------------------------------------------------------------

const char* const kAnimeSample =
    "anime_id,name,genre,type,episodes,rating,members\r\n"
    "32281,Kimi no Na wa.,\"Drama, Romance, School, Supernatural\",Movie,1,9.37,200630\r\n"
    "9969,Gintama&#039;,\"Action, Comedy, Historical, Parody, Samurai, Sci-Fi, Shounen\",TV,51,9.16,151266\r\n"
    "34502,Tom &amp; &quot;Jerry&quot;,,,Unknown,,120\r\n";

TEST(ParseItems, AnimeCsv) {
  const ItemCatalog c = parse_items(kAnimeSample, "anime.csv");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.id, (std::vector<std::int64_t>{32281, 9969, 34502}));
  EXPECT_EQ(c.name[1], "Gintama'");
  EXPECT_EQ(c.name[2], "Tom & \"Jerry\"");
  EXPECT_EQ(c.genres[0], "Drama, Romance, School, Supernatural");
  EXPECT_EQ(c.genres[2], "");
  EXPECT_EQ(c.type, (std::vector<std::string>{"Movie", "TV", ""}));
  EXPECT_EQ(c.episodes, (std::vector<std::string>{"1", "51", "Unknown"}));
  EXPECT_FLOAT_EQ(c.avg_rating[1], 9.16f);
  EXPECT_TRUE(std::isnan(c.avg_rating[2]));
  EXPECT_EQ(c.members, (std::vector<std::int64_t>{200630, 151266, 120}));
  EXPECT_EQ(c.row(9969), 1);
  EXPECT_EQ(c.row(34502), 2);
  EXPECT_EQ(c.row(12345), -1);
  EXPECT_EQ(c.row_of_id.size(), 3u);
}

TEST(ParseItems, MovieLensMoviesCsv) {
  const ItemCatalog c = parse_items(
      "movieId,title,genres\n"
      "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
      "11,\"American President, The (1995)\",Comedy|Drama|Romance\n"
      "182727,A Christmas Story Live! (2017),(no genres listed)\n",
      "movies.csv");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.name[1], "American President, The (1995)");
  EXPECT_EQ(c.genres[0], "Adventure, Animation, Children, Comedy, Fantasy");
  EXPECT_EQ(c.genres[1], "Comedy, Drama, Romance");
  EXPECT_EQ(c.genres[2], "");
  EXPECT_EQ(c.type[0], "");
  EXPECT_EQ(c.episodes[0], "");
  EXPECT_TRUE(std::isnan(c.avg_rating[0]));
  EXPECT_EQ(c.members[0], -1);
  EXPECT_EQ(c.row(182727), 2);
}

TEST(ParseItems, MovieLens100kUItemWithGenreFlagsAndLatin1) {
  const std::string flags_toy_story = "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0";
  const std::string flags_goldeneye = "|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|1|0|0";
  const std::string flags_none = "|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0";
  const ItemCatalog c = parse_items(
      "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)" +
          flags_toy_story + "\n2|GoldenEye (1995)|01-Jan-1995||http://x" + flags_goldeneye +
          "\n3|Mis\xe9rables, Les (1995)|01-Jan-1995||http://x" + flags_none + "\n",
      "u.item");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c.id, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(c.name[0], "Toy Story (1995)");
  EXPECT_EQ(c.genres[0], "Animation, Children's, Comedy");
  EXPECT_EQ(c.genres[1], "Action, Adventure, Thriller");
  EXPECT_EQ(c.genres[2], "");
  EXPECT_EQ(c.name[2], "Mis\xc3\xa9rables, Les (1995)");  // Latin-1 é read as UTF-8 é
}

TEST(ParseItems, HeaderlessMoviesDat) {
  const ItemCatalog c = parse_items("1::Toy Story (1995)::Animation|Children's|Comedy\n", "movies.dat");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c.name[0], "Toy Story (1995)");
  EXPECT_EQ(c.genres[0], "Animation, Children's, Comedy");
}

TEST(ParseItemsErrors, DuplicateIdIsAnErrorNamingBothLines) {
  const ParseError e = items_error("anime_id,name\n1,a\n2,b\n1,c\n");
  EXPECT_EQ(e.line, 4u);
  EXPECT_EQ(e.column, 1u);
  EXPECT_TRUE(contains(e.what(), "found id 1 again (first on line 2)")) << e.what();
}

TEST(ParseItemsErrors, BadFields) {
  ParseError e = items_error("anime_id,name,genre,type,episodes,rating,members\n1,a,,TV,1,high,5\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 11u);
  EXPECT_TRUE(contains(e.what(), "expected a number in column 'rating', found 'high'")) << e.what();
  e = items_error("anime_id,name,genre,type,episodes,rating,members\n1,a,,TV,1,8,many\n");
  EXPECT_EQ(e.column, 13u);
  EXPECT_TRUE(contains(e.what(), "integer member count in column 'members'")) << e.what();
  e = items_error("movieId,title,genres\n1,a,b\nabc,x,y\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 1u);
  EXPECT_TRUE(contains(e.what(), "expected an integer id in column 'movieId', found 'abc'")) << e.what();
  const std::string flags = "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0";
  e = items_error("1|A|d||u" + flags + "\n2|B|d||u|0|2" + flags.substr(4) + "\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 12u);
  EXPECT_TRUE(contains(e.what(), "genre flag 0 or 1 in column 'Action', found '2'")) << e.what();
}

TEST(ParseItemsErrors, FieldCountsEmptyFileHeaderOnlyAndHeaderNames) {
  ParseError e = items_error("movieId,title,genres\n1,a,b\n2,c\n");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 4u);
  EXPECT_TRUE(contains(e.what(), "expected 3 fields (movieId, title, genres), found 2")) << e.what();
  e = items_error("");
  EXPECT_EQ(e.line, 1u);
  EXPECT_TRUE(contains(e.what(), "found an empty file")) << e.what();
  e = items_error("movieId,title,genres\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_TRUE(contains(e.what(), "expected item rows after the header, found none")) << e.what();
  e = items_error("code,label\n1,a\n");
  EXPECT_EQ(e.line, 1u);
  EXPECT_TRUE(contains(e.what(), "expected a header naming an id column")) << e.what();
  e = items_error("1,a,b,c,d\n");
  EXPECT_EQ(e.column, 7u);
  EXPECT_TRUE(contains(e.what(), "without a header, found 5")) << e.what();
  e = items_error("anime_id,name\n1,\"open\n");
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 3u);
}

TEST(HtmlEntities, Decoded) {
  EXPECT_EQ(text::decode_html_entities("Gintama&#039;"), "Gintama'");
  EXPECT_EQ(text::decode_html_entities("&amp;&quot;&lt;&gt;&apos;"), "&\"<>'");
  EXPECT_EQ(text::decode_html_entities("caf&#233;"), "caf\xc3\xa9");
  EXPECT_EQ(text::decode_html_entities("&#x263A;&#X263a;"), "\xe2\x98\xba\xe2\x98\xba");
  EXPECT_EQ(text::decode_html_entities("&#x1F600;"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(text::decode_html_entities("no entities"), "no entities");
}

TEST(HtmlEntities, NonEntitiesKeptAsWritten) {
  for (const char* text : {"a & b", "&foo;", "&amp", "&#;", "&#0;", "&#xD800;", "&#x110000;",
                           "&#12a;", "trailing &", "&#x;"})
    EXPECT_EQ(text::decode_html_entities(text), text);
  EXPECT_EQ(text::decode_html_entities("&&amp;"), "&&");
}

// ---- real data (skips with a message when absent) ---------------------------------------------

TEST(RealData, AnimeCsvLoadsAllItemsWithEntitiesDecoded) {
  TRIPLETREC_REQUIRE_DATA("anime/anime.csv");
  const ItemCatalog c = parse_items(testing::read_data("anime/anime.csv"), "anime.csv");
  EXPECT_EQ(c.size(), 12294u);
  EXPECT_EQ(c.row_of_id.size(), 12294u);
  const std::int32_t gintama = c.row(9969);
  ASSERT_GE(gintama, 0);
  EXPECT_EQ(c.name[gintama], "Gintama'");
  EXPECT_EQ(c.genres[gintama], "Action, Comedy, Historical, Parody, Samurai, Sci-Fi, Shounen");
  EXPECT_EQ(c.type[gintama], "TV");
  EXPECT_EQ(c.episodes[gintama], "51");
  EXPECT_FLOAT_EQ(c.avg_rating[gintama], 9.16f);
  EXPECT_EQ(c.members[gintama], 151266);
  EXPECT_EQ(std::count(c.type.begin(), c.type.end(), ""), 25);  // README: 25 empty types
  EXPECT_GT(std::count(c.episodes.begin(), c.episodes.end(), "Unknown"), 0);
  EXPECT_GT(std::count_if(c.avg_rating.begin(), c.avg_rating.end(), [](float r) { return std::isnan(r); }), 0);
  EXPECT_EQ(std::count_if(c.name.begin(), c.name.end(),
                          [](const std::string& n) { return contains(n, "&#039;"); }), 0);
}

TEST(RealData, AnimeRatingsLoad) {
  TRIPLETREC_REQUIRE_DATA("anime/rating_5000users.csv");
  const RatingsTable t =
      parse_ratings(testing::read_data("anime/rating_5000users.csv"), "rating_5000users.csv");
  EXPECT_EQ(t.size(), 520609u);
  EXPECT_EQ(std::count(t.rating.begin(), t.rating.end(), -1.0f), 100666);  // README
  EXPECT_EQ(std::set<std::int64_t>(t.item.begin(), t.item.end()).size(), 7390u);
  EXPECT_EQ(std::set<std::int64_t>(t.user.begin(), t.user.end()).size(), 5000u);
}

TEST(RealData, MovieLensLoads) {
  TRIPLETREC_REQUIRE_DATA("movielens-latest-small/ratings.csv");
  TRIPLETREC_REQUIRE_DATA("movielens-latest-small/movies.csv");
  const RatingsTable t =
      parse_ratings(testing::read_data("movielens-latest-small/ratings.csv"), "ratings.csv");
  EXPECT_EQ(t.size(), 100836u);
  EXPECT_EQ(std::set<std::int64_t>(t.user.begin(), t.user.end()).size(), 610u);
  EXPECT_EQ(std::set<std::int64_t>(t.item.begin(), t.item.end()).size(), 9724u);
  const std::set<float> values(t.rating.begin(), t.rating.end());
  EXPECT_EQ(values, (std::set<float>{0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f, 4, 4.5f, 5}));

  const ItemCatalog c = parse_items(testing::read_data("movielens-latest-small/movies.csv"), "movies.csv");
  EXPECT_EQ(c.size(), 9742u);
  ASSERT_GE(c.row(1), 0);
  EXPECT_EQ(c.name[c.row(1)], "Toy Story (1995)");
  EXPECT_EQ(c.genres[c.row(1)], "Adventure, Animation, Children, Comedy, Fantasy");
  // Every rated movie is in movies.csv.
  for (std::int64_t id : std::set<std::int64_t>(t.item.begin(), t.item.end())) ASSERT_GE(c.row(id), 0) << id;
}

}  // namespace
}  // namespace tripletrec

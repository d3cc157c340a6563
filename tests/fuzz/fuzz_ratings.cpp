// libFuzzer harness: any bytes as a ratings file. Either it parses, with three columns of one
// length and ids within +-(2^53 - 1), or it throws ParseError; nothing else may happen.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tripletrec/data.hpp"
#include "tripletrec/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const tripletrec::RatingsTable table = tripletrec::parse_ratings(bytes, "fuzz.csv");
    if (table.item.size() != table.size() || table.rating.size() != table.size()) std::abort();
    constexpr std::int64_t kMaxExactId = (std::int64_t{1} << 53) - 1;
    for (std::size_t r = 0; r < table.size(); ++r)
      if (table.user[r] > kMaxExactId || table.user[r] < -kMaxExactId || table.item[r] > kMaxExactId ||
          table.item[r] < -kMaxExactId)
        std::abort();
  } catch (const tripletrec::ParseError&) {
  }
  return 0;
}

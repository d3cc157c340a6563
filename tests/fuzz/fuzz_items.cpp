// libFuzzer harness: any bytes as an item-metadata file. Either it parses into columns of one
// length with valid UTF-8 names and an id map that finds every row, or it throws ParseError.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../../cpp/src/text_encoding.hpp"
#include "tripletrec/data.hpp"
#include "tripletrec/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const tripletrec::ItemCatalog catalog = tripletrec::parse_items(bytes, "fuzz.csv");
    const std::size_t n = catalog.size();
    if (catalog.name.size() != n || catalog.genres.size() != n || catalog.type.size() != n ||
        catalog.episodes.size() != n || catalog.avg_rating.size() != n || catalog.members.size() != n)
      std::abort();
    for (std::size_t r = 0; r < n; ++r) {
      if (catalog.row(catalog.id[r]) != static_cast<std::int32_t>(r)) std::abort();
      if (!tripletrec::text::is_valid_utf8(catalog.name[r])) std::abort();
    }
  } catch (const tripletrec::ParseError&) {
  }
  return 0;
}

// Text encodings of input files: what the engine reads (UTF-8, with Latin-1 names as a fallback),
// what it refuses with a clear message (UTF-16 and UTF-32, recognised by their byte-order mark or
// their pattern of NUL bytes), and HTML entities in names (the anime file writes Gintama&#039;).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace tripletrec::text {

// "UTF-16 (little-endian)" etc. when the bytes look like a UTF-16 or UTF-32 file, else nullptr.
const char* unsupported_encoding(std::string_view bytes);

bool is_valid_utf8(std::string_view text);

// Valid UTF-8 as it is; anything else read as Latin-1 (u.item) and converted, so the page can
// show it.
std::string to_utf8(std::string_view text);

// "&#039;" -> "'", "&amp;" -> "&", "&quot;", "&lt;", "&gt;", "&apos;", "&nbsp;", "&#NNN;",
// "&#xHH;" (to UTF-8); anything else that starts with '&' is kept as written.
std::string decode_html_entities(std::string_view text);

}  // namespace tripletrec::text

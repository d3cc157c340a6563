// The hot loop of parse_ratings: plain numeric rating lines straight into column chunks.
// It cannot throw and does not allocate: the wasm build compiles plain_ratings.cpp without
// exception support (cpp/bindings/wasm.cmake), so none of its calls goes through the JS
// `invoke_*` trampolines that Emscripten's JS exception handling puts around calls in code that
// can unwind (they made the wasm parse ~4x slower than native). Anything unusual on a line ends
// the run; the caller then reads that line with the full tokenizer, which reports errors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tripletrec::csv {

// Where the columns are on a line (0-based field indexes) and what separates them.
struct PlainRatingsLayout {
  std::size_t fields = 3, user = 0, item = 1, rating = 2;
  char separator = ',';
};

// Caller-owned room for up to `capacity` rows.
struct RatingsChunk {
  std::int64_t* user;
  std::int64_t* item;
  float* rating;
  std::size_t capacity;
};

struct PlainRun {
  std::size_t bytes = 0;  // bytes used: whole lines with their line ends
  std::size_t rows = 0;   // rows written to the chunk; one per line
};

// Reads lines from the start of `bytes` (which must start a line and run to the end of the input)
// while they are plain: unquoted numbers split by the one-byte separator, exactly
// `layout.fields` fields, a line end ('\n', '\r\n', '\r') or the end of the input. Stops at the
// first other line, when the chunk is full, or at the end of the input. The values are the
// ones the general path (tokenizer + parse_int64 / parse_float) gives for the same line.
PlainRun parse_plain_ratings(std::string_view bytes, const PlainRatingsLayout& layout,
                             const RatingsChunk& chunk) noexcept;

}  // namespace tripletrec::csv

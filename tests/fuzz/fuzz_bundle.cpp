// libFuzzer harness: any bytes as a serving bundle. Either it loads (then the session serves a
// recommendation and the bundle saves and loads again) or it throws ParseError. Sizes in the
// header are checked against the file before anything is allocated.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/session.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tripletrec::Session session;
  try {
    session.load_serving(data, size, "fuzz.safetensors");
  } catch (const tripletrec::ParseError&) {
    return 0;
  }
  const std::vector<std::uint8_t> saved = session.save_serving();
  tripletrec::Session again;
  again.load_serving(saved.data(), saved.size(), "saved.safetensors");  // must not throw
  const std::int64_t first = again.item_view(0).raw_id;
  tripletrec::FoldInOptions quick;
  quick.steps = 3;
  try {
    again.recommend_for({first}, {}, 3, quick);
  } catch (const tripletrec::UsageError&) {
    std::abort();  // a loaded bundle must serve
  }
  return 0;
}

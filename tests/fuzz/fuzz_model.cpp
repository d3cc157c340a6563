// libFuzzer harness: any bytes as a model file. Either it loads a model whose weights are all
// finite and that saves to a file of the same size which loads again, or it throws ParseError.
// The header's sizes are checked before anything is allocated, so no input may ask for gigabytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tripletrec/error.hpp"
#include "tripletrec/model.hpp"
#include "tripletrec/model_file.hpp"
#include "tripletrec/trainer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const std::unique_ptr<tripletrec::Model> model = tripletrec::load_model(data, size, "fuzz.ttrm");
    if (!tripletrec::parameters_finite(*model)) std::abort();
    const std::vector<std::uint8_t> saved = tripletrec::save_model(*model);
    if (saved.size() != size) std::abort();
    tripletrec::load_model(saved.data(), saved.size(), "saved.ttrm");
  } catch (const tripletrec::ParseError&) {
  }
  return 0;
}

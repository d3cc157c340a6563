// Model files: config, optimizer config, shapes and weights (little-endian float32, versioned).
// The format is written down in cpp/src/model_file.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tripletrec/model.hpp"

namespace tripletrec {

std::vector<std::uint8_t> save_model(Model& model);
// Errors are ParseErrors naming `source`, line 1 and the byte offset as the column.
std::unique_ptr<Model> load_model(const std::uint8_t* bytes, std::size_t size, const std::string& source);

}  // namespace tripletrec

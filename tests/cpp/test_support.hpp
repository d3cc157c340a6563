// Shared helpers for the C++ tests: locating the real data sets, reading files.
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tripletrec/thread_pool.hpp"

namespace tripletrec::testing {

inline std::string data_dir() {
  if (const char* env = std::getenv("TRIPLETREC_DATA_DIR")) return env;
  return TRIPLETREC_DATA_DIR;
}
inline bool have_file(const std::string& relative) {
  return std::filesystem::exists(data_dir() + "/" + relative);
}
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}
inline std::string read_data(const std::string& relative) { return read_file(data_dir() + "/" + relative); }

}  // namespace tripletrec::testing

// Skips the current test with a message when a real data file is absent.
// Skips a test of several threads in a build that runs one (the single-threaded wasm build).
#define TRIPLETREC_REQUIRE_THREADS()                                                      \
  do {                                                                                    \
    if (::tripletrec::ThreadPool(2).size() < 2) GTEST_SKIP() << "this build runs one thread"; \
  } while (0)

#define TRIPLETREC_REQUIRE_DATA(relative)                                                 \
  do {                                                                                    \
    if (!::tripletrec::testing::have_file(relative))                                      \
      GTEST_SKIP() << "real data " << relative << " not found under "                     \
                   << ::tripletrec::testing::data_dir() << "; skipping";                  \
  } while (0)

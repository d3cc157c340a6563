// The CLI's own two failures, told apart by their exit code (main.cpp maps them).
#pragma once

#include <stdexcept>

namespace tripletrec::cli {

// A bad command line: reported with a hint, exit code 2.
struct CliError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A file that cannot be read or written: exit code 1.
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace tripletrec::cli

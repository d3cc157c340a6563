// Errors the engine reports. Every failure is an exception derived from Error; a failed call
// leaves the state it was called on unchanged (strong guarantee), so callers can report and go on.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace tripletrec {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A malformed input file. what() reads "FILE:LINE:COLUMN: expected ..., found ...".
struct ParseError : Error {
  ParseError(std::string file, std::size_t line, std::size_t column, const std::string& message)
      : Error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message),
        file(std::move(file)), line(line), column(column) {}
  std::string file;
  std::size_t line;    // 1-based
  std::size_t column;  // 1-based, in bytes from the start of the line
};

// A parameter out of range or an operation called in the wrong state.
struct UsageError : Error {
  using Error::Error;
};

}  // namespace tripletrec

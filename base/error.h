// Errors of the engine: every failure is an exception whose message says what went wrong, where
// (file, line, byte offset or field) and, when known, how to fix it (docs/architecture.md).
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>

namespace glossa {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown when the user cancelled a long job; nothing half-written is left in place.
class CancelledError : public Error {
 public:
  CancelledError() : Error("cancelled by the user") {}
};

// Builds a message "<where>: <what>" and throws Error.
[[noreturn]] void fail(const std::string& where, const std::string& what);

// The system's words for an errno value ("No space left on device"); errno itself by default.
std::string errno_text(int error = errno);

}  // namespace glossa

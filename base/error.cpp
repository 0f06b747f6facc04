#include "base/error.h"

#include <cstring>

namespace glossa {

void fail(const std::string& where, const std::string& what) {
  throw Error(where.empty() ? what : where + ": " + what);
}

std::string errno_text(int error) { return std::strerror(error); }

}  // namespace glossa

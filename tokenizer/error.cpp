#include "tokenizer/error.h"

namespace glossa {

void fail(const std::string& where, const std::string& what) {
  throw Error(where.empty() ? what : where + ": " + what);
}

}  // namespace glossa

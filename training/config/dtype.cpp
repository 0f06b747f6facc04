#include "training/config/dtype.h"

#include "base/error.h"

namespace glossa {

std::string canonical_dtype(const std::string& name, const std::string& where) {
  if (name == "float32" || name == "fp32") return "float32";
  if (name == "bfloat16" || name == "bf16") return "bfloat16";
  if (name == "float16" || name == "fp16") return "float16";
  fail(where, "dtype \"" + name +
                  "\" is not one of float32 (fp32), bfloat16 (bf16), float16 (fp16)");
}

}  // namespace glossa

// The one dtype vocabulary of RUN.json, eval, generate and HF export (docs/run-config.md,
// "Precision"): both spellings are accepted, one is written — the names transformers writes as
// torch_dtype.
#pragma once

#include <string>

namespace glossa {

// "float32" for float32 / fp32, "bfloat16" for bfloat16 / bf16, "float16" for float16 / fp16.
// Throws Error naming `where` and the accepted spellings otherwise.
std::string canonical_dtype(const std::string& name, const std::string& where);

}  // namespace glossa

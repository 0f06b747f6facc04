// Weights that are NaN or infinite (a diverged run, a corrupt conversion) make every loss NaN and
// every score meaningless while the programs still "succeed": loading refuses them, naming the
// tensor and the file (docs/checkpoints.md).
#pragma once

#include <string>

#include "training/torch_core.h"

namespace glossa {

// Throws Error naming `file` and `tensor` (how many values, the first flat index) when `value`
// holds a NaN or an infinity.
void require_finite(const torch::Tensor& value, const std::string& tensor,
                    const std::string& file);

}  // namespace glossa

// RMSNorm as transformers' LlamaRMSNorm computes it: normalise in float32, cast back to the input
// dtype, then multiply by the weight (in the weight's dtype).
#pragma once

#include "training/torch_core.h"

namespace glossa {

class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // (..., C) -> (..., C)

  torch::Tensor weight;  // (C), initialised to 1
  double eps;
};
TORCH_MODULE(RmsNorm);

}  // namespace glossa

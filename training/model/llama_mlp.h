// The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)).
#pragma once

#include "training/torch_core.h"

#include "training/model/linear.h"
#include "training/config/model_config.h"

namespace glossa {

class LlamaMlpImpl : public torch::nn::Module {
 public:
  LlamaMlpImpl(const ModelConfig& config, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // (B, T, C) -> (B, T, C)

  Linear gate_proj{nullptr};  // (I, C)
  Linear up_proj{nullptr};    // (I, C)
  Linear down_proj{nullptr};  // (C, I)
};
TORCH_MODULE(LlamaMlp);

}  // namespace glossa

// Rotary position embeddings in transformers' "rotate half" layout: dimension i of a head is
// paired with i + D/2 (not Meta's interleaved 2i, 2i+1). Angles: position / factor (linear
// scaling) times inv_freq[i] = theta^(-2i/D), computed in float32 like transformers.
#pragma once

#include "training/torch_core.h"

#include <utility>

#include "training/config/model_config.h"

namespace glossa {

class RotaryEmbedding {
 public:
  explicit RotaryEmbedding(const ModelConfig& config);

  // (D/2) float32 inverse frequencies, radians per position (scaling applied).
  torch::Tensor inverse_frequencies(const torch::Device& device) const;
  // cos and sin tables (T, D) for positions 0..T-1, in `dtype` (computed in float32).
  std::pair<torch::Tensor, torch::Tensor> tables(int64_t length, const torch::Device& device,
                                                 torch::Dtype dtype) const;

 private:
  int64_t head_dim_;
  double theta_;
  double factor_;  // linear scaling: positions divided by factor_ (1 = none)
};

// x (B, H, T, D) rotated by the tables (T, D): x * cos + rotate_half(x) * sin.
torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos,
                           const torch::Tensor& sin);

}  // namespace glossa

#include "training/model/rotary_embedding.h"

#include "training/kernels/cpu_fused_layers.h"

namespace glossa {

RotaryEmbedding::RotaryEmbedding(const ModelConfig& config)
    : head_dim_(config.head_size()),
      theta_(config.rope_theta),
      factor_(config.rope_scaling.type == "linear" ? config.rope_scaling.factor : 1.0) {}

torch::Tensor RotaryEmbedding::inverse_frequencies(const torch::Device& device) const {
  // Same operations as transformers (float32 exponent, pow with a double base), so the tables
  // match to the bit on the same device.
  const auto exponent =
      torch::arange(0, head_dim_, 2, torch::TensorOptions().dtype(torch::kInt64).device(device))
          .to(torch::kFloat32) /
      static_cast<double>(head_dim_);
  auto inv_freq = 1.0 / torch::pow(theta_, exponent);
  if (factor_ != 1.0) inv_freq = inv_freq / factor_;
  return inv_freq;
}

std::pair<torch::Tensor, torch::Tensor> RotaryEmbedding::tables(int64_t length,
                                                                const torch::Device& device,
                                                                torch::Dtype dtype) const {
  const auto positions =
      torch::arange(length, torch::TensorOptions().dtype(torch::kFloat32).device(device));
  const auto freqs = torch::outer(positions, inverse_frequencies(device));  // (T, D/2) radians
  const auto angles = torch::cat({freqs, freqs}, -1);                       // (T, D)
  return {angles.cos().to(dtype), angles.sin().to(dtype)};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const torch::Tensor& cos,
                           const torch::Tensor& sin) {
  if (cpu_fused_layers_apply({&x, &cos, &sin})) return cpu_rotary(x, cos, sin);  // same values
  const int64_t half = x.size(-1) / 2;
  const auto rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  return x * cos + rotated * sin;
}

}  // namespace glossa

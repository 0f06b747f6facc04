#include "training/model/rms_norm.h"

#include "training/kernels/cpu_fused_layers.h"

namespace glossa {

RmsNormImpl::RmsNormImpl(int64_t dim, double eps_, const torch::TensorOptions& options)
    : eps(eps_) {
  weight = register_parameter("weight", torch::ones({dim}, options));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
  if (cpu_fused_layers_apply({&x, &weight})) return cpu_rms_norm(x, weight, eps);  // same values
  const auto h = x.to(torch::kFloat32);
  const auto variance = h.pow(2).mean(-1, /*keepdim=*/true);
  return weight * (h * torch::rsqrt(variance + eps)).to(x.scalar_type());
}

}  // namespace glossa

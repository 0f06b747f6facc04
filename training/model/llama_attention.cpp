#include "training/model/llama_attention.h"

#include <cmath>

#include "base/error.h"
#include "training/kernels/cpu_causal_attention.h"
#include "training/model/rotary_embedding.h"

namespace glossa {

torch::Tensor sliding_window_mask(int64_t length, int64_t window, const torch::Device& device) {
  if (window <= 0 || length <= window) return {};
  const auto i = torch::arange(length, torch::TensorOptions().dtype(torch::kInt64).device(device));
  const auto distance = i.unsqueeze(1) - i.unsqueeze(0);  // (T, T) query minus key position
  return (distance >= 0).logical_and(distance < window);
}

namespace {

// (B, KV, T, D) -> (B, KV*groups, T, D): query head h reads key/value head h / groups.
torch::Tensor repeat_kv(const torch::Tensor& x, int64_t groups) {
  if (groups == 1) return x;
  const auto s = x.sizes();
  return x.unsqueeze(2)
      .expand({s[0], s[1], groups, s[2], s[3]})
      .reshape({s[0], s[1] * groups, s[2], s[3]});
}

}  // namespace

torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k_in,
                               const torch::Tensor& v_in, const torch::Tensor& mask,
                               AttentionImpl impl) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  if (impl == AttentionImpl::kAuto)
    impl = !mask.defined() && cpu_causal_attention_preferred(q, k_in, v_in)
               ? AttentionImpl::kCpuKernel
               : AttentionImpl::kSdpa;
  if (impl == AttentionImpl::kCpuKernel) {
    if (mask.defined())
      fail("attention", "the CPU kernel computes plain causal attention, not a sliding window");
    return cpu_causal_attention(q, k_in, v_in, scale);  // reads shared key/value heads directly
  }
  const int64_t groups = q.size(1) / k_in.size(1);
  const auto k = repeat_kv(k_in, groups);  // (B, H, T, D)
  const auto v = repeat_kv(v_in, groups);
  if (impl == AttentionImpl::kSdpa) {
    if (!mask.defined())
      return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true, scale);
    return at::scaled_dot_product_attention(q, k, v, mask, 0.0, /*is_causal=*/false, scale);
  }
  const int64_t t = q.size(2);
  const auto allowed =
      mask.defined()
          ? mask
          : torch::ones({t, t}, torch::TensorOptions().dtype(torch::kBool).device(q.device()))
                .tril();
  auto scores = torch::matmul(q, k.transpose(-2, -1)) * scale;  // (B, H, T, T)
  scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity());
  const auto probs = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
  return torch::matmul(probs, v);  // (B, H, T, D)
}

LlamaAttentionImpl::LlamaAttentionImpl(const ModelConfig& c, const torch::TensorOptions& options)
    : heads_(c.num_attention_heads), kv_heads_(c.num_key_value_heads), head_dim_(c.head_size()) {
  q_proj = register_module("q_proj",
                           Linear(c.hidden_size, heads_ * head_dim_, c.attention_bias, options));
  k_proj = register_module("k_proj",
                           Linear(c.hidden_size, kv_heads_ * head_dim_, c.attention_bias, options));
  v_proj = register_module("v_proj",
                           Linear(c.hidden_size, kv_heads_ * head_dim_, c.attention_bias, options));
  o_proj = register_module("o_proj",
                           Linear(heads_ * head_dim_, c.hidden_size, c.attention_bias, options));
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                          const torch::Tensor& sin, const torch::Tensor& mask,
                                          AttentionImpl impl) {
  const int64_t b = x.size(0), t = x.size(1);
  auto q = q_proj->forward(x).view({b, t, heads_, head_dim_}).transpose(1, 2);     // (B, H, T, D)
  auto k = k_proj->forward(x).view({b, t, kv_heads_, head_dim_}).transpose(1, 2);  // (B, KV, T, D)
  const auto v = v_proj->forward(x).view({b, t, kv_heads_, head_dim_}).transpose(1, 2);
  q = apply_rotary(q, cos, sin);
  k = apply_rotary(k, cos, sin);
  const auto y = causal_attention(q, k, v, mask, impl);  // (B, H, T, D)
  return o_proj->forward(y.transpose(1, 2).reshape({b, t, heads_ * head_dim_}));
}

}  // namespace glossa

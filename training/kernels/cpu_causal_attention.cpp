#include "training/kernels/cpu_causal_attention.h"

#include <ATen/Parallel.h>

#include "base/error.h"
#include "training/kernels/causal_attention_kernel.h"

namespace glossa {
namespace {

AttentionView view_of(const torch::Tensor& t) {
  AttentionView view;
  view.data = t.data_ptr<float>();
  for (int i = 0; i < 4; ++i) view.stride[i] = t.stride(i);
  return view;
}

// An uninitialised (B, H, T, D) tensor whose memory is (B, T, H, D), like `like`'s options.
torch::Tensor empty_heads_last(const torch::Tensor& like) {
  return torch::empty({like.size(0), like.size(2), like.size(1), like.size(3)}, like.options())
      .transpose(1, 2);
}

AttentionShape shape_of(const torch::Tensor& q, const torch::Tensor& k, double scale) {
  return {q.size(1), k.size(1), q.size(2), q.size(3), static_cast<float>(scale)};
}

struct CpuCausalAttention : torch::autograd::Function<CpuCausalAttention> {
  // q (B, H, T, D), k and v (B, KV, T, D) -> (B, H, T, D); saves the (B, H, T) log-sum-exp.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                               const torch::Tensor& k, const torch::Tensor& v, double scale) {
    const AttentionShape shape = shape_of(q, k, scale);
    const torch::Tensor o = empty_heads_last(q);
    const torch::Tensor lse = torch::empty({q.size(0), q.size(1), q.size(2)}, q.options());
    const AttentionView qv = view_of(q), kv = view_of(k), vv = view_of(v), ov = view_of(o);
    float* lse_data = lse.data_ptr<float>();
    at::parallel_for(0, q.size(0) * shape.heads, 1, [&](int64_t begin, int64_t end) {
      AttentionScratch scratch;
      for (int64_t task = begin; task < end; ++task)
        causal_attention_forward_head(shape, qv, kv, vv, ov, lse_data + task * shape.length,
                                      task / shape.heads, task % shape.heads, scratch);
    });
    ctx->save_for_backward({q, k, v, o, lse});
    ctx->saved_data["scale"] = scale;
    return o;
  }

  // One task per (batch, key/value head): it owns that head's dk and dv rows, so no two tasks
  // write the same memory and the sums over the group's query heads keep a fixed order.
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &o = saved[3], &lse = saved[4];
    const AttentionShape shape = shape_of(q, k, ctx->saved_data["scale"].toDouble());
    const torch::Tensor grad_o = grads[0].to(torch::kFloat32);
    const torch::Tensor dq = empty_heads_last(q), dk = empty_heads_last(k),
                        dv = empty_heads_last(v);
    const AttentionView qv = view_of(q), kv = view_of(k), vv = view_of(v), ov = view_of(o),
                        gov = view_of(grad_o), dqv = view_of(dq), dkv = view_of(dk),
                        dvv = view_of(dv);
    const float* lse_data = lse.data_ptr<float>();
    at::parallel_for(0, q.size(0) * shape.kv_heads, 1, [&](int64_t begin, int64_t end) {
      AttentionScratch scratch;
      for (int64_t task = begin; task < end; ++task)
        causal_attention_backward_kv_head(shape, qv, kv, vv, ov, gov, lse_data, dqv, dkv, dvv,
                                          task / shape.kv_heads, task % shape.kv_heads, scratch);
    });
    return {dq, dk, dv, torch::Tensor()};
  }
};

}  // namespace

bool cpu_causal_attention_applies(const torch::Tensor& q, const torch::Tensor& k,
                                  const torch::Tensor& v) {
  for (const auto* t : {&q, &k, &v})
    if (!t->defined() || !t->device().is_cpu() || t->scalar_type() != torch::kFloat32 ||
        t->dim() != 4)
      return false;
  return k.sizes() == v.sizes() && q.size(0) == k.size(0) && q.size(2) == k.size(2) &&
         q.size(3) == k.size(3) && k.size(1) > 0 && q.size(1) % k.size(1) == 0 && q.size(2) > 0 &&
         q.size(3) > 0 && q.size(3) <= kCpuAttentionMaxHeadDim;
}

bool cpu_causal_attention_preferred(const torch::Tensor& q, const torch::Tensor& k,
                                    const torch::Tensor& v) {
  return cpu_causal_attention_applies(q, k, v) &&
         (q.size(2) <= kCpuAttentionShortLength ||
          q.size(2) * q.size(3) <= kCpuAttentionMaxDimTimesLength);
}

torch::Tensor cpu_causal_attention(const torch::Tensor& q, const torch::Tensor& k,
                                   const torch::Tensor& v, double scale) {
  if (!cpu_causal_attention_applies(q, k, v))
    fail("CPU causal attention",
         "expects float32 CPU queries (B, H, T, D) and keys/values (B, KV, T, D) with H a "
         "multiple of KV and D <= " +
             std::to_string(kCpuAttentionMaxHeadDim) + ", got " +
             c10::str(q.sizes(), " ", q.scalar_type(), " ", q.device(), " and ", k.sizes(), " ",
                      k.scalar_type(), " ", k.device()));
  return CpuCausalAttention::apply(q, k, v, scale);
}

}  // namespace glossa

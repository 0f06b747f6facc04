#include "training/kernels/cpu_fused_layers.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <vector>

#include "base/error.h"

namespace glossa {
namespace {

// Rows per parallel task: enough work to outweigh the hand-off (C or D floats each).
constexpr int64_t kRowGrain = 16;

// y (N, C) = w * (x * r) with r[i] = 1 / sqrt(mean_j x[i, j]^2 + eps), saved for backward.
void rms_norm_rows(const float* x, const float* w, int64_t n, int64_t c, float eps, float* y,
                   float* r) {
  at::parallel_for(0, n, kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float* row = x + i * c;
      float squares = 0;
#pragma omp simd reduction(+ : squares)
      for (int64_t j = 0; j < c; ++j) squares += row[j] * row[j];
      const float scale = 1.0f / std::sqrt(squares / static_cast<float>(c) + eps);
      r[i] = scale;
      float* out = y + i * c;
#pragma omp simd
      for (int64_t j = 0; j < c; ++j) out[j] = w[j] * (row[j] * scale);
    }
  });
}

// dx[i, j] = r (g_j - xhat_j mean_k(g_k xhat_k)) with g = dy * w and xhat = x r, i.e.
// r g_j - x_j r^3 / C * sum_k g_k x_k.
void rms_norm_input_grad(const float* x, const float* w, const float* r, const float* dy,
                         int64_t n, int64_t c, float* dx) {
  at::parallel_for(0, n, kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float *row = x + i * c, *grad = dy + i * c;
      float dot = 0;
#pragma omp simd reduction(+ : dot)
      for (int64_t j = 0; j < c; ++j) dot += grad[j] * w[j] * row[j];
      const float scale = r[i], shift = scale * scale * scale * dot / static_cast<float>(c);
      float* out = dx + i * c;
#pragma omp simd
      for (int64_t j = 0; j < c; ++j) out[j] = scale * (grad[j] * w[j]) - row[j] * shift;
    }
  });
}

// dw[j] = sum_i dy[i, j] x[i, j] r[i], in float64 over the rows in order: tasks own column
// ranges, so the result does not depend on the thread count.
void rms_norm_weight_grad(const float* x, const float* r, const float* dy, int64_t n, int64_t c,
                          float* dw) {
  at::parallel_for(0, c, 64, [&](int64_t begin, int64_t end) {
    std::vector<double> sum(static_cast<size_t>(end - begin), 0.0);
    for (int64_t i = 0; i < n; ++i) {
      const float *row = x + i * c, *grad = dy + i * c;
      const double scale = r[i];
#pragma omp simd
      for (int64_t j = begin; j < end; ++j)
        sum[j - begin] += static_cast<double>(grad[j] * row[j]) * scale;
    }
    for (int64_t j = begin; j < end; ++j) dw[j] = static_cast<float>(sum[j - begin]);
  });
}

struct CpuRmsNorm : torch::autograd::Function<CpuRmsNorm> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, double eps) {
    const torch::Tensor xc = x.contiguous(), w = weight.contiguous();
    const int64_t c = xc.size(-1), n = c > 0 ? xc.numel() / c : 0;
    const torch::Tensor y = torch::empty_like(xc), r = torch::empty({n}, xc.options());
    rms_norm_rows(xc.data_ptr<float>(), w.data_ptr<float>(), n, c, static_cast<float>(eps),
                  y.data_ptr<float>(), r.data_ptr<float>());
    ctx->save_for_backward({xc, w, r});
    return y;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &x = saved[0], &w = saved[1], &r = saved[2];
    const torch::Tensor dy = grads[0].to(torch::kFloat32).contiguous();
    const int64_t c = x.size(-1), n = r.size(0);
    torch::Tensor dx, dw;
    if (ctx->needs_input_grad(0)) {
      dx = torch::empty_like(x);
      rms_norm_input_grad(x.data_ptr<float>(), w.data_ptr<float>(), r.data_ptr<float>(),
                          dy.data_ptr<float>(), n, c, dx.data_ptr<float>());
    }
    if (ctx->needs_input_grad(1)) {
      dw = torch::empty_like(w);
      rms_norm_weight_grad(x.data_ptr<float>(), r.data_ptr<float>(), dy.data_ptr<float>(), n, c,
                           dw.data_ptr<float>());
    }
    return {dx, dw, torch::Tensor()};
  }
};

// One (D) row: out = a * cos + rotate_half(a) * sin, or with `transpose` the gradient of the
// input from the output's; `as` and `ys` are the rows' element strides (1 in the model, which
// lets the compiler vectorise the specialised copy).
[[gnu::always_inline]] inline void rotate_row(const float* a, int64_t as, float* y, int64_t ys,
                                              const float* c, const float* s, int64_t half,
                                              bool transpose) {
#pragma omp simd
  for (int64_t j = 0; j < half; ++j) {
    const float a1 = a[j * as], a2 = a[(j + half) * as];
    if (!transpose) {  // y1 = a1 c1 - a2 s1, y2 = a2 c2 + a1 s2
      y[j * ys] = a1 * c[j] - a2 * s[j];
      y[(j + half) * ys] = a2 * c[j + half] + a1 * s[j + half];
    } else {  // dx1 = dy1 c1 + dy2 s2, dx2 = dy2 c2 - dy1 s1
      y[j * ys] = a1 * c[j] + a2 * s[j + half];
      y[(j + half) * ys] = a2 * c[j + half] - a1 * s[j];
    }
  }
}

// rotate_row over every (B, H, T) row; in and out (B, H, T, D) with their own strides, tables
// (T, D) contiguous.
void rotate_rows(const torch::Tensor& in, const torch::Tensor& cos, const torch::Tensor& sin,
                 const torch::Tensor& out, bool transpose) {
  const int64_t heads = in.size(1), t_len = in.size(2), d = in.size(3), half = d / 2;
  const float *src = in.data_ptr<float>(), *cp = cos.data_ptr<float>(), *sp = sin.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const auto si = in.strides(), so = out.strides();
  at::parallel_for(0, in.size(0) * heads * t_len, kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t b = row / (heads * t_len), h = row / t_len % heads, t = row % t_len;
      const float* a = src + b * si[0] + h * si[1] + t * si[2];
      float* y = dst + b * so[0] + h * so[1] + t * so[2];
      const float *c = cp + t * d, *s = sp + t * d;
      if (si[3] == 1 && so[3] == 1)
        rotate_row(a, 1, y, 1, c, s, half, transpose);
      else
        rotate_row(a, si[3], y, so[3], c, s, half, transpose);
    }
  });
}

struct CpuRotary : torch::autograd::Function<CpuRotary> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& cos, const torch::Tensor& sin) {
    const torch::Tensor c = cos.contiguous(), s = sin.contiguous();
    const torch::Tensor y = torch::empty_like(x);  // x's layout (dense views keep their strides)
    rotate_rows(x, c, s, y, false);
    ctx->save_for_backward({c, s});
    return y;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor dy = grads[0].to(torch::kFloat32);
    const torch::Tensor dx = torch::empty_like(dy);
    rotate_rows(dy, saved[0], saved[1], dx, true);
    return {dx, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

bool cpu_fused_layers_apply(std::initializer_list<const torch::Tensor*> tensors) {
  for (const torch::Tensor* t : tensors)
    if (!t->defined() || !t->device().is_cpu() || t->scalar_type() != torch::kFloat32)
      return false;
  return true;
}

torch::Tensor cpu_rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  if (!cpu_fused_layers_apply({&x, &weight}) || weight.dim() != 1 || x.dim() < 1 ||
      x.size(-1) != weight.size(0))
    fail("CPU RMSNorm", "expects float32 CPU x (..., C) and weight (C), got " +
                            c10::str(x.sizes(), " ", x.scalar_type(), " and ", weight.sizes(),
                                     " ", weight.scalar_type()));
  return CpuRmsNorm::apply(x, weight, eps);
}

torch::Tensor cpu_rotary(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin) {
  if (!cpu_fused_layers_apply({&x, &cos, &sin}) || x.dim() != 4 || x.size(3) % 2 != 0 ||
      cos.sizes() != sin.sizes() || cos.dim() != 2 || cos.size(0) != x.size(2) ||
      cos.size(1) != x.size(3))
    fail("CPU rotary embedding",
         "expects float32 CPU x (B, H, T, D) with D even and tables (T, D), got " +
             c10::str(x.sizes(), " ", x.scalar_type(), " and ", cos.sizes(), " ",
                      cos.scalar_type()));
  return CpuRotary::apply(x, cos, sin);
}

}  // namespace glossa

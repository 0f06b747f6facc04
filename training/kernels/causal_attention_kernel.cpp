#include "training/kernels/causal_attention_kernel.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "base/error.h"
#include "training/kernels/attention_tiles.h"

namespace glossa {
namespace {

using namespace attention_tiles;

#define GLOSSA_INLINE [[gnu::always_inline]] inline

// Every key/value row stride is T rounded up to this (a multiple of every tile's 2 W keys).
constexpr int64_t kPad = 32;

int64_t round_up(int64_t n, int64_t to) { return (n + to - 1) / to * to; }

// Copies key or value head (b, kvh) of `x` into `out` transposed, (D, stride) row-major, eight
// keys at a time so that each output row is written in whole runs.
void pack_transposed(const AttentionView& x, int64_t b, int64_t kvh, int64_t t_len, int64_t stride,
                     int64_t d_len, float* __restrict out) {
  const int64_t step = x.stride[3];
  for (int64_t t0 = 0; t0 < t_len; t0 += 8) {
    const int64_t keys = std::min<int64_t>(8, t_len - t0);
    const float* rows[8];
    for (int64_t tt = 0; tt < keys; ++tt) rows[tt] = x.at(b, kvh, t0 + tt);
    for (int64_t d = 0; d < d_len; ++d)
      for (int64_t tt = 0; tt < keys; ++tt) out[d * stride + t0 + tt] = rows[tt][d * step];
  }
}

// The inverse of pack_transposed, into a gradient view.
void unpack_transposed(const float* __restrict in, int64_t t_len, int64_t stride, int64_t d_len,
                       const AttentionView& x, int64_t b, int64_t kvh) {
  for (int64_t t = 0; t < t_len; ++t) {
    float* row = x.at(b, kvh, t);
    for (int64_t d = 0; d < d_len; ++d) row[d * x.stride[3]] = in[d * stride + t];
  }
}

// Rows i0 .. i0 + kAttentionRows - 1 of head (b, h) of `x` into `out` (kAttentionRows, D)
// row-major, times `factor`; rows at or past T become zeros (they see no keys and add nothing).
void load_rows(const AttentionView& x, int64_t b, int64_t h, int64_t i0, int64_t t_len,
               int64_t d_len, float factor, float* __restrict out) {
  const int64_t step = x.stride[3];
  for (int64_t r = 0; r < kAttentionRows; ++r) {
    float* __restrict to = out + r * d_len;
    if (i0 + r >= t_len) {
      std::fill(to, to + d_len, 0.0f);
      continue;
    }
    const float* row = x.at(b, h, i0 + r);
    if (step == 1) {  // the model's layout: contiguous rows, a vectorised copy
#pragma omp simd
      for (int64_t d = 0; d < d_len; ++d) to[d] = factor * row[d];
    } else {
      for (int64_t d = 0; d < d_len; ++d) to[d] = factor * row[d * step];
    }
  }
}

// Query rows i0 .. i0 + kAttentionRows - 1 of a sequence of T.
struct Block {
  int64_t t_len;
  int64_t tile;  // keys per tile, 2 W
  int64_t i0 = 0;
  // Key columns the block's tiles compute: every key a row sees, rounded up to whole tiles.
  int64_t width() const { return round_up(std::min(i0 + kAttentionRows, t_len), tile); }
  // Keys row r sees: 0 .. i0 + r (none for rows past T).
  int64_t seen(int64_t r) const { return i0 + r < t_len ? i0 + r + 1 : 0; }
};

template <int W>
GLOSSA_INLINE void forward_head(const AttentionShape& shape, const AttentionView& q,
                                const AttentionView& k, const AttentionView& v,
                                const AttentionView& o, float* lse, int64_t b, int64_t h,
                                AttentionScratch& scratch) {
  const int64_t t_len = shape.length, d_len = shape.head_dim;
  const int64_t kvh = h / (shape.heads / shape.kv_heads);
  Block blk{t_len, 2 * W};
  const int64_t stride = round_up(t_len, kPad);
  scratch.buffer.assign(
      static_cast<size_t>((2 * d_len + kAttentionRows) * stride + kAttentionRows * d_len), 0.0f);
  float* k_t = scratch.buffer.data();  // (D, stride)
  float* v_t = k_t + d_len * stride;   // (D, stride)
  float* s = v_t + d_len * stride;     // (kAttentionRows, stride) scores, then probabilities
  float* q_rows = s + kAttentionRows * stride;  // (kAttentionRows, D) scaled queries
  pack_transposed(k, b, kvh, t_len, stride, d_len, k_t);
  pack_transposed(v, b, kvh, t_len, stride, d_len, v_t);
  float inv_sum[kAttentionRows];
  for (blk.i0 = 0; blk.i0 < t_len; blk.i0 += kAttentionRows) {
    const int64_t width = blk.width();
    load_rows(q, b, h, blk.i0, t_len, d_len, shape.scale, q_rows);
    scores<W>(q_rows, k_t, stride, d_len, width, s);
    for (int64_t r = 0; r < kAttentionRows; ++r) {
      float* row = s + r * stride;
      const int64_t n = blk.seen(r);
      const float max = row_max<W>(row, n);
      float sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t j = 0; j < width; ++j) {
        row[j] = j < n ? exp_approx(row[j] - max) : 0.0f;
        sum += row[j];
      }
      inv_sum[r] = 1.0f / sum;
      if (n > 0) lse[blk.i0 + r] = max + std::log(sum);
    }
    reduce<W>(s, stride, v_t, d_len, blk.i0, t_len, inv_sum, o, b, h);
  }
}

template <int W>
GLOSSA_INLINE void backward_kv_head(const AttentionShape& shape, const AttentionView& q,
                                    const AttentionView& k, const AttentionView& v,
                                    const AttentionView& o, const AttentionView& grad_o,
                                    const float* lse, const AttentionView& grad_q,
                                    const AttentionView& grad_k, const AttentionView& grad_v,
                                    int64_t b, int64_t kvh, AttentionScratch& scratch) {
  const int64_t t_len = shape.length, d_len = shape.head_dim;
  const int64_t groups = shape.heads / shape.kv_heads;
  Block blk{t_len, 2 * W};
  const int64_t stride = round_up(t_len, kPad);
  scratch.buffer.assign(
      static_cast<size_t>((4 * d_len + 2 * kAttentionRows) * stride + 4 * kAttentionRows * d_len),
      0.0f);
  float* k_t = scratch.buffer.data();            // (D, stride)
  float* v_t = k_t + d_len * stride;             // (D, stride)
  float* dk_t = v_t + d_len * stride;            // (D, stride) summed over the group's query heads
  float* dv_t = dk_t + d_len * stride;           // (D, stride)
  float* p = dv_t + d_len * stride;              // (kAttentionRows, stride) probabilities
  float* ds = p + kAttentionRows * stride;       // (kAttentionRows, stride) dP, then scale * dS
  float* q_rows = ds + kAttentionRows * stride;  // (kAttentionRows, D)
  float* qs_rows = q_rows + kAttentionRows * d_len;   // (kAttentionRows, D) scale * q
  float* do_rows = qs_rows + kAttentionRows * d_len;  // (kAttentionRows, D)
  float* o_rows = do_rows + kAttentionRows * d_len;   // (kAttentionRows, D)
  pack_transposed(k, b, kvh, t_len, stride, d_len, k_t);
  pack_transposed(v, b, kvh, t_len, stride, d_len, v_t);
  const float ones[kAttentionRows] = {1, 1, 1, 1, 1, 1, 1, 1};
  for (int64_t h = kvh * groups; h < (kvh + 1) * groups; ++h) {
    const float* lse_h = lse + (b * shape.heads + h) * t_len;
    for (blk.i0 = 0; blk.i0 < t_len; blk.i0 += kAttentionRows) {
      const int64_t width = blk.width();
      load_rows(q, b, h, blk.i0, t_len, d_len, 1.0f, q_rows);
#pragma omp simd
      for (int64_t e = 0; e < kAttentionRows * d_len; ++e) qs_rows[e] = shape.scale * q_rows[e];
      load_rows(grad_o, b, h, blk.i0, t_len, d_len, 1.0f, do_rows);
      load_rows(o, b, h, blk.i0, t_len, d_len, 1.0f, o_rows);
      scores<W>(qs_rows, k_t, stride, d_len, width, p);
      scores<W>(do_rows, v_t, stride, d_len, width, ds);  // dP_ij = dO_i . v_j
      for (int64_t r = 0; r < kAttentionRows; ++r) {
        const int64_t n = blk.seen(r);
        const float shift = n > 0 ? lse_h[blk.i0 + r] : 0.0f;
        float delta = 0;  // D_i = dO_i . O_i
        for (int64_t d = 0; d < d_len; ++d) delta += do_rows[r * d_len + d] * o_rows[r * d_len + d];
        float* p_row = p + r * stride;
        float* ds_row = ds + r * stride;
#pragma omp simd
        for (int64_t j = 0; j < width; ++j) {
          p_row[j] = j < n ? exp_approx(p_row[j] - shift) : 0.0f;
          ds_row[j] = j < n ? p_row[j] * (ds_row[j] - delta) * shape.scale : 0.0f;
        }
      }
      update<W>(do_rows, p, stride, d_len, width, dv_t);  // dV_j += sum_i P_ij dO_i
      update<W>(q_rows, ds, stride, d_len, width, dk_t);  // dK_j += sum_i dS_ij q_i (scale in dS)
      reduce<W>(ds, stride, k_t, d_len, blk.i0, t_len, ones, grad_q, b, h);  // dQ_i = dS_i K
    }
  }
  unpack_transposed(dk_t, t_len, stride, d_len, grad_k, b, kvh);
  unpack_transposed(dv_t, t_len, stride, d_len, grad_v, b, kvh);
}

// One instantiation per instruction set, each compiled for its target so that the tiles inlined
// into it use it: AVX-512 with 16-float vectors (and 32 registers), AVX2 + FMA with 8, and the
// baseline (x86-64 without those, or another architecture) with 4-float vectors the compiler
// maps onto what it has (SSE on x86-64).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GLOSSA_X86_TARGETS 1
#define GLOSSA_TARGET(arch) __attribute__((target(arch)))
#else
#define GLOSSA_X86_TARGETS 0
#define GLOSSA_TARGET(arch)
#endif

#define GLOSSA_FORWARD_PARAMS                                                           \
  const AttentionShape &shape, const AttentionView &q, const AttentionView &k,          \
      const AttentionView &v, const AttentionView &o, float *lse, int64_t b, int64_t h, \
      AttentionScratch &scratch
#define GLOSSA_FORWARD_ARGS shape, q, k, v, o, lse, b, h, scratch
#define GLOSSA_BACKWARD_PARAMS                                                     \
  const AttentionShape &shape, const AttentionView &q, const AttentionView &k,     \
      const AttentionView &v, const AttentionView &o, const AttentionView &grad_o, \
      const float *lse, const AttentionView &grad_q, const AttentionView &grad_k,  \
      const AttentionView &grad_v, int64_t b, int64_t kvh, AttentionScratch &scratch
#define GLOSSA_BACKWARD_ARGS shape, q, k, v, o, grad_o, lse, grad_q, grad_k, grad_v, b, kvh, scratch

#if GLOSSA_X86_TARGETS
GLOSSA_TARGET("arch=x86-64-v4")
void forward_avx512(GLOSSA_FORWARD_PARAMS) { forward_head<16>(GLOSSA_FORWARD_ARGS); }
GLOSSA_TARGET("arch=x86-64-v4")
void backward_avx512(GLOSSA_BACKWARD_PARAMS) { backward_kv_head<16>(GLOSSA_BACKWARD_ARGS); }
GLOSSA_TARGET("arch=x86-64-v3")
void forward_avx2(GLOSSA_FORWARD_PARAMS) { forward_head<8>(GLOSSA_FORWARD_ARGS); }
GLOSSA_TARGET("arch=x86-64-v3")
void backward_avx2(GLOSSA_BACKWARD_PARAMS) { backward_kv_head<8>(GLOSSA_BACKWARD_ARGS); }
#endif
void forward_baseline(GLOSSA_FORWARD_PARAMS) { forward_head<4>(GLOSSA_FORWARD_ARGS); }
void backward_baseline(GLOSSA_BACKWARD_PARAMS) { backward_kv_head<4>(GLOSSA_BACKWARD_ARGS); }

struct Kernel {
  const char* name;
  void (*forward)(GLOSSA_FORWARD_PARAMS);
  void (*backward)(GLOSSA_BACKWARD_PARAMS);
  bool (*supported)();
};

constexpr Kernel kKernels[] = {
#if GLOSSA_X86_TARGETS
    {"avx512", forward_avx512, backward_avx512,
     [] { return __builtin_cpu_supports("x86-64-v4") != 0; }},
    {"avx2", forward_avx2, backward_avx2, [] { return __builtin_cpu_supports("x86-64-v3") != 0; }},
#endif
    {"baseline", forward_baseline, backward_baseline, [] { return true; }},
};

// The kernel in use: the best this machine supports until use_causal_attention_isa says else.
const Kernel*& current_kernel() {
  static const Kernel* kernel = [] {
    for (const Kernel& k : kKernels)
      if (k.supported()) return &k;
    return &kKernels[std::size(kKernels) - 1];
  }();
  return kernel;
}

}  // namespace

std::vector<std::string> causal_attention_isas() {
  std::vector<std::string> names;
  for (const Kernel& k : kKernels)
    if (k.supported()) names.emplace_back(k.name);
  return names;
}

std::string causal_attention_isa() { return current_kernel()->name; }

void use_causal_attention_isa(const std::string& name) {
  for (const Kernel& k : kKernels)
    if (name == k.name && k.supported()) {
      current_kernel() = &k;
      return;
    }
  std::string known;
  for (const std::string& isa : causal_attention_isas()) known += (known.empty() ? "" : ", ") + isa;
  fail("CPU causal attention",
       "instruction set '" + name + "' is not one this machine runs (it runs " + known + ")");
}

void causal_attention_forward_head(GLOSSA_FORWARD_PARAMS) {
  current_kernel()->forward(GLOSSA_FORWARD_ARGS);
}

void causal_attention_backward_kv_head(GLOSSA_BACKWARD_PARAMS) {
  current_kernel()->backward(GLOSSA_BACKWARD_ARGS);
}

}  // namespace glossa

#include "training/causal_attention_kernel.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace glossa {
namespace {

// The two entry points are compiled twice, for AVX2 + FMA and for the baseline x86-64, and the
// loader picks one per machine (GCC function multi-versioning): the hot loops are written as
// plain `omp simd` loops (-fopenmp-simd, no OpenMP runtime) that the compiler vectorises with
// whichever instruction set the clone targets.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GLOSSA_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define GLOSSA_VECTOR_CLONES
#endif
#define GLOSSA_INLINE [[gnu::always_inline]] inline

// exp(x) within 1 ulp for x in [-87, 88] (Cephes' expf polynomial; measured against double exp
// on every 256th float of that range: 0.95 ulp, relative 7.9e-8), branch-free so that loops of
// it vectorise. Below -87 it returns exp(-87) ~ 1.6e-38 instead of a denormal or 0, which no
// softmax sum can see. NaN stays NaN (both clamps keep it; the polynomial propagates it).
GLOSSA_INLINE float exp_approx(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  // n = round(x / ln 2): adding 1.5 * 2^23 leaves n in the low mantissa bits, so 2^n is built
  // with integer arithmetic and no float-to-int conversion.
  const float shifted = x * 1.44269504088896341f + 12582912.0f;
  const float n = shifted - 12582912.0f;
  const uint32_t n_bits = std::bit_cast<uint32_t>(shifted) - 0x4B400000u;
  const float two_n = std::bit_cast<float>((n_bits + 127u) << 23);
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;  // x - n ln 2 in two parts
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return (p * r * r + r + 1.0f) * two_n;
}

// Copies key or value head (b, kvh) of `x` into `out` transposed, (D, T) row-major, so that the
// per-row loops below run over contiguous keys.
GLOSSA_INLINE void pack_transposed(const AttentionView& x, int64_t b, int64_t kvh, int64_t t_len,
                                   int64_t stride, int64_t d_len, float* __restrict out) {
  for (int64_t t = 0; t < t_len; ++t) {
    const float* row = x.at(b, kvh, t);
    for (int64_t d = 0; d < d_len; ++d) out[d * stride + t] = row[d * x.stride[3]];
  }
}

// The inverse of pack_transposed, into a gradient view.
GLOSSA_INLINE void unpack_transposed(const float* __restrict in, int64_t t_len, int64_t stride,
                                     int64_t d_len, const AttentionView& x, int64_t b,
                                     int64_t kvh) {
  for (int64_t t = 0; t < t_len; ++t) {
    float* row = x.at(b, kvh, t);
    for (int64_t d = 0; d < d_len; ++d) row[d * x.stride[3]] = in[d * stride + t];
  }
}

// Eight floats in a vector register (GCC vector extension; the baseline clone splits it in two
// SSE registers). `may_alias` and 4-byte alignment: loads and stores anywhere in float arrays.
typedef float Vec8 __attribute__((vector_size(32), aligned(4), may_alias));

GLOSSA_INLINE Vec8 load8(const float* p) { return *reinterpret_cast<const Vec8*>(p); }
GLOSSA_INLINE void store8(float* p, Vec8 v) { *reinterpret_cast<Vec8*>(p) = v; }

// Keys are processed in groups of four vectors (four independent FMA chains, which hide the FMA
// latency), padded: the (D, T) buffers have a row stride of T rounded up to it, zero-filled past T.
constexpr int64_t kBlock = 32;

int64_t padded_length(int64_t t_len) { return (t_len + kBlock - 1) / kBlock * kBlock; }

// s[j] = sum_d coeff[d] * mat[d, j] for j < n rounded up to kBlock (s and mat's rows must hold
// that many; values past n are of later keys and must not be used); mat is (D, stride).
GLOSSA_INLINE void combine_rows(const float* __restrict coeff, const float* __restrict mat,
                                int64_t stride, int64_t d_len, int64_t n, float* __restrict s) {
  for (int64_t j0 = 0; j0 < n; j0 += kBlock) {
    Vec8 a0 = {}, a1 = {}, a2 = {}, a3 = {};
    for (int64_t d = 0; d < d_len; ++d) {
      const float c = coeff[d];
      const float* row = mat + d * stride + j0;
      a0 += c * load8(row);
      a1 += c * load8(row + 8);
      a2 += c * load8(row + 16);
      a3 += c * load8(row + 24);
    }
    store8(s + j0, a0);
    store8(s + j0 + 8, a1);
    store8(s + j0 + 16, a2);
    store8(s + j0 + 24, a3);
  }
}

// mat[d, j] += coeff[d] * s[j] for j < n (a rank-1 update of the first n columns).
GLOSSA_INLINE void add_outer(const float* __restrict coeff, const float* __restrict s,
                             int64_t stride, int64_t d_len, int64_t n, float* __restrict mat) {
  for (int64_t d = 0; d < d_len; ++d) {
    const float c = coeff[d];
    float* __restrict row = mat + d * stride;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) row[j] += c * s[j];
  }
}

// sum_j a[j] b[j] over exactly j < n (later entries may hold other keys' values, even NaN):
// whole groups with four accumulators, then the rest.
GLOSSA_INLINE float dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  Vec8 a0 = {}, a1 = {}, a2 = {}, a3 = {};
  const int64_t whole = n / kBlock * kBlock;
  for (int64_t j = 0; j < whole; j += kBlock) {
    a0 += load8(a + j) * load8(b + j);
    a1 += load8(a + j + 8) * load8(b + j + 8);
    a2 += load8(a + j + 16) * load8(b + j + 16);
    a3 += load8(a + j + 24) * load8(b + j + 24);
  }
  const Vec8 t = (a0 + a1) + (a2 + a3);
  float sum = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
  float rest = 0;
#pragma omp simd reduction(+ : rest)
  for (int64_t j = whole; j < n; ++j) rest += a[j] * b[j];
  return sum + rest;
}

// s[j] = exp(s[j] - shift) for j < n; returns their sum.
GLOSSA_INLINE float exp_shifted(float* __restrict s, float shift, int64_t n) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < n; ++j) {
    s[j] = exp_approx(s[j] - shift);
    sum += s[j];
  }
  return sum;
}

// Loads row t of head (b, h) of a view into `out` (D floats), times `factor`.
GLOSSA_INLINE void load_row(const AttentionView& x, int64_t b, int64_t h, int64_t t, int64_t d_len,
                            float factor, float* __restrict out) {
  const float* row = x.at(b, h, t);
  for (int64_t d = 0; d < d_len; ++d) out[d] = factor * row[d * x.stride[3]];
}

}  // namespace

GLOSSA_VECTOR_CLONES
void causal_attention_forward_head(const AttentionShape& shape, const AttentionView& q,
                                   const AttentionView& k, const AttentionView& v,
                                   const AttentionView& o, float* lse, int64_t b, int64_t h,
                                   AttentionScratch& scratch) {
  const int64_t t_len = shape.length, d_len = shape.head_dim;
  const int64_t kvh = h / (shape.heads / shape.kv_heads);
  const int64_t stride = padded_length(t_len);
  scratch.buffer.assign(static_cast<size_t>((2 * d_len + 1) * stride + d_len), 0.0f);
  float* k_t = scratch.buffer.data();  // (D, stride)
  float* v_t = k_t + d_len * stride;   // (D, stride)
  float* s = v_t + d_len * stride;     // (stride) scores, then probabilities of one row
  float* q_row = s + stride;           // (D) scaled query
  pack_transposed(k, b, kvh, t_len, stride, d_len, k_t);
  pack_transposed(v, b, kvh, t_len, stride, d_len, v_t);
  for (int64_t i = 0; i < t_len; ++i) {
    const int64_t n = i + 1;  // keys 0..i
    load_row(q, b, h, i, d_len, shape.scale, q_row);
    combine_rows(q_row, k_t, stride, d_len, n, s);
    float max = s[0];
#pragma omp simd reduction(max : max)
    for (int64_t j = 0; j < n; ++j) max = std::max(max, s[j]);
    const float sum = exp_shifted(s, max, n);
    const float inv = 1.0f / sum;
    float* out = o.at(b, h, i);
    for (int64_t d = 0; d < d_len; ++d) out[d * o.stride[3]] = dot(s, v_t + d * stride, n) * inv;
    lse[i] = max + std::log(sum);
  }
}

GLOSSA_VECTOR_CLONES
void causal_attention_backward_kv_head(const AttentionShape& shape, const AttentionView& q,
                                       const AttentionView& k, const AttentionView& v,
                                       const AttentionView& o, const AttentionView& grad_o,
                                       const float* lse, const AttentionView& grad_q,
                                       const AttentionView& grad_k, const AttentionView& grad_v,
                                       int64_t b, int64_t kvh, AttentionScratch& scratch) {
  const int64_t t_len = shape.length, d_len = shape.head_dim;
  const int64_t groups = shape.heads / shape.kv_heads;
  const int64_t stride = padded_length(t_len);
  scratch.buffer.assign(static_cast<size_t>((4 * d_len + 2) * stride + 4 * d_len), 0.0f);
  float* k_t = scratch.buffer.data();   // (D, stride)
  float* v_t = k_t + d_len * stride;    // (D, stride)
  float* dk_t = v_t + d_len * stride;   // (D, stride) accumulated over the group's query heads
  float* dv_t = dk_t + d_len * stride;  // (D, stride)
  float* p = dv_t + d_len * stride;     // (stride) probabilities of one row
  float* ds = p + stride;               // (stride) dP, then scale * dS
  float* q_row = ds + stride;           // (D)
  float* do_row = q_row + d_len;        // (D)
  float* o_row = do_row + d_len;        // (D)
  float* q_scaled = o_row + d_len;      // (D) scale * q_row
  pack_transposed(k, b, kvh, t_len, stride, d_len, k_t);
  pack_transposed(v, b, kvh, t_len, stride, d_len, v_t);
  for (int64_t h = kvh * groups; h < (kvh + 1) * groups; ++h) {
    const float* lse_h = lse + (b * shape.heads + h) * t_len;
    for (int64_t i = 0; i < t_len; ++i) {
      const int64_t n = i + 1;
      load_row(q, b, h, i, d_len, 1.0f, q_row);
      for (int64_t d = 0; d < d_len; ++d) q_scaled[d] = shape.scale * q_row[d];
      load_row(grad_o, b, h, i, d_len, 1.0f, do_row);
      load_row(o, b, h, i, d_len, 1.0f, o_row);
      const float delta = dot(do_row, o_row, d_len);  // D_i = dO_i . O_i
      combine_rows(q_scaled, k_t, stride, d_len, n, p);
      exp_shifted(p, lse_h[i], n);  // the probabilities (their sum, ~1, is not needed)
      combine_rows(do_row, v_t, stride, d_len, n, ds);  // dP_ij = dO_i . v_j
      add_outer(do_row, p, stride, d_len, n, dv_t);     // dV_j += P_ij dO_i
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) ds[j] = p[j] * (ds[j] - delta) * shape.scale;
      float* dq = grad_q.at(b, h, i);
      for (int64_t d = 0; d < d_len; ++d) dq[d * grad_q.stride[3]] = dot(ds, k_t + d * stride, n);
      add_outer(q_row, ds, stride, d_len, n, dk_t);  // dK_j += dS_ij q_i (the scale is in dS)
    }
  }
  unpack_transposed(dk_t, t_len, stride, d_len, grad_k, b, kvh);
  unpack_transposed(dv_t, t_len, stride, d_len, grad_v, b, kvh);
}

}  // namespace glossa

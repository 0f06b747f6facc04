// The register-blocked tiles of Glossa's CPU causal attention kernel (causal_attention_kernel.cpp,
// its only includer), templated on the vector width W (8 floats for AVX2, 16 for AVX-512) so
// that one source serves every instruction set the kernel is compiled for. All inline: they are
// inlined into the kernel's per-instruction-set entry points, which set the target.
//
// Layouts: key/value matrices are transposed, (D, stride) row-major, stride a multiple of 2 W
// and zero-filled past T; query-side matrices are (kAttentionRows, D) row-major; score-like
// matrices are (kAttentionRows, stride). A block is kAttentionRows query rows starting at i0, a
// multiple of kAttentionRows; row r sees keys 0 .. i0 + r.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

#include "training/kernels/causal_attention_kernel.h"

namespace glossa::attention_tiles {

#define GLOSSA_INLINE [[gnu::always_inline]] inline

constexpr int64_t kAttentionRows = 8;

// W floats (or ints) in vector registers (GCC vector extension). `may_alias` and 4-byte
// alignment: loads and stores anywhere in float arrays.
template <int W>
struct Lanes {
  typedef float Vec __attribute__((vector_size(4 * W), aligned(4), may_alias));
  typedef int32_t Int __attribute__((vector_size(4 * W)));
};

template <int W>
GLOSSA_INLINE typename Lanes<W>::Vec load(const float* p) {
  return *reinterpret_cast<const typename Lanes<W>::Vec*>(p);
}

template <int W>
GLOSSA_INLINE void store(float* p, typename Lanes<W>::Vec v) {
  *reinterpret_cast<typename Lanes<W>::Vec*>(p) = v;
}

template <int W>
GLOSSA_INLINE typename Lanes<W>::Int lane_index() {  // {0, 1, ..., W - 1}
  typename Lanes<W>::Int lane;
  for (int i = 0; i < W; ++i) lane[i] = i;
  return lane;
}

// The sum of v's lanes, halves first (a fixed order; no lane-by-lane memory round trip).
template <int W>
GLOSSA_INLINE float lane_sum(typename Lanes<W>::Vec v) {
  if constexpr (W == 4) {
    return (v[0] + v[2]) + (v[1] + v[3]);
  } else {
    typename Lanes<W / 2>::Vec low, high;
    std::memcpy(&low, &v, sizeof low);
    std::memcpy(&high, reinterpret_cast<const char*>(&v) + sizeof low, sizeof high);
    return lane_sum<W / 2>(low + high);
  }
}

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

// s[r, j] = sum_d a[r, d] bt[d, j] for every row r of a (kAttentionRows, D) and key j < width (a
// multiple of 2 W). Tiles of 4 rows x 2 W keys: eight independent accumulators, two key vectors
// loaded per four broadcast row values.
template <int W>
GLOSSA_INLINE void scores(const float* __restrict a, const float* __restrict bt, int64_t stride,
                          int64_t d_len, int64_t width, float* __restrict s) {
  for (int64_t r0 = 0; r0 < kAttentionRows; r0 += 4)
    for (int64_t j0 = 0; j0 < width; j0 += 2 * W) {
      typename Lanes<W>::Vec acc[4][2] = {};
      for (int64_t d = 0; d < d_len; ++d) {
        const auto b0 = load<W>(bt + d * stride + j0), b1 = load<W>(bt + d * stride + j0 + W);
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) {
          const float c = a[(r0 + r) * d_len + d];
          acc[r][0] += c * b0;
          acc[r][1] += c * b1;
        }
      }
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        store<W>(s + (r0 + r) * stride + j0, acc[r][0]);
        store<W>(s + (r0 + r) * stride + j0 + W, acc[r][1]);
      }
    }
}

// mt[d, j] += sum_r c[r, d] x[r, j] for d in [d0, d0 + ND) and j in [j0, j0 + 2 W): the
// accumulators stay in registers across the block's rows.
template <int W, int ND>
GLOSSA_INLINE void update_tile(const float* __restrict c, int64_t d_len, const float* __restrict x,
                               int64_t stride, int64_t d0, int64_t j0, float* __restrict mt) {
  typename Lanes<W>::Vec acc[ND][2];
#pragma GCC unroll 4
  for (int dd = 0; dd < ND; ++dd) {
    acc[dd][0] = load<W>(mt + (d0 + dd) * stride + j0);
    acc[dd][1] = load<W>(mt + (d0 + dd) * stride + j0 + W);
  }
#pragma GCC unroll 8
  for (int64_t r = 0; r < kAttentionRows; ++r) {
    const auto x0 = load<W>(x + r * stride + j0), x1 = load<W>(x + r * stride + j0 + W);
#pragma GCC unroll 4
    for (int dd = 0; dd < ND; ++dd) {
      const float w = c[r * d_len + d0 + dd];
      acc[dd][0] += w * x0;
      acc[dd][1] += w * x1;
    }
  }
#pragma GCC unroll 4
  for (int dd = 0; dd < ND; ++dd) {
    store<W>(mt + (d0 + dd) * stride + j0, acc[dd][0]);
    store<W>(mt + (d0 + dd) * stride + j0 + W, acc[dd][1]);
  }
}

// mt (D, stride) += c^T x: c is (kAttentionRows, D), x (kAttentionRows, stride) with zeros
// wherever a row does not see a key, for keys j < width (a multiple of 2 W).
template <int W>
GLOSSA_INLINE void update(const float* __restrict c, const float* __restrict x, int64_t stride,
                          int64_t d_len, int64_t width, float* __restrict mt) {
  for (int64_t j0 = 0; j0 < width; j0 += 2 * W) {
    int64_t d0 = 0;
    for (; d0 + 4 <= d_len; d0 += 4) update_tile<W, 4>(c, d_len, x, stride, d0, j0, mt);
    for (; d0 < d_len; ++d0) update_tile<W, 1>(c, d_len, x, stride, d0, j0, mt);
  }
}

// out[r, dd] = sum_j x[r0 + r, j] bt[d0 + dd, j] for r < 2, dd < ND, over exactly the keys row
// i0 + r0 + r sees: whole vectors below i0 unmasked, then lane by lane up to the block's last
// key, so that a NaN or infinity in a key the row does not see cannot reach it through 0 * NaN.
template <int W, int ND>
GLOSSA_INLINE void reduce_tile(const float* __restrict x, int64_t stride,
                               const float* __restrict bt, int64_t r0, int64_t d0, int64_t i0,
                               float out[2][ND]) {
  typename Lanes<W>::Vec acc[2][ND] = {};
  const int64_t unmasked = i0 / W * W;
  for (int64_t j = 0; j < unmasked; j += W) {
    const auto x0 = load<W>(x + r0 * stride + j), x1 = load<W>(x + (r0 + 1) * stride + j);
#pragma GCC unroll 4
    for (int dd = 0; dd < ND; ++dd) {
      const auto b = load<W>(bt + (d0 + dd) * stride + j);
      acc[0][dd] += x0 * b;
      acc[1][dd] += x1 * b;
    }
  }
  const typename Lanes<W>::Vec zero = {};
  for (int64_t j = unmasked; j < i0 + kAttentionRows; j += W) {
    const auto key = lane_index<W>() + static_cast<int32_t>(j);
    const auto seen0 = key <= static_cast<int32_t>(i0 + r0),
               seen1 = key <= static_cast<int32_t>(i0 + r0 + 1);
    const auto x0 = load<W>(x + r0 * stride + j), x1 = load<W>(x + (r0 + 1) * stride + j);
#pragma GCC unroll 4
    for (int dd = 0; dd < ND; ++dd) {
      const auto b = load<W>(bt + (d0 + dd) * stride + j);
      acc[0][dd] += seen0 ? x0 * b : zero;
      acc[1][dd] += seen1 ? x1 * b : zero;
    }
  }
  for (int r = 0; r < 2; ++r)
    for (int dd = 0; dd < ND; ++dd) out[r][dd] = lane_sum<W>(acc[r][dd]);
}

// Rows i0 + r (r < kAttentionRows, i0 + r < T) of the (B, H, T, D) view `out` at (b, h) =
// factor[r] * (x bt^T)[r, :].
template <int W>
GLOSSA_INLINE void reduce(const float* __restrict x, int64_t stride, const float* __restrict bt,
                          int64_t d_len, int64_t i0, int64_t t_len, const float* factor,
                          const AttentionView& out, int64_t b, int64_t h) {
  const int64_t step = out.stride[3];
  for (int64_t r0 = 0; r0 < kAttentionRows && i0 + r0 < t_len; r0 += 2) {
    float* row0 = out.at(b, h, i0 + r0);
    float* row1 = i0 + r0 + 1 < t_len ? out.at(b, h, i0 + r0 + 1) : nullptr;
    int64_t d0 = 0;
    for (; d0 + 4 <= d_len; d0 += 4) {
      float part[2][4];
      reduce_tile<W, 4>(x, stride, bt, r0, d0, i0, part);
      for (int dd = 0; dd < 4; ++dd) {
        row0[(d0 + dd) * step] = factor[r0] * part[0][dd];
        if (row1) row1[(d0 + dd) * step] = factor[r0 + 1] * part[1][dd];
      }
    }
    for (; d0 < d_len; ++d0) {
      float part[2][1];
      reduce_tile<W, 1>(x, stride, bt, r0, d0, i0, part);
      row0[d0 * step] = factor[r0] * part[0][0];
      if (row1) row1[d0 * step] = factor[r0 + 1] * part[1][0];
    }
  }
}

// max_j row[j] over j < n (the row holds n rounded up to W floats), ignoring NaN as std::max
// does (the NaN then reaches the row through exp): two vector chains, lanes past n masked.
template <int W>
GLOSSA_INLINE float row_max(const float* __restrict row, int64_t n) {
  typename Lanes<W>::Vec lowest;
  for (int i = 0; i < W; ++i) lowest[i] = -std::numeric_limits<float>::infinity();
  auto m0 = lowest, m1 = lowest;
  int64_t j = 0;
  for (; j + 2 * W <= n; j += 2 * W) {
    const auto x0 = load<W>(row + j), x1 = load<W>(row + j + W);
    m0 = m0 < x0 ? x0 : m0;
    m1 = m1 < x1 ? x1 : m1;
  }
  m0 = m0 < m1 ? m1 : m0;
  for (; j < n; j += W) {
    const auto x = load<W>(row + j);
    const auto kept =
        lane_index<W>() + static_cast<int32_t>(j) < static_cast<int32_t>(n) ? x : lowest;
    m0 = m0 < kept ? kept : m0;
  }
  float max = m0[0];
  for (int i = 1; i < W; ++i) max = std::max(max, m0[i]);
  return max;
}

#undef GLOSSA_INLINE

}  // namespace glossa::attention_tiles

// A seeded pseudo-random generator whose output is the same on every platform and standard
// library (shared by the data order and MinHash deduplication): SplitMix64 (Steele, Lea, Flood 2014) plus integer-only derivations of uniform values.
// std::mt19937 itself is portable but std::uniform_int_distribution / std::shuffle are not (their
// algorithms differ between libstdc++, libc++ and MSVC), so the data order never uses them.
// docs/training-data.md gives the exact formulas; tests/python/data_order_reference.py
// re-implements them.
#pragma once

#include <cstdint>

namespace glossa {

// SplitMix64's output function: a bijective 64-bit mixer.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// SplitMix64 at position x: the x-th output of a generator started at 0, as a hash of x.
inline uint64_t splitmix64(uint64_t x) { return mix64(x + 0x9E3779B97F4A7C15ULL); }

// A seed for an independent stream, from the run seed and two labels (source index, epoch).
inline uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b) {
  return mix64(mix64(mix64(seed) ^ a) ^ b);
}

class SeededRng {
 public:
  static constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;  // SplitMix64's increment

  explicit SeededRng(uint64_t state = 0) : state_(state) {}

  uint64_t next() {
    state_ += kGamma;
    return mix64(state_);
  }
  // Uniform in [0, 1) with 53 bits: the top 53 bits of next() times 2^-53.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n) for n >= 1, unbiased: rejects draws at or above the largest multiple of n
  // that fits in 2^64, then takes the remainder.
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // multiple of n (or 2^64 - 1 edge)
    uint64_t x = next();
    while (x >= limit) x = next();
    return x % n;
  }

  uint64_t state() const { return state_; }  // all there is to save for an exact resume

 private:
  uint64_t state_;
};

}  // namespace glossa

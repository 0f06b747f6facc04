// A fast 64-bit hash of short byte strings (words, pieces), shared by the counting memo and the
// BPE encoder's piece table. Not stable across versions: never store it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace glossa {

// 64×64 → 128-bit multiply folded to 64 bits.
inline uint64_t mix_multiply(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// Multiply-xor, 8 bytes per step.
inline uint64_t short_hash(std::string_view bytes) {
  constexpr uint64_t kSeed = 0x9E3779B97F4A7C15ull, kMul = 0xBF58476D1CE4E5B9ull;
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t h = kSeed ^ (n * 0x94D049BB133111EBull);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = mix_multiply(h ^ v, kMul);
    p += 8;
    n -= 8;
  }
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return mix_multiply(h ^ v, kMul ^ kSeed);
}

}  // namespace glossa

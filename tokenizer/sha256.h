// SHA-256 for fingerprints of files and tokenizers (FIPS 180-4). Streaming.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace glossa {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  std::array<uint8_t, 32> digest();  // finishes; the object must not be updated afterwards
  std::string hex_digest();

  static std::string hex(std::string_view data);

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffer_size_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace glossa

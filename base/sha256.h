// SHA-256 (FIPS 180-4) for fingerprints of files, tokenizers and checkpoints, computed by
// OpenSSL's libcrypto (SHA extensions or AVX2 where the CPU has them: a 13 GB checkpoint hashes
// in seconds; docs/benchmarks.md, "SHA-256"). Streaming.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace glossa {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  std::array<uint8_t, 32> digest();  // finishes; the object must not be updated afterwards
  std::string hex_digest();

  static std::string hex(std::string_view data);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// SHA-256 of a whole file, read in large blocks; hex. Throws Error naming the file.
std::string sha256_file(const std::string& path);

}  // namespace glossa

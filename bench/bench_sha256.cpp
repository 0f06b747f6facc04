// SHA-256 throughput: in memory (Sha256::update over 1 MiB blocks) and of a file (sha256_file, as
// checkpoints are hashed after writing and on resume):
//   glossa-bench-sha256 [FILE] [--mb N]
// Without FILE, hashes N MiB (default 512) of pseudo-random bytes in memory. Prints MB/s.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "base/sha256.h"

int main(int argc, char** argv) {
  std::string file;
  size_t mib = 512;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mb") == 0 && i + 1 < argc) {
      mib = std::stoul(argv[++i]);
    } else {
      file = argv[i];
    }
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    double bytes = 0;
    std::string digest;
    if (file.empty()) {
      std::vector<char> block(size_t(1) << 20);
      uint64_t x = 0x9E3779B97F4A7C15ull;
      for (char& c : block) c = char((x = x * 6364136223846793005ull + 1) >> 56);
      glossa::Sha256 sha;
      for (size_t i = 0; i < mib; ++i) sha.update(std::string_view(block.data(), block.size()));
      digest = sha.hex_digest();
      bytes = double(mib) * double(block.size());
    } else {
      digest = glossa::sha256_file(file);
      bytes = double(glossa::file_size(file));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s: %.0f MB in %.3f s = %.1f MB/s (sha256 %s)\n",
                file.empty() ? "memory" : file.c_str(), bytes / 1e6, seconds,
                bytes / 1e6 / seconds, digest.c_str());
  } catch (const glossa::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}

// A streaming source of the bytes of a file, decompressed on the fly. The compression is chosen
// by the file's magic bytes, not its name: gzip (1F 8B, several concatenated members allowed, as
// `cat a.gz b.gz` or pigz write them), zstd (28 B5 2F FD, several frames and skippable frames
// allowed) or none. bzip2, xz, zip and lz4 files are recognised and refused with a hint.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace glossa {

enum class Compression { kNone, kGzip, kZstd };

const char* compression_name(Compression compression);  // "none", "gzip", "zstd"

class ByteSource {
 public:
  // Opens `path` and looks at its first bytes. Throws Error naming the file when it cannot be
  // opened or read, or when it is compressed in a format Glossa does not read.
  static std::unique_ptr<ByteSource> open(const std::string& path);

  virtual ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Copies up to `capacity` decompressed bytes into `out`; returns 0 only at the end of the
  // stream. Throws Error naming the file and the compressed byte offset when the compressed
  // stream is corrupt or truncated.
  virtual size_t read(char* out, size_t capacity) = 0;

  Compression compression() const { return compression_; }
  const std::string& path() const { return path_; }
  uint64_t disk_size() const { return disk_size_; }
  // Bytes of the file on disk consumed so far (compressed bytes for compressed files); reaches
  // disk_size() at the end. For progress.
  uint64_t disk_bytes_consumed() const { return consumed_; }

 protected:
  ByteSource(std::string path, int fd, uint64_t disk_size, Compression compression);
  // Reads up to `capacity` raw bytes of the file; 0 at its end. Throws Error on a read error.
  size_t read_disk(char* out, size_t capacity);

  std::string path_;
  int fd_ = -1;
  uint64_t disk_size_ = 0;
  uint64_t disk_read_ = 0;  // raw bytes read from the file so far
  uint64_t consumed_ = 0;   // raw bytes handed to the decoder (or out, when plain)
  Compression compression_ = Compression::kNone;
};

}  // namespace glossa

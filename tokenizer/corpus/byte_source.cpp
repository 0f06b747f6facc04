#include "tokenizer/corpus/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace glossa {

namespace {
constexpr size_t kMagicBytes = 16;                      // enough for every magic number checked
constexpr size_t kCompressedChunk = size_t(256) << 10;  // compressed bytes read at once


bool starts_with(std::string_view head, std::string_view magic) {
  return head.substr(0, magic.size()) == magic;
}

// Recognised formats Glossa refuses, with a hint how to convert them.
void refuse_other_compression(const std::string& path, std::string_view head) {
  const auto refuse = [&](const char* name, const char* tool) {
    fail(path, std::string("file is ") + name + "-compressed; Glossa reads plain, gzip and " +
                   "zstd files: decompress it (" + tool + ") or recompress it with zstd");
  };
  if (starts_with(head, std::string_view("\xFD"
                                         "7zXZ\0",
                                         6)))
    refuse("xz", "xz -d");
  if (head.size() >= 10 && starts_with(head, "BZh") && head[3] >= '1' && head[3] <= '9' &&
      starts_with(head.substr(4), "\x31\x41\x59\x26\x53\x59"))
    refuse("bzip2", "bunzip2");
  if (starts_with(head, "PK\x03\x04")) refuse("zip", "unzip");
  if (starts_with(head, "\x04\x22\x4D\x18")) refuse("lz4", "lz4 -d");
}

bool is_zstd_magic(std::string_view head) {
  if (starts_with(head, "\x28\xB5\x2F\xFD")) return true;
  // Skippable frames: 0x184D2A50..5F, little endian (a file may begin with one).
  return head.size() >= 4 && (uint8_t(head[0]) & 0xF0) == 0x50 &&
         starts_with(head.substr(1), "\x2A\x4D\x18");
}
}  // namespace

const char* compression_name(Compression compression) {
  switch (compression) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

ByteSource::ByteSource(std::string path, int fd, uint64_t disk_size, Compression compression)
    : path_(std::move(path)), fd_(fd), disk_size_(disk_size), compression_(compression) {}

ByteSource::~ByteSource() {
  if (fd_ >= 0) ::close(fd_);
}

size_t ByteSource::read_disk(char* out, size_t capacity) {
  for (;;) {
    const ssize_t n = ::read(fd_, out, capacity);
    if (n >= 0) {
      disk_read_ += uint64_t(n);
      return size_t(n);
    }
    if (errno != EINTR)
      fail(path_, "read error at byte " + std::to_string(disk_read_) + ": " + errno_text());
  }
}

namespace {

// Plain files: read straight into the caller's buffer.
class PlainSource final : public ByteSource {
 public:
  PlainSource(std::string path, int fd, uint64_t size)
      : ByteSource(std::move(path), fd, size, Compression::kNone) {}
  size_t read(char* out, size_t capacity) override {
    const size_t n = read_disk(out, capacity);
    consumed_ = disk_read_;
    return n;
  }
};

class GzipSource final : public ByteSource {
 public:
  GzipSource(std::string path, int fd, uint64_t size)
      : ByteSource(std::move(path), fd, size, Compression::kGzip), in_(kCompressedChunk) {
    std::memset(&zs_, 0, sizeof zs_);
    if (inflateInit2(&zs_, 15 + 16) != Z_OK)  // 15: max window, +16: gzip wrapper only
      fail(path_, "cannot initialise zlib");
  }
  ~GzipSource() override { inflateEnd(&zs_); }

  size_t read(char* out, size_t capacity) override {
    if (capacity == 0) return 0;
    zs_.next_out = reinterpret_cast<Bytef*>(out);
    zs_.avail_out = uInt(std::min<size_t>(capacity, 1u << 30));
    const uInt wanted = zs_.avail_out;
    while (zs_.avail_out == wanted) {
      if (zs_.avail_in == 0 && !refill()) break;
      if (!in_member_ && !start_member()) break;
      const int ret = inflate(&zs_, Z_NO_FLUSH);
      consumed_ = disk_read_ - zs_.avail_in;
      if (ret == Z_STREAM_END) {
        in_member_ = false;
      } else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT) {
        fail(path_, "corrupt gzip data at compressed byte " + std::to_string(consumed_) + " (" +
                        (zs_.msg ? zs_.msg : "invalid data") + "); the file is damaged");
      } else if (ret == Z_MEM_ERROR) {
        fail(path_, "out of memory while decompressing gzip data");
      }
    }
    return wanted - zs_.avail_out;
  }

 private:
  // Fills the input buffer; false at the end of the file. Ending inside a member is an error.
  bool refill() {
    const size_t n = read_disk(reinterpret_cast<char*>(in_.data()), in_.size());
    zs_.next_in = in_.data();
    zs_.avail_in = uInt(n);
    if (n > 0) return true;
    if (in_member_)
      fail(path_, "truncated gzip stream at compressed byte " + std::to_string(disk_read_) +
                      ": the file ends inside gzip member " + std::to_string(members_) +
                      "; it is incomplete (re-download or re-compress it)");
    return false;
  }

  // At a member boundary with input left: a next member must follow (zero padding is ignored,
  // as gzip does). False when only padding remained.
  bool start_member() {
    for (;;) {
      while (zs_.avail_in > 0 && *zs_.next_in == 0) {
        ++zs_.next_in;
        --zs_.avail_in;
      }
      if (zs_.avail_in > 0) break;
      if (!refill()) return false;
    }
    if (*zs_.next_in != 0x1F)
      fail(path_, "unexpected data after gzip member " + std::to_string(members_) +
                      " at compressed byte " + std::to_string(disk_read_ - zs_.avail_in) +
                      " (not a gzip header); the file is damaged or not plain gzip");
    if (members_ > 0 && inflateReset(&zs_) != Z_OK) fail(path_, "cannot reset zlib");
    ++members_;
    in_member_ = true;
    return true;
  }

  z_stream zs_;
  std::vector<Bytef> in_;
  bool in_member_ = false;
  uint64_t members_ = 0;
};

class ZstdSource final : public ByteSource {
 public:
  ZstdSource(std::string path, int fd, uint64_t size)
      : ByteSource(std::move(path), fd, size, Compression::kZstd), in_(kCompressedChunk) {
    ds_ = ZSTD_createDStream();
    if (!ds_) fail(path_, "cannot create a zstd decompression stream");
    ZSTD_initDStream(ds_);
  }
  ~ZstdSource() override { ZSTD_freeDStream(ds_); }

  size_t read(char* out, size_t capacity) override {
    ZSTD_outBuffer output{out, capacity, 0};
    while (output.pos == 0 && capacity > 0) {
      if (input_.pos == input_.size && !at_eof_) refill();
      const size_t input_before = input_.pos;
      // With no input left, a call still flushes what the decoder holds.
      const size_t ret = ZSTD_decompressStream(ds_, &output, &input_);
      consumed_ = disk_read_ - (input_.size - input_.pos);
      if (ZSTD_isError(ret))
        fail(path_, "corrupt zstd data at compressed byte " + std::to_string(consumed_) + " (" +
                        ZSTD_getErrorName(ret) + "); the file is damaged");
      // 0 = a frame is complete and flushed. A call that moves nothing (after the last frame)
      // returns the header size of a next frame instead: it says nothing about truncation.
      const bool progressed = input_.pos != input_before || output.pos > 0;
      if (progressed) frame_open_ = ret != 0;
      if (!progressed && input_.pos == input_.size && at_eof_) {
        if (frame_open_)
          fail(path_, "truncated zstd stream at compressed byte " + std::to_string(disk_read_) +
                          ": the file ends inside a zstd frame; it is incomplete "
                          "(re-download or re-compress it)");
        break;
      }
    }
    return output.pos;
  }

 private:
  void refill() {
    const size_t n = read_disk(in_.data(), in_.size());
    input_ = ZSTD_inBuffer{in_.data(), n, 0};
    at_eof_ = n == 0;
  }

  ZSTD_DStream* ds_ = nullptr;
  std::vector<char> in_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  bool at_eof_ = false;
  bool frame_open_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> ByteSource::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot open for reading: " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    const std::string why = S_ISDIR(st.st_mode) ? "is a directory, not a file" : errno_text();
    ::close(fd);
    fail(path, "cannot read: " + why);
  }
  char head[kMagicBytes];
  const ssize_t n = ::pread(fd, head, sizeof head, 0);
  if (n < 0) {
    const std::string why = errno_text();
    ::close(fd);
    fail(path, "cannot read (" + why + "); corpus files must be regular files");
  }
  const std::string_view magic(head, size_t(n));
  const uint64_t size = uint64_t(st.st_size);
  try {
    refuse_other_compression(path, magic);
  } catch (...) {
    ::close(fd);
    throw;
  }
  // From here the ByteSource owns fd (its destructor closes it, also when a constructor throws).
  if (starts_with(magic, "\x1F\x8B")) return std::make_unique<GzipSource>(path, fd, size);
  if (is_zstd_magic(magic)) return std::make_unique<ZstdSource>(path, fd, size);
  return std::make_unique<PlainSource>(path, fd, size);
}

}  // namespace glossa

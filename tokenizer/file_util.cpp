#include "tokenizer/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "tokenizer/error.h"
#include "tokenizer/sha256.h"

namespace glossa {

namespace {
std::string errno_text() { return std::strerror(errno); }

constexpr size_t kFingerprintWindow = 1 << 20;  // bytes hashed at each end of the file
}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading: " + errno_text());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(path, "read error: " + errno_text());
  return bytes;
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::filesystem::path target(path);
  const std::string temp =
      (target.parent_path() / ("." + target.filename().string() + ".tmp" +
                               std::to_string(std::random_device{}() % 1000000)))
          .string();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail(path, "cannot create temporary file " + temp + ": " + errno_text());
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = errno_text();
      ::close(fd);
      ::unlink(temp.c_str());
      fail(path, "write failed (" + why + "); the previous file, if any, is unchanged");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(temp.c_str());
    fail(path, "could not flush (" + why + "); the previous file, if any, is unchanged");
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(temp.c_str());
    fail(path, "could not rename temporary file into place: " + why);
  }
}

uint64_t file_size(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(path, "cannot stat: " + errno_text());
  return static_cast<uint64_t>(st.st_size);
}

std::string file_fingerprint(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(path, "cannot stat: " + errno_text());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading: " + errno_text());
  Sha256 sha;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  sha.update(std::to_string(size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
             std::to_string(st.st_mtim.tv_nsec) + ":");
  std::string buffer(std::min<uint64_t>(size, kFingerprintWindow), '\0');
  in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  sha.update(buffer);
  if (size > kFingerprintWindow) {
    const uint64_t tail = std::min<uint64_t>(size - kFingerprintWindow, kFingerprintWindow);
    in.seekg(static_cast<std::streamoff>(size - tail));
    buffer.assign(tail, '\0');
    in.read(buffer.data(), static_cast<std::streamsize>(tail));
    sha.update(buffer);
  }
  return sha.hex_digest();
}

}  // namespace glossa

#include "base/file_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/sha256.h"

namespace glossa {

namespace {
constexpr size_t kFingerprintWindow = 1 << 20;  // bytes hashed at each end of the file
}  // namespace

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot open for reading: " + errno_text());
  struct stat st {};
  std::string bytes;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) bytes.reserve(size_t(st.st_size));
  char block[1 << 16];
  for (;;) {  // to the end, whatever fstat said (a pipe, a file still growing)
    const ssize_t n = ::read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string why = errno_text();
      ::close(fd);
      fail(path, "read error: " + why);
    }
    if (n == 0) break;
    bytes.append(block, size_t(n));
  }
  ::close(fd);
  return bytes;
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based; turn it into a line and column a user can go to.
    const size_t at = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const size_t line = 1 + size_t(std::count(text.begin(), text.begin() + at, '\n'));
    const size_t line_start = text.rfind('\n', at == 0 ? 0 : at - 1);
    const size_t column = at - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
    fail(path + ":" + std::to_string(line) + ":" + std::to_string(column),
         "not valid JSON: " + std::string(e.what()));
  }
}

void remove_tree(const std::string& path) {
  ::nftw(
      path.c_str(),
      [](const char* p, const struct stat*, int, FTW*) {
        ::remove(p);  // keep going: remove what can be removed
        return 0;
      },
      16, FTW_DEPTH | FTW_PHYS);
}

void make_parent_dirs(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error) fail(path, "cannot create the folder " + parent.string() + ": " + error.message());
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

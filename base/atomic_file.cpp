#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"

namespace glossa {

namespace {
constexpr size_t kBufferBytes = size_t(1) << 20;  // write() batches this much per system call
std::atomic<uint64_t> g_temporaries{0};           // distinct names within one process
}  // namespace

std::string temporary_path(const std::string& path) {
  const std::filesystem::path target(path);
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on the chained operator+.
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-";
  name += std::to_string(::getpid());
  name += '-';
  name += std::to_string(g_temporaries++);
  return (target.parent_path() / name).string();
}

void rename_into_place(const std::string& temporary, const std::string& path) {
  if (::rename(temporary.c_str(), path.c_str()) == 0) return;
  const std::string why = errno_text();
  remove_tree(temporary);
  fail(path, "could not rename the temporary " + temporary + " into place: " + why);
}

void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(dir, "cannot open the folder to flush it: " + errno_text());
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) fail(dir, "could not flush the folder: " + errno_text(error));
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), temp_(temporary_path(path_)) {
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(path_, "cannot create the temporary file " + temp_ + ": " + errno_text());
}

AtomicFile::~AtomicFile() {
  if (!done_) abandon();
}

void AtomicFile::fail_write(const std::string& what) {
  const std::string why = errno_text();
  abandon();
  fail(path_, what + " (" + why + "); the previous file, if any, is unchanged");
}

void AtomicFile::write_direct(std::string_view bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_write("write failed");
    written += size_t(n);
  }
}

void AtomicFile::flush_buffer() {
  write_direct(buffer_);
  buffer_.clear();
}

void AtomicFile::write(std::string_view bytes) {
  if (fd_ < 0) fail(path_, "written after close");
  if (buffer_.size() + bytes.size() > kBufferBytes) flush_buffer();
  if (bytes.size() >= kBufferBytes) {
    write_direct(bytes);  // one large write goes straight through
  } else {
    buffer_.append(bytes);
  }
}

void AtomicFile::write_at(const void* data, size_t size, uint64_t offset) {
  if (fd_ < 0) fail(path_, "written after close");
  flush_buffer();
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_write("write failed");
    p += n;
    size -= size_t(n);
    offset += uint64_t(n);
  }
}

void AtomicFile::close() {
  if (fd_ < 0) return;
  flush_buffer();
  if (::fsync(fd_) != 0) fail_write("could not flush to disk");
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail_write("could not close");
}

void AtomicFile::commit() {
  close();
  done_ = true;
  rename_into_place(temp_, path_);
}

void AtomicFile::abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
  done_ = true;
}

}  // namespace glossa

#include "base/process_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"

namespace glossa {

ProcessPipe::ProcessPipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe", "cannot create a pipe: " + errno_text());
  read_ = fds[0];
  write_ = fds[1];
  ::fcntl(read_, F_SETFL, O_NONBLOCK);
}

ProcessPipe::~ProcessPipe() {
  close_read();
  close_write();
}

void ProcessPipe::close_read() {
  if (read_ >= 0) ::close(read_);
  read_ = -1;
}

void ProcessPipe::close_write() {
  if (write_ >= 0) ::close(write_);
  write_ = -1;
}

bool LineBuffer::drain(int fd, const OnLine& on_line) {
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return true;  // EAGAIN: nothing more for now
    if (n == 0) return false;
    buffer_.append(chunk, size_t(n));
    size_t start = 0, end;
    while ((end = buffer_.find('\n', start)) != std::string::npos) {
      on_line(buffer_.substr(start, end - start));
      start = end + 1;
    }
    buffer_.erase(0, start);
  }
}

void LineBuffer::flush(const OnLine& on_line) {
  if (!buffer_.empty()) on_line(buffer_);
  buffer_.clear();
}

bool write_all(int fd, const std::string& bytes) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    written += size_t(n);
  }
  return true;
}

}  // namespace glossa

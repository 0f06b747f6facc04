// Pipes to and from child processes, and reading them line by line without blocking: shared by
// tokenizer training (which forks SentencePiece) and the job layer (which execs glossa-worker).
#pragma once

#include <functional>
#include <string>

namespace glossa {

// A pipe whose ends close on exec (O_CLOEXEC); the read end does not block.
class ProcessPipe {
 public:
  ProcessPipe();  // throws Error naming errno's text
  ~ProcessPipe();
  ProcessPipe(const ProcessPipe&) = delete;
  ProcessPipe& operator=(const ProcessPipe&) = delete;

  int read_fd() const { return read_; }
  int write_fd() const { return write_; }
  void close_read();
  void close_write();

 private:
  int read_ = -1, write_ = -1;
};

// Collects bytes from a non-blocking descriptor and hands out complete lines.
class LineBuffer {
 public:
  using OnLine = std::function<void(const std::string& line)>;
  // Reads what is there now; calls on_line per complete line. false at end of file.
  bool drain(int fd, const OnLine& on_line);
  // Hands out a last line without a newline, if any.
  void flush(const OnLine& on_line);

 private:
  std::string buffer_;
};

// Writes all bytes, retrying after EINTR and partial writes. false on another error (errno set).
bool write_all(int fd, const std::string& bytes);

}  // namespace glossa

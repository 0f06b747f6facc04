// The backend's log (docs/backend.md, "Files"): timestamped lines to
// $XDG_STATE_HOME/glossa/backend.log, rotated at max_bytes into backend.log.1 .. .N (the oldest
// removed), or to stderr with --foreground. Thread-safe. A log that cannot be written never stops
// the backend: the line goes to stderr instead.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace glossa::backend {

class BackendLog {
 public:
  // path "" = stderr.
  explicit BackendLog(std::string path, uint64_t max_bytes = 4u << 20, int keep = 3);
  ~BackendLog();
  BackendLog(const BackendLog&) = delete;
  BackendLog& operator=(const BackendLog&) = delete;

  void write(const std::string& line);
  const std::string& path() const { return path_; }

 private:
  void open_file();
  void rotate();

  std::string path_;
  uint64_t max_bytes_;
  int keep_;
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace glossa::backend

// Reading the rank logs of a run (RUN_DIR/logs/rank-R.log) as they grow: the bytes appended since
// the last read, cut into complete lines (an unfinished last line waits for its newline), and the
// last lines of a log for run.get and a failed run's error. Lines are made valid UTF-8 (invalid
// bytes become U+FFFD) because they travel in JSON. Qt-free, torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace glossa::backend {

class RankLogReader {
 public:
  explicit RankLogReader(std::string path) : path_(std::move(path)) {}

  // Skips what the file holds now: only lines appended later are read.
  void skip_to_end();
  // Complete lines appended since the last call (at most about max_bytes of them per call; the
  // rest comes with the next). A file that shrank (rotated, truncated) is read from its start.
  std::vector<std::string> read_new_lines(size_t max_bytes = size_t(1) << 20);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  uint64_t offset_ = 0;  // bytes consumed, partial_ included
  std::string partial_;  // an unfinished last line
};

// The last `count` lines of a file ([] when it cannot be read); reads at most its last 256 KiB.
std::vector<std::string> tail_lines(const std::string& path, int count);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(const std::string& text);

}  // namespace glossa::backend

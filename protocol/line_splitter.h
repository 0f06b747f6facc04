// Splits a byte stream into lines of at most max_line bytes with bounded memory: a client that
// sends a megabyte without a newline, or nothing but bytes, costs at most max_line bytes of
// buffer. An oversized line is discarded up to its newline and reported once.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "protocol/rpc_message.h"

namespace glossa::protocol {

class LineSplitter {
 public:
  using OnLine = std::function<void(std::string_view line)>;  // without '\n' (a "\r" before it
                                                              // is removed too)
  using OnOversize = std::function<void(std::size_t bytes_discarded)>;

  explicit LineSplitter(std::size_t max_line = kMaxLineBytes);

  // Feeds bytes as they arrive; calls on_line for every complete line (empty lines are skipped)
  // and on_oversize once per line longer than max_line, when its end arrives.
  void feed(std::string_view bytes, const OnLine& on_line, const OnOversize& on_oversize);

  // Bytes of an unfinished line held (<= max_line), and whether the current line is being
  // discarded because it is too long.
  std::size_t pending() const { return buffer_.size(); }
  bool discarding() const { return discarding_; }
  // At end of stream: true when an unfinished line was left (a half line).
  bool has_partial_line() const { return !buffer_.empty() || discarding_; }

 private:
  std::size_t max_line_;
  std::string buffer_;
  bool discarding_ = false;
  std::size_t discarded_ = 0;
};

}  // namespace glossa::protocol

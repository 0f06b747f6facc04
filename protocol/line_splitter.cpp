#include "protocol/line_splitter.h"

#include <algorithm>

namespace glossa::protocol {

LineSplitter::LineSplitter(std::size_t max_line) : max_line_(max_line) {}

namespace {

// Calls on_line unless the line is empty, without the "\r" of a "\r\n" ending.
void deliver(std::string_view line, const LineSplitter::OnLine& on_line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty() && on_line) on_line(line);
}

// Appends without letting std::string's doubling reserve more than max_line bytes (the caller
// has checked that the bytes fit).
void append_bounded(std::string& buffer, std::string_view part, std::size_t max_line) {
  const std::size_t needed = buffer.size() + part.size();
  if (needed > buffer.capacity())
    buffer.reserve(std::min(max_line, std::max(needed, 2 * buffer.capacity())));
  buffer.append(part);
}

}  // namespace

// The limit counts every byte before the '\n', a '\r' included: buffer_ then never holds more
// than max_line bytes, whatever arrives.
void LineSplitter::feed(std::string_view bytes, const OnLine& on_line,
                        const OnOversize& on_oversize) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const bool ends = newline != std::string_view::npos;
    const std::string_view part = bytes.substr(0, ends ? newline : bytes.size());
    bytes.remove_prefix(ends ? newline + 1 : bytes.size());

    if (!discarding_ && buffer_.size() + part.size() > max_line_) {
      discarding_ = true;
      discarded_ = buffer_.size();
      buffer_.clear();
    }
    if (discarding_) {
      discarded_ += part.size();
      if (!ends) return;
      // The state is reset before the callback, so a callback that throws leaves a clean
      // splitter behind.
      const std::size_t discarded = discarded_;
      discarding_ = false;
      discarded_ = 0;
      if (on_oversize) on_oversize(discarded);
      continue;
    }
    if (!ends) {
      append_bounded(buffer_, part, max_line_);
      return;
    }
    if (buffer_.empty()) {
      deliver(part, on_line);  // the common case: a whole line inside one read, no copy
    } else {
      append_bounded(buffer_, part, max_line_);
      const std::string line = std::move(buffer_);
      buffer_.clear();
      deliver(line, on_line);
    }
  }
}

}  // namespace glossa::protocol

#include "tokenizer/corpus/line_reader.h"

#include <algorithm>
#include <cstring>

#include "tokenizer/text/utf8.h"

namespace glossa {

namespace {
constexpr size_t kMinSegmentBytes = 4;  // room for any one UTF-8 character

// How the next segment is cut from `avail` bytes at `data`.
struct Cut {
  size_t size = 0;     // bytes of the segment's text
  size_t consume = 0;  // bytes to step over (text plus '\n')
  bool ends_line = false;
};

// The segment when a '\n' was found at `nl` (index from data).
Cut whole_line(const char* data, size_t nl, bool has_newline) {
  Cut cut;
  cut.size = nl;
  cut.consume = nl + (has_newline ? 1 : 0);
  cut.ends_line = true;
  if (cut.size > 0 && data[cut.size - 1] == '\r') --cut.size;
  return cut;
}

// A prefix of a line longer than `limit` (>= 4, so it holds a whole character) that cuts no
// character. A '\r' at its end is held back, as it may begin the "\r\n" ending the line, unless
// it is all there is (then the next byte is in the window searched and known not to be '\n').
Cut partial_line(const char* data, size_t limit) {
  size_t size = utf8::complete_prefix(std::string_view(data, limit));
  if (size == 0) size = limit;  // defensive: never hand out nothing
  if (size > 1 && data[size - 1] == '\r') --size;
  return Cut{size, size, false};
}
}  // namespace

LineReader::LineReader(std::unique_ptr<ByteSource> source, size_t buffer_bytes)
    : source_(std::move(source)), buf_(std::max(buffer_bytes, size_t(64))) {}

uint64_t LineReader::line() const { return replay_pos_ < replay_.size() ? replay_line_ : line_; }

uint64_t LineReader::offset() const {
  return replay_pos_ < replay_.size() ? replay_offset_ : buf_offset_ + pos_;
}

void LineReader::compact() {
  if (pos_ == 0) return;
  std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
  buf_offset_ += pos_;
  end_ -= pos_;
  pos_ = 0;
}

bool LineReader::fill() {
  if (eof_) return false;
  const size_t n = source_->read(buf_.data() + end_, buf_.size() - end_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  if (!started_ && end_ >= 3 && buf_offset_ == 0 && pos_ == 0) {
    started_ = true;
    if (std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;  // UTF-8 byte-order mark
  }
  return true;
}

bool LineReader::next_segment(LineSegment* seg, size_t max_bytes) {
  if (replay_pos_ < replay_.size()) return next_replayed(seg, max_bytes);
  max_bytes = std::max(max_bytes, kMinSegmentBytes);
  size_t scanned = 0;  // bytes after pos_ known to hold no '\n'
  for (;;) {
    const size_t avail = end_ - pos_;
    const char* data = buf_.data() + pos_;
    const size_t window = std::min(avail, max_bytes + 1);  // a line of max_bytes plus its '\n'
    const void* nl =
        window > scanned ? std::memchr(data + scanned, '\n', window - scanned) : nullptr;
    Cut cut;
    if (nl) {
      cut = whole_line(data, size_t(static_cast<const char*>(nl) - data), true);
    } else if (avail > max_bytes) {
      cut = partial_line(data, max_bytes);
    } else if (pos_ == 0 && end_ == buf_.size()) {
      cut = partial_line(data, avail);  // the line is longer than the buffer
    } else {
      scanned = window;
      compact();
      if (fill()) continue;
      if (end_ == pos_) return false;
      cut = whole_line(buf_.data() + pos_, end_ - pos_, false);  // last line, no '\n'
      data = buf_.data() + pos_;
    }
    seg->text = std::string_view(data, cut.size);
    seg->ends_line = cut.ends_line;
    seg->line = line_;
    seg->offset = buf_offset_ + pos_;
    pos_ += cut.consume;
    if (cut.consume > cut.size && data[cut.consume - 1] == '\n') ++line_;
    return true;
  }
}

bool LineReader::next_replayed(LineSegment* seg, size_t max_bytes) {
  max_bytes = std::max(max_bytes, kMinSegmentBytes);
  const char* data = replay_.data() + replay_pos_;
  const size_t avail = replay_.size() - replay_pos_;
  const size_t window = std::min(avail, max_bytes + 1);
  const void* nl = std::memchr(data, '\n', window);
  Cut cut;
  if (nl)
    cut = whole_line(data, size_t(static_cast<const char*>(nl) - data), true);
  else if (avail > max_bytes)
    cut = partial_line(data, max_bytes);
  else
    cut = whole_line(data, avail, false);
  seg->text = std::string_view(data, cut.size);
  seg->ends_line = cut.ends_line;
  seg->line = replay_line_;
  seg->offset = replay_offset_;
  replay_pos_ += cut.consume;
  replay_offset_ += cut.consume;
  if (cut.consume > cut.size && data[cut.consume - 1] == '\n') ++replay_line_;
  if (replay_pos_ == replay_.size()) {
    replay_.clear();
    replay_pos_ = 0;
  }
  return true;
}

bool LineReader::next_line(LineSegment* line, size_t max_bytes, bool* too_long) {
  *too_long = false;
  if (!next_segment(line, max_bytes)) return false;
  if (line->ends_line) return true;
  // Longer than the buffer (or than max_bytes): gather the segments, or skip to the line's end.
  long_line_.assign(line->text);
  LineSegment more;
  while (next_segment(&more, max_bytes)) {
    if (!*too_long && long_line_.size() + more.text.size() <= max_bytes) {
      long_line_.append(more.text);
    } else {
      *too_long = true;
      long_line_.clear();
    }
    if (more.ends_line) break;
  }
  line->text = *too_long ? std::string_view() : std::string_view(long_line_);
  line->ends_line = true;
  return true;
}

void LineReader::push_back(std::string_view text, uint64_t line, uint64_t offset) {
  if (text.empty()) return;
  std::string rest = replay_.substr(replay_pos_);
  replay_.assign(text);
  if (!rest.empty() && replay_.back() != '\n') replay_.push_back('\n');
  replay_ += rest;
  replay_pos_ = 0;
  replay_line_ = line;
  replay_offset_ = offset;
}

}  // namespace glossa

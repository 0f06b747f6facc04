// Physical lines of a ByteSource, read through one fixed buffer: memchr finds the newlines, no
// allocation per line, and a line longer than the caller's limit comes out in segments cut at
// UTF-8 character boundaries, so memory stays bounded whatever the line length.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/corpus/byte_source.h"

namespace glossa {

struct LineSegment {
  std::string_view text;   // valid until the next call on the reader
  bool ends_line = false;  // true: the rest of the line ('\n' consumed; a '\r' before it dropped)
  uint64_t line = 0;       // 1-based line of the segment's first byte
  uint64_t offset = 0;     // byte offset of its first byte in the decompressed stream
};

class LineReader {
 public:
  static constexpr size_t kDefaultBufferBytes = size_t(1) << 20;  // 1 MiB

  explicit LineReader(std::unique_ptr<ByteSource> source,
                      size_t buffer_bytes = kDefaultBufferBytes);

  // The next segment of the current line: the rest of it when that is at most `max_bytes`
  // (ends_line), else a prefix of at most max(max_bytes, 4) bytes that does not cut a character
  // and does not end in '\r'. False at the end of the stream. A UTF-8 byte-order mark at the
  // start of the stream is skipped (offsets still count it).
  bool next_segment(LineSegment* seg, size_t max_bytes);

  // The next whole line when it is at most `max_bytes` long; a longer line is consumed to its
  // end and returned with empty text and *too_long = true. False at the end of the stream.
  bool next_line(LineSegment* line, size_t max_bytes, bool* too_long);

  // Text to read again before the stream continues (used by the CSV parser to re-read the lines
  // an unbalanced quote had swallowed). `text` holds whole lines starting at `line`/`offset`;
  // it is read before anything pushed back earlier and not yet read.
  void push_back(std::string_view text, uint64_t line, uint64_t offset);

  ByteSource& source() { return *source_; }
  const ByteSource& source() const { return *source_; }
  // Line number and stream offset of the next byte the reader will hand out.
  uint64_t line() const;
  uint64_t offset() const;

 private:
  bool fill();  // reads more bytes after end_; false at the end of the stream
  void compact();
  bool next_replayed(LineSegment* seg, size_t max_bytes);

  std::unique_ptr<ByteSource> source_;
  std::vector<char> buf_;
  size_t pos_ = 0;           // next unread byte in buf_
  size_t end_ = 0;           // end of the data in buf_
  uint64_t buf_offset_ = 0;  // stream offset of buf_[0]
  uint64_t line_ = 1;        // line number at pos_
  bool eof_ = false;
  bool started_ = false;  // BOM check done
  std::string replay_;    // pushed-back lines (see push_back)
  size_t replay_pos_ = 0;
  uint64_t replay_line_ = 0;    // line number at replay_pos_
  uint64_t replay_offset_ = 0;  // stream offset at replay_pos_
  std::string long_line_;       // next_line's copy of a line longer than the buffer
};

}  // namespace glossa

#include "backend/run_log.h"

#include <sys/stat.h>

#include <fstream>

namespace glossa::backend {
namespace {

// A line longer than this without a newline is passed on in pieces: a trainer printing a
// progress bar with '\r' only must not grow the buffer without bound.
constexpr size_t kMaxLineBytes = 64 * 1024;

uint64_t size_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

std::string read_range(const std::string& path, uint64_t offset, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(std::streamoff(offset));
  std::string out(bytes, '\0');
  in.read(out.data(), std::streamsize(bytes));
  out.resize(size_t(in.gcount()));
  return out;
}

void push_line(std::vector<std::string>& lines, std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  lines.push_back(valid_utf8(line));
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t sequence_length(const std::string& s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t code = 0;
  if ((c & 0xE0) == 0xC0)
    n = 2, code = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    n = 3, code = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    n = 4, code = c & 0x07;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  const uint32_t min_code[] = {0, 0, 0x80, 0x800, 0x10000};  // overlong forms are invalid
  if (code < min_code[n] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::string valid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = sequence_length(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

void RankLogReader::skip_to_end() {
  offset_ = size_of(path_);
  partial_.clear();
}

std::vector<std::string> RankLogReader::read_new_lines(size_t max_bytes) {
  std::vector<std::string> lines;
  const uint64_t size = size_of(path_);
  if (size < offset_) {  // truncated or replaced: start again
    offset_ = 0;
    partial_.clear();
  }
  if (size == offset_) return lines;
  const std::string bytes =
      read_range(path_, offset_, size_t(std::min<uint64_t>(size - offset_, max_bytes)));
  offset_ += bytes.size();
  size_t start = 0;
  for (size_t nl = bytes.find('\n'); nl != std::string::npos; nl = bytes.find('\n', start)) {
    push_line(lines, partial_ + bytes.substr(start, nl - start));
    partial_.clear();
    start = nl + 1;
  }
  partial_ += bytes.substr(start);
  if (partial_.size() > kMaxLineBytes) {
    push_line(lines, partial_);
    partial_.clear();
  }
  return lines;
}

std::vector<std::string> tail_lines(const std::string& path, int count) {
  constexpr uint64_t kTailBytes = 256 * 1024;
  const uint64_t size = size_of(path);
  const uint64_t from = size > kTailBytes ? size - kTailBytes : 0;
  const std::string bytes = read_range(path, from, size_t(size - from));
  std::vector<std::string> lines;
  size_t start = 0;
  if (from > 0) start = bytes.find('\n') + 1;  // the first line is cut: drop it
  while (start < bytes.size()) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string::npos) nl = bytes.size();
    push_line(lines, bytes.substr(start, nl - start));
    start = nl + 1;
  }
  if (int(lines.size()) > count) lines.erase(lines.begin(), lines.end() - count);
  return lines;
}

}  // namespace glossa::backend

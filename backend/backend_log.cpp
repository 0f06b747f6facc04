#include "backend/backend_log.h"

#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>

namespace glossa::backend {

namespace {

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms));
  return text;
}

}  // namespace

BackendLog::BackendLog(std::string path, uint64_t max_bytes, int keep)
    : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {
  if (!path_.empty()) open_file();
}

BackendLog::~BackendLog() {
  if (file_) std::fclose(file_);
}

void BackendLog::open_file() {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  file_ = std::fopen(path_.c_str(), "a");
  struct stat st{};
  size_ = file_ && ::stat(path_.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

void BackendLog::rotate() {
  std::fclose(file_);
  file_ = nullptr;
  std::error_code ec;
  std::filesystem::remove(path_ + "." + std::to_string(keep_), ec);
  for (int i = keep_ - 1; i >= 1; --i)
    std::filesystem::rename(path_ + "." + std::to_string(i), path_ + "." + std::to_string(i + 1), ec);
  std::filesystem::rename(path_, path_ + ".1", ec);
  open_file();
}

void BackendLog::write(const std::string& line) {
  const std::string text = timestamp() + " " + line + "\n";
  std::lock_guard lock(mutex_);
  if (!path_.empty() && size_ + text.size() > max_bytes_ && file_) rotate();
  std::FILE* out = file_ ? file_ : stderr;
  std::fputs(text.c_str(), out);
  std::fflush(out);
  if (file_) size_ += text.size();
}

}  // namespace glossa::backend

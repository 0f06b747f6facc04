// Writing a file so that readers see either the old file or the complete new one: the bytes go to
// a temporary name beside the final path (same folder, so the rename is atomic), are flushed to
// disk and renamed into place. A write error (a full disk) or an abandoned write removes the
// temporary and leaves whatever was at the path before untouched. docs/architecture.md, "Files".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace glossa {

// A temporary name beside `path` that no other writer uses: "DIR/.NAME.tmp-PID-N".
std::string temporary_path(const std::string& path);

// Renames a complete temporary file (or folder) over `path`. On failure removes the temporary
// and throws Error naming `path`.
void rename_into_place(const std::string& temporary, const std::string& path);

// Makes renames and new entries in `dir` durable (fsync of the folder). Throws Error.
void sync_directory(const std::string& dir);

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // creates the temporary; throws Error naming `path`
  ~AtomicFile();                          // unless committed, the temporary is removed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends (buffered). Throws Error naming the file, e.g. when the disk is full.
  void write(std::string_view bytes);
  // Writes at an offset (unbuffered; what write() buffered goes first).
  void write_at(const void* data, size_t size, uint64_t offset);

  // Flushes to disk and closes; the file keeps its temporary name (for writers that must finish
  // several files before any gets its final name).
  void close();
  // close(), then renames into place. After commit the temporary is gone.
  void commit();
  // Removes the temporary now.
  void abandon();

  const std::string& path() const { return path_; }
  const std::string& temporary() const { return temp_; }

 private:
  void write_direct(std::string_view bytes);
  void flush_buffer();
  [[noreturn]] void fail_write(const std::string& what);

  std::string path_, temp_;
  int fd_ = -1;
  bool done_ = false;  // committed or abandoned
  std::string buffer_;
};

}  // namespace glossa

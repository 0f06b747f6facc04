#include "base/output_batch.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "base/error.h"
#include "base/file_util.h"

namespace glossa {

namespace fs = std::filesystem;

OutputBatch::~OutputBatch() {
  if (committed_) return;
  files_.clear();  // each AtomicFile removes its temporary
  for (const auto& [temporary, final_dir] : folders_) remove_tree(temporary);
  // Innermost first; a folder that is not empty (something else was put there) stays. Best
  // effort while unwinding: the error being thrown matters more.
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) ::rmdir(it->c_str());
}

void OutputBatch::make_dirs(const std::string& dir) {
  if (dir.empty()) return;
  std::vector<std::string> missing;
  for (fs::path p = fs::path(dir).lexically_normal(); !p.empty() && !fs::exists(p);
       p = p.parent_path()) {
    missing.push_back(p.string());
    if (p == p.parent_path()) break;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail(dir, "cannot create the output folder: " + ec.message());
  created_dirs_.insert(created_dirs_.end(), missing.rbegin(), missing.rend());
}

AtomicFile& OutputBatch::open(const std::string& path) {
  files_.push_back(std::make_unique<AtomicFile>(path));
  return *files_.back();
}

void OutputBatch::write(const std::string& path, std::string_view bytes) {
  AtomicFile& file = open(path);
  file.write(bytes);
  file.close();  // flushed now, so a full disk fails here, before anything is renamed
}

std::string OutputBatch::stage_folder(const std::string& dir) {
  make_dirs(fs::path(dir).lexically_normal().parent_path().string());
  const std::string temporary = temporary_path(fs::path(dir).lexically_normal().string());
  std::error_code ec;
  fs::create_directory(temporary, ec);
  if (ec) fail(dir, "cannot create the temporary folder " + temporary + ": " + ec.message());
  folders_.emplace_back(temporary, dir);
  return temporary;
}

void OutputBatch::prepare() {
  for (auto& file : files_) file->close();
  // A folder where a file should go is the one way a rename beside its own temporary fails:
  // found before anything is renamed, so the batch still leaves nothing behind.
  for (auto& file : files_)
    if (fs::is_directory(file->path()))
      fail(file->path(), "is a folder; the output file cannot replace it (nothing was written)");
}

void OutputBatch::commit() {
  prepare();
  for (const auto& [temporary, final_dir] : folders_) {
    make_dirs(final_dir);
    for (const auto& entry : fs::directory_iterator(temporary)) {
      const fs::path target = fs::path(final_dir) / entry.path().filename();
      if (fs::is_directory(target) && !entry.is_directory()) remove_tree(target.string());
      rename_into_place(entry.path().string(), target.string());
    }
    sync_directory(final_dir);
    ::rmdir(temporary.c_str());
  }
  for (auto& file : files_) file->commit();
  committed_ = true;
}

}  // namespace glossa

// Several output files that appear together or not at all (docs/architecture.md, "Files"): each
// is written under its temporary name (AtomicFile), commit() flushes every one to disk and only
// then renames them all into place. Destroyed without commit() — an exception, a full disk, a
// cancelled job — it removes every temporary and the folders it created, so a failed job leaves
// nothing behind and whatever was at the paths before is untouched.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/atomic_file.h"

namespace glossa {

class OutputBatch {
 public:
  OutputBatch() = default;
  ~OutputBatch();
  OutputBatch(const OutputBatch&) = delete;
  OutputBatch& operator=(const OutputBatch&) = delete;

  // Creates `dir` and its missing parents; those created here are removed again (when empty) if
  // the batch is not committed. Throws Error naming the folder.
  void make_dirs(const std::string& dir);
  // A new output file (its folder must exist, e.g. by make_dirs), written through the result.
  AtomicFile& open(const std::string& path);
  // A whole small file.
  void write(const std::string& path, std::string_view bytes);
  // A temporary folder beside `dir` for a writer that fills a whole folder (a model export):
  // commit() creates `dir` if needed and moves each entry of the temporary folder into it
  // (replacing entries of the same name); without commit the temporary folder is removed.
  std::string stage_folder(const std::string& dir);
  // Everything of commit() that can fail in practice: closes (fsync) every file and checks that
  // no folder stands where a file goes. For callers that record the outputs elsewhere (a
  // database) between prepare() and commit().
  void prepare();
  // prepare(), then renames each file into place. A file path that is a folder is
  // found before any rename (Error naming it, nothing written); a rename failing after that
  // (not expected: each temporary is beside its file) leaves the files renamed before it.
  void commit();

 private:
  std::vector<std::unique_ptr<AtomicFile>> files_;
  std::vector<std::string> created_dirs_;  // outermost first
  std::vector<std::pair<std::string, std::string>> folders_;  // (temporary, final)
  bool committed_ = false;
};

}  // namespace glossa

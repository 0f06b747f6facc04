// A Glossa project: one SQLite file holding its corpora statistics, vocabulary sessions with every
// decision and override, and (later) models, schedules and runs (architecture.md, Storage). The
// backend alone writes it; this file is its identity: the table project_info(key, value) with
// name, created_at and format (docs/projects.md).
#pragma once

#include <memory>
#include <string>

#include "base/sqlite_db.h"

namespace glossa {

inline constexpr int kProjectFormat = 1;

struct ProjectInfo {
  std::string path;
  std::string name;
  std::string created_at;  // UTC, ISO 8601
  int format = kProjectFormat;
};

class ProjectFile {
 public:
  // Opens a project. With `create`, a missing file is created (named `name`, default the file's
  // stem) and an SQLite file without project_info (e.g. the database `vocab expand` wrote) is
  // adopted. Throws Error naming the path for a missing file, a file that is not SQLite, one that
  // is not a project (without `create`) and a newer format.
  static std::unique_ptr<ProjectFile> open(const std::string& path, bool create,
                                           const std::string& name = "");

  const ProjectInfo& info() const { return info_; }
  SqliteDb& db() { return *db_; }

 private:
  ProjectFile(std::unique_ptr<SqliteDb> db, ProjectInfo info);
  std::unique_ptr<SqliteDb> db_;
  ProjectInfo info_;
};

}  // namespace glossa

#include "jobs/project_file.h"

#include <filesystem>

#include "base/error.h"
#include "tokenizer/vocab/vocab_override_store.h"
#include "tokenizer/vocab/vocab_session_store.h"

namespace glossa {

namespace {

bool has_info_table(SqliteDb& db) {
  SqliteStatement q(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='project_info'");
  return q.step();
}

std::string info_value(SqliteDb& db, const std::string& key) {
  SqliteStatement q(db, "SELECT value FROM project_info WHERE key = ?");
  q.bind(1, std::string_view(key));
  if (!q.step()) fail(db.path(), "project_info has no '" + key + "': not a complete project");
  return q.column_text(0);
}

void write_info(SqliteDb& db, const std::string& name) {
  SqliteDb::Transaction tx(db);
  db.exec("CREATE TABLE IF NOT EXISTS project_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  SqliteStatement q(db, "INSERT OR IGNORE INTO project_info (key, value) VALUES (?, ?)");
  q.bind(1, std::string_view("name")).bind(2, std::string_view(name)).run();
  q.bind(1, std::string_view("format")).bind(2, std::string_view(std::to_string(kProjectFormat))).run();
  db.exec("INSERT OR IGNORE INTO project_info (key, value) "
          "VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ','now'))");
  tx.commit();
}

}  // namespace

ProjectFile::ProjectFile(std::unique_ptr<SqliteDb> db, ProjectInfo info)
    : db_(std::move(db)), info_(std::move(info)) {}

std::unique_ptr<ProjectFile> ProjectFile::open(const std::string& path, bool create,
                                               const std::string& name) {
  namespace fs = std::filesystem;
  if (path.empty()) fail("project", "no project path given");
  if (!fs::exists(path) && !create) fail(path, "no project file here (create it first)");
  if (fs::is_directory(path)) fail(path, "is a folder, not a project file");
  auto db = std::make_unique<SqliteDb>(path);
  const bool known = has_info_table(*db);  // throws "file is not a database" for other files
  if (!known && !create)
    fail(path, "is an SQLite file but not a Glossa project (no project_info table)");
  if (!known) write_info(*db, name.empty() ? fs::path(path).stem().string() : name);
  ProjectInfo info;
  info.path = fs::absolute(path).string();
  info.name = info_value(*db, "name");
  info.created_at = info_value(*db, "created_at");
  const std::string format = info_value(*db, "format");
  if (format.empty() || format.find_first_not_of("0123456789") != std::string::npos ||
      format.size() > 6)
    fail(path, "project_info format '" + format + "' is not a number");
  info.format = std::stoi(format);
  if (info.format > kProjectFormat)
    fail(path, "project format " + std::to_string(info.format) + " is newer than this Glossa's (" +
                   std::to_string(kProjectFormat) + "): update Glossa");
  VocabSessionStore sessions(*db);  // the tables every project has
  VocabOverrideStore overrides(*db);
  return std::unique_ptr<ProjectFile>(new ProjectFile(std::move(db), std::move(info)));
}

}  // namespace glossa

#include "backend/backend_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "base/error.h"
#include "base/sqlite_db.h"
#include "training/metrics/metrics_store.h"  // unix_time_now

namespace glossa::backend {
namespace {

using nlohmann::json;

constexpr int kSchemaVersion = 1;  // PRAGMA user_version

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS jobs(
  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, options TEXT NOT NULL,
  state TEXT NOT NULL, progress TEXT NOT NULL, result TEXT NOT NULL, error TEXT NOT NULL,
  log_tail TEXT NOT NULL, created REAL NOT NULL, started REAL NOT NULL, finished REAL NOT NULL);
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT, run_dir TEXT NOT NULL, config_path TEXT NOT NULL,
  owned INTEGER NOT NULL, state TEXT NOT NULL, world_size INTEGER NOT NULL, device TEXT NOT NULL,
  gpus TEXT NOT NULL, pids TEXT NOT NULL, error TEXT NOT NULL, created REAL NOT NULL,
  finished REAL NOT NULL);
CREATE INDEX IF NOT EXISTS runs_dir ON runs(run_dir);
)";

constexpr const char* kJobColumns =
    "id, name, options, state, progress, result, error, log_tail, created, started, finished";
constexpr const char* kRunColumns =
    "id, run_dir, config_path, owned, state, world_size, device, gpus, pids, error, created, "
    "finished";

// JSON columns are TEXT. Log lines and job messages may hold invalid UTF-8 (a child's output):
// replaced by U+FFFD rather than refusing the whole row.
std::string text_of(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json json_of(const SqliteStatement& q, int column) {
  return json::parse(q.column_text(column), nullptr, /*allow_exceptions=*/false);
}

json time_or_null(double t) { return t > 0 ? json(t) : json(); }

// Creates `dir` and its missing parents, each new one with mode 0700: the store holds job options
// and paths of one user only.
void make_private_dirs(const std::filesystem::path& dir) {
  if (dir.empty() || std::filesystem::is_directory(dir)) return;
  make_private_dirs(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    fail(dir.string(), "cannot create the backend's data folder: " + errno_text());
}

void bind_job(SqliteStatement& q, const JobRow& r) {
  q.bind(1, r.name)
      .bind(2, text_of(r.options))
      .bind(3, r.state)
      .bind(4, text_of(r.progress))
      .bind(5, text_of(r.result))
      .bind(6, text_of(r.error))
      .bind(7, text_of(r.log_tail.is_null() ? json::array() : r.log_tail))
      .bind(8, r.created)
      .bind(9, r.started)
      .bind(10, r.finished);
}

JobRow job_from(const SqliteStatement& q) {
  JobRow r;
  r.id = q.column_int(0);
  r.name = q.column_text(1);
  r.options = json_of(q, 2);
  r.state = q.column_text(3);
  r.progress = json_of(q, 4);
  r.result = json_of(q, 5);
  r.error = json_of(q, 6);
  r.log_tail = json_of(q, 7);
  r.created = q.column_double(8);
  r.started = q.column_double(9);
  r.finished = q.column_double(10);
  return r;
}

void bind_run(SqliteStatement& q, const RunRow& r) {
  q.bind(1, r.run_dir)
      .bind(2, r.config_path)
      .bind(3, int64_t(r.owned ? 1 : 0))
      .bind(4, r.state)
      .bind(5, r.world_size)
      .bind(6, r.device)
      .bind(7, text_of(json(r.gpus)))
      .bind(8, text_of(json(r.pids)))
      .bind(9, text_of(r.error))
      .bind(10, r.created)
      .bind(11, r.finished);
}

std::vector<int64_t> ints_of(const json& j) {
  std::vector<int64_t> out;
  if (j.is_array())
    for (const json& v : j)
      if (v.is_number_integer()) out.push_back(v.get<int64_t>());
  return out;
}

RunRow run_from(const SqliteStatement& q) {
  RunRow r;
  r.id = q.column_int(0);
  r.run_dir = q.column_text(1);
  r.config_path = q.column_text(2);
  r.owned = q.column_int(3) != 0;
  r.state = q.column_text(4);
  r.world_size = q.column_int(5);
  r.device = q.column_text(6);
  r.gpus = ints_of(json_of(q, 7));
  r.pids = ints_of(json_of(q, 8));
  r.error = json_of(q, 9);
  r.created = q.column_double(10);
  r.finished = q.column_double(11);
  return r;
}

}  // namespace

json JobRow::to_json() const {
  return {{"id", id},
          {"job", name},
          {"state", state},
          {"options", options},
          {"progress", progress},
          {"result", result},
          {"error", error},
          {"log_tail", log_tail.is_array() ? log_tail : json::array()},
          {"created", created},
          {"started", time_or_null(started)},
          {"finished", time_or_null(finished)}};
}

json RunRow::to_json() const {
  return {{"id", id},
          {"run_dir", run_dir},
          {"config_path", config_path},
          {"owned", owned},
          {"state", state},
          {"world_size", world_size},
          {"device", device},
          {"gpus", gpus},
          {"pids", pids},
          {"error", error},
          {"created", created},
          {"finished", time_or_null(finished)},
          {"status", nullptr},            // filled by the run supervisor (status.json)
          {"last_checkpoint", nullptr}};  // idem
}

BackendStore::BackendStore(const std::string& path) : path_(path) {
  make_private_dirs(std::filesystem::path(path).parent_path());
  db_ = std::make_unique<SqliteDb>(path);  // a file that is not SQLite fails here, naming it
  {
    SqliteStatement version(*db_, "PRAGMA user_version");
    if (version.step() && version.column_int(0) > kSchemaVersion)
      fail(path, "written by a newer glossa-backend (schema " +
                     std::to_string(version.column_int(0)) + ", this one reads " +
                     std::to_string(kSchemaVersion) + ")");
  }
  db_->exec(kSchema);
  db_->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  ::chmod(path.c_str(), 0600);
}

BackendStore::~BackendStore() = default;

int64_t BackendStore::insert_job(JobRow row) {
  std::lock_guard lock(mutex_);
  SqliteStatement q(*db_,
                    "INSERT INTO jobs(name, options, state, progress, result, error, log_tail, "
                    "created, started, finished) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  bind_job(q, row);
  q.run();
  return db_->last_insert_id();
}

void BackendStore::update_job(const JobRow& row) {
  std::lock_guard lock(mutex_);
  SqliteStatement q(*db_,
                    "UPDATE jobs SET name = ?1, options = ?2, state = ?3, progress = ?4, "
                    "result = ?5, error = ?6, log_tail = ?7, created = ?8, started = ?9, "
                    "finished = ?10 WHERE id = ?11");
  bind_job(q, row);
  q.bind(11, row.id);
  q.run();
}

std::optional<JobRow> BackendStore::job(int64_t id) const {
  std::lock_guard lock(mutex_);
  SqliteStatement q(*db_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?1");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return job_from(q);
}

std::vector<JobRow> BackendStore::jobs() const {
  std::lock_guard lock(mutex_);
  SqliteStatement q(*db_, std::string("SELECT ") + kJobColumns + " FROM jobs ORDER BY id");
  std::vector<JobRow> out;
  while (q.step()) out.push_back(job_from(q));
  return out;
}

int64_t BackendStore::mark_interrupted_jobs() {
  std::lock_guard lock(mutex_);
  const json error = {{"message",
                       "interrupted: the backend ended while this job was queued or "
                       "running; submit it again"},
                      {"detail", ""}};
  SqliteStatement q(*db_,
                    "UPDATE jobs SET state = 'interrupted', error = ?1, "
                    "finished = CASE WHEN finished > 0 THEN finished ELSE ?2 END "
                    "WHERE state IN ('queued', 'running')");
  q.bind(1, text_of(error)).bind(2, unix_time_now());
  q.run();
  SqliteStatement changed(*db_, "SELECT changes()");  // rows of the UPDATE just run
  return changed.step() ? changed.column_int(0) : 0;
}

int64_t BackendStore::insert_run(RunRow row) {
  std::lock_guard lock(mutex_);
  SqliteStatement q(*db_,
                    "INSERT INTO runs(run_dir, config_path, owned, state, world_size, device, "
                    "gpus, pids, error, created, finished) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  bind_run(q, row);
  q.run();
  return db_->last_insert_id();
}

void BackendStore::update_run(const RunRow& row) {
  std::lock_guard lock(mutex_);
  SqliteStatement q(*db_,
                    "UPDATE runs SET run_dir = ?1, config_path = ?2, owned = ?3, state = ?4, "
                    "world_size = ?5, device = ?6, gpus = ?7, pids = ?8, error = ?9, "
                    "created = ?10, finished = ?11 WHERE id = ?12");
  bind_run(q, row);
  q.bind(12, row.id);
  q.run();
}

std::optional<RunRow> BackendStore::run(int64_t id) const {
  std::lock_guard lock(mutex_);
  SqliteStatement q(*db_, std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?1");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return run_from(q);
}

// The newest row of that directory: a directory used again by a new run keeps its old rows.
std::optional<RunRow> BackendStore::run_by_dir(const std::string& run_dir) const {
  std::lock_guard lock(mutex_);
  SqliteStatement q(*db_, std::string("SELECT ") + kRunColumns +
                              " FROM runs WHERE run_dir = ?1 ORDER BY id DESC LIMIT 1");
  q.bind(1, run_dir);
  if (!q.step()) return std::nullopt;
  return run_from(q);
}

std::vector<RunRow> BackendStore::runs() const {
  std::lock_guard lock(mutex_);
  SqliteStatement q(*db_, std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id");
  std::vector<RunRow> out;
  while (q.step()) out.push_back(run_from(q));
  return out;
}

}  // namespace glossa::backend

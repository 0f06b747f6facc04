#include "training/metrics/metrics_store.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>

#include "base/error.h"
#include "base/sqlite_db.h"

namespace glossa {
namespace {

constexpr int kSchemaVersion = 1;  // PRAGMA user_version

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS run(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS steps(
  step INTEGER PRIMARY KEY, stage TEXT NOT NULL, tokens INTEGER, loss REAL, lr_json TEXT,
  grad_norm REAL, grad_norm_json TEXT, tokens_per_s REAL, mfu REAL, step_time_s REAL,
  peak_mem_bytes INTEGER, time REAL);
CREATE TABLE IF NOT EXISTS evals(
  id INTEGER PRIMARY KEY AUTOINCREMENT, step INTEGER NOT NULL, stage TEXT NOT NULL,
  set_or_task TEXT NOT NULL, metric TEXT NOT NULL, value REAL, stderr REAL, time REAL);
CREATE INDEX IF NOT EXISTS evals_step ON evals(step);
CREATE TABLE IF NOT EXISTS events(
  id INTEGER PRIMARY KEY AUTOINCREMENT, time REAL, kind TEXT NOT NULL, message TEXT NOT NULL);
)";

constexpr const char* kStepColumns =
    "step, stage, tokens, loss, lr_json, grad_norm, grad_norm_json, tokens_per_s, mfu, "
    "step_time_s, peak_mem_bytes, time";

// SQLite turns a bound NaN into NULL; reading it back gives NaN again.
double column_real(const SqliteStatement& q, int i) {
  return q.column_is_null(i) ? std::numeric_limits<double>::quiet_NaN() : q.column_double(i);
}

nlohmann::json column_json(const SqliteStatement& q, int i) {
  if (q.column_is_null(i)) return nlohmann::json();
  return nlohmann::json::parse(q.column_text(i), nullptr, /*allow_exceptions=*/false);
}

StepRecord step_from_row(const SqliteStatement& q) {
  StepRecord s;
  s.step = q.column_int(0);
  s.stage = q.column_text(1);
  s.tokens = q.column_int(2);
  s.loss = column_real(q, 3);
  s.lr_json = column_json(q, 4);
  s.grad_norm = column_real(q, 5);
  s.grad_norm_json = column_json(q, 6);
  s.tokens_per_s = column_real(q, 7);
  s.mfu = column_real(q, 8);
  s.step_time_s = column_real(q, 9);
  s.peak_mem_bytes = q.column_int(10);
  s.time = column_real(q, 11);
  return s;
}

std::string json_text(const nlohmann::json& j) { return j.is_null() ? "{}" : j.dump(); }

}  // namespace

double unix_time_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

MetricsWriter::MetricsWriter(const std::string& path) : db_(std::make_unique<SqliteDb>(path)) {
  db_->exec(kSchema);
  db_->exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  // NORMAL is durable enough in WAL mode (a power cut may lose the last steps, never corrupt
  // the file) and avoids an fsync per step.
  db_->exec("PRAGMA synchronous = NORMAL");
  step_ = std::make_unique<SqliteStatement>(
      *db_, std::string("INSERT OR REPLACE INTO steps(") + kStepColumns +
                ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  eval_ = std::make_unique<SqliteStatement>(
      *db_,
      "INSERT INTO evals(step, stage, set_or_task, metric, value, stderr, time) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  event_ = std::make_unique<SqliteStatement>(
      *db_, "INSERT INTO events(time, kind, message) VALUES(?1, ?2, ?3)");
  run_ = std::make_unique<SqliteStatement>(*db_,
                                           "INSERT OR REPLACE INTO run(key, value) VALUES(?1, ?2)");
}

MetricsWriter::~MetricsWriter() = default;

void MetricsWriter::set_run(const std::string& key, const std::string& value) {
  run_->reset();
  run_->bind(1, key).bind(2, value).run();
}

void MetricsWriter::insert(const StepRecord& s) {
  step_->reset();
  step_->bind(1, s.step).bind(2, s.stage).bind(3, s.tokens).bind(4, s.loss);
  step_->bind(5, json_text(s.lr_json)).bind(6, s.grad_norm).bind(7, json_text(s.grad_norm_json));
  step_->bind(8, s.tokens_per_s).bind(9, s.mfu).bind(10, s.step_time_s);
  step_->bind(11, s.peak_mem_bytes).bind(12, s.time > 0 ? s.time : unix_time_now());
  step_->run();
}

void MetricsWriter::insert(const EvalRecord& e) {
  eval_->reset();
  eval_->bind(1, e.step).bind(2, e.stage).bind(3, e.set_or_task).bind(4, e.metric);
  eval_->bind(5, e.value).bind(6, e.standard_error);
  eval_->bind(7, e.time > 0 ? e.time : unix_time_now());
  eval_->run();
}

void MetricsWriter::insert(const EventRecord& e) {
  event_->reset();
  event_->bind(1, e.time > 0 ? e.time : unix_time_now()).bind(2, e.kind).bind(3, e.message);
  event_->run();
}

void MetricsWriter::write_step(const StepRecord& step, const std::vector<EvalRecord>& evals,
                               const std::vector<EventRecord>& events) {
  SqliteDb::Transaction tx(*db_);
  insert(step);
  for (const EvalRecord& e : evals) insert(e);
  for (const EventRecord& e : events) insert(e);
  tx.commit();
}

void MetricsWriter::write_evals(const std::vector<EvalRecord>& evals) {
  SqliteDb::Transaction tx(*db_);
  for (const EvalRecord& e : evals) insert(e);
  tx.commit();
}

void MetricsWriter::write_event(const std::string& kind, const std::string& message, double time) {
  insert(EventRecord{0, time, kind, message});  // one statement: its own transaction
}

MetricsReader::MetricsReader(const std::string& path) {
  if (!std::filesystem::exists(path))
    fail(path,
         "metrics database not found: the run has not started writing metrics yet, or "
         "the run directory is wrong");
  db_ = std::make_unique<SqliteDb>(path);
}

MetricsReader::~MetricsReader() = default;

bool MetricsReader::has_tables() const {
  SqliteStatement q(*db_,
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                    "name IN ('run', 'steps', 'evals', 'events')");
  return q.step() && q.column_int(0) == 4;
}

std::map<std::string, std::string> MetricsReader::run() const {
  std::map<std::string, std::string> out;
  if (!has_tables()) return out;
  SqliteStatement q(*db_, "SELECT key, value FROM run");
  while (q.step()) out[q.column_text(0)] = q.column_text(1);
  return out;
}

int64_t MetricsReader::step_count(int64_t since_step) const {
  if (!has_tables()) return 0;
  SqliteStatement q(*db_, "SELECT count(*) FROM steps WHERE step > ?1");
  q.bind(1, since_step);
  return q.step() ? q.column_int(0) : 0;
}

std::vector<StepRecord> MetricsReader::read_steps(int64_t since_step, int64_t max_points) const {
  if (max_points < 1)
    fail(db_->path(), "read_steps: max_points must be >= 1, found " + std::to_string(max_points));
  std::vector<StepRecord> out;
  if (!has_tables()) return out;
  // One statement reads one snapshot, so the count and the rows agree while the writer commits.
  // rn numbers the n matching rows 1..n in step order; k = ceil(n / max_points); rows whose
  // distance to the last (n - rn) is a multiple of k stay: ceil(n / k) <= max_points rows, the
  // last one included.
  SqliteStatement q(*db_, std::string("SELECT ") + kStepColumns +
                              " FROM (SELECT *, row_number() OVER (ORDER BY step) AS rn, "
                              "count(*) OVER () AS n FROM steps WHERE step > ?1) "
                              "WHERE (n - rn) % max(1, (n + ?2 - 1) / ?2) = 0 ORDER BY step");
  q.bind(1, since_step).bind(2, max_points);
  while (q.step()) out.push_back(step_from_row(q));
  return out;
}

std::vector<EvalRecord> MetricsReader::read_evals(int64_t after_id) const {
  std::vector<EvalRecord> out;
  if (!has_tables()) return out;
  SqliteStatement q(*db_,
                    "SELECT id, step, stage, set_or_task, metric, value, stderr, time FROM evals "
                    "WHERE id > ?1 ORDER BY id");
  q.bind(1, after_id);
  while (q.step()) {
    out.push_back({q.column_int(0), q.column_int(1), q.column_text(2), q.column_text(3),
                   q.column_text(4), column_real(q, 5), column_real(q, 6), column_real(q, 7)});
  }
  return out;
}

std::vector<EventRecord> MetricsReader::read_events(int64_t after_id) const {
  std::vector<EventRecord> out;
  if (!has_tables()) return out;
  SqliteStatement q(*db_, "SELECT id, time, kind, message FROM events WHERE id > ?1 ORDER BY id");
  q.bind(1, after_id);
  while (q.step())
    out.push_back({q.column_int(0), column_real(q, 1), q.column_text(2), q.column_text(3)});
  return out;
}

}  // namespace glossa

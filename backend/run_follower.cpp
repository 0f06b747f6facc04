#include "backend/run_follower.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "backend/run_launcher.h"
#include "base/sqlite_db.h"
#include "training/metrics/train_control.h"

namespace glossa::backend {
namespace {

using nlohmann::json;

// Rows passed on per poll: a follower that fell behind (a run adopted mid-rewrite, a slow disk)
// catches up over several polls instead of building one huge batch.
constexpr int64_t kMaxStepsPerPoll = 5000;

json real_or_null(const SqliteStatement& q, int i) {
  if (q.column_is_null(i)) return nullptr;
  const double v = q.column_double(i);
  return std::isfinite(v) ? json(v) : json(nullptr);  // JSON has no NaN / Inf
}

json int_or_null(const SqliteStatement& q, int i) {
  return q.column_is_null(i) ? json(nullptr) : json(q.column_int(i));
}

// A per-group object (lr_json, grad_norm_json) as the row sends it, non-finite values null, or
// null; `first` (nullable) gets the first group's value in the order the column lists them.
json groups_or_null(const SqliteStatement& q, int i, json* first = nullptr) {
  if (q.column_is_null(i)) return nullptr;
  const auto listed = nlohmann::ordered_json::parse(q.column_text(i), nullptr, false);
  if (!listed.is_object()) return nullptr;
  json groups = json::object();
  for (const auto& [group, value] : listed.items()) {
    const bool finite = value.is_number() && std::isfinite(value.get<double>());
    json& out = groups[group] = finite ? json(value.get<double>()) : json(nullptr);
    if (first && first->is_null() && groups.size() == 1) *first = out;
  }
  return groups;
}

int64_t nanoseconds(const timespec& t) { return int64_t(t.tv_sec) * 1000000000 + t.tv_nsec; }

}  // namespace

RunFollower::RunFollower(std::string run_dir, int64_t log_ranks) : run_dir_(std::move(run_dir)) {
  for (int64_t r = 0; r < log_ranks; ++r) logs_.emplace_back(rank_log_path(run_dir_, r));
}

RunFollower::~RunFollower() = default;

bool RunFollower::open_metrics() {
  if (!db_) {
    struct stat st {};
    if (::stat(metrics_path().c_str(), &st) != 0) return false;  // not written yet: wait
    db_ = std::make_unique<SqliteDb>(metrics_path());
  }
  if (!tables_) {
    SqliteStatement q(*db_,
                      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                      "name IN ('steps', 'evals', 'events')");
    tables_ = q.step() && q.column_int(0) == 3;
  }
  return tables_;
}

int64_t RunFollower::max_of(const char* sql) {
  if (!open_metrics()) return 0;
  SqliteStatement q(*db_, sql);
  return q.step() && !q.column_is_null(0) ? q.column_int(0) : 0;
}

void RunFollower::start_at_end() {
  last_step_ = max_of("SELECT max(step) FROM steps");
  rewrite_below_ = 0;
  last_eval_id_ = max_of("SELECT max(id) FROM evals");
  last_event_id_ = max_of("SELECT max(id) FROM events");
  for (RankLogReader& log : logs_) log.skip_to_end();
}

void RunFollower::start_new_attempt(double since_time, int64_t floor_step) {
  rewrite_below_ = max_of("SELECT max(step) FROM steps");
  last_step_ = std::min(floor_step, rewrite_below_);
  since_time_ = since_time;
  last_eval_id_ = max_of("SELECT max(id) FROM evals");
  last_event_id_ = max_of("SELECT max(id) FROM events");
  for (RankLogReader& log : logs_) log.skip_to_end();
}

void RunFollower::read_steps(FollowUpdate& out) {
  SqliteStatement q(*db_,
                    "SELECT step, stage, tokens, loss, lr_json, grad_norm, tokens_per_s, mfu, "
                    "step_time_s, peak_mem_bytes, time, grad_norm_json FROM steps "
                    "WHERE step > ?1 AND (step > ?2 OR time >= ?3) ORDER BY step LIMIT ?4");
  q.bind(1, last_step_).bind(2, rewrite_below_).bind(3, since_time_).bind(4, kMaxStepsPerPoll);
  while (q.step()) {
    const int64_t step = q.column_int(0);
    json lr;  // the first group's: what "lr" has always meant
    const json lr_groups = groups_or_null(q, 4, &lr);
    out.steps.push_back({{"step", step},
                         {"stage", q.column_text(1)},
                         {"tokens", int_or_null(q, 2)},
                         {"loss", real_or_null(q, 3)},
                         {"lr", lr},
                         {"grad_norm", real_or_null(q, 5)},
                         {"tokens_per_s", real_or_null(q, 6)},
                         {"mfu", real_or_null(q, 7)},
                         {"step_time_s", real_or_null(q, 8)},
                         {"peak_mem_bytes", int_or_null(q, 9)},
                         {"time", real_or_null(q, 10)},
                         {"lr_groups", lr_groups},
                         {"grad_norm_groups", groups_or_null(q, 11)}});
    if (step <= rewrite_below_) out.rewritten = true;
    last_step_ = step;
  }
}

void RunFollower::read_evals(FollowUpdate& out) {
  SqliteStatement q(*db_,
                    "SELECT id, step, stage, set_or_task, metric, value, stderr, time FROM evals "
                    "WHERE id > ?1 ORDER BY id LIMIT ?2");
  q.bind(1, last_eval_id_).bind(2, kMaxStepsPerPoll);
  while (q.step()) {
    last_eval_id_ = q.column_int(0);
    out.evals.push_back({{"step", q.column_int(1)},
                         {"stage", q.column_text(2)},
                         {"set_or_task", q.column_text(3)},
                         {"metric", q.column_text(4)},
                         {"value", real_or_null(q, 5)},
                         {"stderr", real_or_null(q, 6)},
                         {"time", real_or_null(q, 7)}});
  }
}

void RunFollower::read_events(FollowUpdate& out) {
  SqliteStatement q(
      *db_, "SELECT id, time, kind, message FROM events WHERE id > ?1 ORDER BY id LIMIT ?2");
  q.bind(1, last_event_id_).bind(2, kMaxStepsPerPoll);
  while (q.step()) {
    last_event_id_ = q.column_int(0);
    out.events.push_back({last_event_id_, q.column_is_null(1) ? 0.0 : q.column_double(1),
                          q.column_text(2), q.column_text(3)});
  }
}

std::optional<json> RunFollower::read_status_if_changed() {
  const std::string path = run_dir_ + "/status.json";
  struct stat st {};
  FileStamp stamp;
  if (::stat(path.c_str(), &st) == 0) stamp = {st.st_ino, st.st_size, nanoseconds(st.st_mtim)};
  if (stamp == status_stamp_) return std::nullopt;
  try {
    std::optional<json> status = read_status(run_dir_);
    status_stamp_ = stamp;
    return status;
  } catch (const std::exception&) {
    return std::nullopt;  // never half-written (atomic rename); a bad file: try again next poll
  }
}

FollowUpdate RunFollower::poll() {
  FollowUpdate out;
  out.status = read_status_if_changed();
  if (open_metrics()) {
    read_steps(out);
    read_evals(out);
    read_events(out);
  }
  for (size_t r = 0; r < logs_.size(); ++r) {
    std::vector<std::string> lines = logs_[r].read_new_lines();
    if (!lines.empty()) out.logs.emplace_back(int64_t(r), std::move(lines));
  }
  return out;
}

void RunFollower::close_metrics() {
  db_.reset();
  tables_ = false;
}

int64_t oldest_checkpoint_step(const std::string& run_dir) {
  DIR* dir = ::opendir((run_dir + "/checkpoints").c_str());
  if (!dir) return 0;
  int64_t oldest = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const char* name = entry->d_name;
    if (std::strncmp(name, "step-", 5) != 0 || std::strlen(name) != 13) continue;  // not .tmp
    char* end = nullptr;
    const long long step = std::strtoll(name + 5, &end, 10);
    if (*end == '\0' && step > 0 && (oldest == 0 || step < oldest)) oldest = step;
  }
  ::closedir(dir);
  return oldest;
}

}  // namespace glossa::backend

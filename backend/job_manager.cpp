#include "backend/job_manager.h"

#include <regex>

#include "base/error.h"
#include "base/job_control.h"
#include "jobs/job_registry.h"
#include "jobs/option_schema.h"
#include "protocol/rpc_message.h"
#include "training/metrics/metrics_store.h"

namespace glossa::backend {

namespace {

using protocol::RpcException;
constexpr size_t kLogTailLines = 20;

std::string subject(int64_t id) { return "job:" + std::to_string(id); }

void append_log(JobRow& row, const std::string& line) {
  if (!row.log_tail.is_array()) row.log_tail = nlohmann::json::array();
  row.log_tail.push_back(line);
  if (row.log_tail.size() > kLogTailLines) row.log_tail.erase(row.log_tail.begin());
}

// The option the job layer's message names ("... key 'vocab_size' must be ..."), or "".
std::string field_of(const std::string& message) {
  static const std::regex key("key '([^']+)'");
  std::smatch m;
  return std::regex_search(message, m, key) ? m[1].str() : std::string();
}

}  // namespace

JobManager::JobManager(BackendStore& store, int workers, EventSink sink)
    : store_(store), sink_(std::move(sink)) {
  for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { work(); });
}

JobManager::~JobManager() {
  cancel_all();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

nlohmann::json JobManager::submit(const nlohmann::json& params) {
  const std::string name = params.at("job").get<std::string>();
  const jobs::JobSpec* spec = nullptr;
  try {
    spec = &jobs::find_job(name);
  } catch (const Error& e) {
    throw RpcException(protocol::kInvalidParams, e.what(), {{"field", "job"}});
  }
  JobRow row;
  row.name = name;
  try {
    // Checked now, so a wrong type or a missing file is the client's error at once, not a
    // failed job later; the normalized options (defaults filled in) are what runs.
    row.options = jobs::check_job_options(*spec, params.at("options"));
  } catch (const Error& e) {
    throw RpcException(protocol::kJobOptions, e.what(),
                       {{"field", field_of(e.what())}, {"doc", spec->doc()}});
  }
  row.state = "queued";
  row.created = unix_time_now();
  row.log_tail = nlohmann::json::array();
  {
    std::lock_guard lock(mutex_);
    row.id = store_.insert_job(row);
    const int64_t id = row.id;
    Live live{row, JobControl([this, id](const JobProgress& p) { on_progress(id, p); },
                              [this, id](const JobWarning& w) { on_warning(id, w); })};
    live_.emplace(id, std::move(live));
    queue_.push_back(id);
  }
  wake_.notify_one();
  publish_state(row);
  return {{"job", row.to_json()}};
}

nlohmann::json JobManager::list(const nlohmann::json& params) const {
  std::vector<std::string> states;
  if (params.contains("states")) states = params.at("states").get<std::vector<std::string>>();
  nlohmann::json out = nlohmann::json::array();
  for (const JobRow& stored : store_.jobs()) {
    const JobRow row = snapshot(stored.id);
    if (!states.empty() && std::find(states.begin(), states.end(), row.state) == states.end())
      continue;
    out.push_back(row.to_json());
  }
  return {{"jobs", out}};
}

nlohmann::json JobManager::get(const nlohmann::json& params) const {
  return {{"job", snapshot(params.at("id").get<int64_t>()).to_json()}};
}

nlohmann::json JobManager::cancel(const nlohmann::json& params) {
  const int64_t id = params.at("id").get<int64_t>();
  bool was_queued = false;
  {
    std::lock_guard lock(mutex_);
    auto it = live_.find(id);
    if (it == live_.end()) {
      const auto stored = store_.job(id);
      if (!stored) throw RpcException(protocol::kNotFound, "no job " + std::to_string(id));
      throw RpcException(protocol::kInvalidState,
                         "job " + std::to_string(id) + " has already ended (" + stored->state + ")");
    }
    it->second.control.cancel();
    auto q = std::find(queue_.begin(), queue_.end(), id);
    if (q != queue_.end()) {
      queue_.erase(q);
      was_queued = true;
    }
  }
  // A running job ends at its next check and is finished by its worker as "cancelled".
  if (was_queued)
    finish(id, "cancelled", nullptr, {{"message", "cancelled by the user"}, {"detail", ""}});
  return {{"job", snapshot(id).to_json()}};
}

void JobManager::cancel_all() {
  std::vector<int64_t> queued;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, live] : live_) live.control.cancel();
    queued.assign(queue_.begin(), queue_.end());
    queue_.clear();
  }
  for (int64_t id : queued)
    finish(id, "cancelled", nullptr, {{"message", "cancelled: the backend stopped"}, {"detail", ""}});
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [&] { return live_.empty(); });
}

void JobManager::work() {
  for (;;) {
    int64_t id = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      id = queue_.front();
      queue_.pop_front();
    }
    run_one(id);
  }
}

void JobManager::run_one(int64_t id) {
  JobRow row;
  JobControl control;
  {
    std::lock_guard lock(mutex_);
    Live& live = live_.at(id);
    live.row.state = "running";
    live.row.started = unix_time_now();
    row = live.row;
    control = live.control;
  }
  store_.update_job(row);
  publish_state(row);
  try {
    const nlohmann::json result = jobs::run_job(jobs::find_job(row.name), row.options, control);
    finish(id, "finished", result, nullptr);
  } catch (const CancelledError& e) {
    finish(id, "cancelled", nullptr, {{"message", e.what()}, {"detail", ""}});
  } catch (const std::exception& e) {
    finish(id, "failed", nullptr, {{"message", e.what()}, {"detail", row.name + " " + row.options.dump()}});
  }
}

void JobManager::on_progress(int64_t id, const JobProgress& progress) {
  JobRow row;
  {
    std::lock_guard lock(mutex_);
    auto it = live_.find(id);
    if (it == live_.end()) return;
    JobRow& r = it->second.row;
    const std::string old_phase = r.progress.is_object() ? r.progress.value("phase", "") : "";
    if (!progress.phase.empty() && progress.phase != old_phase) append_log(r, progress.phase);
    r.progress = progress.to_json();
    row = r;
  }
  store_.update_job(row);
  nlohmann::json params = progress.to_json();
  params["id"] = id;
  sink_(Event{"job.progress", params, subject(id), subject(id) + "/progress"});
}

void JobManager::on_warning(int64_t id, const JobWarning& warning) {
  {
    std::lock_guard lock(mutex_);
    auto it = live_.find(id);
    if (it != live_.end())
      append_log(it->second.row, "warning: " + warning.message +
                                     (warning.where.empty() ? "" : " (" + warning.where + ")"));
  }
  sink_(Event{"job.warning", {{"id", id}, {"message", warning.message}, {"where", warning.where}},
              subject(id), ""});
}

void JobManager::finish(int64_t id, const std::string& state, const nlohmann::json& result,
                        const nlohmann::json& error) {
  JobRow row;
  {
    std::lock_guard lock(mutex_);
    auto it = live_.find(id);
    if (it == live_.end()) return;
    row = it->second.row;
    live_.erase(it);
  }
  row.state = state;
  row.result = result;
  row.error = error;
  row.finished = unix_time_now();
  if (error.is_object()) append_log(row, state + ": " + error.value("message", ""));
  store_.update_job(row);
  publish_state(row);
  if (state == "finished")
    sink_(Event{"job.finished", {{"id", id}, {"result", result}}, subject(id), ""});
  else
    sink_(Event{"job.failed", {{"id", id}, {"state", state}, {"error", error}}, subject(id), ""});
  wake_.notify_all();  // cancel_all waits for live_ to empty
}

void JobManager::publish_state(const JobRow& row) {
  sink_(Event{"job.state", {{"id", row.id}, {"state", row.state}}, subject(row.id), ""});
}

JobRow JobManager::snapshot(int64_t id) const {
  {
    std::lock_guard lock(mutex_);
    auto it = live_.find(id);
    if (it != live_.end()) return it->second.row;
  }
  auto stored = store_.job(id);
  if (!stored) throw RpcException(protocol::kNotFound, "no job " + std::to_string(id));
  return *stored;
}

}  // namespace glossa::backend

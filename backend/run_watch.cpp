// The watcher side of the RunSupervisor: every poll_ms, each run that is not done is polled —
// are its trainers alive, what changed in status.json, metrics.sqlite and the rank logs — and the
// changes become notifications (run.state, run.metrics, run.eval, run.stage, run.checkpoint,
// run.log) and store updates. The request side is run_supervisor.cpp.
#include <filesystem>
#include <iostream>

#include "backend/run_launcher.h"
#include "backend/run_log.h"
#include "backend/run_process.h"
#include "backend/run_supervisor.h"
#include "backend/run_watched.h"
#include "training/metrics/metrics_store.h"

namespace glossa::backend {
namespace {

using nlohmann::json;

constexpr size_t kRowsPerEvent = 1000;  // run.metrics / run.eval rows per notification
constexpr size_t kLinesPerEvent = 200;  // run.log lines per notification

// `rows` in notifications of at most `per_event` rows each.
template <typename Emit>
void in_batches(std::vector<json>& rows, size_t per_event, Emit emit) {
  for (size_t i = 0; i < rows.size(); i += per_event) {
    const size_t end = std::min(rows.size(), i + per_event);
    emit(json(std::vector<json>(std::make_move_iterator(rows.begin() + i),
                                std::make_move_iterator(rows.begin() + end))));
  }
}

std::string program_name(const std::string& program) {
  const std::string name = std::filesystem::path(program).filename().string();
  return name.empty() ? "glossa-train" : name;
}

}  // namespace

void RunSupervisor::watch_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    std::vector<WatchedPtr> active;
    for (const auto& [id, w] : watched_)
      if (!w->done) active.push_back(w);
    lock.unlock();
    for (const WatchedPtr& w : active) {
      std::lock_guard w_lock(w->mutex);
      poll(*w);
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [&] { return stopping_; });
  }
}

void RunSupervisor::poll(Watched& w) {
  try {
    // Liveness before the files: a trainer writes its final status.json and metrics before it
    // exits, so once it is seen gone, what is read next is complete.
    const bool alive = trainers_alive(w);
    FollowUpdate update = w.follower.poll();
    if (update.rewritten) ++w.generation;
    publish_update(w, update);
    const std::string before = w.row.state;
    const bool status_changed = update.status && status_belongs(w, *update.status);
    if (status_changed) w.status = *update.status;
    apply_status(w);
    if (w.row.owned && !alive && !is_terminal_state(w.row.state)) mark_died(w);
    const bool ended = is_terminal_state(w.row.state) && (w.row.owned ? !alive : true);
    if (ended) {
      if (w.row.state == "failed" && w.row.error.is_object() && w.row.owned)
        w.row.error["log_tail"] = error_log_tail(w);  // now with the trainer's last lines
      w.row.pids.clear();
      w.follower.close_metrics();
      w.done = true;
    }
    if (w.row.state != before && is_terminal_state(w.row.state)) w.row.finished = unix_time_now();
    if (w.row.state != before || ended) store_.update_run(w.row);
    if (w.row.state != before || status_changed) publish_state(w);
    w.last_poll_error.clear();
  } catch (const std::exception& e) {
    if (e.what() != w.last_poll_error)  // a broken file is retried every poll, reported once
      std::cerr << "glossa-backend: run " << w.row.id << " (" << w.row.run_dir << "): " << e.what()
                << std::endl;
    w.last_poll_error = e.what();
  }
}

// Whether any of the run's trainers is still there. Attached runs have none we know of: their
// end comes from status.json alone.
bool RunSupervisor::trainers_alive(Watched& w) {
  if (!w.row.owned) return true;
  bool alive = false;
  for (size_t i = 0; i < w.row.pids.size(); ++i) {
    const int64_t pid = w.row.pids[i];
    if (w.ended.count(pid)) continue;
    const ProcessCheck check = check_trainer(pid, program_name(options_.train_program));
    if (check.alive) {
      alive = true;
      continue;
    }
    w.ended.insert(pid);
    if (i == 0) w.rank0_end = check.ended;
  }
  return alive;
}

// Whether status.json is this attempt's: written by our rank 0 (its pid), or any for attached
// runs. A resumed run's directory still holds the previous attempt's "failed" until the new
// rank 0 writes; a new run in a used directory, the old run's "finished".
bool RunSupervisor::status_belongs(const Watched& w, const json& status) const {
  if (!w.row.owned) return true;
  return status.is_object() && !w.row.pids.empty() &&
         status.value("pid", json()) == json(w.row.pids[0]);
}

// The row's state from status.json (as last read: status_belongs).
void RunSupervisor::apply_status(Watched& w) {
  const json& s = w.status;
  if (!s.is_object() || !s.contains("state") || !s.at("state").is_string()) return;
  if (!status_belongs(w, s)) return;  // kept from the previous attempt (resume)
  const std::string state = s.at("state").get<std::string>();
  if (state == w.row.state) return;
  w.row.state = state;
  if (state == "failed") {
    const json message = s.value("error", json("the trainer reported a failure"));
    w.row.error = {{"message", message.is_string() ? message : json(message.dump())},
                   {"log_tail", error_log_tail(w)}};
  }
}

// Every trainer is gone and status.json never said the run ended: killed, crashed, out of
// memory. The run can be resumed from its last checkpoint.
void RunSupervisor::mark_died(Watched& w) {
  std::vector<std::string> tail = error_log_tail(w);
  std::string last;
  if (w.status.is_object() && w.status.value("error", json()).is_string())
    last = w.status.at("error").get<std::string>();
  for (auto it = tail.rbegin(); last.empty() && it != tail.rend(); ++it)
    if (it->find_first_not_of(" \t") != std::string::npos) last = *it;
  if (last.empty()) last = "no output";
  if (!w.rank0_end.empty()) last += " (" + w.rank0_end + ")";
  const int64_t pid = w.row.pids.empty() ? 0 : w.row.pids[0];
  w.row.state = "failed";
  w.row.error = {
      {"message", "the trainer (pid " + std::to_string(pid) + ") ended without finishing: " + last},
      {"log_tail", tail}};
}

std::vector<std::string> RunSupervisor::error_log_tail(const Watched& w) const {
  if (!w.row.owned) return {};
  return tail_lines(rank_log_path(w.row.run_dir, 0), options_.log_tail_lines);
}

void RunSupervisor::publish(const std::string& method, json params, int64_t id, bool coalesce) {
  if (!sink_) return;
  const std::string subject = "run:" + std::to_string(id);
  params["id"] = id;
  sink_(Event{method, std::move(params), subject, coalesce ? subject + "/state" : ""});
}

void RunSupervisor::publish_update(const Watched& w, FollowUpdate& u) {
  const int64_t id = w.row.id;
  in_batches(u.steps, kRowsPerEvent, [&](json rows) {
    publish("run.metrics", {{"rows", std::move(rows)}}, id);
  });
  in_batches(u.evals, kRowsPerEvent, [&](json rows) {
    publish("run.eval", {{"rows", std::move(rows)}}, id);
  });
  for (const EventRecord& e : u.events) {
    if (e.kind == "stage_start" || e.kind == "stage_end")
      publish("run.stage", {{"event", e.kind}, {"message", e.message}, {"time", e.time}}, id);
    else if (e.kind == "checkpoint")
      publish("run.checkpoint", {{"message", e.message}, {"time", e.time}}, id);
  }
  for (auto& [rank, lines] : u.logs) {
    std::vector<json> all(lines.begin(), lines.end());
    in_batches(all, kLinesPerEvent, [&](json batch) {
      publish("run.log", {{"rank", rank}, {"lines", std::move(batch)}}, id);
    });
  }
}

void RunSupervisor::publish_state(const Watched& w) {
  const json& s = w.status;
  const bool current = s.is_object();
  const json step = current ? s.value("global_step", json()) : json();
  const json stage = current ? s.value("stage", json()) : json();
  publish("run.state",
          {{"state", w.row.state},
           {"global_step", step.is_number_integer() ? step : json()},
           {"stage", stage.is_string() && !stage.get<std::string>().empty() ? stage : json()},
           {"status", s},
           {"error", w.row.error}},
          w.row.id, /*coalesce=*/true);
}

}  // namespace glossa::backend

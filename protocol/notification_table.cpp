// The notifications the backend sends to subscribed clients (docs/protocol.md, generated from this
// table), with the same story as method_table.cpp: job 12 (corpus statistics), job 14 (a
// vocabulary merge), run 3 (EEVE training). Every field listed is always sent unless marked
// optional; nullable ones carry kNull.
#include <nlohmann/json.hpp>

#include "protocol/method_catalog.h"

namespace glossa::protocol {

using nlohmann::json;
using namespace nlohmann::literals;

namespace {

Field job_id() { return {"id", kInteger, true, "The job's id"}; }
Field run_id() { return {"id", kInteger, true, "The run's id"}; }

std::vector<NotificationDef> job_notifications() {
  return {
      {"job.state",
       "A job changed state: queued, running, then finished, failed or cancelled",
       {job_id(), {"state", kString, true, "The new state"}},
       R"({"id": 12, "state": "running"})"_json},
      {"job.progress",
       "Where a running job stands (coalesced: the latest per job)",
       {job_id(),
        {"fraction", kNumber, true, "Share of the whole job done, 0 to 1; -1 when unknown"},
        {"phase", kString, true, "What the job does now"},
        {"message", kString, true, "Plain words"},
        {"done", kInteger, false, "Units of the phase done (absent when nothing is counted)"},
        {"total", kInteger, false, "Units of the phase in all; 0 when unknown"},
        {"unit", kString, false, "What done and total count: documents, bytes, ..."},
        {"eta_seconds", kNumber, false, "Time left, estimated (absent when unknown)"}},
       R"({"id": 12, "fraction": 0.42, "phase": "reading /home/ana/corpus/ko.jsonl",
         "message": "78,512 documents", "done": 6029515, "total": 14353608, "unit": "bytes",
         "eta_seconds": 11.5})"_json},
      {"job.warning",
       "Something the user should know that does not stop the job",
       {job_id(),
        {"message", kString, true, "Plain words"},
        {"where", kString, true, "File, line or option it concerns; may be empty"}},
       R"({"id": 12, "message": "3 records are not valid JSON and were skipped",
         "where": "/home/ana/corpus/ko.jsonl:1187"})"_json},
      {"job.finished",
       "A job ended well; its result as `glossa-cli job run --json` prints it",
       {job_id(), {"result", kObject, true, "The job's result"}},
       R"({"id": 14, "result": {"base_size": 32000, "appended": 17953,
         "skipped_duplicates": 2044, "skipped_special": 3, "piece_chars": 0,
         "merged_size": 49953, "out": "/home/ana/tok/ko-merged.model",
         "fingerprint": "5b0e7c1d9a4f3e28c6b1a09d7f4e2c8b3a6d5f1e0c9b8a7d6e5f4c3b2a1d0e9f",
         "fast_tokenizer_agrees": false}})"_json},
      {"job.failed",
       "A job ended without a result: failed, cancelled or interrupted",
       {job_id(),
        {"state", kString, true, "failed, cancelled or interrupted"},
        {"error", kObject, true, "{message, detail}"}},
       R"({"id": 12, "state": "cancelled",
         "error": {"message": "cancelled by the user", "detail": ""}})"_json},
  };
}

std::vector<NotificationDef> run_state_notifications() {
  return {
      {"run.state",
       "A run's status.json changed (coalesced: the latest per run)",
       {run_id(),
        {"state", kString, true, "starting, running, paused, stopping, finished, ..."},
        {"global_step", kInteger | kNull, true, "Optimizer steps so far"},
        {"stage", kString | kNull, true, "Name of the current stage"},
        {"status", kObject | kNull, true, "status.json as last read"},
        {"error", kObject | kNull, true, "{message, log_tail} when the run failed"}},
       R"({"id": 3, "state": "running", "global_step": 57, "stage": "new embeddings",
         "status": {"state": "running", "pid": 48377, "stage": "new embeddings",
           "stage_index": 0, "stage_steps": 200, "global_step": 57, "tokens": 233472,
           "loss": 5.23, "tokens_per_s": 10234, "control_id": 3,
           "last_checkpoint": "/home/ana/runs/ko-eeve/checkpoints/step-00000050",
           "started": 1795431001, "updated": 1795431062}, "error": null})"_json},
      {"run.metrics",
       "New step rows of a run's metrics (batched; NaN is sent as null)",
       {run_id(),
        {"rows", kArray, true,
         "Per step: step, stage, tokens, loss, lr (first group), grad_norm, tokens_per_s, mfu, "
         "step_time_s, peak_mem_bytes, time, lr_groups and grad_norm_groups ({group: value})"}},
       R"({"id": 3, "rows": [{"step": 57, "stage": "new embeddings", "tokens": 233472,
         "loss": 5.23, "lr": 0.0001, "grad_norm": 0.87, "tokens_per_s": 10234.0, "mfu": null,
         "step_time_s": 0.4, "peak_mem_bytes": 21474836480, "time": 1795431062.4,
         "lr_groups": {"embed.new": 0.0001}, "grad_norm_groups": {"embed.new": 0.87}}]})"_json},
      {"run.eval",
       "New evaluation results (held-out sets and benchmarks)",
       {run_id(),
        {"rows", kArray, true,
         "Per result: step, stage, set_or_task, metric, value, stderr, time"}},
       R"({"id": 3, "rows": [{"step": 50, "stage": "new embeddings",
         "set_or_task": "korean_heldout", "metric": "bits_per_byte", "value": 1.284,
         "stderr": null, "time": 1795431055.8}, {"step": 50, "stage": "new embeddings",
         "set_or_task": "kobest_boolq", "metric": "acc", "value": 0.5983, "stderr": 0.0131,
         "time": 1795431055.8}]})"_json},
  };
}

std::vector<NotificationDef> run_event_notifications() {
  return {
      {"run.stage",
       "A stage started or ended",
       {run_id(),
        {"event", kString, true, "stage_start or stage_end"},
        {"message", kString, true, "Which stage, at which step"},
        {"time", kNumber, true, "Unix seconds"}},
       R"({"id": 3, "event": "stage_start", "message": "stage 2 'all' at step 0 of 1220",
         "time": 1795431240.2})"_json},
      {"run.checkpoint",
       "A checkpoint was written",
       {run_id(),
        {"message", kString, true, "The checkpoint's folder"},
        {"time", kNumber, true, "Unix seconds"}},
       R"({"id": 3, "message": "/home/ana/runs/ko-eeve/checkpoints/step-00000050",
         "time": 1795431056.1})"_json},
      {"run.log",
       "New lines of a rank's log",
       {run_id(),
        {"rank", kInteger, true, "Which rank's log"},
        {"lines", kArray, true, "The new lines (strings), without newlines"}},
       R"({"id": 3, "rank": 0, "lines": ["step 57 | loss 5.2300 | 10234 tokens/s"]})"_json},
      {"dropped",
       "A slow client's queue overflowed: these notifications were dropped",
       {{"subject", kString, true, "Whose: job:ID or run:ID"},
        {"count", kInteger, true, "How many were dropped"},
        {"methods", kArray, true, "Which notification names (strings)"}},
       R"({"subject": "run:3", "count": 118, "methods": ["run.metrics", "run.log"]})"_json},
  };
}

std::vector<NotificationDef> build_notifications() {
  std::vector<NotificationDef> all = job_notifications();
  for (auto* part : {&run_state_notifications, &run_event_notifications})
    for (NotificationDef& n : part()) all.push_back(std::move(n));
  return all;
}

}  // namespace

const std::vector<NotificationDef>& all_notifications() {
  static const std::vector<NotificationDef> notifications = build_notifications();
  return notifications;
}

}  // namespace glossa::protocol

// The methods of the protocol (docs/protocol.md, generated from this table): fields, summaries and
// one real example each. The examples follow one story: job 12 computes the statistics of a
// Korean corpus, job 14 merged a Korean tokenizer into LLaMA's, run 3 is an EEVE training run.
#include <nlohmann/json.hpp>

#include "protocol/method_catalog.h"
#include "protocol/method_parts.h"

namespace glossa::protocol {

using nlohmann::json;
using namespace nlohmann::literals;

namespace {

// JobInfo of job 12 as the backend reports it in `state` (queued, running or cancelled).
json stats_job(const std::string& state) {
  json job = R"({"id": 12, "job": "corpus.stats",
    "options": {"files": ["/home/ana/corpus/ko.jsonl"], "script": "hangul", "threads": 2},
    "progress": null, "result": null, "error": null, "log_tail": [],
    "created": 1795430412.25, "started": null, "finished": null})"_json;
  job["state"] = state;
  if (state == "queued") return job;
  job["started"] = 1795430412.5;
  job["progress"] = R"({"fraction": 0.42, "phase": "reading /home/ana/corpus/ko.jsonl",
    "message": "78,512 documents", "done": 6029515, "total": 14353608, "unit": "bytes",
    "eta_seconds": 11.5})"_json;
  job["log_tail"] = json::array({"reading /home/ana/corpus/ko.jsonl"});
  if (state == "cancelled") {
    job["finished"] = 1795430421.75;
    job["error"] = {{"message", "cancelled by the user"}, {"detail", ""}};
    job["log_tail"].push_back("cancelled: cancelled by the user");
  }
  return job;
}

// JobInfo of job 14, a finished vocabulary merge (the Chinese-LLaMA recipe, with Korean).
json merge_job() {
  return R"({"id": 14, "job": "vocab.merge", "state": "finished",
    "options": {"base": "/home/ana/models/llama-2-7b/tokenizer.model",
                "add": "/home/ana/tok/ko-sp20k.model", "out": "/home/ana/tok/ko-merged.model",
                "score_policy": "zero"},
    "progress": {"fraction": 1.0, "phase": "writing", "message": "49,953 pieces"},
    "result": {"base_size": 32000, "appended": 17953, "skipped_duplicates": 2044,
               "skipped_special": 3, "piece_chars": 0, "merged_size": 49953,
               "out": "/home/ana/tok/ko-merged.model",
               "fingerprint": "5b0e7c1d9a4f3e28c6b1a09d7f4e2c8b3a6d5f1e0c9b8a7d6e5f4c3b2a1d0e9f",
               "fast_tokenizer_agrees": false},
    "error": null, "log_tail": ["writing"],
    "created": 1795429800.0, "started": 1795429800.25, "finished": 1795429803.5})"_json;
}

std::vector<MethodDef> job_methods() {
  const Field id{"id", kInteger, true, "The job's id"};
  const Field job{"job", kObject, true, "JobInfo (see Shapes)"};
  return {
      {"job.submit",
       "Queue an engine job (docs/jobs.md) with its options; they are checked first",
       {{"job", kString, true, "Dotted job name: corpus.stats, tokenizer.train, vocab.expand, ..."},
        {"options", kObject, true,
         "Exactly the options of `glossa-cli job run NAME --options FILE.json` (absolute paths)"}},
       {job},
       R"({"job": "corpus.stats", "options": {"files": ["/home/ana/corpus/ko.jsonl"]}})"_json,
       {{"job", stats_job("queued")}}},
      {"job.list",
       "The jobs the backend knows, past ones included, in id order",
       {{"states", kArray, false, "Only jobs in these states (strings); default: all"}},
       {{"jobs", kArray, true, "JobInfo of each job"}},
       R"({"states": ["finished"]})"_json,
       {{"jobs", json::array({merge_job()})}}},
      {"job.get",
       "One job: state, last progress, result or error, last log lines",
       {id},
       {job},
       R"({"id": 12})"_json,
       {{"job", stats_job("running")}}},
      {"job.cancel",
       "Cancel a queued or running job; it leaves no partial output",
       {id},
       {job},
       R"({"id": 12})"_json,
       {{"job", stats_job("cancelled")}}},
  };
}

// RunInfo of run 3, an EEVE run on one GPU, in `state`; `status` is its status.json.
json eeve_run(const std::string& state) {
  json run = R"({"id": 3, "run_dir": "/home/ana/runs/ko-eeve",
    "config_path": "/home/ana/runs/ko-eeve/RUN.json", "owned": true, "world_size": 1,
    "device": "cuda", "gpus": [0], "pids": [48377], "error": null, "created": 1795431000.5,
    "finished": null, "status": null, "last_checkpoint": null})"_json;
  run["state"] = state;
  if (state == "starting") return run;
  run["status"] = R"({"state": "running", "pid": 48377, "stage": "new embeddings",
    "stage_index": 0, "stage_steps": 200, "global_step": 57, "tokens": 233472, "loss": 5.23,
    "tokens_per_s": 10234, "control_id": 3,
    "last_checkpoint": "/home/ana/runs/ko-eeve/checkpoints/step-00000050",
    "started": 1795431001, "updated": 1795431062})"_json;
  run["status"]["state"] = state;
  if (state == "paused") run["status"]["paused_at_step"] = 57;
  run["last_checkpoint"] = "/home/ana/runs/ko-eeve/checkpoints/step-00000050";
  return run;
}

// run.start and run.plan take the same parameters.
std::vector<Field> run_start_params() {
  return {{"config", kString | kObject, true, "RUN.json path, or the run configuration itself"},
          {"base_dir", kString, false,
           "Absolute folder that relative paths of an object config resolve against"},
          {"world_size", kInteger, false, "Ranks (default 1)"},
          {"device", kString, false, "cpu or cuda (default: the config's)"},
          {"gpus", kArray, false, "Local GPU indices (integers), one rank each"}};
}

// run.pause, run.resume, run.checkpoint, run.stop: the same shape.
MethodDef run_control(const std::string& name, const std::string& summary,
                      const std::string& state) {
  return {name,
          summary,
          {{"id", kInteger, true, "The run's id"}},
          {{"run", kObject, true, "RunInfo (see Shapes), as the command left it"}},
          R"({"id": 3})"_json,
          {{"run", eeve_run(state)}}};
}

std::vector<MethodDef> run_control_methods() {
  json resumed = eeve_run("starting");
  resumed["last_checkpoint"] = "/home/ana/runs/ko-eeve/checkpoints/step-00000050";
  return {
      {"run.start",
       "Start a training run: one glossa-train process per local rank",
       run_start_params(),
       {{"run", kObject, true, "RunInfo (see Shapes)"}},
       R"({"config": "/home/ana/runs/ko-eeve/RUN.json", "device": "cuda", "gpus": [0]})"_json,
       {{"run", eeve_run("starting")}}},
      {"run.plan",
       "What run.start would launch, checked as glossa-train --dry-run checks it; starts nothing",
       run_start_params(),
       {{"config", kObject, true, "The effective RUN.json: preset inline, paths absolute"},
        {"table", kString, true, "Markdown rows of the effective configuration"},
        {"run_dir", kString, true, "Normalized run folder"},
        {"run_dir_in_use", kBoolean, true, "A run that has not ended uses this folder"},
        {"world_size", kInteger, true, "Ranks"},
        {"device", kString, true, "cpu or cuda"},
        {"gpus", kArray, true, "GPU index of each rank (cuda)"},
        {"model", kObject, true,
         "init, path, architecture, vocab_size (after the resize), base_vocab, hidden_size, "
         "layers, parameters"},
        {"stages", kArray, true, "The schedule's stages as they will run"},
        {"heldout", kArray, true, "name, prefix, tokens, bytes, seq_len of each held-out set"},
        {"benchmarks", kArray, true, "Request files scored during the run"},
        {"memory", kObject, true,
         "table (Markdown: stage, GiB per rank, verdict) and not_fitting (one line a stage)"}},
       R"({"config": "/home/ana/runs/ko-eeve/RUN.json", "device": "cuda", "world_size": 2})"_json,
       R"({"config": {"run_dir": "/home/ana/runs/ko-eeve", "schedule": {"stages": []}},
           "table": "| run_dir | /home/ana/runs/ko-eeve |\n", "run_dir": "/home/ana/runs/ko-eeve",
           "run_dir_in_use": false, "world_size": 2, "device": "cuda", "gpus": [0, 1],
           "model": {"init": "pretrained", "path": "/home/ana/models/llama-2-7b",
                     "architecture": "LlamaForCausalLM", "vocab_size": 40448, "base_vocab": 32000,
                     "hidden_size": 4096, "layers": 32, "parameters": 6807306240},
           "stages": [], "heldout": [{"name": "ko", "prefix": "/home/ana/shards/ko_heldout",
                                      "tokens": 81920, "bytes": 250112, "seq_len": 1024}],
           "benchmarks": [], "memory": {"table": "| stage | GiB |\n", "not_fitting": []}})"_json},
      run_control("run.pause", "Hold the run between two steps (the step in flight finishes)",
                  "paused"),
      run_control("run.resume", "Go on after a pause", "running"),
      run_control("run.checkpoint", "Write a checkpoint after the current step", "running"),
      run_control("run.stop", "Stop after one last checkpoint", "stopping"),
      {"run.resume_from_checkpoint",
       "Start a stopped or failed run again from its last checkpoint",
       {{"id", kInteger, true, "The run's id"}},
       {{"run", kObject, true, "RunInfo (see Shapes)"}},
       R"({"id": 3})"_json,
       {{"run", resumed}}},
  };
}

std::vector<MethodDef> run_query_methods() {
  json attached = R"({"id": 4, "run_dir": "/home/ana/runs/ko-llama2c-110m", "config_path": "",
    "owned": false, "state": "finished", "world_size": 2, "device": "cuda", "gpus": [],
    "pids": [], "error": null, "created": 1795432000.0, "finished": 1795432000.0,
    "last_checkpoint": "/home/ana/runs/ko-llama2c-110m/checkpoints/step-00004000"})"_json;
  attached["status"] = {{"state", "finished"}, {"global_step", 4000}, {"stage", "all"}};
  const Field run{"run", kObject, true, "RunInfo (see Shapes)"};
  json with_log = eeve_run("running");
  with_log["log_tail"] = json::array(
      {"step 56 | loss 5.2412 | 10251 tokens/s", "step 57 | loss 5.2300 | 10234 tokens/s"});
  return {
      {"run.list",
       "Every run: started here, re-adopted after a restart, or attached",
       {},
       {{"runs", kArray, true, "RunInfo of each run"}},
       json::object(),
       {{"runs", json::array({eeve_run("running")})}}},
      {"run.get",
       "One run with its live status.json and rank 0's last log lines",
       {{"id", kInteger, true, "The run's id"}},
       {{"run", kObject, true, "RunInfo (see Shapes) with log_tail: rank 0's last log lines"}},
       R"({"id": 3})"_json,
       {{"run", with_log}}},
      {"run.attach",
       "Follow a run another launcher started (torchrun, SLURM), read-only",
       {{"run_dir", kString, true, "Absolute path of the run directory"}},
       {run},
       R"({"run_dir": "/home/ana/runs/ko-llama2c-110m"})"_json,
       {{"run", attached}}},
      {"metrics.query",
       "A metric series of one or more runs, downsampled to max_points",
       {{"runs", kArray, true, "Run ids (integers)"},
        {"series", kString, true,
         "loss, grad_norm, tokens_per_s, mfu, step_time_s, peak_mem_bytes, lr (first group), "
         "lr:GROUP, grad_norm:GROUP, or eval:SET_OR_TASK:METRIC"},
        {"x", kString, false, "step (default), tokens or time"},
        {"from", kNumber, false, "Lowest x (inclusive)"},
        {"to", kNumber, false, "Highest x (inclusive)"},
        {"max_points", kInteger, false, "Points per run at most (default 2000, 1 to 100000)"}},
       {{"series", kString, true, "The series asked for"},
        {"x", kString, true, "The x axis"},
        {"runs", kArray, true, "Per run: id, rows (in range), x, min, max, last (arrays)"}},
       R"({"runs": [3], "series": "loss", "from": 1, "to": 57, "max_points": 4})"_json,
       R"({"series": "loss", "x": "step", "runs": [{"id": 3, "rows": 57, "x": [14, 28, 42, 57],
         "min": [6.02, 5.71, 5.44, 5.19], "max": [10.41, 6.08, 5.77, 5.52],
         "last": [6.05, 5.74, 5.46, 5.23]}]})"_json},
      {"metrics.series",
       "The series each run has: the step series, lr:GROUP and grad_norm:GROUP for every "
       "parameter group, and eval:SET_OR_TASK:METRIC for every held-out set and benchmark "
       "evaluated so far",
       {{"runs", kArray, true, "Run ids (integers)"}},
       {{"runs", kArray, true,
         "Per run: id, series (names metrics.query takes), stages ({name, from, to}: the first "
         "and last logged step of each stage, each {step, tokens, time})"}},
       R"({"runs": [3]})"_json,
       R"({"runs": [{"id": 3, "series": ["loss", "lr", "grad_norm", "tokens_per_s", "mfu",
         "step_time_s", "peak_mem_bytes", "lr:embed.new", "grad_norm:embed.new",
         "eval:korean_heldout:bits_per_byte",
         "eval:korean_heldout:loss", "eval:english_heldout:bits_per_byte",
         "eval:english_heldout:loss", "eval:kobest_boolq:acc"],
         "stages": [{"name": "1 new input embeddings",
                     "from": {"step": 1, "tokens": 4096, "time": 1795431001.2},
                     "to": {"step": 50, "tokens": 204800, "time": 1795431030.7}}]}]})"_json},
  };
}

MethodDef version_method() {
  return {"version",
          "The protocol version and the backend's build and process id",
          {},
          {{"protocol", kInteger, true, "Protocol version (changes when a method changes)"},
           {"build", kString, true, "Backend program and version"},
           {"pid", kInteger, true, "Backend process id"}},
          json::object(),
          R"({"protocol": 1, "build": "glossa-backend 0.1.0", "pid": 48213})"_json};
}

std::vector<MethodDef> subscription_methods() {
  const std::vector<Field> filters = {
      {"jobs", kBoolean | kArray, false, "true: every job; an array: these job ids"},
      {"runs", kBoolean | kArray, false, "true: every run; an array: these run ids"}};
  const std::vector<Field> subscriptions = {
      {"subscriptions", kObject, true, "What this client now receives: {jobs, runs}"}};
  return {
      {"subscribe", "Receive notifications of these jobs and runs from now on (none: all)", filters,
       subscriptions, R"({"jobs": [12], "runs": true})"_json,
       R"({"subscriptions": {"jobs": [12], "runs": true}})"_json},
      {"unsubscribe", "Stop notifications of these jobs and runs (none: all)", filters,
       subscriptions, R"({"runs": true})"_json,
       R"({"subscriptions": {"jobs": [12], "runs": false}})"_json},
  };
}

std::vector<MethodDef> build_methods() {
  std::vector<MethodDef> all = {version_method()};
  for (auto* part : {&job_methods, &run_control_methods, &run_query_methods, &subscription_methods,
                     &project_methods})
    for (MethodDef& m : part()) all.push_back(std::move(m));
  return all;
}

}  // namespace

const std::vector<MethodDef>& all_methods() {
  static const std::vector<MethodDef> methods = build_methods();
  return methods;
}

}  // namespace glossa::protocol

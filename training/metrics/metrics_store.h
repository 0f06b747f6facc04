// The metrics of a training run: `metrics.sqlite` in the run directory, written by rank 0 (one
// transaction per optimizer step) and read live by the GUI / backend from other connections or
// processes while the run goes on (SQLite WAL: readers never block the writer nor see half a
// step). docs/metrics-store.md documents the tables. Torch-free.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace glossa {

class SqliteDb;
class SqliteStatement;

// One optimizer step. NaN (e.g. a skipped NaN loss, an unknown MFU) is stored as NULL and read
// back as NaN.
struct StepRecord {
  int64_t step = 0;        // optimizer steps since the run began (1-based), unique
  std::string stage;       // stage name ("embeddings", "full", ...)
  int64_t tokens = 0;      // training tokens consumed by the run up to and including this step
  double loss = 0;         // mean cross-entropy of the step's targets (nats per token)
  nlohmann::json lr_json;  // learning rate per parameter group: {"group": lr, ...}
  double grad_norm = 0;    // global L2 norm of the gradients before clipping
  nlohmann::json grad_norm_json;  // L2 norm per parameter group: {"group": norm, ...}
  double tokens_per_s = 0;        // training throughput of this step (all ranks)
  double mfu = 0;                 // model FLOPs utilisation in [0, 1]
  double step_time_s = 0;         // wall time of this step, seconds
  int64_t peak_mem_bytes = 0;     // peak accelerator memory of rank 0 during the step
  double time = 0;                // Unix time at the end of the step, seconds
};

struct EvalRecord {
  int64_t id = 0;           // row id, increasing (read only; for incremental reading)
  int64_t step = 0;         // optimizer step the model had when evaluated
  std::string stage;        // stage name
  std::string set_or_task;  // held-out set ("korean_heldout") or benchmark task ("kobest_boolq")
  std::string metric;       // "loss", "bits_per_byte", "perplexity", "acc", "acc_norm", ...
  double value = 0;
  double standard_error =
      0;  // column "stderr": standard error of `value`; NaN when not computed (NULL in the table)
  double time = 0;  // Unix time, seconds
};

struct EventRecord {
  int64_t id = 0;       // row id, increasing (read only)
  double time = 0;      // Unix time, seconds
  std::string kind;     // "stage_start", "stage_end", "checkpoint", "warning", "error", ...
  std::string message;  // human-readable detail
};

// Unix time now in seconds (wall clock, sub-second resolution).
double unix_time_now();

class MetricsWriter {
 public:
  // Opens or creates `path` (WAL mode) and its tables. Rows of an earlier attempt of the same
  // run stay; a step written again (resume from a checkpoint) replaces the old row.
  explicit MetricsWriter(const std::string& path);
  ~MetricsWriter();

  void set_run(const std::string& key, const std::string& value);  // run(key, value) metadata

  // One step with the evaluations and events that belong to it, in one transaction: a reader
  // sees all of them or none.
  void write_step(const StepRecord& step, const std::vector<EvalRecord>& evals = {},
                  const std::vector<EventRecord>& events = {});
  void write_evals(const std::vector<EvalRecord>& evals);  // one transaction
  void write_event(const std::string& kind, const std::string& message, double time = 0);

 private:
  void insert(const StepRecord& s);
  void insert(const EvalRecord& e);
  void insert(const EventRecord& e);

  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<SqliteStatement> step_, eval_, event_, run_;
};

class MetricsReader {
 public:
  // Opens an existing metrics.sqlite (Error naming the path when it does not exist). Tables
  // that the writer has not created yet read as empty.
  explicit MetricsReader(const std::string& path);
  ~MetricsReader();

  std::map<std::string, std::string> run() const;

  // Steps with step > since_step in step order, at most max_points (>= 1) of them: when more
  // match, every k-th row with k = ceil(n / max_points), counted back from the last matching
  // row so that the newest step is always included.
  std::vector<StepRecord> read_steps(int64_t since_step = -1, int64_t max_points = 1000) const;
  int64_t step_count(int64_t since_step = -1) const;                 // rows with step > since_step
  std::vector<EvalRecord> read_evals(int64_t after_id = 0) const;    // id > after_id, id order
  std::vector<EventRecord> read_events(int64_t after_id = 0) const;  // id > after_id, id order

 private:
  bool has_tables() const;

  std::unique_ptr<SqliteDb> db_;
};

}  // namespace glossa

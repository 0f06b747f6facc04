// RUN.json: everything one training run needs (model, tokenizer, new-token map, stage schedule,
// data, evaluation sets, checkpoints, device) in one config struct with defaults, strict JSON in
// and out (docs/run-config.md). Torch-free: glossa-train, the backend and the GUI include it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "training/config/data_config.h"
#include "training/config/model_config.h"
#include "training/config/stage_config.h"

namespace glossa {

// Where the model comes from: a Hugging Face folder, or a random init of a given shape.
struct RunModelSource {
  std::string path;                   // HF folder (config.json + safetensors); "" with init random
  std::string init;                   // "" = the schedule's init; "pretrained" | "random"
  std::optional<ModelConfig> config;  // shape for init "random" ("config" block of config.json)
};

struct HeldoutRef {
  std::string name;    // label in metrics ("korean_heldout")
  std::string prefix;  // shard prefix (PREFIX.bin / .idx / .manifest.json)
};

// How the evaluation hook scores held-out sets and benchmarks during training (eval_hook.h).
struct RunEvalConfig {
  int64_t seq_len = 0;     // held-out window length; 0 = min(max_position_embeddings, 1024). Fixed
                           // for the whole run so losses stay comparable across stages
  int64_t batch = 8;       // windows / requests per forward pass
  int64_t max_tokens = 0;  // held-out targets scored per set per evaluation; 0 = all
  int64_t benchmark_max_docs = 0;  // documents scored per benchmark; 0 = all
};

struct RunConfig {
  std::string run_dir;              // metrics.sqlite, checkpoints/, RUN.json live here (required)
  RunModelSource model;             // base model or random init
  std::string tokenizer_path;       // merged tokenizer folder copied into the export; "" = none
  std::string new_token_map;        // new_token_map.jsonl: resize + init new rows; "" = no resize
  std::string schedule_path;        // preset the schedule came from: a file, or "built-in preset
                                    // NAME" ("" = inline)
  ScheduleConfig schedule;          // the stages (resolved: inline or loaded from schedule_path)
  DataConfig data;                  // training shards; seq_len is replaced by each stage's
  std::vector<HeldoutRef> heldout;  // held-out sets for the evaluator
  std::vector<std::string> benchmarks;  // prepared request files for the evaluator
  RunEvalConfig eval;                   // evaluation settings ("eval" block)
  int64_t checkpoint_every_steps = 0;   // global optimizer steps; 0 = only at stage ends / stop
  int64_t keep_checkpoints = 3;         // newest N checkpoints kept (>= 1)
  uint64_t seed = 0;                    // random init, new-row init noise, torch's generator
  std::string device = "cpu";           // "cpu" | "cuda" | "cuda:N"
  // "" (the default: bf16-mixed on cuda, float32 on the CPU) | "float32" | "bf16-mixed" (float32
  // master weights and AdamW moments, bfloat16 compute) | "bfloat16" (pure: everything bf16).
  // fp32 / bf16 / bfloat16-mixed accepted; effective_dtype() is what runs and what to_json writes.
  std::string dtype;
  int64_t threads = 0;                  // torch intra-op threads; 0 = torch's default
  int64_t max_nan_skips = 10;           // the run stops with an Error at this many skipped steps
  bool verify_frozen = true;            // hash frozen tensors/rows at stage start and end
  std::string export_dir;               // final HF export; "" = run_dir/export
  bool resume = false;                  // continue from the newest valid checkpoint in run_dir
  double peak_tflops = 0;               // device peak (dense, this dtype) for MFU; 0 = unknown

  // The schedule's init unless model.init overrides it: "pretrained" or "random".
  std::string effective_init() const;
  // The model shape for a random init: model.config, else the schedule's model block.
  const ModelConfig& random_init_shape() const;
  std::string effective_export_dir() const;
  // dtype with "" resolved by device: "float32", "bf16-mixed" or "bfloat16".
  std::string effective_dtype() const;

  // Checks values that cannot work (errors name the field and how to fix it): a missing run_dir,
  // model path with init random or none with pretrained, bf16 off cuda, keep_checkpoints < 1...
  void validate(const std::string& where = "RUN.json") const;

  // Strict: unknown keys and wrong types throw Error naming `where` and the key. "schedule" is
  // a preset path (loaded now) or an inline schedule object. Validates before returning.
  // Relative paths (run_dir, model, tokenizer, new_token_map, preset, data and held-out prefixes,
  // benchmarks, export_dir) are resolved against base_dir ("" = the current folder).
  static RunConfig from_json(const nlohmann::json& json, const std::string& where = "RUN.json",
                             const std::string& base_dir = "");
  // Errors name the file; relative paths are resolved against the file's folder.
  static RunConfig load(const std::string& path);
  // The resolved config (schedule inline, schedule_path kept for reference).
  nlohmann::json to_json() const;

  // SHA-256 of what decides the numbers a run produces (model, vocabulary, schedule, data,
  // seed, dtype); stored in checkpoints to warn when a resumed run's config changed.
  std::string numerics_hash() const;
  // "| parameter | value |" rows of the effective configuration, printed at start.
  std::string table() const;
};

}  // namespace glossa

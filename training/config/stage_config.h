// Training stages and multi-stage schedules (EEVE's seven stages, Chinese-LLaMA, RedWhale, from
// scratch): one config struct per stage, JSON in and out, validated against a model before any
// compute (docs/training-stages.md). Torch-free: the backend, CLI and GUI include it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "training/config/lr_schedule.h"
#include "training/config/model_config.h"
#include "training/config/provenance.h"

namespace glossa {

struct StageConfig {
  std::string name;                    // shown in the GUI and metrics, e.g. "new input embeddings"
  std::string source;                  // where the stage comes from (paper, section)
  std::string notes;                   // free text: caveats, what differs from the source
  Provenance provenance;               // key -> "paper: ...", "script: ...", ... (provenance.h)
  std::vector<std::string> trainable;  // selectors (param_groups.h); everything else is frozen
  int64_t budget_steps = 0;            // optimizer steps; set exactly one of steps and tokens
  int64_t budget_tokens = 0;           // tokens (all ranks); steps = ceil(tokens / tokens_per_step)
  double peak_lr = 1e-4;               // learning rate after warmup
  double min_lr = 0.0;                 // learning rate at the end of the decay
  int64_t warmup_steps = 0;            // linear warmup from 0 (optimizer steps)
  ScheduleKind schedule = ScheduleKind::kCosine;  // cosine | linear | wsd | constant
  double wsd_decay_fraction = 0.1;                // wsd: share of the steps spent decaying (0, 1]
  double weight_decay = 0.0;                      // decoupled (AdamW); never on norms
  std::array<double, 2> betas = {0.9, 0.999};     // AdamW beta1, beta2
  double eps = 1e-8;                              // AdamW epsilon
  int64_t seq_len = 2048;                         // tokens per sequence
  int64_t micro_batch = 1;                        // sequences per rank per forward pass
  int64_t grad_accum = 1;                         // micro-batches per optimizer step
  std::map<std::string, double> lr_multipliers;   // selector -> factor on peak/min lr
  bool reset_optimizer = false;           // true: drop AdamW state carried from the previous stage
  bool zero1 = false;                     // shard optimizer state across ranks (ZeRO-1)
  bool activation_checkpointing = false;  // recompute each layer's activations in backward
  int64_t eval_every_steps = 0;   // held-out / benchmark evaluation period; 0 = stage end only
  double clip_grad_norm = 1.0;    // global L2 norm over trainable slices; 0 = no clipping
  bool decay_embeddings = false;  // apply weight decay to embedding and head rows
  bool decay_norms = false;       // must stay false (RMSNorm gains are never decayed)

  // Tokens one optimizer step consumes across `world_size` ranks.
  int64_t tokens_per_step(int64_t world_size = 1) const;
  // budget_steps, or the token budget converted with tokens_per_step (rounded up).
  int64_t total_steps(int64_t world_size = 1) const;
  LrSchedule lr_schedule(int64_t world_size = 1) const;

  nlohmann::json to_json() const;
  // Strict: an unknown key or a value of the wrong type throws Error naming `where` and the key.
  static StageConfig from_json(const nlohmann::json& json, const std::string& where = "stage");
};

struct ScheduleConfig {
  std::string name;                    // e.g. "eeve"
  std::string source;                  // paper / repository the schedule follows
  std::string notes;                   // free text
  Provenance provenance;               // of the schedule's own keys (init, new_rows_init, model, ...)
  std::string init = "pretrained";     // "pretrained" (load a model) or "random" (from scratch)
  std::optional<ModelConfig> model;    // shape for init "random" (a config.json block)
  std::string new_rows_init = "eeve";  // vocab_resize.h: eeve | mean | mean_noise | normal
  int64_t pad_vocab_to_multiple = 0;   // pad resized vocabulary rows to a multiple; 0 = none
  std::vector<StageConfig> stages;     // run in order

  nlohmann::json to_json() const;
  static ScheduleConfig from_json(const nlohmann::json& json,
                                  const std::string& where = "schedule");
  static ScheduleConfig load(const std::string& path);  // errors name the file
};

// Checks a schedule against a model before any compute: every stage has something trainable,
// a positive budget, selectors and lr multipliers that match groups of THIS model, seq_len within
// max_position_embeddings, positive batch sizes, a consistent lr schedule, no tied-embedding
// conflict. Throws one Error listing every problem, each prefixed with the stage.
// base_vocab: rows of the base vocabulary (= model.vocab_size when nothing was added);
// parameter_names: the model's tensor names (lm_head.weight absent when tied).
void validate(const ScheduleConfig& config, const ModelConfig& model, int64_t base_vocab,
              const std::vector<std::string>& parameter_names, int64_t world_size = 1);

}  // namespace glossa

// Bytes per rank a training stage needs (docs/distributed.md, "Memory estimate"): parameters,
// gradients, gradient buckets, optimizer state (sharded with ZeRO-1 or not) and activations for
// micro_batch x seq_len with and without activation checkpointing, and a verdict against a
// device's memory. It counts what this engine allocates (grad_sync.h, zero1.h, masked_adamw.h),
// not a generic formula. Torch-free: the backend and GUI call it before launching a run.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "training/config/model_config.h"
#include "training/config/stage_config.h"

namespace glossa {

struct MemoryEstimateOptions {
  int64_t base_vocab = 0;             // rows before vocabulary expansion; 0 = model.vocab_size
  int64_t world_size = 1;             // data-parallel ranks (one per GPU)
  int64_t dtype_bytes = 2;            // parameter / gradient / AdamW state element: 2 bf16, 4 fp32
  bool fp32_masters = false;          // bf16-mixed: float32 master + moments of trainable rows
  int64_t device_bytes = 80LL << 30;  // memory of one device (80 GiB: H100 / A100 80 GB)
  // Share of device_bytes a run may plan for: the rest goes to the CUDA context, NCCL buffers,
  // the caching allocator's fragmentation and temporaries the estimate does not list.
  double usable_fraction = 0.92;
};

struct MemoryEstimate {
  int64_t parameters = 0;        // elements of the model (every rank holds them all)
  int64_t trainable = 0;         // elements the stage updates (trainable slices)
  int64_t gradient_tensors = 0;  // elements of tensors with requires_grad (full-size .grad)

  // Bytes per rank.
  int64_t parameter_bytes = 0;
  int64_t gradient_bytes = 0;   // .grad of every tensor with a trainable slice
  int64_t bucket_bytes = 0;     // GradSync buffers (trainable slices, + 1/W shard with ZeRO-1)
  int64_t optimizer_bytes = 0;  // AdamW exp_avg + exp_avg_sq (+ float32 masters) of the rows
                                // this rank owns
  int64_t activation_bytes_per_layer = 0;    // one decoder layer's saved tensors, full
  int64_t checkpointed_bytes_per_layer = 0;  // one layer's input only (checkpointing)
  int64_t logits_bytes = 0;      // (B, T, V) logits + the float32 copy the loss keeps
  int64_t activation_bytes = 0;  // what this stage keeps: per its activation_checkpointing
  int64_t total_bytes = 0;
  int64_t budget_bytes = 0;  // device_bytes x usable_fraction
  bool fits = false;
  std::string verdict;  // one line: fits / does not fit, by how much, what would help

  nlohmann::json to_json() const;
};

// "71.1 GiB"; below 1 GiB "12.4 MiB" (a tiny demo model is not "0.0 GiB").
std::string format_memory(int64_t bytes);

// Throws Error for an invalid model, stage selectors that match nothing, or sizes <= 0.
MemoryEstimate estimate_memory(const ModelConfig& model, const StageConfig& stage,
                               const MemoryEstimateOptions& options = {});

}  // namespace glossa

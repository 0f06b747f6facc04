// Evaluation of a Hugging Face model folder outside training (`glossa-cli eval`): held-out loss
// and bits per byte, and log-likelihood multiple-choice benchmarks scored as
// lm-evaluation-harness does (docs/evaluation.md). Torch-free: the CLI and the backend include
// it; the engine-internal pieces are heldout_eval.h and mc_eval.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/job_control.h"

namespace glossa {

struct EvalOptions {
  int64_t batch_size = 8;  // rows per forward pass (held-out windows or requests)
  int64_t seq_len = 0;     // held-out window length T in targets; 0 = max_position_embeddings
  int64_t max_tokens = 0;  // held-out: score at most about this many targets per set; 0 = all
  int64_t max_length =
      0;  // multiple choice: model context (left truncation); 0 = max_position_embeddings
  std::string device = "cpu";  // "cpu", "cuda", "cuda:N"
  std::string dtype =
      "float32";  // parameters: "float32", "bfloat16", "float16" (log-softmax is fp32)
  std::string tokenizer_fingerprint;  // SHA-256 of the run's tokenizer; "" = not checked
  bool details = false;               // also report every request's log-likelihood and is_greedy

  void validate() const;  // throws Error naming the field
  nlohmann::json to_json() const;
  // Strict (docs/evaluation.md): unknown keys and wrong types throw Error naming the key;
  // missing keys keep the defaults; fp32 / bf16 / fp16 are read as float32 / bfloat16 / float16.
  static EvalOptions from_json(const nlohmann::json& json,
                               const std::string& where = "eval options");
};

// Throws Error naming `where` unless `device` is cpu, cuda or cuda:N (a name; whether CUDA is
// there is checked where the model is loaded).
void check_device_name(const std::string& device, const std::string& where);

// One held-out set's result (docs/evaluation.md).
struct HeldoutResult {
  std::string name;           // label (the prefix's file name unless the caller names it)
  std::string prefix;         // shard prefix read
  int64_t seq_len = 0;        // window length T
  int64_t windows = 0;        // windows scored
  int64_t windows_total = 0;  // windows in the set
  int64_t tokens = 0;         // targets scored
  double nll = 0;             // sum of target NLLs, nats
  double bytes = 0;           // UTF-8 bytes of the scored text (estimated when a subset)
  bool bytes_estimated =
      false;        // true: only some windows scored; bytes = manifest bytes x token share
  double loss = 0;  // nll / tokens, nats per token
  double bpb = 0;   // nll / ln 2 / bytes, bits per byte

  nlohmann::json to_json() const;  // {name, prefix, loss, bpb, tokens, bytes, bytes_estimated, ...}
};

// Loads the model at `model_path` (config.json + safetensors) on options.device, checks every
// request file (vocabulary, tokenizer fingerprint) and held-out shard (vocabulary, manifest
// bytes) before any compute, then evaluates them all. Returns
// {"model", "options", "tasks": [McScores + file, bos, truncated_requests], "groups": [McScores],
//  "heldout": [HeldoutResult]}. Cancellation throws CancelledError between batches.
nlohmann::json evaluate_model(const std::string& model_path,
                              const std::vector<std::string>& request_files,
                              const std::vector<std::string>& heldout_prefixes,
                              const EvalOptions& options, const JobControl& job);

}  // namespace glossa

// Text generation for callers without torch (glossa-cli, backend): load a model (a Hugging Face
// folder or a llama2.c .bin) and continue a prompt of token ids, greedily or by temperature /
// top-p sampling with a seed. Torch-free; the decoding loop is in training/eval/generation.h.
// docs/llama2c-import.md describes the options and the JSON.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/job_control.h"

namespace glossa {

struct GenerateOptions {
  int64_t max_new_tokens = 256;  // tokens generated at most after the prompt (stop tokens included)
  bool greedy = true;            // argmax at every step; false: sample (temperature, top_p, seed)
  double temperature = 1.0;      // sampling: logits / temperature; 0 = greedy
  double top_p = 1.0;            // sampling: smallest set of tokens whose probability >= top_p
                                 // (nucleus); 1 = all tokens
  uint64_t seed = 0;             // sampling: SplitMix64 seed; same seed, same output
  std::vector<int64_t> stop_ids;  // ids that end generation (and are kept as its last token);
                                  // empty = the model's eos_token_id, plus BOS for llama2.c
                                  // checkpoints (their stories are separated by BOS, as in run.c)
  std::string device = "cpu";     // "cpu", "cuda", "cuda:N"
  std::string dtype = "float32";  // parameters and compute: float32, bfloat16, float16

  nlohmann::json to_json() const;
  // Strict: an unknown key or a value of the wrong type throws Error naming `where` and the key.
  static GenerateOptions from_json(const nlohmann::json& json,
                                   const std::string& where = "generate options");
  // Throws Error naming the field when a value cannot work (negative count, top_p outside
  // (0, 1], negative or non-finite temperature).
  void validate(const std::string& where = "generate options") const;
};

struct GenerateResult {
  std::vector<int> ids;            // generated tokens only (the prompt is not repeated)
  std::string stop_reason;         // "stop_id" (last id is a stop id) or "max_new_tokens"
  int64_t prompt_tokens = 0;       // length of the prompt
  int64_t context_limit = 0;       // model's max_position_embeddings: the window fed each step
  std::string model_format;        // "llama2c" or "hf"
  double seconds = 0.0;            // generation wall time (model loading excluded), s
  double tokens_per_second = 0.0;  // ids.size() / seconds

  nlohmann::json to_json() const;
};

// Loads `model_path` (a directory: Hugging Face folder via load_hf_model; a file: legacy
// llama2.c checkpoint) and generates after `prompt` (non-empty; ids within the vocabulary).
// Throws Error naming the path when the model cannot be loaded or the prompt does not fit.
GenerateResult generate_ids(const std::string& model_path, const std::vector<int>& prompt,
                            const GenerateOptions& options, const JobControl& job = {});

}  // namespace glossa

// The Hugging Face side files of a SentencePiece tokenizer (docs/tokenizer-files.md): a folder that
// transformers loads with AutoTokenizer as LlamaTokenizer (use_fast=False) or LlamaTokenizerFast
// (use_fast=True, converted from tokenizer.model). The JSON mirrors, key for key, what
// transformers 4.57 writes itself with LlamaTokenizer(vocab_file=...).save_pretrained(dir).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/output_batch.h"
#include "tokenizer/spm/sp_model.h"

namespace glossa {

struct HfTokenizerOptions {
  // Padding token: a piece of the model (e.g. "<unk>" or "</s>" for Llama 2, which has no pad
  // piece). Empty: the model's own pad piece when its trainer spec defines one (pad_id >= 0),
  // else none (null, as transformers writes it). A piece the model lacks is an error: transformers
  // would add it as a new token beyond the embedding matrix.
  std::string pad_token;
  // Longest input in tokens the model accepts (e.g. 4096 for Llama 2). 0: unknown, written as
  // transformers' VERY_LARGE_INTEGER (int(1e30)) like save_pretrained does.
  int64_t model_max_length = 0;
  // transformers' LlamaTokenizer "legacy" flag. true (what transformers writes for Llama 2)
  // encodes text exactly as SentencePiece does; false changes how text right after a special
  // token is split.
  bool legacy = true;
  bool add_bos_token = true;   // prepend BOS when encoding (Llama convention)
  bool add_eos_token = false;  // append EOS when encoding

  nlohmann::json to_json() const;
  // Strict (docs/tokenizer-files.md): missing keys keep their defaults.
  static HfTokenizerOptions from_json(const nlohmann::json& json,
                                      const std::string& where = "HF tokenizer options");
};

// tokenizer_config.json and special_tokens_map.json for `model` (pure functions, for tests and
// previews). Throw Error when an option names a token the model lacks.
nlohmann::json hf_tokenizer_config(const SpModel& model, const HfTokenizerOptions& options);
nlohmann::json hf_special_tokens_map(const SpModel& model, const HfTokenizerOptions& options);

// Serialized as Python's json.dumps(indent=2, sort_keys=True, ensure_ascii=False) + "\n", which is
// what transformers writes (byte-identical for the same content).
std::string hf_json_text(const nlohmann::json& json);

// Writes dir/tokenizer.model, dir/tokenizer_config.json and dir/special_tokens_map.json together
// (OutputBatch: all or nothing), creating `dir` when missing. Throws Error naming the file.
void write_hf_tokenizer_folder(const SpModel& model, const std::string& dir,
                               const HfTokenizerOptions& options);
// The same three files added to a caller's batch (committed with its other outputs).
void add_hf_tokenizer_files(OutputBatch& outputs, const SpModel& model, const std::string& dir,
                            const HfTokenizerOptions& options);

}  // namespace glossa

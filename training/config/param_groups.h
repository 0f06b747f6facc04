// Named parameter groups of a Llama-family model and the selectors stage configs use to pick
// them (docs/training-stages.md). Torch-free: groups are resolved from tensor names and two
// vocabulary sizes, so configs can be validated before any tensor exists.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "training/config/model_config.h"

namespace glossa {

// A part of one parameter tensor: either the whole tensor or rows [row_begin, row_end) of a
// (V, C) embedding / head matrix.
struct TensorSlice {
  std::string tensor;  // transformers' name, e.g. "model.embed_tokens.weight"
  bool whole = true;   // false: only rows [row_begin, row_end)
  int64_t row_begin = 0;
  int64_t row_end = 0;

  // "name" for a whole tensor, "name[a:b]" for rows: the identity optimizer state is keyed by.
  std::string key() const;
  bool operator==(const TensorSlice& other) const = default;
};

struct ParamGroup {
  std::string name;                 // "embed.new", "layers.3.attn", "final_norm", ...
  std::vector<TensorSlice> slices;  // empty when the model has nothing of it (e.g. no new rows)
  bool is_embedding = false;        // embed.* and lm_head.* (no weight decay by default)
  bool is_norm = false;             // layers.{i}.norms and final_norm (never decayed)
};

// Every group of one model. Rows < base_vocab are "old", rows >= base_vocab "new" (padding rows
// past the tokenizer included: they are new rows too).
class ParamGroups {
 public:
  // names: every parameter name of the model (transformers' names). vocab_rows: rows of
  // model.embed_tokens.weight (V', padded). base_vocab: rows the base model had (V); equal to
  // vocab_rows when nothing was added (then embed.new / lm_head.new are empty). Tied embeddings
  // are detected by the absence of "lm_head.weight": lm_head groups then alias embedding rows.
  // Throws Error for a name that belongs to no group or a missing embedding.
  static ParamGroups build(const std::vector<std::string>& names, int64_t vocab_rows,
                           int64_t base_vocab);

  const std::vector<ParamGroup>& groups() const { return groups_; }
  const ParamGroup& group(const std::string& name) const;  // throws Error when unknown
  bool tied() const { return tied_; }
  int64_t layer_count() const { return layers_; }
  int64_t base_vocab() const { return base_vocab_; }
  int64_t vocab_rows() const { return vocab_rows_; }

  // Names of the groups a selector picks (docs/training-stages.md, "Selectors"): exact group
  // names, "embed", "lm_head", "all", "layers.{i}", "layers.{a-b}", "layers.odd", "layers.even",
  // "layers.all", each layer form optionally followed by ".attn", ".mlp" or ".norms". Throws
  // Error for a malformed selector or one that matches no group with something in it.
  std::vector<std::string> resolve(const std::string& selector) const;

 private:
  std::vector<ParamGroup> groups_;
  bool tied_ = false;
  int64_t layers_ = 0;
  int64_t base_vocab_ = 0;
  int64_t vocab_rows_ = 0;
};

// A tensor of LlamaForCausalLM: its name, element count and rows (dim 0).
struct LlamaTensor {
  std::string name;
  int64_t numel = 0;
  int64_t rows = 0;
};

// The tensors of LlamaForCausalLM for `model` in model order, as transformers names them (biases
// where attention_bias / mlp_bias; lm_head.weight absent when tied): what a run checks its
// schedule against before any weight is loaded (run_preflight.h) and what memory is estimated
// for (memory_estimate.h).
std::vector<LlamaTensor> llama_tensors(const ModelConfig& model);
std::vector<std::string> llama_parameter_names(const ModelConfig& model);

}  // namespace glossa

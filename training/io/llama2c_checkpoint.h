// llama2.c checkpoints (karpathy/llama2.c `run.c` legacy format, version 0; docs/llama2c-import.md) imported
// into LlamaForCausalLM with transformers' names and rotary layout, so the normal (rotate-half)
// model code runs them and save_hf_model writes a folder transformers loads. See
// docs/llama2c-import.md. Engine-internal: exposes torch.
#pragma once

#include <cstdint>
#include <string>

#include "training/model/llama_model.h"
#include "training/config/model_config.h"

namespace glossa {

// The seven int32 at the start of a legacy llama2.c .bin.
struct Llama2cHeader {
  int64_t dim = 0;                // C, model width
  int64_t hidden_dim = 0;         // I, SwiGLU inner width
  int64_t n_layers = 0;           // L
  int64_t n_heads = 0;            // H query heads
  int64_t n_kv_heads = 0;         // KV key/value heads (H % KV == 0)
  int64_t vocab_size = 0;         // V (the file stores -V when the classifier is not shared)
  int64_t seq_len = 0;            // maximum context, tokens
  bool shared_classifier = true;  // the output head is the token embedding (vocab_size > 0)

  int64_t head_size() const { return dim / n_heads; }            // D
  int64_t kv_dim() const { return dim * n_kv_heads / n_heads; }  // KV * D
  // Size of a complete file: the 28-byte header and every float32 array, bytes.
  uint64_t expected_bytes() const;
  // The transformers shape: Llama, RMSNorm eps 1e-5, rope theta 10000, BOS 1, EOS 2, tied
  // embeddings when the classifier is shared, max_position_embeddings = seq_len.
  ModelConfig model_config() const;
};

// Reads and validates the header. Throws Error naming the file when it is shorter than the
// header, is a newer llama2.c export (magic "ak42", version >= 1), has a zero or negative
// dimension, heads that do not divide the width or KV heads that do not divide the heads, an odd
// head size, or a size different from expected_bytes() (truncated or extra bytes).
Llama2cHeader read_llama2c_header(const std::string& path);

// Reads every tensor of a legacy llama2.c checkpoint into a new model of `dtype` on `device`.
// wq and wk rows are permuted per head from llama2.c's interleaved rotary pairs (2i, 2i+1) to
// transformers' rotate-half pairs (i, i + D/2), as convert_llama_weights_to_hf.py does.
LlamaForCausalLM load_llama2c_model(const std::string& path, torch::Dtype dtype = torch::kFloat32,
                                    torch::Device device = torch::kCPU);

// (heads * D, C) rows of one projection in interleaved rotary order -> rotate-half order:
// within each head, output row j < D/2 is input row 2j and row D/2 + j is input row 2j + 1
// (transformers' `permute`: view(heads, D/2, 2, C).transpose(1, 2).reshape(heads * D, C)).
torch::Tensor interleaved_to_rotate_half(const torch::Tensor& weight, int64_t heads);

// True when `path` is a regular file starting with a plausible legacy llama2.c header (seven
// positive int32 but vocab, which may be negative): how callers tell a .bin from an HF folder.
bool is_llama2c_checkpoint(const std::string& path);

}  // namespace glossa

// Importing foreign checkpoints as Hugging Face folders (torch-free header: the CLI includes it).
// The tokenizer side (SentencePiece) is the caller's: the CLI writes tokenizer.model and the HF
// tokenizer files next to what this writes.
#pragma once

#include <string>
#include <vector>

#include "training/config/model_config.h"

namespace glossa {

struct ImportedModel {
  ModelConfig config;              // what config.json now says
  std::vector<std::string> files;  // files written (config.json, model.safetensors)
};

// A llama2.c legacy checkpoint (docs/llama2c-import.md) -> out_dir/config.json +
// model.safetensors. untie: a shared classifier becomes a separate lm_head.weight (a copy of the
// embedding, tie_word_embeddings false), so the input and output embeddings can train apart
// (EEVE's stages 1 and 2 need that). Throws Error naming the file.
ImportedModel import_llama2c_to_hf(const std::string& bin, const std::string& out_dir, bool untie);

}  // namespace glossa

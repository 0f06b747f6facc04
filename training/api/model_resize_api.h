// Resizing a model folder to a merged tokenizer outside training (`glossa-cli model resize`, job
// model.resize): the embedding and LM head grow to the merged vocabulary and the new rows are
// initialised exactly as glossa-train does before its first stage (docs/training-stages.md,
// "Initialising new rows"). Torch-free header; defined in training/io/model_resize.cpp.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/job_control.h"

namespace glossa {

struct ModelResizeOptions {
  std::string init = "eeve";    // eeve, decomposition, mean, mean_noise or normal
  int64_t pad_to_multiple = 0;  // rows rounded up to a multiple of this; 0 = none
  double normal_std = 0.02;     // normal: standard deviation
  uint64_t seed = 0;            // mean_noise / normal: generator seed
};

struct ModelResizeResult {
  int64_t base_vocab = 0;  // rows before (V)
  int64_t tokens = 0;      // merged tokenizer size (V')
  int64_t rows = 0;        // rows after (V' rounded up to pad_to_multiple)
  std::vector<std::string> files;  // written into the output folder

  nlohmann::json to_json() const;
};

// Loads the HF folder `model_dir` (float32, CPU), grows it to the new-token map's vocabulary,
// initialises the new rows and writes config.json + model.safetensors to `out_dir` in the dtype
// the model was stored in, with the tokenizer files of `tokenizer_dir` beside them. Throws Error
// naming the file when the map does not fit the model.
ModelResizeResult resize_model_folder(const std::string& model_dir,
                                      const std::string& tokenizer_dir,
                                      const std::string& new_token_map,
                                      const ModelResizeOptions& options,
                                      const std::string& out_dir, const JobControl& job);

}  // namespace glossa

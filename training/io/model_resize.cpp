// resize_model_folder (training/api/model_resize_api.h): an HF folder in, the resized folder out.
#include <filesystem>

#include "base/error.h"
#include "base/new_token_map.h"
#include "training/api/model_resize_api.h"
#include "training/io/hf_checkpoint.h"
#include "training/model/vocab_resize.h"

namespace glossa {

nlohmann::json ModelResizeResult::to_json() const {
  return {{"base_vocab", base_vocab}, {"tokens", tokens}, {"rows", rows}, {"files", files}};
}

ModelResizeResult resize_model_folder(const std::string& model_dir,
                                      const std::string& tokenizer_dir,
                                      const std::string& new_token_map,
                                      const ModelResizeOptions& options,
                                      const std::string& out_dir, const JobControl& job) {
  VocabResizeOptions resize;
  resize.init = new_row_init_from_string(options.init, "init");
  resize.pad_to_multiple = options.pad_to_multiple;
  resize.normal_std = options.normal_std;
  resize.seed = options.seed;
  const std::vector<NewTokenEntry> map = read_new_token_map(new_token_map);
  if (map.empty()) fail(new_token_map, "has no new tokens: there is nothing to resize");
  job.phase("loading " + model_dir);
  LlamaForCausalLM model = load_hf_model(model_dir, torch::kFloat32, torch::kCPU);
  const std::string stored_dtype = model->config().torch_dtype;
  ModelResizeResult result;
  result.base_vocab = model->config().vocab_size;
  job.check_cancelled();
  job.phase("initialising " + std::to_string(map.size()) + " new rows (" + options.init + ")");
  torch::manual_seed(options.seed);
  const ResizedVocabulary r = resize_model_vocabulary(*model, map, resize);
  result.tokens = r.token_count;
  result.rows = r.rows;
  job.check_cancelled();
  job.phase("writing " + out_dir);
  std::filesystem::create_directories(out_dir);
  HfSaveOptions save;
  save.dtype = stored_dtype.empty() ? "float32" : stored_dtype;
  result.files = save_hf_model(model, out_dir, save);
  for (const std::string& name : copy_tokenizer_files(tokenizer_dir, out_dir))
    result.files.push_back(name);
  job.report(1.0, "resized " + std::to_string(result.base_vocab) + " -> " +
                      std::to_string(result.rows) + " rows");
  return result;
}

}  // namespace glossa

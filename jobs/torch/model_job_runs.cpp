// The work of the LibTorch jobs (eval, model.generate, model.import, model.resize), installed
// into the registry by glossa-worker, the only program that runs them (docs/jobs.md).
#include "jobs/torch/model_job_runs.h"

#include <cstdio>
#include <filesystem>

#include "base/error.h"
#include "base/output_batch.h"
#include "base/new_token_map.h"
#include "jobs/job_registry.h"
#include "tokenizer/spm/hf_tokenizer_files.h"
#include "tokenizer/spm/llama2c_tokenizer.h"
#include "tokenizer/spm/sp_processor.h"
#include "training/api/eval_api.h"
#include "training/api/generate_api.h"
#include "training/api/model_import_api.h"
#include "training/api/model_resize_api.h"
#include "training/config/dtype.h"
#include "training/config/model_config.h"

namespace glossa::jobs {

namespace {

namespace fs = std::filesystem;

nlohmann::json run_eval(const JobOptions& o, const JobControl& job) {
  const std::vector<std::string> requests = o.list("requests");
  const std::vector<std::string> heldout = o.list("held_out");
  EvalOptions options;
  options.batch_size = o.integer("batch");
  options.max_tokens = o.integer("max_tokens");
  options.seq_len = o.integer("seq_len");
  options.max_length = o.integer("max_length");
  options.device = o.text("device");
  options.dtype = canonical_dtype(o.text("dtype"), "dtype");
  options.details = o.flag("details");
  if (o.has("tokenizer"))
    options.tokenizer_fingerprint = load_sp_or_llama2c_tokenizer(o.text("tokenizer")).fingerprint();
  return evaluate_model(o.text("model"), requests, heldout, options, job);
}

// The tokenizer option, else the HF folder's tokenizer.model; null when there is none (ids only).
std::shared_ptr<const SpProcessor> generation_tokenizer(const JobOptions& o) {
  std::string path = o.text("tokenizer");
  const std::string model = o.text("model");
  if (path.empty() && fs::is_directory(model) && fs::exists(fs::path(model) / "tokenizer.model"))
    path = (fs::path(model) / "tokenizer.model").string();
  if (path.empty()) return nullptr;
  return SpProcessor::load(path);
}

int bos_id(const std::string& model, const SpProcessor* tokenizer) {
  if (tokenizer && tokenizer->model().settings().bos_id >= 0)
    return tokenizer->model().settings().bos_id;
  if (fs::is_directory(model))
    return int(ModelConfig::load((fs::path(model) / "config.json").string()).bos_token_id);
  return 1;  // llama2.c
}

std::vector<int> prompt_ids(const JobOptions& o, const SpProcessor* tokenizer) {
  const std::string prompt = o.text("prompt");
  if (prompt.empty() && !o.flag("bos"))
    fail("options of job model.generate",
         "give prompt (--prompt TEXT) or bos (--bos: generate from BOS alone)");
  if (!prompt.empty() && !tokenizer)
    fail("prompt",
         "encoding text needs a tokenizer: give tokenizer (--tokenizer: a SentencePiece .model or "
         "a llama2.c tokenizer .bin)");
  std::vector<int> ids = {bos_id(o.text("model"), tokenizer)};  // prompts start with BOS
  if (!prompt.empty()) {
    const std::vector<int> text = tokenizer->encode(prompt);
    ids.insert(ids.end(), text.begin(), text.end());
  }
  return ids;
}

nlohmann::json run_generate(const JobOptions& o, const JobControl& job) {
  const std::string model = o.text("model");
  if (!fs::exists(model)) fail("model", "names '" + model + "', which does not exist");
  const auto tokenizer = generation_tokenizer(o);
  const std::vector<int> prompt = prompt_ids(o, tokenizer.get());
  GenerateOptions options;
  options.max_new_tokens = o.integer("max_new_tokens");
  options.greedy = o.flag("greedy");
  options.temperature = o.number("temperature");
  options.top_p = o.number("top_p");
  options.seed = uint64_t(o.integer("seed"));
  options.stop_ids = o.integers("stop_id");
  options.device = o.text("device");
  options.dtype = canonical_dtype(o.text("dtype"), "dtype");
  job.phase("generating with " + model + ": prompt " + std::to_string(prompt.size()) +
            " tokens, max_new_tokens " + std::to_string(options.max_new_tokens) + ", " +
            (options.greedy ? std::string("greedy") : "sampling") + ", " + options.device + ", " +
            options.dtype);
  const GenerateResult result = generate_ids(model, prompt, options, job);
  char speed[160];
  std::snprintf(speed, sizeof speed, "%zu tokens (%s) in %.2f s, %.1f tokens/s", result.ids.size(),
                result.stop_reason.c_str(), result.seconds, result.tokens_per_second);
  job.report(1.0, speed);
  nlohmann::json json = result.to_json();
  json["prompt_ids"] = prompt;
  json["options"] = options.to_json();
  if (tokenizer) {
    std::vector<int> all = prompt;
    all.insert(all.end(), result.ids.begin(), result.ids.end());
    std::string text;
    const auto status = tokenizer->raw().Decode(all, &text);
    if (!status.ok()) fail(tokenizer->origin(), "cannot decode the ids: " + status.ToString());
    json["text"] = text;
  }
  return json;
}

nlohmann::json run_import(const JobOptions& o, const JobControl& job) {
  const std::string llama2c = o.text("llama2c"), out = o.text("out");
  // The tokenizer first: a mismatch is found before anything is written.
  std::optional<SpModel> tokenizer;
  if (o.has("tokenizer")) tokenizer = load_sp_or_llama2c_tokenizer(o.text("tokenizer"));
  job.phase("importing " + llama2c);
  // The weights, config and tokenizer files appear together or not at all (a tokenizer whose
  // size does not match leaves no half-made folder).
  OutputBatch outputs;
  const std::string staged = outputs.stage_folder(out);
  const ImportedModel model = import_llama2c_to_hf(llama2c, staged, o.flag("untie_embeddings"));
  std::vector<std::string> files = model.files;
  if (tokenizer) {
    if (tokenizer->size() != model.config.vocab_size)
      fail(o.text("tokenizer"), "has " + std::to_string(tokenizer->size()) +
                                    " pieces but the model " + llama2c +
                                    " has a vocabulary of " +
                                    std::to_string(model.config.vocab_size));
    HfTokenizerOptions options;
    options.model_max_length = model.config.max_position_embeddings;
    write_hf_tokenizer_folder(*tokenizer, staged, options);
    for (const char* name : {"tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"})
      files.push_back(out + "/" + name);
  }
  job.check_cancelled();
  outputs.commit();
  return {{"out", out},
          {"config", model.config.to_json()},
          {"parameters", model.config.parameter_count()},
          {"tied", model.config.tie_word_embeddings},
          {"files", files}};
}

nlohmann::json run_resize(const JobOptions& o, const JobControl& job) {
  const std::string tokenizer_dir = o.text("tokenizer"), out = o.text("out");
  const std::string map = o.has("new_token_map")
                              ? o.text("new_token_map")
                              : (fs::path(tokenizer_dir) / "new_token_map.jsonl").string();
  if (!fs::is_regular_file(map))
    fail("new_token_map", "not given, and " + map +
                              " does not exist: name the new-token map vocab expand wrote");
  const SpModel tokenizer = SpModel::load((fs::path(tokenizer_dir) / "tokenizer.model").string());
  const std::vector<NewTokenEntry> rows = read_new_token_map(map);  // checked before any work
  if (!rows.empty() && rows.back().id + 1 != tokenizer.size())
    fail(map, "describes a vocabulary of " + std::to_string(rows.back().id + 1) + " tokens, but " +
                  tokenizer_dir + "/tokenizer.model has " + std::to_string(tokenizer.size()) +
                  " pieces: they come from different expansions");
  ModelResizeOptions options;
  options.init = o.text("init");
  options.pad_to_multiple = o.integer("pad_to_multiple");
  options.normal_std = o.number("normal_std");
  options.seed = uint64_t(o.integer("seed"));
  const ModelResizeResult r =
      resize_model_folder(o.text("model"), tokenizer_dir, map, options, out, job);
  nlohmann::json result = r.to_json();
  result["out"] = out;
  result["init"] = options.init;
  result["new_token_map"] = map;
  return result;
}

}  // namespace

void install_model_job_runs() {
  install_job_run("eval", run_eval);
  install_job_run("model.generate", run_generate);
  install_job_run("model.import", run_import);
  install_job_run("model.resize", run_resize);
}

}  // namespace glossa::jobs

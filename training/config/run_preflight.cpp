#include "training/config/run_preflight.h"

#include <sys/stat.h>

#include <algorithm>

#include "base/error.h"
#include "base/new_token_map.h"
#include "training/config/param_groups.h"
#include "training/data/shard_dataset.h"

namespace glossa {

namespace {

// The tokenizer the model trains with, as the training shards' manifests record it ("" when
// none says).
std::string training_fingerprint(const RunConfig& config, int64_t vocab) {
  for (const DataSource& source : config.data.sources) {
    const ShardDataset shards(source.name, source.prefix, vocab);
    if (!shards.manifest().tokenizer_fingerprint.empty())
      return shards.manifest().tokenizer_fingerprint;
  }
  return "";
}

// The model as it will train: the base config, grown to the new-token map's vocabulary.
ModelConfig trained_model(const RunConfig& config, int64_t* base_vocab) {
  ModelConfig model = config.effective_init() == "random"
                          ? config.random_init_shape()
                          : ModelConfig::load(config.model.path + "/config.json");
  *base_vocab = model.vocab_size;
  if (!config.new_token_map.empty()) {
    const std::vector<NewTokenEntry> map = read_new_token_map(config.new_token_map);
    if (!map.empty()) {
      if (map.front().id < model.vocab_size)
        fail(config.new_token_map, "its first new id " + std::to_string(map.front().id) +
                                       " is inside the model's vocabulary of " +
                                       std::to_string(model.vocab_size) +
                                       ": the map belongs to another base model");
      model.vocab_size = padded_vocab_rows(map.back().id + 1,
                                           config.schedule.pad_vocab_to_multiple);
    }
  }
  return model;
}

}  // namespace

void load_run_eval_data(const RunConfig& config, const ModelConfig& model, RunPreflight* out) {
  const int64_t seq_len = config.eval.seq_len > 0
                              ? config.eval.seq_len
                              : std::min<int64_t>(model.max_position_embeddings, 1024);
  for (const HeldoutRef& ref : config.heldout)
    out->heldout.push_back(load_heldout_set(ref.name, ref.prefix, seq_len, model.vocab_size));
  if (config.benchmarks.empty()) return;
  const std::string fingerprint = training_fingerprint(config, model.vocab_size);
  for (const std::string& path : config.benchmarks) {
    RequestFile file = RequestFile::load(path);
    check_request_file(file, path, model.vocab_size, fingerprint);
    if (config.eval.benchmark_max_docs > 0 &&
        int64_t(file.docs.size()) > config.eval.benchmark_max_docs)
      file.docs.resize(size_t(config.eval.benchmark_max_docs));
    out->tasks.emplace_back(path, std::move(file));
  }
}

RunPreflight preflight_run(const RunConfig& config, int64_t world_size) {
  config.validate();
  RunPreflight p;
  p.model = trained_model(config, &p.base_vocab);
  validate(config.schedule, p.model, p.base_vocab, llama_parameter_names(p.model), world_size);
  for (const DataSource& source : config.data.sources)
    ShardDataset(source.name, source.prefix, p.model.vocab_size);  // files, manifest, ids < vocab
  load_run_eval_data(config, p.model, &p);
  // The export copies the tokenizer from there after the last step: a wrong path is found now,
  // not after hours of training.
  if (!config.tokenizer_path.empty()) {
    const std::string model = config.tokenizer_path + "/tokenizer.model";
    struct stat st {};
    if (::stat(model.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
      fail("tokenizer.path", config.tokenizer_path +
                                 " holds no tokenizer.model (the export copies the tokenizer "
                                 "files from this folder): give the merged tokenizer's folder");
  }
  return p;
}

}  // namespace glossa

#include "training/eval_hook.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "tokenizer/error.h"
#include "training/heldout_eval.h"
#include "training/heldout_set.h"
#include "training/llama_model.h"
#include "training/mc_eval.h"
#include "training/mc_metrics.h"
#include "training/request_file.h"
#include "training/shard_dataset.h"

namespace glossa {
namespace {

using nlohmann::json;

struct LoadedEval {
  std::vector<HeldoutSet> heldout;
  std::vector<std::pair<std::string, RequestFile>> tasks;  // (path, file)
};

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

LoadedEval load(const RunConfig& config, const ModelConfig& model) {
  LoadedEval loaded;
  const int64_t seq_len = config.eval.seq_len > 0
                              ? config.eval.seq_len
                              : std::min<int64_t>(model.max_position_embeddings, 1024);
  for (const HeldoutRef& ref : config.heldout)
    loaded.heldout.push_back(load_heldout_set(ref.name, ref.prefix, seq_len, model.vocab_size));
  if (config.benchmarks.empty()) return loaded;
  const std::string fingerprint = training_fingerprint(config, model.vocab_size);
  for (const std::string& path : config.benchmarks) {
    RequestFile file = RequestFile::load(path);
    check_request_file(file, path, model.vocab_size, fingerprint);
    if (config.eval.benchmark_max_docs > 0 &&
        int64_t(file.docs.size()) > config.eval.benchmark_max_docs)
      file.docs.resize(size_t(config.eval.benchmark_max_docs));
    loaded.tasks.emplace_back(path, std::move(file));
  }
  return loaded;
}

json record(const std::string& name, const std::string& metric, double value,
            std::optional<double> standard_error = std::nullopt) {
  json r = {{"set_or_task", name}, {"metric", metric}, {"value", value}};
  if (standard_error && std::isfinite(*standard_error)) r["stderr"] = *standard_error;
  return r;
}

void add_scores(const McScores& s, json* out) {
  if (s.acc) out->push_back(record(s.name, "acc", *s.acc, s.acc_stderr));
  if (s.acc_norm) out->push_back(record(s.name, "acc_norm", *s.acc_norm, s.acc_norm_stderr));
  if (s.f1) out->push_back(record(s.name, "f1", *s.f1));
}

}  // namespace

EvalHook make_eval_hook(const RunConfig& config, const JobControl& job) {
  if (config.heldout.empty() && config.benchmarks.empty())
    return [](LlamaForCausalLMImpl&, const std::string&, int64_t) { return json::array(); };
  auto loaded = std::make_shared<std::optional<LoadedEval>>();
  const JobControl* control = &job;
  return [config, loaded, control](LlamaForCausalLMImpl& model, const std::string&, int64_t) {
    if (!*loaded) *loaded = load(config, model.config());
    json out = json::array();
    for (const HeldoutSet& set : (*loaded)->heldout) {
      const HeldoutResult r =
          evaluate_heldout(model, set, config.eval.batch, config.eval.max_tokens, *control);
      out.push_back(record(set.name, "loss", r.loss));
      out.push_back(record(set.name, "bits_per_byte", r.bpb));
    }
    std::map<std::string, std::vector<McScores>> groups;
    McEvalOptions options;
    options.batch_size = config.eval.batch;
    for (const auto& [path, file] : (*loaded)->tasks) {
      const McTaskResult r = evaluate_multiple_choice(model, file, path, options, *control);
      add_scores(r.scores, &out);
      if (!file.group.empty()) groups[file.group].push_back(r.scores);
    }
    for (const auto& [group, tasks] : groups) add_scores(group_scores(group, tasks), &out);
    return out;
  };
}

}  // namespace glossa

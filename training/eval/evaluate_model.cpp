#include "training/api/eval_api.h"

#include <filesystem>
#include <map>
#include <set>

#include "base/error.h"
#include "training/eval/heldout_eval.h"
#include "training/io/hf_checkpoint.h"
#include "training/eval/mc_eval.h"

namespace glossa {

namespace {

using nlohmann::json;

torch::Device parse_device(const std::string& name) {
  std::optional<torch::Device> device;
  try {
    device = torch::Device(name);
  } catch (const std::exception&) {
    fail("eval options", "device '" + name + "' is not a device name (cpu, cuda, cuda:N)");
  }
  if (device->is_cuda() && !torch::cuda::is_available())
    fail("eval options",
         "device '" + name + "' asked for, but CUDA is not available here; use cpu");
  if (!device->is_cuda() && !device->is_cpu())
    fail("eval options", "device '" + name + "': only cpu and cuda are supported");
  return *device;
}

std::string file_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

json task_json(const McTaskResult& r, const RequestFile& file, const std::string& path,
               bool details) {
  json j = r.scores.to_json();
  j["file"] = path;
  j["bos"] = file.bos;
  if (!file.group.empty()) j["group"] = file.group;
  j["truncated_requests"] = r.truncated_requests;
  if (!details) return j;
  json docs = json::array();
  for (size_t d = 0; d < r.requests.size(); ++d) {
    json ll = json::array(), greedy = json::array();
    for (const McRequestScore& s : r.requests[d]) {
      ll.push_back(s.loglikelihood);
      greedy.push_back(s.greedy);
    }
    docs.push_back({{"doc", file.docs[d].doc},
                    {"gold", file.docs[d].gold},
                    {"loglikelihoods", ll},
                    {"greedy", greedy}});
  }
  j["requests"] = docs;
  return j;
}

// Group scores in order of the groups' first task.
json groups_json(const std::vector<std::pair<std::string, McScores>>& tasks) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<McScores>> members;
  for (const auto& [group, scores] : tasks) {
    if (group.empty()) continue;
    if (!members.count(group)) order.push_back(group);
    members[group].push_back(scores);
  }
  json out = json::array();
  for (const auto& g : order) out.push_back(group_scores(g, members[g]).to_json());
  return out;
}

// Windows beyond the model's positions would be scored with rotary angles it never saw (a
// different loss, no warning) at a cost that grows with the square of the window: refused, as
// glossa-train refuses them.
void check_context(const EvalOptions& options, const ModelConfig& config,
                   const std::string& model_path) {
  const int64_t positions = config.max_position_embeddings;
  const auto check = [&](int64_t value, const char* key) {
    if (value > positions)
      fail("eval options: '" + std::string(key) + "'",
           std::to_string(value) + " is longer than the model's context of " +
               std::to_string(positions) + " positions (max_position_embeddings in " + model_path +
               "/config.json); give at most " + std::to_string(positions) +
               ", or 0 for the whole context");
  };
  check(options.seq_len, "seq_len");
  check(options.max_length, "max_length");
}

}  // namespace

json evaluate_model(const std::string& model_path, const std::vector<std::string>& request_files,
                    const std::vector<std::string>& heldout_prefixes, const EvalOptions& options,
                    const JobControl& job) {
  options.validate();
  const torch::Device device = parse_device(options.device);
  const ModelConfig config =
      ModelConfig::load((std::filesystem::path(model_path) / "config.json").string());
  // Every check before any compute (and before the weights are read).
  check_context(options, config, model_path);
  std::vector<RequestFile> files;
  for (const auto& path : request_files) {
    files.push_back(RequestFile::load(path));
    check_request_file(files.back(), path, config.vocab_size, options.tokenizer_fingerprint);
  }
  const int64_t seq_len = options.seq_len > 0 ? options.seq_len : config.max_position_embeddings;
  std::vector<HeldoutSet> sets;
  for (const auto& prefix : heldout_prefixes) {
    sets.push_back(load_heldout_set(file_name(prefix), prefix, seq_len, config.vocab_size));
    if (sets.back().bytes < 0)
      fail("held-out set " + prefix,
           "its manifest gives no UTF-8 byte count, so bits per byte cannot be computed; pack the "
           "corpus with glossa-cli pack (PREFIX.manifest.json with heldout.bytes)");
  }
  job.check_cancelled();
  LlamaForCausalLM model =
      load_hf_model(model_path, dtype_from_name(options.dtype, "eval options: 'dtype'"), device);

  json result = {{"model",
                  {{"path", model_path},
                   {"vocab_size", config.vocab_size},
                   {"max_position_embeddings", config.max_position_embeddings},
                   {"parameters", config.parameter_count()}}},
                 {"options", options.to_json()},
                 {"tasks", json::array()},
                 {"heldout", json::array()}};
  const McEvalOptions mc{options.batch_size, options.max_length};
  std::vector<std::pair<std::string, McScores>> scores;
  for (size_t i = 0; i < files.size(); ++i) {
    const McTaskResult r = evaluate_multiple_choice(*model, files[i], request_files[i], mc, job);
    result["tasks"].push_back(task_json(r, files[i], request_files[i], options.details));
    scores.emplace_back(files[i].group, r.scores);
  }
  result["groups"] = groups_json(scores);
  for (const HeldoutSet& set : sets)
    result["heldout"].push_back(
        evaluate_heldout(*model, set, options.batch_size, options.max_tokens, job).to_json());
  return result;
}

}  // namespace glossa

#include "training/eval_api.h"

#include <filesystem>
#include <map>
#include <set>

#include "tokenizer/error.h"
#include "training/heldout_eval.h"
#include "training/hf_checkpoint.h"
#include "training/mc_eval.h"

namespace glossa {

namespace {

using nlohmann::json;

// Reads j[key] into `out` when present; a wrong type names the key.
template <typename T>
void read(const json& j, const std::string& key, T* out) {
  if (!j.contains(key)) return;
  const json& v = j.at(key);
  bool ok = false;
  if constexpr (std::is_same_v<T, std::string>)
    ok = v.is_string();
  else if constexpr (std::is_same_v<T, bool>)
    ok = v.is_boolean();
  else
    ok = v.is_number_integer();
  if (!ok) fail("eval options", "key '" + key + "' has the wrong type (" + v.type_name() + ")");
  *out = v.get<T>();
}

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

}  // namespace

void EvalOptions::validate() const {
  const std::string where = "eval options";
  if (batch_size < 1) fail(where, "'batch_size' must be >= 1, found " + std::to_string(batch_size));
  if (seq_len < 0) fail(where, "'seq_len' must be >= 0 (0 = the model's context)");
  if (max_tokens < 0) fail(where, "'max_tokens' must be >= 0 (0 = all)");
  if (max_length < 0) fail(where, "'max_length' must be >= 0 (0 = the model's context)");
  dtype_from_name(dtype, where + ": 'dtype'");
  parse_device(device);
}

json EvalOptions::to_json() const {
  return {{"batch_size", batch_size},
          {"seq_len", seq_len},
          {"max_tokens", max_tokens},
          {"max_length", max_length},
          {"device", device},
          {"dtype", dtype},
          {"tokenizer_fingerprint", tokenizer_fingerprint},
          {"details", details}};
}

EvalOptions EvalOptions::from_json(const json& j) {
  if (!j.is_object())
    fail("eval options", "expected a JSON object, found " + std::string(j.type_name()));
  static const std::set<std::string> kKeys = {"batch_size",
                                              "seq_len",
                                              "max_tokens",
                                              "max_length",
                                              "device",
                                              "dtype",
                                              "tokenizer_fingerprint",
                                              "details"};
  for (const auto& [key, value] : j.items())
    if (!kKeys.count(key)) fail("eval options", "unknown key '" + key + "'");
  EvalOptions o;
  read(j, "batch_size", &o.batch_size);
  read(j, "seq_len", &o.seq_len);
  read(j, "max_tokens", &o.max_tokens);
  read(j, "max_length", &o.max_length);
  read(j, "device", &o.device);
  read(j, "dtype", &o.dtype);
  read(j, "tokenizer_fingerprint", &o.tokenizer_fingerprint);
  read(j, "details", &o.details);
  return o;
}

json HeldoutResult::to_json() const {
  return {{"name", name},
          {"prefix", prefix},
          {"loss", loss},
          {"bpb", bpb},
          {"tokens", tokens},
          {"bytes", bytes},
          {"bytes_estimated", bytes_estimated},
          {"nll", nll},
          {"seq_len", seq_len},
          {"windows", windows},
          {"windows_total", windows_total}};
}

json evaluate_model(const std::string& model_path, const std::vector<std::string>& request_files,
                    const std::vector<std::string>& heldout_prefixes, const EvalOptions& options,
                    const JobControl& job) {
  options.validate();
  const torch::Device device = parse_device(options.device);
  const ModelConfig config =
      ModelConfig::load((std::filesystem::path(model_path) / "config.json").string());
  // Every check before any compute (and before the weights are read).
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

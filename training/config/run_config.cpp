#include "training/config/run_config.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/file_util.h"
#include "base/sha256.h"
#include "base/strict_json.h"
#include "base/thread_limit.h"
#include "training/config/dtype.h"
#include "training/config/schedule_preset.h"

namespace glossa {

namespace {

using nlohmann::json;

// The training dtype vocabulary: "" (auto), "float32", "bfloat16" (pure) and "bf16-mixed".
std::string training_dtype(const std::string& name, const std::string& where) {
  if (name.empty()) return name;
  if (name == "bf16-mixed" || name == "bfloat16-mixed") return "bf16-mixed";
  const std::string canonical = canonical_dtype(name, where + ": dtype");
  if (canonical == "float16")
    fail(where, "'dtype' float16 is not supported for training: use bf16-mixed, float32 or bfloat16");
  return canonical;
}

bool is_cuda_device(const std::string& device) {
  return device == "cuda" || device.rfind("cuda:", 0) == 0;
}


// Strict reader with this file's doc in its messages.
struct Strict : StrictJson {
  Strict(const json& j, std::string where) : StrictJson(j, std::move(where), "docs/run-config.md") {}
};

RunModelSource model_from_json(const json& j, const std::string& where) {
  RunModelSource m;
  Strict f(j, where);
  f.get("path", m.path);
  f.get("init", m.init);
  if (const json* c = f.raw("config")) m.config = ModelConfig::from_json(*c, where + ".config");
  f.finish();
  return m;
}

std::vector<HeldoutRef> heldout_from_json(const json& j, const std::string& where) {
  if (!j.is_array()) fail(where, "expected an array of {name, prefix}");
  std::vector<HeldoutRef> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    HeldoutRef h;
    Strict f(j[i], at);
    f.get("name", h.name);
    f.get("prefix", h.prefix);
    f.finish();
    if (h.prefix.empty()) fail(at, "missing key 'prefix'");
    if (h.name.empty()) h.name = h.prefix.substr(h.prefix.find_last_of('/') + 1);
    out.push_back(h);
  }
  return out;
}

// "schedule": a preset (built-in name or file), a preset with overrides, or an inline schedule.
ScheduleConfig schedule_from_json(const json& j, const std::string& where,
                                  const std::string& base_dir, std::string* origin) {
  try {
    if (j.is_string()) return load_preset(j.get<std::string>(), base_dir, origin);
    if (j.is_object() && j.contains("preset"))
      return schedule_with_overrides(j, where + ": schedule", base_dir, origin);
  } catch (const Error& e) {
    fail(where + ": schedule", e.what());  // adds which RUN.json named the preset
  }
  if (!j.is_object())
    fail(where, "'schedule' must be a preset name or path, {\"preset\": ..., overrides}, or a "
                "schedule object");
  return ScheduleConfig::from_json(j, where + ".schedule");
}

// `path` against `base` when it is relative (and both are set).
void resolve(std::string& path, const std::string& base) {
  if (path.empty() || base.empty() || std::filesystem::path(path).is_absolute()) return;
  path = (std::filesystem::path(base) / path).lexically_normal().string();
}

void resolve_paths(RunConfig& c, const std::string& base) {
  for (std::string* p : {&c.run_dir, &c.model.path, &c.tokenizer_path, &c.new_token_map,
                         &c.export_dir})
    resolve(*p, base);
  for (DataSource& s : c.data.sources) resolve(s.prefix, base);
  for (HeldoutRef& h : c.heldout) resolve(h.prefix, base);
  for (std::string& b : c.benchmarks) resolve(b, base);
}

}  // namespace

std::string RunConfig::effective_init() const {
  return model.init.empty() ? schedule.init : model.init;
}

const ModelConfig& RunConfig::random_init_shape() const {
  if (model.config) return *model.config;
  if (schedule.model) return *schedule.model;
  fail("RUN.json: model", "init 'random' needs a shape: add model.config (a config.json block)");
}

std::string RunConfig::effective_dtype() const {
  if (!dtype.empty()) return dtype;
  return is_cuda_device(device) ? "bf16-mixed" : "float32";
}

std::string RunConfig::effective_export_dir() const {
  return export_dir.empty() ? run_dir + "/export" : export_dir;
}

void RunConfig::validate(const std::string& where) const {
  if (run_dir.empty()) fail(where, "'run_dir' is missing: the folder for checkpoints and metrics");
  const std::string init = effective_init();
  if (init == "pretrained") {
    if (model.path.empty())
      fail(where,
           "model.path is missing: name the Hugging Face folder of the base model, or "
           "set model.init to \"random\" with a model.config block");
  } else if (init == "random") {
    if (!model.path.empty())
      fail(where, "model.path and init \"random\" exclude each other: drop one");
    if (!model.config && !schedule.model)
      fail(where, "init \"random\" needs a shape: add model.config (a config.json block)");
    random_init_shape().validate(where + ": model.config");
  } else {
    fail(where, "model.init must be \"pretrained\" or \"random\", found \"" + init + "\"");
  }
  if (schedule.stages.empty()) fail(where, "'schedule' has no stages");
  data.validate(where + ": data");
  if (checkpoint_every_steps < 0) fail(where, "'checkpoint_every_steps' must be >= 0");
  if (keep_checkpoints < 1) fail(where, "'keep_checkpoints' must be >= 1");
  const bool cuda = is_cuda_device(device);
  if (!cuda && device != "cpu")
    fail(where, "'device' must be \"cpu\", \"cuda\" or \"cuda:N\", found \"" + device + "\"");
  (void)training_dtype(dtype, where);  // float16 and misspellings are refused here
  if (threads < 0 || threads > kMaxThreads)
    fail(where, "'threads' is " + std::to_string(threads) + "; it must be between 0 and " +
                    std::to_string(kMaxThreads) + " (0 = torch's default)");
  if (max_nan_skips < 0) fail(where, "'max_nan_skips' must be >= 0");
  if (peak_tflops < 0) fail(where, "'peak_tflops' must be >= 0 (0 = unknown)");
  if (eval.seq_len < 0) fail(where, "'eval.seq_len' must be >= 0 (0 = the model's, at most 1024)");
  if (eval.batch < 1) fail(where, "'eval.batch' must be >= 1");
  if (eval.max_tokens < 0) fail(where, "'eval.max_tokens' must be >= 0 (0 = every token)");
  if (eval.benchmark_max_docs < 0) fail(where, "'eval.benchmark_max_docs' must be >= 0 (0 = all)");
  for (size_t i = 0; i < benchmarks.size(); ++i)
    if (benchmarks[i].empty()) fail(where, "benchmarks[" + std::to_string(i) + "] is empty");
}

RunConfig RunConfig::from_json(const json& j, const std::string& where,
                               const std::string& base_dir) {
  RunConfig c;
  Strict f(j, where);
  f.get("run_dir", c.run_dir);
  if (const json* m = f.raw("model")) c.model = model_from_json(*m, where + ": model");
  if (const json* t = f.raw("tokenizer")) {
    Strict tf(*t, where + ": tokenizer");
    tf.get("path", c.tokenizer_path);
    tf.finish();
  }
  f.get("new_token_map", c.new_token_map);
  const json* s = f.raw("schedule");
  if (!s) fail(where, "'schedule' is missing: a preset path or an inline schedule object");
  c.schedule = schedule_from_json(*s, where, base_dir, &c.schedule_path);
  const json* d = f.raw("data");
  if (!d) fail(where, "'data' is missing: the training shards (docs/training-data.md)");
  c.data = DataConfig::from_json(*d, where + ": data");
  if (const json* h = f.raw("heldout")) c.heldout = heldout_from_json(*h, where + ": heldout");
  f.get("benchmarks", c.benchmarks);
  if (const json* e = f.raw("eval")) {
    Strict ef(*e, where + ": eval");
    ef.get("seq_len", c.eval.seq_len);
    ef.get("batch", c.eval.batch);
    ef.get("max_tokens", c.eval.max_tokens);
    ef.get("benchmark_max_docs", c.eval.benchmark_max_docs);
    ef.finish();
  }
  f.get("checkpoint_every_steps", c.checkpoint_every_steps);
  f.get("keep_checkpoints", c.keep_checkpoints);
  f.get("seed", c.seed);
  f.get("device", c.device);
  f.get("dtype", c.dtype);
  c.dtype = training_dtype(c.dtype, where);  // fp32 / bf16 accepted, written long; "" = auto
  f.get("threads", c.threads);
  f.get("max_nan_skips", c.max_nan_skips);
  f.get("verify_frozen", c.verify_frozen);
  f.get("export_dir", c.export_dir);
  f.get("resume", c.resume);
  f.get("peak_tflops", c.peak_tflops);
  f.finish();
  resolve_paths(c, base_dir);
  c.validate(where);
  return c;
}

RunConfig RunConfig::load(const std::string& path) {
  const std::string folder = std::filesystem::path(path).parent_path().string();
  return from_json(read_json_file(path), path, folder.empty() ? "." : folder);
}

json RunConfig::to_json() const {
  json m = json::object();
  if (!model.path.empty()) m["path"] = model.path;
  if (!model.init.empty()) m["init"] = model.init;
  if (model.config) m["config"] = model.config->to_json();
  json heldout_json = json::array();
  for (const HeldoutRef& h : heldout)
    heldout_json.push_back({{"name", h.name}, {"prefix", h.prefix}});
  json j = {{"run_dir", run_dir},
            {"model", m},
            {"tokenizer", {{"path", tokenizer_path}}},
            {"new_token_map", new_token_map},
            {"schedule", schedule.to_json()},
            {"data", data.to_json()},
            {"heldout", heldout_json},
            {"benchmarks", benchmarks},
            {"eval",
             {{"seq_len", eval.seq_len},
              {"batch", eval.batch},
              {"max_tokens", eval.max_tokens},
              {"benchmark_max_docs", eval.benchmark_max_docs}}},
            {"checkpoint_every_steps", checkpoint_every_steps},
            {"keep_checkpoints", keep_checkpoints},
            {"seed", seed},
            {"device", device},
            {"dtype", effective_dtype()},
            {"threads", threads},
            {"max_nan_skips", max_nan_skips},
            {"verify_frozen", verify_frozen},
            {"export_dir", export_dir},
            {"resume", resume},
            {"peak_tflops", peak_tflops}};
  return j;
}

std::string RunConfig::numerics_hash() const {
  const json j = to_json();
  json key = json::object();
  for (const char* k : {"model", "new_token_map", "schedule", "data", "seed", "dtype"})
    key[k] = j[k];
  return Sha256::hex(key.dump());
}

std::string RunConfig::table() const {
  std::ostringstream out;
  out << "| parameter | value |\n|---|---|\n";
  auto row = [&](const std::string& k, const std::string& v) {
    out << "| " << k << " | " << v << " |\n";
  };
  row("run_dir", run_dir);
  row("model", model.path.empty() ? "random init" : model.path);
  row("tokenizer", tokenizer_path.empty() ? "(none)" : tokenizer_path);
  row("new_token_map", new_token_map.empty() ? "(none)" : new_token_map);
  row("schedule", schedule.name + " (" + std::to_string(schedule.stages.size()) + " stages)" +
                      (schedule_path.empty() ? "" : " from " + schedule_path));
  for (size_t i = 0; i < schedule.stages.size(); ++i) {
    const StageConfig& s = schedule.stages[i];
    std::ostringstream v;
    v << s.name << ": " << s.total_steps() << " steps, lr " << s.peak_lr << ", seq " << s.seq_len
      << " x micro " << s.micro_batch << " x accum " << s.grad_accum;
    row("stage " + std::to_string(i + 1), v.str());
  }
  std::string sources;
  for (const DataSource& s : data.sources)
    sources +=
        (sources.empty() ? "" : ", ") + s.name + " (weight " + std::to_string(s.weight) + ")";
  row("data", sources);
  row("heldout sets", std::to_string(heldout.size()));
  row("benchmarks", std::to_string(benchmarks.size()));
  row("eval", "windows of " + (eval.seq_len == 0 ? std::string("model length") : std::to_string(eval.seq_len)) +
                  ", batch " + std::to_string(eval.batch) +
                  (eval.max_tokens == 0 ? "" : ", " + std::to_string(eval.max_tokens) + " tokens per set"));
  row("device / dtype", device + " / " + effective_dtype());
  row("threads", threads == 0 ? "torch default" : std::to_string(threads));
  row("seed", std::to_string(seed));
  row("checkpoint every", checkpoint_every_steps == 0
                              ? "stage end"
                              : std::to_string(checkpoint_every_steps) + " steps (keep " +
                                    std::to_string(keep_checkpoints) + ")");
  row("max NaN skips", std::to_string(max_nan_skips));
  row("verify frozen", verify_frozen ? "yes" : "no");
  row("export", effective_export_dir());
  row("resume", resume ? "yes" : "no");
  return out.str();
}

}  // namespace glossa

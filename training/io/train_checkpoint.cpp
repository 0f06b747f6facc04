#include "training/io/train_checkpoint.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <regex>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/file_util.h"
#include "base/sha256.h"
#include "base/strict_json.h"
#include "training/io/safetensors.h"
#include "training/io/safetensors_writer.h"

namespace glossa {
namespace {

using nlohmann::json;

constexpr const char* kModelFile = "model.safetensors";
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kStateFile = "state.json";
constexpr const char* kChecksumsFile = "checksums.json";

// -1 when `name` is not step-XXXXXXXX.
int64_t step_of(const std::string& name) {
  static const std::regex pattern("step-([0-9]{8,})");
  std::smatch m;
  if (!std::regex_match(name, m, pattern)) return -1;
  return std::stoll(m[1].str());
}

// POSIX only: libtorch.so exports its own copies of some std::filesystem functions (remove_all,
// resize_file, create_directory, ...) that the dynamic linker may bind instead of libstdc++'s;
// std::filesystem::remove_all crashed through a null function pointer in this build.
bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  return out;
}

// remove_tree (base/file_util.h) on leftovers and pruned checkpoints: a failure leaves a folder
// nobody loads.

// Removes leftovers of interrupted writes (*.tmp, *.old) so they cannot pile up.
void remove_leftovers(const std::string& checkpoints_dir) {
  for (const std::string& name : entries(checkpoints_dir))
    if (name.ends_with(".tmp") || name.ends_with(".old")) remove_tree(checkpoints_dir + "/" + name);
}

void write_files(const std::string& tmp, const CheckpointData& data) {
  TrainState state = data.state;
  // The optimizer first: under ZeRO-1 the other ranks wait in its gather meanwhile.
  if (data.write_optimizer) {
    SafetensorsWriter writer(tmp + "/" + kOptimizerFile, data.optimizer_specs);
    state.optimizer = data.write_optimizer(writer);
    writer.finish();
  } else {
    const NamedTensors opt(data.optimizer.begin(), data.optimizer.end());
    save_safetensors(tmp + "/" + kOptimizerFile, opt, {{"format", "pt"}});
  }
  save_safetensors(tmp + "/" + kModelFile, data.model, {{"format", "pt"}});
  write_file_atomically(tmp + "/" + kStateFile, state.to_json().dump(1));
  json sums = {{"format_version", kCheckpointFormatVersion}, {"files", json::object()}};
  for (const char* f : {kModelFile, kOptimizerFile, kStateFile})
    sums["files"][f] = sha256_file(tmp + "/" + f);
  write_file_atomically(tmp + "/" + kChecksumsFile, sums.dump(1));  // last: marks it complete
  sync_directory(tmp);
}

void prune(const std::string& checkpoints_dir, int64_t keep) {
  const std::vector<std::string> all = list_checkpoints(checkpoints_dir);
  for (size_t i = static_cast<size_t>(keep); i < all.size(); ++i) remove_tree(all[i]);
}

}  // namespace

json TrainState::to_json() const {
  return {{"format_version", kCheckpointFormatVersion},
          {"stage_index", stage_index},
          {"stage_name", stage_name},
          {"step_in_stage", step_in_stage},
          {"global_step", global_step},
          {"tokens_seen", tokens_seen},
          {"nan_skips", nan_skips},
          {"sampler", sampler},
          {"optimizer", optimizer},
          {"optimizer_stage", optimizer_stage},
          {"torch_cpu_rng", torch_cpu_rng},
          {"config_hash", config_hash}};
}

TrainState TrainState::from_json(const json& j, const std::string& where) {
  StrictJson r(j, where, "docs/checkpoints.md");
  int version = 0;
  r.require("format_version", version);
  if (version != kCheckpointFormatVersion)
    fail(where, "format_version " + std::to_string(version) + " is not supported (expected " +
                    std::to_string(kCheckpointFormatVersion) + ")");
  TrainState s;
  r.require("stage_index", s.stage_index);
  r.require("stage_name", s.stage_name);
  r.require("step_in_stage", s.step_in_stage);
  r.require("global_step", s.global_step);
  r.require("tokens_seen", s.tokens_seen);
  r.require("nan_skips", s.nan_skips);
  r.require("sampler", s.sampler);
  r.require("optimizer", s.optimizer);
  r.require("optimizer_stage", s.optimizer_stage);
  r.require("torch_cpu_rng", s.torch_cpu_rng);
  r.require("config_hash", s.config_hash);
  r.finish();
  return s;
}

std::string checkpoint_dir_name(int64_t global_step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld", static_cast<long long>(global_step));
  return name;
}

std::string write_checkpoint(const std::string& checkpoints_dir, const CheckpointData& data,
                             int64_t keep) {
  make_directories(checkpoints_dir);
  remove_leftovers(checkpoints_dir);
  const std::string final_dir = checkpoints_dir + "/" + checkpoint_dir_name(data.state.global_step);
  const std::string tmp = final_dir + ".tmp";
  if (::mkdir(tmp.c_str(), 0755) != 0)
    fail(tmp, "cannot create the temporary checkpoint folder: " + errno_text());
  try {
    write_files(tmp, data);
  } catch (const Error&) {
    remove_tree(tmp);  // the earlier checkpoints were never touched
    throw;
  }
  // Same step written again (a resumed run passing a step it had saved): swap it out.
  const std::string old = final_dir + ".old";
  const bool replacing = exists(final_dir);
  if (replacing && std::rename(final_dir.c_str(), old.c_str()) != 0)
    fail(final_dir, "cannot move the previous checkpoint aside: " + errno_text());
  rename_into_place(tmp, final_dir);
  sync_directory(checkpoints_dir);
  if (replacing) remove_tree(old);
  prune(checkpoints_dir, std::max<int64_t>(keep, 1));
  return final_dir;
}

void make_directories(const std::string& path) {
  if (path.empty() || is_directory(path)) return;
  const size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_directories(path.substr(0, slash));
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    fail(path, "cannot create the folder: " + errno_text());
}

void verify_checkpoint(const std::string& dir) {
  const std::string sums_path = dir + "/" + kChecksumsFile;
  if (!exists(sums_path))
    fail(sums_path, "missing: the checkpoint was not finished (its writer stopped early)");
  json sums;
  try {
    sums = json::parse(read_file(sums_path));
    if (!sums.at("files").is_object() || sums["files"].empty()) throw std::runtime_error("empty");
  } catch (const std::exception& e) {
    fail(sums_path, std::string("unreadable checksum list: ") + e.what());
  }
  for (const char* f : {kModelFile, kOptimizerFile, kStateFile})
    if (!sums["files"].contains(f)) fail(sums_path, std::string("does not list ") + f);
  for (const auto& [name, expected] : sums["files"].items()) {
    const std::string path = dir + "/" + name;
    if (!exists(path)) fail(path, "missing (listed in checksums.json)");
    const std::string found = sha256_file(path);
    if (!expected.is_string() || found != expected.get<std::string>())
      fail(path, "checksum mismatch (file corrupt or truncated): expected " + expected.dump() +
                     ", found \"" + found + "\"");
  }
}

std::vector<std::string> list_checkpoints(const std::string& checkpoints_dir) {
  std::vector<std::pair<int64_t, std::string>> found;
  for (const std::string& name : entries(checkpoints_dir)) {
    const std::string path = checkpoints_dir + "/" + name;
    const int64_t step = step_of(name);
    if (step >= 0 && is_directory(path)) found.emplace_back(step, path);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a > b; });
  std::vector<std::string> out;
  for (auto& [step, path] : found) out.push_back(path);
  return out;
}

std::optional<std::string> find_latest_valid_checkpoint(
    const std::string& checkpoints_dir,
    const std::function<void(const std::string&, const std::string&)>& rejected) {
  for (const std::string& dir : list_checkpoints(checkpoints_dir)) {
    try {
      verify_checkpoint(dir);
      return dir;
    } catch (const Error& e) {
      if (rejected) rejected(dir, e.what());  // reported, then the previous one is tried
    }
  }
  return std::nullopt;
}

bool has_optimizer_file(const std::string& dir) {
  struct stat st {};
  return ::stat((dir + "/" + kOptimizerFile).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::map<std::string, torch::Tensor> map_optimizer_file(const std::string& dir) {
  std::map<std::string, torch::Tensor> out;
  for (auto& [name, t] : map_safetensors(dir + "/" + kOptimizerFile)) out[name] = t;
  return out;
}

CheckpointData read_checkpoint(const std::string& dir) {
  CheckpointData data;
  // Mapped, not copied: every rank of a node resuming shares the pages through the page cache,
  // and the loaded state stays reclaimable file pages while the run keeps it (the optimizer
  // state of a full-model stage is 2 x trainable elements).
  data.model = map_safetensors(dir + "/" + kModelFile);
  data.optimizer = map_optimizer_file(dir);
  const std::string state_path = dir + "/" + kStateFile;
  json j;
  try {
    j = json::parse(read_file(state_path));
  } catch (const json::parse_error& e) {
    fail(state_path, std::string("not valid JSON: ") + e.what());
  }
  data.state = TrainState::from_json(j, state_path);
  return data;
}

std::string cpu_rng_state_hex() {
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  torch::Tensor state;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    state = gen.get_state();
  }
  static const char* digits = "0123456789abcdef";
  const uint8_t* p = state.data_ptr<uint8_t>();
  std::string hex;
  hex.reserve(state.numel() * 2);
  for (int64_t i = 0; i < state.numel(); ++i) {
    hex.push_back(digits[p[i] >> 4]);
    hex.push_back(digits[p[i] & 15]);
  }
  return hex;
}

void restore_cpu_rng_state(const std::string& hex) {
  if (hex.size() % 2 != 0 || hex.empty()) fail("checkpoint torch_cpu_rng", "malformed hex state");
  torch::Tensor state = torch::empty({static_cast<int64_t>(hex.size() / 2)}, torch::kUInt8);
  uint8_t* p = state.data_ptr<uint8_t>();
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    fail("checkpoint torch_cpu_rng", "malformed hex state");
  };
  for (size_t i = 0; i < hex.size() / 2; ++i)
    p[i] = static_cast<uint8_t>(nibble(hex[2 * i]) * 16 + nibble(hex[2 * i + 1]));
  at::Generator gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

}  // namespace glossa

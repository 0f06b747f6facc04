#include "training/io/safetensors_checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "base/error.h"
#include "base/file_util.h"

namespace fs = std::filesystem;

namespace glossa {

namespace {

std::map<std::string, std::string> read_weight_map(const std::string& index_path) {
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(read_file(index_path));
  } catch (const nlohmann::json::exception& e) {
    fail(index_path, std::string("not valid JSON: ") + e.what());
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    fail(index_path, "expected an object with \"weight_map\": {tensor name: shard file}");
  try {
    return index["weight_map"].get<std::map<std::string, std::string>>();
  } catch (const nlohmann::json::exception& e) {
    fail(index_path, std::string("weight_map must map tensor names to file names: ") + e.what());
  }
}

std::string shard_name(size_t i, size_t n) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "model-%05zu-of-%05zu.safetensors", i + 1, n);
  return buffer;
}

}  // namespace

SafetensorsCheckpoint::SafetensorsCheckpoint(const std::string& dir) : dir_(dir) {
  const fs::path index_path = fs::path(dir) / kSafetensorsIndexFile;
  if (!fs::exists(index_path)) {
    const fs::path single = fs::path(dir) / kSafetensorsFile;
    if (!fs::exists(single))
      fail(dir,
           std::string("no ") + kSafetensorsFile + " and no " + kSafetensorsIndexFile +
               " (only safetensors checkpoints are read; convert .bin files with transformers)");
    readers_.push_back(std::make_unique<SafetensorsReader>(single.string()));
    for (const auto& name : readers_[0]->names()) where_[name] = 0;
    return;
  }
  sharded_ = true;
  const auto weight_map = read_weight_map(index_path.string());
  std::map<std::string, size_t> file_index;
  for (const auto& [name, file] : weight_map) {
    auto it = file_index.find(file);
    if (it == file_index.end()) {
      const fs::path shard = fs::path(dir) / file;
      if (!fs::exists(shard))
        fail(index_path.string(), "shard file \"" + file + "\" (holding tensor \"" + name +
                                      "\") is missing from " + dir);
      readers_.push_back(std::make_unique<SafetensorsReader>(shard.string()));
      it = file_index.emplace(file, readers_.size() - 1).first;
    }
    if (!readers_[it->second]->contains(name))
      fail(readers_[it->second]->path(), "tensor \"" + name + "\" is listed in " +
                                             kSafetensorsIndexFile + " but absent from this shard");
    where_[name] = it->second;
  }
  for (size_t r = 0; r < readers_.size(); ++r)
    for (const auto& name : readers_[r]->names()) {
      const auto it = where_.find(name);
      if (it == where_.end() || it->second != r)
        fail(readers_[r]->path(), "tensor \"" + name + "\" is missing from the index " +
                                      index_path.string() +
                                      " (or listed there under another shard)");
    }
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [name, r] : where_) out.push_back(name);
  return out;
}

const SafetensorsReader& SafetensorsCheckpoint::reader_of(const std::string& name) const {
  const auto it = where_.find(name);
  if (it == where_.end())
    fail(dir_, "no tensor named \"" + name + "\" in the checkpoint" +
                   (sharded_ ? std::string(" (not in ") + kSafetensorsIndexFile + ")" : ""));
  return *readers_[it->second];
}

const SafetensorsEntry& SafetensorsCheckpoint::entry(const std::string& name) const {
  return reader_of(name).entry(name);
}

const std::string& SafetensorsCheckpoint::file_of(const std::string& name) const {
  return reader_of(name).path();
}

torch::Tensor SafetensorsCheckpoint::tensor(const std::string& name,
                                            std::optional<torch::Dtype> dtype) const {
  return reader_of(name).tensor(name, dtype);
}

ShardedSaveResult save_safetensors_checkpoint(const std::string& dir, const NamedTensors& tensors,
                                              uint64_t max_shard_bytes) {
  fs::create_directories(dir);
  // Greedy split in the given order: a tensor larger than the limit gets a shard of its own.
  std::vector<NamedTensors> shards(1);
  uint64_t shard_bytes = 0, total = 0;
  for (const auto& named : tensors) {
    const auto bytes = static_cast<uint64_t>(named.second.nbytes());
    if (max_shard_bytes > 0 && shard_bytes > 0 && shard_bytes + bytes > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(named);
    shard_bytes += bytes;
    total += bytes;
  }
  ShardedSaveResult result;
  result.total_bytes = total;
  const std::map<std::string, std::string> metadata = {{"format", "pt"}};
  if (shards.size() == 1) {
    save_safetensors((fs::path(dir) / kSafetensorsFile).string(), shards[0], metadata);
    result.files.push_back(kSafetensorsFile);
  } else {
    nlohmann::json weight_map = nlohmann::json::object();
    for (size_t i = 0; i < shards.size(); ++i) {
      const std::string name = shard_name(i, shards.size());
      save_safetensors((fs::path(dir) / name).string(), shards[i], metadata);
      for (const auto& named : shards[i]) weight_map[named.first] = name;
      result.files.push_back(name);
    }
    const nlohmann::json index = {{"metadata", {{"total_size", total}}},
                                  {"weight_map", weight_map}};
    write_file_atomically((fs::path(dir) / kSafetensorsIndexFile).string(), index.dump(2) + "\n");
    result.files.push_back(kSafetensorsIndexFile);
  }
  // Remove what an earlier save left that the loader would otherwise pick up.
  const std::set<std::string> keep(result.files.begin(), result.files.end());
  const std::regex stale(R"(model(-\d{5}-of-\d{5})?\.safetensors(\.index\.json)?)");
  for (const auto& item : fs::directory_iterator(dir)) {
    const std::string name = item.path().filename().string();
    if (!keep.count(name) && std::regex_match(name, stale)) fs::remove(item.path());
  }
  return result;
}

}  // namespace glossa

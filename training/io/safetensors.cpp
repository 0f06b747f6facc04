#include "training/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "base/error.h"

namespace glossa {

namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the Python library's limit (100 MB)

struct DtypeInfo {
  const char* name;
  torch::Dtype torch_dtype;
  int64_t size;  // bytes per element
  int rank;      // the Rust library's dtype order: larger ranks are written first
};

const DtypeInfo kDtypes[] = {
    {"BOOL", torch::kBool, 1, 0}, {"U8", torch::kUInt8, 1, 1},    {"I8", torch::kInt8, 1, 2},
    {"I16", torch::kInt16, 2, 3}, {"F16", torch::kFloat16, 2, 4}, {"BF16", torch::kBFloat16, 2, 5},
    {"I32", torch::kInt32, 4, 6}, {"F32", torch::kFloat32, 4, 7}, {"F64", torch::kFloat64, 8, 8},
    {"I64", torch::kInt64, 8, 9},
};

const DtypeInfo& dtype_info(const std::string& name, const std::string& where) {
  for (const auto& d : kDtypes)
    if (name == d.name) return d;
  fail(where, "unknown dtype \"" + name +
                  "\" (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
}

const DtypeInfo& dtype_info(torch::Dtype dtype, const std::string& where) {
  for (const auto& d : kDtypes)
    if (dtype == d.torch_dtype) return d;
  fail(where,
       std::string("tensor dtype ") + c10::toString(dtype) + " cannot be stored in safetensors");
}


uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string tensor_where(const std::string& path, const std::string& name) {
  return path + ": tensor \"" + name + "\"";
}

SafetensorsEntry parse_entry(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("dtype") || !j.contains("shape") || !j.contains("data_offsets"))
    fail(where, "expected an object with \"dtype\", \"shape\" and \"data_offsets\"");
  SafetensorsEntry e;
  try {
    e.dtype = j.at("dtype").get<std::string>();
    e.shape = j.at("shape").get<std::vector<int64_t>>();
    const auto offsets = j.at("data_offsets").get<std::vector<uint64_t>>();
    if (offsets.size() != 2) fail(where, "data_offsets must hold two numbers [begin, end]");
    e.begin = offsets[0];
    e.end = offsets[1];
  } catch (const nlohmann::json::exception& ex) {
    fail(where, std::string("malformed entry: ") + ex.what());
  }
  if (e.begin > e.end) fail(where, "data_offsets begin > end");
  uint64_t elements = 1;
  for (const int64_t d : e.shape) {
    if (d < 0) fail(where, "negative dimension in shape");
    elements *= static_cast<uint64_t>(d);
  }
  const uint64_t bytes = elements * static_cast<uint64_t>(dtype_info(e.dtype, where).size);
  if (bytes != e.end - e.begin)
    fail(where, "shape x dtype size is " + std::to_string(bytes) + " bytes but data_offsets span " +
                    std::to_string(e.end - e.begin) + " bytes");
  return e;
}

}  // namespace

int64_t safetensors_dtype_size(const std::string& dtype, const std::string& where) {
  return dtype_info(dtype, where).size;
}
torch::Dtype safetensors_to_torch_dtype(const std::string& dtype, const std::string& where) {
  return dtype_info(dtype, where).torch_dtype;
}
std::string torch_to_safetensors_dtype(torch::Dtype dtype, const std::string& where) {
  return dtype_info(dtype, where).name;
}

SafetensorsReader::SafetensorsReader(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail(path, "cannot open safetensors file: " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail(path, "cannot stat: " + errno_text());
  }
  size_ = static_cast<uint64_t>(st.st_size);
  if (size_ > 0) {
    // Writable but private: tensors viewing the mapping (map_safetensors) may be changed in
    // place; the changed pages become the process's own copies and the file stays as it is.
    void* map = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      ::close(fd);
      fail(path, "cannot mmap: " + errno_text());
    }
    data_ = static_cast<const uint8_t*>(map);
  }
  ::close(fd);
  try {
    if (size_ < 8)
      fail(path, "file of " + std::to_string(size_) +
                     " bytes is too short for a safetensors header (truncated?)");
    parse_header(read_u64_le(data_));
  } catch (...) {
    if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
    throw;
  }
}

SafetensorsReader::~SafetensorsReader() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void SafetensorsReader::parse_header(uint64_t n) {
  if (n > kMaxHeaderBytes || 8 + n > size_)
    fail(path_, "header length " + std::to_string(n) + " goes beyond the file of " +
                    std::to_string(size_) + " bytes (truncated or not a safetensors file)");
  data_start_ = 8 + n;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(reinterpret_cast<const char*>(data_ + 8),
                                   reinterpret_cast<const char*>(data_ + data_start_));
  } catch (const nlohmann::json::exception& e) {
    fail(path_, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail(path_, "header is not a JSON object");
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      try {
        metadata_ = it.value().get<std::map<std::string, std::string>>();
      } catch (const nlohmann::json::exception& e) {
        fail(path_, std::string("__metadata__ must map strings to strings: ") + e.what());
      }
      continue;
    }
    entries_[it.key()] = parse_entry(it.value(), tensor_where(path_, it.key()));
  }
  // Offsets inside the data area, and no two tensors sharing bytes.
  const uint64_t data_bytes = size_ - data_start_;
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> by_offset;
  for (const auto& [name, e] : entries_) {
    if (e.end > data_bytes)
      fail(tensor_where(path_, name), "data_offsets [" + std::to_string(e.begin) + ", " +
                                          std::to_string(e.end) +
                                          "] lie outside the data area of " +
                                          std::to_string(data_bytes) + " bytes (truncated file?)");
    by_offset.emplace_back(&name, &e);
  }
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.second->begin, a.second->end) <
           std::make_pair(b.second->begin, b.second->end);
  });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto& prev = by_offset[i - 1];
    const auto& cur = by_offset[i];
    if (cur.second->begin < prev.second->end && cur.second->begin != cur.second->end)
      fail(tensor_where(path_, *cur.first),
           "data_offsets overlap those of tensor \"" + *prev.first + "\"");
  }
}

std::vector<std::string> SafetensorsReader::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

const SafetensorsEntry& SafetensorsReader::entry(const std::string& name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) fail(path_, "no tensor named \"" + name + "\" in this file");
  return it->second;
}

torch::Tensor SafetensorsReader::tensor(const std::string& name,
                                        std::optional<torch::Dtype> dtype) const {
  const SafetensorsEntry& e = entry(name);
  const auto stored = safetensors_to_torch_dtype(e.dtype, tensor_where(path_, name));
  // A fresh, aligned tensor: the mapped bytes need not be aligned for the dtype.
  torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(stored));
  if (e.end > e.begin) std::memcpy(t.data_ptr(), data_ + data_start_ + e.begin, e.end - e.begin);
  if (dtype && *dtype != stored) t = t.to(*dtype);
  return t;
}

const uint8_t* SafetensorsReader::bytes(const std::string& name) const {
  return data_ + data_start_ + entry(name).begin;
}

NamedTensors map_safetensors(const std::string& path) {
  const auto reader = std::make_shared<const SafetensorsReader>(path);
  NamedTensors out;
  for (const auto& name : reader->names()) {
    const SafetensorsEntry& e = reader->entry(name);
    const auto dtype = safetensors_to_torch_dtype(e.dtype, tensor_where(path, name));
    auto* data = const_cast<uint8_t*>(reader->bytes(name));
    const auto size = static_cast<uintptr_t>(safetensors_dtype_size(e.dtype, path));
    if (reinterpret_cast<uintptr_t>(data) % size != 0) {  // not where the dtype may be read
      out.emplace_back(name, reader->tensor(name));
      continue;
    }
    // The deleter holds the reader: the mapping lives as long as any tensor viewing it.
    out.emplace_back(name, torch::from_blob(data, e.shape, [reader](void*) {},
                                            torch::TensorOptions().dtype(dtype)));
  }
  return out;
}

NamedTensors load_safetensors(const std::string& path, std::optional<torch::Dtype> dtype) {
  SafetensorsReader reader(path);
  NamedTensors out;
  for (const auto& name : reader.names()) out.emplace_back(name, reader.tensor(name, dtype));
  return out;
}

SafetensorsLayout safetensors_layout(const NamedTensors& tensors,
                                     const std::map<std::string, std::string>& metadata,
                                     const std::string& where) {
  SafetensorsLayout layout;
  std::set<std::string> seen;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!seen.insert(tensors[i].first).second)
      fail(where, "tensor name \"" + tensors[i].first + "\" given twice");
    if (tensors[i].first == "__metadata__") fail(where, "\"__metadata__\" cannot name a tensor");
    layout.order.push_back(i);
  }
  std::vector<int> rank(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i)
    rank[i] =
        dtype_info(tensors[i].second.scalar_type(), where + ": tensor \"" + tensors[i].first + "\"")
            .rank;
  std::sort(layout.order.begin(), layout.order.end(), [&](size_t a, size_t b) {
    if (rank[a] != rank[b]) return rank[a] > rank[b];
    return tensors[a].first < tensors[b].first;
  });
  // Compact JSON in the Rust library's key order (nlohmann would sort the keys).
  std::string json = "{";
  if (!metadata.empty()) json += "\"__metadata__\":" + nlohmann::json(metadata).dump();
  for (const size_t i : layout.order) {
    const torch::Tensor& t = tensors[i].second;
    const auto& info = dtype_info(t.scalar_type(), where);
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * static_cast<uint64_t>(info.size);
    if (json.size() > 1) json += ",";
    json += nlohmann::json(tensors[i].first).dump() + ":{\"dtype\":\"" + info.name +
            "\",\"shape\":" + nlohmann::json(t.sizes().vec()).dump() + ",\"data_offsets\":[" +
            std::to_string(layout.data_bytes) + "," + std::to_string(layout.data_bytes + bytes) +
            "]}";
    layout.data_bytes += bytes;
  }
  json += "}";
  json.append((8 - json.size() % 8) % 8, ' ');
  layout.header.resize(8);
  for (int i = 0; i < 8; ++i) layout.header[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
  layout.header += json;
  return layout;
}

}  // namespace glossa

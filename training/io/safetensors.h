// One safetensors file (docs/training-model.md): read through mmap with every header
// rule checked, written byte-identical to Python's `safetensors.torch.save_file`.
// Engine-internal: exposes torch::Tensor.
#pragma once

#include "training/torch_core.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace glossa {

// Where one tensor lies in a file: offsets are bytes relative to the first byte after the header.
struct SafetensorsEntry {
  std::string dtype;  // "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
  std::vector<int64_t> shape;  // [] = scalar
  uint64_t begin = 0, end = 0;
};

// Bytes per element of a safetensors dtype name; throws Error naming `where` when unknown.
int64_t safetensors_dtype_size(const std::string& dtype, const std::string& where);
torch::Dtype safetensors_to_torch_dtype(const std::string& dtype, const std::string& where);
std::string torch_to_safetensors_dtype(torch::Dtype dtype, const std::string& where);

class SafetensorsReader {
 public:
  // Maps the file and validates the header: length within the file, valid JSON, known dtypes,
  // shape x dtype size == offsets span, offsets inside the data area, no overlaps. Errors name
  // the file and the tensor.
  explicit SafetensorsReader(const std::string& path);
  ~SafetensorsReader();
  SafetensorsReader(const SafetensorsReader&) = delete;
  SafetensorsReader& operator=(const SafetensorsReader&) = delete;

  const std::string& path() const { return path_; }
  std::vector<std::string> names() const;  // sorted by name
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  // Throws Error naming the file when the tensor is absent.
  const SafetensorsEntry& entry(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // A CPU tensor that owns a copy of the bytes, in the stored dtype or converted to `dtype`.
  torch::Tensor tensor(const std::string& name,
                       std::optional<torch::Dtype> dtype = std::nullopt) const;
  // The first byte of a tensor's data in the mapping (valid while the reader lives).
  const uint8_t* bytes(const std::string& name) const;

 private:
  void parse_header(uint64_t header_length);

  std::string path_;
  const uint8_t* data_ = nullptr;  // mmap of the whole file
  uint64_t size_ = 0;              // bytes of the file
  uint64_t data_start_ = 0;        // 8 + header length
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Every tensor of a file (sorted by name) as CPU tensors viewing the file's private mapping: no
// copy is made, pages are read when touched and are shared with other processes through the
// page cache (every rank of a node resuming one checkpoint), writes in place stay private. The
// mapping lives while any of the tensors does. A tensor whose bytes are not aligned for its dtype
// (only in files not written in the canonical order) is copied instead. The file must not be
// truncated while mapped (checkpoints are never rewritten in place).
NamedTensors map_safetensors(const std::string& path);

// Every tensor of a file (sorted by name), optionally converted to `dtype`.
NamedTensors load_safetensors(const std::string& path,
                              std::optional<torch::Dtype> dtype = std::nullopt);

// The header bytes (8-byte length + JSON padded with spaces to a multiple of 8) and the order
// in which the data follows, as the Python library writes them: tensors sorted by dtype
// (I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL), then by name; "__metadata__" first.
struct SafetensorsLayout {
  std::string header;
  std::vector<size_t> order;  // indices into the tensors, in data order
  uint64_t data_bytes = 0;
};
SafetensorsLayout safetensors_layout(const NamedTensors& tensors,
                                     const std::map<std::string, std::string>& metadata,
                                     const std::string& where);

// Writes the tensors (any device; converted to CPU contiguous one at a time) to a temporary
// file beside `path`, flushes it and renames it into place. Duplicate names throw. (Defined in
// safetensors_writer.cpp, through SafetensorsWriter.)
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace glossa

// Writes a safetensors file whose tensors arrive one at a time and in any order: the header is
// laid out up front from specifications (names, dtypes, shapes; meta tensors will do), and each
// tensor goes to its own offset when it is given. A caller can so produce a file far larger than
// the memory it holds at once (ZeRO-1 checkpoints: the optimizer state gathered unit by unit,
// zero1.h). The bytes equal save_safetensors' for the same tensors. Engine-internal.
#pragma once

#include "training/torch_core.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "training/io/safetensors.h"

namespace glossa {

class AtomicFile;

class SafetensorsWriter {
 public:
  // Creates a temporary file beside `path` and writes the header. Throws Error naming the path
  // (cannot create) or the tensor (duplicate name, unsupported dtype).
  SafetensorsWriter(std::string path, const NamedTensors& specs,
                    const std::map<std::string, std::string>& metadata = {{"format", "pt"}});
  ~SafetensorsWriter();  // unfinished: the temporary file is removed, `path` is untouched
  SafetensorsWriter(const SafetensorsWriter&) = delete;
  SafetensorsWriter& operator=(const SafetensorsWriter&) = delete;

  // Writes one tensor (any device; copied to the CPU, contiguous). Throws Error naming the
  // tensor when it is not in the specifications, was written already, or differs in shape or
  // dtype; and naming the file when the write fails (disk full).
  void write(const std::string& name, const torch::Tensor& tensor);
  // Checks that every tensor was written, flushes, renames the file into place.
  void finish();

 private:
  struct Slot {
    uint64_t offset = 0;  // from the start of the file
    std::vector<int64_t> shape;
    torch::ScalarType dtype = torch::kFloat32;
    bool written = false;
  };
  std::string path_;
  std::unique_ptr<AtomicFile> file_;  // null after finish()
  std::map<std::string, Slot> slots_;
};

}  // namespace glossa

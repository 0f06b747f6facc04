// Memory of the device a run trains on, for the memory estimate (run_memory.h). Torch-free
// header.
#pragma once

#include <cstdint>
#include <string>

namespace glossa {

// "cuda" / "cuda:N": the GPU's total memory; "cpu": the machine's physical memory. 0 when a CUDA
// device is named but this machine has none (a run prepared here for a GPU machine); `why`
// (nullable) then says what the query answered.
int64_t device_memory_bytes(const std::string& device, std::string* why = nullptr);

}  // namespace glossa

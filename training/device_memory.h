// Memory of the device a run trains on, for the memory estimate (run_memory.h). Torch-free
// header.
#pragma once

#include <cstdint>
#include <string>

namespace glossa {

// "cuda" / "cuda:N": the GPU's total memory; "cpu": the machine's physical memory. Throws Error
// when a CUDA device is named but cannot be queried.
int64_t device_memory_bytes(const std::string& device);

}  // namespace glossa

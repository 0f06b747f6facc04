#include "training/run/device_memory.h"

#include <cuda_runtime_api.h>
#include <unistd.h>

#include <string>

namespace glossa {

int64_t device_memory_bytes(const std::string& device, std::string* why) {
  if (device.rfind("cuda", 0) != 0)
    return static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE);
  const int index = device.size() > 5 ? std::stoi(device.substr(5)) : 0;
  cudaDeviceProp props{};
  const cudaError_t err = cudaGetDeviceProperties(&props, index);
  if (err != cudaSuccess) {
    if (why) *why = cudaGetErrorString(err);
    return 0;
  }
  return static_cast<int64_t>(props.totalGlobalMem);
}

}  // namespace glossa

#include "training/distributed/data_parallel.h"

#include "training/distributed/process_group.h"

namespace glossa {

std::shared_ptr<ProcessGroup> join_process_group(const RunEnvironment& env,
                                                 const std::string& device, int timeout_s) {
  ProcessGroupOptions options;
  options.backend = device.rfind("cuda", 0) == 0 ? "auto" : "gloo";
  options.timeout_s = timeout_s;
  return ProcessGroup::create(env, options);
}

}  // namespace glossa

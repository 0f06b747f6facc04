#include "training/data_parallel.h"

#include "training/c10d_gradient_sync.h"
#include "training/process_group.h"

namespace glossa {

std::shared_ptr<GradientSync> make_gradient_sync(const RunEnvironment& env,
                                                 const std::string& device, int timeout_s) {
  ProcessGroupOptions options;
  options.backend = device.rfind("cuda", 0) == 0 ? "auto" : "gloo";
  options.timeout_s = timeout_s;
  return std::make_shared<C10dGradientSync>(ProcessGroup::create(env, options));
}

}  // namespace glossa

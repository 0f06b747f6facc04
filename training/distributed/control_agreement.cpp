#include "training/distributed/control_agreement.h"

#include "training/torch_core.h"

#include "training/distributed/process_group.h"

namespace glossa {

ControlFlags agree_on_control(ProcessGroup* group, const ControlFlags& local) {
  if (!group || group->world_size() == 1) return local;
  torch::Tensor flags =
      torch::tensor({int64_t{local.stop}, int64_t{local.pause}, int64_t{local.checkpoint}},
                    torch::kLong)
          .to(group->device());  // (3)
  group->all_reduce_max(flags);
  const torch::Tensor host = flags.cpu();
  return {host[0].item<int64_t>() != 0, host[1].item<int64_t>() != 0,
          host[2].item<int64_t>() != 0};
}

}  // namespace glossa

// Activation checkpointing for LibTorch C++, which has no torch.utils.checkpoint: a custom
// autograd Function runs a block forward without recording its graph (only the block's input is
// kept) and runs it again, with autograd on, during backward. The block must be deterministic
// (no dropout, no RNG): the recomputation must reproduce the forward exactly.
#pragma once

#include "training/torch_core.h"

#include <functional>
#include <vector>

namespace glossa {

using CheckpointedBlock = std::function<torch::Tensor(const torch::Tensor&)>;

// y = block(x), where `parameters` are every tensor requiring grad that `block` reads besides x
// (its module's parameters). Gradients flow to x and to those parameters as without
// checkpointing. Without grad mode, or when nothing requires grad, it simply calls block(x).
torch::Tensor checkpoint(const CheckpointedBlock& block, const torch::Tensor& x,
                         const std::vector<torch::Tensor>& parameters);

}  // namespace glossa

// Proof that a stage left its frozen parameters alone (RunConfig::verify_frozen): SHA-256 of
// every frozen tensor and of the frozen rows of partly trained matrices, taken at stage start and
// compared at stage end. Engine-internal.
#pragma once

#include <map>
#include <string>

#include "training/optim/masked_adamw.h"

namespace glossa {

// tensor name (or "name[a:b]" for a frozen row range) -> SHA-256 of its bytes. Tensors that
// train whole are absent.
using FrozenDigests = std::map<std::string, std::string>;

FrozenDigests frozen_digests(const NamedParams& params, const FreezePlan& plan);

// Throws Error naming the stage and the first tensor / row range whose bytes changed.
void check_frozen_unchanged(const FrozenDigests& before, const FrozenDigests& after,
                            const std::string& stage);

}  // namespace glossa

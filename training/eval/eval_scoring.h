// What held-out and multiple-choice evaluation share: log p(target) at chosen positions of a
// forward pass, with the LM head applied only there and log-softmax in fp32. Engine-internal.
#pragma once

#include "training/torch_core.h"

#include "training/model/llama_model.h"

namespace glossa {

// Puts the model in eval mode and no-grad for a scope, then restores its training flag, so that
// the trainer's evaluation every N steps leaves activation checkpointing (which checks
// is_training()) as it was.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(LlamaForCausalLMImpl& model)
      : model_(model), was_training_(model.is_training()) {
    model_.eval();
  }
  ~EvalModeGuard() { model_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  LlamaForCausalLMImpl& model_;
  bool was_training_;
  torch::NoGradGuard no_grad_;
};

// The device of the model's parameters (inputs go there).
torch::Device model_device(LlamaForCausalLMImpl& model);

struct TargetLogProbs {
  torch::Tensor logp;    // (K) fp32: log p(targets[k] | positions[k] and everything before)
  torch::Tensor greedy;  // (K) bool: targets[k] is the argmax of the logits there
};

// hidden: (N, C) final-norm states of every position, flattened; positions: (K) int64 indices
// into N; targets: (K) int64 ids. The head runs on chunks of positions so that memory stays near
// 256 MiB of fp32 logits (chunk x V) whatever K is.
TargetLogProbs target_log_probs(LlamaForCausalLMImpl& model, const torch::Tensor& hidden,
                                const torch::Tensor& positions, const torch::Tensor& targets);

}  // namespace glossa

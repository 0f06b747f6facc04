#include "training/eval/eval_scoring.h"

#include <algorithm>
#include <vector>

namespace glossa {

namespace {
constexpr int64_t kLogitBytesPerChunk = int64_t(256) << 20;  // fp32 logits per head call, bytes
}

torch::Device model_device(LlamaForCausalLMImpl& model) { return model.input_embedding().device(); }

TargetLogProbs target_log_probs(LlamaForCausalLMImpl& model, const torch::Tensor& hidden,
                                const torch::Tensor& positions, const torch::Tensor& targets) {
  const int64_t K = positions.size(0);
  const int64_t V = model.config().vocab_size;
  const int64_t chunk = std::max<int64_t>(1, kLogitBytesPerChunk / (4 * V));
  std::vector<torch::Tensor> logp, greedy;
  for (int64_t k = 0; k < K; k += chunk) {
    const int64_t n = std::min(chunk, K - k);
    const torch::Tensor h = hidden.index_select(0, positions.narrow(0, k, n));  // (n, C)
    const torch::Tensor logits =
        model.logits(h.unsqueeze(0)).squeeze(0).to(torch::kFloat32);  // (n, V) fp32
    const torch::Tensor t = targets.narrow(0, k, n).unsqueeze(1);     // (n, 1)
    logp.push_back(torch::log_softmax(logits, -1).gather(1, t).squeeze(1));
    greedy.push_back(logits.argmax(-1) == t.squeeze(1));
  }
  if (logp.empty()) {
    const auto options = hidden.options();
    return {torch::zeros({0}, options.dtype(torch::kFloat32)),
            torch::zeros({0}, options.dtype(torch::kBool))};
  }
  return {torch::cat(logp), torch::cat(greedy)};
}

}  // namespace glossa

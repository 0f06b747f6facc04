// y = x W^T (+ b) with the weight laid out as torch.nn.Linear's (out, in), so parameter names and
// shapes match transformers. Created directly in the wanted dtype and device without torch's
// default Kaiming init (a 7B model is not initialised twice); the model initialises it.
#pragma once

#include "training/torch_core.h"

namespace glossa {

class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, bool bias,
             const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);  // (..., in) -> (..., out)

  torch::Tensor weight;  // (out, in)
  torch::Tensor bias;    // (out), undefined when there is no bias
};
TORCH_MODULE(Linear);

// A token embedding table (V, C) named "weight", like torch.nn.Embedding. `padding_idx` >= 0
// keeps that row's gradient at zero, as transformers' LlamaModel does with pad_token_id.
class TokenEmbeddingImpl : public torch::nn::Module {
 public:
  TokenEmbeddingImpl(int64_t vocab_size, int64_t dim, int64_t padding_idx,
                     const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& ids);  // (B, T) int64 -> (B, T, C)

  torch::Tensor weight;  // (V, C)
  int64_t padding_idx = -1;
};
TORCH_MODULE(TokenEmbedding);

}  // namespace glossa

#include "training/model/linear.h"

namespace glossa {

LinearImpl::LinearImpl(int64_t in_features, int64_t out_features, bool with_bias,
                       const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({out_features, in_features}, options));
  if (with_bias) bias = register_parameter("bias", torch::empty({out_features}, options));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::linear(x, weight, bias);
}

TokenEmbeddingImpl::TokenEmbeddingImpl(int64_t vocab_size, int64_t dim, int64_t padding,
                                       const torch::TensorOptions& options)
    : padding_idx(padding) {
  weight = register_parameter("weight", torch::empty({vocab_size, dim}, options));
}

torch::Tensor TokenEmbeddingImpl::forward(const torch::Tensor& ids) {
  return torch::embedding(weight, ids, padding_idx);
}

}  // namespace glossa

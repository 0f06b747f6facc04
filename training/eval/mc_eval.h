// Log-likelihood multiple-choice scoring of a request file (docs/benchmarks-tasks.md) as
// lm-evaluation-harness 0.4.13's HFLM computes it: the model reads context + continuation[:-1],
// truncated from the left to its context length, and each request's score is the sum of
// log p(continuation tokens). Engine-internal (exposes the model).
#pragma once

#include "training/torch_core.h"

#include <cstdint>
#include <string>
#include <vector>

#include "base/job_control.h"
#include "training/model/llama_model.h"
#include "training/metrics/mc_metrics.h"
#include "training/data/request_file.h"

namespace glossa {

struct McEvalOptions {
  int64_t batch_size = 8;  // requests per forward pass (similar lengths, padded right)
  int64_t max_length = 0;  // tokens the model reads at most; 0 = max_position_embeddings
};

struct McRequestScore {
  double loglikelihood = 0;  // sum of log p(continuation tokens), nats (fp32 log-softmax)
  bool greedy = false;       // every continuation token is the argmax (harness is_greedy)
  bool truncated = false;    // context + continuation[:-1] was cut from the left
};

struct McTaskResult {
  McScores scores;                                    // acc, acc_norm, f1 as the file asks
  std::vector<std::vector<McRequestScore>> requests;  // per document, per choice
  int64_t truncated_requests = 0;
};

// Per document, per choice scores. Requests are sorted by length (longest first, as the harness
// does) and batched; the order of the result is the file's. Throws Error naming `where`, the
// document and the choice when a continuation alone exceeds max_length.
std::vector<std::vector<McRequestScore>> score_requests(LlamaForCausalLMImpl& model,
                                                        const RequestFile& file,
                                                        const std::string& where,
                                                        const McEvalOptions& options,
                                                        const JobControl& job);

// score_requests + score_multiple_choice with the file's metrics.
McTaskResult evaluate_multiple_choice(LlamaForCausalLMImpl& model, const RequestFile& file,
                                      const std::string& where, const McEvalOptions& options,
                                      const JobControl& job);

}  // namespace glossa

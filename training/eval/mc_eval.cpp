#include "training/eval/mc_eval.h"

#include <algorithm>
#include <numeric>

#include "base/error.h"
#include "training/eval/eval_scoring.h"

namespace glossa {

namespace {

// One (document, choice) as the model reads it.
struct FlatRequest {
  int64_t doc = 0, choice = 0;
  std::vector<int32_t> input;  // (context + continuation)[-(max_length + 1):][:-1]
  const std::vector<int32_t>* continuation = nullptr;
  bool truncated = false;
};

// The harness's HFLM._loglikelihood_tokens: keep the last max_length + 1 tokens of the whole,
// drop the last one; the continuation is scored at the input's last len(continuation) positions.
FlatRequest flatten(const McRequest& r, int64_t max_length, const std::string& where, int64_t doc,
                    int64_t choice, int64_t split_doc) {
  const int64_t cont = int64_t(r.continuation.size());
  if (cont > max_length)
    fail(where, "document " + std::to_string(split_doc) + ", choice " + std::to_string(choice) +
                    ": the continuation alone has " + std::to_string(cont) +
                    " tokens, more than the model's context of " + std::to_string(max_length) +
                    "; it cannot be scored (raise max_length if the model allows it)");
  FlatRequest f;
  f.doc = doc;
  f.choice = choice;
  f.continuation = &r.continuation;
  std::vector<int32_t> whole = r.context;
  whole.insert(whole.end(), r.continuation.begin(), r.continuation.end());
  const int64_t start = std::max<int64_t>(0, int64_t(whole.size()) - (max_length + 1));
  f.truncated = start > 0;
  f.input.assign(whole.begin() + start, whole.end() - 1);
  return f;
}

// Scores requests[order[first .. first+count-1]] in one forward pass, padded right to the
// longest; causal attention keeps the padding from touching real positions.
void score_batch(LlamaForCausalLMImpl& model, const std::vector<FlatRequest>& requests,
                 const std::vector<size_t>& order, size_t first, size_t count,
                 std::vector<std::vector<McRequestScore>>* out) {
  size_t L = 0;
  for (size_t i = first; i < first + count; ++i) L = std::max(L, requests[order[i]].input.size());
  std::vector<int64_t> ids(count * L, 0), positions, targets;  // ids (B, L); pad id 0, never scored
  for (size_t b = 0; b < count; ++b) {
    const FlatRequest& r = requests[order[first + b]];
    std::copy(r.input.begin(), r.input.end(), ids.begin() + b * L);
    const size_t n = r.input.size(), c = r.continuation->size();
    for (size_t j = 0; j < c; ++j) {
      positions.push_back(int64_t(b * L + n - c + j));  // predicts continuation[j]
      targets.push_back((*r.continuation)[j]);
    }
  }
  const torch::Device device = model_device(model);
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  const torch::Tensor input =
      torch::from_blob(ids.data(), {int64_t(count), int64_t(L)}, i64).to(device);  // (B, L)
  const torch::Tensor pos =
      torch::from_blob(positions.data(), {int64_t(positions.size())}, i64).to(device);  // (K)
  const torch::Tensor tgt =
      torch::from_blob(targets.data(), {int64_t(targets.size())}, i64).to(device);  // (K)
  const torch::Tensor hidden = model.hidden(input).flatten(0, 1);                   // (B*L, C)
  const TargetLogProbs lp = target_log_probs(model, hidden, pos, tgt);
  const torch::Tensor logp = lp.logp.to(torch::kCPU, torch::kFloat64).contiguous();  // sync point
  const torch::Tensor greedy = lp.greedy.to(torch::kCPU).contiguous();
  const double* lpp = logp.data_ptr<double>();
  const bool* gp = greedy.data_ptr<bool>();
  size_t k = 0;
  for (size_t b = 0; b < count; ++b) {
    const FlatRequest& r = requests[order[first + b]];
    McRequestScore s;
    s.greedy = true;
    s.truncated = r.truncated;
    for (size_t j = 0; j < r.continuation->size(); ++j, ++k) {
      s.loglikelihood += lpp[k];
      s.greedy = s.greedy && gp[k];
    }
    (*out)[r.doc][r.choice] = s;
  }
}

}  // namespace

std::vector<std::vector<McRequestScore>> score_requests(LlamaForCausalLMImpl& model,
                                                        const RequestFile& file,
                                                        const std::string& where,
                                                        const McEvalOptions& options,
                                                        const JobControl& job) {
  if (options.batch_size < 1) fail(where, "batch size must be >= 1");
  const int64_t max_length =
      options.max_length > 0 ? options.max_length : model.config().max_position_embeddings;
  std::vector<std::vector<McRequestScore>> out(file.docs.size());
  std::vector<FlatRequest> requests;
  for (size_t d = 0; d < file.docs.size(); ++d) {
    out[d].resize(file.docs[d].choices.size());
    for (size_t c = 0; c < file.docs[d].choices.size(); ++c)
      requests.push_back(
          flatten(file.docs[d].choices[c], max_length, where, d, c, file.docs[d].doc));
  }
  // Longest first (the harness's order): similar lengths share a batch, little padding.
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return requests[a].input.size() > requests[b].input.size();
  });
  const EvalModeGuard eval_mode(model);
  const size_t B = size_t(options.batch_size);
  for (size_t first = 0; first < order.size(); first += B) {
    job.check_cancelled();
    const size_t count = std::min(B, order.size() - first);
    score_batch(model, requests, order, first, count, &out);
    job.report(double(first + count) / double(order.size()),
               file.task + ": " + std::to_string(first + count) + "/" +
                   std::to_string(order.size()) + " requests");
  }
  return out;
}

McTaskResult evaluate_multiple_choice(LlamaForCausalLMImpl& model, const RequestFile& file,
                                      const std::string& where, const McEvalOptions& options,
                                      const JobControl& job) {
  McTaskResult result;
  result.requests = score_requests(model, file, where, options, job);
  std::vector<McDocScore> docs(file.docs.size());
  for (size_t d = 0; d < file.docs.size(); ++d) {
    docs[d].gold = file.docs[d].gold;
    docs[d].choice_chars = file.docs[d].choice_chars;
    for (const McRequestScore& s : result.requests[d]) {
      docs[d].loglikelihoods.push_back(s.loglikelihood);
      result.truncated_requests += s.truncated ? 1 : 0;
    }
  }
  result.scores = score_multiple_choice(file.task, file.metrics, docs);
  return result;
}

}  // namespace glossa

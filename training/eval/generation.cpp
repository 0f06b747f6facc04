#include "training/eval/generation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "base/error.h"
#include "training/metrics/mc_metrics.h"  // argmax_first (numpy.argmax)

namespace glossa {

namespace {

// softmax(logits / temperature) in float64, (V).
std::vector<double> softmax(const std::vector<double>& logits, double temperature) {
  const double top = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0.0;
  for (size_t i = 0; i < p.size(); ++i) sum += p[i] = std::exp((logits[i] - top) / temperature);
  for (double& x : p) x /= sum;
  return p;
}

}  // namespace

int64_t pick_next_token(const torch::Tensor& logits, const GenerateOptions& options,
                        SeededRng& rng) {
  const torch::Tensor cpu = logits.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const double* data = cpu.data_ptr<double>();
  const std::vector<double> values(data, data + cpu.numel());  // (V)
  if (values.empty()) fail("pick_next_token", "empty logits");
  if (options.greedy || options.temperature == 0.0) return argmax_first(values);
  const std::vector<double> p = softmax(values, options.temperature);
  // Candidates in descending probability, ties by lower id (stable sort of ascending ids).
  std::vector<int64_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
  size_t keep = order.size();
  double mass = 1.0;
  if (options.top_p < 1.0) {
    double cumulative = 0.0;
    for (size_t i = 0; i < order.size(); ++i) {
      cumulative += p[order[i]];
      if (cumulative >= options.top_p) {
        keep = i + 1;
        break;
      }
    }
    mass = cumulative;
  }
  const double u = rng.uniform() * mass;
  double cumulative = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cumulative += p[order[i]];
    if (u < cumulative) return order[i];
  }
  return order[keep - 1];  // rounding: u at the very top of the mass
}

GenerateResult generate(LlamaForCausalLMImpl& model, const std::vector<int64_t>& prompt,
                        const GenerateOptions& options, const JobControl& job) {
  options.validate();
  const ModelConfig& config = model.config();
  if (prompt.empty())
    fail("generate", "the prompt is empty: give at least one token (e.g. BOS, id " +
                         std::to_string(config.bos_token_id) + ")");
  for (size_t i = 0; i < prompt.size(); ++i)
    if (prompt[i] < 0 || prompt[i] >= config.vocab_size)
      fail("generate", "prompt token " + std::to_string(i) + " is id " + std::to_string(prompt[i]) +
                           ", outside the model's vocabulary [0, " +
                           std::to_string(config.vocab_size) + ")");
  const std::vector<int64_t> stops =
      options.stop_ids.empty() ? std::vector<int64_t>{config.eos_token_id} : options.stop_ids;
  const torch::Device device = model.parameters().front().device();
  const int64_t window = config.max_position_embeddings;
  torch::NoGradGuard no_grad;
  SeededRng rng(options.seed);
  std::vector<int64_t> context = prompt;
  GenerateResult result;
  result.prompt_tokens = static_cast<int64_t>(prompt.size());
  result.context_limit = window;
  result.stop_reason = "max_new_tokens";
  const auto start = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < options.max_new_tokens; ++step) {
    job.check_cancelled();
    const int64_t begin = std::max<int64_t>(0, static_cast<int64_t>(context.size()) - window);
    const torch::Tensor ids =
        torch::tensor(std::vector<int64_t>(context.begin() + begin, context.end()), torch::kInt64)
            .view({1, -1})
            .to(device);                                     // (1, T)
    const torch::Tensor logits = model.forward(ids)[0][-1];  // (V) of the last position
    const int64_t next = pick_next_token(logits, options, rng);
    context.push_back(next);
    result.ids.push_back(static_cast<int>(next));
    job.report(double(step + 1) / double(options.max_new_tokens),
               std::to_string(step + 1) + " tokens generated");
    if (std::find(stops.begin(), stops.end(), next) != stops.end()) {
      result.stop_reason = "stop_id";
      break;
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.tokens_per_second = result.seconds > 0 ? double(result.ids.size()) / result.seconds : 0;
  return result;
}

}  // namespace glossa

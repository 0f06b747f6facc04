// Scores of log-likelihood multiple-choice benchmarks, defined as lm-evaluation-harness 0.4.13
// computes them (docs/benchmarks-tasks.md): acc, acc_norm, macro-F1, standard errors, and the
// group score (mean of tasks weighted by their number of documents). Torch-free: the input is
// one summed continuation log-likelihood per (document, choice).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace glossa {

struct McDocScore {
  int64_t gold = 0;
  std::vector<double> loglikelihoods;  // per choice: sum of log p(continuation tokens), nats
  std::vector<int64_t> choice_chars;   // per choice: characters of the choice string
};

struct McScores {
  std::string name;  // task (or group) name
  int64_t documents = 0;
  std::optional<double> acc, acc_stderr;            // share of argmax == gold
  std::optional<double> acc_norm, acc_norm_stderr;  // argmax of ll / chars
  std::optional<double> f1;  // macro F1 of (gold, argmax); no stderr (the harness reports N/A)
  std::vector<int64_t> predictions;  // argmax per document (tasks only)

  // {"name", "documents", "acc", "acc_stderr", ...}; absent metrics are left out.
  nlohmann::json to_json() const;
};

// numpy.argmax: index of the first maximum; a NaN wins (the first NaN).
int64_t argmax_first(const std::vector<double>& values);

// scikit-learn f1_score(gold, pred, average="macro"): the mean over the labels present in
// gold ∪ pred of 2·TP / (2·TP + FP + FN).
double macro_f1(const std::vector<int64_t>& gold, const std::vector<int64_t>& pred);

// lm_eval.api.metrics.mean_stderr for 0/1 values with mean p over n: sqrt(p(1-p)/(n-1)).
double binary_mean_stderr(double p, int64_t n);

// Scores one task; `metrics` picks which of acc, acc_norm, f1 are filled. Throws Error when a
// document's gold or its number of log-likelihoods / lengths disagree.
McScores score_multiple_choice(const std::string& task, const std::vector<std::string>& metrics,
                               const std::vector<McDocScore>& docs);

// The group score: each metric averaged over the tasks that report it, weighted by their
// documents; stderr pooled as lm_eval.api.metrics.pooled_sample_stderr does.
McScores group_scores(const std::string& group, const std::vector<McScores>& tasks);

}  // namespace glossa

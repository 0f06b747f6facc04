#include "training/metrics/mc_metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "base/error.h"

namespace glossa {

int64_t argmax_first(const std::vector<double>& values) {
  int64_t best = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) return int64_t(i);
    if (values[i] > values[size_t(best)]) best = int64_t(i);
  }
  return best;
}

double macro_f1(const std::vector<int64_t>& gold, const std::vector<int64_t>& pred) {
  if (gold.size() != pred.size() || gold.empty())
    fail("macro_f1", "needs as many predictions as gold labels, and at least one");
  std::map<int64_t, int64_t> tp, fp, fn;  // per label
  std::set<int64_t> labels(gold.begin(), gold.end());
  labels.insert(pred.begin(), pred.end());
  for (size_t i = 0; i < gold.size(); ++i) {
    if (gold[i] == pred[i]) {
      ++tp[gold[i]];
    } else {
      ++fp[pred[i]];
      ++fn[gold[i]];
    }
  }
  double sum = 0.0;
  for (const int64_t l : labels)  // every label here has 2TP + FP + FN > 0
    sum += 2.0 * double(tp[l]) / double(2 * tp[l] + fp[l] + fn[l]);
  return sum / double(labels.size());
}

double binary_mean_stderr(double p, int64_t n) {
  if (n < 2) return std::nan("");  // the harness divides by n - 1
  return std::sqrt(p * (1.0 - p) / double(n - 1));
}

McScores score_multiple_choice(const std::string& task, const std::vector<std::string>& metrics,
                               const std::vector<McDocScore>& docs) {
  const auto wants = [&](const char* m) {
    return std::find(metrics.begin(), metrics.end(), m) != metrics.end();
  };
  McScores s;
  s.name = task;
  s.documents = int64_t(docs.size());
  if (docs.empty()) fail(task, "no documents to score");
  std::vector<int64_t> golds;
  int64_t correct = 0, correct_norm = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    const McDocScore& d = docs[i];
    const size_t n = d.loglikelihoods.size();
    if (n < 2 || d.choice_chars.size() != n || d.gold < 0 || d.gold >= int64_t(n))
      fail(task + ", document " + std::to_string(i),
           "needs >= 2 log-likelihoods, one length per choice and a gold index among them");
    std::vector<double> normed(n);  // ll / chars; IEEE division as numpy does (x/0 = -inf or NaN)
    for (size_t c = 0; c < n; ++c) normed[c] = d.loglikelihoods[c] / double(d.choice_chars[c]);
    const int64_t pred = argmax_first(d.loglikelihoods);
    correct += pred == d.gold;
    correct_norm += argmax_first(normed) == d.gold;
    s.predictions.push_back(pred);
    golds.push_back(d.gold);
  }
  const double n = double(docs.size());
  if (wants("acc")) {
    s.acc = double(correct) / n;
    s.acc_stderr = binary_mean_stderr(*s.acc, s.documents);
  }
  if (wants("acc_norm")) {
    s.acc_norm = double(correct_norm) / n;
    s.acc_norm_stderr = binary_mean_stderr(*s.acc_norm, s.documents);
  }
  if (wants("f1")) s.f1 = macro_f1(golds, s.predictions);
  return s;
}

namespace {
// Weighted mean and pooled stderr of one metric over the tasks that report it.
void pool(const std::vector<McScores>& tasks, std::optional<double> McScores::*value,
          std::optional<double> McScores::*stderr_of, McScores* out) {
  double weighted = 0.0, var_sum = 0.0;
  int64_t docs = 0, count = 0;
  bool all_stderr = stderr_of != nullptr;
  for (const McScores& t : tasks) {
    if (!(t.*value)) continue;
    weighted += *(t.*value) * double(t.documents);
    docs += t.documents;
    ++count;
    if (all_stderr && (t.*stderr_of))  // pooled_sample_stderr: sum (n-1)·se²·n
      var_sum += double(t.documents - 1) * *(t.*stderr_of) * *(t.*stderr_of) * double(t.documents);
    else
      all_stderr = false;
  }
  if (count == 0) return;
  out->*value = weighted / double(docs);
  if (all_stderr && docs > count)
    out->*stderr_of = std::sqrt(var_sum / double(docs - count) / double(docs));
}
}  // namespace

McScores group_scores(const std::string& group, const std::vector<McScores>& tasks) {
  McScores g;
  g.name = group;
  for (const McScores& t : tasks) g.documents += t.documents;
  pool(tasks, &McScores::acc, &McScores::acc_stderr, &g);
  pool(tasks, &McScores::acc_norm, &McScores::acc_norm_stderr, &g);
  pool(tasks, &McScores::f1, nullptr, &g);
  return g;
}

nlohmann::json McScores::to_json() const {
  nlohmann::json j = {{"name", name}, {"documents", documents}};
  const auto put = [&](const char* key, const std::optional<double>& v) {
    if (v) j[key] = std::isnan(*v) ? nlohmann::json(nullptr) : nlohmann::json(*v);
  };
  put("acc", acc);
  put("acc_stderr", acc_stderr);
  put("acc_norm", acc_norm);
  put("acc_norm_stderr", acc_norm_stderr);
  put("f1", f1);
  return j;
}

}  // namespace glossa

// vocab count, vocab expand and vocab merge in words.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "cli/describe.h"
#include "tokenizer/spm/sp_processor.h"

namespace glossa::cli {

std::string describe_vocab_count(const nlohmann::json& r, int top) {
  const auto counts = r.at("counts").get<std::vector<uint64_t>>();
  std::vector<int> order(counts.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t shown = std::min<size_t>(order.size(), size_t(std::max(top, 0)));
  std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                    [&](int a, int b) { return counts[a] > counts[b]; });
  std::ostringstream out;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f s", r.at("seconds").get<double>());
  out << r.at("tokens") << " tokens in " << r.at("documents") << " documents ("
      << r.at("text_bytes") << " bytes, " << seconds
      << (r.at("memoized").get<bool>() ? "" : ", without memoisation") << ")\n";
  if (shown == 0) return out.str();
  const auto model = SpProcessor::load(r.at("tokenizer").get<std::string>());  // piece texts
  for (size_t i = 0; i < shown; ++i)
    out << "  " << order[i] << "\t" << model->model().piece(order[i]).piece << "\t"
        << counts[order[i]] << "\n";
  return out.str();
}

std::string describe_vocab_expand(const nlohmann::json& r) {
  const nlohmann::json& final_ = r.at("final");
  std::ostringstream out;
  out << "expanded " << r.at("base").at("size") << " -> " << final_.at("size") << " pieces (+"
      << final_.at("appended") << ") in " << r.at("iterations").size() << " counting iteration"
      << (r.at("iterations").size() == 1 ? "" : "s")
      << (r.at("converged").get<bool>() ? ", converged" : ", stopped at max_iterations") << "\n";
  out << "  candidates: " << r.at("initial_candidates") << " from the intermediate tokenizer, "
      << r.at("filtered_by_script") << " filtered by script, " << r.at("forced_excluded")
      << " excluded\n";
  for (const auto& it : r.at("iterations")) {
    char line[200];
    std::snprintf(line, sizeof line,
                  "  iteration %d: %d candidates, %d dropped, %d characters added, %.1f s\n",
                  it.at("iteration").get<int>(), it.at("candidates").get<int>(),
                  it.at("dropped").get<int>(), it.at("added_chars").get<int>(),
                  it.at("seconds").get<double>());
    out << line;
  }
  const double base_tokens = final_.at("base_tokens").get<double>();
  const double tokens = final_.at("tokens").get<double>();
  if (base_tokens > 0) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "  corpus tokens: %.0f with the base tokenizer, %.0f expanded (%.1f%% fewer)\n",
                  base_tokens, tokens, 100.0 * (1.0 - tokens / base_tokens));
    out << line;
  }
  const std::string dir = r.at("out").get<std::string>();
  out << "  -> " << dir << "/tokenizer.model, new_token_map.jsonl, token_counts.tsv, "
      << "expansion_report.json\n  decisions: session " << r.at("session_id") << " in "
      << r.at("database").get<std::string>() << "\n";
  return out.str();
}

std::string describe_vocab_merge(const nlohmann::json& r, const nlohmann::json& options) {
  std::ostringstream text;
  text << "merged " << options.at("base").get<std::string>() << " (" << r.at("base_size")
       << " pieces) + " << r.at("appended") << " new pieces from "
       << options.at("add").get<std::string>() << " -> " << r.at("out").get<std::string>() << " ("
       << r.at("merged_size") << " pieces; skipped " << r.at("skipped_duplicates")
       << " duplicates, " << r.at("skipped_special") << " special)\n";
  return text.str();
}

}  // namespace glossa::cli

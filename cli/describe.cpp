#include "cli/describe.h"

#include <functional>
#include <map>

namespace glossa::cli {

void add_presentation_flags(const std::string& job, CLI::App* command, Presentation* p) {
  if (job == "vocab.count")
    command->add_option("--top", p->top, "Most frequent pieces shown without --json")
        ->capture_default_str();
  if (job == "model.generate")
    command->add_flag("--ids", p->ids, "Print the token ids (prompt included) instead of the text");
}

std::string describe_result(const std::string& job, const nlohmann::json& result,
                            const nlohmann::json& options, const Presentation& p) {
  using Describe = std::function<std::string()>;
  const std::map<std::string, Describe> describers = {
      {"corpus.stats", [&] { return describe_corpus_stats(result); }},
      {"corpus.clean", [&] { return describe_corpus_clean(result); }},
      {"tokenizer.train", [&] { return describe_tokenizer_train(result); }},
      {"tokenizer.analyze", [&] { return describe_tokenizer_analyze(result); }},
      {"vocab.count", [&] { return describe_vocab_count(result, p.top); }},
      {"vocab.expand", [&] { return describe_vocab_expand(result); }},
      {"vocab.merge", [&] { return describe_vocab_merge(result, options); }},
      {"pack", [&] { return describe_pack(result); }},
      {"bench.prepare", [&] { return describe_bench_prepare(result); }},
      {"eval", [&] { return describe_eval(result); }},
      {"model.generate", [&] { return describe_model_generate(result, p.ids); }},
      {"model.import", [&] { return describe_model_import(result, options); }},
      {"model.resize", [&] { return describe_model_resize(result); }},
  };
  const auto it = describers.find(job);
  return it == describers.end() ? "" : it->second();
}

}  // namespace glossa::cli

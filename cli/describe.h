// What glossa-cli prints without --json: each job's result in plain words, made from the result
// JSON alone (and the options), so it reads the same whether the job ran here or in
// glossa-worker. Some jobs take presentation flags of their own (--top, --ids).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace glossa::cli {

// Flags that change only how a result is shown.
struct Presentation {
  int top = 20;      // vocab count: most frequent pieces listed
  bool ids = false;  // model generate: token ids instead of text
};

// Adds the job's presentation flags (if any) to its subcommand.
void add_presentation_flags(const std::string& job, CLI::App* command, Presentation* p);

// The result in words; "" for a job without a description (the JSON is printed then).
std::string describe_result(const std::string& job, const nlohmann::json& result,
                            const nlohmann::json& options, const Presentation& p);

// One file per area (describe_*.cpp).
std::string describe_corpus_stats(const nlohmann::json& result);
std::string describe_corpus_clean(const nlohmann::json& result);
std::string describe_tokenizer_train(const nlohmann::json& result);
std::string describe_tokenizer_analyze(const nlohmann::json& result);
std::string describe_vocab_count(const nlohmann::json& result, int top);
std::string describe_vocab_expand(const nlohmann::json& result);
std::string describe_vocab_merge(const nlohmann::json& result, const nlohmann::json& options);
std::string describe_pack(const nlohmann::json& result);
std::string describe_bench_prepare(const nlohmann::json& result);
std::string describe_eval(const nlohmann::json& result);
std::string describe_model_generate(const nlohmann::json& result, bool ids);
std::string describe_model_import(const nlohmann::json& result, const nlohmann::json& options);
std::string describe_model_resize(const nlohmann::json& result);

}  // namespace glossa::cli

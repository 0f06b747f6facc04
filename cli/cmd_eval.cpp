// glossa-cli eval --model DIR [--requests REQ.jsonl...] [--held-out PREFIX...] [--batch N]
//   [--max-tokens N] [--seq-len T] [--max-length N] [--device cpu|cuda] [--dtype D]
//   [--tokenizer T.model] [--details] [--json]
// Evaluates a Hugging Face model folder outside training: multiple-choice benchmarks prepared by
// `bench prepare` (acc, acc_norm, f1 as lm-evaluation-harness) and held-out loss / bits per byte
// of token shards (docs/evaluation.md).
#include <cstdio>
#include <memory>
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/sp_model.h"
#include "training/eval_api.h"

namespace glossa::cli {

namespace {
struct EvalFlags {
  GlobalFlags global;
  std::string model, tokenizer;
  std::vector<std::string> requests, heldout;
  EvalOptions options;
};

std::string metric(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return "      -";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%7.4f", j.at(key).get<double>());
  return buf;
}

std::string score_line(const nlohmann::json& s, const std::string& label) {
  char head[96];
  std::snprintf(head, sizeof head, "%-22s %6lld", label.c_str(),
                static_cast<long long>(s.at("documents").get<int64_t>()));
  return std::string(head) + " " + metric(s, "acc") + " " + metric(s, "acc_stderr") + " " +
         metric(s, "acc_norm") + " " + metric(s, "acc_norm_stderr") + " " + metric(s, "f1") + "\n";
}

// The result as a table: tasks and groups, then held-out sets.
std::string human(const nlohmann::json& r) {
  std::ostringstream out;
  if (!r["tasks"].empty()) {
    out << "task                     docs     acc  stderr acc_norm stderr      f1\n";
    for (const auto& t : r["tasks"]) {
      out << score_line(t, t["name"].get<std::string>());
      if (t["truncated_requests"].get<int64_t>() > 0)
        out << "  (" << t["truncated_requests"] << " requests cut from the left to the context)\n";
    }
    for (const auto& g : r["groups"]) out << score_line(g, "group " + g["name"].get<std::string>());
  }
  for (const auto& h : r["heldout"]) {
    char line[256];
    std::snprintf(
        line, sizeof line,
        "held-out %-16s loss %.4f nats/token  %.4f bits/byte  (%lld tokens, %.0f bytes%s)\n",
        h["name"].get<std::string>().c_str(), h["loss"].get<double>(), h["bpb"].get<double>(),
        static_cast<long long>(h["tokens"].get<int64_t>()), h["bytes"].get<double>(),
        h["bytes_estimated"].get<bool>() ? ", estimated" : "");
    out << line;
  }
  return out.str();
}

void run_eval(EvalFlags f) {
  if (f.requests.empty() && f.heldout.empty())
    throw CLI::ValidationError("eval", "give --requests and/or --held-out");
  if (!f.tokenizer.empty())
    f.options.tokenizer_fingerprint = SpModel::load(f.tokenizer).fingerprint();
  const nlohmann::json result =
      evaluate_model(f.model, f.requests, f.heldout, f.options, make_job("eval", f.global));
  emit(f.global, result, human(result));
}
}  // namespace

void add_eval_command(CLI::App* app) {
  auto f = std::make_shared<EvalFlags>();
  auto* cmd = app->add_subcommand(
      "eval",
      "Score a model: multiple-choice benchmarks (bench prepare) and held-out bits per byte");
  cmd->add_option("--model", f->model, "Hugging Face model folder (config.json + safetensors)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--requests", f->requests, "Request files written by bench prepare")
      ->check(CLI::ExistingFile);
  cmd->add_option("--held-out", f->heldout, "Held-out shard prefixes (e.g. shards/ko_heldout)");
  cmd->add_option("--batch", f->options.batch_size, "Rows per forward pass")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-tokens", f->options.max_tokens,
                  "Held-out: score about this many tokens per set (0 = all; bytes then estimated)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seq-len", f->options.seq_len,
                  "Held-out window length (0 = the model's max_position_embeddings)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-length", f->options.max_length,
                  "Benchmarks: context length, longer requests cut from the left (0 = the model's)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--device", f->options.device, "cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--dtype", f->options.dtype, "Parameters: float32, bfloat16, float16")
      ->capture_default_str();
  cmd->add_option("--tokenizer", f->tokenizer,
                  "The run's tokenizer: request files prepared with another one are refused")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--details", f->options.details,
                "Also report every request's log-likelihood and is_greedy (JSON)");
  add_global_flags(cmd, &f->global);
  cmd->callback([f] { run_eval(*f); });
}

}  // namespace glossa::cli

// glossa-cli model generate --model PATH [--tokenizer T] (--prompt TEXT | --bos)
//   [--max-new-tokens N] [--greedy | --temperature T --top-p P --seed S] [--ids] [--json]
// Built only with the training engine (GLOSSA_BUILD_TRAINING); the model runs behind the
// torch-free training/generate_api.h, the tokenizer (SentencePiece) stays on this side.
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/llama2c_tokenizer.h"
#include "tokenizer/sp_processor.h"
#include "training/generate_api.h"
#include "training/model_config.h"

namespace glossa::cli {

namespace {

namespace fs = std::filesystem;

struct GenerateFlags {
  GlobalFlags global;
  std::string model, tokenizer, prompt;
  bool bos = false, greedy = false, ids = false;
  std::vector<int64_t> stop_ids;
  GenerateOptions options;
};

// --tokenizer, else the HF folder's tokenizer.model; null when there is none (ids only).
std::shared_ptr<const SpProcessor> load_tokenizer(const GenerateFlags& f) {
  std::string path = f.tokenizer;
  if (path.empty() && fs::is_directory(f.model) &&
      fs::exists(fs::path(f.model) / "tokenizer.model"))
    path = (fs::path(f.model) / "tokenizer.model").string();
  if (path.empty()) return nullptr;
  return SpProcessor::from_model(load_sp_or_llama2c_tokenizer(path), path);
}

int bos_id(const GenerateFlags& f, const SpProcessor* tokenizer) {
  if (tokenizer && tokenizer->model().settings().bos_id >= 0)
    return tokenizer->model().settings().bos_id;
  if (fs::is_directory(f.model))
    return int(ModelConfig::load((fs::path(f.model) / "config.json").string()).bos_token_id);
  return 1;  // llama2.c
}

std::vector<int> prompt_ids(const GenerateFlags& f, const SpProcessor* tokenizer) {
  if (f.prompt.empty() && !f.bos) fail("model generate", "give --prompt TEXT or --bos");
  if (!f.prompt.empty() && !tokenizer)
    fail("--prompt",
         "encoding text needs a tokenizer: pass --tokenizer (a SentencePiece .model "
         "or a llama2.c tokenizer .bin)");
  std::vector<int> ids = {bos_id(f, tokenizer)};  // Llama and llama2.c prompts start with BOS
  if (!f.prompt.empty()) {
    const std::vector<int> text = tokenizer->encode(f.prompt);
    ids.insert(ids.end(), text.begin(), text.end());
  }
  return ids;
}

void print_config(const GenerateFlags& f, const GenerateOptions& o, size_t prompt_tokens) {
  if (f.global.quiet) return;
  std::cerr << "[generate] model " << f.model << ", tokenizer "
            << (f.tokenizer.empty() ? "(model folder or none)" : f.tokenizer) << ", prompt "
            << prompt_tokens << " tokens, max_new_tokens " << o.max_new_tokens << ", "
            << (o.greedy ? std::string("greedy")
                         : "temperature " + std::to_string(o.temperature) + " top_p " +
                               std::to_string(o.top_p) + " seed " + std::to_string(o.seed))
            << ", device " << o.device << ", dtype " << o.dtype << "\n";
}

void run_generate(const GenerateFlags& f) {
  const auto tokenizer = load_tokenizer(f);
  const std::vector<int> prompt = prompt_ids(f, tokenizer.get());
  GenerateOptions options = f.options;
  options.greedy = f.greedy;
  options.stop_ids = f.stop_ids;
  print_config(f, options, prompt.size());
  const GenerateResult result =
      generate_ids(f.model, prompt, options, make_job("generate", f.global));
  std::vector<int> all = prompt;
  all.insert(all.end(), result.ids.begin(), result.ids.end());
  nlohmann::json json = result.to_json();
  json["prompt_ids"] = prompt;
  json["options"] = options.to_json();
  std::ostringstream human;
  if (tokenizer) {
    std::string text;
    const auto status = tokenizer->raw().Decode(all, &text);
    if (!status.ok()) fail(tokenizer->origin(), "cannot decode the ids: " + status.ToString());
    json["text"] = text;
    if (!f.ids) human << text << "\n";
  }
  if (f.ids || !tokenizer) {
    for (size_t i = 0; i < all.size(); ++i) human << (i ? " " : "") << all[i];
    human << "\n";
  }
  if (!f.global.quiet)
    std::cerr << "[generate] " << result.ids.size() << " tokens (" << result.stop_reason << ") in "
              << result.seconds << " s, " << result.tokens_per_second << " tokens/s\n";
  emit(f.global, json, human.str());
}

}  // namespace

void add_model_generate_command(CLI::App* model) {
  auto f = std::make_shared<GenerateFlags>();
  auto* cmd = model->add_subcommand(
      "generate",
      "Continue a prompt with a model: a Hugging Face folder or a llama2.c .bin "
      "(docs/llama2c-import.md)");
  cmd->add_option("--model", f->model, "Hugging Face model folder or llama2.c checkpoint (.bin)")
      ->required()
      ->check(CLI::ExistingPath);
  cmd->add_option("--tokenizer", f->tokenizer,
                  "SentencePiece .model or llama2.c tokenizer .bin (default: the folder's "
                  "tokenizer.model)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--prompt", f->prompt, "Text to continue (BOS is prepended)");
  cmd->add_flag("--bos", f->bos, "Start from BOS alone (no --prompt)");
  cmd->add_option("--max-new-tokens", f->options.max_new_tokens, "Tokens to generate at most")
      ->capture_default_str();
  auto* greedy = cmd->add_flag("--greedy", f->greedy, "Argmax at every step (else sampling)");
  cmd->add_option("--temperature", f->options.temperature, "Sampling temperature (0 = greedy)")
      ->capture_default_str()
      ->excludes(greedy);
  cmd->add_option("--top-p", f->options.top_p, "Sampling nucleus: keep tokens up to this mass")
      ->capture_default_str()
      ->excludes(greedy);
  cmd->add_option("--seed", f->options.seed, "Sampling seed")
      ->capture_default_str()
      ->excludes(greedy);
  cmd->add_option("--stop-id", f->stop_ids,
                  "Token id that ends generation (repeatable; default: EOS, and BOS for llama2.c)");
  cmd->add_option("--device", f->options.device, "cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--dtype", f->options.dtype, "float32, bfloat16, float16")->capture_default_str();
  cmd->add_flag("--ids", f->ids, "Print the token ids (prompt included) instead of the text");
  add_global_flags(cmd, &f->global);
  cmd->callback([f] { run_generate(*f); });
}

}  // namespace glossa::cli

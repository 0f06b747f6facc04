// glossa-cli model import --llama2c BIN [--tokenizer tok512.bin|T.model] --out DIR
//   [--untie-embeddings] [--json]
// A llama2.c checkpoint (+ its tokenizer) as a Hugging Face folder that glossa-train, `model
// generate`, `eval` and transformers load. Built only with the training engine.
#include <iostream>
#include <memory>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/error.h"
#include "tokenizer/hf_tokenizer_files.h"
#include "tokenizer/llama2c_tokenizer.h"
#include "training/model_import_api.h"

namespace glossa::cli {

namespace {

struct ImportFlags {
  GlobalFlags global;
  std::string llama2c, tokenizer, out;
  bool untie = false;
};

void run_import(const ImportFlags& f) {
  // The tokenizer first: a mismatch is found before anything is written.
  std::optional<SpModel> tokenizer;
  if (!f.tokenizer.empty()) tokenizer = load_sp_or_llama2c_tokenizer(f.tokenizer);
  const ImportedModel model = import_llama2c_to_hf(f.llama2c, f.out, f.untie);
  std::vector<std::string> files = model.files;
  if (tokenizer) {
    if (tokenizer->size() != model.config.vocab_size)
      fail(f.tokenizer, "has " + std::to_string(tokenizer->size()) + " pieces but the model " +
                            f.llama2c + " has a vocabulary of " +
                            std::to_string(model.config.vocab_size));
    HfTokenizerOptions options;
    options.model_max_length = model.config.max_position_embeddings;
    write_hf_tokenizer_folder(*tokenizer, f.out, options);
    for (const char* name : {"tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"})
      files.push_back(f.out + "/" + name);
  }
  const nlohmann::json json = {{"out", f.out},
                               {"config", model.config.to_json()},
                               {"parameters", model.config.parameter_count()},
                               {"tied", model.config.tie_word_embeddings},
                               {"files", files}};
  const std::string human = "imported " + f.llama2c + " (" +
                            std::to_string(model.config.parameter_count()) + " parameters" +
                            (model.config.tie_word_embeddings ? ", tied" : ", untied") +
                            ") -> " + f.out + "\n";
  emit(f.global, json, human);
}

}  // namespace

void add_model_import_command(CLI::App* model) {
  auto f = std::make_shared<ImportFlags>();
  auto* cmd = model->add_subcommand(
      "import", "Write a llama2.c checkpoint (and tokenizer) as a Hugging Face folder");
  cmd->add_option("--llama2c", f->llama2c, "llama2.c checkpoint (.bin, legacy version 0)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--tokenizer", f->tokenizer,
                  "llama2.c tokenizer .bin or SentencePiece .model: written as tokenizer.model "
                  "with the Hugging Face tokenizer files")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", f->out, "Output folder")->required();
  cmd->add_flag("--untie-embeddings", f->untie,
                "Give a shared classifier its own lm_head (a copy), so input and output "
                "embeddings can train separately (EEVE)");
  add_global_flags(cmd, &f->global);
  cmd->callback([f] { run_import(*f); });
}

}  // namespace glossa::cli

// glossa-cli tokenizer train --input FILE... --vocab-size N --model-type bpe|unigram --out PREFIX
//   [--character-coverage C] [--byte-fallback] [--split-digits] [--user-defined-symbols A,B]
//   [--input-sentence-size N] [--threads N] [--normalization RULE] [--json]
#include <memory>
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/tokenizer_trainer.h"

namespace glossa::cli {

namespace {
struct TrainFlags {
  GlobalFlags global;
  ReaderFlags reader;
  std::vector<std::string> inputs;
  std::string out, model_type = "bpe";
  TokenizerTrainerConfig config;
};

void run_train(TrainFlags f) {
  if (f.model_type == "bpe") {
    f.config.model_type = SpModelType::kBpe;
  } else {
    f.config.model_type = SpModelType::kUnigram;
  }
  f.config.validate();
  make_parent_dir(f.out);
  MultiFileSource source(f.inputs, f.reader.resolve());
  const TokenizerTrainingResult r =
      train_tokenizer(source, f.config, f.out, make_job("tokenizer train", f.global));
  nlohmann::json result = {{"model", r.model_path},
                           {"vocab", r.vocab_path},
                           {"vocab_size", r.model.size()},
                           {"sentences", r.sentences},
                           {"fingerprint", r.model.fingerprint()},
                           {"config", f.config.to_json()}};
  std::ostringstream text;
  text << "trained a " << f.model_type << " tokenizer of " << r.model.size() << " pieces on "
       << r.sentences << " sentences -> " << r.model_path << ", " << r.vocab_path << "\n";
  emit(f.global, result, text.str());
}
}  // namespace

void add_tokenizer_train_command(CLI::App* tokenizer) {
  auto f = std::make_shared<TrainFlags>();
  TokenizerTrainerConfig& c = f->config;
  auto* cmd = tokenizer->add_subcommand(
      "train",
      "Train a SentencePiece tokenizer (BPE or unigram); each line of each document is "
      "one sentence (docs/tokenizer-files.md)");
  cmd->add_option("--input", f->inputs, "Corpus files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", f->out, "Output prefix: writes PREFIX.model and PREFIX.vocab")
      ->required();
  cmd->add_option("--vocab-size", c.vocab_size, "Pieces in the model")->required();
  cmd->add_option("--model-type", f->model_type, "bpe or unigram")
      ->check(CLI::IsMember({"bpe", "unigram"}))
      ->capture_default_str();
  cmd->add_option(
         "--character-coverage", c.character_coverage,
         "Share of characters the alphabet covers (0.9995 CJK/Hangul, 1.0 small alphabets)")
      ->capture_default_str();
  cmd->add_flag("--byte-fallback", c.byte_fallback, "Uncovered characters become byte pieces");
  cmd->add_flag("--split-digits", c.split_digits, "Every digit its own piece");
  cmd->add_option("--user-defined-symbols", c.user_defined_symbols,
                  "Pieces that are never split (comma separated)")
      ->delimiter(',');
  cmd->add_option("--input-sentence-size", c.input_sentence_size,
                  "Train on a random sample of this many sentences (0 = all)")
      ->capture_default_str();
  cmd->add_option("--max-sentence-length", c.max_sentence_length,
                  "Longer lines are skipped (bytes)")
      ->capture_default_str();
  cmd->add_option("--threads", c.num_threads, "Training threads (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("--normalization", c.normalization_rule_name,
                  "nmt_nfkc, nfkc, nmt_nfkc_cf, nfkc_cf or identity")
      ->capture_default_str();
  cmd->add_option("--seed", c.seed, "Sampling seed (-1: random)")->capture_default_str();
  add_reader_flags(cmd, &f->reader);
  add_global_flags(cmd, &f->global);
  cmd->callback([f] { run_train(*f); });
}

}  // namespace glossa::cli

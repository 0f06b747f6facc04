// glossa-cli pack --tokenizer T.model --input FILE... --out PREFIX [--heldout F] [--bos] [--no-eos]
//   [--seed S] [--min-tokens N] [--threads N] [--json]
#include <memory>
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/shard_packer.h"
#include "tokenizer/sp_processor.h"

namespace glossa::cli {

namespace {
struct PackFlags {
  GlobalFlags global;
  ReaderFlags reader;
  std::string tokenizer;
  std::vector<std::string> inputs;
  PackOptions options;
  bool no_eos = false;
};

std::string describe(const PackReport& r) {
  std::ostringstream out;
  out << "packed " << r.train.documents << " documents, " << r.train.tokens << " tokens -> "
      << r.train_prefix << ".bin/.idx";
  if (!r.heldout_prefix.empty())
    out << "; held out " << r.heldout.documents << " documents, " << r.heldout.tokens
        << " tokens -> " << r.heldout_prefix << ".bin/.idx";
  out << "\n  dropped " << r.dropped.documents << " documents (< " << r.options.min_tokens
      << " tokens); manifest " << r.options.output_prefix << ".manifest.json\n";
  return out.str();
}

void run_pack(PackFlags f) {
  f.options.append_eos = !f.no_eos;
  make_parent_dir(f.options.output_prefix);
  const auto tokenizer = SpProcessor::load(f.tokenizer);
  MultiFileSource source(f.inputs, f.reader.resolve());
  const PackReport report = pack_corpus(*tokenizer, source, f.options, make_job("pack", f.global));
  emit(f.global, report.to_json(), describe(report));
}
}  // namespace

void add_pack_command(CLI::App* app) {
  auto f = std::make_shared<PackFlags>();
  auto* cmd = app->add_subcommand(
      "pack",
      "Encode corpora into Megatron indexed-dataset shards with a manifest (docs/shards.md)");
  cmd->add_option("--tokenizer", f->tokenizer, "The final SentencePiece model")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--input", f->inputs, "Corpus files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", f->options.output_prefix,
                  "Output prefix: PREFIX.bin/.idx, PREFIX_heldout.bin/.idx, PREFIX.manifest.json")
      ->required();
  cmd->add_option("--heldout", f->options.heldout_fraction,
                  "Share of documents held out, in [0, 1)")
      ->capture_default_str();
  cmd->add_option("--seed", f->options.seed, "Seed of the held-out choice")->capture_default_str();
  cmd->add_flag("--bos", f->options.prepend_bos, "Put BOS before each document");
  cmd->add_flag("--no-eos", f->no_eos, "Do not append EOS after each document");
  cmd->add_option("--min-tokens", f->options.min_tokens, "Drop documents with fewer tokens")
      ->capture_default_str();
  cmd->add_option("--threads", f->options.threads, "Encoder threads (0 = all cores)")
      ->capture_default_str();
  add_reader_flags(cmd, &f->reader);
  add_global_flags(cmd, &f->global);
  cmd->callback([f] { run_pack(*f); });
}

}  // namespace glossa::cli

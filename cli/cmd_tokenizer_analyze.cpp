// glossa-cli tokenizer analyze --tokenizer A.model [--tokenizer B.model ...] --input FILE...
//   [--max-documents N] [--threads N] [--json]
#include <memory>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/sp_processor.h"
#include "tokenizer/tokenizer_analysis.h"

namespace glossa::cli {

namespace {
struct AnalyzeFlags {
  GlobalFlags global;
  ReaderFlags reader;
  std::vector<std::string> tokenizers, inputs, names;
  AnalysisOptions options;
};

void run_analyze(const AnalyzeFlags& f) {
  if (!f.names.empty() && f.names.size() != f.tokenizers.size())
    fail("--name",
         "give one name per --tokenizer (" + std::to_string(f.tokenizers.size()) + "), or none");
  std::vector<std::shared_ptr<const SpProcessor>> processors;
  for (const std::string& path : f.tokenizers) processors.push_back(SpProcessor::load(path));
  MultiFileSource source(f.inputs, f.reader.resolve());
  const TokenizerAnalysis analysis = analyze_tokenizers(
      processors, source, f.options, make_job("tokenizer analyze", f.global), f.names);
  emit(f.global, analysis.to_json(), analysis.table());
}
}  // namespace

void add_tokenizer_analyze_command(CLI::App* tokenizer) {
  auto f = std::make_shared<AnalyzeFlags>();
  auto* cmd = tokenizer->add_subcommand(
      "analyze",
      "Fertility, continued words, bytes per token, byte-fallback and unknown shares and "
      "length ratio of tokenizers side by side (docs/tokenizer-analysis.md)");
  cmd->add_option("--tokenizer", f->tokenizers,
                  "SentencePiece model; repeat to compare (the first is the reference)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--name", f->names, "Column label per --tokenizer");
  cmd->add_option("--input", f->inputs, "Text sample files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--max-documents", f->options.max_documents,
                  "Stop after this many documents (0 = all)")
      ->capture_default_str();
  cmd->add_option("--threads", f->options.threads, "Worker threads (0 = all cores)")
      ->capture_default_str();
  add_reader_flags(cmd, &f->reader);
  add_global_flags(cmd, &f->global);
  cmd->callback([f] { run_analyze(*f); });
}

}  // namespace glossa::cli

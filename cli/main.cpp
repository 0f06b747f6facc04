// glossa-cli: every engine job as a subcommand, with --help, progress on stderr and a --json
// result on stdout (issue 7, section 7). Exit status: 0 done, 1 failed (the message says why),
// 2 bad usage, 130 cancelled (Ctrl-C).
#include <iostream>

#include "cli/cli_commands.h"
#include "tokenizer/error.h"

int main(int argc, char** argv) {
  CLI::App app{"glossa-cli: Glossa's corpus, tokenizer and vocabulary jobs from the command line"};
  app.require_subcommand(1);
  using namespace glossa::cli;
  auto* corpus = app.add_subcommand("corpus", "Inspect and clean corpora");
  corpus->require_subcommand(1);
  add_corpus_stats_command(corpus);
  add_corpus_clean_command(corpus);
  auto* tokenizer = app.add_subcommand("tokenizer", "Train and analyse SentencePiece tokenizers");
  tokenizer->require_subcommand(1);
  add_tokenizer_train_command(tokenizer);
  add_tokenizer_analyze_command(tokenizer);
  auto* vocab = app.add_subcommand("vocab", "Count tokens, expand (EEVE) and merge vocabularies");
  vocab->require_subcommand(1);
  add_vocab_count_command(vocab);
  add_vocab_expand_command(vocab);
  add_vocab_merge_command(vocab);
  add_pack_command(&app);
  auto* bench = app.add_subcommand("bench", "Prepare multiple-choice benchmarks for scoring");
  bench->require_subcommand(1);
  add_bench_prepare_command(bench);
#ifdef GLOSSA_CLI_TRAINING
  add_eval_command(&app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);  // prints the help or the usage error
    return status == 0 ? 0 : 2;
  } catch (const glossa::CancelledError&) {
    std::cerr << "glossa-cli: cancelled; no partial output was left behind\n";
    return 130;
  } catch (const glossa::Error& e) {
    std::cerr << "glossa-cli: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "glossa-cli: unexpected error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// The subcommands of glossa-cli, one file each (cmd_*.cpp); main.cpp groups them.
#pragma once

#include <CLI/CLI.hpp>

namespace glossa::cli {

void add_corpus_stats_command(CLI::App* corpus);
void add_corpus_clean_command(CLI::App* corpus);
void add_tokenizer_train_command(CLI::App* tokenizer);
void add_tokenizer_analyze_command(CLI::App* tokenizer);
void add_vocab_count_command(CLI::App* vocab);
void add_vocab_expand_command(CLI::App* vocab);
void add_vocab_merge_command(CLI::App* vocab);
void add_pack_command(CLI::App* app);
void add_bench_prepare_command(CLI::App* bench);
void add_eval_command(CLI::App* app);  // only with GLOSSA_BUILD_TRAINING (GLOSSA_CLI_TRAINING)

}  // namespace glossa::cli

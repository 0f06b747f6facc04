// What every glossa-cli subcommand shares: progress on stderr, the --json result on stdout,
// Ctrl-C as cancellation, and the corpus reader flags.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/corpus_reader.h"
#include "tokenizer/error.h"
#include "tokenizer/job_control.h"

namespace glossa::cli {

// Flags common to all subcommands, filled by CLI11.
struct GlobalFlags {
  bool json = false;   // print the result as one JSON document on stdout
  bool quiet = false;  // no progress on stderr
};

// A JobControl that prints "[task] 42.0% message" lines on stderr (unless quiet) and is
// cancelled by SIGINT / SIGTERM, so Ctrl-C stops a job cleanly without partial outputs.
JobControl make_job(const std::string& task, const GlobalFlags& flags);

// Prints the result: JSON on stdout with --json, else `human` (already formatted text).
void emit(const GlobalFlags& flags, const nlohmann::json& result, const std::string& human);

// Registers --format/--field/--column/--column-index/--no-header/--max-doc-bytes on `command`.
struct ReaderFlags {
  std::string format = "auto";
  CorpusReaderOptions options;
  bool no_header = false;
  // Resolves the flags into reader options (throws Error on a bad --format).
  CorpusReaderOptions resolve() const;
};
void add_reader_flags(CLI::App* command, ReaderFlags* flags);

// Creates the folder that will hold `output_path` (a file or a PREFIX) when it is missing.
void make_parent_dir(const std::string& output_path);

// Adds --json and --quiet to a subcommand.
void add_global_flags(CLI::App* command, GlobalFlags* flags);

}  // namespace glossa::cli

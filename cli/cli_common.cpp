#include "cli/cli_common.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace glossa::cli {

namespace {
JobControl* g_running_job = nullptr;  // the job SIGINT cancels

extern "C" void on_interrupt(int) {
  if (g_running_job) g_running_job->cancel();  // an atomic store: async-signal-safe
}
}  // namespace

JobControl make_job(const std::string& task, const GlobalFlags& flags) {
  JobControl::ProgressFn print;
  if (!flags.quiet) {
    print = [task](double fraction, const std::string& message) {
      if (fraction >= 0) {
        std::fprintf(stderr, "[%s] %5.1f%% %s\n", task.c_str(), 100.0 * fraction, message.c_str());
      } else {
        std::fprintf(stderr, "[%s] %s\n", task.c_str(), message.c_str());
      }
    };
  }
  static JobControl job;
  job = JobControl(print);
  g_running_job = &job;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  return job;  // copies share the cancellation flag
}

void emit(const GlobalFlags& flags, const nlohmann::json& result, const std::string& human) {
  if (flags.json) {
    std::cout << result.dump(2) << std::endl;
  } else {
    std::cout << human;
    if (!human.empty() && human.back() != '\n') std::cout << '\n';
  }
}

CorpusReaderOptions ReaderFlags::resolve() const {
  CorpusReaderOptions resolved = options;
  resolved.format = parse_corpus_format(format);
  resolved.header = !no_header;
  return resolved;
}

void add_reader_flags(CLI::App* command, ReaderFlags* flags) {
  command
      ->add_option("--format", flags->format,
                   "Input format: auto (by extension), txt, paragraphs, jsonl, tsv, csv")
      ->capture_default_str();
  command->add_option("--field", flags->options.field, "JSONL: key of the text field")
      ->capture_default_str();
  command->add_option("--column", flags->options.column, "TSV/CSV: column name (header row)");
  command
      ->add_option("--column-index", flags->options.column_index,
                   "TSV/CSV: 0-based column when no name is given (-1 = last)")
      ->capture_default_str();
  command->add_flag("--no-header", flags->no_header, "TSV/CSV: the first row is data");
  command
      ->add_option("--max-doc-bytes", flags->options.max_document_bytes,
                   "Split documents longer than this many bytes")
      ->capture_default_str();
}

void make_parent_dir(const std::string& output_path) {
  const std::filesystem::path parent = std::filesystem::path(output_path).parent_path();
  if (parent.empty()) return;
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (error)
    fail(output_path, "cannot create the folder " + parent.string() + ": " + error.message());
}

void add_global_flags(CLI::App* command, GlobalFlags* flags) {
  command->add_flag("--json", flags->json, "Print the result as JSON on stdout");
  command->add_flag("-q,--quiet", flags->quiet, "No progress on stderr");
}

}  // namespace glossa::cli

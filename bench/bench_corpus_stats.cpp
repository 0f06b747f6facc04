// Throughput of a corpus statistics scan (read + signals + accumulate) on one file.
//   glossa-bench-corpus-stats FILE [--threads N] [--format auto|text|jsonl|tsv|csv|paragraphs]
//                             [--column NAME] [--field NAME] [--target hangul] [--json]
// Prints the effective configuration, then MB/s (of the file on disk and of document text) and
// documents/s; --json also prints the statistics. See docs/corpus-statistics.md.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/corpus_scanner.h"
#include "base/error.h"
#include "base/file_util.h"

namespace {

struct Config {
  std::string file;
  int threads = 1;  // worker threads (the reader is one more)
  glossa::CorpusReaderOptions reader;
  glossa::ScriptClass target = glossa::ScriptClass::kHangul;
  bool json = false;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: glossa-bench-corpus-stats FILE [--threads N] [--format F] "
               "[--column NAME] [--field NAME] [--target SCRIPT] [--json]\n",
               why);
  std::exit(2);
}

Config parse(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + arg).c_str());
      return argv[++i];
    };
    if (arg == "--threads")
      c.threads = std::stoi(value());
    else if (arg == "--format")
      c.reader.format = glossa::parse_corpus_format(value());
    else if (arg == "--column")
      c.reader.column = value();
    else if (arg == "--field")
      c.reader.field = value();
    else if (arg == "--target")
      c.target = glossa::parse_script_class(value());
    else if (arg == "--json")
      c.json = true;
    else if (!arg.empty() && arg[0] == '-')
      usage(("unknown option " + arg).c_str());
    else if (c.file.empty())
      c.file = arg;
    else
      usage("more than one FILE");
  }
  if (c.file.empty()) usage("no FILE given");
  return c;
}

}  // namespace

int main(int argc, char** argv) try {
  const Config c = parse(argc, argv);
  glossa::CorpusReader reader(c.file, c.reader);
  std::printf("| parameter | value |\n|---|---|\n| file | %s |\n| size | %.1f MB |\n",
              c.file.c_str(), double(glossa::file_size(c.file)) / 1e6);
  std::printf("| format | %s |\n| threads | %d workers + 1 reader |\n| target | %s |\n",
              glossa::corpus_format_name(reader.format()), c.threads,
              glossa::script_class_name(c.target));
  const auto start = std::chrono::steady_clock::now();
  const glossa::CorpusStats stats = glossa::scan_corpus(reader, c.target, c.threads, {});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double input_mb = double(reader.stats().input_bytes) / 1e6;
  std::printf("documents %llu, text %.1f MB, chars %llu, duplicates %.4f\n",
              (unsigned long long)stats.documents, double(stats.bytes) / 1e6,
              (unsigned long long)stats.chars, stats.duplicate_ratio());
  std::printf("seconds %.3f | input %.1f MB/s | text %.1f MB/s | %.0f documents/s\n", seconds,
              input_mb / seconds, double(stats.bytes) / 1e6 / seconds,
              double(stats.documents) / seconds);
  if (c.json) std::printf("%s\n", stats.to_json().dump(2).c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}

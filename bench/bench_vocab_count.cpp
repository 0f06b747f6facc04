// Times exact token counting (tokenizer/vocab/vocab_counter.h) on a text file, one document per line.
//   glossa-bench-vocab-count MODEL TEXT [--threads 1,2] [--repeat 3] [--whole]
//                            [--counts-out FILE]
//   glossa-bench-vocab-count --extend BASE ADD OUT_DIR
// The second form writes the extended tokenizer the benchmark uses: BASE + the pieces of ADD that
// BASE lacks (model_merge.h, score 0) as an HF tokenizer folder (hf_tokenizer_files.h).
// Prints one row per thread count: best wall time of the repeats, MB/s of text, CPU seconds,
// MB per CPU-second, memo hit rate. --whole encodes whole documents (no memo: the reference
// path, about the speed of spm_encode). --counts-out writes "id<TAB>count" of the last run
// (every id, zeros included) for comparison with other tools (bench/vocab_count.sh).
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "tokenizer/spm/hf_tokenizer_files.h"
#include "tokenizer/spm/model_merge.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/vocab/vocab_counter.h"

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto secs = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoi(item));
  return out;
}

int usage() {
  std::cerr << "usage: glossa-bench-vocab-count MODEL TEXT [--threads 1,2] [--repeat 3] "
               "[--whole] [--counts-out FILE]\n"
               "       glossa-bench-vocab-count --extend BASE ADD OUT_DIR\n";
  return 2;
}

int extend(const std::string& base_path, const std::string& add_path, const std::string& dir) {
  try {
    glossa::MergeReport report;
    const glossa::SpModel merged = glossa::merge_models(
        glossa::SpModel::load(base_path), glossa::SpModel::load(add_path), {}, &report);
    glossa::write_hf_tokenizer_folder(merged, dir, glossa::HfTokenizerOptions());
    std::cout << report.to_json().dump() << "\n";
  } catch (const glossa::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--extend") return extend(argv[2], argv[3], argv[4]);
  if (argc < 3) return usage();
  const std::string model_path = argv[1], text_path = argv[2];
  std::vector<int> thread_counts = {1, 2};
  int repeat = 3;
  bool whole = false;
  std::string counts_out;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) {
      thread_counts = parse_list(argv[++i]);
    } else if (arg == "--repeat" && has_value) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--whole") {
      whole = true;
    } else if (arg == "--counts-out" && has_value) {
      counts_out = argv[++i];
    } else {
      return usage();
    }
  }
  try {
    const auto processor = glossa::SpProcessor::load(model_path);
    const glossa::MemoPlan plan = glossa::memo_plan(processor->model());
    std::printf("| model | %s (%d pieces) |\n| text | %s |\n| memo | %s |\n", model_path.c_str(),
                processor->vocab_size(), text_path.c_str(),
                whole        ? "off (--whole)"
                : plan.exact ? "exact"
                             : plan.reason.c_str());
    std::printf("| threads | best s | MB/s | CPU s | MB/CPU-s | tokens | memo hits |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    glossa::CountResult last;
    for (const int threads : thread_counts) {
      double best = 1e30, best_cpu = 0;
      for (int r = 0; r < repeat; ++r) {
        glossa::CorpusReaderOptions reader_options;
        reader_options.format = glossa::CorpusFormat::kText;
        glossa::CorpusReader reader(text_path, reader_options);
        glossa::CountOptions options;
        options.threads = threads;
        options.memoize = !whole;
        const double cpu0 = cpu_seconds();
        last = glossa::count_corpus(*processor, reader, options, glossa::JobControl());
        const double cpu = cpu_seconds() - cpu0;
        if (last.seconds < best) {
          best = last.seconds;
          best_cpu = cpu;
        }
      }
      const double mb = double(last.text_bytes) / 1e6;
      std::printf("| %d | %.3f | %.2f | %.3f | %.2f | %llu | %.1f%% |\n", threads, best, mb / best,
                  best_cpu, mb / best_cpu, (unsigned long long)last.tokens,
                  last.segments ? 100.0 * double(last.memo_hits) / double(last.segments) : 0.0);
    }
    if (!counts_out.empty()) {
      std::ofstream out(counts_out);
      for (size_t id = 0; id < last.token_counts.size(); ++id)
        out << id << '\t' << last.token_counts[id] << '\n';
      if (!out) glossa::fail(counts_out, "cannot write the counts");
    }
  } catch (const glossa::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

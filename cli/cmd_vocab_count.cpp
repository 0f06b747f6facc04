// glossa-cli vocab count --tokenizer T.model --input FILE... [--threads N] [--script hangul]
//   [--tsv OUT.tsv] [--top K] [--json]
// Counts of every piece id when the corpus is encoded with the tokenizer (exact: equal to
// encoding every document with SentencePiece; docs/vocabulary-expansion.md).
#include <algorithm>
#include <fstream>
#include <memory>
#include <numeric>
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/file_util.h"
#include "tokenizer/sp_processor.h"
#include "tokenizer/vocab_counter.h"

namespace glossa::cli {

namespace {
struct CountFlags {
  GlobalFlags global;
  ReaderFlags reader;
  std::string tokenizer, script, tsv;
  std::vector<std::string> inputs;
  int threads = 1;
  int top = 20;
  bool no_memo = false;
};

// id<TAB>piece<TAB>count, one line per piece id, header first.
std::string counts_tsv(const SpModel& model, const std::vector<uint64_t>& counts) {
  std::string text = "id\tpiece\tcount\n";
  for (int id = 0; id < model.size(); ++id)
    text += std::to_string(id) + "\t" + model.piece(id).piece + "\t" + std::to_string(counts[id]) +
            "\n";
  return text;
}

std::string describe(const SpModel& model, const CountResult& r, int top) {
  std::vector<int> order(r.token_counts.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t shown = std::min<size_t>(order.size(), std::max(top, 0));
  std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                    [&](int a, int b) { return r.token_counts[a] > r.token_counts[b]; });
  std::ostringstream out;
  out << r.tokens << " tokens in " << r.documents << " documents (" << r.text_bytes << " bytes, "
      << r.seconds << " s" << (r.memoized ? "" : ", without memoisation: " + r.memo_reason)
      << ")\n";
  for (size_t i = 0; i < shown; ++i)
    out << "  " << order[i] << "\t" << model.piece(order[i]).piece << "\t"
        << r.token_counts[order[i]] << "\n";
  return out.str();
}

void run_count(const CountFlags& f) {
  const auto processor = SpProcessor::load(f.tokenizer);
  CountOptions options;
  options.threads = f.threads;
  options.memoize = !f.no_memo;
  if (!f.script.empty()) options.char_ranges = script_ranges(f.script);
  MultiFileSource source(f.inputs, f.reader.resolve());
  const CountResult r =
      count_corpus(*processor, source, options, make_job("vocab count", f.global));
  if (!f.tsv.empty()) write_file_atomically(f.tsv, counts_tsv(processor->model(), r.token_counts));
  nlohmann::json chars = nlohmann::json::array();
  for (const auto& [c, n] : r.char_counts) chars.push_back({static_cast<uint32_t>(c), n});
  const nlohmann::json result = {{"tokenizer", f.tokenizer},
                                 {"fingerprint", processor->model().fingerprint()},
                                 {"vocab_size", processor->vocab_size()},
                                 {"documents", r.documents},
                                 {"text_bytes", r.text_bytes},
                                 {"tokens", r.tokens},
                                 {"memoized", r.memoized},
                                 {"seconds", r.seconds},
                                 {"counts", r.token_counts},
                                 {"char_counts", chars}};
  emit(f.global, result, describe(processor->model(), r, f.top));
}
}  // namespace

void add_vocab_count_command(CLI::App* vocab) {
  auto f = std::make_shared<CountFlags>();
  auto* cmd = vocab->add_subcommand(
      "count", "Exact counts of every piece id of a tokenizer over corpora (JSON: counts[id])");
  cmd->add_option("--tokenizer", f->tokenizer, "SentencePiece model")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--input", f->inputs, "Corpus files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--threads", f->threads, "Counting threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--script", f->script, "Also count the characters of this script: hangul, han, kana, latin, cyrillic, arabic");
  cmd->add_option("--tsv", f->tsv, "Write id<TAB>piece<TAB>count for every piece here");
  cmd->add_option("--top", f->top, "Most frequent pieces shown without --json")
      ->capture_default_str();
  cmd->add_flag("--no-memo", f->no_memo, "Encode whole documents (the slow reference path)");
  add_reader_flags(cmd, &f->reader);
  add_global_flags(cmd, &f->global);
  cmd->callback([f] { run_count(*f); });
}

}  // namespace glossa::cli

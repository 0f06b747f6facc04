// glossa-cli corpus clean FILE... --out OUT.jsonl [--normalization nfkc] [--min-chars N] ...
//   [--options CLEAN.json] [--json]
// Flags override the fields of --options (a CleanOptions JSON, docs/corpus-cleaning.md).
#include <memory>
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/corpus_cleaner.h"
#include "tokenizer/file_util.h"

namespace glossa::cli {

namespace {
struct CleanFlags {
  GlobalFlags global;
  ReaderFlags reader;
  std::vector<std::string> files;
  std::string out, options_file;
  std::string normalization, target_script, shingle_unit;
  std::optional<uint64_t> min_chars, max_chars;
  std::optional<double> min_script_share, max_dup_lines, max_ngram_rep, min_word_len, max_word_len;
  bool collapse_spaces = false, trim_lines = false, no_exact = false, no_near = false;
  std::optional<int> shingle_size, permutations, bands;
  std::optional<double> threshold;
  std::optional<size_t> examples;
};

CleanOptions resolve_options(const CleanFlags& f) {
  CleanOptions o;
  if (!f.options_file.empty()) {
    try {
      o = CleanOptions::from_json(nlohmann::json::parse(read_file(f.options_file)));
    } catch (const nlohmann::json::exception& e) {
      fail(f.options_file, std::string("not valid JSON: ") + e.what());
    }
  }
  if (!f.normalization.empty()) o.normalization = parse_normalization_form(f.normalization);
  if (!f.target_script.empty()) o.target_script = parse_script_class(f.target_script);
  if (f.collapse_spaces) o.collapse_spaces = true;
  if (f.trim_lines) o.trim_lines = true;
  if (f.min_chars) o.min_chars = f.min_chars;
  if (f.max_chars) o.max_chars = f.max_chars;
  if (f.min_script_share) o.min_target_script_share = f.min_script_share;
  if (f.max_dup_lines) o.max_duplicate_line_fraction = f.max_dup_lines;
  if (f.max_ngram_rep) o.max_top_ngram_repetition = f.max_ngram_rep;
  if (f.min_word_len) o.min_mean_word_length = f.min_word_len;
  if (f.max_word_len) o.max_mean_word_length = f.max_word_len;
  if (f.no_exact) o.exact_dedup = false;
  if (f.no_near) o.near_dedup = false;
  if (f.shingle_unit == "words") o.near.unit = ShingleUnit::kWords;
  if (f.shingle_unit == "chars") o.near.unit = ShingleUnit::kCharacters;
  if (f.shingle_size) o.near.shingle_size = *f.shingle_size;
  if (f.permutations) o.near.permutations = *f.permutations;
  if (f.bands) o.near.bands = *f.bands;
  if (f.threshold) o.near.threshold = *f.threshold;
  if (f.examples) o.examples_per_filter = *f.examples;
  o.validate();
  return o;
}

std::string describe(const CleanReport& r) {
  std::ostringstream out;
  out << "kept " << r.documents_kept << " of " << r.documents_in << " documents (" << r.bytes_kept
      << " of " << r.bytes_in << " bytes) -> " << r.output << "\n";
  for (const FilterCount& f : r.filters)
    out << "  " << f.name << ": removed " << f.documents << " documents, " << f.bytes << " bytes\n";
  out << "report: " << clean_report_path(r.output) << "\n";
  return out.str();
}

void run_clean(const CleanFlags& f) {
  const CleanOptions options = resolve_options(f);
  make_parent_dir(f.out);
  MultiFileSource source(f.files, f.reader.resolve());
  const CleanReport report =
      clean_corpus(source, f.out, options, make_job("corpus clean", f.global));
  emit(f.global, report.to_json(), describe(report));
}
}  // namespace

void add_corpus_clean_command(CLI::App* corpus) {
  auto f = std::make_shared<CleanFlags>();
  auto* cmd = corpus->add_subcommand(
      "clean",
      "Normalise, filter and deduplicate corpora into JSONL, with a report of what each "
      "filter removed (docs/corpus-cleaning.md)");
  cmd->add_option("files", f->files, "Corpus files (plain, .gz or .zst)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", f->out, "Cleaned JSONL to write (the report goes beside it)")
      ->required();
  add_reader_flags(cmd, &f->reader);
  cmd->add_option("--options", f->options_file, "CleanOptions JSON; the flags below override it")
      ->check(CLI::ExistingFile);
  cmd->add_option("--normalization", f->normalization, "nfkc (default), nfc, nfkd, nfd or none");
  cmd->add_flag("--collapse-spaces", f->collapse_spaces, "Runs of spaces/tabs become one space");
  cmd->add_flag("--trim-lines", f->trim_lines, "Strip spaces/tabs at line starts and ends");
  cmd->add_option("--target-script", f->target_script,
                  "hangul, han, kana, latin, cyrillic, arabic");
  cmd->add_option("--min-chars", f->min_chars, "Remove documents with fewer characters");
  cmd->add_option("--max-chars", f->max_chars, "Remove documents with more characters");
  cmd->add_option("--min-script-share", f->min_script_share,
                  "Remove documents whose letters are less than this share in --target-script");
  cmd->add_option("--max-dup-lines", f->max_dup_lines, "Remove above this duplicate-line fraction");
  cmd->add_option("--max-ngram-rep", f->max_ngram_rep, "Remove above this top n-gram repetition");
  cmd->add_option("--min-word-len", f->min_word_len, "Remove below this mean word length");
  cmd->add_option("--max-word-len", f->max_word_len, "Remove above this mean word length");
  cmd->add_flag("--no-exact-dedup", f->no_exact, "Keep exact duplicates");
  cmd->add_flag("--no-near-dedup", f->no_near, "Keep near duplicates");
  cmd->add_option("--shingle-unit", f->shingle_unit, "Near-dedup shingles of chars or words")
      ->check(CLI::IsMember({"chars", "words"}));
  cmd->add_option("--shingle-size", f->shingle_size, "Near-dedup: units per shingle (5)");
  cmd->add_option("--permutations", f->permutations, "Near-dedup: MinHash permutations (128)");
  cmd->add_option("--bands", f->bands, "Near-dedup: LSH bands (16)");
  cmd->add_option("--threshold", f->threshold, "Near-dedup: Jaccard threshold (0.8)");
  cmd->add_option("--examples", f->examples, "Removed examples kept per filter (5)");
  add_global_flags(cmd, &f->global);
  cmd->callback([f] { run_clean(*f); });
}

}  // namespace glossa::cli

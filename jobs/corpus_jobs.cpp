// corpus.stats and corpus.clean (docs/jobs.md; docs/corpus-statistics.md, corpus-cleaning.md).
#include <memory>

#include "base/error.h"
#include "base/file_util.h"
#include "base/sqlite_db.h"
#include "base/thread_limit.h"
#include "jobs/job_catalog.h"
#include "jobs/output_paths.h"
#include "jobs/reader_options.h"
#include "tokenizer/clean/corpus_cleaner.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/corpus_scanner.h"
#include "tokenizer/corpus/corpus_store.h"

namespace glossa::jobs {

namespace {

const std::vector<std::string> kScripts = {"hangul", "han",      "kana",
                                           "latin",  "cyrillic", "arabic"};

// Statistics report invalid UTF-8 (how much, where) rather than refuse it.
constexpr double kStatsMaxInvalidUtf8 = 1.0;

nlohmann::json run_stats(const JobOptions& o, const JobControl& job) {
  CorpusReaderOptions report_all;
  report_all.max_invalid_utf8_share = kStatsMaxInvalidUtf8;
  const CorpusReaderOptions reader = reader_options(o, report_all);
  const ScriptClass target = parse_script_class(o.text("script"));
  const int threads = int(o.integer("threads"));
  std::unique_ptr<SqliteDb> db;
  if (o.has("project")) db = std::make_unique<SqliteDb>(o.text("project"));
  const std::vector<std::string> files = o.list("files");
  nlohmann::json result = nlohmann::json::array();
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& file = files[i];
    const JobControl part = job.part(double(i) / files.size(), double(i + 1) / files.size(),
                                     "file " + std::to_string(i + 1) + " of " +
                                         std::to_string(files.size()) + ": " + file);
    CachedScan scan;
    if (db) {
      scan = scan_file_cached(*db, file, reader, target, threads, part);
    } else {
      CorpusReader source(file, reader);
      scan.stats = scan_corpus(source, target, threads, part);
    }
    nlohmann::json entry = scan.stats.to_json();
    entry["file"] = file;
    entry["from_cache"] = scan.from_cache;
    result.push_back(entry);
  }
  return result;
}

JobSpec stats_job() {
  JobSpec job;
  job.name = "corpus.stats";
  job.summary =
      "Statistics of corpus files: sizes, scripts, lengths, duplicates and quality signals";
  job.options = {
      option("files", OptionType::kStringList, "Corpus files (plain, .gz or .zst)")
          .required()
          .positional()
          .existing_file(),
      option("script", OptionType::kString, "Target script for the script-share signal")
          .default_to("hangul")
          .one_of(kScripts),
      option("threads", OptionType::kInt, "Worker threads")
          .default_to(2)
          .at_least(1)
          .at_most(kMaxThreads),
      option("project", OptionType::kString,
             "Project database (SQLite): statistics are stored there and an unchanged file is "
             "not rescanned")
          .env("GLOSSA_PROJECT"),
  };
  add_reader_options(&job.options, kStatsMaxInvalidUtf8);
  job.run = run_stats;
  return job;
}

// The clean options: the file given as `options` (a CleanOptions JSON), then the keys given.
CleanOptions clean_options(const JobOptions& o) {
  CleanOptions c;
  if (o.has("options"))
    c = CleanOptions::from_json(read_json_file(o.text("options")), o.text("options"));
  if (o.has("normalization")) c.normalization = parse_normalization_form(o.text("normalization"));
  if (o.has("target_script")) c.target_script = parse_script_class(o.text("target_script"));
  if (o.flag("collapse_spaces")) c.collapse_spaces = true;
  if (o.flag("trim_lines")) c.trim_lines = true;
  if (o.has("min_chars")) c.min_chars = uint64_t(o.integer("min_chars"));
  if (o.has("max_chars")) c.max_chars = uint64_t(o.integer("max_chars"));
  if (o.has("min_script_share")) c.min_target_script_share = o.number("min_script_share");
  if (o.has("max_dup_lines")) c.max_duplicate_line_fraction = o.number("max_dup_lines");
  if (o.has("max_ngram_rep")) c.max_top_ngram_repetition = o.number("max_ngram_rep");
  if (o.has("min_word_len")) c.min_mean_word_length = o.number("min_word_len");
  if (o.has("max_word_len")) c.max_mean_word_length = o.number("max_word_len");
  if (o.flag("no_exact_dedup")) c.exact_dedup = false;
  if (o.flag("no_near_dedup")) c.near_dedup = false;
  if (o.has("shingle_unit"))
    c.near.unit = o.text("shingle_unit") == "words" ? ShingleUnit::kWords : ShingleUnit::kCharacters;
  if (o.has("shingle_size")) c.near.shingle_size = int(o.integer("shingle_size"));
  if (o.has("permutations")) c.near.permutations = int(o.integer("permutations"));
  if (o.has("bands")) c.near.bands = int(o.integer("bands"));
  if (o.has("threshold")) c.near.threshold = o.number("threshold");
  if (o.has("examples")) c.examples_per_filter = size_t(o.integer("examples"));
  c.validate();
  return c;
}

nlohmann::json run_clean(const JobOptions& o, const JobControl& job) {
  const CleanOptions options = clean_options(o);
  const std::string out = o.text("out");
  refuse_overwriting_inputs({out, clean_report_path(out)}, o.list("files"));
    const auto source = open_text(o.list("files"), reader_options(o));
  nlohmann::json result = clean_corpus(*source, out, options, job).to_json();
  report_reading(source->stats(), job, &result);
  return result;
}

JobSpec clean_job() {
  JobSpec job;
  job.name = "corpus.clean";
  job.summary =
      "Normalise, filter and deduplicate corpora into JSONL, with a report of what each filter "
      "removed";
  const auto share = [](const char* key, const char* help) {
    return option(key, OptionType::kNumber, help).at_least(0).at_most(1);
  };
  job.options = {
      option("files", OptionType::kStringList, "Corpus files (plain, .gz or .zst)")
          .required()
          .positional()
          .existing_file(),
      option("out", OptionType::kString, "Cleaned JSONL to write (the report goes beside it)")
          .required(),
      option("options", OptionType::kString, "CleanOptions JSON; the keys below override it")
          .existing_file(),
      option("normalization", OptionType::kString, "nfkc (default), nfc, nfkd, nfd or none")
          .one_of({"nfkc", "nfc", "nfkd", "nfd", "none"}),
      option("collapse_spaces", OptionType::kBool, "Runs of spaces/tabs become one space"),
      option("trim_lines", OptionType::kBool, "Strip spaces/tabs at line starts and ends"),
      option("target_script", OptionType::kString, "Writing system of the corpus").one_of(kScripts),
      option("min_chars", OptionType::kInt, "Remove documents with fewer characters").at_least(0),
      option("max_chars", OptionType::kInt, "Remove documents with more characters").at_least(0),
      share("min_script_share",
            "Remove documents whose letters are less than this share in target_script"),
      share("max_dup_lines", "Remove above this duplicate-line fraction"),
      share("max_ngram_rep", "Remove above this top n-gram repetition"),
      option("min_word_len", OptionType::kNumber, "Remove below this mean word length").at_least(0),
      option("max_word_len", OptionType::kNumber, "Remove above this mean word length").at_least(0),
      option("no_exact_dedup", OptionType::kBool, "Keep exact duplicates"),
      option("no_near_dedup", OptionType::kBool, "Keep near duplicates"),
      option("shingle_unit", OptionType::kString, "Near-dedup shingles of chars or words")
          .one_of({"chars", "words"}),
      option("shingle_size", OptionType::kInt, "Near-dedup: units per shingle (5)").at_least(1),
      option("permutations", OptionType::kInt, "Near-dedup: MinHash permutations (128)")
          .at_least(1),
      option("bands", OptionType::kInt, "Near-dedup: LSH bands (16)").at_least(1),
      share("threshold", "Near-dedup: Jaccard threshold (0.8)"),
      option("examples", OptionType::kInt, "Removed examples kept per filter (5)").at_least(0),
  };
  add_reader_options(&job.options);
  job.run = run_clean;
  return job;
}

}  // namespace

std::vector<JobSpec> corpus_jobs() { return {stats_job(), clean_job()}; }

}  // namespace glossa::jobs

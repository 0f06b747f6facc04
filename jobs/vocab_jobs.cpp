// vocab.count, vocab.expand and vocab.merge (docs/jobs.md; docs/vocabulary-expansion.md).
#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"
#include "base/output_batch.h"
#include "base/thread_limit.h"
#include "jobs/job_catalog.h"
#include "jobs/reader_options.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/spm/fast_tokenizer_agreement.h"
#include "tokenizer/spm/hf_tokenizer_files.h"
#include "tokenizer/spm/llama2c_tokenizer.h"
#include "tokenizer/spm/model_merge.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/vocab/vocab_counter.h"
#include "tokenizer/vocab/vocab_expander.h"

namespace glossa::jobs {

namespace {

const std::vector<std::string> kScripts = {"hangul", "han",      "kana",
                                           "latin",  "cyrillic", "arabic"};
const std::vector<std::string> kScorePolicies = {"zero", "keep", "below-base"};

// id<TAB>piece<TAB>count, one line per piece id, header first.
std::string counts_tsv(const SpModel& model, const std::vector<uint64_t>& counts) {
  std::string text = "id\tpiece\tcount\n";
  for (int id = 0; id < model.size(); ++id)
    text += std::to_string(id) + "\t" + model.piece(id).piece + "\t" + std::to_string(counts[id]) +
            "\n";
  return text;
}

nlohmann::json run_count(const JobOptions& o, const JobControl& job) {
  const std::string tokenizer = o.text("tokenizer");
  const auto processor = SpProcessor::load(tokenizer);
  CountOptions options;
  options.threads = int(o.integer("threads"));
  options.memoize = !o.flag("no_memo");
  if (o.has("script")) options.char_ranges = script_ranges(o.text("script"));
  const auto source = open_text(o.list("input"), reader_options(o));
  const CountResult r = count_corpus(*processor, *source, options, job);
  if (o.has("tsv")) write_file_atomically(o.text("tsv"), counts_tsv(processor->model(), r.token_counts));
  nlohmann::json chars = nlohmann::json::array();
  for (const auto& [c, n] : r.char_counts) chars.push_back({static_cast<uint32_t>(c), n});
  nlohmann::json result = {{"tokenizer", tokenizer},
          {"fingerprint", processor->model().fingerprint()},
          {"vocab_size", processor->vocab_size()},
          {"documents", r.documents},
          {"text_bytes", r.text_bytes},
          {"tokens", r.tokens},
          {"memoized", r.memoized},
          {"seconds", r.seconds},
          {"counts", r.token_counts},
          {"char_counts", chars}};
  report_reading(source->stats(), job, &result);
  return result;
}

JobSpec count_job() {
  JobSpec job;
  job.name = "vocab.count";
  job.summary = "Exact counts of every piece id of a tokenizer over corpora (counts[id])";
  job.options = {
      option("tokenizer", OptionType::kString,
             "SentencePiece model (or a llama2.c tokenizer .bin)")
          .required()
          .existing_file(),
      option("input", OptionType::kStringList, "Corpus files").required().existing_file(),
      option("threads", OptionType::kInt, "Counting threads")
          .default_to(1)
          .at_least(1)
          .at_most(kMaxThreads),
      option("script", OptionType::kString, "Also count the characters of this script")
          .one_of(kScripts),
      option("tsv", OptionType::kString, "Write id<TAB>piece<TAB>count for every piece here"),
      option("no_memo", OptionType::kBool, "Encode whole documents (the slow reference path)"),
  };
  add_reader_options(&job.options);
  job.run = run_count;
  return job;
}

// The expansion options: the file given as `options` (an ExpansionOptions JSON, reader
// included), then the keys given.
ExpansionOptions expansion_options(const JobOptions& o) {
  ExpansionOptions e;
  if (o.has("options")) {
    e = ExpansionOptions::from_json(read_json_file(o.text("options")), o.text("options"));
    if (has_reader_options(o)) e.reader = reader_options(o, e.reader);
  } else {
    e.reader = reader_options(o);
  }
  if (o.has("base")) e.base_model = o.text("base");
  if (o.has("intermediate")) e.intermediate_model = o.text("intermediate");
  if (o.has("corpus")) e.corpus_files = o.list("corpus");
  if (o.has("min_freq")) e.min_freq = uint64_t(o.integer("min_freq"));
  if (o.has("script")) e.script = o.text("script");
  if (o.has("char_min_freq")) e.char_min_freq = uint64_t(o.integer("char_min_freq"));
  if (o.has("include")) e.force_include = o.list("include");
  if (o.has("exclude")) e.force_exclude = o.list("exclude");
  if (o.has("max_iterations")) e.max_iterations = int(o.integer("max_iterations"));
  if (o.has("threads")) e.threads = int(o.integer("threads"));
  if (o.has("score_policy")) e.score_policy = o.text("score_policy");
  if (o.flag("no_piece_chars")) e.piece_chars = false;
  if (e.base_model.empty()) fail("base", "the base tokenizer is required");
  if (e.intermediate_model.empty()) fail("intermediate", "the intermediate tokenizer is required");
  if (e.corpus_files.empty()) fail("corpus", "at least one corpus file is required");
  return e;
}

nlohmann::json run_expand(const JobOptions& o, const JobControl& job) {
  const std::string out = o.text("out");
  const ExpansionOptions options = expansion_options(o);
  require_text(options.corpus_files, options.reader);
  const ExpansionOutput r = run_vocab_expansion(options, out, o.text("project"), job);
  nlohmann::json result = r.report;
  result["out"] = out;
  result["database"] = r.database;
  result["session_id"] = r.session_id;
  return result;
}

JobSpec expand_job() {
  JobSpec job;
  job.name = "vocab.expand";
  job.summary =
      "EEVE vocabulary expansion: candidates from an intermediate tokenizer, counted, filtered "
      "to a fixed point, merged into the base";
  job.options = {
      option("base", OptionType::kString,
             "Base tokenizer, ids kept (SentencePiece .model or llama2.c .bin)")
          .existing_file(),
      option("intermediate", OptionType::kString, "Tokenizer trained on the new language")
          .existing_file(),
      option("corpus", OptionType::kStringList, "Corpus files counted at each iteration")
          .existing_file(),
      option("min_freq", OptionType::kInt, "Drop candidates counted fewer times (6000)")
          .at_least(0),
      option("script", OptionType::kString, "Only candidates with a character of this script")
          .one_of(kScripts),
      option("char_min_freq", OptionType::kInt,
             "Add single script characters seen at least this often (0 = off)")
          .at_least(0),
      option("include", OptionType::kStringList, "Piece kept whatever its count (repeatable)"),
      option("exclude", OptionType::kStringList, "Piece never added (repeatable)"),
      option("max_iterations", OptionType::kInt, "Counting passes at most (10)").at_least(1),
      option("threads", OptionType::kInt, "Counting threads (1)")
          .at_least(1)
          .at_most(kMaxThreads),
      option("score_policy", OptionType::kString,
             "Score of appended pieces (below-base; zero and keep tie scores, so transformers' "
             "fast tokenizer can split differently from SentencePiece)")
          .one_of(kScorePolicies),
      option("no_piece_chars", OptionType::kBool,
             "Do not append the characters of appended pieces that the base lacks (the fast "
             "tokenizer then cannot form those pieces)"),
      option("options", OptionType::kString, "ExpansionOptions JSON; the keys given override it")
          .existing_file(),
      option("project", OptionType::kString,
             "Project database for the decisions (default OUT/glossa-project.sqlite)")
          .env("GLOSSA_PROJECT"),
      option("out", OptionType::kString, "Output folder").required(),
  };
  add_reader_options(&job.options);
  job.run = run_expand;
  return job;
}

nlohmann::json run_merge(const JobOptions& o, const JobControl& job) {
  const SpModel base = load_sp_or_llama2c_tokenizer(o.text("base"));
  const SpModel add = load_sp_or_llama2c_tokenizer(o.text("add"));
  MergeOptions options;
  options.score_policy = parse_score_policy(o.text("score_policy"));
  MergeReport report;
  SpModel merged = merge_models(base, add, options, &report);
  if (o.flag("piece_chars")) {
    std::vector<Piece> chars;
    for (const std::string& c : missing_piece_chars(merged, base.size()))
      chars.push_back({c, 0.0f, PieceType::kNormal});
    report.piece_chars = append_pieces(merged, chars, options).appended;
    report.merged_size = merged.size();
  }
  const FastAgreementCheck agreement = check_fast_agreement(merged, base.size());
  if (!agreement.agrees())
    job.warn(agreement.describe() + " Use --score-policy below-base --piece-chars for a tokenizer "
                                    "on which they agree, or load it with use_fast=False.",
             "score_policy");
  job.check_cancelled();
  const std::string out = o.text("out");
  OutputBatch outputs;  // the model and the HF folder appear together or not at all
  outputs.make_dirs(std::filesystem::path(out).parent_path().string());
  outputs.write(out, merged.serialize());
  if (o.has("hf_dir")) add_hf_tokenizer_files(outputs, merged, o.text("hf_dir"), HfTokenizerOptions{});
  outputs.commit();
  nlohmann::json result = report.to_json();
  result["out"] = out;
  result["fingerprint"] = merged.fingerprint();
  result["fast_tokenizer_agrees"] = agreement.agrees();
  return result;
}

JobSpec merge_job() {
  JobSpec job;
  job.name = "vocab.merge";
  job.summary =
      "Append every piece of `add` that `base` lacks (Chinese-LLaMA merge); base ids, scores and "
      "types unchanged";
  job.options = {
      option("base", OptionType::kString, "Base tokenizer (SentencePiece .model or llama2.c .bin)")
          .required()
          .existing_file(),
      option("add", OptionType::kString, "Model whose new pieces are appended")
          .required()
          .existing_file(),
      option("out", OptionType::kString, "Merged .model to write").required(),
      option("score_policy", OptionType::kString,
             "Score of appended pieces: zero (Chinese-LLaMA), keep, below-base")
          .default_to("zero")
          .one_of(kScorePolicies),
      option("piece_chars", OptionType::kBool,
             "Also append the characters of appended pieces that the base lacks, so "
             "transformers' fast tokenizer can form every piece SentencePiece forms"),
      option("hf_dir", OptionType::kString,
             "Also write a Hugging Face tokenizer folder (tokenizer.model + configs) here"),
  };
  job.run = run_merge;
  return job;
}

}  // namespace

std::vector<JobSpec> vocab_jobs() { return {count_job(), expand_job(), merge_job()}; }

}  // namespace glossa::jobs

// tokenizer.train and tokenizer.analyze (docs/jobs.md; docs/tokenizer-files.md,
// tokenizer-analysis.md). Training forks SentencePiece, so it runs in glossa-worker.
#include <memory>

#include "base/error.h"
#include "base/file_util.h"
#include "base/thread_limit.h"
#include "jobs/job_catalog.h"
#include "jobs/output_paths.h"
#include "jobs/reader_options.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/spm/tokenizer_analysis.h"
#include "tokenizer/spm/tokenizer_trainer.h"

namespace glossa::jobs {

namespace {

TokenizerTrainerConfig trainer_config(const JobOptions& o) {
  TokenizerTrainerConfig c;
  c.vocab_size = int(o.integer("vocab_size"));
  c.model_type = o.text("model_type") == "unigram" ? SpModelType::kUnigram : SpModelType::kBpe;
  if (o.has("character_coverage")) c.character_coverage = o.number("character_coverage");
  c.byte_fallback = o.flag("byte_fallback");
  c.split_digits = o.flag("split_digits");
  c.user_defined_symbols = o.list("user_defined_symbols");
  if (o.has("input_sentence_size")) c.input_sentence_size = o.integer("input_sentence_size");
  if (o.has("max_sentence_length")) c.max_sentence_length = int(o.integer("max_sentence_length"));
  if (o.has("threads")) c.num_threads = int(o.integer("threads"));
  if (o.has("normalization")) c.normalization_rule_name = o.text("normalization");
  if (o.has("seed")) c.seed = o.integer("seed");
  c.validate();
  return c;
}

nlohmann::json run_train(const JobOptions& o, const JobControl& job) {
  const TokenizerTrainerConfig config = trainer_config(o);
  const std::string out = o.text("out");
  refuse_folder_prefix("tokenizer.train", out);
  refuse_overwriting_inputs({out + ".model", out + ".vocab"}, o.list("input"));
  make_parent_dirs(out);
  const auto source = open_text(o.list("input"), reader_options(o));
  const TokenizerTrainingResult r = train_tokenizer(*source, config, out, job);
  nlohmann::json result = {{"model", r.model_path},         {"vocab", r.vocab_path},
                           {"vocab_size", r.model.size()},  {"sentences", r.sentences},
                           {"fingerprint", r.model.fingerprint()}, {"config", config.to_json()}};
  report_reading(source->stats(), job, &result);
  return result;
}

JobSpec train_job() {
  const TokenizerTrainerConfig defaults;
  JobSpec job;
  job.name = "tokenizer.train";
  job.summary =
      "Train a SentencePiece tokenizer (BPE or unigram); each line of each document is one "
      "sentence";
  job.isolation = Isolation::kChildProcess;
  job.options = {
      option("input", OptionType::kStringList, "Corpus files").required().existing_file(),
      option("out", OptionType::kString, "Output prefix: writes PREFIX.model and PREFIX.vocab")
          .required(),
      option("vocab_size", OptionType::kInt, "Pieces in the model").required().at_least(4),
      option("model_type", OptionType::kString, "bpe or unigram")
          .default_to("bpe")
          .one_of({"bpe", "unigram"}),
      option("character_coverage", OptionType::kNumber,
             "Share of characters the alphabet covers (0.9995 CJK/Hangul, 1.0 small alphabets)")
          .default_to(defaults.character_coverage),
      option("byte_fallback", OptionType::kBool, "Uncovered characters become byte pieces"),
      option("split_digits", OptionType::kBool, "Every digit its own piece"),
      option("user_defined_symbols", OptionType::kStringList,
             "Pieces that are never split (comma separated)")
          .delimiter(','),
      option("input_sentence_size", OptionType::kInt,
             "Train on a random sample of this many sentences (0 = all)")
          .default_to(defaults.input_sentence_size)
          .at_least(0),
      option("max_sentence_length", OptionType::kInt, "Longer lines are skipped (bytes)")
          .default_to(defaults.max_sentence_length)
          .at_least(1),
      option("threads", OptionType::kInt, "Training threads (0 = all cores)")
          .default_to(defaults.num_threads)
          .at_least(0)
          .at_most(kMaxThreads),
      option("normalization", OptionType::kString,
             "nmt_nfkc, nfkc, nmt_nfkc_cf, nfkc_cf or identity")
          .default_to(defaults.normalization_rule_name)
          .one_of({"nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf", "identity"}),
      option("seed", OptionType::kInt, "Sampling seed (-1: random)")
          .default_to(defaults.seed)
          .at_least(-1),
  };
  add_reader_options(&job.options);
  job.run = run_train;
  return job;
}

nlohmann::json run_analyze(const JobOptions& o, const JobControl& job) {
  const std::vector<std::string> paths = o.list("tokenizer");
  const std::vector<std::string> names = o.list("name");
  if (!names.empty() && names.size() != paths.size())
    fail("name", "give one name per tokenizer (" + std::to_string(paths.size()) + "), or none");
  std::vector<std::shared_ptr<const SpProcessor>> processors;
  for (const std::string& path : paths) processors.push_back(SpProcessor::load(path));
  AnalysisOptions options;
  options.max_documents = uint64_t(o.integer("max_documents"));
  options.threads = int(o.integer("threads"));
  const auto source = open_text(o.list("input"), reader_options(o));
  nlohmann::json result = analyze_tokenizers(processors, *source, options, job, names).to_json();
  report_reading(source->stats(), job, &result);
  return result;
}

JobSpec analyze_job() {
  JobSpec job;
  job.name = "tokenizer.analyze";
  job.summary =
      "Fertility, continued words, bytes per token, byte-fallback and unknown shares and length "
      "ratio of tokenizers side by side";
  job.options = {
      option("tokenizer", OptionType::kStringList,
             "SentencePiece model; repeat to compare (the first is the reference)")
          .required()
          .existing_file(),
      option("name", OptionType::kStringList,
             "Column label per tokenizer (default: the shortest distinct end of each path)"),
      option("input", OptionType::kStringList, "Text sample files").required().existing_file(),
      option("max_documents", OptionType::kInt, "Stop after this many documents (0 = all)")
          .default_to(0)
          .at_least(0),
      option("threads", OptionType::kInt, "Worker threads (0 = all cores)")
          .default_to(0)
          .at_least(0)
          .at_most(kMaxThreads),
  };
  add_reader_options(&job.options);
  job.run = run_analyze;
  return job;
}

}  // namespace

std::vector<JobSpec> tokenizer_jobs() { return {train_job(), analyze_job()}; }

}  // namespace glossa::jobs

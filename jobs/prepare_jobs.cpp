// pack and bench.prepare (docs/jobs.md; docs/shards.md, benchmarks-tasks.md): the two jobs that
// turn text into the token ids the training engine reads.
#include <filesystem>

#include "base/file_util.h"
#include "base/output_batch.h"
#include "base/thread_limit.h"
#include "jobs/job_catalog.h"
#include "jobs/output_paths.h"
#include "jobs/reader_options.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/prepare/benchmark_requests.h"
#include "tokenizer/prepare/benchmark_task.h"
#include "tokenizer/prepare/shard_packer.h"
#include "tokenizer/spm/sp_processor.h"

namespace glossa::jobs {

namespace {

nlohmann::json run_pack(const JobOptions& o, const JobControl& job) {
  PackOptions options;
  options.output_prefix = o.text("out");
  options.heldout_fraction = o.number("heldout");
  options.seed = uint64_t(o.integer("seed"));
  options.prepend_bos = o.flag("bos");
  options.append_eos = !o.flag("no_eos");
  options.min_tokens = int(o.integer("min_tokens"));
  options.threads = int(o.integer("threads"));
  const std::string& p = options.output_prefix;
  refuse_folder_prefix("pack", p);
  refuse_overwriting_inputs({p + ".bin", p + ".idx", p + "_heldout.bin", p + "_heldout.idx",
                             p + ".manifest.json"},
                            o.list("input"));
  make_parent_dirs(options.output_prefix);
  const auto tokenizer = SpProcessor::load(o.text("tokenizer"));
  const auto source = open_text(o.list("input"), reader_options(o));
  nlohmann::json result = pack_corpus(*tokenizer, *source, options, job).to_json();
  report_reading(source->stats(), job, &result);
  return result;
}

JobSpec pack_job() {
  const PackOptions defaults;
  JobSpec job;
  job.name = "pack";
  job.summary = "Encode corpora into Megatron indexed-dataset shards with a manifest";
  job.options = {
      option("tokenizer", OptionType::kString, "The final SentencePiece model")
          .required()
          .existing_file(),
      option("input", OptionType::kStringList, "Corpus files").required().existing_file(),
      option("out", OptionType::kString,
             "Output prefix: PREFIX.bin/.idx, PREFIX_heldout.bin/.idx, PREFIX.manifest.json")
          .required(),
      option("heldout", OptionType::kNumber, "Share of documents held out, in [0, 1)")
          .default_to(defaults.heldout_fraction)
          .at_least(0)
          .at_most(0.999999),
      option("seed", OptionType::kInt, "Seed of the held-out choice")
          .default_to(defaults.seed)
          .at_least(0),
      option("bos", OptionType::kBool, "Put BOS before each document"),
      option("no_eos", OptionType::kBool, "Do not append EOS after each document"),
      option("min_tokens", OptionType::kInt, "Drop documents with fewer tokens")
          .default_to(defaults.min_tokens)
          .at_least(0),
      option("threads", OptionType::kInt, "Encoder threads (0 = all cores)")
          .default_to(defaults.threads)
          .at_least(0)
          .at_most(kMaxThreads),
  };
  add_reader_options(&job.options);
  job.run = run_pack;
  return job;
}

nlohmann::json run_prepare(const JobOptions& o, const JobControl& job) {
  const BenchmarkTask task = BenchmarkTask::resolve(o.text("task"));
  const auto processor = SpProcessor::load(o.text("tokenizer"));
  PrepareOptions options;
  options.bos = task.bos && !o.flag("no_bos");
  options.limit = o.integer("limit", -1);
  const PreparedBenchmark prepared =
      prepare_benchmark(task, o.text("data"), *processor, options, job);
  const std::string out = o.text("out");
  OutputBatch outputs;  // the request file and its dump appear together or not at all
  outputs.make_dirs(std::filesystem::path(out).parent_path().string());
  outputs.write(out, request_file_text(prepared));
  if (o.has("dump_requests")) {
    const std::string dump = o.text("dump_requests");
    outputs.make_dirs(std::filesystem::path(dump).parent_path().string());
    outputs.write(dump, request_dump_text(prepared));
  }
  job.check_cancelled();
  outputs.commit();
  nlohmann::json result = prepared.header_json();
  result.erase("task_definition");
  result["out"] = out;
  return result;
}

JobSpec prepare_job() {
  JobSpec job;
  job.name = "bench.prepare";
  job.summary =
      "Tokenize a benchmark split into scoring requests (lm-evaluation-harness exact)";
  job.options = {
      option("task", OptionType::kString,
             "Built-in task name (kobest_boolq, ...) or a task JSON file")
          .required(),
      option("data", OptionType::kString, "The split file (e.g. kobest/BoolQ/dev.tsv)")
          .required()
          .existing_file(),
      option("tokenizer", OptionType::kString, "SentencePiece model").required().existing_file(),
      option("out", OptionType::kString, "Request file to write (JSONL)").required(),
      option("dump_requests", OptionType::kString,
             "Also write every (doc, choice) with its strings and ids here (JSONL)"),
      option("no_bos", OptionType::kBool, "No BOS before contexts (harness before v0.4.9.2)"),
      option("limit", OptionType::kInt, "Only the first N documents").at_least(0),
  };
  job.run = run_prepare;
  return job;
}

}  // namespace

std::vector<JobSpec> prepare_jobs() { return {pack_job(), prepare_job()}; }

}  // namespace glossa::jobs

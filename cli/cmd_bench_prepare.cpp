// glossa-cli bench prepare --task NAME|FILE.json --data FILE --tokenizer T.model --out REQ.jsonl
//   [--dump-requests FILE.jsonl] [--no-bos] [--limit N] [--json]
// Tokenizes one split of a multiple-choice benchmark into the request file the training engine
// scores (docs/benchmarks-tasks.md): context and continuation ids exactly as
// lm-evaluation-harness builds them.
#include <memory>
#include <sstream>

#include "cli/cli_commands.h"
#include "cli/cli_common.h"
#include "tokenizer/benchmark_requests.h"
#include "tokenizer/sp_processor.h"

namespace glossa::cli {

namespace {
struct PrepareFlags {
  GlobalFlags global;
  std::string task, data, tokenizer, out, dump;
  bool no_bos = false;
  int64_t limit = -1;
};

void run_prepare(const PrepareFlags& f) {
  const BenchmarkTask task = BenchmarkTask::resolve(f.task);
  const auto processor = SpProcessor::load(f.tokenizer);
  PrepareOptions options;
  options.bos = task.bos && !f.no_bos;
  options.limit = f.limit;
  const PreparedBenchmark prepared =
      prepare_benchmark(task, f.data, *processor, options, make_job("bench prepare", f.global));
  make_parent_dir(f.out);
  write_request_file(prepared, f.out);
  if (!f.dump.empty()) {
    make_parent_dir(f.dump);
    write_request_dump(prepared, f.dump);
  }
  nlohmann::json result = prepared.header_json();
  result.erase("task_definition");
  result["out"] = f.out;
  std::ostringstream human;
  human << task.name << ": " << prepared.docs.size() << " documents, " << prepared.request_count()
        << " requests (" << prepared.rows << " rows, " << prepared.dropped_lines.size()
        << " dropped for an empty field), BOS " << (prepared.bos ? "on" : "off") << ", metrics";
  for (const auto& m : task.metrics) human << " " << m;
  human << "\n  -> " << f.out << "\n";
  emit(f.global, result, human.str());
}
}  // namespace

void add_bench_prepare_command(CLI::App* bench) {
  auto f = std::make_shared<PrepareFlags>();
  auto* cmd = bench->add_subcommand(
      "prepare", "Tokenize a benchmark split into scoring requests (lm-evaluation-harness exact)");
  cmd->add_option("--task", f->task, "Built-in task name (kobest_boolq, ...) or a task JSON file")
      ->required();
  cmd->add_option("--data", f->data, "The split file (e.g. kobest/BoolQ/dev.tsv)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--tokenizer", f->tokenizer, "SentencePiece model")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", f->out, "Request file to write (JSONL)")->required();
  cmd->add_option("--dump-requests", f->dump,
                  "Also write every (doc, choice) with its strings and ids here (JSONL)");
  cmd->add_flag("--no-bos", f->no_bos, "No BOS before contexts (harness before v0.4.9.2)");
  cmd->add_option("--limit", f->limit, "Only the first N documents")->check(CLI::NonNegativeNumber);
  add_global_flags(cmd, &f->global);
  cmd->callback([f] { run_prepare(*f); });
}

}  // namespace glossa::cli

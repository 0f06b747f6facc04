#include "tokenizer/prepare/benchmark_requests.h"

#include <sstream>

#include "base/error.h"
#include "base/file_util.h"
#include "tokenizer/spm/sp_processor.h"

namespace glossa {

namespace {
// Identifies what the request file reproduces (docs/benchmarks-tasks.md).
constexpr const char* kHarness =
    "lm-evaluation-harness 0.4.13 (HFLM: _encode_pair; BOS by the tokenizer's default since "
    "0.4.9.2; empty context = [BOS] + enc(continuation))";
constexpr const char* kFormat = "glossa-benchmark-requests";
constexpr int kFormatVersion = 1;
}  // namespace

int64_t PreparedBenchmark::request_count() const {
  int64_t n = 0;
  for (const auto& d : docs) n += int64_t(d.requests.size());
  return n;
}

nlohmann::json PreparedBenchmark::header_json() const {
  return {{"format", kFormat},
          {"version", kFormatVersion},
          {"task", task.name},
          {"group", task.group},
          {"dataset", task.dataset},
          {"metrics", task.metrics},
          {"bos", bos},
          {"target_delimiter", task.target_delimiter},
          {"harness", kHarness},
          {"tokenizer_fingerprint", tokenizer_fingerprint},
          {"vocab_size", vocab_size},
          {"bos_id", bos_id},
          {"eos_id", eos_id},
          {"prefix_id", prefix_id},
          {"data_file", data_file},
          {"rows", rows},
          {"dropped_empty_rows", dropped_lines.size()},
          {"dropped_lines", dropped_lines},
          {"documents", docs.size()},
          {"requests", request_count()},
          {"task_definition", task.to_json()}};
}

void encode_request(const SpProcessor& tokenizer, bool bos, int prefix_id, BenchmarkRequest* r) {
  r->context_ids.clear();
  r->continuation_ids.clear();
  if (r->context.empty()) {  // HFLM.loglikelihood: BOS (or EOS) stands as the context
    r->context_ids.push_back(prefix_id);
    tokenizer.encode(r->continuation, &r->continuation_ids);
    return;
  }
  // _encode_pair: trailing whitespace of the context moves onto the continuation.
  const size_t kept = python_rstrip(r->context).size();
  r->continuation = r->context.substr(kept) + r->continuation;
  r->context.resize(kept);
  std::vector<int> whole;
  tokenizer.encode(r->context + r->continuation, &whole);
  tokenizer.encode(r->context, &r->context_ids);
  if (bos) {
    whole.insert(whole.begin(), prefix_id);
    r->context_ids.insert(r->context_ids.begin(), prefix_id);
  }
  // The continuation is the tail of the whole after as many tokens as the context has, even
  // where the two tokenisations differ at the boundary (as the harness does).
  if (r->context_ids.size() < whole.size())
    r->continuation_ids.assign(whole.begin() + std::ptrdiff_t(r->context_ids.size()), whole.end());
}

PreparedBenchmark prepare_benchmark(const BenchmarkTask& task, const std::string& data_file,
                                    const SpProcessor& tokenizer, const PrepareOptions& options,
                                    const JobControl& job) {
  PreparedBenchmark out;
  out.task = task;
  out.data_file = data_file;
  out.tokenizer_fingerprint = tokenizer.model().fingerprint();
  out.vocab_size = tokenizer.vocab_size();
  const SpSettings settings = tokenizer.model().settings();
  out.bos_id = settings.bos_id;
  out.eos_id = settings.eos_id;
  out.prefix_id = settings.bos_id >= 0 ? settings.bos_id : settings.eos_id;
  out.bos = options.bos;
  if (out.bos && settings.bos_id < 0)
    fail(tokenizer.origin(), "the tokenizer has no BOS piece; prepare with --no-bos");
  if (out.prefix_id < 0)
    fail(tokenizer.origin(), "the tokenizer has neither BOS nor EOS to stand as empty context");

  BenchmarkSplit split = load_benchmark_split(task, data_file);
  out.rows = split.rows;
  out.dropped_lines = std::move(split.dropped_lines);
  size_t n = split.docs.size();
  if (options.limit >= 0 && size_t(options.limit) < n) n = size_t(options.limit);
  for (size_t i = 0; i < n; ++i) {
    job.check_cancelled();
    const BenchmarkInstance instance = build_instance(task, split.docs[i], data_file);
    PreparedDocument doc;
    doc.doc = int64_t(i);
    doc.line = split.docs[i].line;
    doc.gold = instance.gold;
    for (const auto& choice : instance.choices) {
      doc.choice_chars.push_back(python_len(choice));
      BenchmarkRequest r;
      r.context = instance.context;
      r.continuation = task.target_delimiter + choice;
      encode_request(tokenizer, out.bos, out.prefix_id, &r);
      if (r.continuation_ids.empty())
        fail(data_file + ", line " + std::to_string(doc.line),
             "choice " + std::to_string(doc.requests.size()) +
                 " has no continuation tokens after the context's (nothing to score)");
      doc.requests.push_back(std::move(r));
    }
    out.docs.push_back(std::move(doc));
    job.report(double(i + 1) / double(n), "prepared " + std::to_string(i + 1) + " documents");
  }
  return out;
}

std::string request_file_text(const PreparedBenchmark& prepared) {
  std::ostringstream out;
  out << prepared.header_json().dump() << "\n";
  for (const auto& d : prepared.docs) {
    nlohmann::json requests = nlohmann::json::array();
    for (const auto& r : d.requests)
      requests.push_back({{"context", r.context_ids}, {"continuation", r.continuation_ids}});
    out << nlohmann::json{{"doc", d.doc},
                          {"line", d.line},
                          {"gold", d.gold},
                          {"choice_chars", d.choice_chars},
                          {"requests", requests}}
               .dump()
        << "\n";
  }
  return out.str();
}

void write_request_file(const PreparedBenchmark& prepared, const std::string& path) {
  write_file_atomically(path, request_file_text(prepared));
}

std::string request_dump_text(const PreparedBenchmark& prepared) {
  std::ostringstream out;
  for (const auto& d : prepared.docs)
    for (size_t c = 0; c < d.requests.size(); ++c) {
      const auto& r = d.requests[c];
      out << nlohmann::json{{"doc", d.doc},
                            {"choice", c},
                            {"context", r.context},
                            {"continuation", r.continuation},
                            {"gold", d.gold},
                            {"context_ids", r.context_ids},
                            {"continuation_ids", r.continuation_ids}}
                 .dump()
          << "\n";
    }
  return out.str();
}

void write_request_dump(const PreparedBenchmark& prepared, const std::string& path) {
  write_file_atomically(path, request_dump_text(prepared));
}

}  // namespace glossa

// Prepares a benchmark split for scoring: each (document, choice) becomes a request with the
// context and continuation token ids exactly as lm-evaluation-harness builds them, and the whole
// set is written as a request file (JSONL, docs/benchmarks-tasks.md) that the SentencePiece-free
// training engine reads (training/data/request_file.h). The file format is the contract.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/prepare/benchmark_task.h"
#include "base/job_control.h"

namespace glossa {

class SpProcessor;

// One (document, choice): the strings as the harness passes them to the tokenizer (trailing
// whitespace of the context already moved onto the continuation) and their token ids.
struct BenchmarkRequest {
  std::string context;                // "" for tasks with an empty context
  std::string continuation;           // moved whitespace + target_delimiter + choice
  std::vector<int> context_ids;       // BOS + enc(context) (bos), or just [BOS] when context == ""
  std::vector<int> continuation_ids;  // enc(context + continuation) after the context's tokens
};

struct PreparedDocument {
  int64_t doc = 0;   // index in the split after dropping rows
  int64_t line = 0;  // line in the split file
  int gold = 0;
  std::vector<int64_t> choice_chars;       // Python len() of each choice string (acc_norm)
  std::vector<BenchmarkRequest> requests;  // one per choice
};

struct PrepareOptions {
  bool bos = true;     // prepend BOS to non-empty contexts (the task's default unless --no-bos)
  int64_t limit = -1;  // keep only the first N documents; -1 = all
};

struct PreparedBenchmark {
  BenchmarkTask task;
  std::string data_file;
  std::string tokenizer_fingerprint;  // SpModel::fingerprint() of the tokenizer used
  int vocab_size = 0;
  int bos_id = -1, eos_id = -1;
  int prefix_id = -1;  // what stands as context when the context is empty (BOS, else EOS)
  bool bos = true;
  int64_t rows = 0;                    // data rows in the file
  std::vector<int64_t> dropped_lines;  // rows dropped for an empty field
  std::vector<PreparedDocument> docs;

  int64_t request_count() const;
  nlohmann::json header_json() const;  // first line of the request file
};

// Builds the requests of one split. Throws Error naming the file / line on bad data.
PreparedBenchmark prepare_benchmark(const BenchmarkTask& task, const std::string& data_file,
                                    const SpProcessor& tokenizer, const PrepareOptions& options,
                                    const JobControl& job);

// The two token id lists of one request (the harness's _encode_pair; loglikelihood() for an
// empty context). `prefix_id`: BOS (or EOS when the tokenizer has no BOS).
void encode_request(const SpProcessor& tokenizer, bool bos, int prefix_id, BenchmarkRequest* r);

// The request file (JSONL): header line, then one line per document. Written atomically.
std::string request_file_text(const PreparedBenchmark& prepared);
void write_request_file(const PreparedBenchmark& prepared, const std::string& path);
// One line per (document, choice): {"doc", "choice", "context", "continuation", "gold",
// "context_ids", "continuation_ids"} — for reading and for comparing with a reference.
std::string request_dump_text(const PreparedBenchmark& prepared);
void write_request_dump(const PreparedBenchmark& prepared, const std::string& path);

}  // namespace glossa

// Reader of the benchmark request file that `glossa-cli bench prepare` writes (JSONL; format in
// docs/benchmarks-tasks.md). The training engine never tokenizes: this file carries, per
// document, the gold index, the choice lengths and every choice's context and continuation token
// ids, exactly as lm-evaluation-harness would feed them to the model. Torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace glossa {

// One (document, choice): the model reads context + continuation[:-1] and the score is the sum
// of log p(continuation[i] | everything before it).
struct McRequest {
  std::vector<int32_t> context;       // starts with BOS when the file's bos is true
  std::vector<int32_t> continuation;  // never empty
};

struct McRequestDoc {
  int64_t doc = 0;                    // index in the split
  int64_t gold = 0;                   // index of the correct choice
  std::vector<int64_t> choice_chars;  // characters of each choice string (acc_norm divisor)
  std::vector<McRequest> choices;
};

struct RequestFile {
  std::string task;                   // e.g. "kobest_boolq"
  std::string group;                  // e.g. "kobest"; "" = none
  std::vector<std::string> metrics;   // of "acc", "acc_norm", "f1"
  bool bos = true;                    // BOS was prepended to contexts (record with the results)
  std::string tokenizer_fingerprint;  // SHA-256 of the tokenizer model (SpModel::fingerprint)
  int64_t vocab_size = 0;             // every id is below this
  nlohmann::json header;              // the whole first line, for reports
  std::vector<McRequestDoc> docs;

  int64_t request_count() const;
  int64_t max_sequence_length() const;  // longest context + continuation, in tokens

  // Reads and checks the file. Throws Error naming the file, the line and the key on a wrong
  // format or version, a missing key, a wrong type, an id outside [0, vocab_size), a gold
  // outside the choices, an empty continuation or a document count that disagrees with the header.
  static RequestFile load(const std::string& path);
};

// Refuses, before any compute, a request file the model cannot score: ids beyond the model's
// vocabulary (vocab_size of the file > model_vocab_size), or, when `tokenizer_fingerprint` is not
// empty, a file prepared with another tokenizer. Errors name `where` (the file).
void check_request_file(const RequestFile& file, const std::string& where, int64_t model_vocab_size,
                        const std::string& tokenizer_fingerprint);

}  // namespace glossa

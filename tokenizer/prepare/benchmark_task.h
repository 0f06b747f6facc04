// A log-likelihood multiple-choice benchmark task as data (resources/tasks/NAME.json), and the
// documents of one split of it: how to read the raw file, which columns become which fields,
// the context template, the choices, the gold index. Reproduces the prompts of EleutherAI's
// lm-evaluation-harness task configs (docs/benchmarks-tasks.md). No SentencePiece here: the
// tokenisation is benchmark_requests.h.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace glossa {

struct BenchmarkTask {
  std::string name;     // e.g. "kobest_boolq" (also the lm-evaluation-harness task name)
  std::string group;    // e.g. "kobest"; "" = none; group score = weighted mean of tasks
  std::string dataset;  // where the harness loads it from, e.g. "skt/kobest_v1 boolq"

  // --- the raw file
  bool header = true;                // first non-blank line names the columns
  bool csv_quoting = true;           // standard CSV quotes (pandas); false: quotes are literal
  char delimiter = '\t';             // field separator
  std::vector<std::string> columns;  // headerless files: the name of each column, in order
  std::map<std::string, std::string> fields;  // field name -> column name; empty: columns as is
  bool pandas_na = false;  // pandas' default NA strings ("NA", "null", "nan", ...) count as empty
  // Rows with an empty field are dropped: "any_column" (every column of the row, as the HF KoBEST
  // loader's pandas dropna() does), "none", or the listed fields (paws: sentence1, sentence2).
  std::string drop_empty = "none";
  std::vector<std::string> drop_empty_fields;
  // field -> {raw value -> value}; a value with no entry is an error (e.g. "True" -> "1").
  std::map<std::string, std::map<std::string, std::string>> value_maps;
  std::vector<std::string> transforms;  // named preprocessing, applied in order ("paws_clean")

  // --- the prompt ({field} placeholders; "{{" and "}}" are literal braces)
  std::string context;               // "" = empty context: the model sees only BOS
  std::vector<std::string> choices;  // one template per choice
  std::string gold = "{label}";      // renders to the gold choice index (0-based)
  // The harness maps a gold given as the correct choice's TEXT to choices.index(text) (COPA):
  // with two equal choices the first wins. true reproduces that.
  bool gold_by_choice_text = false;
  std::string target_delimiter = " ";      // put before each choice
  std::string fewshot_delimiter = "\n\n";  // between few-shot examples (zero-shot: unused)

  // --- scoring
  std::vector<std::string> metrics = {"acc"};  // of "acc", "acc_norm", "f1"
  bool bos = true;  // prepend BOS to contexts (harness >= v0.4.9.2 with Llama-style tokenizers)

  // Throws Error naming `where` and the key on unknown keys, wrong types or bad values.
  static BenchmarkTask from_json(const nlohmann::json& json, const std::string& where);
  static BenchmarkTask load(const std::string& path);
  // A task shipped with Glossa (resources/tasks/NAME.json, compiled in).
  static BenchmarkTask builtin(const std::string& name);
  static std::vector<std::string> builtin_names();
  // `name_or_path`: a builtin name, or a path to a JSON file.
  static BenchmarkTask resolve(const std::string& name_or_path);
  nlohmann::json to_json() const;

  // Field names the templates may use.
  std::vector<std::string> field_names() const;
};

// One row of the split after mapping, value maps and transforms.
struct BenchmarkDoc {
  std::map<std::string, std::string> fields;
  int64_t line = 0;  // 1-based line of the row in the file (error messages, reports)
};

struct BenchmarkSplit {
  std::vector<BenchmarkDoc> docs;
  int64_t rows = 0;                    // data rows read (header and blank lines not counted)
  std::vector<int64_t> dropped_lines;  // lines of rows dropped for an empty field
};

// Reads the raw split file as the task describes. Throws Error naming the file and line.
BenchmarkSplit load_benchmark_split(const BenchmarkTask& task, const std::string& path);

// What the harness scores for one document: the context and each choice string (before the
// target delimiter), and the gold index.
struct BenchmarkInstance {
  std::string context;
  std::vector<std::string> choices;
  int gold = 0;
};
BenchmarkInstance build_instance(const BenchmarkTask& task, const BenchmarkDoc& doc,
                                 const std::string& where);

// Python's str.isspace() for one code point, and str.strip() / str.rstrip() on UTF-8.
bool is_python_space(char32_t cp);
std::string_view python_strip(std::string_view text);
std::string_view python_rstrip(std::string_view text);
// len() of a Python str: Unicode code points of valid UTF-8.
int64_t python_len(std::string_view utf8);

// lm-evaluation-harness paws-x `process_docs_paraphrases` on one pair (general_detokenize,
// strip, drop one trailing . , ; of sentence1, lower-case the first letter of sentence2).
void paws_clean(std::string* sentence1, std::string* sentence2);

}  // namespace glossa

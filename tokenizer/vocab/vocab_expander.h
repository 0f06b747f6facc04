// EEVE vocabulary expansion (docs/vocabulary-expansion.md, steps 1–7): candidates are the NORMAL pieces of an
// intermediate tokenizer (trained on the new language) that the base lacks; they are appended to
// the base, the corpus is counted with that target tokenizer, rare candidates are dropped,
// frequent single characters of the script that the target lacks are added, and this repeats
// until nothing changes (a fixed point) or max_iterations. Every decision is recorded with its
// reason and iteration (vocab_session_store.h). Outputs: docs/vocabulary-expansion.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/document_source.h"
#include "base/job_control.h"
#include "tokenizer/spm/fast_tokenizer_agreement.h"
#include "tokenizer/spm/sp_model.h"
#include "tokenizer/vocab/vocab_counter.h"
#include "tokenizer/vocab/vocab_session_store.h"

namespace glossa {

struct ExpansionOptions {
  std::string base_model;                 // base tokenizer.model (e.g. Llama 2); ids kept
  std::string intermediate_model;         // tokenizer trained on the new language (step 1)
  std::vector<std::string> corpus_files;  // text counted at every iteration (step 4)
  CorpusReaderOptions reader;             // how the corpus files are read
  uint64_t min_freq = 6000;    // candidates counted fewer times are dropped (EEVE: 6,000 on 100 GB)
  std::string script;          // "" = any candidate; "hangul" (han, kana, latin, ...) = only pieces with >= 1 char of it
  uint64_t char_min_freq = 0;  // add single script characters seen >= this often; 0 = off
  std::vector<std::string> force_include;  // pieces ("▁" for space) kept whatever their count
  std::vector<std::string> force_exclude;  // pieces that never become candidates
  int max_iterations = 10;                 // counting passes at most
  int threads = 1;                         // counting threads
  // Score of appended pieces (model_merge.h): "below-base" (default: SentencePiece and
  // transformers' slow and fast tokenizers split alike, docs/tokenizer-files.md), "zero"
  // (Chinese-LLaMA) or "keep" (the intermediate model's score; 0 for added characters and forced
  // pieces). "zero" and "keep" tie scores, so the fast tokenizer can split differently (warned).
  std::string score_policy = "below-base";
  // Append the characters of appended pieces that the target lacks (after the pieces), so the
  // fast tokenizer can form every piece SentencePiece forms (fast_tokenizer_agreement.h).
  bool piece_chars = true;

  nlohmann::json to_json() const;
  // Strict (docs/vocabulary-expansion.md): missing keys keep their defaults; unknown keys and
  // wrong types throw Error naming `where` and the key.
  static ExpansionOptions from_json(const nlohmann::json& j,
                                    const std::string& where = "expansion options");
};

// One counting pass.
struct ExpansionIteration {
  int iteration = 0;
  int target_size = 0;  // pieces of the tokenizer counted with
  int candidates = 0;   // appended pieces judged in this pass
  int dropped = 0;
  int added_chars = 0;
  uint64_t tokens = 0;  // tokens of the corpus under the target
  uint64_t documents = 0;
  double seconds = 0.0;
  bool memoized = false;  // counting used the exact segment memo
  nlohmann::json to_json() const;
};

struct ExpansionRun {
  SpModel merged;  // base + the final appended pieces
  int base_size = 0;
  CountResult final_counts;  // counts of `merged` over the corpus
  uint64_t base_tokens = 0;  // tokens of the corpus under the base alone
  std::vector<ExpansionIteration> iterations;
  bool converged = false;  // false: stopped at max_iterations (then recounted)
  int initial_candidates = 0;
  int filtered_by_script = 0;
  int forced_excluded = 0;
  std::vector<std::string> piece_chars;  // characters appended for piece_chars (after candidates)
  FastAgreementCheck fast_agreement;     // of `merged`, appended pieces checked
};

using SourceFactory = std::function<std::unique_ptr<DocumentSource>()>;
using DecisionSink = std::function<void(const std::vector<VocabDecisionRow>&)>;

// The procedure on models in memory: `corpus` opens the corpus anew for each pass, `record`
// receives the decision rows of each iteration as soon as they are made.
ExpansionRun expand_vocabulary(const SpModel& base, const SpModel& intermediate,
                               const SourceFactory& corpus, const ExpansionOptions& options,
                               const DecisionSink& record, const JobControl& job);

struct ExpansionOutput {
  int64_t session_id = 0;
  std::string database;   // project database the decisions went to
  nlohmann::json report;  // what expansion_report.json holds
};

// Loads the models and corpus of `options`, runs expand_vocabulary, records the session and its
// decisions in `database` (empty = OUT/glossa-project.sqlite) and writes into `out_dir`:
// tokenizer.model, tokenizer_config.json, special_tokens_map.json (hf_tokenizer_files.h),
// new_token_map.jsonl, expansion_report.json, token_counts.tsv.
ExpansionOutput run_vocab_expansion(const ExpansionOptions& options, const std::string& out_dir,
                                    const std::string& database, const JobControl& job);

}  // namespace glossa

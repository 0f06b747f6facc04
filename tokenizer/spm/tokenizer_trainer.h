// Training a SentencePiece tokenizer (BPE or unigram) from any DocumentSource, each line of each
// document one sentence. SentencePiece runs in a forked child process, so that a cancel kills it
// at once, and so that its log on stderr can be read through a pipe and turned into progress.
// Output: PREFIX.model (validated before it is renamed into place) and PREFIX.vocab
// (piece<TAB>score per line, like spm_train). docs/tokenizer-files.md describes the options.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/corpus/document_source.h"
#include "base/job_control.h"
#include "tokenizer/spm/sp_model.h"

namespace glossa {

// One training job's settings: the GUI form, the CLI and the run record read and write this
// struct as JSON. Names follow spm_train's flags where one exists.
struct TokenizerTrainerConfig {
  SpModelType model_type = SpModelType::kBpe;  // kBpe (Llama style) or kUnigram
  int vocab_size = 8000;                       // pieces in the model, <unk>/<s>/</s> included
  // Fraction of the corpus' characters the alphabet must cover; rarer characters become <unk>
  // (or bytes with byte_fallback). 0.9995 for CJK / Hangul, 1.0 for small alphabets; at least
  // 0.98 (SentencePiece's limit).
  double character_coverage = 0.9995;
  bool byte_fallback = false;  // uncovered characters become <0x..> byte pieces (adds 256)
  bool split_digits = false;   // every digit its own piece (Llama does this)
  std::vector<std::string> user_defined_symbols;  // always one piece each, never split
  // Sentences to train on: 0 = all; else SentencePiece keeps this many (a random sample with
  // shuffle_input_sentence, else the first ones). Millions of lines need a sample to fit in RAM.
  int64_t input_sentence_size = 0;
  bool shuffle_input_sentence = true;
  int max_sentence_length = 4192;     // bytes; longer lines are skipped by SentencePiece
  int max_sentencepiece_length = 16;  // longest piece in Unicode characters
  int num_threads = 0;                // 0: all cores
  // Normalisation: "nmt_nfkc" (default: NFKC plus whitespace cleanup), "nfkc", "nmt_nfkc_cf",
  // "nfkc_cf" (case folded) or "identity" (text kept as is, like Llama 2).
  std::string normalization_rule_name = "nmt_nfkc";
  int64_t seed = 42;                // sampling / EM random seed; -1: a fresh random seed each run
  bool split_by_whitespace = true;  // pieces never cross whitespace (false: they may)

  nlohmann::json to_json() const;
  // Strict (docs/tokenizer-files.md): missing keys keep their defaults; unknown keys, wrong
  // types or values throw Error naming `where` and the key.
  static TokenizerTrainerConfig from_json(const nlohmann::json& json,
                                          const std::string& where = "tokenizer trainer config");
  // The flags handed to SentencePieceTrainer::Train, as spm_train would take them.
  std::map<std::string, std::string> sentencepiece_args() const;
  // Throws Error naming the field when a value cannot work (e.g. vocab_size < 4).
  void validate() const;
};

struct TokenizerTrainingResult {
  std::string model_path;  // PREFIX.model
  std::string vocab_path;  // PREFIX.vocab
  SpModel model;
  uint64_t sentences = 0;  // non-empty lines handed to SentencePiece
  std::string log;         // SentencePiece's own log (stderr of the child)
};

// Turns SentencePiece's log lines into a progress fraction in [0, 1] and a message. Loading is
// reported by the child itself (the source's progress); then "Alphabet size=", BPE's
// "Added: freq=... size=N" (N of vocab_size), unigram's "EM sub_iter=... size=N" (the seed
// vocabulary shrinking towards vocab_size), "Saving model".
class TrainingProgress {
 public:
  explicit TrainingProgress(const TokenizerTrainerConfig& config) : config_(config) {}
  // Feeds one log line; true when it moved the progress.
  bool feed_log_line(const std::string& line);
  // The child's own report while it reads the corpus.
  void loading(uint64_t sentences, double source_fraction);
  double fraction() const { return fraction_; }
  const std::string& message() const { return message_; }

 private:
  void set(double fraction, std::string message);
  TokenizerTrainerConfig config_;
  double fraction_ = 0.0;
  std::string message_ = "starting";
  int64_t unigram_seed_size_ = 0;  // size of the first EM round
};

// Trains on every non-empty line of `source`, writes PREFIX.model and PREFIX.vocab (PREFIX may
// include a directory, which must exist). Throws Error with SentencePiece's own message when it
// refuses (e.g. "Vocabulary size too high"), Error before training when the corpus has no
// non-empty line, CancelledError (child killed, nothing written) when job is cancelled.
TokenizerTrainingResult train_tokenizer(DocumentSource& source,
                                        const TokenizerTrainerConfig& config,
                                        const std::string& output_prefix, const JobControl& job);

}  // namespace glossa

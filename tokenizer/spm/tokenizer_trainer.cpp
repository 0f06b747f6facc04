#include "tokenizer/spm/tokenizer_trainer.h"

#include <fcntl.h>
#include <poll.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "base/atomic_file.h"
#include "base/output_batch.h"
#include "base/error.h"
#include "base/strict_json.h"
#include "base/process_pipe.h"
#include "base/file_util.h"
#include "base/thread_limit.h"

namespace glossa {

// ---- configuration -------------------------------------------------------------------------

nlohmann::json TokenizerTrainerConfig::to_json() const {
  return {{"model_type", sp_model_type_name(model_type)},
          {"vocab_size", vocab_size},
          {"character_coverage", character_coverage},
          {"byte_fallback", byte_fallback},
          {"split_digits", split_digits},
          {"user_defined_symbols", user_defined_symbols},
          {"input_sentence_size", input_sentence_size},
          {"shuffle_input_sentence", shuffle_input_sentence},
          {"max_sentence_length", max_sentence_length},
          {"max_sentencepiece_length", max_sentencepiece_length},
          {"num_threads", num_threads},
          {"normalization_rule_name", normalization_rule_name},
          {"seed", seed},
          {"split_by_whitespace", split_by_whitespace}};
}

namespace {

SpModelType parse_model_type(const std::string& name) {
  if (name == "bpe") return SpModelType::kBpe;
  if (name == "unigram") return SpModelType::kUnigram;
  fail("tokenizer trainer config, key 'model_type'",
       "unknown model type '" + name + "' (expected \"bpe\" or \"unigram\")");
}

}  // namespace

TokenizerTrainerConfig TokenizerTrainerConfig::from_json(const nlohmann::json& json,
                                                         const std::string& where) {
  StrictJson r(json, where, "docs/tokenizer-files.md");
  TokenizerTrainerConfig c;
  std::string type = sp_model_type_name(c.model_type);
  r.get("model_type", type);
  c.model_type = parse_model_type(type);
  r.get("vocab_size", c.vocab_size);
  r.get("character_coverage", c.character_coverage);
  r.get("byte_fallback", c.byte_fallback);
  r.get("split_digits", c.split_digits);
  r.get("user_defined_symbols", c.user_defined_symbols);
  r.get("input_sentence_size", c.input_sentence_size);
  r.get("shuffle_input_sentence", c.shuffle_input_sentence);
  r.get("max_sentence_length", c.max_sentence_length);
  r.get("max_sentencepiece_length", c.max_sentencepiece_length);
  r.get("num_threads", c.num_threads);
  r.get("normalization_rule_name", c.normalization_rule_name);
  r.get("seed", c.seed);
  r.get("split_by_whitespace", c.split_by_whitespace);
  r.finish();
  c.validate();
  return c;
}

void TokenizerTrainerConfig::validate() const {
  const std::string where = "tokenizer trainer config";
  if (model_type != SpModelType::kBpe && model_type != SpModelType::kUnigram) {
    fail(where + ", model_type", "only bpe and unigram can be trained here");
  }
  if (vocab_size < 4) fail(where + ", vocab_size", "must be at least 4 (3 specials + 1 piece)");
  if (!(character_coverage >= 0.98 && character_coverage <= 1.0)) {  // SentencePiece's range
    fail(where + ", character_coverage", "must be in [0.98, 1], e.g. 0.9995 or 1.0");
  }
  if (input_sentence_size < 0) fail(where + ", input_sentence_size", "must be >= 0 (0 = all)");
  if (max_sentence_length < 1) fail(where + ", max_sentence_length", "must be >= 1 byte");
  if (max_sentencepiece_length < 1) fail(where + ", max_sentencepiece_length", "must be >= 1");
  if (num_threads < 0 || num_threads > kMaxThreads)
    fail(where + ", num_threads", "is " + std::to_string(num_threads) + "; it must be between 0 and " +
                                      std::to_string(kMaxThreads) + " (0 = all cores)");
  if (seed < -1 || seed > int64_t(UINT32_MAX)) {
    fail(where + ", seed", "must be -1 (random) or in [0, 4294967295]");
  }
  static const char* kRules[] = {"nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf", "identity"};
  if (std::find(std::begin(kRules), std::end(kRules), normalization_rule_name) ==
      std::end(kRules)) {
    fail(where + ", normalization_rule_name",
         "unknown rule '" + normalization_rule_name +
             "' (expected nmt_nfkc, nfkc, nmt_nfkc_cf, nfkc_cf or identity)");
  }
  for (const auto& symbol : user_defined_symbols) {
    // spm_train takes the list comma-separated: a comma inside a symbol cannot be passed.
    if (symbol.empty() || symbol.find(',') != std::string::npos) {
      fail(where + ", user_defined_symbols",
           "symbol '" + symbol +
               "' is empty or contains a comma (not expressible to SentencePiece)");
    }
  }
}

std::map<std::string, std::string> TokenizerTrainerConfig::sentencepiece_args() const {
  const auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  std::ostringstream coverage;
  coverage.precision(17);
  coverage << character_coverage;
  std::string symbols;
  for (const auto& s : user_defined_symbols) symbols += (symbols.empty() ? "" : ",") + s;
  const int threads =
      num_threads > 0 ? num_threads : std::max(1, int(std::thread::hardware_concurrency()));
  std::map<std::string, std::string> args = {
      {"model_type", sp_model_type_name(model_type)},
      {"vocab_size", std::to_string(vocab_size)},
      {"character_coverage", coverage.str()},
      {"byte_fallback", flag(byte_fallback)},
      {"split_digits", flag(split_digits)},
      {"input_sentence_size", std::to_string(input_sentence_size)},
      {"shuffle_input_sentence", flag(shuffle_input_sentence)},
      {"max_sentence_length", std::to_string(max_sentence_length)},
      {"max_sentencepiece_length", std::to_string(max_sentencepiece_length)},
      {"num_threads", std::to_string(threads)},
      {"normalization_rule_name", normalization_rule_name},
      {"split_by_whitespace", flag(split_by_whitespace)}};
  if (!symbols.empty()) args["user_defined_symbols"] = symbols;
  return args;
}

// ---- progress from SentencePiece's log ----------------------------------------------------

namespace {
// Share of the whole job each phase takes (rough, from timings on NSMC; only for the bar).
constexpr double kLoadEnd = 0.25;     // reading the corpus
constexpr double kPrepareEnd = 0.30;  // normalising, alphabet, seed pieces
constexpr double kPiecesEnd = 0.98;   // BPE merges / unigram EM rounds
}  // namespace

void TrainingProgress::set(double fraction, std::string message) {
  fraction_ = std::max(fraction_, std::min(1.0, fraction));  // never goes backwards
  message_ = std::move(message);
}

void TrainingProgress::loading(uint64_t sentences, double source_fraction) {
  const double f = source_fraction >= 0 ? source_fraction : 0.0;
  set(kLoadEnd * f, "loaded " + std::to_string(sentences) + " sentences");
}

bool TrainingProgress::feed_log_line(const std::string& line) {
  static const std::regex kBpeSize(R"(Added: freq=\d+ size=(\d+))");
  static const std::regex kEmSize(R"(EM sub_iter=\d+ size=(\d+))");
  std::smatch m;
  const double target = config_.vocab_size;
  if (std::regex_search(line, m, kBpeSize)) {
    const double size = std::stod(m[1]);
    set(kPrepareEnd + (kPiecesEnd - kPrepareEnd) * std::min(1.0, size / target),
        "BPE: " + m[1].str() + " of " + std::to_string(config_.vocab_size) + " pieces");
    return true;
  }
  if (std::regex_search(line, m, kEmSize)) {
    // The seed vocabulary shrinks geometrically (x0.75 a round) towards ~1.1 x vocab_size.
    const double size = std::stod(m[1]);
    if (unigram_seed_size_ == 0) unigram_seed_size_ = int64_t(size);
    const double span = std::log(double(unigram_seed_size_) / (1.1 * target));
    const double done = span > 0 ? std::log(double(unigram_seed_size_) / size) / span : 0.0;
    set(kPrepareEnd + (kPiecesEnd - kPrepareEnd) * std::clamp(done, 0.0, 1.0),
        "unigram EM: " + m[1].str() + " pieces, target " + std::to_string(config_.vocab_size));
    return true;
  }
  if (line.find("Loaded all ") != std::string::npos) {
    set(kLoadEnd, "corpus loaded");
    return true;
  }
  if (line.find("Alphabet size=") != std::string::npos) {
    set(kPrepareEnd, "alphabet built");
    return true;
  }
  if (line.find("Saving model") != std::string::npos) {
    set(kPiecesEnd, "saving model");
    return true;
  }
  return false;
}

// ---- the child process ------------------------------------------------------------------------

namespace {

// Messages from the child on their own pipe, one per line: "progress N FRACTION", "empty",
// "error TEXT" (newlines replaced), "done N".
void send(int fd, std::string line) {
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  line += '\n';
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent is gone: nothing left to tell
    written += size_t(n);
  }
}

// Every non-empty line (trailing CR removed) of every document, as SentencePiece's sentences.
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  LineIterator(DocumentSource& source, int msg_fd) : source_(source), msg_fd_(msg_fd) { Next(); }
  bool done() const override { return done_; }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override { return {}; }
  uint64_t count() const { return count_; }

  void Next() override {
    for (;;) {
      if (pos_ > doc_.text.size()) {
        if (!source_.next(&doc_)) {
          done_ = true;
          send(msg_fd_, "progress " + std::to_string(count_) + " 1");
          return;
        }
        pos_ = 0;
      }
      size_t end = doc_.text.find('\n', pos_);
      if (end == std::string::npos) end = doc_.text.size();
      line_.assign(doc_.text, pos_, end - pos_);
      pos_ = end + 1;
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      if (line_.empty()) continue;
      if (++count_ % kReportEvery == 0) {
        send(msg_fd_,
             "progress " + std::to_string(count_) + " " + std::to_string(source_.progress()));
      }
      return;
    }
  }

 private:
  static constexpr uint64_t kReportEvery = 5000;  // sentences between progress messages
  DocumentSource& source_;
  int msg_fd_;
  Document doc_;
  size_t pos_ = std::string::npos;  // npos: no document yet
  std::string line_;
  bool done_ = false;
  uint64_t count_ = 0;
};

[[noreturn]] void child_main(DocumentSource& source, const TokenizerTrainerConfig& config,
                             const std::string& temp_path, int log_fd, int msg_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the parent
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  try {
    LineIterator lines(source, msg_fd);
    if (lines.done()) {
      send(msg_fd, "empty");
      ::_exit(3);
    }
    if (config.seed >= 0) sentencepiece::SetRandomGeneratorSeed(uint32_t(config.seed));
    std::unordered_map<std::string, std::string> args;
    for (const auto& [key, value] : config.sentencepiece_args()) args[key] = value;
    // No model_prefix: SentencePiece then returns the model instead of writing files itself.
    std::string serialized;
    const auto status = sentencepiece::SentencePieceTrainer::Train(args, &lines, &serialized);
    if (!status.ok()) {
      send(msg_fd, std::string("error ") + status.message());
      ::_exit(2);
    }
    write_file_atomically(temp_path, serialized);
    send(msg_fd, "done " + std::to_string(lines.count()));
    ::_exit(0);
  } catch (const std::exception& e) {
    send(msg_fd, std::string("error ") + e.what());
    ::_exit(2);
  }
}

// ---- the parent: supervising the child -------------------------------------------------------

struct ChildOutcome {
  int wait_status = 0;
  std::string log;
  std::vector<std::string> messages;
};

void kill_child(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Reads the child's log and messages until it exits; kills it and throws CancelledError when
// the job is cancelled. Waits on the process, not on EOF: another forked child may hold copies
// of the pipes' write ends.
ChildOutcome supervise(pid_t pid, int log_fd, int msg_fd, const TokenizerTrainerConfig& config,
                       const JobControl& job) {
  constexpr size_t kMaxLogBytes = size_t(8) << 20;  // keep the log bounded (spam of skipped lines)
  ChildOutcome out;
  TrainingProgress progress(config);
  LineBuffer log_buffer, msg_buffer;
  const auto on_log = [&](const std::string& line) {
    if (out.log.size() < kMaxLogBytes) out.log += line + "\n";
    if (progress.feed_log_line(line)) job.report(progress.fraction(), progress.message());
  };
  const auto on_msg = [&](const std::string& line) {
    if (line.rfind("progress ", 0) == 0) {
      std::istringstream in(line.substr(9));
      uint64_t sentences = 0;
      double fraction = -1;
      in >> sentences >> fraction;
      progress.loading(sentences, fraction);
      job.report(progress.fraction(), progress.message());
    } else {
      out.messages.push_back(line);
    }
  };
  for (bool exited = false; !exited;) {
    if (job.cancelled()) {
      kill_child(pid);
      throw CancelledError();
    }
    pollfd fds[2] = {{log_fd, POLLIN, 0}, {msg_fd, POLLIN, 0}};
    ::poll(fds, 2, 100);  // ms: how quickly a cancel is noticed
    exited = ::waitpid(pid, &out.wait_status, WNOHANG) == pid;
    log_buffer.drain(log_fd, on_log);
    msg_buffer.drain(msg_fd, on_msg);
  }
  log_buffer.flush(on_log);
  msg_buffer.flush(on_msg);
  return out;
}

std::string log_tail(const std::string& log, int lines) {
  size_t at = log.size();
  for (int i = 0; i <= lines && at > 0; ++i) at = log.rfind('\n', at - 1);
  return at == std::string::npos ? log : log.substr(at + 1);
}

// Turns the child's end into an Error unless it finished with a model; returns the line count.
uint64_t check_outcome(const ChildOutcome& out, const std::string& where) {
  for (const auto& m : out.messages) {
    if (m.rfind("done ", 0) == 0 && WIFEXITED(out.wait_status) &&
        WEXITSTATUS(out.wait_status) == 0) {
      return std::stoull(m.substr(5));
    }
    if (m == "empty") {
      fail(where,
           "the corpus has no non-empty line to train on (check the input files, the "
           "format and the text field/column)");
    }
    if (m.rfind("error ", 0) == 0) fail(where, "SentencePiece: " + m.substr(6));
  }
  const std::string how =
      WIFSIGNALED(out.wait_status)
          ? "was killed by signal " + std::to_string(WTERMSIG(out.wait_status))
          : "exited with status " + std::to_string(WEXITSTATUS(out.wait_status));
  fail(where, "the SentencePiece training process " + how +
                  " (out of memory? try a smaller input_sentence_size); its last log lines:\n" +
                  log_tail(out.log, 8));
}

std::string vocab_text(const SpModel& model) {
  std::ostringstream out;  // default float formatting (6 significant digits), as spm_train
  for (const Piece& p : model.pieces()) out << p.piece << '\t' << p.score << '\n';
  return out.str();
}

}  // namespace

TokenizerTrainingResult train_tokenizer(DocumentSource& source,
                                        const TokenizerTrainerConfig& config,
                                        const std::string& output_prefix, const JobControl& job) {
  config.validate();
  const std::string where = "training tokenizer " + output_prefix;
  const std::filesystem::path dir = std::filesystem::path(output_prefix).parent_path();
  if (!dir.empty() && !std::filesystem::is_directory(dir)) {
    fail(where, "output folder " + dir.string() + " does not exist");
  }
  job.check_cancelled();
  TokenizerTrainingResult result;
  result.model_path = output_prefix + ".model";
  result.vocab_path = output_prefix + ".vocab";
  const std::string temp = temporary_path(result.model_path);
  ProcessPipe log_pipe, msg_pipe;
  const pid_t pid = ::fork();
  if (pid < 0)
    fail(where, "cannot start the training process: " + errno_text());
  if (pid == 0) child_main(source, config, temp, log_pipe.write_fd(), msg_pipe.write_fd());
  log_pipe.close_write();
  msg_pipe.close_write();
  ChildOutcome out;
  std::string model_bytes;  // SentencePiece's bytes, as it wrote them
  try {
    out = supervise(pid, log_pipe.read_fd(), msg_pipe.read_fd(), config, job);
    result.log = out.log;
    result.sentences = check_outcome(out, where);
    model_bytes = read_file(temp);
    result.model = SpModel::parse(model_bytes, result.model_path);
  } catch (...) {
    std::filesystem::remove(temp);  // nothing half-made stays behind
    throw;
  }
  std::filesystem::remove(temp);
  // PREFIX.model and PREFIX.vocab appear together or not at all.
  OutputBatch outputs;
  outputs.write(result.vocab_path, vocab_text(result.model));
  outputs.write(result.model_path, model_bytes);
  outputs.commit();
  job.report(1.0, "trained " + std::to_string(result.model.size()) + " pieces on " +
                      std::to_string(result.sentences) + " sentences");
  return result;
}

}  // namespace glossa

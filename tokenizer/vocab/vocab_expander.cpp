#include "tokenizer/vocab/vocab_expander.h"

#include <filesystem>
#include <set>
#include <unordered_set>

#include "base/error.h"
#include "base/strict_json.h"
#include "base/file_util.h"
#include "base/output_batch.h"
#include "tokenizer/spm/hf_tokenizer_files.h"
#include "tokenizer/spm/llama2c_tokenizer.h"
#include "tokenizer/spm/model_merge.h"
#include "tokenizer/vocab/new_token_map_builder.h"
#include "tokenizer/spm/sp_processor.h"
#include "base/sqlite_db.h"
#include "base/thread_limit.h"
#include "tokenizer/text/utf8.h"

namespace glossa {

// ----------------------------------------------------------------------------------- options

nlohmann::json ExpansionOptions::to_json() const {
  return {{"base_model", base_model},
          {"intermediate_model", intermediate_model},
          {"corpus_files", corpus_files},
          {"reader", reader.to_json()},
          {"min_freq", min_freq},
          {"script", script},
          {"char_min_freq", char_min_freq},
          {"force_include", force_include},
          {"force_exclude", force_exclude},
          {"max_iterations", max_iterations},
          {"threads", threads},
          {"score_policy", score_policy},
          {"piece_chars", piece_chars}};
}

ExpansionOptions ExpansionOptions::from_json(const nlohmann::json& j, const std::string& where) {
  StrictJson r(j, where, "docs/vocabulary-expansion.md");
  ExpansionOptions o;
  r.get("base_model", o.base_model);
  r.get("intermediate_model", o.intermediate_model);
  r.get("corpus_files", o.corpus_files);
  if (const nlohmann::json* reader = r.raw("reader"))
    o.reader = CorpusReaderOptions::from_json(*reader, r.at("reader"));
  r.get("min_freq", o.min_freq);
  r.get("script", o.script);
  r.get("char_min_freq", o.char_min_freq);
  r.get("force_include", o.force_include);
  r.get("force_exclude", o.force_exclude);
  r.get("max_iterations", o.max_iterations);
  r.get("threads", o.threads);
  r.get("score_policy", o.score_policy);
  r.get("piece_chars", o.piece_chars);
  r.finish();
  try {
    parse_score_policy(o.score_policy);
  } catch (const Error& e) {
    r.fail_key("score_policy", std::string("is wrong: ") + e.what());
  }
  if (!o.script.empty()) script_ranges(o.script);  // throws on unknown scripts
  if (o.max_iterations < 1) r.fail_key("max_iterations", "must be at least 1");
  if (o.threads < 1 || o.threads > kMaxThreads)
    r.fail_key("threads", "is " + std::to_string(o.threads) + "; it must be between 1 and " +
                              std::to_string(kMaxThreads));
  return o;
}

nlohmann::json ExpansionIteration::to_json() const {
  return {{"iteration", iteration}, {"target_size", target_size}, {"candidates", candidates},
          {"dropped", dropped},     {"added_chars", added_chars}, {"tokens", tokens},
          {"documents", documents}, {"seconds", seconds},         {"memoized", memoized}};
}

// ---------------------------------------------------------------------------------- procedure

namespace {

enum class Origin { kIntermediate, kForced, kChar };

struct Candidate {
  std::string piece;
  Origin origin;
  float score = 0.0f;  // the intermediate model's score (used by score_policy "keep"), else 0
};

std::string utf8_of(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6));
    out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18));
    out += char(0x80 | ((c >> 12) & 0x3F));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
  return out;
}

// Base + candidates appended in order as NORMAL pieces (model_merge.h); candidates are never in
// the base and never repeat, so candidate i gets id base.size() + i. With piece_chars, the
// characters of the candidates that the target lacks follow them (force_exclude respected).
SpModel build_target(const SpModel& base, const std::vector<Candidate>& candidates,
                     const ExpansionOptions& o) {
  SpModel target = base;
  std::vector<Piece> pieces;
  pieces.reserve(candidates.size());
  for (const Candidate& c : candidates) pieces.push_back({c.piece, c.score, PieceType::kNormal});
  MergeOptions merge;
  merge.score_policy = parse_score_policy(o.score_policy);
  const MergeReport report = append_pieces(target, pieces, merge);
  if (report.appended != int(candidates.size()))
    fail("vocabulary expansion", "appended " + std::to_string(report.appended) + " of " +
                                     std::to_string(candidates.size()) + " candidates");
  if (!o.piece_chars) return target;
  const std::unordered_set<std::string> exclude(o.force_exclude.begin(), o.force_exclude.end());
  std::vector<Piece> chars;
  for (const std::string& c : missing_piece_chars(target, base.size()))
    if (!exclude.count(c)) chars.push_back({c, 0.0f, PieceType::kNormal});
  append_pieces(target, chars, merge);  // below-base: below the last candidate's score
  return target;
}

// Step 2: NORMAL pieces of the intermediate model that the base lacks (+ script filter,
// overrides). Fills the iteration-0 rows.
std::vector<Candidate> initial_candidates(const SpModel& base, const SpModel& intermediate,
                                          const ExpansionOptions& o, ExpansionRun* run,
                                          std::vector<VocabDecisionRow>* rows) {
  const std::unordered_set<std::string> exclude(o.force_exclude.begin(), o.force_exclude.end());
  const std::unordered_set<std::string> include(o.force_include.begin(), o.force_include.end());
  for (const std::string& p : o.force_include)
    if (exclude.count(p)) fail("force_include", "'" + p + "' is also in force_exclude");
  const auto ranges = o.script.empty() ? std::vector<CodeRange>{} : script_ranges(o.script);
  std::vector<Candidate> out;
  std::unordered_set<std::string> taken;
  for (const Piece& p : intermediate.pieces()) {
    if (p.type != PieceType::kNormal || base.contains(p.piece)) continue;
    if (exclude.count(p.piece)) {
      rows->push_back({0, p.piece, VocabDecision::kForcedExclude, -1, "on the force_exclude list"});
      ++run->forced_excluded;
    } else if (include.count(p.piece)) {
      // A forced piece of the intermediate model keeps its place in the intermediate order.
      rows->push_back({0, p.piece, VocabDecision::kForcedInclude, -1, "on the force_include list"});
      out.push_back({p.piece, Origin::kForced, p.score});
      taken.insert(p.piece);
    } else if (!ranges.empty() && !contains_script_char(p.piece, ranges)) {
      rows->push_back({0, p.piece, VocabDecision::kDropped, -1,
                       "script filter: no " + o.script + " character"});
      ++run->filtered_by_script;
    } else {
      rows->push_back({0, p.piece, VocabDecision::kCandidate, -1,
                       "in the intermediate model, absent from the base"});
      out.push_back({p.piece, Origin::kIntermediate, p.score});
      taken.insert(p.piece);
    }
  }
  for (const std::string& p : o.force_include) {
    if (base.contains(p) || taken.count(p)) continue;
    rows->push_back({0, p, VocabDecision::kForcedInclude, -1, "on the force_include list"});
    out.push_back({p, Origin::kForced});
    taken.insert(p);
  }
  run->initial_candidates = static_cast<int>(out.size());
  return out;
}

uint64_t char_count_of(const CountResult& counts, const std::string& piece,
                       const std::vector<CodeRange>& ranges) {
  const char* p = piece.data();
  const char* end = p + piece.size();
  if (p == end) return 0;
  const char32_t c = utf8::decode_next(p, end);
  if (p != end || !in_ranges(c, ranges)) return 0;  // not a single character of the script
  for (const auto& [cp, n] : counts.char_counts)
    if (cp == c) return n;
  return 0;
}

}  // namespace

namespace {

struct PassOutcome {
  std::vector<Candidate> next;  // candidates of the next pass
  int dropped = 0;
  int added = 0;
};

// Steps 5–6 for one counted pass: judges every appended candidate (ids base_size + i), then adds
// the frequent characters of the script that the target lacks.
PassOutcome judge(const SpModel& target, int base_size, const std::vector<Candidate>& candidates,
                  const CountResult& counts, const ExpansionOptions& o,
                  const std::vector<CodeRange>& char_ranges, int iteration,
                  std::vector<VocabDecisionRow>* rows) {
  const bool char_rule = !char_ranges.empty();
  const std::unordered_set<std::string> exclude(o.force_exclude.begin(), o.force_exclude.end());
  const std::string min_text = " min_freq " + std::to_string(o.min_freq);
  PassOutcome out;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    const uint64_t n = counts.token_counts.at(size_t(base_size) + i);
    const std::string count_text = "count " + std::to_string(n);
    const uint64_t chars = char_rule ? char_count_of(counts, c.piece, char_ranges) : 0;
    if (c.origin == Origin::kForced) {
      rows->push_back({iteration, c.piece, VocabDecision::kForcedInclude, int64_t(n),
                       "on the force_include list (" + count_text + ")"});
    } else if (char_rule && chars >= o.char_min_freq) {
      // A frequent single character stays whatever its token count, or the character rule
      // would add it back in the next pass.
      rows->push_back({iteration, c.piece, VocabDecision::kKept, int64_t(n),
                       "single character seen " + std::to_string(chars) +
                           " times >= char_min_freq " + std::to_string(o.char_min_freq) + " (" +
                           count_text + ")"});
    } else if (n >= o.min_freq) {
      rows->push_back(
          {iteration, c.piece, VocabDecision::kKept, int64_t(n), count_text + " >=" + min_text});
    } else {
      rows->push_back(
          {iteration, c.piece, VocabDecision::kDropped, int64_t(n), count_text + " <" + min_text});
      ++out.dropped;
      continue;
    }
    out.next.push_back(c);
  }
  if (!char_rule) return out;
  for (const auto& [code_point, n] : counts.char_counts) {
    if (n < o.char_min_freq) continue;
    const std::string piece = utf8_of(code_point);
    if (target.contains(piece)) continue;
    if (exclude.count(piece)) {
      rows->push_back(
          {iteration, piece, VocabDecision::kForcedExclude, int64_t(n),
           "character seen " + std::to_string(n) + " times, but on the force_exclude list"});
      continue;
    }
    rows->push_back({iteration, piece, VocabDecision::kAddedChar, int64_t(n),
                     "character seen " + std::to_string(n) + " times >= char_min_freq " +
                         std::to_string(o.char_min_freq) + ", absent from the target"});
    out.next.push_back({piece, Origin::kChar});
    ++out.added;
  }
  return out;
}

// Records the characters build_target appended after the `candidates` final pieces, and warns
// when the fast tokenizer may split text differently from SentencePiece.
void finish(ExpansionRun* run, size_t candidates, const ExpansionOptions& o,
            const DecisionSink& record, const JobControl& job) {
  const int iteration = run->iterations.empty() ? 0 : run->iterations.back().iteration;
  std::vector<VocabDecisionRow> rows;
  for (int id = run->base_size + int(candidates); id < run->merged.size(); ++id) {
    const std::string& piece = run->merged.piece(id).piece;
    const uint64_t n = run->final_counts.token_counts.at(size_t(id));
    run->piece_chars.push_back(piece);
    rows.push_back({iteration, piece, VocabDecision::kAddedChar, int64_t(n),
                    "character of an appended piece, absent from the base: added so "
                    "transformers' fast tokenizer forms the piece as SentencePiece does (count " +
                        std::to_string(n) + ")"});
  }
  if (record && !rows.empty()) record(rows);
  run->fast_agreement = check_fast_agreement(run->merged, run->base_size);
  if (!run->fast_agreement.agrees())
    job.warn(run->fast_agreement.describe() + " Score policy '" + o.score_policy +
                 "', piece_chars " + (o.piece_chars ? "on" : "off") +
                 "; the defaults (below-base, piece_chars on) agree, or load it with "
                 "use_fast=False.",
             "score_policy");
}

CountResult count_with(const SpModel& model, const std::string& name, const SourceFactory& corpus,
                       const CountOptions& options, const JobControl& job) {
  const auto processor = SpProcessor::from_model(model, name);
  const std::unique_ptr<DocumentSource> source = corpus();
  return count_corpus(*processor, *source, options, job);
}

}  // namespace

ExpansionRun expand_vocabulary(const SpModel& base, const SpModel& intermediate,
                               const SourceFactory& corpus, const ExpansionOptions& options,
                               const DecisionSink& record, const JobControl& job) {
  const bool char_rule = options.char_min_freq > 0;
  if (char_rule && options.script.empty())
    fail("char_min_freq", "the single-character rule needs a script (e.g. \"hangul\")");
  ExpansionRun run;
  run.base_size = base.size();
  std::vector<VocabDecisionRow> rows;
  std::vector<Candidate> candidates = initial_candidates(base, intermediate, options, &run, &rows);
  if (record) record(rows);

  // Every pass reads the whole corpus: the base count, one per iteration, and a last count when
  // max_iterations stops the loop. Progress is of that many passes; a fixed point ends it early.
  const int max_passes = options.max_iterations + 2;
  int pass = 0;
  const auto counting = [&](const std::string& what) {
    ++pass;
    return job.part(double(pass - 1) / max_passes, double(pass) / max_passes,
                    "counting pass " + std::to_string(pass) + " of at most " +
                        std::to_string(max_passes) + " (" + what + ")");
  };
  CountOptions count_options;
  count_options.threads = options.threads;
  run.base_tokens =
      count_with(base, "base", corpus, count_options, counting("the base tokenizer")).tokens;
  if (char_rule) count_options.char_ranges = script_ranges(options.script);

  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    SpModel target = build_target(base, candidates, options);
    CountResult counts = count_with(
        target, "target of iteration " + std::to_string(iteration), corpus, count_options,
        counting("iteration " + std::to_string(iteration) + ", " +
                 std::to_string(candidates.size()) + " candidates"));
    rows.clear();
    PassOutcome outcome = judge(target, run.base_size, candidates, counts, options,
                                count_options.char_ranges, iteration, &rows);
    if (record) record(rows);
    run.iterations.push_back({iteration, target.size(), int(candidates.size()), outcome.dropped,
                              outcome.added, counts.tokens, counts.documents, counts.seconds,
                              counts.memoized});
    if (outcome.dropped == 0 && outcome.added == 0) {  // step 7: fixed point
      run.converged = true;
      run.merged = std::move(target);
      run.final_counts = std::move(counts);
      finish(&run, candidates.size(), options, record, job);
      return run;
    }
    candidates = std::move(outcome.next);
  }
  // Stopped at max_iterations: the result is what the last pass asked for, counted once more.
  run.merged = build_target(base, candidates, options);
  run.final_counts =
      count_with(run.merged, "final target", corpus, count_options, counting("the final tokenizer"));
  finish(&run, candidates.size(), options, record, job);
  return run;
}

// -------------------------------------------------------------------------------------- output

namespace {

// Tab, newline, carriage return and backslash escaped so every line has three fields.
std::string escape_tsv(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string token_counts_text(const SpModel& model, const CountResult& c) {
  std::string out = "id\tpiece\tcount\n";
  for (int id = 0; id < model.size(); ++id) {
    out += std::to_string(id) + '\t' + escape_tsv(model.piece(id).piece) + '\t' +
           std::to_string(c.token_counts.at(size_t(id))) + '\n';
  }
  return out;
}

nlohmann::json report_json(const ExpansionOptions& options, const SpModel& base,
                           const ExpansionRun& run) {
  nlohmann::json iterations = nlohmann::json::array();
  for (const ExpansionIteration& it : run.iterations) iterations.push_back(it.to_json());
  const CountResult& c = run.final_counts;
  return {{"options", options.to_json()},
          {"base", {{"size", base.size()}, {"fingerprint", base.fingerprint()}}},
          {"initial_candidates", run.initial_candidates},
          {"filtered_by_script", run.filtered_by_script},
          {"forced_excluded", run.forced_excluded},
          {"iterations", iterations},
          {"converged", run.converged},
          {"final",
           {{"size", run.merged.size()},
            {"appended", run.merged.size() - base.size()},
            {"piece_chars", run.piece_chars.size()},
            {"fast_tokenizer_agrees", run.fast_agreement.agrees()},
            {"fast_tokenizer_ties", run.fast_agreement.tied},
            {"fast_tokenizer_unformable", run.fast_agreement.unformable},
            {"fingerprint", run.merged.fingerprint()},
            {"documents", c.documents},
            {"text_bytes", c.text_bytes},
            {"tokens", c.tokens},
            {"base_tokens", run.base_tokens}}}};
}

}  // namespace

namespace {

// The decisions of one expansion in the project database: a session that did not finish (an
// error, a full disk, Ctrl-C) is removed with its decisions, and a database this expansion
// created is removed with it, so a failed run leaves the project as it was.
class SessionGuard {
 public:
  SessionGuard(const std::string& database, const ExpansionOptions& options,
               const std::string& base_fingerprint)
      : created_(!std::filesystem::exists(database)), db_(database), store_(db_) {
    id_ = store_.create_session(options.to_json().dump(), base_fingerprint);
  }
  ~SessionGuard() {
    if (finished_) return;
    try {
      store_.delete_session(id_);
    } catch (const Error&) {
      // Already failing (the disk may be full): the session stays without a result_json, which
      // marks it unfinished (docs/vocabulary-expansion.md); the error being thrown matters more.
    }
    if (!created_) return;
    std::error_code ignored;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"})
      std::filesystem::remove(db_.path() + suffix, ignored);
  }
  VocabSessionStore& store() { return store_; }
  int64_t id() const { return id_; }
  void finish(const std::string& result_json) {
    store_.finish_session(id_, result_json);
    finished_ = true;
  }

 private:
  bool created_;
  SqliteDb db_;
  VocabSessionStore store_;
  int64_t id_ = 0;
  bool finished_ = false;
};

}  // namespace

ExpansionOutput run_vocab_expansion(const ExpansionOptions& options, const std::string& out_dir,
                                    const std::string& database, const JobControl& job) {
  if (options.corpus_files.empty()) fail("expansion options.corpus_files", "no corpus file given");
  // A llama2.c tokenizer (.bin) is read as the SentencePiece model it was exported from.
  const SpModel base = load_sp_or_llama2c_tokenizer(options.base_model);
  const SpModel intermediate = load_sp_or_llama2c_tokenizer(options.intermediate_model);
  // Every file of the output folder appears together with the finished session, or nothing does.
  OutputBatch outputs;
  outputs.make_dirs(out_dir);
  const std::filesystem::path out(out_dir);
  ExpansionOutput output;
  output.database = database.empty() ? (out / "glossa-project.sqlite").string() : database;
  SessionGuard session(output.database, options, base.fingerprint());
  output.session_id = session.id();

  const SourceFactory corpus = [&options]() -> std::unique_ptr<DocumentSource> {
    return std::make_unique<MultiFileSource>(options.corpus_files, options.reader);
  };
  const DecisionSink record = [&](const std::vector<VocabDecisionRow>& rows) {
    session.store().add_decisions(output.session_id, rows);
  };
  const ExpansionRun run = expand_vocabulary(base, intermediate, corpus, options, record, job);

  // tokenizer.model + tokenizer_config.json + special_tokens_map.json (Llama conventions).
  add_hf_tokenizer_files(outputs, run.merged, out_dir, HfTokenizerOptions());
  outputs.write((out / "new_token_map.jsonl").string(),
                new_token_map_text(build_new_token_map(base, run.merged)));
  outputs.write((out / "token_counts.tsv").string(), token_counts_text(run.merged, run.final_counts));
  output.report = report_json(options, base, run);
  output.report["session_id"] = output.session_id;
  output.report["database"] = output.database;
  outputs.write((out / "expansion_report.json").string(), output.report.dump(2) + "\n");
  job.check_cancelled();  // the last moment a Ctrl-C still leaves nothing behind
  outputs.prepare();      // a full disk or a folder in the way fails here, before the session ends
  session.finish(output.report.dump());
  outputs.commit();
  job.report(1.0, "expanded " + std::to_string(base.size()) + " -> " +
                      std::to_string(run.merged.size()) + " pieces");
  return output;
}

}  // namespace glossa

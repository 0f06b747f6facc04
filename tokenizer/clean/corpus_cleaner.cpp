#include "tokenizer/clean/corpus_cleaner.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tokenizer/corpus/document_signals.h"
#include "base/atomic_file.h"
#include "base/output_batch.h"
#include "base/error.h"
#include "base/file_util.h"
#include "base/strict_json.h"
#include "tokenizer/text/utf8.h"

namespace glossa {
namespace {

constexpr size_t kExampleChars = 300;  // characters of a removed document shown in the report

// ---- JSON helpers --------------------------------------------------------------------------

template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// First `max_chars` characters of valid UTF-8 text.
std::string prefix_chars(const std::string& text, size_t max_chars) {
  const char* p = text.data();
  const char* end = p + text.size();
  for (size_t n = 0; n < max_chars && p < end; ++n) utf8::decode_next(p, end);
  return text.substr(0, size_t(p - text.data()));
}

// ---- the filters, in the order they are applied ---------------------------------------------

struct SignalFilter {
  const char* name;
  double threshold;
  bool is_minimum;  // true: removes values below the threshold; false: values above it
  double (*value)(const DocumentSignals&);
};

std::vector<SignalFilter> signal_filters(const CleanOptions& o) {
  std::vector<SignalFilter> filters;
  const auto add = [&](const char* name, auto threshold, bool is_minimum,
                       double (*value)(const DocumentSignals&)) {
    if (threshold) filters.push_back({name, double(*threshold), is_minimum, value});
  };
  add("min_chars", o.min_chars, true, [](const DocumentSignals& s) { return double(s.chars); });
  add("max_chars", o.max_chars, false, [](const DocumentSignals& s) { return double(s.chars); });
  add("min_target_script_share", o.min_target_script_share, true,
      [](const DocumentSignals& s) { return s.target_script_share; });
  add("max_duplicate_line_fraction", o.max_duplicate_line_fraction, false,
      [](const DocumentSignals& s) { return s.duplicate_line_fraction; });
  add("max_top_ngram_repetition", o.max_top_ngram_repetition, false,
      [](const DocumentSignals& s) { return s.top_ngram_repetition; });
  add("min_mean_word_length", o.min_mean_word_length, true,
      [](const DocumentSignals& s) { return s.mean_word_length; });
  add("max_mean_word_length", o.max_mean_word_length, false,
      [](const DocumentSignals& s) { return s.mean_word_length; });
  return filters;
}

// ---- output --------------------------------------------------------------------------------

// ---- the run -------------------------------------------------------------------------------

class Cleaner {
 public:
  Cleaner(const CleanOptions& options, AtomicFile& out)
      : options_(options),
        normalizer_({options.normalization, options.collapse_spaces, options.trim_lines}),
        filters_(signal_filters(options)),
        target_(options.target_script.value_or(ScriptClass::kOther)),
        exact_(options.exact_hash_bits),
        near_(options.near),
        output_(out) {
    report_.options = options;
    report_.output = out.path();
    for (const SignalFilter& f : filters_)
      report_.filters.push_back({f.name, f.threshold, 0, 0, {}});
    if (options.exact_dedup) report_.filters.push_back({"exact_duplicate", std::nullopt, 0, 0, {}});
    if (options.near_dedup)
      report_.filters.push_back({"near_duplicate", options.near.threshold, 0, 0, {}});
  }

  void process(const Document& doc) {
    ++report_.documents_in;
    report_.bytes_in += doc.text.size();
    normalizer_.normalize(doc.text, &text_);
    if (text_ != doc.text) ++report_.documents_normalized;
    if (!filters_.empty()) {
      const DocumentSignals signals = compute_signals(text_, target_);
      for (size_t i = 0; i < filters_.size(); ++i) {
        const SignalFilter& f = filters_[i];
        const double value = f.value(signals);
        if (f.is_minimum ? value < f.threshold : value > f.threshold)
          return remove(i, doc, value, 0);
      }
    }
    size_t step = filters_.size();
    if (options_.exact_dedup && exact_.is_duplicate_and_add(text_)) return remove(step, doc, 1, 0);
    step += options_.exact_dedup ? 1 : 0;
    const uint64_t record = report_.documents_kept + 1;  // 1-based line of the output
    uint64_t matched = 0;
    double similarity = 0;
    if (options_.near_dedup &&
        near_.is_near_duplicate_and_add(text_, record, &matched, &similarity))
      return remove(step, doc, similarity, matched);
    keep(doc);
  }

  CleanReport finish() {
    report_.near_dedup_memory_bytes = options_.near_dedup ? near_.memory_bytes() : 0;
    return std::move(report_);
  }

  const CleanReport& report() const { return report_; }

 private:
  void remove(size_t step, const Document& doc, double value, uint64_t duplicate_of) {
    FilterCount& count = report_.filters[step];
    ++count.documents;
    count.bytes += doc.text.size();
    if (count.examples.size() < options_.examples_per_filter)
      count.examples.push_back(
          {doc.source, doc.line, prefix_chars(text_, kExampleChars), value, duplicate_of});
  }

  void keep(const Document& doc) {
    ++report_.documents_kept;
    report_.bytes_kept += doc.text.size();
    report_.bytes_written += text_.size();
    const nlohmann::json record = {{"text", text_}, {"source", doc.source}, {"line", doc.line}};
    output_.write(record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }

  const CleanOptions& options_;
  TextNormalizer normalizer_;
  std::vector<SignalFilter> filters_;
  ScriptClass target_;
  ExactDedup exact_;
  MinHashDedup near_;
  AtomicFile& output_;  // committed with the report (OutputBatch)
  CleanReport report_;
  std::string text_;  // the current document after normalisation
};

}  // namespace

// ---- CleanOptions --------------------------------------------------------------------------

void CleanOptions::validate() const {
  const auto bad = [](const std::string& field, const std::string& what) {
    fail("clean options, field '" + field + "'", what);
  };
  const auto check_share = [&](const char* field, const std::optional<double>& v) {
    if (v && !(*v >= 0.0 && *v <= 1.0))
      bad(field, "must be a share in [0, 1], got " + std::to_string(*v));
  };
  check_share("min_target_script_share", min_target_script_share);
  check_share("max_duplicate_line_fraction", max_duplicate_line_fraction);
  check_share("max_top_ngram_repetition", max_top_ngram_repetition);
  if (min_target_script_share && !target_script)
    bad("target_script", "is required when min_target_script_share is set (e.g. \"hangul\")");
  if (target_script && (!is_letter_class(*target_script) || *target_script == ScriptClass::kOther ||
                        *target_script == ScriptClass::kCount))
    bad("target_script", "must be a writing system: hangul, han, kana, latin, cyrillic, arabic");
  if (min_chars && max_chars && *min_chars > *max_chars)
    bad("max_chars", "is below min_chars (" + std::to_string(*min_chars) + ")");
  if (min_mean_word_length && max_mean_word_length && *min_mean_word_length > *max_mean_word_length)
    bad("max_mean_word_length", "is below min_mean_word_length");
  if (exact_hash_bits != 64 && exact_hash_bits != 128)
    bad("exact_hash_bits", "must be 64 or 128, got " + std::to_string(exact_hash_bits));
  if (examples_per_filter > 1000)
    bad("examples_per_filter", "must be at most 1000, got " + std::to_string(examples_per_filter));
  near.validate();
}

nlohmann::json CleanOptions::to_json() const {
  return {{"normalization", normalization_form_name(normalization)},
          {"collapse_spaces", collapse_spaces},
          {"trim_lines", trim_lines},
          {"target_script", target_script ? nlohmann::json(script_class_name(*target_script))
                                          : nlohmann::json(nullptr)},
          {"min_chars", optional_json(min_chars)},
          {"max_chars", optional_json(max_chars)},
          {"min_target_script_share", optional_json(min_target_script_share)},
          {"max_duplicate_line_fraction", optional_json(max_duplicate_line_fraction)},
          {"max_top_ngram_repetition", optional_json(max_top_ngram_repetition)},
          {"min_mean_word_length", optional_json(min_mean_word_length)},
          {"max_mean_word_length", optional_json(max_mean_word_length)},
          {"exact_dedup", exact_dedup},
          {"exact_hash_bits", exact_hash_bits},
          {"near_dedup", near_dedup},
          {"near", near.to_json()},
          {"examples_per_filter", examples_per_filter}};
}

CleanOptions CleanOptions::from_json(const nlohmann::json& json, const std::string& where) {
  StrictJson r(json, where, "docs/corpus-cleaning.md");
  CleanOptions o;
  std::string normalization = normalization_form_name(o.normalization);
  r.get("normalization", normalization);
  try {
    o.normalization = parse_normalization_form(normalization);
  } catch (const Error& e) {
    r.fail_key("normalization", std::string("is wrong: ") + e.what());
  }
  r.get("collapse_spaces", o.collapse_spaces);
  r.get("trim_lines", o.trim_lines);
  std::optional<std::string> target;
  r.get("target_script", target);
  if (target) o.target_script = parse_script_class(*target);
  r.get("min_chars", o.min_chars);
  r.get("max_chars", o.max_chars);
  r.get("min_target_script_share", o.min_target_script_share);
  r.get("max_duplicate_line_fraction", o.max_duplicate_line_fraction);
  r.get("max_top_ngram_repetition", o.max_top_ngram_repetition);
  r.get("min_mean_word_length", o.min_mean_word_length);
  r.get("max_mean_word_length", o.max_mean_word_length);
  r.get("exact_dedup", o.exact_dedup);
  r.get("exact_hash_bits", o.exact_hash_bits);
  r.get("near_dedup", o.near_dedup);
  if (const nlohmann::json* near = r.raw("near")) o.near = MinHashConfig::from_json(*near, r.at("near"));
  r.get("examples_per_filter", o.examples_per_filter);
  r.finish();
  o.validate();
  return o;
}

nlohmann::json CleanReport::to_json() const {
  nlohmann::json filter_list = nlohmann::json::array();
  for (const FilterCount& f : filters) {
    nlohmann::json examples = nlohmann::json::array();
    for (const RemovedExample& e : f.examples) {
      nlohmann::json example = {
          {"source", e.source}, {"line", e.line}, {"text", e.text}, {"value", e.value}};
      if (e.duplicate_of) example["duplicate_of"] = e.duplicate_of;
      examples.push_back(std::move(example));
    }
    filter_list.push_back({{"name", f.name},
                           {"threshold", optional_json(f.threshold)},
                           {"documents", f.documents},
                           {"bytes", f.bytes},
                           {"examples", std::move(examples)}});
  }
  return {{"options", options.to_json()},
          {"output", output},
          {"documents_in", documents_in},
          {"bytes_in", bytes_in},
          {"documents_kept", documents_kept},
          {"bytes_kept", bytes_kept},
          {"bytes_written", bytes_written},
          {"documents_normalized", documents_normalized},
          {"filters", std::move(filter_list)},
          {"near_dedup_memory_bytes", near_dedup_memory_bytes},
          {"seconds", seconds}};
}

std::string clean_report_path(const std::string& out_jsonl) {
  const std::string suffix = ".jsonl";
  if (out_jsonl.size() > suffix.size() &&
      out_jsonl.compare(out_jsonl.size() - suffix.size(), suffix.size(), suffix) == 0)
    return out_jsonl.substr(0, out_jsonl.size() - suffix.size()) + ".report.json";
  return out_jsonl + ".report.json";
}

CleanReport clean_corpus(DocumentSource& in, const std::string& out_jsonl,
                         const CleanOptions& options, const JobControl& job) {
  options.validate();
  const auto start = std::chrono::steady_clock::now();
  job.report(0.0, "cleaning into " + out_jsonl);  // the options are in the report
  // The JSONL and its report appear together or not at all (a failed report write, Ctrl-C).
  OutputBatch outputs;
  outputs.make_dirs(std::filesystem::path(out_jsonl).parent_path().string());
  Cleaner cleaner(options, outputs.open(out_jsonl));
  Document doc;
  while (in.next(&doc)) {
    job.check_cancelled();
    cleaner.process(doc);
    const CleanReport& r = cleaner.report();
    if (r.documents_in % 1024 == 0)
      job.report(in.progress(), "cleaned " + std::to_string(r.documents_in) + " documents, kept " +
                                    std::to_string(r.documents_kept));
  }
  job.check_cancelled();
  CleanReport report = cleaner.finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outputs.write(clean_report_path(out_jsonl), report.to_json().dump(2) + "\n");
  outputs.commit();
  job.report(1.0, "cleaned " + std::to_string(report.documents_in) + " documents, kept " +
                      std::to_string(report.documents_kept));
  return report;
}

}  // namespace glossa

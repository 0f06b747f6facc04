#include "tokenizer/corpus/corpus_stats.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace glossa {
namespace {

constexpr int kJsonVersion = 1;
constexpr size_t kDefaultMaxProblems = 10;

// Every histogram of CorpusStats with its JSON name, so to_json / from_json / merge share one list.
template <typename Stats, typename Fn>
void for_each_histogram(Stats& s, Fn fn) {
  fn("document_chars", s.document_chars);
  fn("document_words", s.document_words);
  fn("target_script_share", s.target_script_share);
  fn("duplicate_line_fraction", s.duplicate_line_fraction);
  fn("top_ngram_repetition", s.top_ngram_repetition);
  fn("mean_word_length", s.mean_word_length);
}

template <typename Stats, typename Fn>
void for_each_sum(Stats& s, Fn fn) {
  fn("target_script_share", s.sum_target_script_share);
  fn("duplicate_line_fraction", s.sum_duplicate_line_fraction);
  fn("top_ngram_repetition", s.sum_top_ngram_repetition);
  fn("mean_word_length", s.sum_mean_word_length);
}

inline uint64_t spread(uint64_t h) { return h == 0 ? 1 : h; }

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

// json.at(key) with an error that names the field and what was expected.
const nlohmann::json& field(const nlohmann::json& json, const char* key, const char* where) {
  if (!json.is_object() || !json.contains(key))
    fail(std::string("corpus statistics JSON, ") + where,
         std::string("missing field '") + key + "' (was it written by CorpusStats::to_json?)");
  return json.at(key);
}

template <typename T>
T get(const nlohmann::json& json, const char* key, const char* where) {
  const auto& value = field(json, key, where);
  try {
    return value.get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("corpus statistics JSON, ") + where + "." + key,
         std::string("wrong type: ") + e.what());
  }
}

nlohmann::json histogram_to_json(const Histogram& h) {
  return {{"scale", h.scale == Histogram::Scale::kLog2 ? "log2" : "linear"},
          {"lo", h.lo},
          {"hi", h.hi},
          {"counts", h.counts}};
}

Histogram histogram_from_json(const nlohmann::json& json, const char* name) {
  Histogram h;
  const auto scale = get<std::string>(json, "scale", name);
  if (scale != "linear" && scale != "log2")
    fail(std::string("corpus statistics JSON, histogram ") + name,
         "scale '" + scale + "' is neither 'linear' nor 'log2'");
  h.scale = scale == "log2" ? Histogram::Scale::kLog2 : Histogram::Scale::kLinear;
  h.lo = get<double>(json, "lo", name);
  h.hi = get<double>(json, "hi", name);
  h.counts = get<std::vector<uint64_t>>(json, "counts", name);
  if (h.counts.empty() || !(h.hi > h.lo) || (h.scale == Histogram::Scale::kLog2 && h.lo <= 0))
    fail(std::string("corpus statistics JSON, histogram ") + name,
         "needs at least one bin and 0 < lo < hi (log2) or lo < hi (linear)");
  return h;
}

nlohmann::json problems_to_json(const std::vector<InputProblem>& problems) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : problems)
    out.push_back(
        {{"file", p.file}, {"line", p.line}, {"byte_offset", p.byte_offset}, {"what", p.what}});
  return out;
}

std::vector<InputProblem> problems_from_json(const nlohmann::json& json, const char* where) {
  std::vector<InputProblem> out;
  if (!json.is_array()) fail(std::string("corpus statistics JSON, ") + where, "expected an array");
  for (const auto& p : json)
    out.push_back({get<std::string>(p, "file", where), get<uint64_t>(p, "line", where),
                   get<uint64_t>(p, "byte_offset", where), get<std::string>(p, "what", where)});
  return out;
}

}  // namespace

// ---- Histogram ----

size_t Histogram::bin_of(double value) const {
  const size_t n = counts.size();
  double position;  // in bins from lo
  if (scale == Scale::kLinear) {
    position = (value - lo) / (hi - lo) * double(n);
  } else {
    if (value <= lo) return 0;
    // One bin per octave from 1 (the count histograms): the binary exponent, no log2 call.
    if (lo == 1 && hi == std::ldexp(1.0, int(n))) return std::min(n - 1, size_t(std::ilogb(value)));
    position = std::log2(value / lo) / std::log2(hi / lo) * double(n);
  }
  if (!(position >= 0)) return 0;  // also NaN
  return std::min(n - 1, size_t(position));
}

double Histogram::lower_edge(size_t bin) const {
  const double f = double(bin) / double(counts.size());
  return scale == Scale::kLinear ? lo + f * (hi - lo) : lo * std::exp2(f * std::log2(hi / lo));
}

uint64_t Histogram::total() const {
  uint64_t sum = 0;
  for (uint64_t c : counts) sum += c;
  return sum;
}

bool Histogram::same_bins(const Histogram& o) const {
  return scale == o.scale && lo == o.lo && hi == o.hi && counts.size() == o.counts.size();
}

// ---- HashSet64 ----

bool HashSet64::insert(uint64_t hash) {
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // load factor at most 3/4
  hash = spread(hash);
  const size_t mask = slots_.size() - 1;
  size_t i = size_t(hash) & mask;
  while (slots_[i] != 0) {
    if (slots_[i] == hash) return false;
    i = (i + 1) & mask;
  }
  slots_[i] = hash;
  ++size_;
  return true;
}

void HashSet64::grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
  const size_t mask = slots_.size() - 1;
  for (uint64_t h : old) {
    if (h == 0) continue;
    size_t i = size_t(h) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h;
  }
}

void HashSet64::merge(const HashSet64& other) {
  for (uint64_t h : other.slots_)
    if (h != 0) insert(h);
}

bool HashSet64::operator==(const HashSet64& other) const {
  if (size_ != other.size_) return false;
  HashSet64 copy = *this;
  for (uint64_t h : other.slots_)
    if (h != 0 && copy.insert(h)) return false;
  return true;
}

// ---- CorpusStats ----

CorpusStats::CorpusStats(ScriptClass target)
    : target(target),
      document_chars(Histogram::Scale::kLog2, 1, std::exp2(40), 40),
      document_words(Histogram::Scale::kLog2, 1, std::exp2(32), 32),
      target_script_share(Histogram::Scale::kLinear, 0, 1, 20),
      duplicate_line_fraction(Histogram::Scale::kLinear, 0, 1, 20),
      top_ngram_repetition(Histogram::Scale::kLinear, 0, 1, 20),
      mean_word_length(Histogram::Scale::kLog2, 1, 256, 32) {}

void CorpusStats::add_hashed(uint64_t text_hash, const DocumentSignals& s) {
  ++documents;
  bytes += s.bytes;
  chars += s.chars;
  words += s.words;
  const uint64_t doc_letters = letter_chars(s);
  letters += doc_letters;
  for (size_t c = 0; c < kScriptClassCount; ++c) script_chars[c] += s.script_chars[c];
  document_chars.add(double(s.chars));
  document_words.add(double(s.words));
  if (doc_letters > 0) {
    ++documents_with_letters;
    sum_target_script_share += s.target_script_share;
    target_script_share.add(s.target_script_share);
  }
  if (s.words > 0) {
    ++documents_with_words;
    sum_mean_word_length += s.mean_word_length;
    mean_word_length.add(s.mean_word_length);
  }
  sum_duplicate_line_fraction += s.duplicate_line_fraction;
  duplicate_line_fraction.add(s.duplicate_line_fraction);
  sum_top_ngram_repetition += s.top_ngram_repetition;
  top_ngram_repetition.add(s.top_ngram_repetition);
  if (hashes_known) hashes.insert(text_hash);
}

void CorpusStats::merge(const CorpusStats& o) {
  if (o.target != target)
    fail("merging corpus statistics", std::string("target scripts differ (") +
                                          script_class_name(target) + " vs " +
                                          script_class_name(o.target) + ")");
  if ((!hashes_known || !o.hashes_known) && documents > 0 && o.documents > 0)
    fail("merging corpus statistics",
         "one side was loaded from JSON, which does not keep the document hashes needed to find "
         "duplicates across both; rescan instead");
  if (!o.hashes_known) hashes_known = false, loaded_unique = o.loaded_unique;
  documents += o.documents;
  bytes += o.bytes;
  chars += o.chars;
  words += o.words;
  letters += o.letters;
  for (size_t c = 0; c < kScriptClassCount; ++c) script_chars[c] += o.script_chars[c];
  documents_with_letters += o.documents_with_letters;
  documents_with_words += o.documents_with_words;
  sum_target_script_share += o.sum_target_script_share;
  sum_duplicate_line_fraction += o.sum_duplicate_line_fraction;
  sum_top_ngram_repetition += o.sum_top_ngram_repetition;
  sum_mean_word_length += o.sum_mean_word_length;
  auto add_bins = [](Histogram& into, const Histogram& from) {
    if (!into.same_bins(from)) fail("merging corpus statistics", "histograms have different bins");
    for (size_t i = 0; i < into.counts.size(); ++i) into.counts[i] += from.counts[i];
  };
  add_bins(document_chars, o.document_chars);
  add_bins(document_words, o.document_words);
  add_bins(target_script_share, o.target_script_share);
  add_bins(duplicate_line_fraction, o.duplicate_line_fraction);
  add_bins(top_ngram_repetition, o.top_ngram_repetition);
  add_bins(mean_word_length, o.mean_word_length);
  if (hashes_known) hashes.merge(o.hashes);
  if (o.read) {
    if (!read) read = CorpusReadStats{};
    merge_read_stats(*read, *o.read);
  }
}

double CorpusStats::duplicate_ratio() const {
  return ratio(double(duplicate_documents()), double(documents));
}
double CorpusStats::char_share(ScriptClass c) const {
  return ratio(double(script_chars[size_t(c)]), double(chars));
}
double CorpusStats::letter_share(ScriptClass c) const {
  return is_letter_class(c) ? ratio(double(script_chars[size_t(c)]), double(letters)) : 0.0;
}

nlohmann::json CorpusStats::to_json() const {
  nlohmann::json j;
  j["format"] = "glossa.corpus_stats";
  j["version"] = kJsonVersion;
  j["target_script"] = script_class_name(target);
  j["documents"] = documents;
  j["bytes"] = bytes;
  j["chars"] = chars;
  j["words"] = words;
  j["letters"] = letters;
  j["unique_documents"] = unique_documents();
  j["duplicate_documents"] = duplicate_documents();
  j["duplicate_ratio"] = duplicate_ratio();
  j["documents_with_letters"] = documents_with_letters;
  j["documents_with_words"] = documents_with_words;
  nlohmann::json counts, char_shares, letter_shares;
  for (size_t c = 0; c < kScriptClassCount; ++c) {
    const auto sc = ScriptClass(c);
    counts[script_class_name(sc)] = script_chars[c];
    char_shares[script_class_name(sc)] = char_share(sc);
    if (is_letter_class(sc)) letter_shares[script_class_name(sc)] = letter_share(sc);
  }
  j["script_chars"] = counts;
  j["char_shares"] = char_shares;
  j["letter_shares"] = letter_shares;
  nlohmann::json sums;
  for_each_sum(*this, [&](const char* name, double v) { sums[name] = v; });
  j["signal_sums"] = sums;
  j["signal_means"] = {
      {"target_script_share", ratio(sum_target_script_share, double(documents_with_letters))},
      {"duplicate_line_fraction", ratio(sum_duplicate_line_fraction, double(documents))},
      {"top_ngram_repetition", ratio(sum_top_ngram_repetition, double(documents))},
      {"mean_word_length", ratio(sum_mean_word_length, double(documents_with_words))},
      {"document_chars", ratio(double(chars), double(documents))},
      {"document_words", ratio(double(words), double(documents))}};
  nlohmann::json histograms;
  for_each_histogram(*this, [&](const char* name, const Histogram& h) {
    histograms[name] = histogram_to_json(h);
  });
  j["histograms"] = histograms;
  if (read) j["read"] = read_stats_to_json(*read);
  return j;
}

CorpusStats CorpusStats::from_json(const nlohmann::json& j) {
  const char* top = "top level";
  if (get<std::string>(j, "format", top) != "glossa.corpus_stats")
    fail("corpus statistics JSON", "field 'format' is not 'glossa.corpus_stats'");
  const int version = get<int>(j, "version", top);
  if (version != kJsonVersion)
    fail("corpus statistics JSON", "version " + std::to_string(version) +
                                       " is not supported (this build reads version " +
                                       std::to_string(kJsonVersion) + "); rescan the corpus");
  const auto target_name = get<std::string>(j, "target_script", top);
  const auto target = try_parse_script_class(target_name);
  if (!target) fail("corpus statistics JSON, target_script", "unknown class '" + target_name + "'");
  CorpusStats s(*target);
  s.documents = get<uint64_t>(j, "documents", top);
  s.bytes = get<uint64_t>(j, "bytes", top);
  s.chars = get<uint64_t>(j, "chars", top);
  s.words = get<uint64_t>(j, "words", top);
  s.letters = get<uint64_t>(j, "letters", top);
  s.documents_with_letters = get<uint64_t>(j, "documents_with_letters", top);
  s.documents_with_words = get<uint64_t>(j, "documents_with_words", top);
  s.hashes_known = false;
  s.loaded_unique = get<uint64_t>(j, "unique_documents", top);
  const auto& counts = field(j, "script_chars", top);
  for (size_t c = 0; c < kScriptClassCount; ++c)
    s.script_chars[c] = get<uint64_t>(counts, script_class_name(ScriptClass(c)), "script_chars");
  const auto& sums = field(j, "signal_sums", top);
  for_each_sum(s, [&](const char* name, double& v) { v = get<double>(sums, name, "signal_sums"); });
  const auto& histograms = field(j, "histograms", top);
  for_each_histogram(s, [&](const char* name, Histogram& h) {
    h = histogram_from_json(field(histograms, name, "histograms"), name);
  });
  if (j.contains("read")) s.read = read_stats_from_json(j.at("read"));
  return s;
}

// ---- CorpusReadStats ----

void merge_read_stats(CorpusReadStats& into, const CorpusReadStats& o) {
  into.documents += o.documents;
  into.text_bytes += o.text_bytes;
  into.input_bytes += o.input_bytes;
  into.invalid_utf8 += o.invalid_utf8;
  into.skipped_records += o.skipped_records;
  into.split_documents += o.split_documents;
  into.empty_documents += o.empty_documents;
  auto append = [](std::vector<InputProblem>& a, const std::vector<InputProblem>& b) {
    const size_t keep = std::max({a.size(), b.size(), kDefaultMaxProblems});
    for (const auto& p : b)
      if (a.size() < keep) a.push_back(p);
  };
  append(into.first_invalid_utf8, o.first_invalid_utf8);
  append(into.first_skipped, o.first_skipped);
}

nlohmann::json read_stats_to_json(const CorpusReadStats& r) {
  return {{"documents", r.documents},
          {"text_bytes", r.text_bytes},
          {"input_bytes", r.input_bytes},
          {"invalid_utf8", r.invalid_utf8},
          {"skipped_records", r.skipped_records},
          {"split_documents", r.split_documents},
          {"empty_documents", r.empty_documents},
          {"first_invalid_utf8", problems_to_json(r.first_invalid_utf8)},
          {"first_skipped", problems_to_json(r.first_skipped)}};
}

CorpusReadStats read_stats_from_json(const nlohmann::json& j) {
  const char* w = "read";
  CorpusReadStats r;
  r.documents = get<uint64_t>(j, "documents", w);
  r.text_bytes = get<uint64_t>(j, "text_bytes", w);
  r.input_bytes = get<uint64_t>(j, "input_bytes", w);
  r.invalid_utf8 = get<uint64_t>(j, "invalid_utf8", w);
  r.skipped_records = get<uint64_t>(j, "skipped_records", w);
  r.split_documents = get<uint64_t>(j, "split_documents", w);
  r.empty_documents = get<uint64_t>(j, "empty_documents", w);
  r.first_invalid_utf8 =
      problems_from_json(field(j, "first_invalid_utf8", w), "first_invalid_utf8");
  r.first_skipped = problems_from_json(field(j, "first_skipped", w), "first_skipped");
  return r;
}

}  // namespace glossa

#include "tokenizer/vocab/vocab_counter.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>

#include "tokenizer/corpus/document_batch_pool.h"
#include "tokenizer/spm/bpe_encoder.h"
#include "base/error.h"
#include "tokenizer/spm/short_hash.h"
#include "tokenizer/text/unicode_script.h"
#include "tokenizer/text/utf8.h"

namespace glossa {

// ---------------------------------------------------------------------------------------------
// Why cutting a document into segments is exact (see also docs/vocabulary-expansion.md).
//
// A document is cut before every ASCII space (0x20) that follows a non-space byte: "a  b c"
// becomes "a" | "  b" | " c". The first segment is encoded as it is; every later one with exactly
// ONE leading space removed ("  b" -> " b", " c" -> "c"), because SentencePiece's dummy prefix
// puts back the "▁" that space stood for. Three things must hold:
//
// 1. Normalisation is local: the normalised document is the concatenation of the normalised
//    segments. SentencePiece normalises (a) leading whitespace: removed when
//    remove_extra_whitespaces is on, kept otherwise — only the first segment can have it, and it
//    is encoded unchanged; (b) the dummy prefix "▁" is added to non-empty input — for a later
//    segment it stands exactly for the removed space; (c) inner whitespace runs are collapsed to
//    one "▁" when remove_extra_whitespaces is on — a later segment "  b" becomes " b" and then
//    "▁b", the same single "▁" the whole document keeps; with it off, "▁" + "▁b" = "▁▁b" as in
//    the whole document; (d) trailing whitespace: removed when on (a segment of spaces only
//    encodes to nothing, as in the whole); kept when off — but a final segment that is exactly
//    one space would lose its "▁" (the dummy prefix is only added to non-empty input), so it is
//    kept with the segment before it. Characters are mapped by the precompiled charsmap one
//    longest match at a time; no rule of SentencePiece's normalisers has a space inside its key,
//    so no match crosses a cut (the tests check this on real text).
// 2. The character before each cut is not "▁" in the normalised text. The byte before a cut is
//    not a space, and no cut follows a literal "▁" (U+2581) of the raw text, which every
//    normaliser keeps as the space symbol. But a normaliser may map a character to a space (NFKC:
//    U+00A0, U+3000; nmt: tab, newline) or to nothing (U+200B). With remove_extra_whitespaces on,
//    runs of such spaces collapse into the one "▁" that starts the next segment, so the character
//    before the cut is the last non-space character; with it off only the identity normaliser is
//    safe.
// 3. No piece contains "▁" after another character. Then no BPE merge, unigram lattice edge or
//    user-defined match can cross a cut, and the encoder's work on each side is independent:
//    BPE picks merges by score then position, and the relative order of one side's merges is
//    the same with or without the other side; Viterbi's best path passes through the cut node.
//    (A unigram model adds the prefix's score to both alternatives it compares after a cut;
//    float rounding could, in theory, turn a near tie the other way.)
// Tabs, newlines and other whitespace are not cut points: they stay inside a segment, which is
// always safe (a segment may be as long as the whole document).
// ---------------------------------------------------------------------------------------------

namespace {

// True when "▁" occurs in `piece` right after a character that is not "▁".
bool has_inner_space_symbol(std::string_view piece) {
  constexpr char32_t kSpace = 0x2581;
  bool after_other = false;
  const char* p = piece.data();
  const char* end = p + piece.size();
  while (p < end) {
    const char32_t c = utf8::decode_next(p, end);
    if (c == kSpace && after_other) return true;
    after_other = c != kSpace;
  }
  return false;
}


// Open-addressing table raw segment -> (ids, script characters, pending count), keys and data in
// arenas so a lookup allocates nothing. Bounded: past max_entries the counts are flushed and only
// the most often hit entries survive.
class SegmentMemo {
 public:
  struct Entry {
    uint64_t hash;
    uint32_t key_offset, key_length;
    uint32_t data_offset;  // ids then characters in data_
    uint16_t id_count, char_count;
    uint32_t hits;     // lookups since it entered or since the last eviction (halved there)
    uint64_t pending;  // occurrences not yet added to the counts
  };

  explicit SegmentMemo(size_t max_entries) : max_entries_(std::max<size_t>(max_entries, 16)) {
    rehash(64);
  }

  Entry* find(std::string_view key, uint64_t hash) {
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const uint32_t slot = slots_[i];
      if (slot == 0) return nullptr;
      Entry& e = entries_[slot - 1];
      if (e.hash == hash && e.key_length == key.size() &&
          std::memcmp(keys_.data() + e.key_offset, key.data(), key.size()) == 0) {
        return &e;
      }
    }
  }

  void insert(std::string_view key, uint64_t hash, const std::vector<int>& ids,
              const std::vector<int>& chars) {
    Entry e{hash,
            uint32_t(keys_.size()),
            uint32_t(key.size()),
            uint32_t(data_.size()),
            uint16_t(ids.size()),
            uint16_t(chars.size()),
            1,
            1};
    keys_.append(key);
    data_.insert(data_.end(), ids.begin(), ids.end());
    data_.insert(data_.end(), chars.begin(), chars.end());
    entries_.push_back(e);
    if (entries_.size() * 2 > slots_.size()) {
      rehash(slots_.size() * 2);
    } else {
      place(entries_.size() - 1);
    }
  }

  bool full() const { return entries_.size() >= max_entries_; }
  size_t size() const { return entries_.size(); }

  // Calls add(ids, chars, pending) for every entry with pending occurrences and clears them.
  template <typename Add>
  void flush(Add&& add) {
    for (Entry& e : entries_) {
      if (e.pending == 0) continue;
      const int* ids = data_.data() + e.data_offset;
      add(ids, e.id_count, ids + e.id_count, e.char_count, e.pending);
      e.pending = 0;
    }
  }

  // Keeps at most half the capacity, the entries hit most (and at least twice); call after
  // flush. Hit counts are halved so that new segments can compete.
  void evict() {
    std::vector<uint32_t> hits;
    hits.reserve(entries_.size());
    for (const Entry& e : entries_) hits.push_back(e.hits);
    const size_t keep = max_entries_ / 2;
    uint32_t threshold = 2;
    if (hits.size() > keep) {
      std::nth_element(hits.begin(), hits.begin() + keep, hits.end(), std::greater<>());
      threshold = std::max<uint32_t>(threshold, hits[keep] + 1);
    }
    std::vector<Entry> kept;
    std::string keys;
    std::vector<int> data;
    for (const Entry& e : entries_) {
      if (e.hits < threshold) continue;
      Entry k = e;
      k.key_offset = uint32_t(keys.size());
      k.data_offset = uint32_t(data.size());
      k.hits = e.hits / 2;
      keys.append(keys_, e.key_offset, e.key_length);
      data.insert(data.end(), data_.begin() + e.data_offset,
                  data_.begin() + e.data_offset + e.id_count + e.char_count);
      kept.push_back(k);
    }
    entries_ = std::move(kept);
    keys_ = std::move(keys);
    data_ = std::move(data);
    size_t slots = 64;
    while (slots < entries_.size() * 2) slots *= 2;
    rehash(slots);
  }

 private:
  void place(size_t index) {
    for (size_t i = entries_[index].hash & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == 0) {
        slots_[i] = uint32_t(index + 1);
        return;
      }
    }
  }
  void rehash(size_t slot_count) {
    slots_.assign(slot_count, 0);
    mask_ = slot_count - 1;
    for (size_t i = 0; i < entries_.size(); ++i) place(i);
  }

  size_t max_entries_;
  std::vector<uint32_t> slots_;  // 0 = empty, else index into entries_ + 1; power-of-two size
  size_t mask_ = 0;
  std::vector<Entry> entries_;
  std::string keys_;
  std::vector<int> data_;
};

}  // namespace


MemoPlan memo_plan(const SpModel& model) {
  const SpSettings s = model.settings();
  if (!s.split_by_whitespace) return {false, "split_by_whitespace is off"};
  if (!s.add_dummy_prefix) return {false, "add_dummy_prefix is off"};
  if (s.treat_whitespace_as_suffix) return {false, "treat_whitespace_as_suffix is on"};
  if (!s.escape_whitespaces) return {false, "escape_whitespaces is off"};
  if (!s.remove_extra_whitespaces && s.normalizer_name != "identity") {
    return {false, "remove_extra_whitespaces is off and the normalizer '" + s.normalizer_name +
                       "' may map a non-space character to a space"};
  }
  for (int id = 0; id < model.size(); ++id) {
    const Piece& p = model.piece(id);
    const bool matchable = p.type == PieceType::kNormal || p.type == PieceType::kUserDefined ||
                           p.type == PieceType::kUnused;
    if (matchable && has_inner_space_symbol(p.piece)) {
      return {false, "piece " + std::to_string(id) + " '" + p.piece +
                         "' has \"▁\" after another character"};
    }
  }
  return {true, ""};
}

namespace {

// What every worker reads (set up before the pool runs).
struct Shared {
  Shared(const SpProcessor& p, const CountOptions& o) : processor(p), options(o) {}
  const SpProcessor& processor;
  const CountOptions& options;
  bool memoize = false;
  // Our exact BPE for memo misses (libsentencepiece is ~3 MB/s); null: SentencePiece encodes.
  std::optional<BpeEncoder> bpe;
  char32_t char_lo = 0, char_hi = 0;  // span of options.char_ranges (dense char counts)
  std::vector<uint8_t> char_member;    // [char_hi - char_lo + 1]: 1 inside options.char_ranges
};

class Worker {
 public:
  explicit Worker(Shared& shared) : shared_(shared), memo_(shared.options.memo_max_entries) {
    tokens_.assign(size_t(shared.processor.vocab_size()), 0);
    if (!shared.options.char_ranges.empty())
      chars_.assign(size_t(shared.char_hi - shared.char_lo) + 1, 0);
  }

  void count(const DocumentBatch& batch) {
    for (const Document& doc : batch.documents) count_document(doc.text);
  }

  // Adds what the memo still holds to the counts (after the last batch).
  void flush() {
    memo_.flush([this](const int* ids, size_t id_count, const int* chars, size_t char_count,
                       uint64_t n) { add(ids, id_count, chars, char_count, n); });
  }

  std::vector<uint64_t> tokens_;
  std::vector<uint64_t> chars_;  // [char_hi - char_lo + 1]
  uint64_t segments_ = 0, hits_ = 0;

 private:
  void count_document(std::string_view doc) {
    if (doc.empty()) return;
    if (!shared_.memoize) {
      encode_and_add(doc);
      return;
    }
    const size_t n = doc.size();
    size_t begin = 0;
    while (begin < n) {
      size_t end = next_cut(doc, begin);
      if (end + 1 == n) end = n;  // a final lone space stays with its segment (point 1d)
      const size_t skip = begin == 0 ? 0 : 1;
      count_segment(doc.substr(begin + skip, end - begin - skip));
      begin = end;
    }
  }

  // The first cut after `from`: an ASCII space after a byte that is neither a space nor the end
  // of a literal "▁" (U+2581, which is already the space symbol: point 2); n when none.
  static size_t next_cut(std::string_view doc, size_t from) {
    const size_t n = doc.size();
    size_t q = from;
    while (true) {
      while (q < n && doc[q] == ' ') ++q;
      const void* space = q < n ? std::memchr(doc.data() + q, ' ', n - q) : nullptr;
      if (space == nullptr) return n;
      const size_t p = size_t(static_cast<const char*>(space) - doc.data());
      if (p < 3 || doc.compare(p - 3, 3, "\xE2\x96\x81") != 0) return p;
      q = p;
    }
  }

  void count_segment(std::string_view key) {
    ++segments_;
    if (key.size() > shared_.options.memo_max_key_bytes) {
      encode_and_add(key);
      return;
    }
    const uint64_t hash = short_hash(key);
    if (SegmentMemo::Entry* e = memo_.find(key, hash)) {
      ++e->pending;
      ++e->hits;
      ++hits_;
      return;
    }
    if (memo_.full()) {
      flush();
      memo_.evict();
    }
    encode_segment(key);
    collect_chars(key);
    memo_.insert(key, hash, ids_, script_chars_);
  }

  // A memo miss or a segment too long for the memo: our BPE when it can reproduce the model.
  void encode_segment(std::string_view key) {
    if (shared_.bpe) {
      shared_.bpe->encode(key, &ids_);
    } else {
      shared_.processor.encode(key, &ids_);
    }
  }

  void encode_and_add(std::string_view text) {
    if (shared_.memoize) {
      encode_segment(text);
    } else {
      shared_.processor.encode(text, &ids_);  // the reference path: whole documents
    }
    collect_chars(text);
    add(ids_.data(), ids_.size(), script_chars_.data(), script_chars_.size(), 1);
  }

  void collect_chars(std::string_view text) {
    script_chars_.clear();
    if (chars_.empty()) return;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
      const char32_t c = utf8::decode_next(p, end);
      if (c >= shared_.char_lo && c <= shared_.char_hi &&
          shared_.char_member[size_t(c - shared_.char_lo)]) {
        script_chars_.push_back(int(c));
      }
    }
  }

  void add(const int* ids, size_t id_count, const int* chars, size_t char_count, uint64_t n) {
    for (size_t i = 0; i < id_count; ++i) tokens_[size_t(ids[i])] += n;
    for (size_t i = 0; i < char_count; ++i) chars_[size_t(chars[i]) - shared_.char_lo] += n;
  }



  Shared& shared_;
  SegmentMemo memo_;
  std::vector<int> ids_;           // reused encode output
  std::vector<int> script_chars_;  // reused: script code points of the current text
};

// A table instead of a search: Latin or Han have dozens of ranges, tested per character.
void set_char_table(const std::vector<CodeRange>& ranges, Shared* shared) {
  shared->char_lo = ranges.front().first;
  shared->char_hi = ranges.front().last;
  for (const CodeRange& r : ranges) {
    if (r.first > r.last || r.last > 0x10FFFF) fail("count_corpus", "bad code point range");
    shared->char_lo = std::min(shared->char_lo, r.first);
    shared->char_hi = std::max(shared->char_hi, r.last);
  }
  shared->char_member.assign(size_t(shared->char_hi - shared->char_lo) + 1, 0);
  for (const CodeRange& r : ranges)
    std::fill(shared->char_member.begin() + (r.first - shared->char_lo),
              shared->char_member.begin() + (r.last - shared->char_lo) + 1, uint8_t(1));
}

void sum_into(CountResult* result, std::vector<uint64_t>* chars, const Worker& w) {
  for (size_t i = 0; i < w.tokens_.size(); ++i) result->token_counts[i] += w.tokens_[i];
  for (size_t i = 0; i < w.chars_.size(); ++i) (*chars)[i] += w.chars_[i];
  result->segments += w.segments_;
  result->memo_hits += w.hits_;
}

}  // namespace

CountResult count_corpus(const SpProcessor& processor, DocumentSource& source,
                         const CountOptions& options, const JobControl& job) {
  const auto start = std::chrono::steady_clock::now();
  Shared shared(processor, options);
  const MemoPlan plan = memo_plan(processor.model());
  shared.memoize = options.memoize && plan.exact;
  std::string bpe_why_not;
  if (shared.memoize) shared.bpe = BpeEncoder::try_create(processor.model(), &bpe_why_not);
  if (!options.char_ranges.empty()) set_char_table(options.char_ranges, &shared);
  BatchPoolOptions pool_options;
  pool_options.workers = std::max(1, options.threads);
  pool_options.batch_bytes = options.batch_bytes;
  pool_options.verb = "counted tokens of";
  DocumentBatchPool pool(source, pool_options, job);
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t i = 0; i < pool.workers(); ++i) workers.push_back(std::make_unique<Worker>(shared));
  pool.run([&](size_t w, DocumentBatch& batch) { workers[w]->count(batch); });
  for (auto& w : workers) w->flush();
  CountResult result;
  result.token_counts.assign(size_t(processor.vocab_size()), 0);
  std::vector<uint64_t> chars(workers[0]->chars_.size(), 0);
  for (const auto& w : workers) sum_into(&result, &chars, *w);
  for (size_t i = 0; i < chars.size(); ++i)
    if (chars[i] != 0) result.char_counts.emplace_back(shared.char_lo + char32_t(i), chars[i]);
  for (const uint64_t c : result.token_counts) result.tokens += c;
  result.documents = pool.documents();
  result.text_bytes = pool.bytes();
  result.memoized = shared.memoize;
  result.memo_reason = shared.memoize ? "" : (options.memoize ? plan.reason : "memoize is off");
  result.encoder = shared.bpe
                       ? "bpe_encoder"
                       : "sentencepiece" + (bpe_why_not.empty() ? "" : " (" + bpe_why_not + ")");
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  job.report(1.0, "counted " + std::to_string(result.documents) + " documents");
  return result;
}

std::vector<uint64_t> count_tokens(const SpProcessor& processor, DocumentSource& source,
                                   const CountOptions& options, const JobControl& job) {
  return count_corpus(processor, source, options, job).token_counts;
}

}  // namespace glossa

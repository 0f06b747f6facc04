#include "tokenizer/spm/bpe_encoder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/error.h"
#include "tokenizer/spm/short_hash.h"
#include "tokenizer/spm/protobuf_wire.h"
#include "tokenizer/text/utf8.h"

namespace glossa {

// ---------------------------------------------------------------------------------------------
// What SentencePiece (0.1.97) does to encode with a BPE model, as reproduced here; every rule is
// checked by tests/tokenizer/test_bpe_encoder.cpp against libsentencepiece itself.
//
// Normalisation without a charsmap (Normalizer::Normalize): the text is taken one chunk at a time
// (a USER_DEFINED piece by longest match, else one UTF-8 character; an invalid byte becomes
// U+FFFD and consumes that one byte). With remove_extra_whitespaces, leading ASCII spaces are
// dropped, a space right after a space is dropped, and trailing space symbols are removed at the
// end (even a literal "▁" of the input). Input that is then empty encodes to nothing. Otherwise
// add_dummy_prefix puts one space symbol first, and escape_whitespaces writes each ASCII space as
// "▁" (U+2581). Tabs, newlines and other whitespace are ordinary characters.
//
// BPE (bpe::Model::Encode): the symbols are the chunks of the normalised text (USER_DEFINED
// matches are frozen: never merged). Repeatedly, of all adjacent pairs whose concatenation is a
// NORMAL, USER_DEFINED or UNUSED piece, the one with the largest score is merged, ties going to
// the leftmost. A merged UNUSED piece is finally split again into the two parts that were last
// proposed for a merge into that piece string anywhere in the text (SentencePiece keeps one
// "reverse merge" per string, overwritten at each proposal), recursively.
//
// Ids (PieceToId, then PopulateSentencePieceText): CONTROL, UNKNOWN and BYTE pieces are looked up
// before the others; a symbol that is no piece gets the unk id; an unk symbol becomes its UTF-8
// bytes as "<0xNN>" pieces when byte_fallback is on (unk where such a piece is missing); without
// byte fallback a run of unknown symbols gives ONE unk id. A CONTROL piece reachable as a symbol
// makes SentencePiece fail ("all normalized characters are not consumed"): such models are
// refused.
// ---------------------------------------------------------------------------------------------

namespace {

constexpr char kSpaceSymbol[] = "\xE2\x96\x81";  // U+2581, 3 bytes
constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD, 3 bytes


// memcmp(a, b, n) == 0 for the short strings of a piece table, without a library call.
inline bool same_bytes(const char* a, const char* b, size_t n) {
  while (n >= 8) {
    uint64_t x, y;
    std::memcpy(&x, a, 8);
    std::memcpy(&y, b, 8);
    if (x != y) return false;
    a += 8;
    b += 8;
    n -= 8;
  }
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// NormalizerSpec.precompiled_charsmap (field 2 of ModelProto field 3); empty when absent.
std::string precompiled_charsmap(const SpModel& model) {
  const std::string bytes = model.serialize();
  wire::Reader top(bytes, "model");
  wire::Field f;
  while (top.next(&f)) {
    if (f.number != 3 || f.type != wire::WireType::kLengthDelimited) continue;
    wire::Reader spec(f.bytes, "normalizer_spec");
    wire::Field g;
    while (spec.next(&g))
      if (g.number == 2 && g.type == wire::WireType::kLengthDelimited) return std::string(g.bytes);
  }
  return {};
}

bool is_reserved(PieceType t) {
  return t == PieceType::kControl || t == PieceType::kUnknown || t == PieceType::kByte;
}

}  // namespace

// Per-thread buffers, reused by every call (no allocation once they have grown).
struct BpeEncoder::Scratch {
  struct Sym {
    uint32_t start, len;
    int32_t prev, next;  // linked list (heap path only)
    const Slot* slot;    // the piece it has become by merging; null for an initial chunk
    bool frozen;         // USER_DEFINED match: never merged
  };
  struct Candidate {  // a proposed merge of `left` with the symbol after it
    float score;
    int32_t left, right;
    uint32_t len;  // bytes of the merged piece (a stale candidate's no longer match)
    const Slot* slot;
  };
  struct Proposal {  // SentencePiece's reverse merge of an UNUSED piece
    const Slot* slot;
    uint32_t left_start, left_len, right_len;
  };
  std::string norm;
  std::vector<Sym> syms;
  std::vector<Candidate> cands;
  std::vector<Proposal> proposals;
};

class BpeEncoder::Run {
 public:
  Run(const BpeEncoder& e, Scratch& s, std::vector<int>* ids) : e_(e), s_(s), ids_(ids) {}

  void encode(std::string_view raw) {
    normalize(raw);
    if (s_.norm.empty()) return;
    split_symbols();
    s_.proposals.clear();
    linked_ = s_.syms.size() > kScanLimit;
    if (!linked_) {
      merge_by_scan();
    } else {
      merge_by_heap();
    }
    emit_all();
  }

 private:
  // Up to this many symbols a quadratic scan beats a heap (measured on NSMC segments).
  static constexpr size_t kScanLimit = 48;

  void put_space() {
    if (e_.escape_whitespaces_) {
      s_.norm.append(kSpaceSymbol, 3);
    } else {
      s_.norm.push_back(' ');
    }
  }

  // Length of the USER_DEFINED piece matching at p (longest), 0 when none.
  size_t user_defined_at(const char* p, const char* end) const {
    for (const std::string& u : e_.user_defined_)  // longest first
      if (size_t(end - p) >= u.size() && std::memcmp(p, u.data(), u.size()) == 0) return u.size();
    return 0;
  }

  void normalize(std::string_view raw) {
    std::string& out = s_.norm;
    out.clear();
    const char* p = raw.data();
    const char* end = p + raw.size();
    const bool collapse = e_.remove_extra_whitespaces_;
    if (collapse)
      while (p < end && *p == ' ') ++p;
    if (p == end) return;
    if (e_.add_dummy_prefix_) put_space();
    bool prev_space = collapse;
    const bool ud = !e_.user_defined_.empty();
    while (p < end) {
      const auto b = static_cast<unsigned char>(*p);
      if (b == ' ') {
        if (!prev_space) put_space();
        prev_space = collapse;
        ++p;
        continue;
      }
      prev_space = false;
      if (ud) {
        if (const size_t n = user_defined_at(p, end)) {
          out.append(p, n);
          p += n;
          continue;
        }
      }
      if (b < 0x80) {
        out.push_back(char(b));
        ++p;
        continue;
      }
      const auto* u = reinterpret_cast<const unsigned char*>(p);
      const size_t n =
          utf8::detail::valid_multibyte_length(u, reinterpret_cast<const unsigned char*>(end));
      if (n == 0) {  // one invalid byte -> U+FFFD
        out.append(kReplacement, 3);
        ++p;
      } else {
        out.append(p, n);
        p += n;
      }
    }
    if (collapse) {
      const size_t w = e_.escape_whitespaces_ ? 3 : 1;
      const char* sym = e_.escape_whitespaces_ ? kSpaceSymbol : " ";
      while (out.size() >= w && std::memcmp(out.data() + out.size() - w, sym, w) == 0)
        out.resize(out.size() - w);
    }
  }

  void split_symbols() {
    s_.syms.clear();
    const std::string& t = s_.norm;
    const char* base = t.data();
    const char* end = base + t.size();
    const bool ud = !e_.user_defined_.empty();
    for (const char* p = base; p < end;) {
      size_t n = ud ? user_defined_at(p, end) : 0;
      const bool frozen = n != 0;
      if (!frozen) n = std::min(utf8::sequence_length(static_cast<unsigned char>(*p)), size_t(end - p));
      const auto i = int32_t(s_.syms.size());
      s_.syms.push_back({uint32_t(p - base), uint32_t(n), i - 1, i + 1, nullptr, frozen});
      p += n;
    }
    s_.syms.back().next = -1;
  }

  // The piece that symbols a and b (adjacent) would merge into, or null. Records the proposal of
  // an UNUSED piece, as SentencePiece does whenever it considers such a pair.
  const Slot* merge_of(const Scratch::Sym& a, const Scratch::Sym& b) {
    if (a.frozen || b.frozen) return nullptr;
    const uint32_t len = a.len + b.len;
    if (len > e_.max_piece_bytes_) return nullptr;
    const Slot* slot = e_.find(std::string_view(s_.norm.data() + a.start, len));
    if (slot == nullptr || slot->merge_id < 0) return nullptr;
    if (slot->merge_unused) s_.proposals.push_back({slot, a.start, a.len, b.len});
    return slot;
  }

  // Symbols in a flat array, one candidate per adjacent pair; each step scans for the best.
  void merge_by_scan() {
    auto& syms = s_.syms;
    auto& pairs = s_.cands;  // pairs[i]: symbols i and i + 1
    pairs.clear();
    for (size_t i = 0; i + 1 < syms.size(); ++i) {
      const Slot* slot = merge_of(syms[i], syms[i + 1]);
      pairs.push_back({slot ? slot->score : 0.0f, 0, 0, 0, slot});
    }
    while (true) {
      int best = -1;
      float best_score = 0.0f;
      for (size_t i = 0; i < pairs.size(); ++i) {
        if (pairs[i].slot != nullptr && (best < 0 || pairs[i].score > best_score)) {
          best = int(i);
          best_score = pairs[i].score;
        }
      }
      if (best < 0) return;
      const auto b = size_t(best);
      syms[b].len += syms[b + 1].len;
      syms[b].slot = pairs[b].slot;
      syms.erase(syms.begin() + std::ptrdiff_t(b + 1));
      if (b + 1 < pairs.size()) {
        pairs.erase(pairs.begin() + std::ptrdiff_t(b + 1));
      } else {
        pairs.pop_back();
      }
      if (b > 0) set_pair(b - 1);  // SentencePiece's order: (prev, merged), then (merged, next)
      if (b + 1 < syms.size()) set_pair(b);
    }
  }

  void set_pair(size_t i) {
    const Slot* slot = merge_of(s_.syms[i], s_.syms[i + 1]);
    s_.cands[i] = {slot ? slot->score : 0.0f, 0, 0, 0, slot};
  }

  static bool lower(const Scratch::Candidate& x, const Scratch::Candidate& y) {
    return x.score < y.score || (x.score == y.score && x.left > y.left);
  }

  void push(int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Slot* slot = merge_of(s_.syms[size_t(left)], s_.syms[size_t(right)]);
    if (slot == nullptr) return;
    const uint32_t len = s_.syms[size_t(left)].len + s_.syms[size_t(right)].len;
    s_.cands.push_back({slot->score, left, right, len, slot});
    std::push_heap(s_.cands.begin(), s_.cands.end(), lower);
  }

  // Symbols in a linked list, candidates in a binary heap (stale ones skipped when popped).
  void merge_by_heap() {
    auto& syms = s_.syms;
    s_.cands.clear();
    for (size_t i = 1; i < syms.size(); ++i) push(int32_t(i - 1), int32_t(i));
    while (!s_.cands.empty()) {
      std::pop_heap(s_.cands.begin(), s_.cands.end(), lower);
      const Scratch::Candidate top = s_.cands.back();
      s_.cands.pop_back();
      Scratch::Sym& l = syms[size_t(top.left)];
      Scratch::Sym& r = syms[size_t(top.right)];
      if (l.len == 0 || r.len == 0 || l.len + r.len != top.len) continue;  // stale
      l.len += r.len;
      l.slot = top.slot;
      l.next = r.next;
      if (r.next >= 0) syms[size_t(r.next)].prev = top.left;
      r.len = 0;
      push(l.prev, top.left);
      push(top.left, l.next);
    }
  }

  void emit_all() {
    const auto& syms = s_.syms;
    for (int32_t i = 0; i >= 0 && size_t(i) < syms.size();) {
      const Scratch::Sym& s = syms[size_t(i)];
      const std::string_view text(s_.norm.data() + s.start, s.len);
      emit(text, s.slot != nullptr ? s.slot : e_.find(text));
      i = linked_ ? s.next : i + 1;  // the scan path erased merged symbols from the array
    }
  }

  void emit(std::string_view text, const Slot* slot) {
    const bool unk = slot == nullptr || slot->final_id == e_.unk_id_;
    if (unk) {
      if (e_.byte_fallback_) {
        for (const char c : text) ids_->push_back(e_.byte_ids_[static_cast<unsigned char>(c)]);
      } else if (!prev_unk_) {  // a run of unknown symbols is one unk
        ids_->push_back(e_.unk_id_);
      }
      prev_unk_ = true;
      return;
    }
    if (slot->final_unused) {
      for (auto it = s_.proposals.rbegin(); it != s_.proposals.rend(); ++it) {
        if (it->slot != slot) continue;
        const std::string_view left(s_.norm.data() + it->left_start, it->left_len);
        const std::string_view right(s_.norm.data() + it->left_start + it->left_len, it->right_len);
        emit(left, e_.find(left));
        emit(right, e_.find(right));
        return;
      }
    }
    ids_->push_back(slot->final_id);
    prev_unk_ = false;
  }

  const BpeEncoder& e_;
  Scratch& s_;
  std::vector<int>* ids_;
  bool linked_ = false;    // symbols are a linked list (heap path), else a flat array
  bool prev_unk_ = false;  // the last symbol emitted was unknown
};

std::optional<BpeEncoder> BpeEncoder::try_create(const SpModel& model, std::string* why_not) {
  const auto refuse = [&](const std::string& why) -> std::optional<BpeEncoder> {
    if (why_not != nullptr) *why_not = why;
    return std::nullopt;
  };
  const SpSettings s = model.settings();
  if (s.model_type != SpModelType::kBpe)
    return refuse(std::string("model type is ") + sp_model_type_name(s.model_type) + ", not BPE");
  const std::string charsmap = precompiled_charsmap(model);
  if (!charsmap.empty())
    return refuse("normalizer '" + s.normalizer_name + "' has a precompiled character map (" +
                  std::to_string(charsmap.size()) + " bytes); only identity normalisation");
  if (s.treat_whitespace_as_suffix) return refuse("treat_whitespace_as_suffix is on");
  BpeEncoder e;
  e.add_dummy_prefix_ = s.add_dummy_prefix;
  e.remove_extra_whitespaces_ = s.remove_extra_whitespaces;
  e.escape_whitespaces_ = s.escape_whitespaces;
  e.byte_fallback_ = s.byte_fallback;
  e.vocab_size_ = model.size();
  e.unk_id_ = -1;
  size_t slots = 64;
  while (slots < size_t(model.size()) * 2) slots *= 2;
  e.slots_.assign(slots, Slot{});
  e.tags_.assign(slots, 0);
  e.mask_ = slots - 1;
  for (int id = 0; id < model.size(); ++id) {
    const Piece& p = model.piece(id);
    const std::string where = "piece " + std::to_string(id);
    if (p.piece.empty()) return refuse(where + " is empty");
    if (p.piece.size() > 255) return refuse(where + " is longer than 255 bytes");
    if (p.type == PieceType::kUserDefined) {
      if (p.piece.find(' ') != std::string::npos)
        return refuse(where + " '" + p.piece + "' is USER_DEFINED with an ASCII space");
      e.user_defined_.push_back(p.piece);
    }
    if (p.type == PieceType::kUnknown && e.unk_id_ < 0) e.unk_id_ = id;
    e.insert(p.piece, id, p);
  }
  if (e.unk_id_ < 0) return refuse("the model has no UNKNOWN piece");
  for (int id = 0; id < model.size(); ++id) {
    const Piece& p = model.piece(id);
    if (p.type != PieceType::kControl) continue;
    const Slot* slot = e.find(p.piece);
    const bool one_char = utf8::count_chars(p.piece) == 1;
    if (one_char || (slot != nullptr && slot->merge_id >= 0))
      return refuse("CONTROL piece " + std::to_string(id) + " '" + p.piece +
                    "' can be a symbol of the text (SentencePiece fails on such input)");
  }
  std::stable_sort(e.user_defined_.begin(), e.user_defined_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    const Slot* slot = e.find(name);
    e.byte_ids_[b] = slot != nullptr ? slot->final_id : e.unk_id_;
  }
  return e;
}

void BpeEncoder::insert(std::string_view piece, int id, const Piece& p) {
  const uint64_t h = short_hash(piece);
  const uint32_t tag = uint32_t(h >> 32) | 1u;
  size_t i = h & mask_;
  while (tags_[i] != 0) {
    const Slot& s = slots_[i];
    if (tags_[i] == tag && (s.key & 0xFF) == piece.size() &&
        std::memcmp(keys_.data() + (s.key >> 8), piece.data(), piece.size()) == 0)
      break;
    i = (i + 1) & mask_;
  }
  Slot& s = slots_[i];
  if (tags_[i] == 0) {
    tags_[i] = tag;
    s.key = uint32_t(keys_.size()) << 8 | uint32_t(piece.size());
    keys_.append(piece);
  }
  // SentencePiece keeps the first id of a string in each of its two maps; PieceToId asks the
  // reserved map (CONTROL/UNKNOWN/BYTE) first.
  if (is_reserved(p.type)) {
    if (!s.final_reserved) {
      s.final_reserved = true;
      s.final_id = id;
      s.final_unused = false;
    }
    return;
  }
  if (s.merge_id >= 0) return;
  s.merge_id = id;
  s.score = p.score;
  s.merge_unused = p.type == PieceType::kUnused;
  has_unused_ = has_unused_ || s.merge_unused;
  max_piece_bytes_ = std::max(max_piece_bytes_, piece.size());
  if (!s.final_reserved) {
    s.final_id = id;
    s.final_unused = s.merge_unused;
  }
}

const BpeEncoder::Slot* BpeEncoder::find(std::string_view piece) const {
  const uint64_t h = short_hash(piece);
  const uint32_t tag = uint32_t(h >> 32) | 1u;
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    const uint32_t t = tags_[i];
    if (t == 0) return nullptr;
    if (t != tag) continue;
    const Slot& s = slots_[i];
    if ((s.key & 0xFF) == piece.size() &&
        same_bytes(keys_.data() + (s.key >> 8), piece.data(), piece.size()))
      return &s;
  }
}

void BpeEncoder::encode(std::string_view raw_text, std::vector<int>* ids) const {
  ids->clear();
  static thread_local Scratch scratch;
  Run(*this, scratch, ids).encode(raw_text);
}

std::vector<int> BpeEncoder::encode(std::string_view raw_text) const {
  std::vector<int> ids;
  encode(raw_text, &ids);
  return ids;
}

}  // namespace glossa

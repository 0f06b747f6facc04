// An exact re-implementation of SentencePiece's BPE encoding (libsentencepiece 0.1.97's
// SentencePieceProcessor::Encode to ids) for the models where that is possible: BPE models whose
// normaliser has no character map ("identity", as Llama 2, Mistral, SOLAR and vocabularies merged
// onto them). It exists for speed: libsentencepiece encodes about 3 MB/s per core; this encoder
// has a flat piece table and no allocation per call. Exactness is proved by differential tests
// against SpProcessor (tests/tokenizer/test_bpe_encoder.cpp); the rules are in bpe_encoder.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/spm/sp_model.h"

namespace glossa {

class BpeEncoder {
 public:
  // An encoder for `model`, or nullopt when its output could differ from SentencePiece's: not a
  // BPE model, a precompiled normalisation charsmap, treat_whitespace_as_suffix, a USER_DEFINED
  // piece holding an ASCII space, an empty or over-long (> 255 bytes) piece. `why_not` (may be
  // null) then receives the reason in words.
  static std::optional<BpeEncoder> try_create(const SpModel& model, std::string* why_not);

  // Token ids of `raw_text` exactly as SpProcessor::encode gives them (no BOS/EOS); `ids` is
  // cleared first. Thread-safe: scratch buffers are per thread.
  void encode(std::string_view raw_text, std::vector<int>* ids) const;
  std::vector<int> encode(std::string_view raw_text) const;

  int vocab_size() const { return vocab_size_; }

 private:
  // One slot of the open-addressing piece table (power-of-two size, linear probing). Its tag
  // (high 32 bits of the hash, made nonzero; 0 = empty) is in tags_, which is probed first: most
  // lookups are of pairs that are no piece, and the tags alone fit in the L2 cache.
  struct Slot {
    uint32_t key = 0;             // offset into keys_ << 8 | length in bytes
    int32_t merge_id = -1;        // id when NORMAL / USER_DEFINED / UNUSED (may be merged), else -1
    int32_t final_id = -1;        // id SentencePiece's PieceToId gives (CONTROL/UNKNOWN/BYTE first)
    float score = 0.0f;           // merge priority (the piece's score)
    bool merge_unused = false;    // merge_id is an UNUSED piece (its merges are recorded)
    bool final_unused = false;    // final_id is an UNUSED piece: resegmented into its parts
    bool final_reserved = false;  // final_id is a CONTROL / UNKNOWN / BYTE piece
  };
  struct Scratch;
  friend struct Scratch;
  class Run;  // one encode call

  BpeEncoder() = default;
  const Slot* find(std::string_view piece) const;
  void insert(std::string_view piece, int id, const Piece& p);

  std::vector<uint32_t> tags_;
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  std::string keys_;
  size_t max_piece_bytes_ = 0;
  std::vector<std::string> user_defined_;  // USER_DEFINED pieces, longest first
  bool has_unused_ = false;
  bool add_dummy_prefix_ = true, remove_extra_whitespaces_ = true, escape_whitespaces_ = true;
  bool byte_fallback_ = false;
  int unk_id_ = 0;
  int byte_ids_[256] = {};  // id of "<0xNN>", or unk_id_ when absent
  int vocab_size_ = 0;
};

}  // namespace glossa

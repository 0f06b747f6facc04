#include "tokenizer/spm/sp_model.h"

#include <sentencepiece_processor.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <mutex>
#include <unordered_map>

#include "tokenizer/spm/protobuf_wire.h"
#include "base/error.h"
#include "base/file_util.h"
#include "base/sha256.h"

namespace glossa {

// ModelProto field numbers (docs/tokenizer-files.md).
namespace field {
constexpr uint32_t kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3;
constexpr uint32_t kPiece = 1, kScore = 2, kType = 3;
}  // namespace field

struct SpModel::Proto {
  // Raw bytes of each loaded piece entry, written back verbatim so base pieces stay byte-exact.
  std::vector<std::string> raw_pieces;
  // Every top-level field but the pieces, raw with its tag, in file order.
  std::vector<std::string> other_fields;
  std::string trainer_spec;     // payload of field 2
  std::string normalizer_spec;  // payload of field 3
  bool has_trainer_spec = false;
  bool has_normalizer_spec = false;
};

// piece -> id, built on the first lookup: loading a model to encode with it never needs it.
struct SpModel::Index {
  std::mutex mutex;  // lookups may come from several threads sharing one model
  bool built = false;
  std::unordered_map<std::string, int> id_of;

  const std::unordered_map<std::string, int>& map(const std::vector<Piece>& pieces) {
    std::lock_guard lock(mutex);
    if (!built) {
      id_of.clear();
      id_of.reserve(pieces.size() * 2);
      for (size_t i = 0; i < pieces.size(); ++i) id_of.emplace(pieces[i].piece, int(i));
      built = true;
    }
    return id_of;
  }
};

const char* piece_type_name(PieceType type) {
  switch (type) {
    case PieceType::kNormal: return "NORMAL";
    case PieceType::kUnknown: return "UNKNOWN";
    case PieceType::kControl: return "CONTROL";
    case PieceType::kUserDefined: return "USER_DEFINED";
    case PieceType::kUnused: return "UNUSED";
    case PieceType::kByte: return "BYTE";
  }
  return "?";
}

const char* sp_model_type_name(SpModelType type) {
  switch (type) {
    case SpModelType::kUnigram: return "unigram";
    case SpModelType::kBpe: return "bpe";
    case SpModelType::kWord: return "word";
    case SpModelType::kChar: return "char";
  }
  return "?";
}

SpModel::SpModel() : proto_(std::make_unique<Proto>()), index_(std::make_unique<Index>()) {}
SpModel::SpModel(const SpModel& other)
    : proto_(std::make_unique<Proto>(*other.proto_)),
      pieces_(other.pieces_),
      index_(std::make_unique<Index>()) {}
SpModel& SpModel::operator=(const SpModel& other) {
  if (this != &other) *this = SpModel(other);
  return *this;
}
SpModel::SpModel(SpModel&&) noexcept = default;
SpModel& SpModel::operator=(SpModel&&) noexcept = default;
SpModel::~SpModel() = default;

SpModel SpModel::load(const std::string& path) {
  return parse(read_file(path), path);
}

namespace {

Piece parse_piece(std::string_view bytes, const std::string& origin) {
  Piece piece;
  wire::Reader reader(bytes, origin);
  wire::Field f;
  while (reader.next(&f)) {
    if (f.number == field::kPiece && f.type == wire::WireType::kLengthDelimited) {
      piece.piece = std::string(f.bytes);
    } else if (f.number == field::kScore && f.type == wire::WireType::kFixed32) {
      piece.score = wire::fixed32_to_float(f.fixed32);
    } else if (f.number == field::kType && f.type == wire::WireType::kVarint) {
      if (f.varint < 1 || f.varint > 6) {
        fail(origin, "piece '" + piece.piece + "' has unknown type " + std::to_string(f.varint));
      }
      piece.type = static_cast<PieceType>(f.varint);
    }
  }
  return piece;
}

std::string encode_piece(const Piece& p) {
  std::string out;
  wire::put_bytes_field(&out, field::kPiece, p.piece);
  wire::put_fixed32_field(&out, field::kScore, wire::float_to_fixed32(p.score));
  // NORMAL is the default: leave it unset, as SentencePiece's own writer does.
  if (p.type != PieceType::kNormal) wire::put_varint_field(&out, field::kType, int(p.type));
  return out;
}

}  // namespace

SpModel SpModel::parse(std::string_view bytes, const std::string& origin,
                       sentencepiece::SentencePieceProcessor* loaded) {
  const std::string hint =
      " (expected a SentencePiece .model file; is it truncated, or a different format such as "
      "tokenizer.json?)";
  if (bytes.empty()) fail(origin, "file is empty" + hint);
  // SentencePiece validates (and, for the caller, loads) the same bytes while this parses them:
  // two independent parses of a model of 10^4-10^5 pieces, ~15 ms each.
  sentencepiece::SentencePieceProcessor local;
  sentencepiece::SentencePieceProcessor& processor = loaded ? *loaded : local;
  std::future<sentencepiece::util::Status> validation = std::async(
      std::launch::async, [&processor, bytes] { return processor.LoadFromSerializedProto(bytes); });
  SpModel model;
  Proto& proto = *model.proto_;
  try {
    wire::Reader reader(bytes, origin);
    wire::Field f;
    while (reader.next(&f)) {
      const bool nested = f.type == wire::WireType::kLengthDelimited;
      if (f.number == field::kPieces && nested) {
        model.pieces_.push_back(parse_piece(f.bytes, origin));
        proto.raw_pieces.emplace_back(f.bytes);
      } else if (f.number == field::kTrainerSpec && nested) {
        proto.trainer_spec = std::string(f.bytes);
        proto.has_trainer_spec = true;
        proto.other_fields.emplace_back(f.raw);
      } else if (f.number == field::kNormalizerSpec && nested) {
        proto.normalizer_spec = std::string(f.bytes);
        proto.has_normalizer_spec = true;
        proto.other_fields.emplace_back(f.raw);
      } else {
        proto.other_fields.emplace_back(f.raw);
      }
    }
  } catch (const Error& e) {
    validation.wait();  // it reads `bytes`: not past this function
    fail("", std::string(e.what()) + hint);
  }
  const auto status = validation.get();
  // A truncated file can still parse when the cut falls between two fields; the specs come after
  // every piece, so their absence gives the truncation away.
  if (model.pieces_.empty()) fail(origin, "model has no pieces" + hint);
  if (!proto.has_trainer_spec || !proto.has_normalizer_spec) {
    fail(origin, "model lacks its trainer or normalizer spec after " +
                     std::to_string(model.pieces_.size()) + " pieces" + hint);
  }
  if (!status.ok()) fail(origin, "SentencePiece refuses to load the model: " + status.ToString());
  model.rebuild_index();
  return model;
}

std::string SpModel::serialize() const {
  std::string out;
  for (int i = 0; i < size(); ++i) {
    if (i < static_cast<int>(proto_->raw_pieces.size())) {
      wire::put_bytes_field(&out, field::kPieces, proto_->raw_pieces[i]);
    } else {
      wire::put_bytes_field(&out, field::kPieces, encode_piece(pieces_[i]));
    }
  }
  for (const std::string& raw : proto_->other_fields) out += raw;
  return out;
}

void SpModel::save(const std::string& path) const {
  write_file_atomically(path, serialize());
}

int SpModel::size() const { return static_cast<int>(pieces_.size()); }

const Piece& SpModel::piece(int id) const {
  if (id < 0 || id >= size()) {
    fail("SpModel::piece", "id " + std::to_string(id) + " out of range [0, " +
                               std::to_string(size()) + ")");
  }
  return pieces_[id];
}

std::optional<int> SpModel::id_of(std::string_view piece) const {
  const auto& id_of = index_->map(pieces_);
  const auto it = id_of.find(std::string(piece));
  if (it == id_of.end()) return std::nullopt;
  return it->second;
}

int SpModel::append(const Piece& piece) {
  if (piece.piece.empty()) fail("SpModel::append", "empty piece");
  if (contains(piece.piece)) fail("SpModel::append", "piece '" + piece.piece + "' already exists");
  pieces_.push_back(piece);
  const int id = size() - 1;
  index_->id_of.emplace(piece.piece, id);  // contains() above built the index
  return id;
}

void SpModel::truncate(int new_size) {
  if (new_size < 0 || new_size > size()) fail("SpModel::truncate", "bad size");
  pieces_.resize(new_size);
  if (static_cast<int>(proto_->raw_pieces.size()) > new_size) proto_->raw_pieces.resize(new_size);
  rebuild_index();
}

void SpModel::rebuild_index() {
  std::lock_guard lock(index_->mutex);
  index_->built = false;  // rebuilt on the next lookup
}

SpSettings SpModel::settings() const {
  // TrainerSpec and NormalizerSpec field numbers (sentencepiece_model.proto); absent = default.
  SpSettings s;
  wire::Field f;
  wire::Reader trainer(proto_->trainer_spec, "trainer_spec");
  while (trainer.next(&f)) {
    const auto flag = [&] { return f.varint != 0; };
    const auto int32 = [&] { return static_cast<int>(static_cast<int32_t>(f.varint)); };
    switch (f.number) {
      case 3: s.model_type = static_cast<SpModelType>(f.varint); break;
      case 4: s.trainer_vocab_size = int32(); break;
      case 22: s.split_by_whitespace = flag(); break;
      case 24: s.treat_whitespace_as_suffix = flag(); break;
      case 25: s.split_digits = flag(); break;
      case 26: s.allow_whitespace_only_pieces = flag(); break;
      case 35: s.byte_fallback = flag(); break;
      case 40: s.unk_id = int32(); break;
      case 41: s.bos_id = int32(); break;
      case 42: s.eos_id = int32(); break;
      case 43: s.pad_id = int32(); break;
      case 45: s.unk_piece = std::string(f.bytes); break;
      case 46: s.bos_piece = std::string(f.bytes); break;
      case 47: s.eos_piece = std::string(f.bytes); break;
      case 48: s.pad_piece = std::string(f.bytes); break;
      default: break;
    }
  }
  wire::Reader normalizer(proto_->normalizer_spec, "normalizer_spec");
  while (normalizer.next(&f)) {
    switch (f.number) {
      case 1: s.normalizer_name = std::string(f.bytes); break;
      case 3: s.add_dummy_prefix = f.varint != 0; break;
      case 4: s.remove_extra_whitespaces = f.varint != 0; break;
      case 5: s.escape_whitespaces = f.varint != 0; break;
      default: break;
    }
  }
  return s;
}

SpModel SpModel::with_normalizer_flags(bool add_dummy_prefix,
                                       bool remove_extra_whitespaces) const {
  constexpr uint32_t kAddDummyPrefix = 3, kRemoveExtraWhitespaces = 4;
  std::string spec;
  wire::Reader reader(proto_->normalizer_spec, "normalizer_spec");
  wire::Field f;
  while (reader.next(&f)) {
    if (f.number != kAddDummyPrefix && f.number != kRemoveExtraWhitespaces) spec += f.raw;
  }
  wire::put_varint_field(&spec, kAddDummyPrefix, add_dummy_prefix ? 1 : 0);
  wire::put_varint_field(&spec, kRemoveExtraWhitespaces, remove_extra_whitespaces ? 1 : 0);
  std::string field_bytes;
  wire::put_bytes_field(&field_bytes, field::kNormalizerSpec, spec);
  SpModel copy(*this);
  // The normalizer spec is the top-level field whose (one-byte) tag is field 3, wire type 2.
  constexpr unsigned char kNormalizerTag = (field::kNormalizerSpec << 3) | 2;
  for (std::string& raw : copy.proto_->other_fields) {
    if (!raw.empty() && static_cast<unsigned char>(raw[0]) == kNormalizerTag) raw = field_bytes;
  }
  copy.proto_->normalizer_spec = spec;
  return copy;
}

std::string SpModel::fingerprint() const { return Sha256::hex(serialize()); }

}  // namespace glossa

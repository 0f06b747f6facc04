#include "tokenizer/spm/llama2c_tokenizer.h"

#include <cstdint>
#include <cstring>
#include <set>

#include "base/error.h"
#include "base/file_util.h"
#include "tokenizer/spm/protobuf_wire.h"

namespace glossa {

namespace {

constexpr const char* kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's escaped whitespace

// sentencepiece_model.proto field numbers.
namespace proto {
constexpr uint32_t kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3;
constexpr uint32_t kPiece = 1, kScore = 2, kType = 3;
// TrainerSpec
constexpr uint32_t kModelType = 3, kVocabSize = 4, kSplitDigits = 25, kWhitespaceOnly = 26,
                   kByteFallback = 35, kUnkId = 40, kBosId = 41, kEosId = 42, kPadId = 43;
// NormalizerSpec
constexpr uint32_t kName = 1, kAddDummyPrefix = 3, kRemoveExtraWhitespaces = 4,
                   kEscapeWhitespaces = 5;
constexpr uint64_t kBpe = 2;
}  // namespace proto

template <typename T>
T read_at(const std::string& bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

bool is_byte_piece(const std::string& piece) {
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>') return false;
  const auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  return hex(piece[3]) && hex(piece[4]);
}

// The piece string and type of one stored token.
Piece to_piece(const std::string& token, float score) {
  Piece p;
  p.score = score;
  if (token == "<unk>") {
    p.piece = token;
    p.type = PieceType::kUnknown;
  } else if (token == "<s>" || token == "\n<s>\n") {
    p.piece = "<s>";
    p.type = PieceType::kControl;
  } else if (token == "</s>" || token == "\n</s>\n") {
    p.piece = "</s>";
    p.type = PieceType::kControl;
  } else if (is_byte_piece(token)) {
    p.piece = token;
    p.type = PieceType::kByte;
  } else {
    p.piece = replace_all(token, " ", kSpace);
  }
  return p;
}

void put_int32_field(std::string* out, uint32_t number, int value) {
  // int32 varints are sign-extended to 64 bits (protobuf), so -1 takes ten bytes.
  wire::put_varint_field(out, number, static_cast<uint64_t>(static_cast<int64_t>(value)));
}

std::string encode_piece(const Piece& p) {
  std::string out;
  wire::put_bytes_field(&out, proto::kPiece, p.piece);
  wire::put_fixed32_field(&out, proto::kScore, wire::float_to_fixed32(p.score));
  if (p.type != PieceType::kNormal) wire::put_varint_field(&out, proto::kType, int(p.type));
  return out;
}

}  // namespace

Llama2cVocab read_llama2c_vocab(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < 4)
    fail(path, "file of " + std::to_string(bytes.size()) +
                   " bytes is too short for a llama2.c tokenizer (int32 max_token_length first)");
  Llama2cVocab vocab;
  vocab.max_token_length = read_at<int32_t>(bytes, 0);
  size_t offset = 4;
  while (offset < bytes.size()) {
    const std::string at =
        "token " + std::to_string(vocab.tokens.size()) + " at byte " + std::to_string(offset);
    if (bytes.size() - offset < 8)
      fail(path, at + ": file ends inside the score and length (truncated)");
    const float score = read_at<float>(bytes, offset);
    const int32_t length = read_at<int32_t>(bytes, offset + 4);
    offset += 8;
    if (length < 0) fail(path, at + ": negative length " + std::to_string(length));
    if (bytes.size() - offset < static_cast<size_t>(length))
      fail(path, at + ": length " + std::to_string(length) + " runs past the end of the file (" +
                     std::to_string(bytes.size()) + " bytes; truncated?)");
    vocab.tokens.push_back(bytes.substr(offset, length));
    vocab.scores.push_back(score);
    offset += length;
  }
  if (vocab.tokens.empty()) fail(path, "no tokens after the header");
  return vocab;
}

SpModel llama2c_vocab_to_sp_model(const Llama2cVocab& vocab, const std::string& origin) {
  std::string model;
  std::set<std::string> seen;
  int unk = -1, bos = -1, eos = -1, byte_pieces = 0;
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    const Piece p = to_piece(vocab.tokens[id], vocab.scores[id]);
    const std::string where = "token " + std::to_string(id);
    if (p.piece.empty()) fail(origin, where + " is empty (SentencePiece pieces cannot be)");
    if (!seen.insert(p.piece).second) fail(origin, where + " \"" + p.piece + "\" appears twice");
    if (p.type == PieceType::kUnknown) unk = int(id);
    if (p.piece == "<s>") bos = int(id);
    if (p.piece == "</s>") eos = int(id);
    if (p.type == PieceType::kByte) ++byte_pieces;
    wire::put_bytes_field(&model, proto::kPieces, encode_piece(p));
  }
  if (unk < 0) fail(origin, "has no \"<unk>\" token (SentencePiece needs one)");
  if (byte_pieces != 0 && byte_pieces != 256)
    fail(origin, "has " + std::to_string(byte_pieces) +
                     " of the 256 byte tokens <0x00>..<0xFF>; byte fallback needs all or none");
  std::string trainer;
  wire::put_varint_field(&trainer, proto::kModelType, proto::kBpe);
  put_int32_field(&trainer, proto::kVocabSize, int(vocab.tokens.size()));
  wire::put_varint_field(&trainer, proto::kSplitDigits, 1);     // llama2.c train_vocab.sh
  wire::put_varint_field(&trainer, proto::kWhitespaceOnly, 1);  // llama2.c train_vocab.sh
  wire::put_varint_field(&trainer, proto::kByteFallback, byte_pieces == 256 ? 1 : 0);
  put_int32_field(&trainer, proto::kUnkId, unk);
  put_int32_field(&trainer, proto::kBosId, bos);
  put_int32_field(&trainer, proto::kEosId, eos);
  put_int32_field(&trainer, proto::kPadId, -1);
  std::string normalizer;
  wire::put_bytes_field(&normalizer, proto::kName, "identity");
  wire::put_varint_field(&normalizer, proto::kAddDummyPrefix, 1);
  wire::put_varint_field(&normalizer, proto::kRemoveExtraWhitespaces, 0);
  wire::put_varint_field(&normalizer, proto::kEscapeWhitespaces, 1);
  wire::put_bytes_field(&model, proto::kTrainerSpec, trainer);
  wire::put_bytes_field(&model, proto::kNormalizerSpec, normalizer);
  return SpModel::parse(model, origin);  // SentencePiece validates it
}

SpModel load_llama2c_tokenizer(const std::string& path) {
  return llama2c_vocab_to_sp_model(read_llama2c_vocab(path), path);
}

bool is_llama2c_tokenizer_path(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".bin") == 0;
}

SpModel load_sp_or_llama2c_tokenizer(const std::string& path) {
  return is_llama2c_tokenizer_path(path) ? load_llama2c_tokenizer(path) : SpModel::load(path);
}

}  // namespace glossa

// A SentencePiece model file (ModelProto, docs/tokenizer-files.md) as editable data: its pieces with id, score
// and type, and the trainer and normalizer settings Glossa needs. Fields Glossa does not know are
// kept and written back unchanged. No protobuf types leak out of this header.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}  // namespace sentencepiece

namespace glossa {

// ModelProto.SentencePiece.Type (docs/tokenizer-files.md).
enum class PieceType : int {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};
const char* piece_type_name(PieceType type);

struct Piece {
  std::string piece;  // UTF-8, whitespace as U+2581 "▁"
  float score = 0.0f;
  PieceType type = PieceType::kNormal;
};

// TrainerSpec.ModelType.
enum class SpModelType : int { kUnigram = 1, kBpe = 2, kWord = 3, kChar = 4 };
const char* sp_model_type_name(SpModelType type);

// The settings that decide how text becomes pieces (read-only view of the specs).
struct SpSettings {
  SpModelType model_type = SpModelType::kUnigram;
  int trainer_vocab_size = 0;     // TrainerSpec.vocab_size as trained (may differ from size())
  bool byte_fallback = false;
  bool split_by_whitespace = true;
  bool split_digits = false;
  bool treat_whitespace_as_suffix = false;
  bool allow_whitespace_only_pieces = false;
  int unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;  // -1: none
  std::string unk_piece = "<unk>", bos_piece = "<s>", eos_piece = "</s>", pad_piece = "<pad>";
  std::string normalizer_name;     // e.g. "identity", "nmt_nfkc"
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

class SpModel {
 public:
  SpModel();
  SpModel(const SpModel& other);
  SpModel& operator=(const SpModel& other);
  SpModel(SpModel&&) noexcept;
  SpModel& operator=(SpModel&&) noexcept;
  ~SpModel();

  // Reads and validates a .model file. Throws Error naming the file when it is missing, empty,
  // truncated or not a SentencePiece model, or when SentencePiece itself refuses to load it.
  static SpModel load(const std::string& path);
  // Same for bytes already in memory; `origin` names them in error messages. `loaded` (optional)
  // receives the SentencePiece processor the validation loaded, so a caller that encodes does not
  // parse the model a second time.
  static SpModel parse(std::string_view bytes, const std::string& origin,
                       sentencepiece::SentencePieceProcessor* loaded = nullptr);

  // Serialized ModelProto bytes (what SentencePiece loads).
  std::string serialize() const;
  // Writes to a temporary file beside `path` and renames it into place.
  void save(const std::string& path) const;

  int size() const;
  const Piece& piece(int id) const;
  const std::vector<Piece>& pieces() const { return pieces_; }
  // Id of a piece string, if present.
  std::optional<int> id_of(std::string_view piece) const;
  bool contains(std::string_view piece) const { return id_of(piece).has_value(); }

  // Appends a piece after all existing ones; returns its id. Throws if it already exists.
  int append(const Piece& piece);
  // Removes every piece with id >= `size` (used to undo appends while curating).
  void truncate(int size);

  SpSettings settings() const;

  // A copy whose NormalizerSpec has add_dummy_prefix (field 3) and remove_extra_whitespaces
  // (field 4) set as given; everything else is kept byte for byte. Used to encode a piece's text
  // literally (e.g. " 안녕" keeps its leading space, "하세요" gets none).
  SpModel with_normalizer_flags(bool add_dummy_prefix, bool remove_extra_whitespaces) const;

  // SHA-256 (hex) of serialize(): identifies this exact tokenizer in manifests and caches.
  std::string fingerprint() const;

 private:
  struct Proto;  // the protobuf message minus its pieces, see sp_model.cpp
  std::unique_ptr<Proto> proto_;
  std::vector<Piece> pieces_;
  struct Index;  // piece string -> id
  std::unique_ptr<Index> index_;
  void rebuild_index();
};

}  // namespace glossa

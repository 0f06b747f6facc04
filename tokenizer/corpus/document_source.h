// A stream of documents: the one interface every corpus consumer (statistics, cleaning, counting,
// tokenizer training, packing) reads from, so they never care about file formats.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace glossa {

struct Document {
  std::string text;         // valid UTF-8 (invalid bytes already replaced by U+FFFD)
  std::string source;       // file it came from
  uint64_t line = 0;        // 1-based line where it starts in the (decompressed) file
  uint64_t byte_offset = 0; // offset where it starts in the decompressed file
};

class DocumentSource {
 public:
  virtual ~DocumentSource() = default;
  // Fills `doc` with the next document; false at the end.
  virtual bool next(Document* doc) = 0;
  // Fraction of the input consumed, in [0, 1]; negative when unknown.
  virtual double progress() const = 0;
};

// Documents held in memory (tests, previews).
class VectorSource : public DocumentSource {
 public:
  explicit VectorSource(std::vector<std::string> texts, std::string source = "<memory>")
      : texts_(std::move(texts)), source_(std::move(source)) {}
  bool next(Document* doc) override {
    if (index_ >= texts_.size()) return false;
    doc->text = texts_[index_];
    doc->source = source_;
    doc->line = index_ + 1;
    doc->byte_offset = 0;
    ++index_;
    return true;
  }
  double progress() const override {
    return texts_.empty() ? 1.0 : double(index_) / double(texts_.size());
  }

 private:
  std::vector<std::string> texts_;
  std::string source_;
  size_t index_ = 0;
};

}  // namespace glossa

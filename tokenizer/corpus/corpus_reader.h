// Streaming corpus readers: plain text (a document per line, or paragraphs separated by blank
// lines), JSONL (text field configurable), TSV / CSV (column by name or index, header or not),
// each transparently gzip- or zstd-compressed (detected by magic bytes). Memory stays bounded
// whatever the file size: documents longer than max_document_bytes are split.
// Invalid UTF-8 never stops reading: it is counted, the first occurrences are reported with file
// and byte offset, and the bytes are replaced by U+FFFD.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/corpus/corpus_reader_options.h"
#include "tokenizer/corpus/document_source.h"

namespace glossa {

struct InputProblem {
  std::string file;
  uint64_t line = 0;         // 1-based
  uint64_t byte_offset = 0;  // in the decompressed stream
  std::string what;          // e.g. "invalid UTF-8 (byte 0xC3 not followed by a continuation)"
};

struct CorpusReadStats {
  uint64_t documents = 0;
  uint64_t text_bytes = 0;          // UTF-8 bytes of the documents handed out
  uint64_t input_bytes = 0;         // bytes read from disk (compressed size when compressed)
  uint64_t invalid_utf8 = 0;        // invalid sequences replaced by U+FFFD
  uint64_t skipped_records = 0;     // e.g. JSONL lines that are not JSON or lack the field
  uint64_t split_documents = 0;     // documents longer than max_document_bytes
  uint64_t empty_documents = 0;     // empty after reading (not handed out)
  std::vector<InputProblem> first_invalid_utf8;  // at most max_reported
  std::vector<InputProblem> first_skipped;       // at most max_reported
};

class CorpusReader : public DocumentSource {
 public:
  // Opens the file; throws Error naming it when it cannot be opened or the column/field setup
  // cannot work (e.g. a column name not in the header: the message lists the columns found).
  explicit CorpusReader(const std::string& path, const CorpusReaderOptions& options = {});
  ~CorpusReader() override;

  bool next(Document* doc) override;
  double progress() const override;  // fraction of the file's bytes on disk consumed

  const CorpusReadStats& stats() const;
  const std::string& path() const;
  CorpusFormat format() const;  // resolved

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads several files one after another with the same options (progress spans all of them).
class MultiFileSource : public DocumentSource {
 public:
  MultiFileSource(std::vector<std::string> paths, CorpusReaderOptions options);
  ~MultiFileSource() override;
  bool next(Document* doc) override;
  double progress() const override;
  // Summed over the files read so far.
  CorpusReadStats stats() const;

 private:
  std::vector<std::string> paths_;
  CorpusReaderOptions options_;
  std::vector<uint64_t> sizes_;
  size_t current_ = 0;
  std::unique_ptr<CorpusReader> reader_;
  CorpusReadStats finished_;
};

}  // namespace glossa

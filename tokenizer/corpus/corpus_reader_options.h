// How a corpus file is read (docs/corpus-formats.md): its format and, per format, which field or
// column holds the text. One JSON form, written into reports and read back strictly.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace glossa {

enum class CorpusFormat { kAuto, kText, kParagraphs, kJsonl, kTsv, kCsv };

// "auto", "txt"/"text", "paragraphs", "jsonl", "tsv", "csv"; throws Error on anything else.
CorpusFormat parse_corpus_format(std::string_view name);
const char* corpus_format_name(CorpusFormat format);
// kAuto resolved from the file name (after stripping .gz / .zst / .zstd):
// .jsonl/.json -> JSONL, .tsv -> TSV, .csv -> CSV, anything else -> text (a document per line).
CorpusFormat detect_corpus_format(const std::string& path);

struct CorpusReaderOptions {
  CorpusFormat format = CorpusFormat::kAuto;
  std::string field = "text";   // JSONL: key of the text field
  std::string column;           // TSV/CSV: column name (needs header); empty = use column_index
  int column_index = -1;        // TSV/CSV: 0-based column; -1 = the last column
  bool header = true;           // TSV/CSV: the first row names the columns
  size_t max_document_bytes = size_t(16) << 20;  // longer documents are split at UTF-8 boundaries
  size_t max_reported = 10;     // how many invalid-UTF-8 / malformed-record occurrences to keep
  // Reading fails when more than this share of the text is invalid UTF-8 (invalid sequences per
  // byte handed out, checked from 4 KiB on and at the end): random bytes or a file in another
  // encoding are refused instead of read as U+FFFD. 1 = never fail (corpus stats reports it).
  double max_invalid_utf8_share = 0.01;

  // {format, field, column, column_index, header, max_document_bytes, max_invalid_utf8}:
  // what a user sets.
  nlohmann::json to_json() const;
  // The same keys, read strictly (docs/corpus-formats.md); missing keys keep the defaults.
  static CorpusReaderOptions from_json(const nlohmann::json& json, const std::string& where);
};

}  // namespace glossa

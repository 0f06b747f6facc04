#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/json_field_scanner.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "tokenizer/corpus/byte_source.h"
#include "tokenizer/corpus/csv_row_parser.h"
#include "base/error.h"
#include "base/file_util.h"
#include "tokenizer/corpus/line_reader.h"
#include "tokenizer/text/utf8.h"

namespace glossa {

namespace {
constexpr size_t kMinDocumentBytes = 16;  // smaller limits are raised to this (a piece needs room)

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; });
}

// The header's names, quoted safely (a binary file's "header" is garbage): at most 20.
std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 20; ++i)
    out += (out.empty() ? "'" : ", '") + utf8::printable_excerpt(names[i]) + "'";
  if (names.size() > 20) out += " and " + std::to_string(names.size() - 20) + " more";
  return out;
}
}  // namespace

struct CorpusReader::Impl {
  Impl(const std::string& file, const CorpusReaderOptions& opts);

  bool next(Document* doc);
  bool next_text(Document* doc);
  bool next_jsonl(Document* doc);
  bool next_csv(Document* doc);
  bool hand_out(Document* doc, bool document_done);
  bool next_carried(Document* doc);

  std::string_view checked(const LineSegment& line);
  void append_checked(std::string* out, const LineSegment& seg);
  void report_invalid(const std::vector<utf8::Problem>& problems, std::string_view text,
                      size_t base, uint64_t line, uint64_t offset);
  void skip(uint64_t line, uint64_t offset, std::string why);
  // Fails (naming the file, the share and the first place) when too much of the text read so far
  // is invalid UTF-8 (options.max_invalid_utf8_share, JSON key max_invalid_utf8).
  void check_invalid_share(bool at_end) const;

  // The next physical line that fits in record_limit; longer ones are skipped and reported.
  bool next_record_line(LineSegment* ln, const char* what);
  bool read_row();
  bool continue_row(std::string_view first);
  void read_header();

  std::string path;
  CorpusReaderOptions options;
  CorpusFormat format;
  LineReader lines;
  CorpusReadStats stats;
  size_t record_limit;  // longest JSONL line / CSV row kept in memory: 2 × max_document_bytes

  // The document being handed out (pieces of a long one share its start).
  uint64_t doc_line = 0;
  uint64_t doc_offset = 0;
  bool doc_open = false;      // text modes: a document has begun and not ended
  bool doc_split = false;     // the current document was already counted in split_documents
  bool mid_line = false;      // text modes: the last segment did not end its line
  bool need_newline = false;  // paragraphs: a line is in the document; the next one needs "\n"
  std::string carry;          // text beyond a piece, handed out next
  bool carry_done = false;    // the carried text ends its document

  // CSV / TSV
  CsvRowParser parser;
  size_t column = 0;         // field index handed out
  bool last_column = false;  // column_index -1 without header: each row's last field
  std::vector<std::string> header;
  std::string row_raw;  // the lines of a row whose quoted field spans lines
  uint64_t row_line = 0, row_offset = 0;

  std::string scratch;  // repaired copy of a line with invalid UTF-8
  std::vector<utf8::Problem> problems;
};

CorpusReader::Impl::Impl(const std::string& file, const CorpusReaderOptions& opts)
    : path(file),
      options(opts),
      format(opts.format == CorpusFormat::kAuto ? detect_corpus_format(file) : opts.format),
      lines(ByteSource::open(file)),
      parser(format == CorpusFormat::kCsv ? ',' : '\t') {
  options.max_document_bytes = std::max(options.max_document_bytes, kMinDocumentBytes);
  record_limit = 2 * options.max_document_bytes;
  if (format == CorpusFormat::kTsv || format == CorpusFormat::kCsv) read_header();
}

bool CorpusReader::Impl::next(Document* doc) {
  bool got = false;
  if (!carry.empty() && format != CorpusFormat::kText && format != CorpusFormat::kParagraphs) {
    got = next_carried(doc);
  } else {
    switch (format) {
      case CorpusFormat::kJsonl:
        got = next_jsonl(doc);
        break;
      case CorpusFormat::kTsv:
      case CorpusFormat::kCsv:
        got = next_csv(doc);
        break;
      default:
        got = next_text(doc);
        break;
    }
  }
  stats.input_bytes = lines.source().disk_bytes_consumed();
  if (!got) {
    check_invalid_share(true);
    return false;
  }
  if (doc->source != path) doc->source = path;
  doc->line = doc_line;
  doc->byte_offset = doc_offset;
  ++stats.documents;
  stats.text_bytes += doc->text.size();
  check_invalid_share(false);
  return true;
}

void CorpusReader::Impl::check_invalid_share(bool at_end) const {
  const double limit = options.max_invalid_utf8_share;
  // Skipped records (JSONL lines that are not JSON) hold invalid bytes too but no text: the share
  // is of the bytes read (the file's bytes, or the text's when decompressed text is larger).
  const uint64_t bytes = std::max(stats.text_bytes, stats.input_bytes);
  if (limit >= 1 || stats.invalid_utf8 == 0 || (!at_end && bytes < 4096)) return;
  const double share = std::min(1.0, double(stats.invalid_utf8) / double(std::max<uint64_t>(1, bytes)));
  if (share <= limit) return;
  const InputProblem& first = stats.first_invalid_utf8.front();
  char shares[64];
  std::snprintf(shares, sizeof shares,
                "%.1f%% of the text read so far (limit %g%%: max_invalid_utf8", 100 * share,
                100 * limit);
  fail(path, std::string(shares) + ", --max-invalid-utf8) is invalid UTF-8: " +
                 std::to_string(stats.invalid_utf8) + " invalid sequences in " +
                 std::to_string(bytes) + " bytes, the first at line " +
                 std::to_string(first.line) + ", byte " + std::to_string(first.byte_offset) +
                 ". Is it a UTF-8 text file? `glossa-cli corpus stats` shows where; a higher "
                 "limit reads it with U+FFFD for the invalid bytes");
}

// Cuts doc->text at max_document_bytes when longer (the rest goes to `carry`). Returns whether
// there is anything to hand out; an empty complete document is counted and not handed out.
bool CorpusReader::Impl::hand_out(Document* doc, bool document_done) {
  const size_t max = options.max_document_bytes;
  if (doc->text.size() > max) {
    const size_t cut = utf8::boundary_before(doc->text, max);
    carry.assign(doc->text, cut);
    doc->text.resize(cut);
    carry_done = document_done;
    document_done = false;
  }
  if (!document_done && !doc_split) {
    doc_split = true;
    ++stats.split_documents;
  }
  if (doc->text.empty()) {
    if (document_done && !doc_split) ++stats.empty_documents;
    return false;
  }
  return true;
}

// JSONL / CSV: the next piece of a document longer than max_document_bytes.
bool CorpusReader::Impl::next_carried(Document* doc) {
  doc->text.swap(carry);
  carry.clear();
  return hand_out(doc, carry_done);
}

// Text (a document per line) and paragraphs (documents between blank lines, lines joined with
// "\n"). A document may span many reads; a piece is handed out when max_document_bytes is near.
bool CorpusReader::Impl::next_text(Document* doc) {
  const bool paragraphs = format == CorpusFormat::kParagraphs;
  const size_t max = options.max_document_bytes;
  for (;;) {
    doc->text.clear();
    if (!carry.empty()) {
      doc->text.swap(carry);
      carry.clear();
      if (carry_done) {
        if (hand_out(doc, true)) return true;
        continue;
      }
    }
    for (;;) {
      const size_t room = doc->text.size() < max ? max - doc->text.size() : 0;
      if (doc_open && room < 4) {  // no room for one more character: hand out a piece
        if (hand_out(doc, false)) return true;
        break;
      }
      LineSegment seg;
      if (!lines.next_segment(&seg, room)) {  // end of the stream
        const bool open = doc_open;
        doc_open = mid_line = need_newline = false;
        if (open && hand_out(doc, true)) return true;
        if (carry.empty()) return false;
        break;
      }
      if (!mid_line) {  // seg starts a line
        if (paragraphs && seg.ends_line && is_blank(seg.text)) {
          if (!doc_open) continue;  // blank lines between paragraphs
          doc_open = need_newline = false;
          if (hand_out(doc, true)) return true;
          break;
        }
        if (!doc_open) {
          doc_open = true;
          doc_split = false;
          doc_line = seg.line;
          doc_offset = seg.offset;
        } else if (need_newline) {
          doc->text.push_back('\n');
        }
      }
      append_checked(&doc->text, seg);
      mid_line = !seg.ends_line;
      if (!seg.ends_line) continue;
      if (!paragraphs) {
        doc_open = false;
        if (hand_out(doc, true)) return true;
        break;
      }
      need_newline = true;
    }
  }
}

bool CorpusReader::Impl::next_record_line(LineSegment* ln, const char* what) {
  for (;;) {
    bool too_long = false;
    if (!lines.next_line(ln, record_limit, &too_long)) return false;
    if (!too_long) return true;
    skip(ln->line, ln->offset,
         std::string(what) + " longer than " + std::to_string(record_limit) +
             " bytes (2 x max_document_bytes); raise max_document_bytes");
  }
}

bool CorpusReader::Impl::next_jsonl(Document* doc) {
  for (;;) {
    LineSegment ln;
    if (!next_record_line(&ln, "line")) return false;
    if (is_blank(ln.text)) continue;  // empty lines: silently
    const std::string_view text = checked(ln);
    if (scan_json_string_field(text, options.field, &doc->text)) {  // the fast, common case
      doc_line = ln.line;
      doc_offset = ln.offset;
      doc_split = false;
      if (hand_out(doc, true)) return true;
      continue;
    }
    nlohmann::json value;  // the slow path: unusual lines and every error message
    try {
      value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      skip(ln.line, ln.offset, std::string("not JSON: ") + e.what());
      continue;
    }
    if (!value.is_object()) {
      skip(ln.line, ln.offset, std::string("not a JSON object but ") + value.type_name());
      continue;
    }
    const auto it = value.find(options.field);
    if (it == value.end()) {
      std::vector<std::string> keys;
      for (const auto& item : value.items())
        if (keys.size() < 8) keys.push_back(item.key());
      skip(ln.line, ln.offset, "no field '" + options.field + "' (keys: " + join(keys) + ")");
      continue;
    }
    if (!it->is_string()) {
      skip(ln.line, ln.offset,
           "field '" + options.field + "' is " + it->type_name() + ", not a string");
      continue;
    }
    doc_line = ln.line;
    doc_offset = ln.offset;
    doc_split = false;
    doc->text.swap(it->get_ref<std::string&>());
    if (hand_out(doc, true)) return true;
  }
}

bool CorpusReader::Impl::next_csv(Document* doc) {
  for (;;) {
    if (!read_row()) return false;
    const size_t count = parser.field_count();
    const size_t index = last_column ? count - 1 : column;
    if (index >= count) {
      skip(row_line, row_offset,
           "row has " + std::to_string(count) + " fields; the column read (" +
               (options.column.empty() ? "index " + std::to_string(column)
                                       : "'" + options.column + "'") +
               ") is field " + std::to_string(column + 1));
      continue;
    }
    doc_line = row_line;
    doc_offset = row_offset;
    doc_split = false;
    doc->text.swap(parser.field(index));
    if (hand_out(doc, true)) return true;
  }
}

// The next non-empty row into `parser`; false at the end of the stream.
bool CorpusReader::Impl::read_row() {
  for (;;) {
    LineSegment ln;
    if (!next_record_line(&ln, "row")) return false;
    if (ln.text.empty()) continue;  // empty lines: silently
    row_line = ln.line;
    row_offset = ln.offset;
    const std::string_view text = checked(ln);
    const auto status = parser.begin(text);
    if (status == CsvRowParser::Status::kRow || continue_row(text)) return true;
  }
}

// A quoted field continues past the first line: read lines until it closes. When the quote
// turns out unbalanced (csv_row_parser.h), the first line is read literally and the lines after
// it are read again as rows. Returns false when the row was dropped.
bool CorpusReader::Impl::continue_row(std::string_view first) {
  row_raw.assign(first);
  row_raw.push_back('\n');
  const size_t first_size = row_raw.size();
  uint64_t second_line = 0, second_offset = 0;
  auto status = CsvRowParser::Status::kNeedLine;
  while (status == CsvRowParser::Status::kNeedLine) {
    LineSegment ln;
    bool too_long = false;
    if (!lines.next_line(&ln, record_limit, &too_long)) {
      status = parser.finish();
      break;
    }
    if (second_line == 0) {
      second_line = ln.line;
      second_offset = ln.offset;
    }
    if (too_long) {
      skip(ln.line, ln.offset,
           "line longer than " + std::to_string(record_limit) +
               " bytes inside a quoted field; raise max_document_bytes");
      status = CsvRowParser::Status::kUnbalancedQuote;
      break;
    }
    const std::string_view text = checked(ln);
    row_raw.append(text);
    row_raw.push_back('\n');
    status =
        row_raw.size() > record_limit ? CsvRowParser::Status::kUnbalancedQuote : parser.more(text);
  }
  if (status == CsvRowParser::Status::kRow) return true;
  parser.split_literal(std::string_view(row_raw).substr(0, first_size - 1));
  if (second_line != 0)
    lines.push_back(std::string_view(row_raw).substr(first_size), second_line, second_offset);
  return true;
}

void CorpusReader::Impl::read_header() {
  const bool by_name = !options.column.empty();
  if (!options.header) {
    if (by_name)
      fail(path, "column '" + options.column + "' is chosen by name but header = false; " +
                     "set header = true or choose the column by column_index");
    last_column = options.column_index < 0;
    column = last_column ? 0 : size_t(options.column_index);
    return;
  }
  if (!read_row()) return;  // an empty file: no header, no rows
  for (size_t i = 0; i < parser.field_count(); ++i) header.push_back(parser.field(i));
  const std::string where = path + ":" + std::to_string(row_line);
  if (by_name) {
    const auto it = std::find(header.begin(), header.end(), options.column);
    if (it == header.end())
      fail(where, "no column '" + options.column +
                      "' in the header; columns found: " + join(header) +
                      ". Pick one of them (names are case-sensitive) or use " + "column_index");
    column = size_t(it - header.begin());
  } else if (options.column_index >= 0) {
    column = size_t(options.column_index);
    if (column >= header.size())
      fail(where, "column_index " + std::to_string(column) + " but the header has only " +
                      std::to_string(header.size()) + " columns: " + join(header));
  } else {
    column = header.size() - 1;
  }
}

// `line`'s text, repaired into `scratch` (and reported) when it is not valid UTF-8.
std::string_view CorpusReader::Impl::checked(const LineSegment& line) {
  const size_t valid = utf8::valid_prefix_length(line.text);
  if (valid == line.text.size()) return line.text;
  scratch.assign(line.text.data(), valid);
  append_checked(&scratch, LineSegment{line.text.substr(valid), false, 0, 0});
  report_invalid(problems, line.text, valid, line.line, line.offset);
  return scratch;
}

// Appends seg's text, invalid UTF-8 replaced by U+FFFD, counted and (the first ones) reported.
void CorpusReader::Impl::append_checked(std::string* out, const LineSegment& seg) {
  const size_t valid = utf8::valid_prefix_length(seg.text);
  out->append(seg.text.data(), valid);
  if (valid == seg.text.size()) return;
  problems.clear();
  const size_t kept = stats.first_invalid_utf8.size();
  const size_t room = options.max_reported > kept ? options.max_reported - kept : 0;
  stats.invalid_utf8 += utf8::append_repaired(out, seg.text.substr(valid), &problems, room);
  if (seg.line != 0) report_invalid(problems, seg.text, valid, seg.line, seg.offset);
}

// Records problems found at text[base + problem.offset]; `text` starts at line / offset.
void CorpusReader::Impl::report_invalid(const std::vector<utf8::Problem>& found,
                                        std::string_view text, size_t base, uint64_t line,
                                        uint64_t offset) {
  for (const auto& problem : found) {
    if (stats.first_invalid_utf8.size() >= options.max_reported) break;
    const size_t at = base + problem.offset;
    const auto newlines = std::count(text.begin(), text.begin() + at, '\n');
    stats.first_invalid_utf8.push_back(
        {path, line + uint64_t(newlines), offset + at, "invalid UTF-8 (" + problem.what + ")"});
  }
}

void CorpusReader::Impl::skip(uint64_t line, uint64_t offset, std::string why) {
  ++stats.skipped_records;
  if (stats.first_skipped.size() < options.max_reported)
    stats.first_skipped.push_back({path, line, offset, std::move(why)});
}

CorpusReader::CorpusReader(const std::string& path, const CorpusReaderOptions& options)
    : impl_(std::make_unique<Impl>(path, options)) {}

CorpusReader::~CorpusReader() = default;

bool CorpusReader::next(Document* doc) { return impl_->next(doc); }

double CorpusReader::progress() const {
  const ByteSource& source = impl_->lines.source();
  if (source.disk_size() == 0) return -1.0;
  return std::min(1.0, double(source.disk_bytes_consumed()) / double(source.disk_size()));
}

const CorpusReadStats& CorpusReader::stats() const { return impl_->stats; }
const std::string& CorpusReader::path() const { return impl_->path; }
CorpusFormat CorpusReader::format() const { return impl_->format; }

namespace {
void add_stats(CorpusReadStats* total, const CorpusReadStats& part, size_t max_reported) {
  total->documents += part.documents;
  total->text_bytes += part.text_bytes;
  total->input_bytes += part.input_bytes;
  total->invalid_utf8 += part.invalid_utf8;
  total->skipped_records += part.skipped_records;
  total->split_documents += part.split_documents;
  total->empty_documents += part.empty_documents;
  for (const auto& p : part.first_invalid_utf8)
    if (total->first_invalid_utf8.size() < max_reported) total->first_invalid_utf8.push_back(p);
  for (const auto& p : part.first_skipped)
    if (total->first_skipped.size() < max_reported) total->first_skipped.push_back(p);
}
}  // namespace

MultiFileSource::MultiFileSource(std::vector<std::string> paths, CorpusReaderOptions options)
    : paths_(std::move(paths)), options_(std::move(options)) {
  for (const auto& path : paths_) sizes_.push_back(file_size(path));  // fails early, naming it
}

MultiFileSource::~MultiFileSource() = default;

bool MultiFileSource::next(Document* doc) {
  for (;;) {
    if (!reader_) {
      if (current_ >= paths_.size()) return false;
      reader_ = std::make_unique<CorpusReader>(paths_[current_], options_);
    }
    if (reader_->next(doc)) return true;
    add_stats(&finished_, reader_->stats(), options_.max_reported);
    reader_.reset();
    ++current_;
  }
}

double MultiFileSource::progress() const {
  uint64_t total = 0, done = 0;
  for (size_t i = 0; i < sizes_.size(); ++i) {
    total += sizes_[i];
    if (i < current_) done += sizes_[i];
  }
  if (reader_) done += reader_->stats().input_bytes;
  if (total == 0) return current_ >= paths_.size() ? 1.0 : 0.0;
  return std::min(1.0, double(done) / double(total));
}

CorpusReadStats MultiFileSource::stats() const {
  CorpusReadStats total = finished_;
  if (reader_) add_stats(&total, reader_->stats(), options_.max_reported);
  return total;
}

}  // namespace glossa

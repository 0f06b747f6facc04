#include "tokenizer/corpus/csv_row_parser.h"

namespace glossa {

std::string& CsvRowParser::new_field() {
  if (count_ == fields_.size()) fields_.emplace_back();
  std::string& field = fields_[count_++];
  field.clear();
  return field;
}

CsvRowParser::Status CsvRowParser::begin(std::string_view line) {
  count_ = 0;
  in_quotes_ = false;
  crossed_line_ = false;
  if (line.empty()) return Status::kRow;
  new_field();
  return parse(line, 0);
}

CsvRowParser::Status CsvRowParser::more(std::string_view line) {
  crossed_line_ = true;
  fields_[count_ - 1].push_back('\n');
  return parse(line, 0);
}

CsvRowParser::Status CsvRowParser::finish() {
  in_quotes_ = false;
  return crossed_line_ ? Status::kUnbalancedQuote : Status::kRow;
}

void CsvRowParser::split_literal(std::string_view line) {
  count_ = 0;
  in_quotes_ = false;
  crossed_line_ = false;
  size_t i = 0;
  for (;;) {
    const size_t end = line.find(delimiter_, i);
    new_field().assign(line.substr(i, end - i));
    if (end == std::string_view::npos) return;
    i = end + 1;
  }
}

// Parses `line` from index i; the current field is fields_[count_ - 1].
CsvRowParser::Status CsvRowParser::parse(std::string_view line, size_t i) {
  constexpr auto npos = std::string_view::npos;
  for (;;) {
    std::string& field = fields_[count_ - 1];
    if (!in_quotes_) {
      if (i < line.size() && line[i] == '"' && field.empty()) {
        in_quotes_ = true;
        ++i;
        continue;
      }
      const size_t end = line.find(delimiter_, i);
      field.append(line.substr(i, end - i));
      if (end == npos) return Status::kRow;
      i = end + 1;
      new_field();
      continue;
    }
    const size_t quote = line.find('"', i);
    if (quote == npos) {
      field.append(line.substr(i));
      return Status::kNeedLine;
    }
    field.append(line.substr(i, quote - i));
    i = quote + 1;
    if (i < line.size() && line[i] == '"') {  // "" inside a quoted field: one quote
      field.push_back('"');
      ++i;
      continue;
    }
    in_quotes_ = false;
    if (i == line.size()) return Status::kRow;
    if (line[i] == delimiter_) {
      ++i;
      new_field();
      continue;
    }
    // Text after a closing quote: malformed.
    if (crossed_line_) return Status::kUnbalancedQuote;
    // On one line Python keeps going with the rest of the field as literal text; so does the
    // loop, unquoted now (line[i] is no '"' here: that would have been a doubled quote).
  }
}

}  // namespace glossa

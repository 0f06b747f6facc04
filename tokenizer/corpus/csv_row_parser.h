// Splits delimiter-separated rows (CSV, TSV) with standard CSV quoting, as Python's csv module
// reads them by default (double quotes, "" inside a quoted field, non-strict): a field that
// starts with '"' is quoted and may span lines; a quote elsewhere is a literal character.
//
// One addition for raw files that were never CSV-quoted (NSMC, KorNLI, KorSTS): a quoted field
// that spans lines must be closed by a quote followed by the delimiter or the end of a line. If
// its closing quote is followed by anything else, or the input ends inside it, the opening quote
// was a literal character, not CSV quoting: the caller re-reads the row's first line with
// split_literal() and reads the swallowed lines again as rows of their own. Python's csv
// module instead swallows the lines (NSMC loses 552 reviews that way); on well-formed files
// both read the same rows.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace glossa {

class CsvRowParser {
 public:
  enum class Status {
    kRow,              // the row is complete: fields() are ready
    kNeedLine,         // a quoted field continues on the next line: call more()
    kUnbalancedQuote,  // see above: call split_literal() on the first line
  };

  explicit CsvRowParser(char delimiter) : delimiter_(delimiter) {}

  // Starts a row with its first physical line (without '\n'). An empty line is a row of no
  // fields.
  Status begin(std::string_view line);
  // Continues a row after kNeedLine with the next physical line.
  Status more(std::string_view line);
  // The input ended after kNeedLine: kRow when the open quoted field stayed on one line (its text
  // is taken as it is, like Python), else kUnbalancedQuote.
  Status finish();
  // The row is `line` split at each delimiter, quotes taken literally.
  void split_literal(std::string_view line);

  size_t field_count() const { return count_; }
  std::string& field(size_t i) { return fields_[i]; }
  const std::string& field(size_t i) const { return fields_[i]; }

 private:
  Status parse(std::string_view line, size_t i);
  std::string& new_field();

  char delimiter_;
  std::vector<std::string> fields_;  // reused from row to row: no allocation once warm
  size_t count_ = 0;                 // fields of the current row
  bool in_quotes_ = false;           // inside a quoted field (the last one)
  bool crossed_line_ = false;        // that quoted field has spanned a line break
};

}  // namespace glossa

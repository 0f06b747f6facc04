#include "tokenizer/prepare/benchmark_task.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <set>

#include "tokenizer/corpus/csv_row_parser.h"
#include "base/embedded_json.h"
#include "base/error.h"
#include "base/file_util.h"
#include "base/strict_json.h"
#include "tokenizer/text/utf8.h"

namespace glossa {

// resources/tasks/*.json, compiled in by tokenizer/CMakeLists.txt (cmake/GlossaEmbedJson.cmake).
namespace detail {
extern const EmbeddedJson kBuiltinTasks[];
}  // namespace detail

namespace {

const std::set<std::string> kMetrics = {"acc", "acc_norm", "f1"};
const std::set<std::string> kTransforms = {"paws_clean"};

// pandas.read_csv's default na_values (pandas 2.x, _libs/parsers.pyx STR_NA_VALUES).
const std::set<std::string, std::less<>> kPandasNa = {
    "",     "#N/A", "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A",  "NA",       "NULL", "NaN",     "None",     "n/a",  "nan",  "null"};

// The task's fields, read strictly (docs/benchmarks-tasks.md lists them).
void read_fields(BenchmarkTask& t, StrictJson& r) {
  r.get("name", t.name);
  r.get("group", t.group);
  r.get("dataset", t.dataset);
  r.get("header", t.header);
  std::string quoting = t.csv_quoting ? "csv" : "none";
  r.get("quoting", quoting);
  if (quoting != "csv" && quoting != "none")
    r.fail_key("quoting", "is \"" + quoting + "\"; expected \"csv\" or \"none\"");
  t.csv_quoting = quoting == "csv";
  std::string delimiter(1, t.delimiter);
  r.get("delimiter", delimiter);
  if (delimiter.size() != 1)
    r.fail_key("delimiter", "is \"" + delimiter + "\"; expected one character");
  t.delimiter = delimiter[0];
  r.get("columns", t.columns);
  r.get("fields", t.fields);
  std::string na = t.pandas_na ? "pandas" : "none";
  r.get("na_values", na);
  if (na != "pandas" && na != "none") r.fail_key("na_values", "expected \"pandas\" or \"none\"");
  t.pandas_na = na == "pandas";
  if (const nlohmann::json* v = r.raw("drop_empty")) {
    if (v->is_array()) {
      t.drop_empty = "fields";
      t.drop_empty_fields = r.convert<std::vector<std::string>>("drop_empty", *v);
    } else {
      t.drop_empty = r.convert<std::string>("drop_empty", *v);
      if (t.drop_empty != "any_column" && t.drop_empty != "none")
        r.fail_key("drop_empty", "expected \"any_column\", \"none\" or a list of fields");
    }
  }
  r.get("value_maps", t.value_maps);
  r.get("transforms", t.transforms);
  r.get("context", t.context);
  r.get("choices", t.choices);
  r.get("gold", t.gold);
  r.get("gold_by_choice_text", t.gold_by_choice_text);
  r.get("target_delimiter", t.target_delimiter);
  r.get("fewshot_delimiter", t.fewshot_delimiter);
  r.get("metrics", t.metrics);
  r.get("bos", t.bos);
  std::string description;  // free text for people, not used
  r.get("description", description);
  r.finish();
}

// Calls on_literal(text) and on_field(name) for each part of a "{field}" template.
template <typename Literal, typename Field>
void walk_template(const std::string& tpl, const std::string& where, Literal on_literal,
                   Field on_field) {
  std::string literal;
  for (size_t i = 0; i < tpl.size(); ++i) {
    const char c = tpl[i];
    if ((c == '{' || c == '}') && i + 1 < tpl.size() && tpl[i + 1] == c) {
      literal += c;
      ++i;
    } else if (c == '{') {
      const size_t close = tpl.find('}', i);
      if (close == std::string::npos) fail(where, "unclosed '{' in template \"" + tpl + "\"");
      on_literal(literal);
      literal.clear();
      on_field(tpl.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '}') {
      fail(where, "lone '}' in template \"" + tpl + "\" (write \"}}\" for a literal brace)");
    } else {
      literal += c;
    }
  }
  on_literal(literal);
}

std::string render(const std::string& tpl, const BenchmarkDoc& doc, const std::string& where) {
  std::string out;
  walk_template(
      tpl, where, [&](const std::string& s) { out += s; },
      [&](const std::string& field) {
        const auto it = doc.fields.find(field);
        if (it == doc.fields.end()) fail(where, "template field {" + field + "} is not a field");
        out += it->second;
      });
  return out;
}

void validate(const BenchmarkTask& t, const std::string& where) {
  if (t.name.empty()) fail(where, "field 'name' is missing or empty");
  if (t.choices.size() < 2) fail(where, "field 'choices' needs at least two choice templates");
  if (!t.header && t.columns.empty())
    fail(where, "a file without header needs 'columns' (the name of each column)");
  for (const auto& m : t.metrics)
    if (!kMetrics.count(m))
      fail(where, "field 'metrics': unknown metric \"" + m + "\" (acc, acc_norm, f1)");
  for (const auto& x : t.transforms)
    if (!kTransforms.count(x))
      fail(where, "field 'transforms': unknown transform \"" + x + "\" (paws_clean)");
  const auto names = t.field_names();
  const std::set<std::string> known(names.begin(), names.end());
  const auto check_field = [&](const std::string& f, const std::string& key) {
    if (!known.count(f))
      fail(where, "field '" + key + "' uses \"" + f + "\", which is not a field of the task");
  };
  std::vector<std::pair<std::string, std::string>> templates = {{"context", t.context},
                                                                {"gold", t.gold}};
  for (const auto& c : t.choices) templates.push_back({"choices", c});
  for (const auto& [key, tpl] : templates)
    walk_template(
        tpl, where + ", field '" + key + "'", [](const std::string&) {},
        [&](const std::string& f) { check_field(f, key); });
  for (const auto& [f, map] : t.value_maps) check_field(f, "value_maps");
  for (const auto& f : t.drop_empty_fields) check_field(f, "drop_empty");
  if (std::count(t.transforms.begin(), t.transforms.end(), "paws_clean")) {
    check_field("sentence1", "transforms");
    check_field("sentence2", "transforms");
  }
}

}  // namespace

// ---- BenchmarkTask --------------------------------------------------------------------------

std::vector<std::string> BenchmarkTask::field_names() const {
  std::vector<std::string> names;
  if (!fields.empty())
    for (const auto& [f, column] : fields) names.push_back(f);
  else
    names = columns;
  return names;
}

BenchmarkTask BenchmarkTask::from_json(const nlohmann::json& json, const std::string& where) {
  StrictJson r(json, where, "docs/benchmarks-tasks.md");
  BenchmarkTask task;
  read_fields(task, r);
  validate(task, where);
  return task;
}

BenchmarkTask BenchmarkTask::load(const std::string& path) {
  return from_json(read_json_file(path), path);
}

std::vector<std::string> BenchmarkTask::builtin_names() {
  return embedded_names(detail::kBuiltinTasks);
}

BenchmarkTask BenchmarkTask::builtin(const std::string& name) {
  if (const auto text = embedded_text(detail::kBuiltinTasks, name))
    return from_json(nlohmann::json::parse(*text), "resources/tasks/" + name + ".json");
  std::string known;
  for (const auto& n : builtin_names()) known += (known.empty() ? "" : ", ") + n;
  fail("benchmark task '" + name + "'",
       "no such built-in task (built-in: " + known + "); give a path to a task JSON file instead");
}

BenchmarkTask BenchmarkTask::resolve(const std::string& name_or_path) {
  const bool looks_like_path =
      name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".json");
  if (looks_like_path || std::filesystem::exists(name_or_path)) return load(name_or_path);
  return builtin(name_or_path);
}

nlohmann::json BenchmarkTask::to_json() const {
  nlohmann::json j = {{"name", name},
                      {"group", group},
                      {"dataset", dataset},
                      {"header", header},
                      {"quoting", csv_quoting ? "csv" : "none"},
                      {"delimiter", std::string(1, delimiter)},
                      {"na_values", pandas_na ? "pandas" : "none"},
                      {"transforms", transforms},
                      {"context", context},
                      {"choices", choices},
                      {"gold", gold},
                      {"gold_by_choice_text", gold_by_choice_text},
                      {"target_delimiter", target_delimiter},
                      {"fewshot_delimiter", fewshot_delimiter},
                      {"metrics", metrics},
                      {"bos", bos}};
  if (!columns.empty()) j["columns"] = columns;
  if (!fields.empty()) j["fields"] = fields;
  if (!value_maps.empty()) j["value_maps"] = value_maps;
  if (drop_empty == "fields")
    j["drop_empty"] = drop_empty_fields;
  else
    j["drop_empty"] = drop_empty;
  return j;
}

// ---- Python string semantics ----------------------------------------------------------------

bool is_python_space(char32_t cp) {
  // Python's str.isspace(): bidirectional class WS, B or S, or general category Zs.
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::string_view python_rstrip(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    const size_t start = utf8::boundary_before(text, end - 1);
    const char* p = text.data() + start;
    if (!is_python_space(utf8::decode_next(p, text.data() + end))) break;
    end = start;
  }
  return text.substr(0, end);
}

std::string_view python_strip(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const char* next = p;
    if (!is_python_space(utf8::decode_next(next, end))) break;
    p = next;
  }
  return python_rstrip(text.substr(size_t(p - text.data())));
}

int64_t python_len(std::string_view utf8_text) { return int64_t(utf8::count_chars(utf8_text)); }

// ---- paws_clean -----------------------------------------------------------------------------

namespace {
void replace_all(std::string* s, std::string_view from, std::string_view to) {
  std::string out;
  size_t i = 0;
  for (size_t hit; (hit = s->find(from, i)) != std::string::npos; i = hit + from.size())
    out.append(*s, i, hit - i).append(to);
  out.append(*s, i);
  *s = std::move(out);
}

// lm-eval utils.general_detokenize.
std::string general_detokenize(std::string s) {
  replace_all(&s, " n't", "n't");
  replace_all(&s, " )", ")");
  replace_all(&s, "( ", "(");
  replace_all(&s, "\" ", "\"");
  replace_all(&s, " \"", "\"");
  std::string out;  // re.sub(r" (['.,])", r"\1", s)
  for (size_t i = 0; i < s.size(); ++i)
    if (!(s[i] == ' ' && i + 1 < s.size() &&
          (s[i + 1] == '\'' || s[i + 1] == '.' || s[i + 1] == ',')))
      out += s[i];
  return out;
}

// Python's text[0].lower() + text[1:] (full case mapping, as ICU's root locale does).
std::string lowercase_first_letter(const std::string& text) {
  if (text.empty()) return text;
  const char* p = text.data();
  utf8::decode_next(p, text.data() + text.size());
  const size_t first = size_t(p - text.data());
  std::string lowered;
  icu::UnicodeString::fromUTF8(text.substr(0, first))
      .toLower(icu::Locale::getRoot())
      .toUTF8String(lowered);
  return lowered + text.substr(first);
}
}  // namespace

void paws_clean(std::string* sentence1, std::string* sentence2) {
  *sentence1 = std::string(python_strip(general_detokenize(*sentence1)));
  *sentence2 = std::string(python_strip(general_detokenize(*sentence2)));
  if (!sentence1->empty() &&
      (sentence1->back() == '.' || sentence1->back() == ',' || sentence1->back() == ';'))
    sentence1->pop_back();
  *sentence2 = lowercase_first_letter(*sentence2);
}

// ---- reading a split ------------------------------------------------------------------------

namespace {

// The physical lines of a file, each without its '\n' and a trailing '\r'.
std::vector<std::string_view> split_lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

// Rows of the file as field lists, with the 1-based line each starts on. Blank lines are
// skipped (pandas' skip_blank_lines).
std::vector<std::pair<int64_t, std::vector<std::string>>> read_rows(const BenchmarkTask& task,
                                                                    std::string_view text) {
  const auto lines = split_lines(text);
  std::vector<std::pair<int64_t, std::vector<std::string>>> rows;
  CsvRowParser parser(task.delimiter);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const size_t first = i;
    std::vector<std::string> fields;
    if (task.csv_quoting) {
      auto status = parser.begin(lines[i]);
      while (status == CsvRowParser::Status::kNeedLine)
        status = i + 1 < lines.size() ? parser.more(lines[++i]) : parser.finish();
      if (status == CsvRowParser::Status::kUnbalancedQuote) {
        parser.split_literal(lines[first]);
        i = first;
      }
      for (size_t f = 0; f < parser.field_count(); ++f) fields.push_back(parser.field(f));
    } else {
      std::string_view line = lines[i];
      for (size_t tab; (tab = line.find(task.delimiter)) != std::string_view::npos;
           line.remove_prefix(tab + 1))
        fields.emplace_back(line.substr(0, tab));
      fields.emplace_back(line);
    }
    rows.emplace_back(int64_t(first) + 1, std::move(fields));
  }
  return rows;
}

size_t column_index(const std::vector<std::string>& columns, const std::string& name,
                    const std::string& where) {
  const auto it = std::find(columns.begin(), columns.end(), name);
  if (it == columns.end()) {
    std::string have;  // quoted safely: a binary file's "header" is garbage
    for (size_t i = 0; i < columns.size() && i < 20; ++i)
      have += (have.empty() ? "" : ", ") + utf8::printable_excerpt(columns[i]);
    if (columns.size() > 20) have += " and " + std::to_string(columns.size() - 20) + " more";
    fail(where, "no column \"" + name + "\" (the file has: " + have +
                    "); fix the task's 'fields' or give the right split file");
  }
  return size_t(it - columns.begin());
}

void apply_value_maps(const BenchmarkTask& task, BenchmarkDoc* doc, const std::string& where) {
  for (const auto& [field, map] : task.value_maps) {
    std::string& value = doc->fields[field];
    auto it = map.find(value);
    if (it == map.end()) it = map.find(std::string(python_strip(value)));
    if (it == map.end()) {
      std::string keys;
      for (const auto& [k, v] : map) keys += (keys.empty() ? "\"" : ", \"") + k + "\"";
      fail(where + ", line " + std::to_string(doc->line),
           "field '" + field + "' has value \"" + value +
               "\", which its value map does not list (" + keys + ")");
    }
    value = it->second;
  }
}

}  // namespace

BenchmarkSplit load_benchmark_split(const BenchmarkTask& task, const std::string& path) {
  const std::string text = read_file(path);
  auto rows = read_rows(task, text);
  std::vector<std::string> columns = task.columns;
  size_t begin = 0;
  if (task.header) {
    if (rows.empty()) fail(path, "empty file: expected a header line");
    columns = rows[0].second;
    begin = 1;
  }
  // field name -> column index
  std::vector<std::pair<std::string, size_t>> field_columns;
  if (task.fields.empty())
    for (size_t c = 0; c < columns.size(); ++c) field_columns.push_back({columns[c], c});
  else
    for (const auto& [field, column] : task.fields)
      field_columns.push_back({field, column_index(columns, column, path)});
  const auto is_empty = [&](const std::string& v) {
    return v.empty() || (task.pandas_na && kPandasNa.count(v));
  };
  BenchmarkSplit split;
  for (size_t r = begin; r < rows.size(); ++r) {
    auto& [line, values] = rows[r];
    ++split.rows;
    if (values.size() > columns.size())
      fail(path + ", line " + std::to_string(line), "expected " + std::to_string(columns.size()) +
                                                        " fields, found " +
                                                        std::to_string(values.size()));
    values.resize(columns.size());  // missing trailing fields are empty (NaN in pandas)
    BenchmarkDoc doc;
    doc.line = line;
    for (const auto& [field, c] : field_columns) doc.fields[field] = values[c];
    bool drop = false;
    if (task.drop_empty == "any_column")
      drop = std::any_of(values.begin(), values.end(), is_empty);
    else if (task.drop_empty == "fields")
      for (const auto& f : task.drop_empty_fields) drop = drop || is_empty(doc.fields[f]);
    if (drop) {
      split.dropped_lines.push_back(line);
      continue;
    }
    apply_value_maps(task, &doc, path);
    for (const auto& t : task.transforms)
      if (t == "paws_clean") paws_clean(&doc.fields["sentence1"], &doc.fields["sentence2"]);
    split.docs.push_back(std::move(doc));
  }
  return split;
}

BenchmarkInstance build_instance(const BenchmarkTask& task, const BenchmarkDoc& doc,
                                 const std::string& where) {
  const std::string at = where + ", line " + std::to_string(doc.line);
  BenchmarkInstance instance;
  instance.context = render(task.context, doc, at);
  for (const auto& c : task.choices) instance.choices.push_back(render(c, doc, at));
  const std::string gold = render(task.gold, doc, at);
  const bool digits =
      !gold.empty() && gold.size() < 9 &&
      std::all_of(gold.begin(), gold.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoi(gold) >= int(instance.choices.size()))
    fail(at, "gold \"" + gold + "\" is not a choice index 0.." +
                 std::to_string(instance.choices.size() - 1) + " (check 'gold' and 'value_maps')");
  instance.gold = std::stoi(gold);
  if (task.gold_by_choice_text)  // choices.index(text of the gold choice)
    instance.gold = int(std::find(instance.choices.begin(), instance.choices.end(),
                                  instance.choices[instance.gold]) -
                        instance.choices.begin());
  return instance;
}

}  // namespace glossa

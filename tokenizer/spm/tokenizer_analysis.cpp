#include "tokenizer/spm/tokenizer_analysis.h"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "base/error.h"
#include "tokenizer/corpus/document_batch_pool.h"
#include "tokenizer/text/utf8.h"

namespace glossa {

namespace {

constexpr size_t kBatchPerThread = 512;            // documents a worker takes at once
constexpr size_t kMaxMemoWords = size_t(1) << 21;  // per worker and tokenizer, then cleared

// Python's str.isspace() set, which str.split() splits on.
bool is_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One worker's partial counts for one tokenizer, with its memo of word -> token count.
struct Partial {
  TokenizerStats stats;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> memo;
};

class Analyzer {
 public:
  Analyzer(const std::vector<std::shared_ptr<const SpProcessor>>& tokenizers, int threads)
      : tokenizers_(tokenizers), workers_(size_t(std::max(1, threads))) {
    for (const auto& sp : tokenizers) {
      std::vector<uint8_t> kind(size_t(sp->vocab_size()), 0);  // 1 byte piece, 2 unknown
      for (int id = 0; id < sp->vocab_size(); ++id) {
        const PieceType type = sp->model().piece(id).type;
        kind[size_t(id)] = type == PieceType::kByte ? 1 : type == PieceType::kUnknown ? 2 : 0;
      }
      kinds_.push_back(std::move(kind));
    }
    for (auto& worker : workers_) worker.resize(tokenizers.size());
  }

  size_t threads() const { return workers_.size(); }

  // Measures a batch on worker w.
  void run(size_t w, const DocumentBatch& batch) {
    std::vector<int> ids;
    for (const Document& doc : batch.documents) {
      const std::string& text = doc.text;
      const auto words = whitespace_words(text);
      const uint64_t chars = utf8::count_chars_valid(text);
      for (size_t t = 0; t < tokenizers_.size(); ++t) {
        Partial& p = workers_[w][t];
        p.stats.documents += 1;
        p.stats.words += words.size();
        p.stats.bytes += text.size();
        p.stats.characters += chars;
        tokenizers_[t]->encode(text, &ids);
        p.stats.tokens += ids.size();
        for (int id : ids) {
          const uint8_t kind = size_t(id) < kinds_[t].size() ? kinds_[t][size_t(id)] : 0;
          p.stats.byte_tokens += kind == 1;
          p.stats.unknown_tokens += kind == 2;
        }
        for (std::string_view word : words) p.stats.continued_words += word_tokens(t, p, word) >= 2;
      }
    }
  }

  std::vector<TokenizerStats> totals() const {
    std::vector<TokenizerStats> out(tokenizers_.size());
    for (const auto& worker : workers_)
      for (size_t t = 0; t < out.size(); ++t) {
        const TokenizerStats& s = worker[t].stats;
        out[t].documents += s.documents;
        out[t].words += s.words;
        out[t].tokens += s.tokens;
        out[t].bytes += s.bytes;
        out[t].characters += s.characters;
        out[t].continued_words += s.continued_words;
        out[t].byte_tokens += s.byte_tokens;
        out[t].unknown_tokens += s.unknown_tokens;
      }
    return out;
  }

 private:
  uint32_t word_tokens(size_t t, Partial& p, std::string_view word) {
    auto it = p.memo.find(word);
    if (it != p.memo.end()) return it->second;
    if (p.memo.size() >= kMaxMemoWords) p.memo.clear();
    std::vector<int> ids;
    tokenizers_[t]->encode(word, &ids);
    p.memo.emplace(std::string(word), uint32_t(ids.size()));
    return uint32_t(ids.size());
  }

  const std::vector<std::shared_ptr<const SpProcessor>>& tokenizers_;
  std::vector<std::vector<uint8_t>> kinds_;    // per tokenizer: id -> 0 normal, 1 byte, 2 unk
  std::vector<std::vector<Partial>> workers_;  // [worker][tokenizer]
};

double ratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : double(a) / double(b); }

}  // namespace

std::vector<std::string_view> whitespace_words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t start = std::string_view::npos;
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  for (const char* p = begin; p < end;) {
    const size_t i = size_t(p - begin);
    if (is_whitespace(utf8::decode_next(p, end))) {
      if (start != std::string_view::npos) words.push_back(text.substr(start, i - start));
      start = std::string_view::npos;
    } else if (start == std::string_view::npos) {
      start = i;
    }
  }
  if (start != std::string_view::npos) words.push_back(text.substr(start));
  return words;
}

double TokenizerStats::fertility() const { return ratio(tokens, words); }
double TokenizerStats::continued_share() const { return ratio(continued_words, words); }
double TokenizerStats::bytes_per_token() const { return ratio(bytes, tokens); }
double TokenizerStats::chars_per_token() const { return ratio(characters, tokens); }
double TokenizerStats::byte_fallback_share() const { return ratio(byte_tokens, tokens); }
double TokenizerStats::unknown_share() const { return ratio(unknown_tokens, tokens); }
double TokenizerStats::length_ratio() const { return ratio(tokens, reference_tokens); }

TokenizerAnalysis analyze_tokenizers(
    const std::vector<std::shared_ptr<const SpProcessor>>& tokenizers, DocumentSource& source,
    const AnalysisOptions& options, const JobControl& job, std::vector<std::string> names) {
  if (tokenizers.empty()) fail("tokenizer analysis", "no tokenizer given");
  if (!names.empty() && names.size() != tokenizers.size())
    fail("tokenizer analysis", std::to_string(names.size()) + " names for " +
                                   std::to_string(tokenizers.size()) + " tokenizers");
  LimitedSource limited(source, options.max_documents);
  BatchPoolOptions pool_options;
  pool_options.workers = options.threads;
  pool_options.batch_documents = kBatchPerThread;
  pool_options.verb = "analyzed";
  DocumentBatchPool pool(limited, pool_options, job);
  Analyzer analyzer(tokenizers, int(pool.workers()));
  pool.run([&](size_t w, DocumentBatch& batch) { analyzer.run(w, batch); });
  TokenizerAnalysis result;
  result.tokenizers = analyzer.totals();
  std::vector<std::string> origins;
  for (const auto& tokenizer : tokenizers) origins.push_back(tokenizer->origin());
  if (names.empty()) names = short_distinct_names(origins);
  for (size_t t = 0; t < tokenizers.size(); ++t) {
    TokenizerStats& s = result.tokenizers[t];
    s.name = names[t];
    s.path = origins[t];
    s.vocab_size = tokenizers[t]->vocab_size();
    s.reference_tokens = result.tokenizers[0].tokens;
  }
  job.report(1.0, "analyzed " + std::to_string(pool.documents()) + " documents");
  return result;
}

nlohmann::json TokenizerStats::to_json() const {
  return {{"name", name},
          {"path", path},
          {"vocab_size", vocab_size},
          {"documents", documents},
          {"words", words},
          {"tokens", tokens},
          {"bytes", bytes},
          {"characters", characters},
          {"continued_words", continued_words},
          {"byte_tokens", byte_tokens},
          {"unknown_tokens", unknown_tokens},
          {"reference_tokens", reference_tokens},
          {"fertility", fertility()},
          {"continued_share", continued_share()},
          {"bytes_per_token", bytes_per_token()},
          {"chars_per_token", chars_per_token()},
          {"byte_fallback_share", byte_fallback_share()},
          {"unknown_share", unknown_share()},
          {"length_ratio", length_ratio()}};
}

nlohmann::json TokenizerAnalysis::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : tokenizers) list.push_back(s.to_json());
  return {{"tokenizers", list}};
}

TokenizerStats TokenizerStats::from_json(const nlohmann::json& j) {
  TokenizerStats s;
  s.name = j.at("name").get<std::string>();
  s.path = j.value("path", "");
  s.vocab_size = j.at("vocab_size").get<int>();
  for (auto [key, field] : {std::pair{"documents", &TokenizerStats::documents},
                            {"words", &TokenizerStats::words},
                            {"tokens", &TokenizerStats::tokens},
                            {"bytes", &TokenizerStats::bytes},
                            {"characters", &TokenizerStats::characters},
                            {"continued_words", &TokenizerStats::continued_words},
                            {"byte_tokens", &TokenizerStats::byte_tokens},
                            {"unknown_tokens", &TokenizerStats::unknown_tokens},
                            {"reference_tokens", &TokenizerStats::reference_tokens}})
    s.*field = j.at(key).get<uint64_t>();
  return s;
}

TokenizerAnalysis TokenizerAnalysis::from_json(const nlohmann::json& j) {
  TokenizerAnalysis a;
  for (const auto& s : j.at("tokenizers")) a.tokenizers.push_back(TokenizerStats::from_json(s));
  return a;
}

std::vector<std::string> short_distinct_names(const std::vector<std::string>& paths) {
  std::vector<std::vector<std::string>> parts;  // path components, last first
  for (const std::string& path : paths) {
    std::vector<std::string> p;
    const std::filesystem::path fp(path);
    for (auto it = fp.end(); it != fp.begin();)
      if (const std::string c = (--it)->string(); !c.empty() && c != "/") p.push_back(c);
    parts.push_back(p.empty() ? std::vector<std::string>{path} : p);
  }
  std::vector<size_t> depth(paths.size(), 1);
  const auto label = [&](size_t i) {
    std::string out;
    for (size_t k = std::min(depth[i], parts[i].size()); k-- > 0;)
      out += parts[i][k] + (k ? "/" : "");
    return out;
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < paths.size(); ++i)
      for (size_t j = i + 1; j < paths.size(); ++j)
        if (label(i) == label(j)) {
          for (size_t k : {i, j})
            if (depth[k] < parts[k].size()) ++depth[k], changed = true;
        }
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < paths.size(); ++i) names.push_back(label(i));
  return names;
}

std::string TokenizerAnalysis::table() const {
  using Cell = std::function<std::string(const TokenizerStats&)>;
  auto integer = [](uint64_t TokenizerStats::*field) -> Cell {
    return [field](const TokenizerStats& s) { return std::to_string(s.*field); };
  };
  auto number = [](double (TokenizerStats::*f)() const, const char* format) -> Cell {
    return [f, format](const TokenizerStats& s) {
      char text[32];
      std::snprintf(text, sizeof(text), format, (s.*f)());
      return std::string(text);
    };
  };
  auto percent = [](double (TokenizerStats::*f)() const) -> Cell {
    return [f](const TokenizerStats& s) {
      char text[32];
      std::snprintf(text, sizeof(text), "%.2f %%", 100.0 * (s.*f)());
      return std::string(text);
    };
  };
  const std::vector<std::pair<std::string, Cell>> rows = {
      {"vocabulary", [](const TokenizerStats& s) { return std::to_string(s.vocab_size); }},
      {"documents", integer(&TokenizerStats::documents)},
      {"whitespace words", integer(&TokenizerStats::words)},
      {"UTF-8 bytes", integer(&TokenizerStats::bytes)},
      {"characters", integer(&TokenizerStats::characters)},
      {"tokens", integer(&TokenizerStats::tokens)},
      {"fertility (tokens/word)", number(&TokenizerStats::fertility, "%.3f")},
      {"continued words", percent(&TokenizerStats::continued_share)},
      {"bytes per token", number(&TokenizerStats::bytes_per_token, "%.3f")},
      {"characters per token", number(&TokenizerStats::chars_per_token, "%.3f")},
      {"byte-fallback tokens", percent(&TokenizerStats::byte_fallback_share)},
      {"unknown tokens", percent(&TokenizerStats::unknown_share)},
      {"length vs first", number(&TokenizerStats::length_ratio, "%.3f")},
  };
  // Column widths from the longest cell; utf8 names count code points.
  std::vector<std::vector<std::string>> cells(rows.size() + 1);
  cells[0].push_back("");
  for (const auto& s : tokenizers) cells[0].push_back(s.name);
  for (size_t r = 0; r < rows.size(); ++r) {
    cells[r + 1].push_back(rows[r].first);
    for (const auto& s : tokenizers) cells[r + 1].push_back(rows[r].second(s));
  }
  std::vector<size_t> width(tokenizers.size() + 1, 0);
  for (const auto& row : cells)
    for (size_t c = 0; c < row.size(); ++c)
      width[c] = std::max<size_t>(width[c], utf8::count_chars_valid(row[c]));
  std::string out;
  for (const auto& row : cells) {
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - utf8::count_chars_valid(row[c]), ' ');
      out += c == 0 ? row[c] + pad : "  " + pad + row[c];  // label left, numbers right
    }
    out += "\n";
  }
  return out;
}

}  // namespace glossa

#include "tokenizer/tokenizer_analysis.h"

#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "tokenizer/error.h"

namespace glossa {

namespace {

constexpr size_t kBatchPerThread = 512;            // documents per worker between joins
constexpr size_t kMaxMemoWords = size_t(1) << 21;  // per worker and tokenizer, then cleared

// Python's str.isspace() set, which str.split() splits on.
bool is_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Decodes the code point at text[i] (valid UTF-8 expected; a stray byte counts as one point).
char32_t decode(std::string_view text, size_t i, size_t* length) {
  const auto b = static_cast<unsigned char>(text[i]);
  size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
  if (i + n > text.size()) n = 1;
  char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  *length = n;
  return c;
}

uint64_t count_code_points(std::string_view text) {
  uint64_t n = 0;
  for (unsigned char b : text) n += (b & 0xC0) != 0x80;
  return n;
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

  // Measures docs[begin, end) on worker w.
  void run(size_t w, const std::vector<std::string>& docs, size_t begin, size_t end,
           const JobControl& job) {
    std::vector<int> ids;
    for (size_t d = begin; d < end; ++d) {
      if ((d - begin) % 64 == 0 && job.cancelled()) return;
      const std::string& text = docs[d];
      const auto words = whitespace_words(text);
      const uint64_t chars = count_code_points(text);
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

// Runs the analyzer's workers over one batch of documents.
void measure_batch(Analyzer& analyzer, const std::vector<std::string>& docs,
                   const JobControl& job) {
  const size_t n = analyzer.threads();
  const size_t chunk = (docs.size() + n - 1) / n;
  std::vector<std::thread> threads;
  std::exception_ptr error;
  std::mutex error_mutex;
  for (size_t w = 0; w < n && w * chunk < docs.size(); ++w)
    threads.emplace_back([&, w] {
      try {
        analyzer.run(w, docs, w * chunk, std::min(docs.size(), (w + 1) * chunk), job);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

double ratio(uint64_t a, uint64_t b) { return b == 0 ? 0.0 : double(a) / double(b); }

}  // namespace

std::vector<std::string_view> whitespace_words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    const char32_t c = decode(text, i, &length);
    if (is_whitespace(c)) {
      if (start != std::string_view::npos) words.push_back(text.substr(start, i - start));
      start = std::string_view::npos;
    } else if (start == std::string_view::npos) {
      start = i;
    }
    i += length;
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
  const int threads =
      options.threads > 0 ? options.threads : std::max(1, int(std::thread::hardware_concurrency()));
  Analyzer analyzer(tokenizers, threads);
  const uint64_t limit = options.max_documents ? options.max_documents : UINT64_MAX;
  uint64_t read = 0;
  std::vector<std::string> batch;
  Document doc;
  bool more = true;
  while (more && read < limit) {
    batch.clear();
    while (batch.size() < kBatchPerThread * analyzer.threads() && read < limit &&
           (more = source.next(&doc))) {
      batch.push_back(std::move(doc.text));
      ++read;
    }
    measure_batch(analyzer, batch, job);
    job.check_cancelled();
    const double fraction =
        options.max_documents ? double(read) / double(limit) : source.progress();
    job.report(fraction, "analyzed " + std::to_string(read) + " documents");
  }
  TokenizerAnalysis result;
  result.tokenizers = analyzer.totals();
  for (size_t t = 0; t < tokenizers.size(); ++t) {
    TokenizerStats& s = result.tokenizers[t];
    s.name = names.empty() ? tokenizers[t]->origin() : names[t];
    s.vocab_size = tokenizers[t]->vocab_size();
    s.reference_tokens = result.tokenizers[0].tokens;
  }
  job.report(1.0, "analyzed " + std::to_string(read) + " documents");
  return result;
}

nlohmann::json TokenizerStats::to_json() const {
  return {{"name", name},
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
      width[c] = std::max<size_t>(width[c], count_code_points(row[c]));
  std::string out;
  for (const auto& row : cells) {
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string pad(width[c] - count_code_points(row[c]), ' ');
      out += c == 0 ? row[c] + pad : "  " + pad + row[c];  // label left, numbers right
    }
    out += "\n";
  }
  return out;
}

}  // namespace glossa

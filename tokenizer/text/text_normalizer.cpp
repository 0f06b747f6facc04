#include "tokenizer/text/text_normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>

#include "base/error.h"

namespace glossa {
namespace {

const icu::Normalizer2* icu_instance(NormalizationForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = nullptr;
  switch (form) {
    case NormalizationForm::kNone:
      return nullptr;
    case NormalizationForm::kNfc:
      normalizer = icu::Normalizer2::getNFCInstance(status);
      break;
    case NormalizationForm::kNfd:
      normalizer = icu::Normalizer2::getNFDInstance(status);
      break;
    case NormalizationForm::kNfkc:
      normalizer = icu::Normalizer2::getNFKCInstance(status);
      break;
    case NormalizationForm::kNfkd:
      normalizer = icu::Normalizer2::getNFKDInstance(status);
      break;
  }
  if (U_FAILURE(status) || normalizer == nullptr)
    fail("TextNormalizer", std::string("ICU cannot load the ") + normalization_form_name(form) +
                               " normalisation data (" + u_errorName(status) +
                               "); check the ICU installation");
  return normalizer;
}

// ASCII is invariant under every normalisation form, so ASCII-only text never needs ICU.
bool is_ascii(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  for (; end - p >= 8; p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    if (word & 0x8080808080808080ull) return false;
  }
  for (; p < end; ++p)
    if (static_cast<unsigned char>(*p) & 0x80) return false;
  return true;
}

// ICU takes int32_t lengths: refuse (with a hint) what it cannot take in one piece.
icu::StringPiece icu_piece(std::string_view s) {
  if (s.size() > size_t(INT32_MAX))
    fail("TextNormalizer", "text of " + std::to_string(s.size()) +
                               " bytes is longer than ICU accepts (2 GiB); split documents first "
                               "(CorpusReaderOptions::max_document_bytes)");
  return icu::StringPiece(s.data(), int32_t(s.size()));
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Appends one line (without its line end) cleaned as asked.
void append_clean_line(std::string_view line, bool collapse, bool trim, std::string* out) {
  if (trim) {
    size_t begin = 0, end = line.size();
    while (begin < end && is_blank(line[begin])) ++begin;
    while (end > begin && is_blank(line[end - 1])) --end;
    line = line.substr(begin, end - begin);
  }
  if (!collapse) {
    out->append(line);
    return;
  }
  for (size_t i = 0; i < line.size();) {
    if (!is_blank(line[i])) {
      out->push_back(line[i++]);
      continue;
    }
    out->push_back(' ');
    while (i < line.size() && is_blank(line[i])) ++i;
  }
}

}  // namespace

NormalizationForm parse_normalization_form(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (lower == "none") return NormalizationForm::kNone;
  if (lower == "nfc") return NormalizationForm::kNfc;
  if (lower == "nfd") return NormalizationForm::kNfd;
  if (lower == "nfkc") return NormalizationForm::kNfkc;
  if (lower == "nfkd") return NormalizationForm::kNfkd;
  fail("normalization form",
       "unknown form '" + std::string(name) + "'; expected one of none, nfc, nfd, nfkc, nfkd");
}

const char* normalization_form_name(NormalizationForm form) {
  switch (form) {
    case NormalizationForm::kNone:
      return "none";
    case NormalizationForm::kNfc:
      return "nfc";
    case NormalizationForm::kNfd:
      return "nfd";
    case NormalizationForm::kNfkc:
      return "nfkc";
    case NormalizationForm::kNfkd:
      return "nfkd";
  }
  return "?";
}

TextNormalizer::TextNormalizer(const NormalizerOptions& options)
    : options_(options), icu_normalizer_(icu_instance(options.form)) {}

bool TextNormalizer::is_normalized(std::string_view utf8) const {
  if (icu_normalizer_ == nullptr || is_ascii(utf8)) return true;
  const auto* normalizer = static_cast<const icu::Normalizer2*>(icu_normalizer_);
  UErrorCode status = U_ZERO_ERROR;
  const bool normal = normalizer->isNormalizedUTF8(icu_piece(utf8), status);
  if (U_FAILURE(status))
    fail("TextNormalizer", std::string("ICU isNormalizedUTF8 failed: ") + u_errorName(status));
  return normal;
}

void TextNormalizer::normalize(std::string_view utf8, std::string* out) const {
  out->clear();
  std::string normalized;
  std::string_view formed = utf8;
  if (!is_normalized(utf8)) {
    // Compose forms (NFC, NFKC) work on UTF-8 directly; ICU converts the others internally.
    const auto* normalizer = static_cast<const icu::Normalizer2*>(icu_normalizer_);
    normalized.reserve(utf8.size() + utf8.size() / 8);
    icu::StringByteSink<std::string> sink(&normalized);
    UErrorCode status = U_ZERO_ERROR;
    normalizer->normalizeUTF8(0, icu_piece(utf8), sink, nullptr, status);
    if (U_FAILURE(status))
      fail("TextNormalizer", std::string("ICU normalizeUTF8 (") +
                                 normalization_form_name(options_.form) +
                                 ") failed: " + u_errorName(status));
    formed = normalized;
  }
  if (options_.collapse_spaces || options_.trim_lines) {
    *out = clean_whitespace(formed, options_.collapse_spaces, options_.trim_lines);
  } else if (formed.data() == normalized.data()) {
    *out = std::move(normalized);
  } else {
    out->assign(formed);
  }
}

std::string TextNormalizer::normalize(std::string_view utf8) const {
  std::string out;
  normalize(utf8, &out);
  return out;
}

std::string clean_whitespace(std::string_view text, bool collapse_spaces, bool trim_lines) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  while (start <= text.size()) {
    const size_t newline = text.find('\n', start);
    const size_t stop = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(start, stop - start);
    const bool crlf = !line.empty() && line.back() == '\r';
    if (crlf) line.remove_suffix(1);
    append_clean_line(line, collapse_spaces, trim_lines, &out);
    if (newline == std::string_view::npos) break;
    out.append(crlf ? "\r\n" : "\n");
    start = newline + 1;
  }
  return out;
}

}  // namespace glossa

// Unicode normalisation of UTF-8 text (ICU Normalizer2: NFKC, NFC, NFKD, NFD or none) plus an
// optional whitespace cleanup. Cleaning normalises every document before it computes signals
// and hashes, so that compatibility variants (full-width letters, ligatures, decomposed Hangul
// jamo) count and deduplicate as the same text.
#pragma once

#include <string>
#include <string_view>

namespace glossa {

enum class NormalizationForm { kNone, kNfc, kNfd, kNfkc, kNfkd };

// "none", "nfc", "nfd", "nfkc", "nfkd" (case-insensitive); throws Error on anything else.
NormalizationForm parse_normalization_form(std::string_view name);
const char* normalization_form_name(NormalizationForm form);  // lower case, as parsed

struct NormalizerOptions {
  NormalizationForm form = NormalizationForm::kNfkc;  // Unicode normalisation form
  bool collapse_spaces = false;  // every run of spaces and tabs becomes one space (after form)
  bool trim_lines = false;       // spaces and tabs at the start and end of each line removed
};

// Immutable after construction: one instance may be used from several threads at once (ICU's
// Normalizer2 singletons are thread-safe for const use, and normalize() keeps no state).
class TextNormalizer {
 public:
  // Loads ICU's normalisation data; throws Error when ICU cannot provide it.
  explicit TextNormalizer(const NormalizerOptions& options = {});

  // `utf8` must be valid UTF-8 (documents from a DocumentSource are); invalid bytes would come
  // out as U+FFFD. ASCII-only text and text already in the form skip the conversion.
  std::string normalize(std::string_view utf8) const;
  // Same, into `out` (replaced, its capacity reused).
  void normalize(std::string_view utf8, std::string* out) const;

  // True when `utf8` is already in the form (whitespace cleanup not considered).
  bool is_normalized(std::string_view utf8) const;

  const NormalizerOptions& options() const { return options_; }

 private:
  NormalizerOptions options_;
  const void* icu_normalizer_ = nullptr;  // const icu::Normalizer2*, owned by ICU; null = none
};

// Whitespace cleanup alone (what TextNormalizer applies after the form). Line ends ("\n",
// "\r\n") are kept; only ' ' and '\t' are touched.
std::string clean_whitespace(std::string_view text, bool collapse_spaces, bool trim_lines);

}  // namespace glossa

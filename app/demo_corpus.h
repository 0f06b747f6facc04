// The demo project's corpora, written by Glossa itself (never data from ../shared): Korean and
// English sentences composed from word lists of our own with Zipf-distributed word choice, so
// token counts fall off like a real corpus's and the rank-frequency curve is worth curating.
// Deterministic: the same seed writes the same bytes.
#pragma once

#include <QString>

namespace glossa::app {

struct DemoCorpusSizes {
  int korean_sentences = 30000;
  int english_sentences = 12000;
};

// Korean sentences with particles chosen by the preceding syllable's final consonant
// (은/는, 이/가, 을/를, 과/와, 으로/로), one per line.
QString demo_korean_text(int sentences, unsigned seed = 20261207);
QString demo_english_text(int sentences, unsigned seed = 20261207);

}  // namespace glossa::app

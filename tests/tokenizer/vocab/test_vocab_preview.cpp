// ctest-labels: unit data
// The live preview against the truth: after any sequence of changes its token counts equal
// encoding the sample from scratch with the merged tokenizer built the expansion's way; a change
// of one piece re-encodes only the words that hold its text; the inspector's spans cover the text.
#include <QtTest>
#include <fstream>

#include "support/test_support.h"
#include "tokenizer/spm/fast_tokenizer_agreement.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/vocab/vocab_preview.h"

using glossa::SpModel;

namespace {

// Tokens of the whole sample, word by word, with a merged model built from scratch.
uint64_t from_scratch(const SpModel& base, const std::vector<std::string>& included,
                      const std::vector<std::string>& sample) {
  SpModel merged = base;
  std::vector<glossa::Piece> pieces;
  for (const auto& p : included) pieces.push_back({p, 0.0f, glossa::PieceType::kNormal});
  glossa::MergeOptions o;
  o.score_policy = glossa::ScorePolicy::kBelowBase;
  glossa::append_pieces(merged, pieces, o);
  std::vector<glossa::Piece> chars;
  for (const auto& c : glossa::missing_piece_chars(merged, base.size())) chars.push_back({c, 0.0f, glossa::PieceType::kNormal});
  glossa::append_pieces(merged, chars, o);
  const auto p = glossa::SpProcessor::from_model(merged, "scratch");
  uint64_t tokens = 0;
  for (const std::string& doc : sample) {
    std::string word;
    for (size_t i = 0; i <= doc.size(); ++i) {
      if (i == doc.size() || doc[i] == ' ' || doc[i] == '\n') {
        if (!word.empty()) tokens += p->encode(word).size();
        word.clear();
      } else {
        word += doc[i];
      }
    }
  }
  return tokens;
}

}  // namespace

class TestVocabPreview : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void incrementalCountsEqualEncodingFromScratch() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    const SpModel base = SpModel::load(llama.toStdString());
    std::ifstream in(nsmc.toStdString());
    std::string line;
    std::getline(in, line);
    std::vector<std::string> sample;
    while (sample.size() < 3000 && std::getline(in, line)) sample.push_back(line.substr(line.rfind('\t') + 1));
    glossa::VocabPreview preview(base, sample, glossa::ScorePolicy::kBelowBase);
    QCOMPARE(preview.base().tokens, from_scratch(base, {}, sample));
    std::vector<std::string> included = {"▁영화", "▁정말", "▁너무", "니다", "▁최고", "▁재밌", "▁연기"};
    preview.update(included);
    QCOMPARE(preview.merged().tokens, from_scratch(base, included, sample));
    QVERIFY(preview.length_ratio() < 1.0);
    QCOMPARE(preview.merged().words, preview.base().words);
    // One piece more: only the words holding its text (or a new character of it) are encoded.
    included.push_back("▁뽑");
    preview.update(included);
    QVERIFY2(preview.last_reencoded() < preview.distinct_words() / 10,
             qPrintable(QString("%1 of %2").arg(preview.last_reencoded()).arg(preview.distinct_words())));
    QCOMPARE(preview.merged().tokens, from_scratch(base, included, sample));
    // One piece less, then a large change (re-encodes everything), then back to none.
    included.erase(included.begin());
    preview.update(included);
    QCOMPARE(preview.merged().tokens, from_scratch(base, included, sample));
    preview.update({});
    QCOMPARE(preview.merged().tokens, preview.base().tokens);
    // The inspector: spans in order, covering the text, ids of the right model.
    // BPE reaches an appended piece only through pieces it can merge from: "▁영화" needs "영화".
    preview.update({"영화", "▁영화"});
    const std::string text = "정말 영화 좋아요";
    const auto merged = preview.inspect_merged(text);
    const auto basic = preview.inspect_base(text);
    QString pieces;
    for (const auto& t : merged) pieces += QString::fromStdString(t.piece) + " ";
    QVERIFY2(merged.size() < basic.size(), qPrintable(pieces));
    QVERIFY2(std::any_of(merged.begin(), merged.end(),
                         [&](const glossa::TokenSpan& t) { return t.piece == "▁영화" && t.id >= base.size(); }),
             qPrintable(pieces));
    QCOMPARE(merged.back().end, text.size());
    for (size_t i = 1; i < merged.size(); ++i) QCOMPARE(merged[i].begin, merged[i - 1].end);
    QCOMPARE(basic.back().end, text.size());
  }
};

QTEST_GUILESS_MAIN(TestVocabPreview)
#include "test_vocab_preview.moc"

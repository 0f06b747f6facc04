// ctest-labels: unit data
#include <QtTest>
#include <cstring>

#include "support/test_support.h"
#include "base/error.h"
#include "base/file_util.h"
#include "tokenizer/spm/fast_tokenizer_agreement.h"
#include "tokenizer/spm/model_merge.h"
#include "tokenizer/spm/sp_model.h"
#include "tokenizer/spm/sp_processor.h"
#include "support/tokenizer_test_samples.h"

using glossa::MergeOptions;
using glossa::MergeReport;
using glossa::Piece;
using glossa::PieceType;
using glossa::ScorePolicy;
using glossa::SpModel;

namespace {

// Every base piece keeps its id, piece string, score (bit-exact) and type.
void verifyBaseUnchanged(const SpModel& base, const SpModel& merged) {
  QVERIFY(merged.size() >= base.size());
  for (int id = 0; id < base.size(); ++id) {
    const Piece& a = base.piece(id);
    const Piece& b = merged.piece(id);
    if (a.piece != b.piece || a.type != b.type || std::memcmp(&a.score, &b.score, 4) != 0) {
      QFAIL(qPrintable(QStringLiteral("base piece %1 '%2' changed")
                           .arg(id)
                           .arg(QString::fromStdString(a.piece))));
    }
  }
}

// The merged model, re-read from bytes, loads in libsentencepiece (C++) and in the Python
// sentencepiece package, and both encode every line to the same ids.
void verifyPythonParity(const SpModel& merged, const std::vector<std::string>& lines) {
  GLOSSA_REQUIRE_PYTHON(py);
  QTemporaryDir dir;
  const QString model_path = dir.filePath("merged.model");
  merged.save(model_path.toStdString());
  const auto glossa_sp = glossa::SpProcessor::load(model_path.toStdString());
  const QJsonObject ref = glossa::test::runReference(
      py, {"sp", model_path, glossa::test::writeLines(dir, "lines.txt", lines)});
  QCOMPARE(ref.value("vocab_size").toInt(), merged.size());
  const QJsonArray ids = ref.value("ids").toArray();
  QCOMPARE(ids.size(), qsizetype(lines.size()));
  for (size_t i = 0; i < lines.size(); ++i) {
    QVERIFY2(glossa::test::toIds(ids[qsizetype(i)]) == glossa_sp->encode(lines[i]),
             lines[i].c_str());
  }
}

size_t totalTokens(const glossa::SpProcessor& sp, const std::vector<std::string>& lines) {
  size_t n = 0;
  for (const auto& line : lines) n += sp.encode(line).size();
  return n;
}

}  // namespace

class TestModelMerge : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void llama2PlusChineseGivesPublishedVocabularySize() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(chinese, "tokenizers/chinese_llama/chinese_sp.model");
    const SpModel base = SpModel::load(llama.toStdString());
    const SpModel add = SpModel::load(chinese.toStdString());
    MergeReport report;
    const SpModel merged = glossa::merge_models(base, add, {}, &report);
    // 49,953: the vocabulary size published for Chinese-LLaMA.
    QCOMPARE(merged.size(), 49953);
    QCOMPARE(report.base_size, 32000);
    QCOMPARE(report.appended, 17953);
    QCOMPARE(report.skipped_special, 3);  // <unk>, <s>, </s> of chinese_sp
    QCOMPARE(report.skipped_duplicates, 20000 - 3 - 17953);
    QCOMPARE(report.merged_size, 49953);
    QCOMPARE(report.to_json()["appended"].get<int>(), 17953);
    verifyBaseUnchanged(base, merged);
    for (int id = 32000; id < merged.size(); ++id) {
      QCOMPARE(merged.piece(id).type, PieceType::kNormal);
      QCOMPARE(merged.piece(id).score, 0.0f);
      QVERIFY(!base.contains(merged.piece(id).piece));
    }
    // Appended in chinese_sp's order: the first new piece is the first chinese_sp piece Llama
    // lacks.
    for (const Piece& p : add.pieces()) {
      if (p.type == PieceType::kNormal && !base.contains(p.piece)) {
        QCOMPARE(merged.piece(32000).piece, p.piece);
        break;
      }
    }
    // Base specs kept: Llama's BPE with byte fallback and identity normaliser.
    const auto s = merged.settings();
    QCOMPARE(s.model_type, glossa::SpModelType::kBpe);
    QVERIFY(s.byte_fallback);
    QCOMPARE(QString::fromStdString(s.normalizer_name), QStringLiteral("identity"));
  }

  void chineseMergeEncodesLikePythonSentencepiece() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(chinese, "tokenizers/chinese_llama/chinese_sp.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_SHARED(plays, "german/gerdracor_plays.jsonl");
    const SpModel base = SpModel::load(llama.toStdString());
    const SpModel merged =
        glossa::merge_models(base, SpModel::load(chinese.toStdString()), {}, nullptr);
    std::vector<std::string> lines = glossa::test::chineseSamples();
    for (auto& l : glossa::test::nsmcReviews(nsmc, 200)) lines.push_back(l);
    for (auto& l : glossa::test::gerdracorLines(plays, 200)) lines.push_back(l);
    verifyPythonParity(merged, lines);
    // The merge is worth it: Chinese needs far fewer tokens than with Llama 2 alone.
    const auto before = glossa::SpProcessor::from_model(base, "llama2");
    const auto after = glossa::SpProcessor::from_model(merged, "merged");
    const auto zh = glossa::test::chineseSamples();
    QVERIFY2(totalTokens(*after, zh) * 3 < totalTokens(*before, zh) * 2,
             qPrintable(QStringLiteral("%1 vs %2 tokens")
                            .arg(totalTokens(*after, zh))
                            .arg(totalTokens(*before, zh))));
  }

  void llama2PlusGermanMergeKeepsBaseAndMatchesPython() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(german, "tokenizers/llammlein_de/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(plays, "german/gerdracor_plays.jsonl");
    const SpModel base = SpModel::load(llama.toStdString());
    const SpModel add = SpModel::load(german.toStdString());
    MergeReport report;
    const SpModel merged = glossa::merge_models(base, add, {}, &report);
    QCOMPARE(report.appended, 24393);  // LLäMmlein pieces absent from Llama 2
    QCOMPARE(report.skipped_special, 3);
    QCOMPARE(report.skipped_duplicates, 32000 - 3 - 24393);
    QCOMPARE(merged.size(), 56393);
    verifyBaseUnchanged(base, merged);
    verifyPythonParity(merged, glossa::test::gerdracorLines(plays, 400));
  }

  void keepPolicyCopiesTheAddedModelsScores() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(chinese, "tokenizers/chinese_llama/chinese_sp.model");
    const SpModel base = SpModel::load(llama.toStdString());
    const SpModel add = SpModel::load(chinese.toStdString());
    const SpModel merged = glossa::merge_models(base, add, {ScorePolicy::kKeep}, nullptr);
    QCOMPARE(merged.size(), 49953);
    verifyBaseUnchanged(base, merged);
    int nonzero = 0;
    for (int id = 32000; id < merged.size(); ++id) {
      const Piece& p = merged.piece(id);
      QCOMPARE(p.score, add.piece(*add.id_of(p.piece)).score);
      nonzero += p.score != 0.0f;
    }
    QVERIFY(nonzero > 17000);  // unigram log-probabilities, not zeros
  }

  void belowBasePolicyNeverOutranksBaseAndHasDistinctScores() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(chinese, "tokenizers/chinese_llama/chinese_sp.model");
    const SpModel base = SpModel::load(llama.toStdString());
    const SpModel merged = glossa::merge_models(base, SpModel::load(chinese.toStdString()),
                                                {ScorePolicy::kBelowBase}, nullptr);
    verifyBaseUnchanged(base, merged);
    float base_min = 0.0f;
    for (const Piece& p : base.pieces()) base_min = std::min(base_min, p.score);
    // Llama 2 scores its 16 whitespace-run pieces ("▁▁", ...) -1e9, where floats are 64 apart:
    // "- 1 - rank" would round to equal scores, so the policy steps float by float.
    QCOMPARE(base_min, -1e9f);
    float previous = base_min;
    for (int id = 32000; id < merged.size(); ++id) {
      QVERIFY2(merged.piece(id).score < previous, qPrintable(QString::number(id)));
      previous = merged.piece(id).score;
    }
    // An English sentence Llama 2 covers well tokenizes exactly as before: no new piece wins.
    const auto before = glossa::SpProcessor::from_model(base, "llama2");
    const auto after = glossa::SpProcessor::from_model(merged, "merged");
    const std::string en = "The quick brown fox jumps over the lazy dog, isn't it?";
    QCOMPARE(after->encode(en), before->encode(en));
    // But a low score only loses against base merges: where the base has no merge at all, new
    // pieces still apply. Llama 2 has no multi-digit pieces (split_digits is a training option,
    // not an encoding rule), so chinese_sp's "▁20" and "24." now cut "2024." differently.
    const std::string year = "in 2024.";
    QCOMPARE(before->encode_pieces(year),
             (std::vector<std::string>{"▁in", "▁", "2", "0", "2", "4", "."}));
    QCOMPARE(after->encode_pieces(year), (std::vector<std::string>{"▁in", "▁20", "24."}));
  }

  void belowBasePolicyIsMinScoreMinusOneMinusRank() {
    GLOSSA_REQUIRE_SHARED(german, "tokenizers/llammlein_de/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(chinese, "tokenizers/chinese_llama/chinese_sp.model");
    const SpModel base = SpModel::load(german.toStdString());
    MergeReport report;
    const SpModel merged = glossa::merge_models(base, SpModel::load(chinese.toStdString()),
                                                {ScorePolicy::kBelowBase}, &report);
    QVERIFY(report.appended > 1000);
    float base_min = 0.0f;
    for (const Piece& p : base.pieces()) base_min = std::min(base_min, p.score);
    QVERIFY(base_min > -100000.0f);  // LLäMmlein: minus the merge rank, no sentinel
    for (int rank = 0; rank < report.appended; ++rank) {
      QCOMPARE(merged.piece(base.size() + rank).score, base_min - 1.0f - float(rank));
    }
  }

  void appendPiecesSkipsDuplicatesAndSpecialPieces() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    SpModel model = SpModel::load(llama.toStdString());
    const std::vector<Piece> list = {
        {"▁안녕", -5.0f, PieceType::kNormal}, {"▁the", -1.0f, PieceType::kNormal},
        {"▁안녕", -6.0f, PieceType::kNormal}, {"<mask>", 0.0f, PieceType::kControl},
        {"<0x41>", 0.0f, PieceType::kByte},   {"<x>", 0.0f, PieceType::kUnused},
        {"<u>", 0.0f, PieceType::kUnknown},   {"하세요", 2.0f, PieceType::kUserDefined},
    };
    const MergeReport r = glossa::append_pieces(model, list, {ScorePolicy::kKeep});
    QCOMPARE(r.appended, 2);
    QCOMPARE(r.skipped_duplicates, 2);
    QCOMPARE(r.skipped_special, 4);
    QCOMPARE(model.size(), 32002);
    QCOMPARE(model.piece(32000).piece, std::string("▁안녕"));
    QCOMPARE(model.piece(32000).score, -5.0f);              // the first occurrence wins
    QCOMPARE(model.piece(32001).type, PieceType::kNormal);  // USER_DEFINED becomes NORMAL
    QCOMPARE(model.piece(32001).score, 2.0f);
  }

  void emptyPieceIsRejectedAndBaseUnchanged() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    SpModel model = SpModel::load(llama.toStdString());
    try {
      glossa::append_pieces(model, {{"▁x1", 0, PieceType::kNormal}, {"", 0, PieceType::kNormal}},
                            {});
      QFAIL("empty piece accepted");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("#1"), e.what());
    }
    QCOMPARE(model.size(), 32000);
  }

  // A damaged model to merge fails when it is loaded, before anything is merged, with an error
  // that names the file (SpModel::load; all its failure modes are in test_sp_model).
  void truncatedModelToMergeIsAClearErrorNamingTheFile() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(chinese, "tokenizers/chinese_llama/chinese_sp.model");
    const SpModel base = SpModel::load(llama.toStdString());
    const std::string bytes = glossa::read_file(chinese.toStdString());
    QTemporaryDir dir;
    const std::string path = dir.filePath("chinese_cut.model").toStdString();
    glossa::write_file_atomically(path, std::string_view(bytes).substr(0, bytes.size() / 3));
    try {
      const SpModel merged = glossa::merge_models(base, SpModel::load(path), {}, nullptr);
      QFAIL(qPrintable(QStringLiteral("truncated model merged into %1 pieces").arg(merged.size())));
    } catch (const glossa::Error& e) {
      qInfo("%s", e.what());
      QVERIFY2(QString(e.what()).contains(QString::fromStdString(path)), e.what());
    }
  }

  // The two structural causes of a fast/SentencePiece split difference, found on the model:
  // appended multi-character pieces tied in score, and appended pieces with a character the
  // vocabulary lacks. Base ties (Llama 2's whitespace runs at -1e9) are not counted.
  void fastAgreementCheckFindsTiesAndUnformablePieces() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    const SpModel base = SpModel::load(llama.toStdString());
    QVERIFY(glossa::check_fast_agreement(base, base.size()).agrees());
    QVERIFY(glossa::check_fast_agreement(base, 0).tied > 0);  // "▁▁", "▁▁▁▁", ... at -1e9
    QVERIFY(base.contains("영") && base.contains("화") && !base.contains("뽑"));
    const std::vector<Piece> pieces = {{"영화", 0, PieceType::kNormal},
                                       {"▁영화", 0, PieceType::kNormal},
                                       {"▁뽑", 0, PieceType::kNormal},
                                       {"뽑", 0, PieceType::kNormal}};
    SpModel zero = base;
    glossa::append_pieces(zero, {pieces[0], pieces[1], pieces[2]}, {ScorePolicy::kZero});
    const auto tied = glossa::check_fast_agreement(zero, base.size());
    QCOMPARE(tied.tied, 3);  // all at 0
    QCOMPARE(tied.unformable, 1);
    QCOMPARE(tied.unformable_examples, std::vector<std::string>{"▁뽑"});
    QVERIFY(tied.describe().find("'▁뽑'") != std::string::npos);
    QCOMPARE(glossa::missing_piece_chars(zero, base.size()), std::vector<std::string>{"뽑"});
    SpModel below = base;
    glossa::append_pieces(below, pieces, {ScorePolicy::kBelowBase});
    const auto ok = glossa::check_fast_agreement(below, base.size());
    QVERIFY2(ok.agrees(), ok.describe().c_str());
    QCOMPARE(ok.describe(), std::string());
    QVERIFY(glossa::missing_piece_chars(below, base.size()).empty());
  }

  void scorePolicyNamesParse() {
    QCOMPARE(glossa::parse_score_policy("zero"), ScorePolicy::kZero);
    QCOMPARE(glossa::parse_score_policy("keep"), ScorePolicy::kKeep);
    QCOMPARE(glossa::parse_score_policy("below-base"), ScorePolicy::kBelowBase);
    QCOMPARE(QString(glossa::score_policy_name(ScorePolicy::kBelowBase)), QString("below-base"));
    try {
      glossa::parse_score_policy("max");
      QFAIL("unknown policy accepted");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("below-base"), e.what());
    }
    QCOMPARE(MergeOptions{}.score_policy, ScorePolicy::kZero);
  }
};

QTEST_GUILESS_MAIN(TestModelMerge)
#include "test_model_merge.moc"

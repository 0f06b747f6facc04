// ctest-labels: unit data
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "tokenizer/spm/sp_model.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/text/unicode_script.h"
#include "tokenizer/text/utf8.h"
#include "tokenizer/vocab/vocab_counter.h"

using glossa::CountOptions;
using glossa::CountResult;
using glossa::SpModel;
using glossa::SpProcessor;
using glossa::VectorSource;

namespace {

using Processor = std::shared_ptr<const SpProcessor>;

std::vector<std::string> read_docs(const std::string& path, glossa::CorpusReaderOptions options,
                                   size_t limit) {
  glossa::CorpusReader reader(path, options);
  std::vector<std::string> docs;
  glossa::Document doc;
  while (docs.size() < limit && reader.next(&doc)) docs.push_back(doc.text);
  return docs;
}

// The reference: every document encoded whole, ids summed.
std::vector<uint64_t> brute_force(const SpProcessor& sp, const std::vector<std::string>& docs) {
  std::vector<uint64_t> counts(size_t(sp.vocab_size()), 0);
  std::vector<int> ids;
  for (const std::string& d : docs) {
    ids.clear();
    sp.encode(d, &ids);
    for (const int id : ids) ++counts[size_t(id)];
  }
  return counts;
}

CountResult count(const SpProcessor& sp, const std::vector<std::string>& docs,
                  CountOptions options = {}) {
  VectorSource source(docs);
  return glossa::count_corpus(sp, source, options, glossa::JobControl());
}

// Names the first id whose counts differ (or "" when equal).
QString first_difference(const SpProcessor& sp, const std::vector<uint64_t>& got,
                         const std::vector<uint64_t>& want) {
  if (got.size() != want.size()) return QStringLiteral("sizes differ");
  for (size_t id = 0; id < got.size(); ++id) {
    if (got[id] != want[id]) {
      return QStringLiteral("id %1 '%2': counted %3, brute force %4")
          .arg(id)
          .arg(QString::fromStdString(sp.model().piece(int(id)).piece))
          .arg(got[id])
          .arg(want[id]);
    }
  }
  return {};
}

void verify_exact(const SpProcessor& sp, const std::vector<std::string>& docs, int threads,
                  const char* what) {
  CountOptions options;
  options.threads = threads;
  const CountResult result = count(sp, docs, options);
  QVERIFY2(result.memoized, qPrintable(QString::fromStdString(result.memo_reason)));
  QCOMPARE(result.documents, uint64_t(docs.size()));
  const QString diff = first_difference(sp, result.token_counts, brute_force(sp, docs));
  QVERIFY2(
      diff.isEmpty(),
      qPrintable(
          QStringLiteral("%1 with %2: %3").arg(what, QString::fromStdString(sp.origin()), diff)));
}

}  // namespace

class TestVocabCounter : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  std::vector<Processor> models_;  // Llama 2, LLäMmlein, Llama 2 + Korean pieces

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    const QString llama = glossa::test::sharedFile("tokenizers/llama2/tokenizer.model");
    const QString lammlein = glossa::test::sharedFile("tokenizers/llammlein_de/tokenizer.model");
    const QString nsmc = glossa::test::sharedFile("korean/nsmc_reviews.tsv");
    const QString spm_train = QStandardPaths::findExecutable("spm_train");
    if (llama.isEmpty() || lammlein.isEmpty() || nsmc.isEmpty() || spm_train.isEmpty()) return;
    models_.push_back(SpProcessor::load(llama.toStdString()));
    models_.push_back(SpProcessor::load(lammlein.toStdString()));
    // A Korean BPE tokenizer trained on NSMC, its new pieces appended to Llama 2 with score 0.
    glossa::CorpusReaderOptions tsv;
    tsv.column = "review";
    const auto reviews = read_docs(nsmc.toStdString(), tsv, 20000);
    const std::string text = dir_.filePath("reviews.txt").toStdString();
    std::ofstream out(text);
    for (const std::string& r : reviews) out << r << '\n';
    out.close();
    const QString prefix = dir_.filePath("ko");
    const auto trained = glossa::test::run(
        spm_train, {"--input=" + QString::fromStdString(text), "--model_prefix=" + prefix,
                    "--vocab_size=3000", "--model_type=bpe", "--character_coverage=0.9995"});
    QVERIFY2(trained.exit_code == 0, trained.err.right(2000).constData());
    SpModel merged = models_[0]->model();
    const SpModel korean = SpModel::load((prefix + ".model").toStdString());
    for (const glossa::Piece& p : korean.pieces())
      if (p.type == glossa::PieceType::kNormal && !merged.contains(p.piece))
        merged.append({p.piece, 0.0f, glossa::PieceType::kNormal});
    QVERIFY(merged.size() > 34000);
    models_.push_back(SpProcessor::from_model(merged, "llama2+korean"));
  }

  void memoIsExactOnHandMadeEdgeCases() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    const std::vector<std::string> docs = {"",
                                           " ",
                                           "  ",
                                           "a",
                                           "a ",
                                           "a  ",
                                           " a",
                                           "  a",
                                           "a b",
                                           "a  b",
                                           "a   b  c ",
                                           "  a  b   c  ",
                                           "a\tb",
                                           "a \tb",
                                           "a\t b",
                                           "a\t\tb  ",
                                           "a\n b",
                                           "a \nb",
                                           "\n",
                                           " \n ",
                                           "\n \n",
                                           "a\n",
                                           "x\u3000y",
                                           "x \u3000 y",
                                           "x\u3000 y",
                                           "x \u3000y",
                                           "x\u00a0 y",
                                           "x \u00a0y",
                                           "x \u200b y",
                                           "x\u200b y",
                                           "e\u0301 \u0301x \u0301",
                                           "a \u0308",
                                           " \u0301",
                                           "안녕 하세요",
                                           "안녕  하세요 ",
                                           " 안녕하세요  반가워요\t좋아요 ",
                                           "ㅋㅋㅋ ㅋㅋ ㅎㅎ",
                                           "Die Würde  des Menschen ist\tunantastbar. ",
                                           "ﬁ ﬂ ① ㎒ Ⅻ",
                                           "12 345  6789",
                                           "\u2581 \u2581\u2581 a\u2581b",
                                           "x\u2581 y",
                                           "x\u2581  y ",
                                           "<s> </s> <unk>",
                                           "a\r\nb \r\n c"};
    for (const Processor& sp : models_) {
      verify_exact(*sp, docs, 1, "edge cases");
      // One document at a time, too: a mistake at document ends cannot hide in a sum.
      for (const std::string& d : docs) verify_exact(*sp, {d}, 1, d.c_str());
    }
  }

  void memoIsExactOnRandomWhitespaceSoup() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    // Documents drawn from the characters that matter at cut points: spaces, tabs, newlines,
    // the space symbol itself, NBSP, ideographic space, zero-width space, combining marks,
    // compatibility characters, Hangul and Latin letters.
    const std::vector<std::string> alphabet = {
        " ",      " ", " ", "\t", "\n", "\u2581", "\u00a0", "\u3000", "\u200b", "\u0301",
        "\ufb01", "a", "b", "e",  "안", "녕",     "ㅋ",     "1",      ".",      "\u00e9"};
    std::mt19937 rng(20240214);
    std::vector<std::string> docs;
    for (int i = 0; i < 3000; ++i) {
      std::string d;
      const int length = int(rng() % 12);
      for (int k = 0; k < length; ++k) d += alphabet[rng() % alphabet.size()];
      docs.push_back(d);
    }
    for (const Processor& sp : models_) {
      verify_exact(*sp, docs, 2, "random documents");
      for (size_t i = 0; i < 300; ++i) verify_exact(*sp, {docs[i]}, 1, docs[i].c_str());
    }
  }

  void memoIsExactOnNsmcReviews() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    glossa::CorpusReaderOptions tsv;
    tsv.column = "review";
    const auto docs = read_docs(nsmc.toStdString(), tsv, 6000);
    QCOMPARE(docs.size(), size_t(6000));
    for (const Processor& sp : models_) {
      verify_exact(*sp, docs, 1, "NSMC");
      verify_exact(*sp, docs, 2, "NSMC, 2 threads");
    }
  }

  void memoIsExactOnGerDraCorPlays() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    GLOSSA_REQUIRE_SHARED(plays, "german/gerdracor_plays.jsonl");
    const auto docs = read_docs(plays.toStdString(), {}, 24);
    QCOMPARE(docs.size(), size_t(24));
    size_t newlines = 0;
    for (const auto& d : docs) newlines += size_t(std::count(d.begin(), d.end(), '\n'));
    QVERIFY(newlines > 1000);  // long documents with many lines
    for (const Processor& sp : models_) verify_exact(*sp, docs, 2, "GerDraCor");
  }

  void boundedMemoWithEvictionStaysExact() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    glossa::CorpusReaderOptions tsv;
    tsv.column = "review";
    const auto docs = read_docs(nsmc.toStdString(), tsv, 3000);
    CountOptions tiny;
    tiny.memo_max_entries = 64;    // evicts hundreds of times
    tiny.memo_max_key_bytes = 12;  // long segments bypass the memo
    tiny.batch_bytes = 1000;
    tiny.threads = 2;
    const SpProcessor& sp = *models_[2];
    const CountResult result = count(sp, docs, tiny);
    QVERIFY(result.memo_hits > 0);
    QCOMPARE(first_difference(sp, result.token_counts, brute_force(sp, docs)), QString());
  }

  void countsEqualPythonSentencepiece() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    GLOSSA_REQUIRE_PYTHON(py);
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    glossa::CorpusReaderOptions tsv;
    tsv.column = "review";
    const auto docs = read_docs(nsmc.toStdString(), tsv, 5000);
    const std::string docs_path = dir_.filePath("docs.jsonl").toStdString();
    std::ofstream out(docs_path);
    for (const auto& d : docs) out << nlohmann::json(d).dump() << '\n';
    out.close();
    const std::string merged_path = dir_.filePath("merged.model").toStdString();
    models_[2]->model().save(merged_path);
    for (const std::string& model :
         {glossa::test::sharedFile("tokenizers/llama2/tokenizer.model").toStdString(),
          merged_path}) {
      const auto ref =
          glossa::test::run(py, {glossa::test::pythonScript("count_reference.py"),
                                 QString::fromStdString(model), QString::fromStdString(docs_path)});
      QVERIFY2(ref.exit_code == 0, ref.err.right(2000).constData());
      const auto j = nlohmann::json::parse(ref.out.toStdString());
      const auto sp = SpProcessor::load(model);
      CountOptions options;
      options.threads = 2;
      const CountResult mine = count(*sp, docs, options);
      QCOMPARE(j.at("documents").get<uint64_t>(), uint64_t(docs.size()));
      QCOMPARE(
          first_difference(*sp, mine.token_counts, j.at("counts").get<std::vector<uint64_t>>()),
          QString());
    }
  }

  void hangulCharactersAreCountedExactly() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    glossa::CorpusReaderOptions tsv;
    tsv.column = "review";
    auto docs = read_docs(nsmc.toStdString(), tsv, 2000);
    docs.push_back("ᄀ ㄱ ꥠ ힰ 가 힣 A");  // one of each Hangul range, and a non-Hangul letter
    std::map<char32_t, uint64_t> want;
    for (const auto& d : docs) {
      const char* p = d.data();
      while (p < d.data() + d.size()) {
        const char32_t c = glossa::utf8::decode_next(p, d.data() + d.size());
        if (glossa::in_ranges(c, glossa::hangul_ranges())) ++want[c];
      }
    }
    for (const bool memoize : {true, false}) {
      CountOptions options;
      options.char_ranges = glossa::hangul_ranges();
      options.memoize = memoize;
      options.threads = 2;
      const CountResult result = count(*models_[0], docs, options);
      std::map<char32_t, uint64_t> got(result.char_counts.begin(), result.char_counts.end());
      QCOMPARE(got.size(), want.size());
      QVERIFY(got == want);
      QCOMPARE(got.count(U'A'), size_t(0));
      QCOMPARE(got.at(U'\uA960'), want.at(U'\uA960'));
    }
  }

  void otherScriptsAreCountedByTheirScriptClass() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    // Latin, Cyrillic, Han and Kana: each character counted iff the script table puts it in the
    // class, with the membership table over the whole span (ASCII letters and digits mixed).
    const std::vector<std::string> docs = {"Grüße aus Köln, 2024! Ärger über Œuvre ǅ",
                                           "Привет мир ёЁ 漢字かなカナ ｶﾅ Ωμέγα", "naïve café ŉ ƒ 123"};
    for (const char* name : {"latin", "cyrillic", "han", "kana"}) {
      const auto wanted = glossa::parse_script_class(name);
      std::map<char32_t, uint64_t> want;
      for (const auto& d : docs) {
        const char* p = d.data();
        while (p < d.data() + d.size()) {
          const char32_t c = glossa::utf8::decode_next(p, d.data() + d.size());
          if (glossa::script_class(c) == wanted) ++want[c];
        }
      }
      QVERIFY2(!want.empty(), name);
      CountOptions options;
      options.char_ranges = glossa::script_ranges(name);
      const CountResult result = count(*models_[0], docs, options);
      const std::map<char32_t, uint64_t> got(result.char_counts.begin(), result.char_counts.end());
      QVERIFY2(got == want, name);
    }
    QCOMPARE(glossa::script_ranges("latin").front().first, char32_t('A'));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::script_ranges("klingon"));
  }

  void unsafeModelsFallBackToWholeDocuments() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    const std::vector<std::string> docs = {"a  b", "x\u00a0 y  ", "안녕 하세요 ", " z "};
    const SpModel& llama = models_[0]->model();
    const SpModel& lammlein = models_[1]->model();
    QVERIFY(glossa::memo_plan(llama).exact);
    QVERIFY(glossa::memo_plan(lammlein).exact);
    SpModel inner = llama;
    inner.append({"a\u2581b", 0.0f, glossa::PieceType::kUserDefined});
    const std::vector<std::pair<SpModel, QString>> unsafe = {
        {llama.with_normalizer_flags(false, false), "add_dummy_prefix"},
        {lammlein.with_normalizer_flags(true, false), "remove_extra_whitespaces"},
        {inner, "after another character"}};
    for (const auto& [model, reason] : unsafe) {
      const glossa::MemoPlan plan = glossa::memo_plan(model);
      QVERIFY(!plan.exact);
      QVERIFY2(QString::fromStdString(plan.reason).contains(reason), plan.reason.c_str());
      const auto sp = SpProcessor::from_model(model, "unsafe");
      const CountResult result = count(*sp, docs);
      QVERIFY(!result.memoized);
      QCOMPARE(result.memo_reason, plan.reason);
      QCOMPARE(first_difference(*sp, result.token_counts, brute_force(*sp, docs)), QString());
    }
    QVERIFY(SpModel::parse(llama.with_normalizer_flags(false, true).serialize(), "x")
                .settings()
                .remove_extra_whitespaces);
  }

  void cancelledCountThrows() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers, NSMC or spm_train missing");
    glossa::JobControl job;
    job.cancel();
    for (const int threads : {1, 2}) {
      VectorSource source({"a b c"});
      CountOptions options;
      options.threads = threads;
      QVERIFY_THROWS_EXCEPTION(glossa::CancelledError,
                               glossa::count_corpus(*models_[0], source, options, job));
    }
  }
};

QTEST_GUILESS_MAIN(TestVocabCounter)
#include "test_vocab_counter.moc"

// ctest-labels: unit data
#include <QDir>
#include <QtTest>
#include <filesystem>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "base/file_util.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/spm/tokenizer_trainer.h"
#include "support/tokenizer_test_samples.h"

using glossa::JobControl;
using glossa::SpModelType;
using glossa::TokenizerTrainerConfig;
using glossa::VectorSource;

namespace {

constexpr size_t kTrainReviews = 20000;  // NSMC reviews to train on
constexpr size_t kHeldOut = 200;         // reviews after those, never seen in training

struct Recorded {
  std::vector<double> fractions;
  std::vector<std::string> messages;
};

JobControl recordingJob(Recorded* r) {
  return JobControl([r](double f, const std::string& m) {
    r->fractions.push_back(f);
    r->messages.push_back(m);
  });
}

bool anyContains(const std::vector<std::string>& messages, const std::string& what) {
  for (const auto& m : messages) {
    if (m.find(what) != std::string::npos) return true;
  }
  return false;
}

QStringList filesIn(const QTemporaryDir& dir) {
  return QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
}

}  // namespace

class TestTokenizerTrainer : public QObject {
  Q_OBJECT
 private:
  // Trains on 20k NSMC reviews and checks what every trained model must satisfy.
  void trainAndCheck(const TokenizerTrainerConfig& config, const char* progress_word) {
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    VectorSource source(glossa::test::nsmcReviews(nsmc, kTrainReviews));
    QTemporaryDir dir;
    const std::string prefix = dir.filePath("ko").toStdString();
    Recorded rec;
    const auto result = glossa::train_tokenizer(source, config, prefix, recordingJob(&rec));
    QCOMPARE(result.sentences, uint64_t(kTrainReviews));
    QCOMPARE(result.model_path, prefix + ".model");
    QVERIFY(std::filesystem::exists(result.model_path));
    // Loads in libsentencepiece, exact size, flags as asked.
    const auto sp = glossa::SpProcessor::load(result.model_path);
    QCOMPARE(sp->vocab_size(), config.vocab_size);
    const auto s = sp->model().settings();
    QCOMPARE(s.model_type, config.model_type);
    QCOMPARE(s.byte_fallback, config.byte_fallback);
    QCOMPARE(s.split_digits, config.split_digits);
    QCOMPARE(s.trainer_vocab_size, config.vocab_size);
    // PREFIX.vocab: piece<TAB>score for every piece, in id order.
    const std::string vocab = glossa::read_file(result.vocab_path);
    QCOMPARE(std::count(vocab.begin(), vocab.end(), '\n'), long(config.vocab_size));
    QVERIFY(vocab.rfind("<unk>\t0\n<s>\t0\n</s>\t0\n", 0) == 0);
    // Held-out reviews encode to pieces that decode back (nmt_nfkc leaves Hangul as is).
    int unknown = 0;
    for (const auto& review : glossa::test::nsmcReviews(nsmc, kHeldOut, kTrainReviews)) {
      const std::vector<int> ids = sp->encode(review);
      QVERIFY(!ids.empty());
      unknown += int(std::count(ids.begin(), ids.end(), 0));
    }
    if (config.byte_fallback) QCOMPARE(unknown, 0);
    // Progress: increasing fractions, the phase words, ending at 1.
    QVERIFY(rec.fractions.size() >= 3);
    QVERIFY(std::is_sorted(rec.fractions.begin(), rec.fractions.end()));
    QCOMPARE(rec.fractions.back(), 1.0);
    QVERIFY(anyContains(rec.messages, progress_word));
    QVERIFY(result.log.find("Alphabet size=") != std::string::npos);  // SentencePiece's own log
  }

 private Q_SLOTS:
  void bpe1000OnNsmcLoadsWithExactSizeAndFlags() {
    TokenizerTrainerConfig config;
    config.model_type = SpModelType::kBpe;
    config.vocab_size = 1000;
    // NSMC has ~1,700 characters at 0.9995: with 256 byte pieces too many for 1000 pieces.
    config.character_coverage = 0.98;
    config.byte_fallback = true;
    config.split_digits = true;
    trainAndCheck(config, "BPE:");
  }

  void unigram1000OnNsmcLoadsWithExactSizeAndFlags() {
    TokenizerTrainerConfig config;
    config.model_type = SpModelType::kUnigram;
    config.vocab_size = 1000;
    config.character_coverage = 0.99;
    trainAndCheck(config, "unigram EM");
  }

  void trainedModelEncodesLikePythonSentencepiece() {
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_PYTHON(py);
    VectorSource source(glossa::test::nsmcReviews(nsmc, 5000));
    QTemporaryDir dir;
    TokenizerTrainerConfig config;
    config.vocab_size = 800;
    config.character_coverage = 0.98;
    config.user_defined_symbols = {"<ko>", "ㅋㅋ"};
    const auto result =
        glossa::train_tokenizer(source, config, dir.filePath("m").toStdString(), JobControl());
    QCOMPARE(result.model.id_of("<ko>").value_or(-1), 3);  // user symbols follow the specials
    const auto held_out = glossa::test::nsmcReviews(nsmc, 100, 5000);
    const QJsonObject ref =
        glossa::test::runReference(py, {"sp", QString::fromStdString(result.model_path),
                                        glossa::test::writeLines(dir, "lines.txt", held_out)});
    const auto sp = glossa::SpProcessor::load(result.model_path);
    const QJsonArray ids = ref["ids"].toArray();
    QCOMPARE(ids.size(), qsizetype(held_out.size()));
    for (size_t i = 0; i < held_out.size(); ++i) {
      QCOMPARE(glossa::test::toIds(ids[qsizetype(i)]), sp->encode(held_out[i]));
    }
  }

  void trainsFromSeveralCorpusFiles() {
    QTemporaryDir dir;
    std::vector<std::string> a, b;
    for (int i = 0; i < 300; ++i) a.push_back("Der Hund " + std::to_string(i) + " läuft schnell.");
    for (int i = 0; i < 200; ++i) b.push_back("The cat number " + std::to_string(i) + " sleeps.");
    const QString fa = glossa::test::writeLines(dir, "a.txt", a);
    const QString fb = glossa::test::writeLines(dir, "b.txt", b);
    glossa::MultiFileSource source({fa.toStdString(), fb.toStdString()}, {});
    TokenizerTrainerConfig config;
    config.vocab_size = 120;
    config.character_coverage = 1.0;
    const auto r =
        glossa::train_tokenizer(source, config, dir.filePath("mix").toStdString(), JobControl());
    QCOMPARE(r.sentences, uint64_t(500));
    QVERIFY(r.model.contains("▁Hund"));
    QVERIFY(r.model.contains("▁cat"));
  }

  void cancellationKillsTheChildAndLeavesNoOutput() {
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    VectorSource source(glossa::test::nsmcReviews(nsmc, kTrainReviews));
    QTemporaryDir dir;
    TokenizerTrainerConfig config;
    config.vocab_size = 8000;
    JobControl* self = nullptr;
    bool cancelled_during_bpe = false;
    JobControl job([&](double, const std::string& message) {
      if (message.rfind("BPE:", 0) == 0 && !cancelled_during_bpe) {
        cancelled_during_bpe = true;
        self->cancel();  // in the middle of the merges
      }
    });
    self = &job;
    QVERIFY_THROWS_EXCEPTION(
        glossa::CancelledError,
        glossa::train_tokenizer(source, config, dir.filePath("ko").toStdString(), job));
    QVERIFY(cancelled_during_bpe);
    QCOMPARE(filesIn(dir), QStringList());  // no model, no vocab, no temporary file
  }

  void tooLargeVocabularyGivesSentencePiecesMessage() {
    std::vector<std::string> lines;
    for (int i = 0; i < 100; ++i)
      lines.push_back("a small corpus line number " + std::to_string(i));
    QTemporaryDir dir;
    for (SpModelType type : {SpModelType::kUnigram, SpModelType::kBpe}) {
      VectorSource source(lines);
      TokenizerTrainerConfig config;
      config.model_type = type;
      config.vocab_size = 5000;
      try {
        glossa::train_tokenizer(source, config, dir.filePath("small").toStdString(), JobControl());
        QFAIL("a 5000-piece vocabulary from 100 short lines was accepted");
      } catch (const glossa::Error& e) {
        QVERIFY2(QString(e.what()).contains(
                     "Vocabulary size too high (5000). Please set it to a value <="),
                 e.what());
      }
      QCOMPARE(filesIn(dir), QStringList());
    }
  }

  void emptyCorpusIsAClearErrorBeforeTraining() {
    QTemporaryDir dir;
    for (const auto& texts : {std::vector<std::string>{}, std::vector<std::string>{"", "\n\r\n"}}) {
      VectorSource source(texts);
      try {
        glossa::train_tokenizer(source, {}, dir.filePath("e").toStdString(), JobControl());
        QFAIL("empty corpus accepted");
      } catch (const glossa::Error& e) {
        QVERIFY2(QString(e.what()).contains("no non-empty line"), e.what());
      }
    }
    QCOMPARE(filesIn(dir), QStringList());
  }

  void configRoundTripsThroughJsonAndRejectsBadValues() {
    TokenizerTrainerConfig c;
    c.model_type = SpModelType::kUnigram;
    c.vocab_size = 32000;
    c.character_coverage = 1.0;
    c.byte_fallback = true;
    c.split_digits = true;
    c.user_defined_symbols = {"<mask>"};
    c.input_sentence_size = 1000000;
    c.normalization_rule_name = "identity";
    c.seed = 7;
    c.split_by_whitespace = false;
    QCOMPARE(TokenizerTrainerConfig::from_json(c.to_json()).to_json(), c.to_json());
    QCOMPARE(TokenizerTrainerConfig::from_json(nlohmann::json::object()).to_json(),
             TokenizerTrainerConfig{}.to_json());
    const auto args = c.sentencepiece_args();
    QCOMPARE(args.at("model_type"), std::string("unigram"));
    QCOMPARE(args.at("byte_fallback"), std::string("true"));
    QCOMPARE(args.at("normalization_rule_name"), std::string("identity"));
    QCOMPARE(args.at("user_defined_symbols"), std::string("<mask>"));
    for (const nlohmann::json& bad :
         {nlohmann::json{{"model_type", "word"}}, nlohmann::json{{"vocab_size", "many"}},
          nlohmann::json{{"character_coverage", 0.9}},
          nlohmann::json{{"normalization_rule_name", "nfc"}},
          nlohmann::json{{"user_defined_symbols", {"a,b"}}}}) {
      try {
        TokenizerTrainerConfig::from_json(bad);
        QFAIL(qPrintable(QString::fromStdString("accepted " + bad.dump())));
      } catch (const glossa::Error& e) {
        QVERIFY2(QString(e.what()).contains(QString::fromStdString(bad.begin().key())), e.what());
      }
    }
  }

  void progressParserReadsSentencePieceLogLines() {
    TokenizerTrainerConfig c;
    c.vocab_size = 1000;
    glossa::TrainingProgress p(c);
    p.loading(5000, 0.5);
    QCOMPARE(p.message(), std::string("loaded 5000 sentences"));
    const double loading = p.fraction();
    QVERIFY(p.feed_log_line("trainer_interface.cc(466) LOG(INFO) Alphabet size=1402"));
    QVERIFY(p.fraction() > loading);
    QVERIFY(
        p.feed_log_line("bpe_model_trainer.cc(268) LOG(INFO) Added: freq=42 size=500 all=3000 "
                        "active=1500 piece=▁영화"));
    QCOMPARE(p.message(), std::string("BPE: 500 of 1000 pieces"));
    const double half = p.fraction();
    QVERIFY(!p.feed_log_line("some other line"));
    QVERIFY(p.feed_log_line("LOG(INFO) Added: freq=3 size=1000 all=9 active=9 piece=x"));
    QVERIFY(p.fraction() > half && p.fraction() < 1.0);
    glossa::TrainingProgress u(c);
    QVERIFY(u.feed_log_line("EM sub_iter=0 size=110000 obj=10.1 num_tokens=9 num_tokens/piece=1"));
    const double first = u.fraction();
    QVERIFY(u.feed_log_line("EM sub_iter=1 size=20000 obj=10.1 num_tokens=9 num_tokens/piece=1"));
    QVERIFY(u.fraction() > first);
  }
};

QTEST_GUILESS_MAIN(TestTokenizerTrainer)
#include "test_tokenizer_trainer.moc"

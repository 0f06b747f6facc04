// ctest-labels: unit data
#include <QtTest>

#include "support/test_support.h"
#include "base/error.h"
#include "base/file_util.h"
#include "tokenizer/spm/sp_model.h"
#include "tokenizer/spm/sp_processor.h"

using glossa::PieceType;
using glossa::SpModel;

class TestSpModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readsLlama2Pieces() {
    GLOSSA_REQUIRE_SHARED(path, "tokenizers/llama2/tokenizer.model");
    const SpModel model = SpModel::load(path.toStdString());
    QCOMPARE(model.size(), 32000);
    QCOMPARE(model.piece(0).type, PieceType::kUnknown);
    QCOMPARE(model.piece(1).type, PieceType::kControl);
    QCOMPARE(QString::fromStdString(model.piece(3).piece), QStringLiteral("<0x00>"));
    QCOMPARE(model.piece(3).type, PieceType::kByte);
    const auto settings = model.settings();
    QVERIFY(settings.byte_fallback);
    QVERIFY(settings.split_digits);
    QCOMPARE(settings.model_type, glossa::SpModelType::kBpe);
    QCOMPARE(model.id_of("▁the").value_or(-1), 278);
  }

  void reserializedModelEncodesIdentically() {
    GLOSSA_REQUIRE_SHARED(path, "tokenizers/llammlein_de/tokenizer.model");
    const SpModel model = SpModel::load(path.toStdString());
    const auto original = glossa::SpProcessor::load(path.toStdString());
    const auto copy = glossa::SpProcessor::from_model(SpModel::parse(model.serialize(), "copy"), "copy");
    const std::string text = "Die Würde des Menschen ist unantastbar. Ärger über 123 Straßen!";
    QCOMPARE(copy->encode(text), original->encode(text));
    QCOMPARE(SpModel::parse(model.serialize(), "copy").fingerprint(), model.fingerprint());
  }

  void roundTripIsByteExact() {
    for (const char* name : {"tokenizers/llama2/tokenizer.model", "tokenizers/llammlein_de/tokenizer.model",
                             "tokenizers/chinese_llama/chinese_sp.model"}) {
      GLOSSA_REQUIRE_SHARED(path, name);
      const std::string bytes = glossa::read_file(path.toStdString());
      QVERIFY2(SpModel::parse(bytes, name).serialize() == bytes, name);
    }
  }

  void truncatedAndCorruptFilesGiveClearErrors() {
    GLOSSA_REQUIRE_SHARED(path, "tokenizers/llama2/tokenizer.model");
    const std::string bytes = glossa::read_file(path.toStdString());
    for (size_t cut : {size_t(0), size_t(7), bytes.size() / 2, bytes.size() - 3}) {
      try {
        SpModel::parse(std::string_view(bytes).substr(0, cut), "cut.model");
        QFAIL(qPrintable(QStringLiteral("truncation at %1 bytes was accepted").arg(cut)));
      } catch (const glossa::Error& e) {
        QVERIFY2(QString(e.what()).startsWith("cut.model: "), e.what());
      }
    }
    try {
      SpModel::parse("this is not a protobuf at all, just text\n", "text.model");
      QFAIL("text accepted as a model");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("text.model"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(glossa::Error, SpModel::load("/nonexistent/dir/x.model"));
  }

  void appendKeepsBaseAndRejectsDuplicates() {
    GLOSSA_REQUIRE_SHARED(path, "tokenizers/llama2/tokenizer.model");
    SpModel model = SpModel::load(path.toStdString());
    const int id = model.append({"▁안녕하세요", 0.0f, PieceType::kNormal});
    QCOMPARE(id, 32000);
    QVERIFY_THROWS_EXCEPTION(glossa::Error, model.append({"▁the", 0.0f, PieceType::kNormal}));
    const SpModel reread = SpModel::parse(model.serialize(), "merged");
    QCOMPARE(reread.size(), 32001);
    QCOMPARE(reread.id_of("▁안녕하세요").value_or(-1), 32000);
    model.truncate(32000);
    QVERIFY(!model.contains("▁안녕하세요"));
  }
};

QTEST_GUILESS_MAIN(TestSpModel)
#include "test_sp_model.moc"

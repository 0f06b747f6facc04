// Option schemas (jobs/option_schema.h): the strict reader over a job's options — defaults filled,
// and every mistake (unknown key, wrong type, out of range, not a choice, missing, no such file)
// an error naming the key and the doc.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "jobs/option_schema.h"
#include "support/test_support.h"

using glossa::jobs::JobOptions;
using glossa::jobs::normalize_options;
using glossa::jobs::option;
using glossa::jobs::OptionSchema;
using glossa::jobs::OptionType;
using nlohmann::json;

class TestOptionSchema : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  OptionSchema schema_;

  QString error_of(const json& options) const {
    return glossa::test::error_of(
        [&] { normalize_options(schema_, options, "options of job t", "docs/jobs.md#t"); });
  }

 private Q_SLOTS:
  void initTestCase() {
    QFile f(dir_.filePath("a.txt"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    schema_ = {
        option("input", OptionType::kStringList, "files").required().existing_file(),
        option("threads", OptionType::kInt, "threads").default_to(2).at_least(1).at_most(256),
        option("share", OptionType::kNumber, "share").at_least(0).at_most(1),
        option("mode", OptionType::kString, "mode").default_to("bpe").one_of({"bpe", "unigram"}),
        option("fast", OptionType::kBool, "fast"),
        option("ids", OptionType::kIntList, "ids").at_least(0),
    };
  }

  void fillsDefaultsAndKeepsWhatIsGiven() {
    const json in = {{"input", {dir_.filePath("a.txt").toStdString()}}, {"fast", true}};
    const JobOptions o(normalize_options(schema_, in, "t", "docs/jobs.md"));
    QCOMPARE(o.integer("threads"), int64_t(2));
    QCOMPARE(QString::fromStdString(o.text("mode")), QString("bpe"));
    QVERIFY(o.flag("fast"));
    QVERIFY(!o.has("share"));  // no default: absent stays absent
    QCOMPARE(o.list("input").size(), size_t(1));
  }

  void refusesEveryKindOfMistake() {
    const json ok = {{"input", {dir_.filePath("a.txt").toStdString()}}};
    const auto with = [&](const char* key, json value) {
      json j = ok;
      j[key] = std::move(value);
      return j;
    };
    QVERIFY(error_of(with("thread", 4)).contains("unknown key 'thread'"));
    QVERIFY(error_of(with("thread", 4)).contains("docs/jobs.md#t"));
    QVERIFY(error_of(with("threads", 2.5)).contains("'threads' has the wrong type"));
    QVERIFY(error_of(with("threads", "4")).contains("'threads' has the wrong type"));
    QVERIFY(error_of(with("threads", 0)).contains("it must be between 1 and 256"));
    QVERIFY(error_of(with("threads", 100000)).contains("it must be between 1 and 256"));
    QVERIFY(error_of(with("share", 1.5)).contains("between 0 and 1"));
    QVERIFY(error_of(with("mode", "wordpiece")).contains("one of bpe, unigram"));
    QVERIFY(error_of(with("fast", 1)).contains("true or false"));
    QVERIFY(error_of(with("ids", json::array({1, -2}))).contains("at least 0"));
    QVERIFY(error_of(json::object()).contains("'input' is required"));
    const QString missing = error_of(with("input", {dir_.filePath("no.txt").toStdString()}));
    QVERIFY2(missing.contains("no.txt") && missing.contains("not an existing file"),
             qPrintable(missing));
  }

  void rangesReadAsWritten() {
    QCOMPARE(QString::fromStdString(glossa::jobs::number_text(16777216)), QString("16777216"));
    QCOMPARE(QString::fromStdString(glossa::jobs::number_text(0.9995)), QString("0.9995"));
    QCOMPARE(QString::fromStdString(schema_[1].range_text()), QString("between 1 and 256"));
    QCOMPARE(QString::fromStdString(schema_[5].range_text()), QString("at least 0"));
  }

  void flagsFollowTheKeys() {
    QCOMPARE(QString::fromStdString(schema_[1].flag()), QString("--threads"));
    const glossa::jobs::OptionSpec spec = option("vocab_size", OptionType::kInt, "");
    QCOMPARE(QString::fromStdString(spec.flag()), QString("--vocab-size"));
  }
};

QTEST_GUILESS_MAIN(TestOptionSchema)
#include "test_option_schema.moc"

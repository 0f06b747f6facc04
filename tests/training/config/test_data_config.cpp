// ctest-labels: unit
// DataConfig reads the training-data JSON (docs/training-data.md) and refuses what cannot work,
// naming the key.
#include <QtTest>

#include "base/error.h"
#include "training/config/data_config.h"

using glossa::DataConfig;

namespace {

// The message of the Error that parsing `text` throws ("" when it parses).
QString error_of(const char* text) {
  try {
    DataConfig::from_json(nlohmann::json::parse(text), "run.json: data");
  } catch (const glossa::Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class TestDataConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readsEveryFieldAndWritesItBack() {
    const auto json = nlohmann::json::parse(R"({
      "sources": [{"name": "korean", "prefix": "/s/ko", "weight": 0.9},
                  {"prefix": "/s/en", "weight": 0.1}],
      "seq_len": 512, "seed": 18446744073709551615, "pad_id": 3,
      "oversample_new_tokens": {"min_id": 32000, "factor": 2.5, "min_share": 0.2}})");
    const DataConfig c = DataConfig::from_json(json);
    QCOMPARE(c.sources.size(), size_t(2));
    QCOMPARE(c.sources[1].name, std::string("en"));  // default name: the prefix's file part
    QCOMPARE(c.sources[0].weight, 0.9);
    QCOMPARE(c.seq_len, int64_t(512));
    QCOMPARE(c.seed, uint64_t(18446744073709551615ULL));
    QVERIFY(c.oversample_new_tokens.enabled);
    QCOMPARE(c.oversample_new_tokens.min_id, int64_t(32000));
    QCOMPARE(c.oversample_new_tokens.factor, 2.5);
    QCOMPARE(c.oversample_new_tokens.min_share, 0.2);
    QCOMPARE(DataConfig::from_json(c.to_json()).to_json(), c.to_json());
    QVERIFY(!DataConfig::from_json(nlohmann::json::parse(R"({"sources": [{"prefix": "a"}]})"))
                 .oversample_new_tokens.enabled);
  }

  void rejectsUnknownKeysAndWrongTypesNamingTheKey() {
    QVERIFY(error_of(R"({"sources": [{"prefix": "a"}], "seq_lenn": 5})").contains("seq_lenn"));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a", "wieght": 1}]})").contains("wieght"));
    const QString type = error_of(R"({"sources": [{"prefix": "a"}], "seq_len": "long"})");
    QVERIFY2(type.contains("seq_len") && type.contains("run.json"), qPrintable(type));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a"}], "seed": -1})").contains("seed"));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a"}],
                         "oversample_new_tokens": {"factor": 2}})")
                .contains("min_id"));
  }

  void rejectsValuesThatCannotWork() {
    QVERIFY(error_of(R"({"sources": []})").contains("sources"));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a", "weight": 0}]})").contains("weight"));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a", "weight": -1}]})").contains("weight"));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a"}, {"prefix": "b/a"}]})").contains("duplicate"));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a"}], "seq_len": 0})").contains("seq_len"));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a"}],
                         "oversample_new_tokens": {"min_id": 5, "factor": 0.5}})")
                .contains("factor"));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a"}],
                         "oversample_new_tokens": {"min_id": 5, "min_share": 1}})")
                .contains("min_share"));
    QVERIFY(error_of(R"({"sources": [{"prefix": "a"}]})").isEmpty());
  }
};

QTEST_GUILESS_MAIN(TestDataConfig)
#include "test_data_config.moc"

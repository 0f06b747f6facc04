// ctest-labels: unit
// The trainer reads the tokenizer engine's new_token_map.jsonl (docs/vocabulary-expansion.md).
#include <QtTest>

#include "base/error.h"
#include "base/new_token_map.h"

using namespace glossa;

namespace {

// The example of docs/vocabulary-expansion.md, verbatim.
const std::string kExample =
    R"({"id":32000,"piece":"▁안녕","base_ids":[29871,31734,238,136,152],"base_pieces":["▁","안","<0xEB>","<0x85>","<0x95>"]})"
    "\n"
    R"({"id":32001,"piece":"하세요","base_ids":[30944,31578,31527],"base_pieces":["하","세","요"]})"
    "\n";

QString error_of(const std::string& text) {
  try {
    parse_new_token_map(text, "map.jsonl");
  } catch (const Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

}  // namespace

class TestNewTokenMap : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void readsTheDocumentedFormat() {
    const auto rows = parse_new_token_map(kExample + "\n", "map.jsonl");
    QCOMPARE(rows.size(), size_t(2));
    QCOMPARE(rows[0].id, int64_t(32000));
    QCOMPARE(rows[0].piece, std::string("▁안녕"));
    QCOMPARE(rows[0].base_ids, (std::vector<int64_t>{29871, 31734, 238, 136, 152}));
    QCOMPARE(rows[1].base_pieces, (std::vector<std::string>{"하", "세", "요"}));
  }

  void malformedLinesAreRefusedNamingTheLine() {
    QVERIFY(
        error_of(kExample + R"({"id":32002,"piece":"x","base_ids":[1]})").contains("map.jsonl:3"));
    QVERIFY(error_of(R"({"id":1,"piece":"x","base_ids":[1,2],"base_pieces":["a"]})")
                .contains("base_pieces 1"));
    QVERIFY(error_of(R"({"id":1,"piece":"x","base_ids":[],"base_pieces":[]})")
                .contains("no base pieces"));
    const QString order = error_of(R"({"id":5,"piece":"x","base_ids":[1],"base_pieces":["a"]})"
                                   "\n"
                                   R"({"id":5,"piece":"y","base_ids":[1],"base_pieces":["a"]})");
    QVERIFY2(order.contains("map.jsonl:2") && order.contains("id order"), qPrintable(order));
    QVERIFY(error_of("{not json").contains("map.jsonl:1"));
    QVERIFY_THROWS_EXCEPTION(Error, read_new_token_map("/nonexistent/map.jsonl"));
  }

  void misspeltKeysAndWrongTypesAreRefused() {
    const QString misspelt =
        error_of(R"({"id":1,"piece":"x","base_ids":[1],"base_pieces":["a"],"base_piece":["a"]})");
    QVERIFY2(misspelt.contains("'base_piece'") && misspelt.contains("docs/vocabulary-expansion.md"),
             qPrintable(misspelt));
    QVERIFY(error_of(R"({"id":1.5,"piece":"x","base_ids":[1],"base_pieces":["a"]})")
                .contains("'id' has the wrong type"));
    QVERIFY(error_of(R"({"id":1,"piece":"x","base_ids":[1.5],"base_pieces":["a"]})")
                .contains("'base_ids' has the wrong type"));
  }

  void whitespaceAndSpecialPiecesAreRecognised() {
    QVERIFY(is_whitespace_or_special_piece("▁"));
    QVERIFY(is_whitespace_or_special_piece("▁▁"));
    QVERIFY(is_whitespace_or_special_piece("<unk>"));
    QVERIFY(is_whitespace_or_special_piece("</s>"));
    QVERIFY(!is_whitespace_or_special_piece("<0xEB>"));
    QVERIFY(!is_whitespace_or_special_piece("▁안"));
    QVERIFY(!is_whitespace_or_special_piece("<"));
  }
};

QTEST_GUILESS_MAIN(TestNewTokenMap)
#include "test_new_token_map.moc"

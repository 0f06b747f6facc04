// ctest-labels: unit data
// The JSONL fast path must agree with nlohmann::json on every line it accepts, and decline
// (leaving the line to the reporting slow path) on everything else.
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "tokenizer/corpus/json_field_scanner.h"

using glossa::scan_json_string_field;

namespace {

// What nlohmann says: the field's string, or nullopt when the line is not an object with a
// string field `field`.
std::optional<std::string> reference(std::string_view line, const std::string& field) {
  try {
    const auto value = nlohmann::json::parse(line);
    if (!value.is_object()) return std::nullopt;
    const auto it = value.find(field);
    if (it == value.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// Fails unless the scanner's answer is consistent with nlohmann's (it may decline a valid line).
void checkAgrees(const std::string& line, const std::string& field, int* accepted) {
  std::string out;
  const bool ok = scan_json_string_field(line, field, &out);
  const auto expected = reference(line, field);
  if (ok) {
    ++*accepted;
    QVERIFY2(expected.has_value(),
             ("accepted what nlohmann rejects: " + line.substr(0, 200)).c_str());
    QVERIFY2(*expected == out, ("different value for: " + line.substr(0, 200)).c_str());
  }
}

}  // namespace

class TestJsonFieldScanner : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void decodesEscapesLikeNlohmann() {
    const std::vector<std::string> lines = {
        "{\"text\": \"plain\"}",
        "  {\"id\": 3, \"text\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"x\": [1, 2.5e-3, {\"y\": "
        "null}]}  ",
        "{\"text\": \"\\u00e9\\u20AC\\ud83d\\ude00 한국어\"}",
        "{\"a\": {\"text\": \"nested, not top level\"}, \"text\": \"top\"}",
        "{\"text\": \"first\", \"text\": \"last wins\"}",
        "{\"text\": \"\"}",
        "{\"x\": -0, \"y\": 0.5, \"z\": 1E+9, \"w\": true, \"v\": false, \"text\": \"ok\"}"};
    int accepted = 0;
    for (const auto& line : lines) checkAgrees(line, "text", &accepted);
    QCOMPARE(accepted, int(lines.size()));
  }

  void declinesWhatIsNotAStringFieldOrNotJson() {
    const std::vector<std::string> lines = {"{\"text\": 5}",
                                            "{\"other\": \"x\"}",
                                            "[\"text\", \"x\"]",
                                            "{\"text\": \"x\"} extra",
                                            "{\"text\": \"x\",}",
                                            "{\"text\": \"unterminated",
                                            "{\"text\": \"\\x\"}",
                                            "{\"text\": \"\\ud800\"}",
                                            "{\"text\": \"\\udc00\\ud800\"}",
                                            "{\"n\": 01, \"text\": \"x\"}",
                                            "{\"n\": 1., \"text\": \"x\"}",
                                            "{\"n\": .5, \"text\": \"x\"}",
                                            "{\"text\": \"tab\there\"}",
                                            "{\"text\": \"x\", \"b\": tru}",
                                            "{text: \"x\"}",
                                            ""};
    for (const auto& line : lines) {
      std::string out;
      QVERIFY2(!scan_json_string_field(line, "text", &out), line.c_str());
      QVERIFY(!reference(line, "text").has_value() ||
              line.find("\"text\": 5") == std::string::npos);
    }
  }

  // Random ASCII mutations of valid lines: whatever the scanner accepts, nlohmann reads the same.
  void mutatedLinesNeverDisagree() {
    const std::vector<std::string> seeds = {
        "{\"id\": 12, \"text\": \"Er sagt: \\\"Nein!\\\"\\nSie geht.\", \"tags\": [\"a\", {\"b\": "
        "[1, -2.5e3]}], \"ok\": true}",
        "{\"text\": \"\\u00e4\\ud83d\\ude00 x\", \"n\": null, \"f\": false}"};
    const std::string alphabet = "{}[]\":,\\ubn0123456789.eE+-tfrl \t";
    std::mt19937 rng(7);
    int accepted = 0;
    for (int round = 0; round < 40000; ++round) {
      std::string line = seeds[round % seeds.size()];
      const int edits = 1 + int(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        const size_t at = rng() % line.size();
        switch (rng() % 3) {
          case 0:
            line[at] = alphabet[rng() % alphabet.size()];
            break;
          case 1:
            line.erase(at, 1);
            break;
          default:
            line.insert(at, 1, alphabet[rng() % alphabet.size()]);
        }
      }
      checkAgrees(line, "text", &accepted);
      if (QTest::currentTestFailed()) return;
    }
    QVERIFY(accepted > 1000);  // the mutations leave many lines valid
  }

  void everyGerDraCorPlayTakesTheFastPath() {
    GLOSSA_REQUIRE_SHARED(plays, "german/gerdracor_plays.jsonl");
    std::ifstream in(plays.toStdString());
    std::string line;
    int lines = 0, accepted = 0;
    while (std::getline(in, line) && lines < 60) {
      ++lines;
      checkAgrees(line, "text", &accepted);
    }
    QCOMPARE(accepted, lines);
  }
};

QTEST_GUILESS_MAIN(TestJsonFieldScanner)
#include "test_json_field_scanner.moc"

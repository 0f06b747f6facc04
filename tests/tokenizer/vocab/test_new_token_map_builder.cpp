// ctest-labels: unit data
// Building the new-token map of a merged tokenizer (tokenizer/vocab/new_token_map_builder.h),
// checked against Python sentencepiece on a literal copy of the base.
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"
#include "base/error.h"
#include "base/file_util.h"
#include "tokenizer/spm/model_merge.h"
#include "tokenizer/vocab/new_token_map_builder.h"
#include "tokenizer/spm/sp_model.h"

using glossa::NewTokenEntry;
using glossa::Piece;
using glossa::PieceType;
using glossa::SpModel;

namespace {

// Llama 2 + the pieces of `added` (NORMAL, score 0) appended.
SpModel extended(const SpModel& base, const std::vector<std::string>& added) {
  SpModel merged = base;
  std::vector<Piece> pieces;
  for (const auto& p : added) pieces.push_back({p, 0.0f, PieceType::kNormal});
  glossa::append_pieces(merged, pieces, glossa::MergeOptions());
  return merged;
}

const NewTokenEntry& entry_of(const std::vector<NewTokenEntry>& map, const std::string& piece) {
  for (const auto& e : map)
    if (e.piece == piece) return e;
  throw std::runtime_error("no entry for " + piece);
}

}  // namespace

class TestNewTokenMapBuilder : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void leadingSpaceSymbolSurvivesAndBytesAppearAsByteTokens() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    const SpModel base = SpModel::load(llama.toStdString());
    const SpModel merged = extended(base, {"▁안녕", "하세요", "뷁", "▁▁안"});
    const auto map = glossa::build_new_token_map(base, merged);
    QCOMPARE(map.size(), size_t(4));
    QCOMPARE(map[0].id, int64_t(base.size()));
    QCOMPARE(map[3].id, int64_t(base.size() + 3));
    // "▁안녕" -> " 안녕": one leading "▁" (no dummy prefix added on top), 녕 as UTF-8 bytes.
    QCOMPARE(entry_of(map, "▁안녕").base_pieces,
             (std::vector<std::string>{"▁", "안", "<0xEB>", "<0x85>", "<0x95>"}));
    QCOMPARE(entry_of(map, "▁안녕").base_ids[0], int64_t(*base.id_of("▁")));
    // "하세요": no "▁" at all.
    QCOMPARE(entry_of(map, "하세요").base_pieces, (std::vector<std::string>{"하", "세", "요"}));
    QCOMPARE(entry_of(map, "뷁").base_pieces,
             (std::vector<std::string>{"<0xEB>", "<0xB7>", "<0x81>"}));
    QCOMPARE(entry_of(map, "뷁").base_ids[0], int64_t(*base.id_of("<0xEB>")));
    // Two spaces stay two (remove_extra_whitespaces off in the base copy).
    QCOMPARE(entry_of(map, "▁▁안").base_pieces, (std::vector<std::string>{"▁▁", "안"}));
  }

  void jsonlHasOneObjectPerNewTokenAndRoundTrips() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    const SpModel base = SpModel::load(llama.toStdString());
    const auto map = glossa::build_new_token_map(base, extended(base, {"▁안녕", "하세요"}));
    QTemporaryDir dir;
    const std::string path = dir.filePath("new_token_map.jsonl").toStdString();
    glossa::write_new_token_map(path, map);
    std::istringstream in(glossa::read_file(path));
    std::string line;
    std::vector<nlohmann::json> lines;
    while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
    QCOMPARE(lines.size(), size_t(2));
    QCOMPARE(lines[0].size(), size_t(4));  // exactly id, piece, base_ids, base_pieces
    QCOMPARE(lines[0].at("id").get<int>(), 32000);
    QCOMPARE(lines[0].at("piece").get<std::string>(), std::string("▁안녕"));
    QCOMPARE(lines[1].at("base_pieces").get<std::vector<std::string>>(),
             (std::vector<std::string>{"하", "세", "요"}));
    const auto back = glossa::read_new_token_map(path);
    QCOMPARE(back.size(), map.size());
    for (size_t i = 0; i < map.size(); ++i) QCOMPARE(back[i].to_json(), map[i].to_json());

    glossa::write_file_atomically(path, lines[0].dump() + "\n{\"id\":1,\"piece\":\"x\"}\n");
    try {
      glossa::read_new_token_map(path);
      QFAIL("a line without base_ids was accepted");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("new_token_map.jsonl:2"), e.what());
    }
  }

  void rejectsAModelThatIsNotAnExpansionOfTheBase() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(german, "tokenizers/llammlein_de/tokenizer.model");
    const SpModel base = SpModel::load(llama.toStdString());
    QVERIFY_THROWS_EXCEPTION(
        glossa::Error, glossa::build_new_token_map(base, SpModel::load(german.toStdString())));
  }

  // Chinese-LLaMA's merge (Llama 2 + chinese_sp) and a few Korean pieces: every entry equals
  // Python sentencepiece encoding the piece text with its own literal copy of the base.
  void matchesPythonSentencepieceOnALiteralBaseCopy() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(chinese, "tokenizers/chinese_llama/chinese_sp.model");
    GLOSSA_REQUIRE_PYTHON(py);
    const SpModel base = SpModel::load(llama.toStdString());
    SpModel merged = glossa::merge_models(base, SpModel::load(chinese.toStdString()), {}, nullptr);
    merged = extended(merged, {"▁안녕", "하세요", "뷁", "▁▁안", "▁재밌", "ㅋㅋㅋ"});
    const auto map = glossa::build_new_token_map(base, merged);
    QCOMPARE(int(map.size()), merged.size() - base.size());
    QVERIFY(map.size() > 15000);
    // Every 7th entry and the Korean tail.
    nlohmann::json pieces = nlohmann::json::array();
    std::vector<const NewTokenEntry*> sample;
    for (size_t i = 0; i < map.size(); ++i) {
      if (i % 7 != 0 && i + 6 < map.size()) continue;
      pieces.push_back(map[i].piece);
      sample.push_back(&map[i]);
    }
    QTemporaryDir dir;
    const std::string path = dir.filePath("pieces.json").toStdString();
    glossa::write_file_atomically(path, pieces.dump());
    const auto result = glossa::test::run(py, {glossa::test::pythonScript("new_token_reference.py"),
                                               llama, QString::fromStdString(path)});
    QVERIFY2(result.exit_code == 0, result.err.right(2000).constData());
    const auto want = nlohmann::json::parse(result.out.toStdString());
    QCOMPARE(want.size(), sample.size());
    for (size_t i = 0; i < sample.size(); ++i) {
      QCOMPARE(sample[i]->base_ids, want[i].at("ids").get<std::vector<int64_t>>());
      QCOMPARE(sample[i]->base_pieces, want[i].at("pieces").get<std::vector<std::string>>());
    }
  }
};

QTEST_GUILESS_MAIN(TestNewTokenMapBuilder)
#include "test_new_token_map_builder.moc"

// ctest-labels: unit data
// The Vocabulary page's candidate table and the person's overrides, from the project database.
#include <QTemporaryDir>
#include <QtTest>

#include "base/error.h"
#include "base/sqlite_db.h"
#include "support/test_support.h"
#include "tokenizer/spm/sp_model.h"
#include "tokenizer/vocab/new_token_map_builder.h"
#include "tokenizer/vocab/vocab_candidate_table.h"
#include "tokenizer/vocab/vocab_override_store.h"

using glossa::VocabDecision;
using glossa::VocabOverride;

class TestVocabCandidateTable : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void overridesKeepTheirHistoryAndTheLatestWins() {
    QTemporaryDir dir;
    glossa::SqliteDb db(dir.filePath("p.sqlite").toStdString());
    glossa::VocabSessionStore sessions(db);
    glossa::VocabOverrideStore store(db);
    const int64_t id = sessions.create_session("{}", "fp");
    store.record(id, {"▁가", "▁나"}, VocabOverride::kInclude, "common");
    store.record(id, {"▁가"}, VocabOverride::kExclude, "second thoughts");
    store.record(id, {"▁나"}, VocabOverride::kReset, "");
    store.record(id, {"▁다"}, VocabOverride::kExclude, "noise");
    QCOMPARE(store.history(id).size(), size_t(5));
    QCOMPARE(store.history(id)[3].action, VocabOverride::kReset);
    QVERIFY(store.history(id)[0].at.size() >= 20);  // 2026-12-07T15:00:00.123Z
    const auto now = store.current(id);
    QCOMPARE(now.size(), size_t(2));  // ▁나 was reset
    QCOMPARE(now[0].piece, std::string("▁가"));
    QCOMPARE(now[0].action, VocabOverride::kExclude);
    QCOMPARE(now[0].reason, std::string("second thoughts"));
    QCOMPARE(now[1].piece, std::string("▁다"));
    // Another session is separate; a missing one is an error naming it; so are bad names.
    QVERIFY(store.current(sessions.create_session("{}", "fp")).empty());
    QVERIFY(glossa::test::error_of([&] { store.record(99, {"x"}, VocabOverride::kInclude, ""); })
                .contains("no vocabulary session 99"));
    QVERIFY(glossa::test::error_of([&] { store.record(id, {""}, VocabOverride::kInclude, ""); })
                .contains("empty piece"));
    QVERIFY(glossa::test::error_of([] { glossa::parse_vocab_override("keep"); }).contains("'keep'"));
  }

  void rowsCarryRankLengthScriptStatusAndOverride() {
    const std::vector<glossa::VocabDecisionRow> latest = {
        {2, "▁영화", VocabDecision::kKept, 900, "count 900 >= 50"},
        {1, "ㅋㅋ", VocabDecision::kDropped, 12, "count 12 < 50"},
        {2, "▁Ko", VocabDecision::kForcedInclude, 3, "force_include"},
        {2, "뷁", VocabDecision::kAddedChar, 70, "character seen 70 times"},
        {0, "▁12", VocabDecision::kCandidate, -1, "new"},
        {2, "▁좋아", VocabDecision::kKept, 900, "count 900 >= 50"},
        {0, "▁욕", VocabDecision::kForcedExclude, -1, "force_exclude"}};
    auto rows = glossa::build_candidate_table(latest, nullptr);
    QCOMPARE(rows.size(), latest.size());
    QCOMPARE(rows[0].rank, int64_t(1));  // ties: first seen first
    QCOMPARE(rows[5].rank, int64_t(2));
    QCOMPARE(rows[3].rank, int64_t(3));
    QCOMPARE(rows[1].rank, int64_t(4));
    QCOMPARE(rows[2].rank, int64_t(5));
    QCOMPARE(rows[4].rank, int64_t(0));  // not counted
    QCOMPARE(rows[0].chars, 3);          // ▁ counts
    QCOMPARE(rows[0].script, std::string("hangul"));
    QCOMPARE(rows[2].script, std::string("latin"));
    QCOMPARE(rows[4].script, std::string());  // ▁ and digits are not letters
    QCOMPARE(rows[0].status, std::string("included"));
    QCOMPARE(rows[1].status, std::string("excluded"));
    QCOMPARE(rows[2].status, std::string("forced"));
    QCOMPARE(rows[3].status, std::string("single character"));
    QCOMPARE(rows[4].status, std::string("candidate"));
    QCOMPARE(rows[6].status, std::string("forced out"));
    QCOMPARE(rows[1].reason, std::string("count 12 < 50"));
    QCOMPARE(rows[1].iteration, 1);
    QVERIFY(rows[0].base_pieces.empty());  // no base given
    glossa::apply_overrides(rows, {{"ㅋㅋ", VocabOverride::kInclude, "laughter", ""}});
    QCOMPARE(rows[1].override_action, std::string("include"));
    QCOMPARE(rows[1].override_reason, std::string("laughter"));
    QCOMPARE(rows[0].override_action, std::string());
    glossa::apply_overrides(rows, {});
    QCOMPARE(rows[1].override_action, std::string());
  }

  // The base pieces a row replaces are what new_token_map.jsonl says for the same piece.
  void basePiecesAreTheNewTokenMapsEncoding() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    const glossa::SpModel base = glossa::SpModel::load(llama.toStdString());
    const std::vector<glossa::VocabDecisionRow> latest = {
        {1, "▁안녕", VocabDecision::kKept, 10, ""}, {1, "하세요", VocabDecision::kKept, 9, ""}};
    const auto rows = glossa::build_candidate_table(latest, &base);
    QCOMPARE(rows[0].base_pieces,
             (std::vector<std::string>{"▁", "안", "<0xEB>", "<0x85>", "<0x95>"}));
    QCOMPARE(rows[1].base_pieces, (std::vector<std::string>{"하", "세", "요"}));
  }
};

QTEST_GUILESS_MAIN(TestVocabCandidateTable)
#include "test_vocab_candidate_table.moc"

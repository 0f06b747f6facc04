// ctest-labels: unit
#include <QTemporaryDir>
#include <QtTest>

#include "base/error.h"
#include "base/sqlite_db.h"
#include "tokenizer/vocab/vocab_session_store.h"

using glossa::VocabDecision;
using glossa::VocabDecisionRow;

class TestVocabSessionStore : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void keepsEveryDecisionAndTheLatestStatusPerPiece() {
    QTemporaryDir dir;
    glossa::SqliteDb db(dir.filePath("p.sqlite").toStdString());
    glossa::VocabSessionStore store(db);
    const int64_t id = store.create_session("{}", "abc");
    store.add_decisions(id, {{0, "▁가", VocabDecision::kCandidate, -1, "new"},
                             {1, "▁가", VocabDecision::kKept, 10, "count 10 >= 5"},
                             {1, "▁나", VocabDecision::kDropped, 2, "count 2 < 5"}});
    store.add_decisions(id, {{2, "▁가", VocabDecision::kDropped, 4, "count 4 < 5"}});
    const auto all = store.decisions(id);
    QCOMPARE(all.size(), size_t(4));
    QCOMPARE(all[2].piece, std::string("▁나"));  // insertion order
    QCOMPARE(all[2].count, int64_t(2));
    QCOMPARE(all[2].reason, std::string("count 2 < 5"));
    const auto latest = store.latest_decisions(id);
    QCOMPARE(latest.size(), size_t(2));
    QCOMPARE(latest[0].piece, std::string("▁가"));  // first-seen order, latest row
    QCOMPARE(latest[0].decision, VocabDecision::kDropped);
    QCOMPARE(latest[0].iteration, 2);
    QCOMPARE(latest[1].decision, VocabDecision::kDropped);
  }

  void sessionsAreSeparateNewestFirstAndSurviveReopening() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("p.sqlite").toStdString();
    int64_t first = 0, second = 0;
    {
      glossa::SqliteDb db(path);
      glossa::VocabSessionStore store(db);
      first = store.create_session("{\"min_freq\":5}", "fp1");
      second = store.create_session("{\"min_freq\":9}", "fp2");
      store.add_decisions(first, {{0, "▁가", VocabDecision::kCandidate, -1, "a"}});
      store.add_decisions(second, {{0, "▁나", VocabDecision::kForcedExclude, -1, "b"},
                                   {0, "▁다", VocabDecision::kForcedInclude, -1, "c"}});
      store.finish_session(first, "{\"ok\":true}");
    }
    glossa::SqliteDb db(path);
    glossa::VocabSessionStore store(db);  // tables exist: no error, nothing lost
    const auto sessions = store.sessions();
    QCOMPARE(sessions.size(), size_t(2));
    QCOMPARE(sessions[0].id, second);
    QCOMPARE(sessions[0].result_json, std::string());  // unfinished
    QCOMPARE(sessions[1].options_json, std::string("{\"min_freq\":5}"));
    QCOMPARE(store.session(first).result_json, std::string("{\"ok\":true}"));
    QCOMPARE(store.session(first).base_fingerprint, std::string("fp1"));
    QVERIFY(store.session(first).created_at.size() == 20);  // 2024-01-02T03:04:05Z
    QCOMPARE(store.decisions(first).size(), size_t(1));
    QCOMPARE(store.decisions(second).size(), size_t(2));
    QCOMPARE(store.decisions(second)[1].decision, VocabDecision::kForcedInclude);
    QVERIFY_THROWS_EXCEPTION(glossa::Error, store.session(second + 1));
  }

  void decisionNamesRoundTripAndUnknownNamesThrow() {
    for (const auto d :
         {VocabDecision::kCandidate, VocabDecision::kKept, VocabDecision::kDropped,
          VocabDecision::kAddedChar, VocabDecision::kForcedInclude, VocabDecision::kForcedExclude})
      QCOMPARE(glossa::parse_vocab_decision(glossa::vocab_decision_name(d)), d);
    QCOMPARE(std::string(glossa::vocab_decision_name(VocabDecision::kAddedChar)),
             std::string("added_char"));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, glossa::parse_vocab_decision("maybe"));
  }

  void theSchemaRejectsUnknownDecisionsWrittenBehindItsBack() {
    QTemporaryDir dir;
    glossa::SqliteDb db(dir.filePath("p.sqlite").toStdString());
    glossa::VocabSessionStore store(db);
    const int64_t id = store.create_session("{}", "fp");
    QVERIFY_THROWS_EXCEPTION(
        glossa::Error,
        db.exec("INSERT INTO vocab_decisions (session_id, iteration, piece, decision, count, "
                "reason) VALUES (" +
                std::to_string(id) + ", 1, 'x', 'maybe', 0, '')"));
    QCOMPARE(store.decisions(id).size(), size_t(0));
  }
};

QTEST_GUILESS_MAIN(TestVocabSessionStore)
#include "test_vocab_session_store.moc"

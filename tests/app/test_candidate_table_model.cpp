// ctest-labels: unit gui
// The Vocabulary page's models without a backend: the candidate table under
// QAbstractItemModelTester (pages appended, the min-frequency line re-labelling rows, overrides),
// the filter proxy (status, script, frequency range, regex, search, numeric sorting), the undo
// commands (undo / redo restore exactly, saved through the sink both ways; one drag = one step)
// and the vocab.expand options built from a session.
#include <QAbstractItemModelTester>
#include <QUndoStack>
#include <QtTest>

#include "app/vocab/candidate_filter_proxy.h"
#include "app/vocab/candidate_table_model.h"
#include "app/vocab/curation_commands.h"
#include "app/vocab/expansion_request.h"

using glossa::app::CandidateFilterProxy;
using glossa::app::CandidateTableModel;
using nlohmann::json;

namespace {

const json kColumns = {"piece", "count", "rank", "chars", "script", "status", "reason",
                       "iteration", "base_pieces", "override", "override_reason"};

json row(const std::string& piece, int64_t count, int64_t rank, const std::string& script,
         const std::string& status, const std::string& override_action = "") {
  return json::array({piece, count, rank, 2, script, status, "engine says so", 2,
                      json::array({"▁", "x"}), override_action, override_action.empty() ? "" : "why"});
}

// Seven rows over two pages: the engine ran at min_freq 50.
void fill(CandidateTableModel& m) {
  m.clear(50);
  m.append_page({{"columns", kColumns},
                 {"rows", {row("▁영화", 900, 1, "hangul", "included"),
                           row("▁좋아", 120, 2, "hangul", "included"),
                           row("▁Ko", 80, 3, "latin", "included"),
                           row("ㅋㅋ", 30, 4, "hangul", "excluded")}}});
  m.append_page({{"columns", kColumns},
                 {"rows", {row("뷁", 12, 5, "hangul", "single character"),
                           row("▁욕", 7, 6, "hangul", "forced out"),
                           row("▁럭", 2, 7, "hangul", "forced")}}});
}

QStringList included(const CandidateTableModel& m) {
  QStringList out;
  for (int i = 0; i < m.rowCount(); ++i)
    if (m.counts_as_included(i)) out << m.row(i).piece;
  return out;
}

QStringList proxied(const CandidateFilterProxy& p) {
  QStringList out;
  for (int i = 0; i < p.rowCount(); ++i) out << p.index(i, 0).data().toString();
  return out;
}

}  // namespace

class TestCandidateTableModel : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void pagesArriveAndTheLineRelabelsOnlyRuledRows() {
    CandidateTableModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    fill(m);
    QCOMPARE(m.rowCount(), 7);
    QCOMPARE(m.columnCount(), int(CandidateTableModel::kColumnCount));
    QCOMPARE(included(m), (QStringList{"▁영화", "▁좋아", "▁Ko", "뷁", "▁럭"}));
    QCOMPARE(m.index(0, CandidateTableModel::kFrequency).data().toString(), QLocale().toString(900));
    QCOMPARE(m.index(0, CandidateTableModel::kBasePieces).data().toString(), QStringLiteral("▁ x"));
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.set_min_freq(100);  // ▁Ko (80) drops; single character and forced rows stay
    QCOMPARE(changed.size(), 1);
    QCOMPARE(m.index(2, CandidateTableModel::kReason).data().toString(),
             QStringLiteral("count 80 < minimum frequency 100"));
    QCOMPARE(m.index(4, CandidateTableModel::kReason).data().toString(), QStringLiteral("engine says so"));
    QCOMPARE(included(m), (QStringList{"▁영화", "▁좋아", "뷁", "▁럭"}));
    m.set_min_freq(10);  // ㅋㅋ (30) comes in; ▁욕 stays forced out whatever its count
    QCOMPARE(included(m), (QStringList{"▁영화", "▁좋아", "▁Ko", "ㅋㅋ", "뷁", "▁럭"}));
    QCOMPARE(m.status(5), QStringLiteral("forced out"));
    QCOMPARE(m.included_count(), 6);
    // The curve is (rank, count) by rank.
    const auto curve = m.curve();
    QCOMPARE(curve.size(), size_t(7));
    QCOMPARE(curve.front(), std::make_pair(1.0, 900.0));
    QVERIFY(std::is_sorted(curve.begin(), curve.end()));
    // A page without a needed column is refused by name.
    bool threw = false;
    try {
      m.append_page({{"columns", {"piece"}}, {"rows", json::array()}});
    } catch (const std::exception& e) {
      threw = QString(e.what()).contains("'count'");
    }
    QVERIFY(threw);
  }

  void overridesWinAndUndoRedoRestoreExactly() {
    CandidateTableModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    fill(m);
    std::vector<std::tuple<QStringList, QString, QString>> saved;
    const glossa::app::DecideSink sink = [&](const QStringList& p, const QString& a, const QString& r) {
      saved.emplace_back(p, a, r);
    };
    QUndoStack stack;
    const QStringList before = included(m);
    stack.push(new glossa::app::OverrideCommand(&m, {"ㅋㅋ", "▁욕"}, "include", "laughter", sink));
    QCOMPARE(m.status(3), QStringLiteral("included"));
    QCOMPARE(m.status(5), QStringLiteral("included"));
    QCOMPARE(m.index(3, CandidateTableModel::kReason).data().toString(), QStringLiteral("you: laughter"));
    QCOMPARE(m.index(1, CandidateTableModel::kReason).data().toString(),
             QStringLiteral("count 120 ≥ minimum frequency 50"));
    stack.push(new glossa::app::OverrideCommand(&m, {"▁영화", "ㅋㅋ"}, "exclude", "noise", sink));
    QCOMPARE(m.status(0), QStringLiteral("excluded"));
    QCOMPARE(m.status(3), QStringLiteral("excluded"));
    const QStringList after_both = included(m);
    QCOMPARE(saved.size(), size_t(2));
    QCOMPARE(std::get<1>(saved[1]), QStringLiteral("exclude"));
    stack.undo();  // ▁영화 back to no override (reset), ㅋㅋ back to include "laughter"
    QCOMPARE(m.row(0).override_action, QString());
    QCOMPARE(m.row(3).override_action, QStringLiteral("include"));
    QCOMPARE(m.row(3).override_reason, QStringLiteral("laughter"));
    QCOMPARE(saved.size(), size_t(4));  // one vocab.decide per earlier state
    stack.undo();
    QCOMPARE(included(m), before);
    for (int i = 0; i < m.rowCount(); ++i) QCOMPARE(m.row(i).override_action, QString());
    stack.redo();
    stack.redo();
    QCOMPARE(included(m), after_both);
    QCOMPARE(std::get<0>(saved.back()), (QStringList{"▁영화", "ㅋㅋ"}));
    // Unknown pieces are ignored, a reset clears.
    stack.push(new glossa::app::OverrideCommand(&m, {"nope", "▁영화"}, "reset", "", sink));
    QCOMPARE(m.row(0).override_action, QString());
  }

  void oneDragIsOneUndoStep() {
    CandidateTableModel m;
    fill(m);
    QUndoStack stack;
    std::vector<qint64> seen;
    const auto on_change = [&](qint64 v) { seen.push_back(v); };
    for (qint64 v : {60, 80, 120, 200}) stack.push(new glossa::app::MinFreqCommand(&m, m.min_freq(), v, 7, on_change));
    stack.push(new glossa::app::MinFreqCommand(&m, m.min_freq(), 5, 0, on_change));  // typed
    QCOMPARE(stack.count(), 2);
    QCOMPARE(m.min_freq(), qint64(5));
    stack.undo();
    QCOMPARE(m.min_freq(), qint64(200));
    stack.undo();
    QCOMPARE(m.min_freq(), qint64(50));
    QCOMPARE(seen.back(), qint64(50));
    stack.redo();
    QCOMPARE(m.min_freq(), qint64(200));
  }

  void proxyFiltersAndSortsNumerically() {
    CandidateTableModel m;
    fill(m);
    CandidateFilterProxy p;
    p.setSourceModel(&m);
    QAbstractItemModelTester tester(&p, QAbstractItemModelTester::FailureReportingMode::QtTest);
    p.sort(CandidateTableModel::kFrequency, Qt::AscendingOrder);
    QCOMPARE(proxied(p).front(), QStringLiteral("▁럭"));  // 2 < 7 < 12 (not "12" < "2")
    QCOMPARE(proxied(p).back(), QStringLiteral("▁영화"));
    p.set_status("included");
    QCOMPARE(proxied(p), (QStringList{"▁Ko", "▁좋아", "▁영화"}));
    p.set_status("");
    p.set_script("latin");
    QCOMPARE(proxied(p), QStringList{"▁Ko"});
    p.set_script("");
    p.set_frequency_range(10, 100);
    QCOMPARE(proxied(p), (QStringList{"뷁", "ㅋㅋ", "▁Ko"}));
    p.set_frequency_range(0, -1);
    QVERIFY(p.set_pattern("^▁[영좋]"));
    QCOMPARE(proxied(p), (QStringList{"▁좋아", "▁영화"}));
    QVERIFY(!p.set_pattern("([unclosed"));  // invalid: filters nothing
    QCOMPARE(p.rowCount(), 7);
    p.set_pattern("");
    p.set_search("ko");
    QCOMPARE(proxied(p), QStringList{"▁Ko"});
    p.set_search("");
    p.sort(CandidateTableModel::kToken, Qt::AscendingOrder);
    QStringList by_token = proxied(p);
    QStringList expected = by_token;
    std::sort(expected.begin(), expected.end());
    QCOMPARE(by_token, expected);
    QCOMPARE(by_token.size(), 7);
  }

  void iterationOptionsCarryTheSessionTheLineAndTheOverrides() {
    const json session = {{"base_model", "/m/llama.model"}, {"intermediate_model", "/m/ko.model"},
                          {"corpus_files", {"/c/ko.tsv"}}, {"min_freq", 50}, {"script", "hangul"},
                          {"char_min_freq", 0}, {"threads", 2}, {"piece_chars", false},
                          {"reader", {{"format", "tsv"}, {"column", "review"}, {"header", true},
                                      {"field", "text"}, {"column_index", -1},
                                      {"max_document_bytes", 1000000}, {"max_invalid_utf8", 0.001}}}};
    const json overrides = {{{"piece", "ㅋㅋ"}, {"action", "include"}},
                            {{"piece", "▁욕"}, {"action", "exclude"}}};
    const json o = glossa::app::expansion_job_options(session, 30, overrides, "/p/vocab/2", "/p/k.glossa");
    QCOMPARE(o.at("base"), json("/m/llama.model"));
    QCOMPARE(o.at("intermediate"), json("/m/ko.model"));
    QCOMPARE(o.at("corpus"), json({"/c/ko.tsv"}));
    QCOMPARE(o.at("min_freq"), json(30));
    QCOMPARE(o.at("include"), json({"ㅋㅋ"}));
    QCOMPARE(o.at("exclude"), json({"▁욕"}));
    QCOMPARE(o.at("format"), json("tsv"));
    QCOMPARE(o.at("column"), json("review"));
    QCOMPARE(o.at("no_piece_chars"), json(true));
    QVERIFY(!o.contains("char_min_freq"));
    QCOMPARE(o.at("project"), json("/p/k.glossa"));
    bool threw = false;
    try {
      glossa::app::expansion_job_options(json::object(), 1, json::array(), "", "");
    } catch (const std::exception& e) {
      threw = QString(e.what()).contains("'base'");
    }
    QVERIFY(threw);
  }
};

QTEST_MAIN(TestCandidateTableModel)
#include "test_candidate_table_model.moc"

// ctest-labels: unit data
// project.open and the vocab.* methods against the real backend: a project created and reopened,
// bad project files refused with their path, an EEVE expansion run as a backend job into the
// project, its candidate table paged out exactly as the database holds it (with base pieces),
// overrides recorded with their history, and the next expansion honouring them.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "base/sqlite_db.h"
#include "support/backend_process.h"
#include "support/rpc_client.h"
#include "support/test_support.h"
#include "tokenizer/vocab/vocab_session_store.h"

using glossa::protocol::Message;
using glossa::test::BackendProcess;
using glossa::test::RpcClient;
using nlohmann::json;
using namespace std::chrono_literals;

class TestProjectMethods : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::unique_ptr<BackendProcess> backend_;
  std::string llama_, corpus_, project_;

  std::string path(const QString& name) const { return dir_.filePath(name).toStdString(); }
  std::string socket() const { return backend_->socket().toStdString(); }

  // Runs a job through the backend; its result (null and a failed check when it fails).
  json run_job(RpcClient& c, const std::string& name, const json& options) {
    c.call("subscribe", {{"jobs", true}});
    const int64_t id = c.call("job.submit", {{"job", name}, {"options", options}})
                           .at("job").at("id").get<int64_t>();
    const auto done = c.wait_notification(
        [&](const Message& m) {
          return (m.method == "job.finished" || m.method == "job.failed") &&
                 m.params.value("id", int64_t(-1)) == id;
        },
        600s);
    if (!done || done->method != "job.finished") {
      qWarning("%s: %s", name.c_str(), done ? done->params.dump().c_str() : "timed out");
      return json();
    }
    return done->params.at("result");
  }

  json expand(RpcClient& c, const std::string& out, const json& extra = json::object()) {
    json options = {{"base", llama_}, {"intermediate", path("ko.model")}, {"corpus", {corpus_}},
                    {"script", "hangul"}, {"min_freq", 40}, {"out", path(QString::fromStdString(out))},
                    {"project", project_}};
    options.update(extra);
    return run_job(c, "vocab.expand", options);
  }

 private Q_SLOTS:
  void initTestCase() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    llama_ = llama.toStdString();
    // 6,000 reviews as plain text: enough for a curve with a few hundred candidates.
    QFile in(nsmc);
    QVERIFY(in.open(QIODevice::ReadOnly));
    std::ofstream out(path("ko.txt"));
    in.readLine();  // header
    for (int i = 0; i < 6000 && !in.atEnd(); ++i) {
      const QList<QByteArray> cols = in.readLine().trimmed().split('\t');
      if (cols.size() >= 5) out << cols[4].toStdString() << '\n';
    }
    out.close();
    corpus_ = path("ko.txt");
    project_ = path("korean.glossa");
    backend_ = std::make_unique<BackendProcess>(dir_.filePath("b"));
    QVERIFY2(backend_->start(), qPrintable(backend_->error()));
    RpcClient c(socket());
    QVERIFY(!run_job(c, "tokenizer.train",
                     {{"input", {corpus_}}, {"vocab_size", 2000}, {"character_coverage", 0.995}, {"threads", 1},
                      {"out", path("ko")}}).is_null());
  }

  void projectIsCreatedReopenedAndBadFilesAreNamed() {
    RpcClient c(socket());
    const std::string missing = path("none.glossa");
    Message m = c.request("project.open", {{"path", missing}});
    QCOMPARE(m.error.code, int(glossa::protocol::kProject));
    QCOMPARE(m.error.data.at("path").get<std::string>(), missing);
    QVERIFY(!QFile::exists(QString::fromStdString(missing)));  // opening never creates
    json p = c.call("project.open", {{"path", project_}, {"create", true}, {"name", "Korean EEVE"}})
                 .at("project");
    QCOMPARE(p.at("name").get<std::string>(), std::string("Korean EEVE"));
    QCOMPARE(p.at("format").get<int>(), 1);
    QVERIFY(p.at("vocab_sessions").empty());
    p = c.call("project.open", {{"path", project_}}).at("project");
    QCOMPARE(p.at("name").get<std::string>(), std::string("Korean EEVE"));
    // Not SQLite; SQLite but not a project; a folder: each refused with its path and why.
    std::ofstream(path("junk.glossa")) << "this is not a database, just some text\n";
    m = c.request("project.open", {{"path", path("junk.glossa")}});
    QCOMPARE(m.error.code, int(glossa::protocol::kProject));
    QVERIFY2(QString::fromStdString(m.error.message).contains("junk.glossa"), m.error.message.c_str());
    { glossa::SqliteDb other(path("other.sqlite")); other.exec("CREATE TABLE t (x)"); }
    m = c.request("project.open", {{"path", path("other.sqlite")}});
    QVERIFY2(QString::fromStdString(m.error.message).contains("not a Glossa project"),
             m.error.message.c_str());
    m = c.request("project.open", {{"path", dir_.path().toStdString()}});
    QVERIFY2(QString::fromStdString(m.error.message).contains("folder"), m.error.message.c_str());
    QCOMPARE(c.call("version").at("protocol").get<int>(), glossa::protocol::kProtocolVersion);
  }

  void candidatesArePagedExactlyAsTheProjectHoldsThem() {
    RpcClient c(socket());
    c.call("project.open", {{"path", project_}, {"create", true}});
    const json result = expand(c, "expanded");
    QVERIFY(!result.is_null());
    const int64_t session = result.at("session_id").get<int64_t>();
    const json sessions = c.call("project.open", {{"path", project_}}).at("project").at("vocab_sessions");
    QCOMPARE(sessions.at(0).at("id").get<int64_t>(), session);
    QVERIFY(sessions.at(0).at("finished").get<bool>());
    QCOMPARE(sessions.at(0).at("final_size"), result.at("final").at("size"));
    // Every row, 700 at a time, against the database's latest decisions.
    std::vector<json> rows;
    int64_t total = -1;
    for (int64_t offset = 0; total < 0 || offset < total; offset += 700) {
      const json page = c.call("vocab.candidates", {{"project", project_}, {"session", session},
                                                    {"offset", offset}, {"limit", 700}});
      total = page.at("total").get<int64_t>();
      QCOMPARE(page.at("min_freq").get<int64_t>(), int64_t(40));
      QCOMPARE(page.at("columns").at(5).get<std::string>(), std::string("status"));
      for (const json& r : page.at("rows")) rows.push_back(r);
    }
    glossa::SqliteDb db(project_);
    const auto latest = glossa::VocabSessionStore(db).latest_decisions(session);
    QVERIFY(latest.size() > 100);
    QCOMPARE(rows.size(), latest.size());
    int included = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      QCOMPARE(rows[i].at(0).get<std::string>(), latest[i].piece);
      QCOMPARE(rows[i].at(1).get<int64_t>(), latest[i].count);
      QCOMPARE(rows[i].at(6).get<std::string>(), latest[i].reason);
      QVERIFY(!rows[i].at(8).empty());  // base pieces, from Llama 2
      included += rows[i].at(5) == "included" || rows[i].at(5) == "single character" ||
                  rows[i].at(5) == "forced";
    }
    // Included rows are exactly the pieces the expansion appended.
    QCOMPARE(included, result.at("final").at("size").get<int>() - 32000);
    const Message bad = c.request("vocab.candidates", {{"project", project_}, {"session", 999}});
    QCOMPARE(bad.error.code, int(glossa::protocol::kNotFound));
  }

  void previewMeasuresTheMergedTokenizerIncrementally() {
    RpcClient c(socket());
    const json sessions = c.call("project.open", {{"path", project_}}).at("project").at("vocab_sessions");
    QVERIFY(!sessions.empty());
    const int64_t session = sessions.back().at("id").get<int64_t>();  // the first expansion
    const json page = c.call("vocab.candidates", {{"project", project_}, {"session", session}});
    json included = json::array();
    size_t top = 0;
    int64_t top_count = -1;
    for (const json& r : page.at("rows")) {
      if (r.at(5) != "included" && r.at(5) != "single character") continue;
      if (r.at(1).get<int64_t>() > top_count) top = included.size(), top_count = r.at(1).get<int64_t>();
      included.push_back(r.at(0));
    }
    QVERIFY(included.size() > 20);
    const json params = {{"project", project_}, {"session", session}, {"included", included},
                         {"text", "정말 재미있는 영화"}};
    auto t = std::chrono::steady_clock::now();
    const json first = c.call("vocab.preview", params);
    const auto ms = [&] {
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    };
    qInfo("vocab.preview, first (sample read and encoded): %.0f ms, %lld distinct words", ms(),
          (long long)first.at("distinct_words").get<int64_t>());
    QVERIFY(first.at("length_ratio").get<double>() < 0.8);  // Korean gets much shorter
    QCOMPARE(first.at("base").at("words"), first.at("merged").at("words"));
    QVERIFY(first.at("merged").at("size").get<int>() >= 32000 + int(included.size()));
    const json& in = first.at("inspect");
    QVERIFY(in.at("merged").size() < in.at("base").size());
    QCOMPARE(in.at("merged").back().at(3).get<size_t>(), std::string("정말 재미있는 영화").size());
    // Without the most frequent piece: longer, and only the words holding it are encoded again.
    json fewer = params;
    fewer["included"].erase(fewer["included"].begin() + std::ptrdiff_t(top));
    t = std::chrono::steady_clock::now();
    const json second = c.call("vocab.preview", fewer);
    qInfo("vocab.preview, one piece less: %.0f ms, %lld words encoded again", ms(),
          (long long)second.at("reencoded_words").get<int64_t>());
    QVERIFY(second.at("merged").at("tokens").get<int64_t>() > first.at("merged").at("tokens").get<int64_t>());
    QVERIFY(second.at("reencoded_words").get<int64_t>() < second.at("distinct_words").get<int64_t>());
    const Message bad = c.request("vocab.preview", {{"project", project_}, {"session", 999}, {"included", json::array()}});
    QCOMPARE(bad.error.code, int(glossa::protocol::kNotFound));
  }

  void overridesAreSavedWithHistoryAndTheNextExpansionHonoursThem() {
    RpcClient c(socket());
    const json sessions = c.call("project.open", {{"path", project_}}).at("project").at("vocab_sessions");
    QVERIFY(!sessions.empty());
    const int64_t session = sessions.at(0).at("id").get<int64_t>();
    const json rows = c.call("vocab.candidates", {{"project", project_}, {"session", session}}).at("rows");
    std::string dropped, kept;
    for (const json& r : rows) {
      if (dropped.empty() && r.at(5) == "excluded") dropped = r.at(0).get<std::string>();
      if (kept.empty() && r.at(5) == "included" && r.at(3).get<int>() > 1) kept = r.at(0).get<std::string>();
    }
    QVERIFY(!dropped.empty() && !kept.empty());
    json d = c.call("vocab.decide", {{"project", project_}, {"session", session},
                                     {"pieces", {dropped}}, {"action", "include"},
                                     {"reason", "common in reviews"}});
    QCOMPARE(d.at("changed").get<int>(), 1);
    d = c.call("vocab.decide", {{"project", project_}, {"session", session}, {"pieces", {kept}},
                                {"action", "exclude"}, {"reason", "noise"}});
    QCOMPARE(d.at("overrides").get<int>(), 2);
    const Message bad = c.request("vocab.decide", {{"project", project_}, {"session", session},
                                                   {"pieces", {kept}}, {"action", "keep"}});
    QCOMPARE(bad.error.code, int(glossa::protocol::kInvalidParams));
    QCOMPARE(bad.error.data.at("field").get<std::string>(), std::string("action"));
    // The page shows the override beside the engine's decision.
    bool shown = false;
    const json page = c.call("vocab.candidates", {{"project", project_}, {"session", session}});
    for (const json& r : page.at("rows"))
      if (r.at(0) == dropped) {
        shown = r.at(9) == "include" && r.at(10) == "common in reviews";
        QVERIFY2(shown, r.dump().c_str());
      }
    QVERIFY(shown);
    // Undo of the exclusion is a reset; the history keeps all three changes.
    c.call("vocab.decide", {{"project", project_}, {"session", session}, {"pieces", {kept}},
                            {"action", "reset"}});
    const json now = c.call("vocab.overrides", {{"project", project_}, {"session", session}}).at("overrides");
    QCOMPARE(now.size(), size_t(1));
    QCOMPARE(now.at(0).at("piece").get<std::string>(), dropped);
    QCOMPARE(c.call("vocab.overrides", {{"project", project_}, {"session", session}, {"history", true}})
                 .at("overrides").size(), size_t(3));
    // The next expansion takes the overrides as its forced lists.
    const json again = expand(c, "expanded2", {{"include", {dropped}}, {"exclude", {kept}}});
    QVERIFY(!again.is_null());
    const int64_t next = again.at("session_id").get<int64_t>();
    QVERIFY(next != session);
    std::map<std::string, std::string> status;
    const json next_page = c.call("vocab.candidates", {{"project", project_}, {"session", next}});
    for (const json& r : next_page.at("rows"))
      status[r.at(0).get<std::string>()] = r.at(5).get<std::string>();
    QCOMPARE(status[dropped], std::string("forced"));
    QCOMPARE(status[kept], std::string("forced out"));
  }
};

QTEST_GUILESS_MAIN(TestProjectMethods)
#include "test_project_methods.moc"

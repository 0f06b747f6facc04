// ctest-labels: unit
// The backend's store (backend/backend_store.h): jobs and runs survive a round trip and a reopen,
// a restart marks unfinished jobs interrupted, the shapes are the protocol's JobInfo / RunInfo,
// and a file that is not a store fails with its path named.
#include <sys/stat.h>

#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "backend/backend_store.h"
#include "base/sqlite_db.h"
#include "support/test_support.h"

using namespace glossa;
using namespace glossa::backend;
using nlohmann::json;

namespace {

JobRow sample_job(const std::string& state) {
  JobRow row;
  row.name = "corpus.stats";
  row.options = {{"inputs", {"/data/a.txt"}}, {"threads", 4}};
  row.state = state;
  row.progress = {{"fraction", 0.5}, {"phase", "counting"}};
  row.result = nullptr;
  row.error = nullptr;
  row.log_tail = {"started", "counting 1/2"};
  row.created = 1795430000.25;
  return row;
}

RunRow sample_run(const std::string& dir) {
  RunRow row;
  row.run_dir = dir;
  row.config_path = dir + "/RUN.json";
  row.state = "running";
  row.world_size = 2;
  row.device = "cuda";
  row.gpus = {2, 3};
  row.pids = {4242, 4243};
  row.created = 1795430001.5;
  return row;
}

}  // namespace

class TestBackendStore : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void jobsRoundTripWithTheProtocolShape() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    const int64_t a = store.insert_job(sample_job("queued"));
    const int64_t b = store.insert_job(sample_job("running"));
    QVERIFY(a > 0 && b > a);

    JobRow done = *store.job(b);
    done.state = "finished";
    done.result = {{"documents", 1200}, {"bytes", 5.5e6}};
    done.started = 1795430002;
    done.finished = 1795430009.75;
    done.log_tail.push_back("bad byte \xff here");  // a child's output need not be UTF-8
    store.update_job(done);

    const JobRow back = *store.job(b);
    QCOMPARE(back.name, std::string("corpus.stats"));
    QCOMPARE(back.options, sample_job("").options);
    QCOMPARE(back.state, std::string("finished"));
    QCOMPARE(back.result, done.result);
    QCOMPARE(back.progress["phase"].get<std::string>(), std::string("counting"));
    QCOMPARE(back.log_tail.size(), size_t(3));
    QCOMPARE(back.log_tail[2].get<std::string>(), std::string("bad byte \xEF\xBF\xBD here"));
    QCOMPARE(back.finished, 1795430009.75);
    QVERIFY(!store.job(b + 100));

    const json info = store.job(a)->to_json();
    QCOMPARE(info["id"].get<int64_t>(), a);
    QCOMPARE(info["job"].get<std::string>(), std::string("corpus.stats"));
    QVERIFY(info["started"].is_null());  // 0 = not yet
    QVERIFY(info["finished"].is_null());
    QVERIFY(info["error"].is_null());
    QVERIFY(info["result"].is_null());
    QCOMPARE(info["created"].get<double>(), 1795430000.25);
    for (const char* key : {"id", "job", "state", "options", "progress", "result", "error",
                            "log_tail", "created", "started", "finished"})
      QVERIFY2(info.contains(key), key);
    QCOMPARE(back.to_json()["finished"].get<double>(), 1795430009.75);

    const std::vector<JobRow> all = store.jobs();
    QCOMPARE(all.size(), size_t(2));
    QCOMPARE(all[0].id, a);  // id order
    QCOMPARE(all[1].id, b);
  }

  void runsRoundTripAndTheNewestRowOfADirectoryWins() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    const int64_t first = store.insert_run(sample_run("/runs/a"));
    RunRow row = *store.run(first);
    QCOMPARE(row.run_dir, std::string("/runs/a"));
    QCOMPARE(row.gpus, (std::vector<int64_t>{2, 3}));
    QCOMPARE(row.pids, (std::vector<int64_t>{4242, 4243}));
    QCOMPARE(row.world_size, int64_t(2));
    QVERIFY(row.owned);
    QVERIFY(row.error.is_null());

    row.state = "failed";
    row.pids.clear();
    row.error = {{"message", "the trainer (pid 4242) ended without finishing: boom"},
                 {"log_tail", {"step 3", "boom"}}};
    row.finished = 1795430100;
    store.update_run(row);
    const RunRow failed = *store.run(first);
    QCOMPARE(failed.state, std::string("failed"));
    QVERIFY(failed.pids.empty());
    QCOMPARE(failed.error, row.error);

    RunRow attached = sample_run("/runs/a");
    attached.owned = false;
    attached.config_path = "";
    const int64_t second = store.insert_run(attached);
    QCOMPARE(store.run_by_dir("/runs/a")->id, second);  // the newest row of that directory
    QVERIFY(!store.run_by_dir("/runs/b"));
    QCOMPARE(store.runs().size(), size_t(2));

    const json info = store.run(second)->to_json();
    QCOMPARE(info["owned"].get<bool>(), false);
    QVERIFY(info["finished"].is_null());
    QCOMPARE(info["device"].get<std::string>(), std::string("cuda"));
    QCOMPARE(info["gpus"], json({2, 3}));
    for (const char* key :
         {"id", "run_dir", "config_path", "owned", "state", "world_size", "device", "gpus", "pids",
          "error", "created", "finished", "status", "last_checkpoint"})
      QVERIFY2(info.contains(key), key);
    QCOMPARE(store.run(first)->to_json()["finished"].get<double>(), 1795430100.0);
  }

  void aRestartMarksQueuedAndRunningJobsInterrupted() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    const int64_t queued = store.insert_job(sample_job("queued"));
    const int64_t running = store.insert_job(sample_job("running"));
    JobRow finished_row = sample_job("finished");
    finished_row.finished = 1795430050;
    const int64_t finished = store.insert_job(finished_row);
    const int64_t failed = store.insert_job(sample_job("failed"));

    QCOMPARE(store.mark_interrupted_jobs(), int64_t(2));
    for (const int64_t id : {queued, running}) {
      const JobRow row = *store.job(id);
      QCOMPARE(row.state, std::string("interrupted"));
      QVERIFY(row.error.is_object());
      QVERIFY(row.error["message"].get<std::string>().find("interrupted") != std::string::npos);
      QVERIFY(row.finished > 0);
    }
    QCOMPARE(store.job(finished)->state, std::string("finished"));
    QCOMPARE(store.job(finished)->finished, 1795430050.0);
    QCOMPARE(store.job(failed)->state, std::string("failed"));
    QCOMPARE(store.mark_interrupted_jobs(), int64_t(0));  // nothing left to mark
  }

  void reopeningKeepsEveryRowAndTheFolderIsPrivate() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("data/glossa/backend.sqlite").toStdString();
    int64_t job = 0, run = 0;
    {
      BackendStore store(path);
      job = store.insert_job(sample_job("finished"));
      run = store.insert_run(sample_run("/runs/x"));
    }
    struct stat st {};
    QCOMPARE(::stat(dir.filePath("data/glossa").toUtf8().constData(), &st), 0);
    QCOMPARE(int(st.st_mode & 0777), 0700);
    QCOMPARE(::stat(dir.filePath("data").toUtf8().constData(), &st), 0);
    QCOMPARE(int(st.st_mode & 0777), 0700);

    BackendStore again(path);
    QCOMPARE(again.job(job)->options, sample_job("").options);
    QCOMPARE(again.run(run)->pids, (std::vector<int64_t>{4242, 4243}));
    QCOMPARE(again.jobs().size(), size_t(1));
    QVERIFY(again.insert_job(sample_job("queued")) > job);  // ids never reused
    SqliteDb db(path);
    SqliteStatement version(db, "PRAGMA user_version");
    QVERIFY(version.step());
    QCOMPARE(version.column_int(0), int64_t(1));
  }

  void aFileThatIsNotAStoreFailsNamingIt() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("backend.sqlite").toStdString();
    std::ofstream(path) << std::string(8192, 'x');  // not SQLite
    const QString error = test::error_of([&] { BackendStore store(path); });
    QVERIFY2(error.contains(QString::fromStdString(path)), qPrintable(error));

    // A store written by a newer backend is refused rather than misread.
    const std::string newer = dir.filePath("newer.sqlite").toStdString();
    {
      SqliteDb db(newer);
      db.exec("PRAGMA user_version = 7");
    }
    const QString refused = test::error_of([&] { BackendStore store(newer); });
    QVERIFY2(refused.contains("newer") && refused.contains(QString::fromStdString(newer)),
             qPrintable(refused));
  }
};

QTEST_GUILESS_MAIN(TestBackendStore)
#include "test_backend_store.moc"

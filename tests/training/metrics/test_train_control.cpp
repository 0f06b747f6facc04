// ctest-labels: unit
// The file control channel between clients and glossa-train (training/metrics/train_control.h).
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "support/test_support.h"
#include "training/metrics/train_control.h"
#include "base/error.h"

using namespace glossa;
using namespace std::chrono_literals;

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

using glossa::test::error_of;

// Waits up to 5 s for `done` (the watcher polls every 10 ms in these tests).
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

}  // namespace

class TestTrainControl : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void sendIncrementsIdsAndReadReturnsTheLast() {
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    QVERIFY(!read_control(run).has_value());
    QCOMPARE(send_control(run, "pause").id, int64_t(1));
    QCOMPARE(send_control(run, "resume").id, int64_t(2));
    const auto last = read_control(run);
    QVERIFY(last.has_value());
    QCOMPARE(last->id, int64_t(2));
    QCOMPARE(QString::fromStdString(last->command), QString("resume"));
  }

  void badCommandsAndFilesNameTheProblem() {
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    QVERIFY(error_of([&] { send_control(run, "explode"); }).contains("unknown command 'explode'"));
    QVERIFY(error_of([&] { send_control(run + "/missing", "stop"); }).contains("no such run"));
    write_text(run + "/control.json", "{\"id\": 3, \"command\":");
    QVERIFY(error_of([&] { read_control(run); }).contains("control.json"));
    write_text(run + "/control.json", "{\"id\": \"3\", \"command\": \"stop\"}");
    QVERIFY(error_of([&] { read_control(run); }).contains("'id'"));
    write_text(run + "/control.json", "{\"id\": 3}");
    QVERIFY(error_of([&] { read_control(run); }).contains("'command'"));
    write_text(run + "/control.json", "{\"id\": 3, \"command\": \"halt\"}");
    QVERIFY(error_of([&] { read_control(run); }).contains("unknown command 'halt'"));
    // A client replaces a broken file instead of failing.
    QCOMPARE(send_control(run, "stop").id, int64_t(1));
  }

  void watcherAppliesEachNewCommandOnceAndNotOldOnes() {
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    send_control(run, "stop");  // left from an earlier run: must not be replayed
    std::mutex mutex;
    std::vector<std::string> applied;
    std::vector<std::string> errors;
    {
      ControlWatcher watcher(
          run,
          [&](const ControlCommand& c) {
            std::lock_guard lock(mutex);
            applied.push_back(std::to_string(c.id) + ":" + c.command);
          },
          [&](const std::string& e) {
            std::lock_guard lock(mutex);
            errors.push_back(e);
          },
          10ms);
      QCOMPARE(watcher.last_id(), int64_t(1));
      send_control(run, "pause");
      QVERIFY(eventually([&] { return watcher.last_id() == 2; }));
      send_control(run, "checkpoint");
      QVERIFY(eventually([&] { return watcher.last_id() == 3; }));
      std::this_thread::sleep_for(50ms);  // more polls of the same file apply nothing
    }
    QCOMPARE(applied, (std::vector<std::string>{"2:pause", "3:checkpoint"}));
    QVERIFY(errors.empty());
  }

  void malformedFileIsReportedOnceAndTheWatcherRecovers() {
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    std::atomic<int> applied{0}, reported{0};
    ControlWatcher watcher(
        run, [&](const ControlCommand&) { ++applied; }, [&](const std::string&) { ++reported; },
        10ms);
    write_text(run + "/control.json", "not json");
    QVERIFY(eventually([&] { return reported.load() == 1; }));
    std::this_thread::sleep_for(80ms);
    QCOMPARE(reported.load(), 1);  // the same problem is not repeated every poll
    write_text(run + "/control.json", "{\"id\": 5, \"command\": \"resume\"}");
    QVERIFY(eventually([&] { return applied.load() == 1; }));
    QCOMPARE(watcher.last_id(), int64_t(5));
  }

  void aThrowingHandlerIsReportedNotFatal() {
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    std::mutex mutex;
    std::string message;
    ControlWatcher watcher(
        run, [&](const ControlCommand&) { throw Error("trainer not ready"); },
        [&](const std::string& e) {
          std::lock_guard lock(mutex);
          message = e;
        },
        10ms);
    send_control(run, "checkpoint");
    QVERIFY(eventually([&] {
      std::lock_guard lock(mutex);
      return !message.empty();
    }));
    std::lock_guard lock(mutex);
    QVERIFY(QString::fromStdString(message).contains("trainer not ready"));
    QVERIFY(QString::fromStdString(message).contains("checkpoint"));
  }

  void statusRoundTrips() {
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    QVERIFY(!read_status(run).has_value());
    write_status(run, {{"state", "running"}, {"global_step", 12}});
    const auto status = read_status(run);
    QVERIFY(status.has_value());
    QCOMPARE(QString::fromStdString((*status)["state"].get<std::string>()), QString("running"));
    QCOMPARE((*status)["global_step"].get<int64_t>(), int64_t(12));
    write_text(run + "/status.json", "{");
    QVERIFY(error_of([&] { read_status(run); }).contains("status.json"));
  }
};

QTEST_GUILESS_MAIN(TestTrainControl)
#include "test_train_control.moc"

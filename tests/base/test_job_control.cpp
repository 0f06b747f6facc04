// The job context (base/job_control.h): cancellation wakes a waiting job at once and is shared by
// every copy; progress is throttled but never loses a phase change or the end; parts map their
// fractions into the whole; events survive a JSON round trip, read strictly.
#include <poll.h>

#include <QtTest>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/job_control.h"

using glossa::JobControl;
using glossa::JobProgress;
using glossa::JobWarning;

namespace {
double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

class TestJobControl : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void cancelWakesAWaitingJobAtOnce() {
    const JobControl job;
    const auto start = std::chrono::steady_clock::now();
    std::thread canceller([copy = job] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      copy.cancel();  // a copy cancels the original
    });
    const bool cancelled = job.wait_for(std::chrono::seconds(30));
    canceller.join();
    QVERIFY(cancelled);
    QVERIFY2(since(start) < 2.0, "wait_for slept on after the cancel");
    QVERIFY_THROWS_EXCEPTION(glossa::CancelledError, job.check_cancelled());
  }

  void waitForTimesOutWhenNotCancelled() {
    const JobControl job;
    const auto start = std::chrono::steady_clock::now();
    QVERIFY(!job.wait_for(std::chrono::milliseconds(80)));
    QVERIFY(since(start) >= 0.07);
  }

  void cancelFdBecomesReadable() {
    const JobControl job;
    pollfd fd{job.cancel_fd(), POLLIN, 0};
    QCOMPARE(::poll(&fd, 1, 0), 0);
    job.cancel();
    QCOMPARE(::poll(&fd, 1, 0), 1);
  }

  void progressIsThrottledButKeepsPhasesAndTheEnd() {
    std::vector<JobProgress> seen;
    const JobControl job([&](const JobProgress& p) { seen.push_back(p); });
    job.phase("reading");
    for (int i = 1; i <= 10000; ++i) job.report(i / 20000.0, "document " + std::to_string(i));
    job.phase("writing");
    job.report(1.0, "done");
    job.report(1.0, "done");  // a repeat is dropped
    QVERIFY2(seen.size() < 50, qPrintable(QString::number(seen.size())));
    QCOMPARE(QString::fromStdString(seen.front().phase), QString("reading"));
    bool writing = false;
    for (const auto& p : seen) writing |= p.phase == "writing";
    QVERIFY(writing);
    QCOMPARE(seen.back().fraction, 1.0);
    QCOMPARE(QString::fromStdString(seen.back().message), QString("done"));
    QCOMPARE(QString::fromStdString(seen.back().phase), QString("writing"));
    QCOMPARE(seen.back().eta_seconds, 0.0);
    int finals = 0;
    for (const auto& p : seen) finals += p.fraction == 1.0;
    QCOMPARE(finals, 1);
  }

  void etaIsEstimatedFromTheFraction() {
    std::vector<JobProgress> seen;
    const JobControl job([&](const JobProgress& p) { seen.push_back(p); });
    const auto start = std::chrono::steady_clock::now();
    job.report(0.0, "start");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    job.report(0.5, "half");
    // Half done after `elapsed`: about as long again to go. Bounds relative to the measured time,
    // so a loaded machine (ctest -j2) that oversleeps does not fail the test.
    const double elapsed = since(start), eta = seen.back().eta_seconds;
    QVERIFY2(eta > 0.5 * 0.2 && eta < 2.0 * elapsed + 0.05,
             qPrintable(QString("eta %1 s after %2 s").arg(eta).arg(elapsed)));
  }

  void partsMapIntoTheWholeJob() {
    std::vector<JobProgress> seen;
    std::vector<JobWarning> warnings;
    const JobControl job([&](const JobProgress& p) { seen.push_back(p); },
                         [&](const JobWarning& w) { warnings.push_back(w); });
    const JobControl second = job.part(0.5, 0.75, "pass 2 of 4");
    second.report(0.5, "halfway");
    QCOMPARE(seen.back().fraction, 0.625);
    QCOMPARE(QString::fromStdString(seen.back().phase), QString("pass 2 of 4"));
    second.warn("odd line", "a.txt:3");
    QCOMPARE(warnings.size(), size_t(1));
    QCOMPARE(QString::fromStdString(warnings[0].where), QString("a.txt:3"));
    second.cancel();  // a part shares the job's cancellation
    QVERIFY(job.cancelled());
  }

  void simpleCallbacksStillWork() {
    double last = -2;
    const JobControl job([&](double f, const std::string&) { last = f; });
    job.report(0.25, "quarter");
    QCOMPARE(last, 0.25);
  }

  void eventsRoundTripThroughJsonStrictly() {
    JobProgress p;
    p.fraction = 0.5;
    p.phase = "counting";
    p.message = "12 documents";
    p.done = 12;
    p.total = 24;
    p.unit = "documents";
    p.eta_seconds = 3;
    const JobProgress back = JobProgress::from_json(p.to_json());
    QCOMPARE(back.done, uint64_t(12));
    QCOMPARE(QString::fromStdString(back.unit), QString("documents"));
    QCOMPARE(back.eta_seconds, 3.0);
    nlohmann::json bad = p.to_json();
    bad["done"] = -1;
    QVERIFY_THROWS_EXCEPTION(glossa::Error, JobProgress::from_json(bad));
    bad = p.to_json();
    bad["phse"] = "x";
    QVERIFY_THROWS_EXCEPTION(glossa::Error, JobProgress::from_json(bad));
    const JobWarning w = JobWarning::from_json(JobWarning{"careful", "f.txt"}.to_json());
    QCOMPARE(QString::fromStdString(w.message), QString("careful"));
  }
};

QTEST_GUILESS_MAIN(TestJobControl)
#include "test_job_control.moc"

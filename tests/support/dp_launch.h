// Starts dp_worker as W processes with torchrun's variables on a free port and waits for all of
// them with a deadline (a hung rank fails the test instead of hanging it). Shared by the
// data-parallel tests.
#pragma once

#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>
#include <vector>

#include "support/test_support.h"
#include "training/distributed/process_group.h"

namespace glossa::test {

struct RankResult {
  int exit_code = -1;
  bool finished = false;  // false: still running at the deadline (then killed)
  QByteArray out, err;
};

// One launch on `port`.
inline std::vector<RankResult> launch_ranks_on(int port, int world, const QStringList& args,
                                               int deadline_ms) {
  std::vector<std::unique_ptr<QProcess>> procs;
  for (int r = 0; r < world; ++r) {
    auto p = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("RANK", QString::number(r));
    env.insert("LOCAL_RANK", QString::number(r));
    env.insert("WORLD_SIZE", QString::number(world));
    env.insert("LOCAL_WORLD_SIZE", QString::number(world));
    env.insert("MASTER_ADDR", "127.0.0.1");
    env.insert("MASTER_PORT", QString::number(port));
    env.insert("OMP_NUM_THREADS", "1");  // 2 ranks on a shared 2-core machine
    if (world == 1) {
      for (const char* k : {"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE"}) env.remove(k);
    }
    p->setProcessEnvironment(env);
    p->start(program("dp_worker"), args);
    procs.push_back(std::move(p));
  }
  std::vector<RankResult> results(world);
  QElapsedTimer timer;
  timer.start();
  for (int r = 0; r < world; ++r) {
    const int left = std::max<int>(1, deadline_ms - static_cast<int>(timer.elapsed()));
    results[r].finished = procs[r]->waitForFinished(left);
  }
  for (int r = 0; r < world; ++r) {
    if (!results[r].finished) {
      procs[r]->kill();
      procs[r]->waitForFinished(5000);
    }
    results[r].exit_code = results[r].finished ? procs[r]->exitCode() : -1;
    results[r].out = procs[r]->readAllStandardOutput();
    results[r].err = procs[r]->readAllStandardError();
  }
  return results;
}

// Launches on a rendezvous port (test_support.h); when another process took the port between
// the check and rank 0's bind, launches again on a new one (at most 3 times).
inline std::vector<RankResult> launch_ranks(int world, const QStringList& args,
                                            int deadline_ms = 60000) {
  std::vector<RankResult> results;
  for (int attempt = 0; attempt < 3; ++attempt) {
    results = launch_ranks_on(rendezvous_port(), world, args, deadline_ms);
    bool taken = false;
    for (const RankResult& r : results) taken |= port_was_taken(r.err);
    if (!taken) break;
    qWarning("rendezvous port taken meanwhile; launching again");
  }
  return results;
}

// All ranks finished with exit code 0; otherwise QVERIFY fails with every rank's stderr.
#define GLOSSA_VERIFY_RANKS_OK(results)                                      \
  for (size_t r_ = 0; r_ < (results).size(); ++r_)                           \
    QVERIFY2((results)[r_].finished && (results)[r_].exit_code == 0,         \
             qPrintable(QStringLiteral("rank %1 (finished %2, exit %3): %4") \
                            .arg(r_)                                         \
                            .arg((results)[r_].finished)                     \
                            .arg((results)[r_].exit_code)                    \
                            .arg(QString::fromUtf8((results)[r_].err))));

// Parameters rank 0 wrote (raw float32).
inline std::vector<float> read_floats(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  const QByteArray bytes = f.readAll();
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.constData(), v.size() * sizeof(float));
  return v;
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    m = std::max(m, static_cast<double>(std::abs(a[i] - b[i])));
  return m;
}

}  // namespace glossa::test

namespace glossa::test {

// The proof of data parallelism (docs/distributed.md): 1 process on the whole batch vs 2 processes on half of it each (in
// 2 micro-batches, so gradient accumulation without sync is exercised too), 10 AdamW steps of a
// tiny Llama with clipping and weight decay. Returns max |difference| of every parameter, or a
// negative value after a QVERIFY failure. `extra`: --zero1, --checkpointing, --stage ...
// `one_micro`: micro-batches of the one-process reference. 1: the whole batch at once against
// ranks that accumulate two micro-batches each; 2: the same two halves the two ranks compute in
// one micro-batch each, so even a bf16 run sums exactly the same gradients.
inline double one_vs_two_ranks(const QStringList& extra, std::vector<RankResult>* two = nullptr,
                               int one_micro = 1) {
  QTemporaryDir dir;
  const QString one_path = dir.filePath("one.bin"), two_path = dir.filePath("two.bin");
  QStringList common = QStringList{"train", "--steps", "10"} + extra;
  const auto one = launch_ranks(
      1, common + QStringList{"--micro", QString::number(one_micro), "--out", one_path});
  for (const auto& r : one)
    if (!r.finished || r.exit_code != 0) {
      qWarning("reference: %s", r.err.constData());
      return -1;
    }
  auto dp = launch_ranks(2, common + QStringList{"--micro", QString::number(one_micro == 1 ? 2 : 1), "--out", two_path});
  for (const auto& r : dp)
    if (!r.finished || r.exit_code != 0) {
      qWarning("2 ranks: %s", r.err.constData());
      return -1;
    }
  const std::vector<float> a = read_floats(one_path), b = read_floats(two_path);
  if (a.empty() || a.size() != b.size()) return -1;
  // The run must have trained: compare with the untrained model too.
  const QString init_path = dir.filePath("init.bin");
  launch_ranks(1, QStringList{"train", "--steps", "0", "--out", init_path} + extra);
  const double moved = max_abs_diff(a, read_floats(init_path));
  if (moved < 1e-3) {
    qWarning("parameters moved only %g in 10 steps", moved);
    return -1;
  }
  if (two) *two = std::move(dp);
  return max_abs_diff(a, b);
}

}  // namespace glossa::test

// glossa-bench-backend: the backend's streaming and query numbers (docs/benchmarks.md,
// "Backend"). Starts the real glossa-backend on a temporary socket and feeds it runs through
// their files, as glossa-train would (metrics.sqlite, status.json), attached with run.attach:
//   1. throughput: metrics rows written as fast as SQLite takes them, one transaction per step
//      like rank 0, then 10,000 a transaction (the backend's limit, not the writer's); rows and
//      notifications per second reaching one subscriber;
//   2. latency: rows at a CPU stories260K pace (--rate steps/s), from the commit (the row's
//      `time`) to the client: p50 / p99 / max;
//   3. metrics.query of a --query-steps series down to 2,000 points: cold (cache filled) and warm;
//   4. memory: --clients subscribers (half of them never read) over a --memory-steps run:
//      the backend's resident memory before and after (VmRSS, VmHWM).
//   glossa-bench-backend [--stream-steps N] [--rate R] [--seconds S] [--query-steps N]
//                        [--memory-steps N] [--clients N] [--stalled N]
#include <unistd.h>

#include <QCoreApplication>
#include <QTemporaryDir>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/sqlite_db.h"
#include "support/backend_process.h"
#include "support/rpc_client.h"
#include "training/metrics/metrics_store.h"
#include "training/metrics/train_control.h"

using glossa::protocol::Message;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Args {
  int64_t stream_steps = 100000, query_steps = 1000000, memory_steps = 1000000;
  double rate = 100, seconds = 10;
  int clients = 8;
  int stalled = -1;  // subscribers that never read; -1 = half of them
};

// A run directory that looks like a live trainer's (status.json names this process).
std::string make_run(const QTemporaryDir& dir, const std::string& name) {
  const std::string run = dir.filePath(QString::fromStdString(name)).toStdString();
  std::filesystem::create_directories(run);
  glossa::write_status(run, {{"state", "running"}, {"pid", ::getpid()}, {"global_step", 0}});
  return run;
}

glossa::StepRecord step(int64_t i) {
  glossa::StepRecord s;
  s.step = i;
  s.stage = "all";
  s.tokens = i * 4096;
  s.loss = 3.0 + std::sin(double(i) * 0.01) + (i % 997 == 0 ? 5.0 : 0.0);  // spikes to keep
  s.lr_json = {{"all", 1e-3}};
  s.grad_norm = 1.0;
  s.tokens_per_s = 10000;
  s.time = glossa::unix_time_now();
  return s;
}

// Bulk rows for the query and memory runs: one transaction per 10,000 steps (not the trainer's
// pace: these measure the reader, not the writer).
void bulk_steps(const std::string& run, int64_t from, int64_t to) {
  { glossa::MetricsWriter create(run + "/metrics.sqlite"); }
  glossa::SqliteDb db(run + "/metrics.sqlite");
  for (int64_t begin = from; begin <= to; begin += 10000) {
    glossa::SqliteDb::Transaction t(db);
    glossa::SqliteStatement q(db, "INSERT OR REPLACE INTO steps(step, stage, tokens, loss, "
                                  "grad_norm, tokens_per_s, time) VALUES(?,?,?,?,?,?,?)");
    for (int64_t i = begin; i <= std::min(to, begin + 9999); ++i) {
      const auto s = step(i);
      q.bind(1, s.step).bind(2, std::string_view("all")).bind(3, s.tokens).bind(4, s.loss)
          .bind(5, s.grad_norm).bind(6, s.tokens_per_s).bind(7, double(i));
      q.run();
    }
    t.commit();
  }
}

int64_t attach(glossa::test::RpcClient& c, const std::string& run) {
  return c.call("run.attach", {{"run_dir", run}}).at("run").at("id").get<int64_t>();
}

// Rows of run.metrics notifications for `run` until `last` arrives; calls on_row(row) each.
int64_t receive(glossa::test::RpcClient& c, int64_t run, int64_t last,
                const std::function<void(const json&)>& on_row) {
  int64_t notifications = 0;
  for (;;) {
    auto m = c.wait_notification(
        [&](const Message& n) { return n.method == "run.metrics" && n.params.value("id", 0) == run; },
        120s);
    if (!m) throw std::runtime_error("no metrics for 120 s");
    ++notifications;
    bool done = false;
    for (const json& row : m->params.at("rows")) {
      on_row(row);
      done |= row.at("step").get<int64_t>() >= last;
    }
    if (done) return notifications;
  }
}

// `bulk`: rows appear 10,000 per transaction (the backend's own limit); else one transaction
// per step as rank 0 writes them (the writer's limit on this machine).
void throughput(glossa::test::BackendProcess& b, const QTemporaryDir& dir, int64_t steps,
                bool bulk) {
  const std::string run = make_run(dir, bulk ? "bulk" : "stream");
  { glossa::MetricsWriter create(run + "/metrics.sqlite"); }
  glossa::test::RpcClient c(b.socket().toStdString());
  const int64_t id = attach(c, run);
  c.call("subscribe", {{"runs", {id}}});
  std::thread feed([&] {
    if (bulk) {
      bulk_steps(run, 1, steps);
      return;
    }
    glossa::MetricsWriter writer(run + "/metrics.sqlite");
    for (int64_t i = 1; i <= steps; ++i) writer.write_step(step(i));
  });
  int64_t rows = 0;
  const auto start = Clock::now();
  const int64_t notes = receive(c, id, steps, [&](const json&) { ++rows; });
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  feed.join();
  std::printf("throughput (%s): %lld rows in %.2f s = %.0f rows/s to one subscriber, in %lld "
              "run.metrics notifications (%.0f notifications/s, %.1f rows each)\n",
              bulk ? "rows written 10,000 a transaction" : "one transaction per step",
              (long long)rows, s, rows / s, (long long)notes, notes / s, double(rows) / notes);
}

void latency(glossa::test::BackendProcess& b, const QTemporaryDir& dir, const Args& a) {
  const std::string run = make_run(dir, "paced");
  glossa::MetricsWriter writer(run + "/metrics.sqlite");
  glossa::test::RpcClient c(b.socket().toStdString());
  const int64_t id = attach(c, run);
  c.call("subscribe", {{"runs", {id}}});
  const int64_t steps = int64_t(a.rate * a.seconds);
  std::thread feed([&] {
    const auto period = std::chrono::duration<double>(1.0 / a.rate);
    const auto start = Clock::now();
    for (int64_t i = 1; i <= steps; ++i) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(period * double(i)));
      writer.write_step(step(i));
    }
  });
  std::vector<double> ms;
  receive(c, id, steps, [&](const json& row) {
    ms.push_back((glossa::unix_time_now() - row.at("time").get<double>()) * 1000);
  });
  feed.join();
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * double(ms.size())))]; };
  std::printf("latency at %.0f steps/s (%lld steps): commit -> client p50 %.1f ms, p99 %.1f ms, "
              "max %.1f ms\n", a.rate, (long long)steps, at(0.5), at(0.99), ms.back());
}

void query(glossa::test::BackendProcess& b, const QTemporaryDir& dir, const Args& a) {
  const std::string run = make_run(dir, "history");
  const auto t0 = Clock::now();
  bulk_steps(run, 1, a.query_steps);
  glossa::write_status(run, {{"state", "finished"}, {"global_step", a.query_steps}});
  const double write_s = std::chrono::duration<double>(Clock::now() - t0).count();
  glossa::test::RpcClient c(b.socket().toStdString());
  const int64_t id = attach(c, run);
  for (const char* x : {"step", "tokens", "time"}) {
    std::vector<double> ms;
    for (int i = 0; i < 21; ++i) {
      const auto start = Clock::now();
      const json r = c.call("metrics.query", {{"runs", {id}}, {"series", "loss"}, {"x", x}, {"max_points", 2000}});
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (r.at("runs").at(0).at("x").size() > 2000) throw std::runtime_error("more than 2000 points");
    }
    const double cold = ms.front();
    std::sort(ms.begin() + 1, ms.end());
    std::printf("metrics.query %lld steps -> 2000 points, x=%s: first %.1f ms, then median %.1f ms, "
                "max %.1f ms (20 queries)\n", (long long)a.query_steps, x, cold, ms[10], ms.back());
  }
  std::printf("  (the %lld-row metrics.sqlite was written in %.1f s)\n", (long long)a.query_steps, write_s);
}

std::string memory_of(qint64 pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line, out;
  while (std::getline(f, line))
    if (line.rfind("VmRSS", 0) == 0 || line.rfind("VmHWM", 0) == 0) out += line.substr(0, 6) + line.substr(line.find_first_not_of(" \t", 6)) + " ";
  return out;
}

void memory(glossa::test::BackendProcess& b, const QTemporaryDir& dir, const Args& a) {
  const std::string run = make_run(dir, "long");
  { glossa::MetricsWriter create(run + "/metrics.sqlite"); }
  std::vector<std::unique_ptr<glossa::test::RpcClient>> clients;
  int64_t id = 0;
  for (int i = 0; i < a.clients; ++i) {
    clients.push_back(std::make_unique<glossa::test::RpcClient>(b.socket().toStdString()));
    id = attach(*clients.back(), run);
    clients.back()->call("subscribe", {{"runs", {id}}});
  }
  const int stalled = a.stalled >= 0 ? a.stalled : a.clients / 2;
  std::printf("memory with %d subscribers (%d never read): before %s\n", a.clients, stalled,
              memory_of(b.pid()).c_str());
  std::thread feed([&] { bulk_steps(run, 1, a.memory_steps); });
  std::vector<std::thread> readers;
  for (int i = 0; i < a.clients - stalled; ++i)
    readers.emplace_back([&, i] { receive(*clients[size_t(i)], id, a.memory_steps, [](const json&) {}); });
  feed.join();
  for (auto& t : readers) t.join();
  std::printf("  after %lld steps streamed: %s\n", (long long)a.memory_steps, memory_of(b.pid()).c_str());
  clients[0]->call("metrics.query", {{"runs", {id}}, {"series", "loss"}, {"max_points", 2000}});
  std::printf("  after a metrics.query of the whole run: %s\n", memory_of(b.pid()).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const double v = std::stod(argv[i + 1]);
    if (k == "--stream-steps") a.stream_steps = int64_t(v);
    else if (k == "--rate") a.rate = v;
    else if (k == "--seconds") a.seconds = v;
    else if (k == "--query-steps") a.query_steps = int64_t(v);
    else if (k == "--memory-steps") a.memory_steps = int64_t(v);
    else if (k == "--clients") a.clients = int(v);
    else if (k == "--stalled") a.stalled = int(v);
    else { std::fprintf(stderr, "unknown option %s\n", k.c_str()); return 2; }
  }
  QTemporaryDir dir;
  glossa::test::BackendProcess backend(dir.filePath("backend"));
  if (!backend.start()) {
    std::fprintf(stderr, "%s\n", qPrintable(backend.error()));
    return 1;
  }
  try {
    throughput(backend, dir, a.stream_steps, false);
    throughput(backend, dir, 10 * a.stream_steps, true);
    latency(backend, dir, a);
    query(backend, dir, a);
    memory(backend, dir, a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "glossa-bench-backend: %s\n", e.what());
    return 1;
  }
  return 0;
}

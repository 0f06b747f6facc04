// ctest-labels: unit
// The run supervisor's watcher (backend/run_watch.cpp, run_follower, run_process) with real
// glossa-train processes: a killed trainer makes its run failed with its log's last lines and a
// resume continues from the checkpoint without repeating the killed attempt's rows; a new
// supervisor re-adopts live trainers, its own children or not (liveness from /proc, a reused pid
// is not a trainer); attach follows another launcher's run directory read-only.
#include "run_supervisor_fixture.h"

using namespace glossa;
using namespace glossa::backend;
using namespace glossa::backend::run_test;

class TestRunWatch : public QObject {
  Q_OBJECT

 private:
  TrainerReaper reaper_;
  json track(const json& result) { return reaper_.track(result); }

 private Q_SLOTS:
  void cleanup() { reaper_.reap(); }

  void initTestCase() {
    if (!QFile::exists(kTrain))
      GLOSSA_MISSING("glossa-train was not built (configure with the training engine)");
  }

  // kill -9 of the trainer: the run becomes failed with the log's last lines; resumed from its
  // checkpoint it goes on from the step after it.
  void aKilledTrainerFailsAndResumesFromItsCheckpoint() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    Events events;
    RunSupervisor supervisor(store, options(), events.sink());
    const json run = track(supervisor.start({{"config", write_run(dir, 100000)}}));
    const int64_t id = run["id"].get<int64_t>();
    const std::string run_dir = run["run_dir"].get<std::string>();
    // A checkpoint at a known step P (paused there), then a few steps past it, then the kill:
    // steps P+1.. exist twice once resumed, whatever the machine's speed.
    QVERIFY(events.wait(
        [&](const auto& e) { return reached_state(e, id, "running") && max_step(e, id) >= 3; }));
    supervisor.control({{"id", id}}, "pause");
    QVERIFY(wait_run(supervisor, id, [](const json& r) {
      return r["status"].is_object() && r["status"].contains("paused_at_step");
    }));
    const int64_t paused_at =
        supervisor.get({{"id", id}})["run"]["status"]["paused_at_step"].get<int64_t>();
    supervisor.control({{"id", id}}, "checkpoint");
    QVERIFY(
        wait_run(supervisor, id, [](const json& r) { return r["last_checkpoint"].is_string(); }));
    supervisor.control({{"id", id}}, "resume");
    QVERIFY(events.wait([&](const auto& e) { return max_step(e, id) > paused_at + 3; }));
    const int64_t pid = run["pids"][0].get<int64_t>();
    QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
    QVERIFY(events.wait([&](const auto& e) { return reached_state(e, id, "failed"); }));
    const json failed = supervisor.get({{"id", id}})["run"];
    const std::string message = failed["error"]["message"].get<std::string>();
    QVERIFY2(message.find("the trainer (pid " + std::to_string(pid) +
                          ") ended without finishing: ") == 0,
             message.c_str());
    QVERIFY2(message.find("killed by signal 9") != std::string::npos, message.c_str());
    QVERIFY(!failed["error"]["log_tail"].empty());
    QVERIFY(failed["pids"].empty());
    const int64_t before_kill = max_step(events.all(), id);
    const int64_t checkpoint = newest_checkpoint(run_dir);
    QCOMPARE(checkpoint, paused_at);

    const size_t mark = events.all().size();
    const double resumed_at = unix_time_now();
    const json resumed = track(supervisor.resume_from_checkpoint({{"id", id}}));
    QCOMPARE(resumed["state"].get<std::string>(), std::string("starting"));
    QVERIFY(resumed["error"].is_null());
    QVERIFY(resumed["pids"][0] != pid);
    QVERIFY(events.wait([&](const auto& e) { return max_step(e, id, mark) > before_kill + 2; }));
    const std::vector<int64_t> after = steps_of(events.all(), id, mark);
    QCOMPARE(after.front(), checkpoint + 1);  // from the checkpoint, the old rows not repeated
    for (size_t i = 1; i < after.size(); ++i) QCOMPARE(after[i], after[i - 1] + 1);
    // ... and they are the resumed attempt's rows (steps checkpoint+1..before_kill are written
    // twice; the killed attempt's copies must not be streamed again).
    const std::vector<Event> since_resume = events.all();
    for (size_t i = mark; i < since_resume.size(); ++i)
      if (since_resume[i].method == "run.metrics")
        for (const json& row : since_resume[i].params["rows"])
          QVERIFY(row["time"].get<double>() >= resumed_at);
    qInfo("killed at step %lld, resumed from checkpoint %lld", (long long)before_kill,
          (long long)checkpoint);
    auto error = rpc_error_of([&] { supervisor.resume_from_checkpoint({{"id", id}}); });
    QCOMPARE(error.code, int(protocol::kInvalidState));  // it runs

    // The series cache saw the rewritten steps: values after the resume, not the killed run's.
    QVERIFY(wait_run(supervisor, id, [](const json& r) { return r["state"] == "running"; }));
    supervisor.control({{"id", id}}, "stop");
    QVERIFY(events.wait([&](const auto& e) {
      size_t stops = 0;
      for (size_t i = mark; i < e.size(); ++i)
        stops += e[i].method == "run.state" && e[i].params["state"] == "stopped";
      return stops > 0;
    }));
    std::map<int64_t, double> streamed;
    const std::vector<Event> all = events.all();
    for (size_t i = mark; i < all.size(); ++i)
      if (all[i].method == "run.metrics")
        for (const json& row : all[i].params["rows"])
          streamed[row["step"].get<int64_t>()] = row["loss"].get<double>();
    const json every = supervisor.query_metrics({{"runs", {id}},
                                                 {"series", "loss"},
                                                 {"from", checkpoint + 1},
                                                 {"max_points", 100000}})["runs"][0];
    QCOMPARE(every["x"].size(), streamed.size());
    for (size_t i = 0; i < every["x"].size(); ++i)
      QCOMPARE(every["last"][i].get<double>(), streamed[every["x"][i].get<int64_t>()]);
  }

  // A supervisor destroyed while its trainer runs (the backend restarting): a new one on the same
  // store follows the same run on, controls it, and sees it finish.
  void aNewSupervisorReadoptsALiveRun() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    // Long enough that the pause lands mid-run on any machine (a tiny model trains ~30 steps a
    // second); it ends through stop + a resume with a shorter budget.
    const std::string config = write_run(dir, 100000);
    int64_t id = 0, paused_at = 0;
    {
      Events first;
      RunSupervisor supervisor(store, options(), first.sink());
      id = track(supervisor.start({{"config", config}}))["id"].get<int64_t>();
      QVERIFY(first.wait(
          [&](const auto& e) { return reached_state(e, id, "running") && max_step(e, id) >= 3; }));
      supervisor.control({{"id", id}}, "pause");  // the handover happens while it holds
      QVERIFY(wait_run(supervisor, id, [](const json& r) {
        return r["status"].is_object() && r["status"].contains("paused_at_step");
      }));
      paused_at = supervisor.get({{"id", id}})["run"]["status"]["paused_at_step"].get<int64_t>();
    }  // the trainer goes on without a supervisor
    Events second;
    RunSupervisor again(store, options(), second.sink());
    const json info = again.get({{"id", id}})["run"];
    QCOMPARE(info["state"].get<std::string>(), std::string("paused"));
    QCOMPARE(info["pids"].size(), size_t(1));
    QCOMPARE(info["owned"].get<bool>(), true);
    again.control({{"id", id}}, "resume");  // an adopted run is still ours to steer
    QVERIFY(second.wait([&](const auto& e) { return max_step(e, id) > paused_at + 2; }));
    again.control({{"id", id}}, "stop");
    QVERIFY(second.wait([&](const auto& e) { return reached_state(e, id, "stopped"); }));
    QVERIFY(wait_run(again, id, [](const json& r) { return r["pids"].empty(); }));
    const int64_t stopped_at = again.get({{"id", id}})["run"]["status"]["global_step"];

    // Resumed with a budget that ends soon: from the stop's checkpoint to "finished".
    write_run(dir, stopped_at + 3);
    track(again.resume_from_checkpoint({{"id", id}}));
    QVERIFY(second.wait([&](const auto& e) { return reached_state(e, id, "finished"); }));
    const std::vector<int64_t> steps = steps_of(second.all(), id);
    QCOMPARE(steps.front(), paused_at + 1);  // from where the first supervisor's stream ended
    for (size_t i = 1; i < steps.size(); ++i) QCOMPARE(steps[i], steps[i - 1] + 1);  // once each
    QCOMPARE(steps.back(), 2 * (stopped_at + 3));
    QVERIFY(wait_run(again, id, [](const json& r) { return r["pids"].empty(); }));
  }

  // After a real restart the trainers are no longer the backend's children: liveness comes from
  // /proc (alive, not a zombie, still glossa-train). A live one is followed and controlled; a
  // pid that now belongs to another program counts as ended.
  void adoptsTrainersThatAreNotItsChildren() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    const std::string config = write_run(dir, 100000);
    const std::string run_dir = dir.filePath("run").toStdString();
    std::filesystem::create_directories(run_dir + "/logs");
    // Started by a shell that waits for it: its parent is the shell, not this test (the shell
    // reaps it, so it leaves no zombie behind in a container whose init does not reap).
    auto launcher = std::make_unique<QProcess>();
    launcher->start("/bin/sh", {"-c", "\"$0\" \"$1\" >>\"$2\" 2>&1 & echo $!; wait", kTrain,
                                QString::fromStdString(config),
                                QString::fromStdString(run_dir + "/logs/rank-0.log")});
    QVERIFY(launcher->waitForReadyRead(30000));
    const int64_t pid = launcher->readLine().trimmed().toLongLong();
    reaper_.track_detached(pid, std::move(launcher));
    QVERIFY(pid > 0 && parent_of(pid) != ::getpid());
    // $! is known before the shell's child has exec'd: until then it is still "sh", which the
    // supervisor rightly takes for a pid that is not a trainer.
    const auto exec_deadline = std::chrono::steady_clock::now() + kDeadline;
    while (command_of(pid).find("glossa-train") == std::string::npos &&
           std::chrono::steady_clock::now() < exec_deadline)
      std::this_thread::sleep_for(5ms);
    QVERIFY(command_of(pid).find("glossa-train") != std::string::npos);
    RunRow row;
    row.run_dir = run_dir;
    row.config_path = config;
    row.state = "starting";
    row.pids = {pid};
    row.created = unix_time_now();
    const int64_t id = store.insert_run(row);
    row.pids = {int64_t(::getpid())};  // alive, but not glossa-train: a reused pid
    row.run_dir = dir.filePath("elsewhere").toStdString();
    const int64_t reused = store.insert_run(row);

    Events events;
    RunSupervisor supervisor(store, options(), events.sink());
    const json gone = supervisor.get({{"id", reused}})["run"];  // marked at once
    QCOMPARE(gone["state"].get<std::string>(), std::string("failed"));
    QVERIFY2(gone["error"]["message"].get<std::string>().find("ended without finishing") !=
                 std::string::npos,
             gone.dump().c_str());
    QVERIFY(events.wait(
        [&](const auto& e) { return reached_state(e, id, "running") && max_step(e, id) >= 3; }));
    QVERIFY(supervisor.get({{"id", id}})["run"]["pids"] == json({pid}));
    QVERIFY(events.wait([&](const auto& e) {
      return std::any_of(e.begin(), e.end(), [&](const Event& x) {
        return x.method == "run.log" && x.params["id"] == id;
      });
    }));
    supervisor.control({{"id", id}}, "stop");
    QVERIFY(events.wait([&](const auto& e) { return reached_state(e, id, "stopped"); }));
    QVERIFY(wait_run(supervisor, id, [](const json& r) { return r["pids"].empty(); }));
    QCOMPARE(supervisor.get({{"id", id}})["run"]["state"].get<std::string>(),
             std::string("stopped"));
  }

  // attach follows a run directory read-only: history stays in metrics.query, what its writer
  // adds next is streamed, its end comes from status.json.
  void attachFollowsARunDirectoryReadOnly() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    Events events;
    RunSupervisor supervisor(store, options(), events.sink());
    const std::string run_dir = dir.filePath("other").toStdString();
    write_synthetic_run(run_dir, 10);

    auto error = rpc_error_of([&] {
      supervisor.attach({{"run_dir", dir.filePath("none").toStdString()}});
    });
    QCOMPARE(error.code, int(protocol::kNotFound));
    QVERIFY(error.message.find(dir.filePath("none").toStdString()) != std::string::npos);
    error = rpc_error_of([&] { supervisor.attach({{"run_dir", "relative/run"}}); });
    QCOMPARE(error.code, int(protocol::kInvalidParams));
    const json run = supervisor.attach({{"run_dir", run_dir + "/"}})["run"];
    const int64_t id = run["id"].get<int64_t>();
    QCOMPARE(run["owned"].get<bool>(), false);
    QCOMPARE(run["state"].get<std::string>(), std::string("running"));
    QCOMPARE(run["run_dir"].get<std::string>(), run_dir);
    QCOMPARE(run["status"]["global_step"].get<int64_t>(), int64_t(10));
    QCOMPARE(supervisor.attach({{"run_dir", run_dir}})["run"]["id"].get<int64_t>(), id);
    for (const char* command : {"pause", "stop"}) {
      error = rpc_error_of([&] { supervisor.control({{"id", id}}, command); });
      QCOMPARE(error.code, int(protocol::kInvalidState));
    }
    error = rpc_error_of([&] { supervisor.resume_from_checkpoint({{"id", id}}); });
    QCOMPARE(error.code, int(protocol::kInvalidState));
    QVERIFY(supervisor.get({{"id", id}})["run"]["log_tail"].empty());
    const json lr = supervisor.query_metrics(
        {{"runs", {id}}, {"series", "lr"}, {"from", 4}, {"to", 6}})["runs"][0];
    QCOMPARE(lr["rows"].get<int64_t>(), int64_t(3));
    QCOMPARE(lr["last"][0].get<double>(), 0.5);  // the first group as lr_json lists them

    {
      MetricsWriter writer(run_dir + "/metrics.sqlite");
      StepRecord step;
      step.step = 11;
      step.stage = "all";
      step.loss = NAN;  // JSON has no NaN: null
      step.lr_json = {{"all", 1e-3}};
      writer.write_step(step, {}, {{0, 0, "checkpoint", "step-00000011"}});
    }
    write_status(run_dir, {{"state", "finished"}, {"pid", 1}, {"global_step", 11}});
    QVERIFY(events.wait([&](const auto& e) { return reached_state(e, id, "finished"); }));
    const auto all = events.all();
    QCOMPARE(steps_of(all, id), std::vector<int64_t>{11});  // no history replayed
    for (const Event& e : all)
      if (e.method == "run.metrics") QVERIFY(e.params["rows"][0]["loss"].is_null());
    QVERIFY(std::any_of(all.begin(), all.end(), [&](const Event& e) {
      return e.method == "run.checkpoint" && e.params["message"] == "step-00000011";
    }));
    QVERIFY(wait_run(supervisor, id, [](const json& r) { return r["finished"].is_number(); }));
  }
};

QTEST_GUILESS_MAIN(TestRunWatch)
#include "test_run_watch.moc"

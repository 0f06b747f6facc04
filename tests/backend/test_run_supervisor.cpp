// ctest-labels: unit
// The backend's run supervisor (backend/run_supervisor.h) with real glossa-train processes on a
// tiny random model (the shards and RUN.json of test_glossa_train): every step reaches the event
// stream exactly once, metrics.query answers from what was streamed, run.start's config and
// device parameters, control (pause, resume, checkpoint, stop), the ranks' environment.
// test_run_watch.cpp covers the ends of trainers, resumes, re-adoption and attach.
#include "run_supervisor_fixture.h"

using namespace glossa;
using namespace glossa::backend;
using namespace glossa::backend::run_test;

class TestRunSupervisor : public QObject {
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

  // A 30-step run from RUN.json: every step arrives once, the run finishes, metrics.query gives
  // every row or buckets that keep the extremes.
  void aRunStreamsEveryStepOnceAndFinishes() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    Events events;
    RunSupervisor supervisor(store, options(), events.sink());
    const auto started = std::chrono::steady_clock::now();
    const json run = track(supervisor.start({{"config", write_run(dir, 15)}}));
    const int64_t id = run["id"].get<int64_t>();
    QCOMPARE(run["state"].get<std::string>(), std::string("starting"));
    QCOMPARE(run["pids"].size(), size_t(1));
    QCOMPARE(run["owned"].get<bool>(), true);
    QVERIFY(events.wait([&](const auto& e) { return reached_state(e, id, "finished"); }));
    qInfo("30 steps started, trained and finished in %.1f s", seconds_since(started));

    const std::vector<Event> all = events.all();
    std::vector<int64_t> steps = steps_of(all, id);
    QCOMPARE(steps.size(), size_t(30));  // exactly once each...
    for (size_t i = 0; i < steps.size(); ++i) QCOMPARE(steps[i], int64_t(i + 1));  // ... in order
    std::map<int64_t, double> loss;
    int stage_events = 0, eval_rows = 0, log_lines = 0;
    bool last_step_logged = false;
    for (const Event& e : all) {
      QCOMPARE(e.subject, "run:" + std::to_string(id));
      if (e.method == "run.metrics")
        for (const json& row : e.params["rows"]) {
          QVERIFY(row["lr"].is_number() && row["tokens"].is_number_integer());
          loss[row["step"].get<int64_t>()] = row["loss"].get<double>();
        }
      if (e.method == "run.stage") ++stage_events;
      if (e.method == "run.eval") eval_rows += int(e.params["rows"].size());
      if (e.method == "run.log") {
        QCOMPARE(e.params["rank"].get<int64_t>(), int64_t(0));
        for (const json& line : e.params["lines"]) {
          ++log_lines;
          if (line.get<std::string>().find("step 30 [layers] loss") == 0) last_step_logged = true;
        }
      }
      if (e.method == "run.state") QCOMPARE(e.coalesce_key, "run:" + std::to_string(id) + "/state");
    }
    QCOMPARE(stage_events, 4);  // two stages, start and end each
    QVERIFY(eval_rows > 0);
    QVERIFY(last_step_logged);
    qInfo("events: %zu, log lines %d, eval rows %d", all.size(), log_lines, eval_rows);

    // status.json says finished before the process has exited: pids empty once it has.
    QVERIFY(wait_run(supervisor, id, [](const json& r) { return r["pids"].empty(); }));
    const json info = supervisor.get({{"id", id}})["run"];
    QCOMPARE(info["state"].get<std::string>(), std::string("finished"));
    QVERIFY(info["finished"].is_number());
    QCOMPARE(info["status"]["global_step"].get<int64_t>(), int64_t(30));
    QVERIFY(!info["log_tail"].empty());
    QCOMPARE(supervisor.list({})["runs"].size(), size_t(1));

    // Every row when they fit, equal to what the stream carried.
    const json every = supervisor.query_metrics(
        {{"runs", {id}}, {"series", "loss"}, {"max_points", 100000}})["runs"][0];
    QCOMPARE(every["rows"].get<int64_t>(), int64_t(30));
    QCOMPARE(every["x"].size(), size_t(30));
    for (size_t i = 0; i < 30; ++i) {
      QCOMPARE(every["x"][i].get<double>(), double(i + 1));
      QCOMPARE(every["last"][i].get<double>(), loss[int64_t(i + 1)]);
      QVERIFY(every["min"][i] == every["last"][i] && every["max"][i] == every["last"][i]);
    }
    // Five buckets: their min and max cover every value, their last rows end at step 30.
    const json five = supervisor.query_metrics(
        {{"runs", {id}}, {"series", "loss"}, {"max_points", 5}})["runs"][0];
    QCOMPARE(five["rows"].get<int64_t>(), int64_t(30));
    QVERIFY(five["x"].size() <= 5 && five["x"].size() >= 2);
    double low = INFINITY, high = -INFINITY;
    for (size_t b = 0; b < five["x"].size(); ++b) {
      low = std::min(low, five["min"][b].get<double>());
      high = std::max(high, five["max"][b].get<double>());
      QVERIFY(five["min"][b] <= five["last"][b] && five["last"][b] <= five["max"][b]);
    }
    double true_low = INFINITY, true_high = -INFINITY;
    for (const auto& [step, value] : loss)
      true_low = std::min(true_low, value), true_high = std::max(true_high, value);
    QCOMPARE(low, true_low);
    QCOMPARE(high, true_high);
    QCOMPARE(five["x"].back().get<double>(), 30.0);
    QCOMPARE(five["last"].back().get<double>(), loss[30]);
    // Other axes and an evaluation series.
    const json tokens = supervisor.query_metrics(
        {{"runs", {id}}, {"series", "lr"}, {"x", "tokens"}, {"from", 0}})["runs"][0];
    QCOMPARE(tokens["rows"].get<int64_t>(), int64_t(30));
    QVERIFY(tokens["x"][1].get<double>() > tokens["x"][0].get<double>());
    const json bpb = supervisor.query_metrics(
        {{"runs", {id}}, {"series", "eval:ko_heldout:bits_per_byte"}})["runs"][0];
    QVERIFY(bpb["rows"].get<int64_t>() >= 1);

    // Refusals.
    auto error = rpc_error_of([&] {
      supervisor.query_metrics({{"runs", {id}}, {"series", "los"}});
    });
    QCOMPARE(error.code, int(protocol::kInvalidParams));
    QCOMPARE(error.data["field"].get<std::string>(), std::string("series"));
    error = rpc_error_of([&] {
      supervisor.query_metrics({{"runs", {id + 7}}, {"series", "loss"}});
    });
    QCOMPARE(error.code, int(protocol::kNotFound));
    error = rpc_error_of([&] { supervisor.control({{"id", id}}, "pause"); });
    QCOMPARE(error.code, int(protocol::kInvalidState));  // finished
    error = rpc_error_of([&] { supervisor.get({{"id", id + 7}}); });
    QCOMPARE(error.code, int(protocol::kNotFound));
  }

  // An object config is validated, written to RUN_DIR/RUN.json with absolute paths, and run;
  // refused configs name the field.
  void aConfigObjectIsWrittenIntoTheRunDirectory() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    Events events;
    RunSupervisor supervisor(store, options(), events.sink());
    const std::string root = dir.path().toStdString();
    json config = run_object(root, 2);
    config["run_dir"] = "runs/object";
    config["data"]["sources"][0]["prefix"] = "ko";  // relative to base_dir
    config["heldout"][0]["prefix"] = "ko_heldout";
    const json run = track(supervisor.start({{"config", config}, {"base_dir", root}}));
    const int64_t id = run["id"].get<int64_t>();
    QCOMPARE(run["run_dir"].get<std::string>(), root + "/runs/object");
    QCOMPARE(run["config_path"].get<std::string>(), root + "/runs/object/RUN.json");
    const json written = json::parse(std::ifstream(root + "/runs/object/RUN.json"));
    QCOMPARE(written["data"]["sources"][0]["prefix"].get<std::string>(), root + "/ko");
    QVERIFY(events.wait([&](const auto& e) { return reached_state(e, id, "finished"); }));
    QCOMPARE(steps_of(events.all(), id).size(), size_t(4));

    config["chekpoint_every_steps"] = 3;
    auto error = rpc_error_of([&] { supervisor.start({{"config", config}, {"base_dir", root}}); });
    QCOMPARE(error.code, int(protocol::kRunConfig));
    QCOMPARE(error.data["field"].get<std::string>(), std::string("chekpoint_every_steps"));
    config.erase("chekpoint_every_steps");
    config["keep_checkpoints"] = 0;
    error = rpc_error_of([&] { supervisor.start({{"config", config}, {"base_dir", root}}); });
    QCOMPARE(error.code, int(protocol::kRunConfig));
    QCOMPARE(error.data["field"].get<std::string>(), std::string("keep_checkpoints"));
    error = rpc_error_of([&] { supervisor.start({{"config", config}}); });  // relative run_dir
    QCOMPARE(error.code, int(protocol::kInvalidParams));
    QCOMPARE(error.data["field"].get<std::string>(), std::string("base_dir"));
    error = rpc_error_of([&] {
      supervisor.start({{"config", "missing.json"}, {"base_dir", root}});
    });
    QCOMPARE(error.code, int(protocol::kRunConfig));
    QVERIFY2(error.message.find(root + "/missing.json") != std::string::npos,
             error.message.c_str());
    error = rpc_error_of([&] { supervisor.start({{"config", "RUN.json"}}); });  // relative to what?
    QCOMPARE(error.code, int(protocol::kInvalidParams));
    QCOMPARE(error.data["field"].get<std::string>(), std::string("base_dir"));
    error = rpc_error_of([&] {
      supervisor.start({{"config", write_run(dir, 2)}, {"gpus", {0}}});
    });  // cpu run
    QCOMPARE(error.code, int(protocol::kInvalidParams));
    QCOMPARE(error.data["field"].get<std::string>(), std::string("gpus"));
    QCOMPARE(supervisor.list({})["runs"].size(), size_t(1));  // nothing started by refusals
  }

  // run.plan: the effective configuration and the preflight's findings, nothing written or
  // started; what would fail at start fails here with the same error.
  void runPlanShowsTheEffectiveRunAndStartsNothing() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    Events events;
    RunSupervisor supervisor(store, options(), events.sink());
    const std::string root = dir.path().toStdString();
    json config = run_object(root, 3);
    config["run_dir"] = "runs/planned";
    config["data"]["sources"][0]["prefix"] = "ko";
    const json plan = supervisor.plan({{"config", config}, {"base_dir", root}, {"world_size", 2}});
    QCOMPARE(plan["run_dir"].get<std::string>(), root + "/runs/planned");
    QCOMPARE(plan["config"]["data"]["sources"][0]["prefix"].get<std::string>(), root + "/ko");
    QCOMPARE(plan["world_size"].get<int64_t>(), int64_t(2));
    QCOMPARE(plan["device"].get<std::string>(), std::string("cpu"));
    QCOMPARE(plan["run_dir_in_use"].get<bool>(), false);
    QCOMPARE(plan["model"]["vocab_size"].get<int64_t>(), int64_t(64));
    QCOMPARE(plan["model"]["layers"].get<int64_t>(), int64_t(2));
    QVERIFY(plan["model"]["parameters"].get<int64_t>() > 64 * 32);
    QCOMPARE(plan["stages"].size(), size_t(2));
    QCOMPARE(plan["stages"][1]["name"].get<std::string>(), std::string("layers"));
    QCOMPARE(plan["heldout"].size(), size_t(1));
    QVERIFY(plan["heldout"][0]["tokens"].get<int64_t>() > 0);
    QVERIFY(plan["memory"]["table"].get<std::string>().find("layers") != std::string::npos);
    QVERIFY(plan["table"].get<std::string>().find("run_dir") != std::string::npos);
    QVERIFY(!std::filesystem::exists(root + "/runs/planned"));  // nothing written
    QCOMPARE(supervisor.list({})["runs"].size(), size_t(0));

    config["data"]["sources"][0]["prefix"] = "missing";  // caught by the preflight, not at start
    const auto error = rpc_error_of([&] { supervisor.plan({{"config", config}, {"base_dir", root}}); });
    QCOMPARE(error.code, int(protocol::kRunConfig));
    QVERIFY2(error.message.find(root + "/missing") != std::string::npos, error.message.c_str());
  }

  void pauseResumeCheckpointAndStop() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    Events events;
    RunSupervisor supervisor(store, options(), events.sink());
    const std::string config = write_run(dir, 100000);
    const int64_t id = track(supervisor.start({{"config", config}}))["id"].get<int64_t>();
    // Before rank 0 follows control.json a command would be lost: refused while starting.
    auto error = rpc_error_of([&] { supervisor.control({{"id", id}}, "pause"); });
    QCOMPARE(error.code, int(protocol::kInvalidState));
    error = rpc_error_of([&] { supervisor.start({{"config", config}}); });  // directory in use
    QCOMPARE(error.code, int(protocol::kInvalidState));

    QVERIFY(events.wait(
        [&](const auto& e) { return reached_state(e, id, "running") && max_step(e, id) >= 3; }));
    supervisor.control({{"id", id}}, "pause");
    QVERIFY(wait_run(supervisor, id, [](const json& r) {
      return r["state"] == "paused" && r["status"].contains("paused_at_step");
    }));
    const int64_t paused_at =
        supervisor.get({{"id", id}})["run"]["status"]["paused_at_step"].get<int64_t>();
    QVERIFY(events.wait([&](const auto& e) { return max_step(e, id) == paused_at; }));

    supervisor.control({{"id", id}}, "resume");
    QVERIFY(events.wait([&](const auto& e) { return max_step(e, id) > paused_at + 2; }));
    QVERIFY(reached_state(events.all(), id, "paused"));
    supervisor.control({{"id", id}}, "checkpoint");
    QVERIFY(events.wait([&](const auto& e) {
      for (const Event& x : e)
        if (x.method == "run.checkpoint" && x.params["id"] == id) return true;
      return false;
    }));
    QVERIFY(
        wait_run(supervisor, id, [](const json& r) { return r["last_checkpoint"].is_string(); }));

    supervisor.control({{"id", id}}, "stop");
    QVERIFY(events.wait([&](const auto& e) { return reached_state(e, id, "stopped"); }));
    QVERIFY(wait_run(supervisor, id, [](const json& r) { return r["pids"].empty(); }));
    const json info = supervisor.get({{"id", id}})["run"];
    QCOMPARE(info["state"].get<std::string>(), std::string("stopped"));
    QVERIFY(info["error"].is_null());
    const std::vector<int64_t> steps = steps_of(events.all(), id);
    QCOMPARE(int64_t(steps.size()), steps.back());  // 1..N once each, none lost in the pause
    QCOMPARE(int64_t(std::set<int64_t>(steps.begin(), steps.end()).size()), steps.back());
    error = rpc_error_of([&] { supervisor.control({{"id", id}}, "resume"); });
    QCOMPARE(error.code, int(protocol::kInvalidState));
  }

  // Two ranks (Gloo, MASTER_PORT chosen by the supervisor) on the CPU.
  void twoRanksRunUnderTheSupervisor() {
    QTemporaryDir dir;
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    Events events;
    RunSupervisor supervisor(store, options(), events.sink());
    const json run = track(supervisor.start({{"config", write_run(dir, 3)}, {"world_size", 2}}));
    const int64_t id = run["id"].get<int64_t>();
    QCOMPARE(run["pids"].size(), size_t(2));
    QCOMPARE(run["world_size"].get<int64_t>(), int64_t(2));
    QVERIFY(events.wait([&](const auto& e) {
      return reached_state(e, id, "finished") || reached_state(e, id, "failed");
    }));
    QVERIFY(wait_run(supervisor, id, [](const json& r) { return r["pids"].empty(); }));
    const json info = supervisor.get({{"id", id}})["run"];
    QVERIFY2(info["state"] == "finished", info.dump().c_str());
    QCOMPARE(steps_of(events.all(), id), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
    QVERIFY(QFile::exists(dir.filePath("run/logs/rank-1.log")));
  }

  // What each rank is started with, seen by a stand-in program that prints its environment and
  // exits: torchrun's variables, one MASTER_PORT outside the ephemeral range, the GPUs of
  // run.start as CUDA_VISIBLE_DEVICES for every rank (each takes cuda:LOCAL_RANK of them). It ends
  // without status.json: the run fails with how it ended.
  void ranksGetTorchrunVariablesAndTheirGpus() {
    QTemporaryDir dir;
    const std::string fake = dir.filePath("bin/glossa-train").toStdString();
    std::filesystem::create_directories(dir.filePath("bin").toStdString());
    std::ofstream(fake) << "#!/bin/sh\nenv | sort\necho \"args: $*\"\nexit 3\n";
    std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
    BackendStore store(dir.filePath("backend.sqlite").toStdString());
    Events events;
    RunSupervisorOptions o = options();
    o.train_program = fake;
    RunSupervisor supervisor(store, o, events.sink());
    const std::string config = write_run(dir, 2, {{"device", "cuda"}});
    const json run =
        track(supervisor.start({{"config", config}, {"world_size", 2}, {"gpus", {3, 5}}}));
    const int64_t id = run["id"].get<int64_t>();
    QVERIFY(run["gpus"] == json({3, 5}));
    QCOMPARE(run["device"].get<std::string>(), std::string("cuda"));
    QVERIFY(events.wait([&](const auto& e) { return reached_state(e, id, "failed"); }));
    const json failed = supervisor.get({{"id", id}})["run"];
    const std::string message = failed["error"]["message"].get<std::string>();
    QVERIFY2(message.find("(exit code 3)") != std::string::npos, message.c_str());
    QVERIFY2(message.find("args: " + config) != std::string::npos, message.c_str());
    std::string port;
    for (int rank : {0, 1}) {
      const QString log = QString::fromStdString(
          read_file(dir.filePath("run/logs/rank-%1.log").arg(rank).toStdString()));
      for (const QString& line :
           {QString("RANK=%1").arg(rank), QString("LOCAL_RANK=%1").arg(rank),
            QString("WORLD_SIZE=2"), QString("LOCAL_WORLD_SIZE=2"),
            QString("MASTER_ADDR=127.0.0.1"), QString("CUDA_VISIBLE_DEVICES=3,5")})
        QVERIFY2(log.split('\n').contains(line), qPrintable(line + " missing in\n" + log));
      const auto m = QRegularExpression("\nMASTER_PORT=(\\d+)\n").match(log);
      QVERIFY(m.hasMatch());
      if (rank == 1) QCOMPARE(m.captured(1).toStdString(), port);  // one rendezvous
      port = m.captured(1).toStdString();
    }
    int low = 32768, high = 60999;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
    QVERIFY(std::stoi(port) < low || std::stoi(port) > high);

    // device "cpu" over a cuda config: the changed config is written into the run directory.
    std::filesystem::remove_all(dir.filePath("run").toStdString());
    const json cpu = track(supervisor.start({{"config", config}, {"device", "cpu"}}));
    QCOMPARE(cpu["config_path"].get<std::string>(), dir.filePath("run/RUN.json").toStdString());
    QCOMPARE(json::parse(std::ifstream(dir.filePath("run/RUN.json").toStdString()))["device"]
                 .get<std::string>(),
             std::string("cpu"));
    QVERIFY(cpu["gpus"].empty());
    const int64_t cpu_id = cpu["id"].get<int64_t>();
    QVERIFY(events.wait([&](const auto& e) { return reached_state(e, cpu_id, "failed"); }));
    const QString log =
        QString::fromStdString(read_file(dir.filePath("run/logs/rank-0.log").toStdString()));
    QVERIFY(!log.contains("CUDA_VISIBLE_DEVICES=3,5"));
  }
};

QTEST_GUILESS_MAIN(TestRunSupervisor)
#include "test_run_supervisor.moc"

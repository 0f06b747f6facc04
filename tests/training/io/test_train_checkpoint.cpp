// ctest-labels: unit
// Checkpoint directories: written through step-N.tmp and renamed, checksummed, pruned to the
// newest N after the new one is in place, corruption detected with the file named, the newest
// valid one found, write errors leave earlier checkpoints intact, the RNG state round-trips.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "base/error.h"
#include "base/sha256.h"
#include "training/io/train_checkpoint.h"

using namespace glossa;

namespace {

CheckpointData sample(int64_t step) {
  CheckpointData d;
  d.model = {{"model.norm.weight", torch::full({4}, static_cast<float>(step))},
             {"lm_head.weight", torch::arange(12, torch::kFloat32).view({3, 4}) * step}};
  d.optimizer = {{"lm_head.weight.exp_avg", torch::ones({3, 4})},
                 {"lm_head.weight.exp_avg_sq", torch::zeros({3, 4})}};
  d.state.global_step = step;
  d.state.stage_index = 1;
  d.state.stage_name = "s";
  d.state.step_in_stage = step - 1;
  d.state.tokens_seen = step * 32;
  d.state.sampler = {{"windows", step}};
  d.state.optimizer = {{"lr", 0.5}};
  d.state.optimizer_stage = 1;
  d.state.torch_cpu_rng = "00";
  d.state.config_hash = "abc";
  return d;
}

// Overwrites one byte in the middle of a file.
void flip_byte(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(QFileInfo(QString::fromStdString(path)).size() / 2));
  char c = 0;
  f.read(&c, 1);
  f.seekp(static_cast<std::streamoff>(QFileInfo(QString::fromStdString(path)).size() / 2));
  c = static_cast<char>(c ^ 0x5a);
  f.write(&c, 1);
}

}  // namespace

class TestTrainCheckpoint : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void writesReadsAndKeepsTheNewest() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/checkpoints";
    for (int64_t step : {3, 6, 9, 12}) write_checkpoint(dir, sample(step), 2);
    const auto all = list_checkpoints(dir);
    QCOMPARE(all.size(), size_t(2));
    QCOMPARE(QFileInfo(QString::fromStdString(all[0])).fileName().toStdString(),
             std::string("step-00000012"));
    QCOMPARE(QFileInfo(QString::fromStdString(all[1])).fileName().toStdString(),
             std::string("step-00000009"));
    for (const QString& name :
         QDir(QString::fromStdString(dir)).entryList(QDir::AllEntries | QDir::NoDotAndDotDot))
      QVERIFY(!name.endsWith(".tmp"));
    verify_checkpoint(all[0]);
    const CheckpointData back = read_checkpoint(all[0]);
    QCOMPARE(back.state.to_json(), sample(12).state.to_json());
    QCOMPARE(back.model.size(), size_t(2));
    for (const auto& [name, t] : sample(12).model) {
      bool found = false;
      for (const auto& [n, b] : back.model) found |= n == name && torch::equal(b, t);
      QVERIFY2(found, name.c_str());
    }
    QVERIFY(torch::equal(back.optimizer.at("lm_head.weight.exp_avg"), torch::ones({3, 4})));
    // The checksum list names every file with its SHA-256.
    const auto sums = nlohmann::json::parse(std::ifstream(all[0] + "/checksums.json"));
    QCOMPARE(sums["files"]["state.json"].get<std::string>(), sha256_file(all[0] + "/state.json"));
  }

  void corruptOrTruncatedFilesAreNamedAndTheNewestValidIsFound() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/checkpoints";
    for (int64_t step : {1, 2, 3}) write_checkpoint(dir, sample(step), 3);
    flip_byte(dir + "/step-00000003/model.safetensors");
    QFile::resize(QString::fromStdString(dir + "/step-00000002/optimizer.safetensors"), 20);
    try {
      verify_checkpoint(dir + "/step-00000003");
      QFAIL("a flipped byte went unnoticed");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("step-00000003/model.safetensors"), e.what());
    }
    std::vector<std::string> rejected;
    const auto found =
        find_latest_valid_checkpoint(dir, [&](const std::string& d, const std::string& problem) {
          rejected.push_back(d);
          QVERIFY(!problem.empty());
        });
    QVERIFY(found.has_value());
    QCOMPARE(QFileInfo(QString::fromStdString(*found)).fileName().toStdString(),
             std::string("step-00000001"));
    QCOMPARE(rejected.size(), size_t(2));
    // A checkpoint without checksums.json (its writer died) is not finished.
    QFile::remove(QString::fromStdString(dir + "/step-00000001/checksums.json"));
    try {
      verify_checkpoint(dir + "/step-00000001");
      QFAIL("an unfinished checkpoint verified");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("checksums.json"), e.what());
    }
    QVERIFY(!find_latest_valid_checkpoint(dir, nullptr).has_value());
  }

  void aFailedWriteLeavesEarlierCheckpointsIntact() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/checkpoints";
    write_checkpoint(dir, sample(4), 1);
    CheckpointData bad = sample(8);
    bad.model.push_back(bad.model.front());  // duplicate tensor name: the writer refuses it
    QVERIFY_THROWS_EXCEPTION(Error, write_checkpoint(dir, bad, 1));
    const auto all = list_checkpoints(dir);
    QCOMPARE(all.size(), size_t(1));
    verify_checkpoint(all[0]);
    QVERIFY(!QFileInfo::exists(QString::fromStdString(dir + "/step-00000008.tmp")));
    QVERIFY(!QFileInfo::exists(QString::fromStdString(dir + "/step-00000008")));
  }

  void theSameStepIsReplaced() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/checkpoints";
    write_checkpoint(dir, sample(5), 3);
    CheckpointData again = sample(5);
    again.state.tokens_seen = 777;
    write_checkpoint(dir, again, 3);
    QCOMPARE(list_checkpoints(dir).size(), size_t(1));
    QCOMPARE(read_checkpoint(dir + "/step-00000005").state.tokens_seen, int64_t(777));
    QVERIFY(!QFileInfo::exists(QString::fromStdString(dir + "/step-00000005.old")));
  }

  void cpuGeneratorStateRoundTrips() {
    torch::manual_seed(42);
    const std::string state = cpu_rng_state_hex();
    const torch::Tensor a = torch::rand({5});
    restore_cpu_rng_state(state);
    QVERIFY(torch::equal(a, torch::rand({5})));
    QVERIFY_THROWS_EXCEPTION(Error, restore_cpu_rng_state("zz"));
  }

  void stateJsonIsStrict() {
    nlohmann::json j = sample(2).state.to_json();
    j["format_version"] = 99;
    QVERIFY_THROWS_EXCEPTION(Error, TrainState::from_json(j, "x"));
    j = sample(2).state.to_json();
    j.erase("global_step");
    try {
      TrainState::from_json(j, "ck/state.json");
      QFAIL("accepted a state without global_step");
    } catch (const Error& e) {
      QVERIFY2(
          QString(e.what()).contains("ck/state.json") && QString(e.what()).contains("global_step"),
          e.what());
    }
    j = sample(2).state.to_json();
    j["global_stepp"] = 3;  // misspelt
    QVERIFY_THROWS_EXCEPTION(Error, TrainState::from_json(j, "x"));
    j = sample(2).state.to_json();
    j["global_step"] = 2.5;  // not an integer
    QVERIFY_THROWS_EXCEPTION(Error, TrainState::from_json(j, "x"));
  }
};

QTEST_GUILESS_MAIN(TestTrainCheckpoint)
#include "test_train_checkpoint.moc"

// ctest-labels: unit data
// `glossa-cli eval` end to end: a tiny random Llama saved by transformers, KoBEST COPA requests
// from `bench prepare` and a held-out shard from `pack`; the --json result holds the task, its
// group and the held-out set with the numbers transformers computes on the same ids
// (tests/python/eval_reference.py); a request file of another tokenizer is refused naming it,
// bad usage exits 2.
#include <signal.h>

#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QFile>
#include <QTemporaryDir>
#include <cmath>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

using glossa::test::ProcessResult;
using nlohmann::json;

namespace {
const char* kConfig =
    R"({"vocab_size": 32000, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,)"
    R"( "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 128,)"
    R"( "rms_norm_eps": 1e-5, "tie_word_embeddings": false})";

ProcessResult cli(const QStringList& args) {
  return glossa::test::run(glossa::test::program("glossa-cli"), args);
}

bool near_rel(double got, double want, double rel) {
  return std::abs(got - want) <= rel * std::abs(want);
}
}  // namespace

class TestCliEval : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString py_, llama_, requests_, heldout_, model_;
  json mc_, heldoutRef_;  // eval_reference.py mc / heldout on the same files
  QString path(const QString& name) const { return dir_.filePath(name); }

  // Runs python eval_reference.py ARGS and parses its stdout.
  json reference(const QStringList& args) {
    const ProcessResult r =
        glossa::test::run(py_, QStringList{glossa::test::pythonScript("eval_reference.py")} + args);
    if (r.exit_code != 0) qWarning("python failed: %s", r.err.constData());
    return r.exit_code == 0 ? json::parse(r.out.toStdString()) : json();
  }

 private Q_SLOTS:
  void initTestCase() {
    // Registered only with the training engine (tests/CMakeLists.txt): --help must work.
    const ProcessResult help = cli({"eval", "--help"});
    QVERIFY2(help.exit_code == 0, help.err.constData());
    py_ = glossa::test::python();
    llama_ = glossa::test::sharedFile("tokenizers/llama2/tokenizer.model");
    const QString copa = glossa::test::sharedFile("kobest/COPA/dev.tsv");
    const QString nsmc = glossa::test::sharedFile("korean/nsmc_reviews.tsv");
    if (py_.isEmpty() || llama_.isEmpty() || copa.isEmpty() || nsmc.isEmpty()) return;
    requests_ = path("copa.req.jsonl");
    ProcessResult r = cli({"bench", "prepare", "--task", "kobest_copa", "--data", copa,
                           "--tokenizer", llama_, "--out", requests_, "--limit", "12", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QFile in(nsmc), out(path("reviews.txt"));
    QVERIFY(in.open(QIODevice::ReadOnly) && out.open(QIODevice::WriteOnly));
    in.readLine();  // header
    for (int i = 0; i < 60 && !in.atEnd(); ++i) out.write(in.readLine().split('\t').last());
    out.close();
    r = cli({"pack", "--tokenizer", llama_, "--input", path("reviews.txt"), "--out",
             path("shards/ko"), "--heldout", "0.5", "--threads", "1", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    heldout_ = path("shards/ko_heldout");
    // One Python start: the model, then what transformers computes with it.
    const json ref =
        reference({"make-model", path("model"), kConfig, "3", "--", "mc", path("model"), "128",
                   requests_, "--", "heldout", path("model"), heldout_, "32", "0"});
    QVERIFY(ref.is_array() && ref.size() == 3);
    mc_ = ref[1];
    heldoutRef_ = ref[2];
    model_ = path("model");
  }

  void jsonResultHoldsTasksGroupsAndHeldoutAsTransformers() {
    if (model_.isEmpty()) GLOSSA_MISSING("needs glossa-cli eval, the reference Python and shared data");
    const ProcessResult r =
        cli({"eval", "--model", model_, "--requests", requests_, "--held-out", heldout_, "--batch",
             "5", "--seq-len", "32", "--tokenizer", llama_, "--details", "--json", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const json got = json::parse(r.out.toStdString());
    const json& mc = mc_;
    const json& ho = heldoutRef_;

    QCOMPARE(got["tasks"].size(), size_t(1));
    const json& task = got["tasks"][0];
    QCOMPARE(task["name"].get<std::string>(), std::string("kobest_copa"));
    QCOMPARE(task["documents"].get<int64_t>(), int64_t(12));
    QVERIFY(std::abs(task["acc"].get<double>() - mc[0]["acc"].get<double>()) < 1e-12);
    QVERIFY(std::abs(task["f1"].get<double>() - mc[0]["f1"].get<double>()) < 1e-12);
    QVERIFY(!task.contains("acc_norm"));
    QCOMPARE(task["requests"].size(), size_t(12));
    for (size_t d = 0; d < 12; ++d)
      for (size_t c = 0; c < 2; ++c)
        QVERIFY(std::abs(task["requests"][d]["loglikelihoods"][c].get<double>() -
                         mc[0]["loglikelihoods"][d][c].get<double>()) <= 1e-4);

    QCOMPARE(got["groups"].size(), size_t(1));
    QCOMPARE(got["groups"][0]["name"].get<std::string>(), std::string("kobest"));
    QCOMPARE(got["groups"][0]["acc"].get<double>(), task["acc"].get<double>());

    QCOMPARE(got["heldout"].size(), size_t(1));
    const json& h = got["heldout"][0];
    QCOMPARE(h["name"].get<std::string>(), std::string("ko_heldout"));
    QCOMPARE(h["tokens"].get<int64_t>(), ho["tokens"].get<int64_t>());
    QCOMPARE(h["bytes"].get<double>(), ho["bytes"].get<double>());
    QVERIFY(near_rel(h["loss"].get<double>(), ho["loss"].get<double>(), 1e-5));
    QVERIFY(near_rel(h["bpb"].get<double>(), ho["bpb"].get<double>(), 1e-5));
  }

  void tableNamesTaskGroupAndHeldout() {
    if (model_.isEmpty()) GLOSSA_MISSING("needs glossa-cli eval, the reference Python and shared data");
    const ProcessResult r = cli({"eval", "--model", model_, "--requests", requests_, "--held-out",
                                 heldout_, "--seq-len", "32", "--max-tokens", "64"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.out.contains("kobest_copa") && r.out.contains("group kobest") &&
                 r.out.contains("bits/byte") && r.out.contains("estimated"),
             r.out.constData());
    QVERIFY2(r.err.contains("[eval]"), r.err.constData());  // progress on stderr
  }

  void requestsOfAnotherTokenizerAreRefusedNamingTheFile() {
    if (model_.isEmpty()) GLOSSA_MISSING("needs glossa-cli eval, the reference Python and shared data");
    const QString other = glossa::test::sharedFile("tokenizers/llammlein_de/tokenizer.model");
    if (other.isEmpty()) GLOSSA_MISSING("shared tokenizers/llammlein_de/tokenizer.model missing");
    const ProcessResult r = cli({"eval", "--model", model_, "--requests", requests_, "--tokenizer",
                                 other, "--json", "--quiet"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(requests_.toUtf8()) && r.err.contains("fingerprint"),
             r.err.constData());
    QVERIFY(r.out.isEmpty());
  }

  void badUsageExitsTwo() {
    if (model_.isEmpty()) GLOSSA_MISSING("needs glossa-cli eval, the reference Python and shared data");
    QCOMPARE(cli({"eval", "--model", model_}).exit_code, 2);  // nothing to evaluate
    QCOMPARE(cli({"eval", "--model", model_, "--requests", requests_, "--batch", "0"}).exit_code,
             2);
    const ProcessResult r =
        cli({"eval", "--model", model_, "--requests", requests_, "--device", "tpu"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("tpu"), r.err.constData());
  }

  void nonFiniteWeightsAreRefusedNamingTheTensor() {
    if (model_.isEmpty()) GLOSSA_MISSING("needs glossa-cli eval, the reference Python and shared data");
    // A copy of the model with one NaN in its last tensor (F32 data: the last 4 bytes of the file).
    const QString broken = path("nan-model");
    QVERIFY(QDir().mkpath(broken));
    for (const QString& f : QDir(model_).entryList(QDir::Files))
      QVERIFY(QFile::copy(model_ + "/" + f, broken + "/" + f));
    QFile weights(broken + "/model.safetensors");
    QVERIFY(weights.open(QIODevice::ReadWrite));
    quint64 header = 0;
    QCOMPARE(weights.read(reinterpret_cast<char*>(&header), 8), qint64(8));
    const json index = json::parse(weights.read(qint64(header)).toStdString());
    std::string last;
    int64_t end = -1;
    for (const auto& [name, entry] : index.items())
      if (name != "__metadata__" && entry["data_offsets"][1].get<int64_t>() > end) {
        end = entry["data_offsets"][1].get<int64_t>();
        last = name;
      }
    QCOMPARE(QString::fromStdString(index[last]["dtype"].get<std::string>()), QString("F32"));
    const float nan = std::nanf("");
    QVERIFY(weights.seek(qint64(8 + header + end - 4)));
    QCOMPARE(weights.write(reinterpret_cast<const char*>(&nan), 4), qint64(4));
    weights.close();
    const ProcessResult r = cli({"eval", "--model", broken, "--requests", requests_});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QByteArray::fromStdString("tensor \"" + last + "\" holds 1 of")) &&
                 r.err.contains("NaN or infinite"),
             r.err.constData());
  }

  void windowsBeyondTheContextAreRefused() {
    if (model_.isEmpty()) GLOSSA_MISSING("needs glossa-cli eval, the reference Python and shared data");
    QFile file(model_ + "/config.json");
    QVERIFY(file.open(QIODevice::ReadOnly));
    const int positions = json::parse(file.readAll().toStdString())["max_position_embeddings"];
    QVERIFY(positions > 0);
    for (const char* flag : {"--seq-len", "--max-length"}) {
      const ProcessResult r = cli({"eval", "--model", model_, "--held-out", heldout_,
                                   "--requests", requests_, flag, QString::number(100000)});
      QCOMPARE(r.exit_code, 1);
      QVERIFY2(r.err.contains("longer than the model's context of " +
                              QByteArray::number(positions) + " positions"),
               r.err.constData());
    }
  }

  // A long evaluation stops promptly on SIGINT and SIGTERM (the worker checks between batches).
  void longEvaluationStopsOnSigintAndSigterm() {
    if (model_.isEmpty()) GLOSSA_MISSING("needs glossa-cli eval, the reference Python and shared data");
    GLOSSA_REQUIRE_SHARED(shakespeare, "english/tinyshakespeare.txt");
    const ProcessResult packed =
        cli({"pack", "--tokenizer", llama_, "--input", shakespeare, "--out", path("shards/en"),
             "--heldout", "0.99", "--quiet"});
    QVERIFY2(packed.exit_code == 0, packed.err.constData());
    for (const int sig : {SIGINT, SIGTERM}) {
      QProcess eval;
      eval.start(glossa::test::program("glossa-cli"),
                 {"eval", "--model", model_, "--held-out", path("shards/en_heldout"), "--batch",
                  "1"});
      QVERIFY(eval.waitForStarted());
      eval.setReadChannel(QProcess::StandardError);
      QByteArray err;
      while (!err.contains("windows") && eval.waitForReadyRead(60000)) err += eval.readAll();
      QVERIFY2(err.contains("windows"), err.constData());  // scoring has begun
      QElapsedTimer timer;
      timer.start();
      ::kill(static_cast<pid_t>(eval.processId()), sig);
      QVERIFY(eval.waitForFinished(30000));
      qInfo("signal %d: stopped after %lld ms", sig, static_cast<long long>(timer.elapsed()));
      QCOMPARE(eval.exitCode(), 130);
      QVERIFY(eval.readAll().contains("cancelled"));
    }
  }
};

QTEST_GUILESS_MAIN(TestCliEval)
#include "test_cli_eval.moc"

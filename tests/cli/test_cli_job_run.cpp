// ctest-labels: unit data
// `glossa-cli job list` and `glossa-cli job run NAME --options FILE.json` (docs/jobs.md): every
// job of the registry runs from its options JSON — what glossa-backend will send — and gives the
// same --json result as its subcommand with the equivalent flags, on the walkthrough's flow over
// a small NSMC sample and stories260K. The outputs a job writes are byte-identical both ways.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <nlohmann/json.hpp>

#include "support/clock_values.h"
#include "support/test_support.h"

using glossa::test::ProcessResult;
using nlohmann::json;

namespace {

const QStringList kJobs = {"corpus.stats",   "corpus.clean", "tokenizer.train", "tokenizer.analyze",
                           "vocab.count",    "vocab.expand", "vocab.merge",     "pack",
                           "bench.prepare",  "eval",         "model.generate",  "model.import",
                           "model.resize"};

ProcessResult cli(const QStringList& args) {
  return glossa::test::run(glossa::test::program("glossa-cli"), args);
}

// stdout of a successful `glossa-cli ... --json --quiet`, parsed; null (and a warning) otherwise.
json cliJson(QStringList args) {
  args << "--json" << "--quiet";
  const ProcessResult r = cli(args);
  if (r.exit_code != 0) {
    qWarning("glossa-cli %s failed (%d): %s", qPrintable(args.join(' ')), r.exit_code,
             r.err.constData());
    return json();
  }
  return json::parse(r.out.toStdString());
}

// SHA-256 of every file in folder `path` (or of file `path`), by name. A JSON file is hashed
// without its clock values; a SQLite project file is left out (it holds the same report with
// its wall times, and its timestamps).
std::map<QString, QByteArray> digests(const QString& path) {
  std::map<QString, QByteArray> out;
  QStringList files;
  if (QFileInfo(path).isDir()) {
    for (const QString& f : QDir(path).entryList(QDir::Files)) files << path + "/" + f;
  } else {
    files << path;
  }
  for (const QString& f : files) {
    QFile file(f);
    if (f.endsWith(".sqlite") || !file.open(QIODevice::ReadOnly)) continue;
    QByteArray bytes = file.readAll();
    if (f.endsWith(".json")) {
      json j = json::parse(bytes.toStdString());
      glossa::test::drop_clock_values(j);
      bytes = QByteArray::fromStdString(j.dump());
    }
    out[QFileInfo(f).fileName()] = QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
  }
  return out;
}

}  // namespace

// bothWays(...), and the test function stops at its first failure (later jobs need its outputs).
#define BOTH_WAYS(...)                    \
  do {                                    \
    bothWays(__VA_ARGS__);                \
    if (QTest::currentTestFailed()) return; \
  } while (0)

class TestCliJobRun : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString data_;
  QStringList ran_;  // the jobs compared so far
  QString path(const QString& name) const { return dir_.filePath(name); }
  std::string str(const QString& name) const { return path(name).toStdString(); }
  std::string shared(const QString& relative) const {
    return (data_ + "/" + relative).toStdString();
  }

  // Runs `name` as a subcommand with `flags` and from `options`, and compares: same result, same
  // files under each of `outputs` (moved aside before the second run, so it starts as the first).
  void bothWays(const QString& name, const QStringList& flags, const json& options,
                const QStringList& outputs = {}) {
    json byFlags = cliJson(flags);
    QVERIFY2(!byFlags.is_null(), qPrintable(name + ": the subcommand failed"));
    std::vector<std::map<QString, QByteArray>> before;
    for (const QString& o : outputs) {
      before.push_back(digests(path(o)));
      QVERIFY(QDir().rename(path(o), path(o + ".by-flags")));
    }
    const QString file = path(name + ".options.json");
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray::fromStdString(options.dump(2)));
    f.close();
    json byJson = cliJson({"job", "run", name, "--options", file});
    QVERIFY2(!byJson.is_null(), qPrintable(name + ": job run failed"));
    glossa::test::drop_clock_values(byFlags);
    glossa::test::drop_clock_values(byJson);
    // On a difference, the JSON patch from the flags' result to the JSON's names what differs.
    QVERIFY2(byFlags == byJson,
             qPrintable(name + ": " + QString::fromStdString(json::diff(byFlags, byJson).dump())));
    for (int i = 0; i < outputs.size(); ++i) {
      const auto after = digests(path(outputs[i]));
      QVERIFY2(!after.empty(), qPrintable(name + " wrote nothing at " + outputs[i]));
      QStringList differ;
      for (const auto& [file, digest] : after)
        if (before[i].count(file) == 0 || before[i].at(file) != digest) differ << file;
      QVERIFY2(differ.isEmpty() && after.size() == before[i].size(),
               qPrintable(name + ": " + outputs[i] + " differs: " + differ.join(", ")));
    }
    ran_ << name;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(QFile::exists(glossa::test::program("glossa-cli")));
    data_ = glossa::test::sharedData();
    if (!QFile::exists(data_ + "/korean/nsmc_reviews.tsv")) GLOSSA_MISSING("shared data not found");
    QFile in(data_ + "/korean/nsmc_reviews.tsv"), out(path("reviews.tsv"));
    QVERIFY(in.open(QIODevice::ReadOnly) && out.open(QIODevice::WriteOnly));
    for (int i = 0; i <= 3000 && !in.atEnd(); ++i) out.write(in.readLine());
  }

  void jobListNamesEveryJob() {
    const ProcessResult r = cli({"job", "list"});
    QCOMPARE(r.exit_code, 0);
    QStringList names;
    for (const QByteArray& line : r.out.split('\n'))
      if (!line.isEmpty()) names << QString::fromUtf8(line.left(line.indexOf('\t')));
    QCOMPARE(names, kJobs);
    const ProcessResult full = cli({"job", "list", "--json"});
    QCOMPARE(full.exit_code, 0);
    const json schemas = json::parse(full.out.toStdString());
    QCOMPARE(int(schemas.size()), int(kJobs.size()));
    for (const auto& job : schemas) QVERIFY(job["options"].is_array() && !job["doc"].empty());
  }

  void corpusJobs() {
    const QString tsv = path("reviews.tsv");
    BOTH_WAYS("corpus.stats", {"corpus", "stats", tsv, "--column", "review", "--script", "hangul"},
             {{"files", {tsv.toStdString()}}, {"column", "review"}, {"script", "hangul"}});
    BOTH_WAYS("corpus.clean",
             {"corpus", "clean", tsv, "--column", "review", "--out", path("ko.jsonl"),
              "--target-script", "hangul", "--min-chars", "5"},
             {{"files", {tsv.toStdString()}}, {"column", "review"}, {"out", str("ko.jsonl")},
              {"target_script", "hangul"}, {"min_chars", 5}},
             {"ko.jsonl"});
  }

  void tokenizerAndVocabJobs() {
    // Independent of the order test functions run in: runs the step before if needed.
    if (!QFile::exists(path("ko.jsonl"))) corpusJobs();
    if (QTest::currentTestFailed()) return;
    const std::string ko = str("ko.jsonl"), tok512 = shared("models/stories260K/tok512.bin");
    BOTH_WAYS("tokenizer.train",
             {"tokenizer", "train", "--input", path("ko.jsonl"), "--vocab-size", "1500",
              "--character-coverage", "0.9995", "--threads", "1", "--out", path("ko_bpe")},
             {{"input", {ko}}, {"vocab_size", 1500},
              {"character_coverage", 0.9995}, {"threads", 1}, {"out", str("ko_bpe")}},
             {"ko_bpe.model", "ko_bpe.vocab"});
    BOTH_WAYS("tokenizer.analyze",
             {"tokenizer", "analyze", "--tokenizer", path("ko_bpe.model"), "--input",
              path("ko.jsonl")},
             {{"tokenizer", {str("ko_bpe.model")}}, {"input", {ko}}});
    BOTH_WAYS("vocab.count",
             {"vocab", "count", "--tokenizer", path("ko_bpe.model"), "--input", path("ko.jsonl")},
             {{"tokenizer", str("ko_bpe.model")}, {"input", {ko}}});
    BOTH_WAYS("vocab.expand",
             {"vocab", "expand", "--base", QString::fromStdString(tok512), "--intermediate",
              path("ko_bpe.model"), "--corpus", path("ko.jsonl"), "--script", "hangul",
              "--min-freq", "30", "--out", path("expanded")},
             {{"base", tok512}, {"intermediate", str("ko_bpe.model")}, {"corpus", {ko}},
              {"script", "hangul"}, {"min_freq", 30}, {"out", str("expanded")}},
             {"expanded"});
    BOTH_WAYS("vocab.merge",
             {"vocab", "merge", "--base", QString::fromStdString(tok512), "--add",
              path("ko_bpe.model"), "--out", path("merged.model")},
             {{"base", tok512}, {"add", str("ko_bpe.model")}, {"out", str("merged.model")}},
             {"merged.model"});
  }

  void prepareJobs() {
    // Independent of the order test functions run in: runs the step before if needed.
    if (!QFile::exists(path("expanded/tokenizer.model"))) tokenizerAndVocabJobs();
    if (QTest::currentTestFailed()) return;
    const std::string tok = str("expanded/tokenizer.model");
    const std::string boolq = shared("kobest/BoolQ/dev.tsv");
    BOTH_WAYS("pack",
             {"pack", "--tokenizer", path("expanded/tokenizer.model"), "--input",
              path("ko.jsonl"), "--heldout", "0.1", "--out", path("shards/ko")},
             {{"tokenizer", tok}, {"input", {str("ko.jsonl")}}, {"heldout", 0.1},
              {"out", str("shards/ko")}},
             {"shards"});
    BOTH_WAYS("bench.prepare",
             {"bench", "prepare", "--task", "kobest_boolq", "--data", QString::fromStdString(boolq),
              "--tokenizer", path("expanded/tokenizer.model"), "--limit", "40", "--out",
              path("boolq.jsonl")},
             {{"task", "kobest_boolq"}, {"data", boolq}, {"tokenizer", tok}, {"limit", 40},
              {"out", str("boolq.jsonl")}},
             {"boolq.jsonl"});
  }

  void modelJobs() {
    // Independent of the order test functions run in: runs the step before if needed.
    if (!QFile::exists(path("boolq.jsonl"))) prepareJobs();
    if (QTest::currentTestFailed()) return;
    const std::string bin = shared("models/stories260K/stories260K.bin");
    const std::string tok512 = shared("models/stories260K/tok512.bin");
    BOTH_WAYS("model.import",
             {"model", "import", "--llama2c", QString::fromStdString(bin), "--tokenizer",
              QString::fromStdString(tok512), "--untie-embeddings", "--out", path("base")},
             {{"llama2c", bin}, {"tokenizer", tok512}, {"untie_embeddings", true},
              {"out", str("base")}},
             {"base"});
    BOTH_WAYS("model.resize",
             {"model", "resize", "--model", path("base"), "--tokenizer", path("expanded"),
              "--init", "eeve", "--out", path("resized")},
             {{"model", str("base")}, {"tokenizer", str("expanded")}, {"init", "eeve"},
              {"out", str("resized")}},
             {"resized"});
    BOTH_WAYS("eval",
             {"eval", "--model", path("resized"), "--requests", path("boolq.jsonl"),
              "--held-out", path("shards/ko_heldout"), "--seq-len", "128"},
             {{"model", str("resized")}, {"requests", {str("boolq.jsonl")}},
              {"held_out", {str("shards/ko_heldout")}}, {"seq_len", 128}});
    BOTH_WAYS("model.generate",
             {"model", "generate", "--model", path("resized"), "--prompt", "영화 정말",
              "--greedy", "--max-new-tokens", "12"},
             {{"model", str("resized")}, {"prompt", "영화 정말"}, {"greedy", true},
              {"max_new_tokens", 12}});
  }

  void everyJobWasCompared() {
    QStringList sorted = ran_, all = kJobs;
    sorted.sort();
    all.sort();
    QCOMPARE(sorted, all);
  }
};

QTEST_GUILESS_MAIN(TestCliJobRun)
#include "test_cli_job_run.moc"

// ctest-labels: unit data
// glossa-cli end to end: the documented command forms run the real executable on NSMC, their
// --json results hold what the engine computed (checked against Python sentencepiece), and bad
// usage, bad input and Ctrl-C give the documented exit status and messages.
#include <signal.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

using glossa::test::ProcessResult;
using nlohmann::json;

namespace {

ProcessResult cli(const QStringList& args) {
  return glossa::test::run(glossa::test::program("glossa-cli"), args);
}

// Runs glossa-cli with --json and returns the parsed stdout; fails the test on a non-zero exit.
json cliJson(QStringList args) {
  args << "--json"
       << "--quiet";
  const ProcessResult r = cli(args);
  if (r.exit_code != 0)
    qWarning("glossa-cli %s failed (%d): %s", qPrintable(args.join(' ')), r.exit_code,
             r.err.constData());
  if (r.exit_code != 0) return json();
  return json::parse(r.out.toStdString());
}

// Declares `var` = cliJson(args...) and fails the test (instead of throwing later) when the
// command did not succeed.
#define CLI_JSON(var, ...)               \
  const json var = cliJson(__VA_ARGS__); \
  QVERIFY2(!var.is_null(), #var ": glossa-cli failed (see the warning above)")

json pythonJson(const QString& py, const QStringList& args) {
  const ProcessResult r =
      glossa::test::run(py, QStringList{glossa::test::pythonScript("cli_reference.py")} + args);
  if (r.exit_code != 0) qWarning("python failed: %s", r.err.constData());
  return r.exit_code == 0 ? json::parse(r.out.toStdString()) : json();
}

// The first `reviews` lines of NSMC (header kept) plus one review with invalid UTF-8.
void writeSample(const QString& nsmc, const QString& out, int reviews) {
  QFile in(nsmc), file(out);
  QVERIFY(in.open(QIODevice::ReadOnly) && file.open(QIODevice::WriteOnly));
  for (int i = 0; i <= reviews && !in.atEnd(); ++i) file.write(in.readLine());
  file.write("1\t2\t3\t4\tbroken \xC3( review\n");
}

// The bytes of `path` (empty when it cannot be read).
QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Writes `bytes` to `path`; returns the path.
QString writeBytes(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  if (f.open(QIODevice::WriteOnly)) f.write(bytes);
  return path;
}

// 64 KiB of pseudo-random bytes (fixed seed): what a user gets from a binary file or a wrong path.
QByteArray randomBytes() {
  QByteArray b(65536, 0);
  uint32_t x = 2463534242u;
  for (char& c : b) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = char(x & 0xFF);
  }
  return b;
}

// True when `text` is valid UTF-8 without control characters other than newline and tab: what an
// error message may print, whatever the input file held.
bool printable(const QByteArray& text) {
  if (QString::fromUtf8(text).toUtf8() != text) return false;
  for (const char c : text)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7F) return false;
  return true;
}

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString sample_, llama_;
  QString path(const QString& name) const { return dir_.filePath(name); }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(QFile::exists(glossa::test::program("glossa-cli")));
    const QString nsmc = glossa::test::sharedFile("korean/nsmc_reviews.tsv");
    llama_ = glossa::test::sharedFile("tokenizers/llama2/tokenizer.model");
    if (nsmc.isEmpty() || llama_.isEmpty()) return;  // data tests skip one by one
    sample_ = path("nsmc.tsv");
    writeSample(nsmc, sample_, 6000);
  }

  void everySubcommandHasHelp() {
    const QList<QStringList> forms = {
        {"corpus", "stats"}, {"corpus", "clean"}, {"tokenizer", "train"}, {"tokenizer", "analyze"},
        {"vocab", "count"},  {"vocab", "expand"}, {"vocab", "merge"},     {"pack"}};
    for (QStringList form : forms) {
      const ProcessResult r = cli(form << "--help");
      QCOMPARE(r.exit_code, 0);
      QVERIFY2(r.out.contains("--json") && r.out.contains("Usage:"), r.out.constData());
    }
  }

  void badUsageExitsTwo() {
    QCOMPARE(cli({}).exit_code, 2);
    QCOMPARE(cli({"vocab", "frobnicate"}).exit_code, 2);
    const ProcessResult missing = cli({"corpus", "stats", path("no-such-file.txt")});
    QCOMPARE(missing.exit_code, 2);
    QVERIFY(missing.err.contains("no-such-file.txt"));
    QCOMPARE(cli({"tokenizer", "train", "--input", path("x"), "--out", "p"}).exit_code, 2);
    // Out of range: the flag, the value and the valid range in words (no 309-digit bound).
    const QString existing = glossa::test::program("glossa-cli");
    const ProcessResult negative =
        cli({"corpus", "clean", existing, "--out", path("c.jsonl"), "--min-chars", "-5"});
    QCOMPARE(negative.exit_code, 2);
    QVERIFY2(negative.err.contains("--min-chars: -5 is out of range: it must be at least 0") &&
                 negative.err.size() < 200,
             negative.err.constData());
    const ProcessResult threads = cli({"pack", "--tokenizer", existing, "--input", existing,
                                       "--out", path("p"), "--threads", "100000"});
    QCOMPARE(threads.exit_code, 2);
    QVERIFY2(threads.err.contains("between 0 and 256"), threads.err.constData());
  }

  void corruptModelNamesTheFile() {
    QFile text(path("not-a-model.model"));
    QVERIFY(text.open(QIODevice::WriteOnly));
    text.write("this is plain text, not a ModelProto\n");
    text.close();
    const ProcessResult r = cli({"vocab", "merge", "--base", text.fileName(), "--add",
                                 text.fileName(), "--out", path("m.model")});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("not-a-model.model"), r.err.constData());
    QVERIFY(!QFile::exists(path("m.model")));
  }

  void statsReportCountsAndInvalidUtf8() {
    if (sample_.isEmpty()) GLOSSA_MISSING("shared data (NSMC, Llama 2 tokenizer) not found");
    CLI_JSON(stats, {"corpus", "stats", sample_, "--column", "review"});
    QCOMPARE(stats.size(), size_t(1));
    QCOMPARE(stats[0]["documents"].get<int>(), 6001);
    QVERIFY(stats[0]["char_shares"]["hangul"].get<double>() > 0.5);
    QCOMPARE(stats[0]["read"]["invalid_utf8"].get<int>(), 1);
    QCOMPARE(stats[0]["read"]["first_invalid_utf8"][0]["line"].get<int>(), 6002);
    // A second run with a project database answers from it.
    const QString db = path("project.sqlite");
    CLI_JSON(first, {"corpus", "stats", sample_, "--column", "review", "--project", db});
    CLI_JSON(second, {"corpus", "stats", sample_, "--column", "review", "--project", db});
    QCOMPARE(first[0]["from_cache"].get<bool>(), false);
    QCOMPARE(second[0]["from_cache"].get<bool>(), true);
    QVERIFY(first[0]["chars"] == second[0]["chars"]);
  }

  void cleanTrainAnalyze() {
    if (sample_.isEmpty()) GLOSSA_MISSING("shared data (NSMC, Llama 2 tokenizer) not found");
    CLI_JSON(clean, {"corpus", "clean", sample_, "--column", "review", "--out",
                     path("clean/ko.jsonl"), "--min-chars", "5"});
    QCOMPARE(clean["documents_in"].get<int>(), 6001);
    uint64_t removed = 0;
    for (const json& f : clean["filters"]) removed += f["documents"].get<uint64_t>();
    QCOMPARE(clean["documents_kept"].get<uint64_t>() + removed, uint64_t(6001));
    QVERIFY(QFile::exists(path("clean/ko.report.json")));

    CLI_JSON(train, {"tokenizer", "train", "--input", path("clean/ko.jsonl"), "--vocab-size",
                     "3000", "--model-type", "bpe", "--out", path("tok/ko"), "--byte-fallback"});
    QCOMPARE(train["vocab_size"].get<int>(), 3000);
    QVERIFY(QFile::exists(path("tok/ko.model")) && QFile::exists(path("tok/ko.vocab")));

    CLI_JSON(analysis, {"tokenizer", "analyze", "--tokenizer", llama_, "--tokenizer",
                        path("tok/ko.model"), "--input", path("clean/ko.jsonl")});
    const json& t = analysis["tokenizers"];
    QCOMPARE(t.size(), size_t(2));
    // Llama 2 splits Hangul into bytes; a Korean tokenizer needs far fewer tokens.
    QVERIFY(t[0]["fertility"].get<double>() > 2 * t[1]["fertility"].get<double>());
    QVERIFY(t[1]["length_ratio"].get<double>() < 0.7);
  }

  void mergeCountAndPackMatchPython() {
    GLOSSA_REQUIRE_PYTHON(py);
    // Independent of the order test functions run in: makes cleanTrainAnalyze's outputs if needed.
    if (!QFile::exists(path("tok/ko.model"))) cleanTrainAnalyze();
    if (QTest::currentTestFailed()) return;
    CLI_JSON(merge, {"vocab", "merge", "--base", llama_, "--add", path("tok/ko.model"), "--out",
                     path("merged/m.model")});
    QCOMPARE(merge["base_size"].get<int>(), 32000);
    const int merged = merge["merged_size"].get<int>();
    QVERIFY(merged > 32500);
    const json pieces = pythonJson(py, {"pieces", path("merged/m.model")});
    QVERIFY(!pieces.is_null());
    QCOMPARE(pieces["size"].get<int>(), merged);

    const QString jsonl = path("clean/ko.jsonl");
    CLI_JSON(counts, {"vocab", "count", "--tokenizer", path("merged/m.model"), "--input", jsonl,
                      "--threads", "2"});
    const json reference = pythonJson(py, {"count", path("merged/m.model"), jsonl});
    QCOMPARE(counts["counts"].size(), size_t(merged));
    QCOMPARE(counts["tokens"].get<uint64_t>(), reference["tokens"].get<uint64_t>());
    QVERIFY(counts["counts"] == reference["counts"]);

    CLI_JSON(pack, {"pack", "--tokenizer", path("merged/m.model"), "--input", jsonl, "--out",
                    path("shards/ko"), "--heldout", "0.1"});
    const uint64_t docs = reference["documents"].get<uint64_t>();
    const uint64_t packed = pack["train"]["documents"].get<uint64_t>() +
                            pack["heldout"]["documents"].get<uint64_t>() +
                            pack["dropped"]["documents"].get<uint64_t>();
    QCOMPARE(packed, docs);
    QVERIFY(pack["heldout"]["documents"].get<uint64_t>() > 0);
    // Every kept document is its tokens plus one EOS.
    QCOMPARE(
        pack["train"]["tokens"].get<uint64_t>() + pack["heldout"]["tokens"].get<uint64_t>(),
        reference["tokens"].get<uint64_t>() + docs - pack["dropped"]["documents"].get<uint64_t>());
    QVERIFY(QFile::exists(path("shards/ko.bin")) && QFile::exists(path("shards/ko.manifest.json")));
  }

  void expandWritesFolderAndDecisions() {
    GLOSSA_REQUIRE_PYTHON(py);
    // Independent of the order test functions run in: makes cleanTrainAnalyze's outputs if needed.
    if (!QFile::exists(path("tok/ko.model"))) cleanTrainAnalyze();
    if (QTest::currentTestFailed()) return;
    CLI_JSON(report, {"vocab", "expand", "--base", llama_, "--intermediate", path("tok/ko.model"),
                      "--corpus", path("clean/ko.jsonl"), "--min-freq", "30", "--script", "hangul",
                      "--char-min-freq", "5", "--threads", "2", "--out", path("expanded")});
    QCOMPARE(report["converged"].get<bool>(), true);
    const int size = report["final"]["size"].get<int>();
    QVERIFY(size > 32000 && size < 32000 + 3000);
    for (const char* file : {"tokenizer.model", "new_token_map.jsonl", "expansion_report.json",
                             "token_counts.tsv", "glossa-project.sqlite"})
      QVERIFY2(QFile::exists(path("expanded/") + file), file);
    const json pieces = pythonJson(py, {"pieces", path("expanded/tokenizer.model")});
    QCOMPARE(pieces["size"].get<int>(), size);
    // The kept pieces all pass the frequency rule: recount with the final model.
    CLI_JSON(counts, {"vocab", "count", "--tokenizer", path("expanded/tokenizer.model"), "--input",
                      path("clean/ko.jsonl")});
    for (int id = 32000; id < size; ++id) {
      const bool single_char = pieces["pieces"][id][0].get<std::string>().size() <= 3;
      QVERIFY2(single_char || counts["counts"][id].get<uint64_t>() >= 30,
               pieces["pieces"][id][0].get<std::string>().c_str());
    }
  }

  void garbageAndEmptyInputsFailClearlyAndLeaveNothing() {
    const QString tok = path("tiny.model");
    if (sample_.isEmpty()) GLOSSA_MISSING("shared data (NSMC, Llama 2 tokenizer) not found");
    QFile::copy(llama_, tok);
    const QString random = writeBytes(path("random.bin"), randomBytes());
    const QString empty = writeBytes(path("empty.txt"), "");
    const QString blank = writeBytes(path("blank.txt"), "  \n\n \t \n");
    struct Case { QStringList args; QString out; };
    for (const QString& input : {random, empty, blank}) {
      const QList<Case> cases = {
          {{"corpus", "clean", input, "--out", path("c.jsonl")}, path("c.jsonl")},
          {{"tokenizer", "train", "--input", input, "--vocab-size", "300", "--out", path("t")},
           path("t.model")},
          {{"vocab", "count", "--tokenizer", tok, "--input", input, "--tsv", path("n.tsv")},
           path("n.tsv")},
          {{"pack", "--tokenizer", tok, "--input", input, "--out", path("p")}, path("p.bin")},
          {{"tokenizer", "analyze", "--tokenizer", tok, "--input", input}, QString()},
      };
      for (const Case& c : cases) {
        const ProcessResult r = cli(c.args);
        const QByteArray what = input == random ? "is invalid UTF-8" : "no text";
        QVERIFY2(r.exit_code == 1 && r.err.contains(what) && !r.err.contains("signal"),
                 qPrintable(c.args.join(' ') + " -> " + QString::number(r.exit_code) + ": " +
                            r.err));
        QVERIFY2(c.out.isEmpty() || !QFile::exists(c.out), qPrintable(c.out + " left behind"));
        QVERIFY2(printable(r.err), r.err.toHex().constData());
      }
    }
    // A binary file read as a table: the "header" it finds is quoted with its bytes escaped.
    const QString random_tsv = writeBytes(path("random.tsv"), randomBytes());
    GLOSSA_REQUIRE_SHARED(boolq, "kobest/BoolQ/dev.tsv");
    for (const QStringList& args :
         {QStringList{"corpus", "stats", random_tsv, "--column", "review"},
          QStringList{"bench", "prepare", "--task", "kobest_boolq", "--data", random_tsv,
                      "--tokenizer", tok, "--out", path("req.jsonl")}}) {
      const ProcessResult r = cli(args);
      QVERIFY2(r.exit_code == 1 && r.err.contains("no column") && r.err.contains("\\x"),
               r.err.toHex().constData());
      QVERIFY2(printable(r.err), r.err.toHex().constData());
    }
    // An output prefix that is a folder would write hidden files (dir/.model): refused.
    QDir().mkpath(path("tokdir"));
    for (const QString& out : {path("tokdir") + "/", path("tokdir")}) {
      const ProcessResult r = cli({"tokenizer", "train", "--input", sample_, "--column", "review",
                                   "--vocab-size", "300", "--out", out});
      QVERIFY2(r.exit_code == 1 && r.err.contains("is a folder, but it is a prefix"),
               r.err.constData());
      QVERIFY(!QFile::exists(path("tokdir/.model")));
    }
    // An output that is an input is refused before the input is touched.
    const QByteArray before = readAll(sample_);
    const ProcessResult self = cli({"corpus", "clean", sample_, "--column", "review", "--out",
                                    sample_});
    QVERIFY2(self.exit_code == 1 && self.err.contains("is also an input of this job"),
             self.err.constData());
    const QString prefix = sample_.left(sample_.lastIndexOf('.'));
    writeBytes(prefix + ".bin", "shard input");
    const ProcessResult pack = cli({"pack", "--tokenizer", tok, "--input", prefix + ".bin",
                                    "--max-invalid-utf8", "1", "--out", prefix});
    QVERIFY2(pack.exit_code == 1 && pack.err.contains("is also an input"), pack.err.constData());
    QCOMPARE(readAll(sample_), before);
    // Statistics report it; the limit can be raised; a little invalid UTF-8 is read and reported.
    CLI_JSON(stats, {"corpus", "stats", random});
    QVERIFY(stats[0]["read"]["invalid_utf8"].get<int>() > 1000);
    CLI_JSON(raised, {"vocab", "count", "--tokenizer", tok, "--input", random,
                      "--max-invalid-utf8", "1"});
    QVERIFY(raised["read"]["invalid_utf8"].get<int>() > 1000);
    const ProcessResult some = cli({"vocab", "count", "--tokenizer", tok, "--input", sample_,
                                    "--column", "review"});
    QCOMPARE(some.exit_code, 0);
    QVERIFY2(some.err.contains("1 invalid UTF-8 sequences were read as U+FFFD; the first at line "
                               "6002"),
             some.err.constData());
  }

  // A job's outputs appear together or not at all: when the last of them cannot be written (a
  // folder stands where it goes), nothing of the job is left (issue 17).
  void outputsAppearTogetherOrNotAtAll() {
    if (sample_.isEmpty()) GLOSSA_MISSING("shared data (NSMC, Llama 2 tokenizer) not found");
    GLOSSA_REQUIRE_SHARED(chinese, "tokenizers/chinese_llama/chinese_sp.model");
    GLOSSA_REQUIRE_SHARED(boolq, "kobest/BoolQ/dev.tsv");
    GLOSSA_REQUIRE_SHARED(stories, "models/stories260K/stories260K.bin");
    const QString blocked = path("blocked");
    QDir().mkpath(blocked + "/c.report.json");
    QDir().mkpath(blocked + "/t.vocab");
    QDir().mkpath(blocked + "/hf/tokenizer_config.json");
    QDir().mkpath(blocked + "/dump.jsonl");
    QDir().mkpath(blocked + "/ex/token_counts.tsv");
    struct Case { QStringList args; QStringList absent; };
    const QList<Case> cases = {
        {{"corpus", "clean", sample_, "--column", "review", "--out", blocked + "/c.jsonl"},
         {blocked + "/c.jsonl"}},
        {{"tokenizer", "train", "--input", sample_, "--column", "review", "--vocab-size", "2000",
          "--out", blocked + "/t"},
         {blocked + "/t.model"}},
        {{"vocab", "merge", "--base", llama_, "--add", chinese, "--out", blocked + "/m.model",
          "--hf-dir", blocked + "/hf"},
         {blocked + "/m.model", blocked + "/hf/tokenizer.model"}},
        {{"bench", "prepare", "--task", "kobest_boolq", "--data", boolq, "--tokenizer", llama_,
          "--limit", "5", "--out", blocked + "/req.jsonl", "--dump-requests",
          blocked + "/dump.jsonl"},
         {blocked + "/req.jsonl"}},
        {{"vocab", "expand", "--base", llama_, "--intermediate", chinese, "--corpus", sample_,
          "--column", "review", "--min-freq", "1000", "--out", blocked + "/ex"},
         {blocked + "/ex/tokenizer.model", blocked + "/ex/expansion_report.json",
          blocked + "/ex/glossa-project.sqlite"}},
    };
    for (const Case& c : cases) {
      const ProcessResult r = cli(c.args);
      QVERIFY2(r.exit_code == 1 && r.err.contains("is a folder"),
               qPrintable(c.args.join(' ') + " -> " + QString::number(r.exit_code) + ": " + r.err));
      for (const QString& file : c.absent)
        QVERIFY2(!QFile::exists(file), qPrintable(file + " left behind: " + c.args.join(' ')));
    }
    // A tokenizer whose size does not match the model is found after the weights are written:
    // the folder does not appear at all.
    const ProcessResult import = cli({"model", "import", "--llama2c", stories, "--tokenizer",
                                      llama_, "--out", path("imported")});
    QVERIFY2(import.exit_code == 1 && import.err.contains("has 32000 pieces but the model"),
             import.err.constData());
    QVERIFY(!QDir(path("imported")).exists());
    QCOMPARE(QDir(dir_.path()).entryList(QStringList{".imported*"}, QDir::AllEntries | QDir::Hidden),
             QStringList{});
  }

  void ctrlCCancelsWithoutOutput() {
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    QProcess process;
    const QString out = path("cancelled.jsonl");
    process.start(glossa::test::program("glossa-cli"),
                  {"corpus", "clean", nsmc, "--column", "review", "--out", out});
    QVERIFY(process.waitForStarted());
    process.setReadChannel(QProcess::StandardError);
    QVERIFY(process.waitForReadyRead(60000));  // the first progress line: the job is running
    ::kill(static_cast<pid_t>(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(60000));
    QCOMPARE(process.exitCode(), 130);
    QVERIFY(process.readAllStandardError().contains("cancelled"));  // rest of stderr
    QVERIFY(!QFile::exists(out));
    QVERIFY(!QFile::exists(path("cancelled.report.json")));
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"

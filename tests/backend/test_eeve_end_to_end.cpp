// ctest-labels: data
// Issue 8 §9, end to end on CPU as a user would do it with the real executables: stories260K
// (llama2.c) imported with untied embeddings; its tok512 tokenizer extended with Korean pieces
// from NSMC by the EEVE procedure; Korean and English shards packed; EEVE's seven stages (the
// preset, budgets cut to a few steps) trained by glossa-train with Korean and English held-out
// evaluation; then checked: metrics and evaluation rows in metrics.sqlite, Korean held-out loss
// falling, English held-out recorded (forgetting), frozen parts bit-identical per stage (an
// independent Python check of the stage-end checkpoints), and the export reloading in
// transformers with the same greedy continuation as Glossa's.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "tokenizer/sqlite_db.h"

using nlohmann::json;
using glossa::test::run;

namespace {

constexpr int kStepsPerStage = 3;

QString bin(const QString& name) { return glossa::test::program(name); }

// Runs a program; fails the test with its stderr when it does not exit 0.
#define RUN_OK(result_var, program, ...)                                                   \
  const glossa::test::ProcessResult result_var = run(program, __VA_ARGS__);               \
  QVERIFY2(result_var.finished && result_var.exit_code == 0,                              \
           qPrintable(QString(program) + ": " + QString::fromUtf8(result_var.err.right(2000))))

// The review column of the first `n` NSMC rows, one per line.
void write_reviews(const QString& tsv, const QString& out, int n) {
  QFile in(tsv);
  QVERIFY(in.open(QIODevice::ReadOnly));
  QFile o(out);
  QVERIFY(o.open(QIODevice::WriteOnly));
  const QList<QByteArray> header = in.readLine().trimmed().split('\t');
  const int column = header.indexOf("review");
  QVERIFY(column >= 0);
  for (int i = 0; i < n && !in.atEnd(); ++i) {
    const QList<QByteArray> fields = in.readLine().trimmed().split('\t');
    if (fields.size() > column && !fields[column].isEmpty()) o.write(fields[column] + "\n");
  }
}

// metrics.sqlite value of a single-number query (-1 when it gives no row).
double scalar(glossa::SqliteDb& db, const char* sql) {
  glossa::SqliteStatement q(db, sql);
  return q.step() ? q.column_double(0) : -1;
}

}  // namespace

class TestEeveEndToEnd : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void eeveSevenStagesOnStories260K() {
    GLOSSA_REQUIRE_SHARED(model_bin, "models/stories260K/stories260K.bin");
    GLOSSA_REQUIRE_SHARED(tok_bin, "models/stories260K/tok512.bin");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_SHARED(english, "english/tinystories_sample.txt");
    GLOSSA_REQUIRE_PYTHON(py);
    if (!QFile::exists(bin("glossa-train"))) QSKIP("glossa-train was not built");
    QTemporaryDir dir;
    const QString d = dir.path();
    const QString cli = bin("glossa-cli");

    // 1. Base model and tokenizer as an HF folder; EEVE trains input and output rows apart.
    RUN_OK(imp, cli, {"model", "import", "--llama2c", model_bin, "--tokenizer", tok_bin, "--out",
                      d + "/base", "--untie-embeddings", "-q"});
    // 2. Korean: an intermediate BPE on NSMC, then the EEVE expansion of tok512 with it.
    write_reviews(nsmc, d + "/ko.txt", 6000);
    RUN_OK(train, cli, {"tokenizer", "train", "--input", d + "/ko.txt", "--vocab-size", "1200",
                        "--character-coverage", "0.98", "--out", d + "/ko", "-q"});
    RUN_OK(expand, cli, {"vocab", "expand", "--base", d + "/base/tokenizer.model",
                         "--intermediate", d + "/ko.model", "--corpus", d + "/ko.txt",
                         "--min-freq", "40", "--script", "hangul", "--char-min-freq", "40",
                         "--threads", "2", "--out", d + "/merged", "--json", "-q"});
    const json expanded = json::parse(expand.out.toStdString());
    const int64_t merged_size = expanded.at("final").at("size").get<int64_t>();
    QVERIFY2(merged_size > 512 + 50, expand.out.constData());  // Korean pieces were added
    // 3. Shards: Korean train + held-out, English (replay and held-out) with the merged tokenizer.
    RUN_OK(pk, cli, {"pack", "--tokenizer", d + "/merged/tokenizer.model", "--input",
                     d + "/ko.txt", "--out", d + "/shards/ko", "--heldout", "0.05", "-q"});
    RUN_OK(pe, cli, {"pack", "--tokenizer", d + "/merged/tokenizer.model", "--input", english,
                     "--out", d + "/shards/en", "--heldout", "0.3", "-q"});

    // 4. RUN.json: the EEVE preset with tiny budgets.
    std::ifstream preset_file(QFINDTESTDATA("../../resources/presets/eeve.json").toStdString());
    json schedule = json::parse(preset_file);
    for (json& s : schedule["stages"]) {
      s["budget_steps"] = kStepsPerStage;
      s["seq_len"] = 128, s["micro_batch"] = 4, s["grad_accum"] = 1, s["warmup_steps"] = 1;
      s["peak_lr"] = 5e-3, s["eval_every_steps"] = 0;
    }
    const std::string run_dir = (d + "/run").toStdString();
    const json config = {
        {"run_dir", run_dir},
        {"model", {{"path", (d + "/base").toStdString()}}},
        {"tokenizer", {{"path", (d + "/merged").toStdString()}}},
        {"new_token_map", (d + "/merged/new_token_map.jsonl").toStdString()},
        {"schedule", schedule},
        {"data",
         {{"sources",
           {{{"name", "korean"}, {"prefix", (d + "/shards/ko").toStdString()}, {"weight", 0.9}},
            {{"name", "english"}, {"prefix", (d + "/shards/en").toStdString()}, {"weight", 0.1}}}},
          {"seq_len", 128},
          {"seed", 11},
          {"oversample_new_tokens", {{"min_id", 512}, {"factor", 2.0}}}}},
        {"heldout",
         {{{"name", "korean_heldout"}, {"prefix", (d + "/shards/ko_heldout").toStdString()}},
          {{"name", "english_heldout"}, {"prefix", (d + "/shards/en_heldout").toStdString()}}}},
        {"eval", {{"seq_len", 128}, {"max_tokens", 4096}}},
        {"keep_checkpoints", 10},
        {"seed", 5},
        {"threads", 2}};
    std::ofstream(d.toStdString() + "/RUN.json") << config.dump(2);
    std::ofstream(d.toStdString() + "/schedule.json") << schedule.dump(2);

    // 5. Train (verify_frozen is on: a moved frozen tensor would fail the run itself).
    RUN_OK(tr, bin("glossa-train"), {d + "/RUN.json"});
    QVERIFY(tr.out.contains("stage 7 '7 internal layers (cool down)' done"));

    // 6. Metrics: 21 steps over 7 stages, an evaluation of both sets at every stage end.
    glossa::SqliteDb db(run_dir + "/metrics.sqlite");
    QCOMPARE(scalar(db, "SELECT COUNT(*) FROM steps"), 7.0 * kStepsPerStage);
    QCOMPARE(scalar(db, "SELECT COUNT(DISTINCT stage) FROM steps"), 7.0);
    QCOMPARE(scalar(db, "SELECT COUNT(*) FROM evals WHERE set_or_task = 'english_heldout' AND "
                        "metric = 'bits_per_byte'"),
             7.0);
    const double ko_first = scalar(db, "SELECT value FROM evals WHERE set_or_task = "
                                       "'korean_heldout' AND metric = 'loss' ORDER BY step LIMIT 1");
    const double ko_last = scalar(db, "SELECT value FROM evals WHERE set_or_task = "
                                      "'korean_heldout' AND metric = 'loss' ORDER BY step DESC "
                                      "LIMIT 1");
    const double train_first = scalar(db, "SELECT loss FROM steps ORDER BY step LIMIT 1");
    const double train_last = scalar(db, "SELECT AVG(loss) FROM (SELECT loss FROM steps ORDER BY "
                                         "step DESC LIMIT 3)");
    qInfo("Korean held-out loss %.4f -> %.4f; training loss %.4f -> %.4f (last 3 steps)",
          ko_first, ko_last, train_first, train_last);
    QVERIFY(ko_last < ko_first);
    QVERIFY(train_last < train_first);

    // 7. Independent frozen-part check and the export in transformers.
    const auto check = run(py, {glossa::test::pythonScript("eeve_run_check.py"),
                                QString::fromStdString(run_dir), d + "/base", "512",
                                d + "/schedule.json", QString::number(kStepsPerStage)});
    QVERIFY2(check.exit_code == 0, qPrintable(check.out + check.err.right(3000)));
    const json report = json::parse(check.out.toStdString());
    QCOMPARE(report.at("vocab_size").get<int64_t>(), merged_size);
    const std::vector<int> prompt = report.at("prompt_ids").get<std::vector<int>>();
    // Glossa's greedy continuation of the same text (BOS + the encoded prompt, like the script).
    RUN_OK(gen, cli, {"model", "generate", "--model", QString::fromStdString(run_dir) + "/export",
                      "--prompt", QString::fromUtf8("영화 정말 재미있"), "--greedy",
                      "--max-new-tokens", "12", "--json", "-q"});
    const json generated = json::parse(gen.out.toStdString());
    QCOMPARE(generated.at("prompt_ids").get<std::vector<int>>(), prompt);
    QCOMPARE(generated.at("ids").get<std::vector<int>>(),
             report.at("generated_ids").get<std::vector<int>>());
  }
};

QTEST_GUILESS_MAIN(TestEeveEndToEnd)
#include "test_eeve_end_to_end.moc"

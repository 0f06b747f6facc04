// ctest-labels: unit data
// Benchmark requests: context / continuation strings and token ids exactly as
// lm-evaluation-harness builds them, checked against an independent Python re-implementation
// (tests/python/harness_reference.py) on every document of the shared dev splits.
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "support/test_support.h"
#include "tokenizer/prepare/benchmark_requests.h"
#include "tokenizer/spm/sp_processor.h"

using glossa::BenchmarkRequest;

namespace {
const char* kLlama2 = "tokenizers/llama2/tokenizer.model";

std::vector<int> concat(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
}  // namespace

class TestBenchmarkRequests : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void trailingSpaceOfTheContextMovesOntoTheContinuation() {
    GLOSSA_REQUIRE_SHARED(model, kLlama2);
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    BenchmarkRequest r;
    r.context = "Paris is the capital of France. Answer: ";
    r.continuation = " yes";
    glossa::encode_request(*sp, true, 1, &r);
    QCOMPARE(r.context, std::string("Paris is the capital of France. Answer:"));
    QCOMPARE(r.continuation, std::string("  yes"));
    QCOMPARE(r.context_ids, concat({1}, sp->encode(r.context)));
    // whole = BOS + enc(context + continuation); the continuation is its tail
    const auto whole = concat({1}, sp->encode(r.context + r.continuation));
    QCOMPARE(concat(r.context_ids, r.continuation_ids), whole);
    QVERIFY(!r.continuation_ids.empty());

    BenchmarkRequest no_bos{"Frage: ", " ja", {}, {}};
    glossa::encode_request(*sp, false, 1, &no_bos);
    QCOMPARE(no_bos.context_ids, sp->encode("Frage:"));
  }

  void emptyContextIsOnlyTheBosAndTheWholeChoiceIsScored() {
    GLOSSA_REQUIRE_SHARED(model, kLlama2);
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    for (const bool bos : {true, false}) {  // the harness needs a token to condition on
      BenchmarkRequest r{"", " Er kam, richtig? Ja, er kam.", {}, {}};
      glossa::encode_request(*sp, bos, 1, &r);
      QCOMPARE(r.context_ids, std::vector<int>{1});
      QCOMPARE(r.continuation_ids, sp->encode(" Er kam, richtig? Ja, er kam."));
    }
  }

  void everyDevDocumentMatchesThePythonHarnessReference_data() {
    QTest::addColumn<QString>("task");
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("bos");
    QTest::newRow("boolq") << "kobest_boolq"
                           << "kobest/BoolQ/dev.tsv" << true;
    QTest::newRow("copa") << "kobest_copa"
                          << "kobest/COPA/dev.tsv" << true;
    QTest::newRow("hellaswag") << "kobest_hellaswag"
                               << "kobest/HellaSwag/dev.tsv" << true;
    QTest::newRow("sentineg") << "kobest_sentineg"
                              << "kobest/SentiNeg/dev.tsv" << true;
    QTest::newRow("wic") << "kobest_wic"
                         << "kobest/WiC/dev.tsv" << true;
    QTest::newRow("wic no bos") << "kobest_wic"
                                << "kobest/WiC/dev.tsv" << false;
    QTest::newRow("xnli_de") << "xnli_de"
                             << "german/xnli_de/dev.txt" << true;
    QTest::newRow("paws_de") << "paws_de"
                             << "german/pawsx_de/dev.tsv" << true;
  }
  void everyDevDocumentMatchesThePythonHarnessReference() {
    QFETCH(QString, task);
    QFETCH(QString, file);
    QFETCH(bool, bos);
    GLOSSA_REQUIRE_PYTHON(py);
    GLOSSA_REQUIRE_SHARED(model, kLlama2);
    GLOSSA_REQUIRE_SHARED(data, file);
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    glossa::PrepareOptions options;
    options.bos = bos;
    const auto prepared = glossa::prepare_benchmark(
        glossa::BenchmarkTask::builtin(task.toStdString()), data.toStdString(), *sp, options, {});
    QTemporaryDir dir;
    const QString dump = dir.filePath("dump.jsonl");
    glossa::write_request_dump(prepared, dump.toStdString());
    QStringList args = {
        glossa::test::pythonScript("harness_reference.py"), "compare", task, data, model, dump};
    if (!bos) args << "--no-bos";
    const auto r = glossa::test::run(py, args);
    QVERIFY2(r.finished && r.exit_code == 0, r.err.constData());
    const QVariantMap ref = QJsonDocument::fromJson(r.out).toVariant().toMap();
    QVERIFY2(ref.value("mismatches").toInt() == 0, r.out.constData());
    QCOMPARE(ref.value("documents").toLongLong(), int64_t(prepared.docs.size()));
    QCOMPARE(ref.value("requests").toLongLong(), prepared.request_count());
    QCOMPARE(ref.value("dropped").toLongLong(), int64_t(prepared.dropped_lines.size()));
  }

  void requestFileHeaderRecordsTaskBosTokenizerAndCounts() {
    GLOSSA_REQUIRE_SHARED(model, kLlama2);
    GLOSSA_REQUIRE_SHARED(data, "kobest/HellaSwag/dev.tsv");
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    glossa::PrepareOptions options;
    options.limit = 3;
    const auto prepared = glossa::prepare_benchmark(
        glossa::BenchmarkTask::builtin("kobest_hellaswag"), data.toStdString(), *sp, options, {});
    QTemporaryDir dir;
    const std::string path = dir.filePath("r.jsonl").toStdString();
    glossa::write_request_file(prepared, path);
    std::ifstream in(path);
    std::string line;
    std::vector<nlohmann::json> lines;
    while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
    QCOMPARE(int(lines.size()), 4);
    const auto& h = lines[0];
    QCOMPARE(h["format"].get<std::string>(), std::string("glossa-benchmark-requests"));
    QCOMPARE(h["task"].get<std::string>(), std::string("kobest_hellaswag"));
    QCOMPARE(h["bos"].get<bool>(), true);
    QCOMPARE(h["tokenizer_fingerprint"].get<std::string>(), sp->model().fingerprint());
    QCOMPARE(h["documents"].get<int>(), 3);
    QCOMPARE(h["requests"].get<int>(), 12);
    QCOMPARE(lines[1]["requests"].size(), size_t(4));
    QCOMPARE(lines[1]["choice_chars"].size(), size_t(4));
    QCOMPARE(lines[1]["gold"].get<int>(), prepared.docs[0].gold);
  }
};

QTEST_GUILESS_MAIN(TestBenchmarkRequests)
#include "test_benchmark_requests.moc"

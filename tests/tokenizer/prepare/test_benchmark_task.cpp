// ctest-labels: unit data
// BenchmarkTask: task definitions as JSON, the split reader (CSV quoting, columns by header,
// dropped empty rows, value maps) and the harness's preprocessing (paws_clean, Python strip).
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "support/test_support.h"
#include "tokenizer/prepare/benchmark_task.h"
#include "base/error.h"

using glossa::BenchmarkTask;

namespace {
std::string write(const QTemporaryDir& dir, const char* name, const std::string& text) {
  const std::string path = dir.filePath(name).toStdString();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

using glossa::test::error_of;

BenchmarkTask boolq_like() {
  return BenchmarkTask::from_json(nlohmann::json::parse(R"({"name": "t", "quoting": "csv",
    "na_values": "pandas", "drop_empty": "any_column",
    "fields": {"paragraph": "Text", "question": "Question", "label": "Answer"},
    "value_maps": {"label": {"True": "1", "TRUE": "1", "False": "0"}},
    "context": "{paragraph} 질문: {question} 답변: ", "choices": ["아니오", "예"],
    "metrics": ["acc", "f1"]})"),
                                  "test");
}
}  // namespace

class TestBenchmarkTask : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void everyBuiltinTaskLoadsWithItsHarnessMetrics() {
    const auto names = BenchmarkTask::builtin_names();
    QCOMPARE(int(names.size()), 7);
    for (const auto& n : names) QCOMPARE(BenchmarkTask::builtin(n).name, n);
    const BenchmarkTask hs = BenchmarkTask::builtin("kobest_hellaswag");
    QCOMPARE(hs.metrics, (std::vector<std::string>{"acc", "acc_norm", "f1"}));
    QCOMPARE(BenchmarkTask::builtin("paws_de").target_delimiter, std::string(""));
    QCOMPARE(BenchmarkTask::builtin("xnli_de").context, std::string(""));
    const BenchmarkTask back = BenchmarkTask::from_json(hs.to_json(), "round trip");
    QCOMPARE(back.to_json(), hs.to_json());
    QVERIFY(error_of([] { BenchmarkTask::builtin("kobest_nope"); }).contains("kobest_boolq"));
  }

  void rejectsUnknownKeysWrongTypesAndUnknownTemplateFieldsNamingThem() {
    auto j = boolq_like().to_json();
    j["contxt"] = "x";
    QVERIFY(error_of([&] { BenchmarkTask::from_json(j, "a.json"); }).contains("'contxt'"));
    j.erase("contxt");
    j["bos"] = "yes";
    QVERIFY(error_of([&] { BenchmarkTask::from_json(j, "a.json"); }).contains("'bos'"));
    j["bos"] = true;
    j["context"] = "{paragraf}";
    QVERIFY(error_of([&] { BenchmarkTask::from_json(j, "a.json"); }).contains("paragraf"));
    j["context"] = "";
    j["metrics"] = {"acc", "bleu"};
    QVERIFY(error_of([&] { BenchmarkTask::from_json(j, "a.json"); }).contains("bleu"));
  }

  void readsCsvQuotingCrLfAndDropsRowsWithAnEmptyOrNaField() {
    QTemporaryDir dir;
    const auto path = write(dir, "s.tsv",
                            "ID\tText\tQuestion\tAnswer\r\n"
                            "1\t\"누군가 \"\"빙고\"\"를\tA\"\tq1\tTRUE\r\n"
                            "\r\n"
                            "2\tp2\t\tFalse\r\n"   // empty question: dropped
                            "3\tp3\tNA\tTrue\r\n"  // pandas reads NA as NaN: dropped
                            "4\tp4\tq4\tFalse\r\n");
    const auto split = glossa::load_benchmark_split(boolq_like(), path);
    QCOMPARE(split.rows, int64_t(4));
    QCOMPARE(split.dropped_lines, (std::vector<int64_t>{4, 5}));
    QCOMPARE(int(split.docs.size()), 2);
    QCOMPARE(split.docs[0].fields.at("paragraph"), std::string("누군가 \"빙고\"를\tA"));
    QCOMPARE(split.docs[0].fields.at("label"), std::string("1"));
    const auto inst = glossa::build_instance(boolq_like(), split.docs[1], path);
    QCOMPARE(inst.context, std::string("p4 질문: q4 답변: "));
    QCOMPARE(inst.gold, 0);
    const auto bad = write(dir, "b.tsv", "ID\tText\tQuestion\tAnswer\n1\tp\tq\tmaybe\n");
    const QString e = error_of([&] { glossa::load_benchmark_split(boolq_like(), bad); });
    QVERIFY2(e.contains("line 2") && e.contains("maybe") && e.contains("label"), qPrintable(e));
  }

  void readsColumnsByHeaderWhateverTheirOrder() {
    QTemporaryDir dir;
    const auto task = BenchmarkTask::builtin("kobest_sentineg");
    const auto a =
        glossa::load_benchmark_split(task, write(dir, "a.tsv", "ID\tLabel\tText\n1\t1\t좋아요\n"));
    const auto b =
        glossa::load_benchmark_split(task, write(dir, "b.tsv", "ID\tText\tLabel\n1\t좋아요\t1\n"));
    QCOMPARE(a.docs[0].fields, b.docs[0].fields);
    QCOMPARE(glossa::build_instance(task, b.docs[0], "b").context,
             std::string("문장: 좋아요 긍부정:"));
    QVERIFY(error_of([&] {
              glossa::load_benchmark_split(task, write(dir, "c.tsv", "ID\tTxt\tLabel\n"));
            }).contains("Text"));
  }

  void copaGoldIsTheFirstChoiceWithTheGoldText() {
    QTemporaryDir dir;
    const auto task = BenchmarkTask::builtin("kobest_copa");
    const auto split = glossa::load_benchmark_split(
        task, write(dir, "c.tsv",
                    "ID\tsentence\tquestion\t1\t2\tAnswer\n1\t비가 왔다.\t원인 \tA\tA\t2\n"));
    const auto inst = glossa::build_instance(task, split.docs[0], "c");
    QCOMPARE(inst.context, std::string("비가 왔다.  왜냐하면"));  // two spaces, as the harness
    QCOMPARE(inst.gold, 0);  // choices.index("A") in the harness
  }

  void pawsCleaningMatchesTheHarness() {
    // Expected strings from lm-eval 0.4.13 tasks/paws-x/utils.process_docs_paraphrases.
    std::string s1 = " Er sagte , \" hallo \" ( ja ) und es is n't gut .  ";
    std::string s2 = "Äpfel sind 's rot .";
    glossa::paws_clean(&s1, &s2);
    QCOMPARE(s1, std::string("Er sagte,\"hallo\"(ja) und es isn't gut"));
    QCOMPARE(s2, std::string("äpfel sind's rot."));
    s1 = "Kein Satz;";
    s2 = "\u3000 Ölig\u00a0";
    glossa::paws_clean(&s1, &s2);
    QCOMPARE(s1, std::string("Kein Satz"));
    QCOMPARE(s2, std::string("ölig"));
    QCOMPARE(glossa::python_rstrip("ab \u2003\n"), std::string_view("ab"));
    QCOMPARE(glossa::python_len("예 ö"), int64_t(3));
  }

  void sharedDevSplitsHaveTheDocumentedRowCounts() {
    const std::vector<std::pair<const char*, const char*>> splits = {
        {"kobest_boolq", "kobest/BoolQ/dev.tsv"},
        {"kobest_copa", "kobest/COPA/dev.tsv"},
        {"kobest_hellaswag", "kobest/HellaSwag/dev.tsv"},
        {"kobest_sentineg", "kobest/SentiNeg/dev.tsv"},
        {"kobest_wic", "kobest/WiC/dev.tsv"},
        {"xnli_de", "german/xnli_de/dev.txt"},
        {"paws_de", "german/pawsx_de/dev.tsv"}};
    const std::vector<int64_t> rows = {700, 500, 500, 400, 610, 250, 2000};  // SOURCES.md
    for (size_t i = 0; i < splits.size(); ++i) {
      GLOSSA_REQUIRE_SHARED(path, splits[i].second);
      const auto split =
          glossa::load_benchmark_split(BenchmarkTask::builtin(splits[i].first), path.toStdString());
      QCOMPARE(split.rows, rows[i]);
      QCOMPARE(int64_t(split.docs.size() + split.dropped_lines.size()), rows[i]);
    }
  }
};

QTEST_GUILESS_MAIN(TestBenchmarkTask)
#include "test_benchmark_task.moc"

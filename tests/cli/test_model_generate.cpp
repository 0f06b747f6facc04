// ctest-labels: unit data
// `glossa-cli model generate` end to end on llama2.c's stories260K: greedy from BOS prints the
// Lily story start (decoded with tok512.bin converted to SentencePiece), --ids prints run.c's
// ids, --json holds both, and a prompt is encoded and continued. Skipped when glossa-cli was
// built without the training engine (no `model` command).
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

using glossa::test::ProcessResult;
using nlohmann::json;

namespace {

const char* kStories = "models/stories260K/stories260K.bin";
const char* kTok512 = "models/stories260K/tok512.bin";
const char* kLily = "Once upon a time, there was a little girl named Lily.";

ProcessResult cli(const QStringList& args) {
  return glossa::test::run(glossa::test::program("glossa-cli"), args);
}

// The `model` command exists in every build that registers this test (tests/CMakeLists.txt):
// a failing --help is a failure, not a reason to skip.
#define REQUIRE_MODEL_COMMAND()                                                \
  do {                                                                         \
    const ProcessResult help = cli({"model", "generate", "--help"});          \
    QVERIFY2(help.exit_code == 0, help.err.constData());                      \
  } while (false)

}  // namespace

class TestModelGenerate : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void greedyFromBosPrintsTheLilyStory() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    GLOSSA_REQUIRE_SHARED(tok, kTok512);
    REQUIRE_MODEL_COMMAND();
    const ProcessResult r = cli({"model", "generate", "--model", bin, "--tokenizer", tok, "--bos",
                                 "--greedy", "--max-new-tokens", "30", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.out.startsWith(kLily), r.out.constData());
    QVERIFY(r.err.isEmpty());  // --quiet
  }

  void idsFlagPrintsTokenIds() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    REQUIRE_MODEL_COMMAND();
    // No tokenizer needed for ids from BOS.
    const ProcessResult r = cli({"model", "generate", "--model", bin, "--bos", "--greedy",
                                 "--max-new-tokens", "30", "--ids"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const QList<QByteArray> ids = r.out.trimmed().split(' ');
    QCOMPARE(ids.size(), 31);  // BOS + 30
    QCOMPARE(ids.mid(0, 6), (QList<QByteArray>{"1", "403", "407", "261", "378", "432"}));
    // The effective configuration on stderr.
    QVERIFY2(r.err.contains("[model generate]") && r.err.contains("max_new_tokens 30, greedy"),
             r.err.constData());
  }

  void promptIsEncodedAndJsonHoldsTextAndIds() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    GLOSSA_REQUIRE_SHARED(tok, kTok512);
    REQUIRE_MODEL_COMMAND();
    const ProcessResult r =
        cli({"model", "generate", "--model", bin, "--tokenizer", tok, "--prompt",
             "Once upon a time", "--max-new-tokens", "12", "--greedy", "--json", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const json j = json::parse(r.out.toStdString());
    QCOMPARE(j["prompt_ids"].get<std::vector<int>>(), (std::vector<int>{1, 403, 407, 261, 378}));
    QCOMPARE(j["ids"].size(), size_t(12));
    QCOMPARE(j["ids"][0].get<int>(), 432);  // ","
    QVERIFY2(j["text"].get<std::string>().rfind("Once upon a time, there was a little", 0) == 0,
             j.dump().c_str());
    QCOMPARE(j["model_format"].get<std::string>(), std::string("llama2c"));
  }

  void samplingIsSeededAndUsageErrorsExplainThemselves() {
    GLOSSA_REQUIRE_SHARED(bin, kStories);
    REQUIRE_MODEL_COMMAND();
    const QStringList sample = {
        "model",         "generate", "--model", bin,   "--bos",  "--ids", "--max-new-tokens", "20",
        "--temperature", "1",        "--top-p", "0.9", "--seed", "7",     "--quiet"};
    const ProcessResult a = cli(sample), b = cli(sample);
    QVERIFY2(a.exit_code == 0, a.err.constData());
    QCOMPARE(a.out, b.out);
    const ProcessResult no_prompt = cli({"model", "generate", "--model", bin});
    QCOMPARE(no_prompt.exit_code, 1);
    QVERIFY2(no_prompt.err.contains("--bos"), no_prompt.err.constData());
    const ProcessResult no_tok = cli({"model", "generate", "--model", bin, "--prompt", "Hi"});
    QCOMPARE(no_tok.exit_code, 1);
    QVERIFY2(no_tok.err.contains("--tokenizer"), no_tok.err.constData());
    const ProcessResult both =
        cli({"model", "generate", "--model", bin, "--bos", "--greedy", "--temperature", "0.5"});
    QCOMPARE(both.exit_code, 2);  // --greedy excludes the sampling options
  }
};

QTEST_GUILESS_MAIN(TestModelGenerate)
#include "test_model_generate.moc"

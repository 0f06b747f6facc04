// ctest-labels: unit data
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "base/file_util.h"
#include "base/indexed_dataset.h"
#include "tokenizer/prepare/shard_packer.h"
#include "tokenizer/spm/sp_processor.h"

using glossa::IndexedDatasetReader;
using glossa::PackOptions;
using glossa::VectorSource;

namespace {

// The first `count` NSMC reviews (informal Korean) or German news bodies.
std::vector<std::string> read_texts(const QString& path, const std::string& column, size_t count) {
  glossa::CorpusReaderOptions options;
  options.column = column;
  glossa::CorpusReader reader(path.toStdString(), options);
  std::vector<std::string> texts;
  glossa::Document doc;
  while (texts.size() < count && reader.next(&doc)) texts.push_back(doc.text);
  return texts;
}

// Documents from two named sources, one after the other.
class TwoSources : public glossa::DocumentSource {
 public:
  TwoSources(std::vector<std::string> a, std::vector<std::string> b)
      : a_(std::move(a), "a.txt"), b_(std::move(b), "b.txt") {}
  bool next(glossa::Document* doc) override { return a_.next(doc) || b_.next(doc); }
  double progress() const override { return 0.5 * (a_.progress() + b_.progress()); }

 private:
  VectorSource a_, b_;
};

// Cancels the job after handing out `after` documents.
class CancellingSource : public VectorSource {
 public:
  CancellingSource(std::vector<std::string> texts, glossa::JobControl& job, size_t after)
      : VectorSource(std::move(texts)), job_(job), after_(after) {}
  bool next(glossa::Document* doc) override {
    if (++count_ == after_) job_.cancel();
    return VectorSource::next(doc);
  }

 private:
  glossa::JobControl& job_;
  size_t after_, count_ = 0;
};

class FailingSource : public VectorSource {
 public:
  using VectorSource::VectorSource;
  bool next(glossa::Document* doc) override {
    if (++count_ > 700) glossa::fail("broken.txt:701", "unreadable record");
    return VectorSource::next(doc);
  }

 private:
  size_t count_ = 0;
};

std::string write_jsonl(const QTemporaryDir& dir, const std::vector<std::string>& texts) {
  const std::string path = dir.filePath("texts.jsonl").toStdString();
  std::ofstream out(path);
  for (const auto& t : texts) out << nlohmann::json(t).dump() << "\n";
  return path;
}

QStringList files_in(const QTemporaryDir& dir) {
  return QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);
}

nlohmann::json read_manifest(const std::string& prefix) {
  return nlohmann::json::parse(glossa::read_file(prefix + ".manifest.json"));
}

}  // namespace

class TestShardPacker : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void packedIdsEqualEncodePlusEos() {
    GLOSSA_REQUIRE_SHARED(model, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(news, "german/news/xglue_news_dev.tsv");
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    glossa::CorpusReaderOptions ropts;
    ropts.header = false;
    ropts.column_index = 1;
    glossa::CorpusReader reader(news.toStdString(), ropts);
    std::vector<std::string> texts;
    for (glossa::Document doc; texts.size() < 300 && reader.next(&doc);) texts.push_back(doc.text);
    QCOMPARE(texts.size(), size_t(300));
    QTemporaryDir dir;
    PackOptions options;
    options.output_prefix = dir.filePath("news").toStdString();
    options.threads = 3;  // more encoders than cores: output order must still be input order
    VectorSource source(texts, news.toStdString());
    const auto report = glossa::pack_corpus(*sp, source, options, {});
    QCOMPARE(report.dtype, glossa::TokenDtype::kUint16);
    IndexedDatasetReader shard(options.output_prefix);
    QCOMPARE(shard.dtype(), glossa::TokenDtype::kUint16);
    QCOMPARE(shard.documents(), uint64_t(texts.size()));
    for (size_t j = 0; j < texts.size(); ++j) {
      std::vector<int> expected = sp->encode(texts[j]);
      expected.push_back(2);  // Llama 2's </s>
      QVERIFY2(shard.document(j) == std::vector<int32_t>(expected.begin(), expected.end()),
               qPrintable(QString("document %1").arg(j)));
    }
    QCOMPARE(QFileInfo(QString::fromStdString(options.output_prefix + "_heldout.bin")).exists(),
             false);
  }

  void heldoutSplitMatchesPythonReference() {
    GLOSSA_REQUIRE_SHARED(model, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_PYTHON(py);
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    const auto texts = read_texts(nsmc, "review", 2000);
    QTemporaryDir dir;
    PackOptions options;
    options.output_prefix = dir.filePath("ko").toStdString();
    options.heldout_fraction = 0.2;
    options.seed = 1234;
    options.prepend_bos = true;
    options.min_tokens = 8;  // drops the shortest reviews
    VectorSource source(texts);
    const auto report = glossa::pack_corpus(*sp, source, options, {});
    const auto result = glossa::test::run(
        py, {glossa::test::pythonScript("pack_reference.py"), model,
             QString::fromStdString(write_jsonl(dir, texts)),
             QString::fromStdString(options.output_prefix), "1234", "0.2", "8", "1", "1"});
    QVERIFY2(result.finished && result.exit_code == 0, result.err.constData());
    const QJsonObject ref = QJsonDocument::fromJson(result.out).object();
    QVERIFY2(ref["mismatches"].toArray().isEmpty(), result.out.constData());
    QCOMPARE(uint64_t(ref["heldout_documents"].toInt()), report.heldout.documents);
    QCOMPARE(uint64_t(ref["train_documents"].toInt()), report.train.documents);
    QCOMPARE(uint64_t(ref["dropped"].toInt()), report.dropped.documents);
    QVERIFY(report.dropped.documents > 0);
  }

  void heldoutSplitIsDeterministicDisjointAndNearTheFraction() {
    GLOSSA_REQUIRE_SHARED(model, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    const auto texts = read_texts(nsmc, "review", 5000);
    QTemporaryDir dir;
    std::vector<std::vector<std::vector<int32_t>>> runs;
    for (int threads : {1, 2}) {
      PackOptions options;
      options.output_prefix = dir.filePath(QString("run%1").arg(threads)).toStdString();
      options.heldout_fraction = 0.1;
      options.threads = threads;
      options.min_tokens = 0;
      VectorSource source(texts);
      const auto report = glossa::pack_corpus(*sp, source, options, {});
      QCOMPARE(report.train.documents + report.heldout.documents, uint64_t(texts.size()));
      const double share = double(report.heldout.documents) / double(texts.size());
      QVERIFY2(share > 0.085 && share < 0.115, qPrintable(QString::number(share)));  // ±3.5 sd
      IndexedDatasetReader train(options.output_prefix),
          heldout(options.output_prefix + "_heldout");
      // Disjoint and complete: walking the input, each document is the next one of exactly
      // the part the hash assigns it to.
      uint64_t t = 0, h = 0;
      for (const auto& text : texts) {
        std::vector<int> ids = sp->encode(text);
        ids.push_back(2);
        const std::vector<int32_t> expected(ids.begin(), ids.end());
        if (glossa::is_heldout(0, text, 0.1))
          QVERIFY(heldout.document(h++) == expected);
        else
          QVERIFY(train.document(t++) == expected);
      }
      QCOMPARE(t, train.documents());
      QCOMPARE(h, heldout.documents());
      runs.push_back({});
      for (uint64_t j = 0; j < heldout.documents(); ++j) runs.back().push_back(heldout.document(j));
    }
    QVERIFY(runs[0] == runs[1]);
    // Another seed picks other documents.
    int differ = 0;
    for (const auto& text : texts)
      differ += glossa::is_heldout(0, text, 0.1) != glossa::is_heldout(1, text, 0.1);
    QVERIFY(differ > 500);
  }

  void manifestNumbersAddUp() {
    GLOSSA_REQUIRE_SHARED(model, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    auto texts = read_texts(nsmc, "review", 1500);
    std::vector<std::string> a(texts.begin(), texts.begin() + 1000),
        b(texts.begin() + 1000, texts.end());
    QTemporaryDir dir;
    PackOptions options;
    options.output_prefix = dir.filePath("m").toStdString();
    options.heldout_fraction = 0.25;
    options.min_tokens = 5;
    TwoSources source(a, b);
    glossa::pack_corpus(*sp, source, options, {});
    const auto m = read_manifest(options.output_prefix);
    QCOMPARE(m["tokenizer"]["fingerprint"].get<std::string>(), sp->model().fingerprint());
    QCOMPARE(m["tokenizer"]["path"].get<std::string>(), model.toStdString());
    QCOMPARE(m["tokenizer"]["vocab_size"].get<int>(), 32000);
    QCOMPARE(m["tokenizer"]["eos_id"].get<int>(), 2);
    QCOMPARE(m["dtype"].get<std::string>(), std::string("uint16"));
    QCOMPARE(m["options"]["heldout_fraction"].get<double>(), 0.25);
    QCOMPARE(m["sources"].size(), size_t(2));
    QCOMPARE(m["sources"][1]["source"].get<std::string>(), std::string("b.txt"));
    uint64_t text_bytes = 0;
    for (const auto& t : texts) text_bytes += t.size();
    uint64_t documents = 0, bytes = 0;
    for (const char* part : {"train", "heldout", "dropped"}) {
      uint64_t sum_docs = 0, sum_tokens = 0, sum_bytes = 0;
      for (const auto& s : m["sources"]) {
        sum_docs += s[part]["documents"].get<uint64_t>();
        sum_tokens += s[part]["tokens"].get<uint64_t>();
        sum_bytes += s[part]["bytes"].get<uint64_t>();
      }
      QCOMPARE(m[part]["documents"].get<uint64_t>(), sum_docs);
      QCOMPARE(m[part]["tokens"].get<uint64_t>(), sum_tokens);
      QCOMPARE(m[part]["bytes"].get<uint64_t>(), sum_bytes);
      documents += sum_docs;
      bytes += sum_bytes;
    }
    QCOMPARE(documents, uint64_t(texts.size()));
    QCOMPARE(bytes, text_bytes);
    QCOMPARE(m["sources"][0]["train"]["documents"].get<uint64_t>() +
                 m["sources"][0]["heldout"]["documents"].get<uint64_t>() +
                 m["sources"][0]["dropped"]["documents"].get<uint64_t>(),
             uint64_t(1000));
    QVERIFY(m["dropped"]["documents"].get<uint64_t>() > 0);
    IndexedDatasetReader train(options.output_prefix), heldout(options.output_prefix + "_heldout");
    QCOMPARE(m["train"]["tokens"].get<uint64_t>(), train.tokens());
    QCOMPARE(m["train"]["documents"].get<uint64_t>(), train.documents());
    QCOMPARE(m["heldout"]["tokens"].get<uint64_t>(), heldout.tokens());
    QCOMPARE(m["heldout"]["documents"].get<uint64_t>(), heldout.documents());
  }

  void largeVocabularyPacksAsInt32() {
    GLOSSA_REQUIRE_SHARED(model_path, "tokenizers/llama2/tokenizer.model");
    auto model = glossa::SpModel::load(model_path.toStdString());
    for (int k = 0; model.size() < 70000; ++k)
      model.append({"▁glossa" + std::to_string(k), -1e6f, glossa::PieceType::kUnused});
    const int big = model.append({"⟦big⟧", 0.0f, glossa::PieceType::kUserDefined});
    QVERIFY(big >= 65536);
    const auto sp = glossa::SpProcessor::from_model(model, "big.model");
    QTemporaryDir dir;
    PackOptions options;
    options.output_prefix = dir.filePath("big").toStdString();
    VectorSource source({"hello ⟦big⟧ world", "plain text"});
    const auto report = glossa::pack_corpus(*sp, source, options, {});
    QCOMPARE(report.dtype, glossa::TokenDtype::kInt32);
    IndexedDatasetReader shard(options.output_prefix);
    QCOMPARE(shard.dtype(), glossa::TokenDtype::kInt32);
    const auto ids = shard.document(0);
    QVERIFY(std::find(ids.begin(), ids.end(), big) != ids.end());
    QCOMPARE(read_manifest(options.output_prefix)["dtype"].get<std::string>(),
             std::string("int32"));
  }

  void cancellationLeavesNoOutputFiles() {
    GLOSSA_REQUIRE_SHARED(model, "tokenizers/llama2/tokenizer.model");
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    QTemporaryDir dir;
    PackOptions options;
    options.output_prefix = dir.filePath("c").toStdString();
    options.heldout_fraction = 0.5;
    glossa::JobControl job;
    CancellingSource source(std::vector<std::string>(20000, "Ein kurzer Satz zum Abbrechen."), job,
                            3000);
    QVERIFY_THROWS_EXCEPTION(glossa::CancelledError,
                             glossa::pack_corpus(*sp, source, options, job));
    QCOMPARE(files_in(dir), QStringList());
  }

  void sourceErrorPropagatesAndLeavesNoFiles() {
    GLOSSA_REQUIRE_SHARED(model, "tokenizers/llama2/tokenizer.model");
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    QTemporaryDir dir;
    PackOptions options;
    options.output_prefix = dir.filePath("e").toStdString();
    FailingSource source(std::vector<std::string>(2000, "text"));
    try {
      glossa::pack_corpus(*sp, source, options, {});
      QFAIL("the source's error was swallowed");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("broken.txt:701"), e.what());
    }
    QCOMPARE(files_in(dir), QStringList());
  }

  void bosOnlyAndProgressReports() {
    GLOSSA_REQUIRE_SHARED(model, "tokenizers/llama2/tokenizer.model");
    const auto sp = glossa::SpProcessor::load(model.toStdString());
    QTemporaryDir dir;
    PackOptions options;
    options.output_prefix = dir.filePath("b").toStdString();
    options.prepend_bos = true;
    options.append_eos = false;
    double last = -1;
    glossa::JobControl job([&](double fraction, const std::string&) { last = fraction; });
    VectorSource source({"Hello world"});
    glossa::pack_corpus(*sp, source, options, job);
    QCOMPARE(IndexedDatasetReader(options.output_prefix).document(0),
             std::vector<int32_t>({1, 15043, 3186}));  // <s> ▁Hello ▁world
    QCOMPARE(last, 1.0);
  }

  void optionsRoundTripThroughJson() {
    PackOptions options;
    options.output_prefix = "/tmp/x";
    options.append_eos = false;
    options.prepend_bos = true;
    options.heldout_fraction = 0.05;
    options.seed = 99;
    options.threads = 3;
    options.min_tokens = 4;
    const PackOptions back = PackOptions::from_json(options.to_json());
    QCOMPARE(back.to_json(), options.to_json());
    QCOMPARE(back.seed, uint64_t(99));
    try {
      PackOptions::from_json({{"heldout_fraktion", 0.1}});
      QFAIL("unknown key accepted");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("heldout_fraktion"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(glossa::Error, PackOptions::from_json({{"heldout_fraction", 1.5}}));
    QVERIFY_THROWS_EXCEPTION(glossa::Error, PackOptions::from_json({{"threads", "four"}}));
    const QString many = glossa::test::error_of([] { PackOptions::from_json({{"threads", 100000}}); });
    QVERIFY2(many.contains("between 0 and 256"), qPrintable(many));
  }
};

QTEST_GUILESS_MAIN(TestShardPacker)
#include "test_shard_packer.moc"

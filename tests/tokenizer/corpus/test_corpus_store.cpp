// ctest-labels: unit
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tokenizer/corpus/corpus_store.h"
#include "base/error.h"
#include "base/file_util.h"

using glossa::CorpusReaderOptions;
using glossa::JobControl;
using glossa::ScriptClass;
using glossa::SqliteDb;

namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

int64_t count_rows(SqliteDb& db, const char* table) {
  glossa::SqliteStatement q(db, std::string("SELECT COUNT(*) FROM ") + table);
  q.step();
  return q.column_int(0);
}

}  // namespace

class TestCorpusStore : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void secondScanOfAnUnchangedFileComesFromTheCache() {
    QTemporaryDir dir;
    const std::string corpus = dir.filePath("reviews.txt").toStdString();
    write(corpus, "좋은 영화\n최고\n최고\n");
    SqliteDb db(dir.filePath("project.glossa").toStdString());
    const auto first = glossa::scan_file_cached(db, corpus, {}, ScriptClass::kHangul, 2, {});
    QVERIFY(!first.from_cache);
    QCOMPARE(first.stats.documents, uint64_t(3));
    QCOMPARE(first.fingerprint, glossa::file_fingerprint(corpus));

    // Nothing may be read now: a progress message says so, and the stats are the stored ones.
    std::string message;
    JobControl job([&](double, const std::string& m) { message = m; });
    const auto second = glossa::scan_file_cached(db, corpus, {}, ScriptClass::kHangul, 2, job);
    QVERIFY(second.from_cache);
    QVERIFY(message.find("unchanged") != std::string::npos);
    QCOMPARE(second.stats.to_json().dump(), first.stats.to_json().dump());
    QCOMPARE(second.stats.duplicate_documents(), uint64_t(1));
    QCOMPARE(count_rows(db, "corpora"), int64_t(1));
    QCOMPARE(count_rows(db, "corpus_stats"), int64_t(1));
  }

  void changedFileIsRescanned() {
    QTemporaryDir dir;
    const std::string corpus = dir.filePath("c.txt").toStdString();
    write(corpus, "one\ntwo\n");
    SqliteDb db(dir.filePath("p.db").toStdString());
    QVERIFY(!glossa::scan_file_cached(db, corpus, {}, ScriptClass::kLatin, 1, {}).from_cache);
    // Another target is stored beside the first.
    QVERIFY(!glossa::scan_file_cached(db, corpus, {}, ScriptClass::kHangul, 1, {}).from_cache);
    QCOMPARE(count_rows(db, "corpus_stats"), int64_t(2));
    write(corpus, "one\ntwo\nthree\n");  // new size: a new fingerprint even within the same second
    const auto again = glossa::scan_file_cached(db, corpus, {}, ScriptClass::kLatin, 1, {});
    QVERIFY(!again.from_cache);
    QCOMPARE(again.stats.documents, uint64_t(3));
    // The statistics of the old content are gone (both targets), one corpus row remains.
    QCOMPARE(count_rows(db, "corpora"), int64_t(1));
    QCOMPARE(count_rows(db, "corpus_stats"), int64_t(1));
    QVERIFY(glossa::scan_file_cached(db, corpus, {}, ScriptClass::kLatin, 1, {}).from_cache);
    QVERIFY(!glossa::scan_file_cached(db, corpus, {}, ScriptClass::kHangul, 1, {}).from_cache);
  }

  void otherReaderOptionsAreAnotherCorpus() {
    QTemporaryDir dir;
    const std::string corpus = dir.filePath("c.tsv").toStdString();
    write(corpus, "id\ttext\n1\thello world\n2\tbye\n");
    SqliteDb db(dir.filePath("p.db").toStdString());
    CorpusReaderOptions by_name;
    by_name.column = "text";
    CorpusReaderOptions ids;
    ids.column_index = 0;
    const auto a = glossa::scan_file_cached(db, corpus, by_name, ScriptClass::kLatin, 1, {});
    const auto b = glossa::scan_file_cached(db, corpus, ids, ScriptClass::kLatin, 1, {});
    QVERIFY(!b.from_cache);
    QCOMPARE(a.stats.words, uint64_t(3));
    QCOMPARE(b.stats.script_chars[size_t(ScriptClass::kDigit)], uint64_t(2));
    QCOMPARE(count_rows(db, "corpora"), int64_t(2));
    // Spelling the path differently or the format explicitly changes nothing.
    by_name.format = glossa::CorpusFormat::kTsv;
    const std::string other_spelling = dir.path().toStdString() + "/./c.tsv";
    QVERIFY(glossa::scan_file_cached(db, other_spelling, by_name, ScriptClass::kLatin, 1, {})
                .from_cache);
  }

  void storedRowsHaveTheDocumentedColumns() {
    QTemporaryDir dir;
    const std::string corpus = dir.filePath("c.txt").toStdString();
    write(corpus, "x\n");
    SqliteDb db(dir.filePath("p.db").toStdString());
    glossa::scan_file_cached(db, corpus, {}, ScriptClass::kLatin, 1, {});
    glossa::SqliteStatement q(db,
                              "SELECT c.path, c.format_options_json, c.fingerprint, c.scanned_at,"
                              " s.target_script, s.stats_json FROM corpora c"
                              " JOIN corpus_stats s ON s.corpus_id = c.id");
    QVERIFY(q.step());
    QCOMPARE(q.column_text(0), glossa::canonical_corpus_path(corpus));
    const auto options = nlohmann::json::parse(q.column_text(1));
    QCOMPARE(options["format"].get<std::string>(), std::string("text"));
    QCOMPARE(q.column_text(2), glossa::file_fingerprint(corpus));
    QCOMPARE(q.column_text(3).size(), size_t(20));  // 2025-01-31T12:00:00Z
    QCOMPARE(q.column_text(4), std::string("latin"));
    QCOMPARE(nlohmann::json::parse(q.column_text(5))["documents"].get<int>(), 1);
  }

  void corruptStoredJsonIsReportedWithAFix() {
    QTemporaryDir dir;
    const std::string corpus = dir.filePath("c.txt").toStdString();
    write(corpus, "x\n");
    SqliteDb db(dir.filePath("p.db").toStdString());
    glossa::scan_file_cached(db, corpus, {}, ScriptClass::kLatin, 1, {});
    db.exec("UPDATE corpus_stats SET stats_json = '{broken'");
    try {
      glossa::scan_file_cached(db, corpus, {}, ScriptClass::kLatin, 1, {});
      QFAIL("no error");
    } catch (const glossa::Error& e) {
      QVERIFY2(std::string(e.what()).find("corpus_stats") != std::string::npos, e.what());
    }
  }

  void missingFileIsNamed() {
    QTemporaryDir dir;
    SqliteDb db(dir.filePath("p.db").toStdString());
    try {
      glossa::scan_file_cached(db, "/nonexistent/corpus.txt", {}, ScriptClass::kLatin, 1, {});
      QFAIL("no error");
    } catch (const glossa::Error& e) {
      QVERIFY2(std::string(e.what()).find("/nonexistent/corpus.txt") != std::string::npos,
               e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestCorpusStore)
#include "test_corpus_store.moc"

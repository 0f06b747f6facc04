// ctest-labels: unit data
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/test_support.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "base/file_util.h"
#include "tokenizer/vocab/new_token_map_builder.h"
#include "tokenizer/spm/protobuf_wire.h"
#include "tokenizer/spm/sp_model.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/spm/tokenizer_trainer.h"
#include "support/tokenizer_test_samples.h"
#include "base/sqlite_db.h"
#include "tokenizer/vocab/vocab_expander.h"
#include "tokenizer/vocab/vocab_session_store.h"

using glossa::ExpansionOptions;
using glossa::PieceType;
using glossa::SpModel;
using glossa::VocabDecision;
using glossa::VocabDecisionRow;

namespace {

// A tiny BPE model written field by field (docs/tokenizer-files.md): <unk> <s> </s>, then `pieces` (NORMAL
// unless their score is > 0, which marks CONTROL), identity normaliser, no byte fallback.
SpModel tiny_bpe(const std::vector<std::pair<std::string, float>>& pieces) {
  namespace wire = glossa::wire;
  std::string bytes;
  const auto add_piece = [&](const std::string& text, float score, PieceType type) {
    std::string p;
    wire::put_bytes_field(&p, 1, text);
    wire::put_fixed32_field(&p, 2, wire::float_to_fixed32(score));
    if (type != PieceType::kNormal) wire::put_varint_field(&p, 3, uint64_t(type));
    wire::put_bytes_field(&bytes, 1, p);
  };
  add_piece("<unk>", 0, PieceType::kUnknown);
  add_piece("<s>", 0, PieceType::kControl);
  add_piece("</s>", 0, PieceType::kControl);
  for (const auto& [text, score] : pieces)
    add_piece(text, score > 0 ? 0 : score, score > 0 ? PieceType::kControl : PieceType::kNormal);
  std::string trainer;
  wire::put_varint_field(&trainer, 3, 2);  // model_type BPE
  wire::put_varint_field(&trainer, 4, uint64_t(pieces.size() + 3));
  std::string normalizer;
  wire::put_bytes_field(&normalizer, 1, "identity");
  wire::put_varint_field(&normalizer, 3, 1);  // add_dummy_prefix
  wire::put_varint_field(&normalizer, 4, 1);  // remove_extra_whitespaces
  wire::put_bytes_field(&bytes, 2, trainer);
  wire::put_bytes_field(&bytes, 3, normalizer);
  return SpModel::parse(bytes, "tiny");
}

std::vector<std::string> repeat(const std::vector<std::pair<std::string, int>>& docs) {
  std::vector<std::string> out;
  for (const auto& [text, times] : docs)
    for (int i = 0; i < times; ++i) out.push_back(text);
  return out;
}

// Rows of one iteration as piece -> (decision, count).
std::map<std::string, std::pair<VocabDecision, int64_t>> rows_of(
    const std::vector<VocabDecisionRow>& rows, int iteration) {
  std::map<std::string, std::pair<VocabDecision, int64_t>> out;
  for (const auto& r : rows)
    if (r.iteration == iteration) out[r.piece] = {r.decision, r.count};
  return out;
}

std::vector<std::string> read_lines(const std::string& path, size_t limit) {
  glossa::CorpusReaderOptions tsv;
  tsv.column = "review";
  glossa::CorpusReader reader(path, tsv);
  std::vector<std::string> out;
  glossa::Document doc;
  while (out.size() < limit && reader.next(&doc)) out.push_back(doc.text);
  return out;
}

// Byte pieces "<0xNN>" back to their byte, every other piece as it is.
std::string join_pieces(const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) {
    if (p.size() == 6 && p.rfind("<0x", 0) == 0 && p.back() == '>') {
      out += char(std::stoi(p.substr(3, 2), nullptr, 16));
    } else {
      out += p;
    }
  }
  return out;
}

}  // namespace

class TestVocabExpander : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // The case worked out by hand in docs/vocabulary-expansion.md ("a worked example").
  void reachesTheHandComputedFixedPoint() {
    const SpModel base = tiny_bpe({{"▁", -1},
                                   {"가", -2},
                                   {"나", -3},
                                   {"다", -4},
                                   {"라", -5},
                                   {"마", -6},
                                   {"바", -7},
                                   {"x", -8}});
    const SpModel intermediate = tiny_bpe({{"<pad>", 1},
                                           {"▁가", -1},
                                           {"▁가나", -2},
                                           {"▁가나다", -3},
                                           {"다라", -4},
                                           {"▁마", -5},
                                           {"▁마바", -6},
                                           {"▁x", -7},
                                           {"가", -8}});
    const auto docs = repeat(
        {{"가나", 3}, {"가나다", 2}, {"가다라", 1}, {"마바", 4}, {"사", 6}, {"아", 5}, {"x", 10}});
    ExpansionOptions o;
    o.min_freq = 3;
    o.script = "hangul";
    o.char_min_freq = 5;
    o.force_include = {"▁가"};
    o.force_exclude = {"아"};
    std::vector<VocabDecisionRow> rows;
    const auto run = glossa::expand_vocabulary(
        base, intermediate, [&] { return std::make_unique<glossa::VectorSource>(docs); }, o,
        [&](const std::vector<VocabDecisionRow>& r) {
          rows.insert(rows.end(), r.begin(), r.end());
        },
        glossa::JobControl());
    QVERIFY(run.converged);
    QCOMPARE(int(run.iterations.size()), 3);
    QCOMPARE(run.merged.size(), base.size() + 3);
    QCOMPARE(run.merged.piece(11).piece, std::string("▁가"));
    QCOMPARE(run.merged.piece(12).piece, std::string("▁가나"));
    QCOMPARE(run.merged.piece(13).piece, std::string("사"));
    QCOMPARE(run.filtered_by_script, 1);  // ▁x

    using D = VocabDecision;
    const auto it0 = rows_of(rows, 0);
    QCOMPARE(it0.at("▁x").first, D::kDropped);
    QCOMPARE(it0.at("▁가").first, D::kForcedInclude);
    QCOMPARE(it0.at("▁마바").first, D::kCandidate);
    QCOMPARE(it0.count("가"), size_t(0));  // in the base: never a candidate
    const auto it1 = rows_of(rows, 1);
    QCOMPARE(it1.at("▁가"), std::make_pair(D::kForcedInclude, int64_t(1)));
    QCOMPARE(it1.at("▁가나"), std::make_pair(D::kKept, int64_t(3)));
    QCOMPARE(it1.at("▁가나다"), std::make_pair(D::kDropped, int64_t(2)));
    QCOMPARE(it1.at("다라"), std::make_pair(D::kDropped, int64_t(1)));
    QCOMPARE(it1.at("▁마"), std::make_pair(D::kDropped, int64_t(0)));
    QCOMPARE(it1.at("▁마바"), std::make_pair(D::kKept, int64_t(4)));
    QCOMPARE(it1.at("사"), std::make_pair(D::kAddedChar, int64_t(6)));
    QCOMPARE(it1.at("아"), std::make_pair(D::kForcedExclude, int64_t(5)));
    const auto it2 = rows_of(rows, 2);
    QCOMPARE(it2.at("▁가나"), std::make_pair(D::kKept, int64_t(5)));  // rose: ▁가나다 is gone
    QCOMPARE(it2.at("▁마바"), std::make_pair(D::kDropped, int64_t(0)));  // fell: ▁마 is gone
    QCOMPARE(it2.at("사"), std::make_pair(D::kKept, int64_t(6)));
    QCOMPARE(it2.at("▁가").first, D::kForcedInclude);  // the override survives
    const auto it3 = rows_of(rows, 3);
    QCOMPARE(it3.size(), size_t(4));  // ▁가, ▁가나, 사, and 아 still excluded
    QCOMPARE(run.iterations[0].dropped, 3);
    QCOMPARE(run.iterations[0].added_chars, 1);
    QCOMPARE(run.final_counts.token_counts[12], uint64_t(5));

    const auto map = glossa::build_new_token_map(base, run.merged);
    QCOMPARE(map.size(), size_t(3));
    QCOMPARE(map[1].base_pieces, (std::vector<std::string>{"▁", "가", "나"}));
    QCOMPARE(map[2].base_ids, std::vector<int64_t>{0});  // 사 is unknown to the base
  }

  // Rare characters are dropped while frequent pieces made of them stay: SentencePiece still
  // forms such a piece from the characters, transformers' fast tokenizer cannot (it turns the
  // characters into bytes before merging). By default the expansion appends those characters.
  void charactersOfAppendedPiecesAreAppendedByDefault() {
    const SpModel base = tiny_bpe({{"▁", -1}, {"가", -2}, {"나", -3}});
    const SpModel intermediate = tiny_bpe({{"▁", -1}, {"다", -2}, {"▁다", -3}});
    const auto docs = repeat({{"다", 5}, {"가나", 1}});
    const glossa::SourceFactory corpus = [&] {
      return std::make_unique<glossa::VectorSource>(docs);
    };
    ExpansionOptions o;
    o.min_freq = 3;
    std::vector<VocabDecisionRow> rows;
    std::vector<std::string> warnings;
    const glossa::JobControl job({}, [&](const glossa::JobWarning& w) {
      warnings.push_back(w.message);
    });
    const auto record = [&](const std::vector<VocabDecisionRow>& r) {
      rows.insert(rows.end(), r.begin(), r.end());
    };
    const auto run = glossa::expand_vocabulary(base, intermediate, corpus, o, record, job);
    // 다 alone is never a token once ▁다 exists (count 0 < 3): dropped, then re-added for ▁다.
    QCOMPARE(run.merged.size(), base.size() + 2);
    QCOMPARE(run.merged.piece(base.size()).piece, std::string("▁다"));
    QCOMPARE(run.piece_chars, (std::vector<std::string>{"다"}));
    QVERIFY(run.fast_agreement.agrees());
    QVERIFY(warnings.empty());
    const auto last = rows_of(rows, run.iterations.back().iteration);
    QCOMPARE(last.at("다").first, VocabDecision::kAddedChar);
    bool reason_given = false;
    for (const auto& r : rows)
      reason_given |= r.piece == "다" && r.reason.find("fast tokenizer") != std::string::npos;
    QVERIFY(reason_given);

    o.piece_chars = false;
    o.score_policy = "zero";
    const auto bare = glossa::expand_vocabulary(base, intermediate, corpus, o, {}, job);
    QCOMPARE(bare.merged.size(), base.size() + 1);
    QCOMPARE(bare.fast_agreement.unformable, 1);
    QCOMPARE(int(warnings.size()), 1);
    QVERIFY2(warnings[0].find("'▁다'") != std::string::npos, warnings[0].c_str());
  }

  // Issue 17, point 3: with the default options, SentencePiece and transformers' slow and fast
  // tokenizers split held-out reviews identically; `zero` ties and bare pieces (piece_chars
  // off) are flagged by the check and really split differently (bench/score_policy_agreement.sh
  // measures the full NSMC case).
  void defaultExpansionAgreesWithTransformersOnHeldOutReviews() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_PYTHON(py);
    QTemporaryDir dir;
    const std::string corpus = dir.filePath("reviews.txt").toStdString();
    const std::string held = dir.filePath("held.txt").toStdString();
    {
      std::ofstream out(corpus);
      for (const auto& r : glossa::test::nsmcReviews(nsmc, 20000)) out << r << '\n';
      std::ofstream held_out(held);
      for (const auto& r : glossa::test::nsmcReviews(nsmc, 1000, 30000)) held_out << r << '\n';
    }
    glossa::TokenizerTrainerConfig trainer;
    trainer.vocab_size = 4000;
    glossa::VectorSource training(glossa::test::nsmcReviews(nsmc, 20000));
    glossa::train_tokenizer(training, trainer, dir.filePath("ko").toStdString(), glossa::JobControl());
    QStringList folders;
    std::map<std::string, glossa::FastAgreementCheck> checks;
    for (const auto& [name, policy, chars] :
         std::vector<std::tuple<std::string, std::string, bool>>{
             {"default", ExpansionOptions().score_policy, ExpansionOptions().piece_chars},
             {"zero", "zero", true},
             {"bare", "below-base", false}}) {
      ExpansionOptions o;
      o.base_model = llama.toStdString();
      o.intermediate_model = dir.filePath("ko.model").toStdString();
      o.corpus_files = {corpus};
      o.min_freq = 20;
      o.threads = 2;
      o.score_policy = policy;
      o.piece_chars = chars;
      const std::string out = dir.filePath(QString::fromStdString(name)).toStdString();
      const auto result = glossa::run_vocab_expansion(o, out, "", glossa::JobControl());
      const auto& final = result.report.at("final");
      glossa::FastAgreementCheck check;
      check.tied = final.at("fast_tokenizer_ties").get<int>();
      check.unformable = final.at("fast_tokenizer_unformable").get<int>();
      checks[name] = check;
      folders << QString::fromStdString(name + "=" + out);
    }
    QCOMPARE(ExpansionOptions().score_policy, std::string("below-base"));
    QVERIFY(checks["default"].agrees());
    QVERIFY(checks["zero"].tied > 0);
    QVERIFY(checks["bare"].unformable > 0 && checks["bare"].tied == 0);

    const auto agreement = glossa::test::run(
        py, QStringList{glossa::test::pythonScript("score_policy_agreement.py"),
                        QString::fromStdString(held)} + folders);
    QVERIFY2(agreement.exit_code == 0, agreement.err.right(3000).constData());
    std::map<std::string, nlohmann::json> rows;
    for (const QByteArray& line : agreement.out.trimmed().split('\n')) {
      const auto row = nlohmann::json::parse(line.toStdString());
      rows[row.at("name").get<std::string>()] = row;
      qInfo("%s", line.constData());
    }
    for (const char* name : {"default", "zero", "bare"}) {
      QCOMPARE(rows.at(name).at("lines").get<int>(), 1000);
      QCOMPARE(rows.at(name).at("slow_differs").get<int>(), 0);
    }
    QCOMPARE(rows.at("default").at("fast_differs").get<int>(), 0);
    QVERIFY(rows.at("zero").at("fast_differs").get<int>() > 0);
    QVERIFY(rows.at("bare").at("fast_differs").get<int>() > 0);
  }

  // A failed or cancelled expansion leaves the project as it was: no unfinished session in an
  // existing database, no database it created, no output folder (issue 17).
  void cancelledExpansionLeavesNoSessionAndNoFiles() {
    QTemporaryDir dir;
    const std::string base_path = dir.filePath("base.model").toStdString();
    const std::string intermediate_path = dir.filePath("ko.model").toStdString();
    tiny_bpe({{"▁", -1}, {"가", -2}, {"나", -3}}).save(base_path);
    tiny_bpe({{"▁", -1}, {"다", -2}, {"▁다", -3}, {"▁가나", -4}}).save(intermediate_path);
    const std::string corpus = dir.filePath("corpus.txt").toStdString();
    glossa::write_file_atomically(corpus, "다\n가나\n다 가나\n");
    ExpansionOptions o;
    o.base_model = base_path;
    o.intermediate_model = intermediate_path;
    o.corpus_files = {corpus};
    o.min_freq = 1;
    const std::string project = dir.filePath("project.sqlite").toStdString();
    glossa::run_vocab_expansion(o, dir.filePath("first").toStdString(), project,
                                glossa::JobControl());
    const auto sessions = [&] {
      glossa::SqliteDb db(project);
      return glossa::VocabSessionStore(db).sessions().size();
    };
    QCOMPARE(sessions(), size_t(1));

    for (const std::string& database : {project, std::string()}) {
      const std::string out = dir.filePath("cancelled").toStdString();
      const glossa::JobControl* self = nullptr;
      const glossa::JobControl job([&](const glossa::JobProgress& p) {
        if (p.phase.find("iteration 1") != std::string::npos) self->cancel();
      });
      self = &job;
      QVERIFY_THROWS_EXCEPTION(glossa::CancelledError,
                               glossa::run_vocab_expansion(o, out, database, job));
      QVERIFY2(!std::filesystem::exists(out), out.c_str());
    }
    QCOMPARE(sessions(), size_t(1));
    QCOMPARE(glossa::test::error_of([&] {
               glossa::run_vocab_expansion(o, dir.filePath("first").toStdString(), project,
                                           glossa::JobControl());
             }),
             QString());
    QCOMPARE(sessions(), size_t(2));  // the database still takes new sessions
  }

  void optionsRoundTripThroughJson() {
    ExpansionOptions o;
    o.base_model = "base.model";
    o.corpus_files = {"a.txt", "b.jsonl"};
    o.reader.format = glossa::CorpusFormat::kJsonl;
    o.reader.field = "body";
    o.min_freq = 7;
    o.script = "hangul";
    o.char_min_freq = 9;
    o.force_include = {"▁가"};
    o.threads = 3;
    o.score_policy = "zero";
    o.piece_chars = false;
    const auto back = ExpansionOptions::from_json(o.to_json());
    QCOMPARE(back.to_json(), o.to_json());
    QCOMPARE(back.reader.field, std::string("body"));
    auto bad = o.to_json();
    bad["min_frq"] = 3;
    QVERIFY_THROWS_EXCEPTION(glossa::Error, ExpansionOptions::from_json(bad));
    bad = o.to_json();
    bad["script"] = "klingon";
    QVERIFY_THROWS_EXCEPTION(glossa::Error, ExpansionOptions::from_json(bad));
    bad = o.to_json();
    bad["min_freq"] = "many";
    try {
      ExpansionOptions::from_json(bad);
      QFAIL("a string min_freq was accepted");
    } catch (const glossa::Error& e) {
      QVERIFY2(QString(e.what()).contains("min_freq"), e.what());
    }
  }

  void llama2PlusNsmcReachesAFixedPointWithExactCounts() {
    GLOSSA_REQUIRE_SHARED(llama, "tokenizers/llama2/tokenizer.model");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    const QString spm_train = QStandardPaths::findExecutable("spm_train");
    if (spm_train.isEmpty()) GLOSSA_MISSING("spm_train (Debian package sentencepiece) not installed");
    QTemporaryDir dir;
    const auto reviews = read_lines(nsmc.toStdString(), 8000);
    const std::string corpus = dir.filePath("reviews.txt").toStdString();
    {
      std::ofstream out(corpus);
      for (const auto& r : reviews) out << r << '\n';
    }
    const QString prefix = dir.filePath("ko");
    const auto trained = glossa::test::run(
        spm_train, {"--input=" + QString::fromStdString(corpus), "--model_prefix=" + prefix,
                    "--vocab_size=2000", "--model_type=bpe", "--character_coverage=0.9995"});
    QVERIFY2(trained.exit_code == 0, trained.err.right(2000).constData());

    ExpansionOptions o;
    o.base_model = llama.toStdString();
    o.intermediate_model = (prefix + ".model").toStdString();
    o.corpus_files = {corpus};
    o.min_freq = 40;
    o.script = "hangul";
    o.char_min_freq = 30;
    o.force_include = {"▁재밌"};
    o.threads = 2;
    const std::string out = dir.filePath("out").toStdString();
    const auto result = glossa::run_vocab_expansion(o, out, "", glossa::JobControl());
    const auto& report = result.report;
    QVERIFY2(report.at("converged").get<bool>(), report.dump(2).c_str());
    const auto& iterations = report.at("iterations");
    QVERIFY(iterations.size() >= 2);
    QVERIFY(iterations[0].at("dropped").get<int>() > 0);  // min_freq drops some candidates
    QCOMPARE(iterations.back().at("dropped").get<int>(), 0);
    QCOMPARE(iterations.back().at("added_chars").get<int>(), 0);

    // Every candidate has its iteration-0 row and one row in every pass it took part in.
    glossa::SqliteDb db(result.database);
    glossa::VocabSessionStore store(db);
    const auto rows = store.decisions(result.session_id);
    std::map<std::string, int> last_iteration;
    for (const auto& r : rows) {
      QVERIFY(last_iteration[r.piece] <= r.iteration);
      last_iteration[r.piece] = r.iteration;
    }
    const SpModel base = SpModel::load(o.base_model);
    const SpModel merged = SpModel::load(out + "/tokenizer.model");
    const int passes = int(iterations.size());
    std::map<int, int> judged;  // iteration -> rows
    for (const auto& r : rows) ++judged[r.iteration];
    for (int i = 1; i <= passes; ++i)
      QCOMPARE(judged[i], iterations[size_t(i - 1)].at("candidates").get<int>() +
                              iterations[size_t(i - 1)].at("added_chars").get<int>());
    for (int id = base.size(); id < merged.size(); ++id) {
      const auto& piece = merged.piece(id).piece;
      QVERIFY2(last_iteration.count(piece), piece.c_str());
      QCOMPARE(last_iteration[piece], passes);
    }
    QVERIFY(merged.contains("▁재밌"));
    QCOMPARE(store.latest_decisions(result.session_id).size() > size_t(merged.size() - base.size()),
             true);

    // The merged model keeps every base piece byte for byte, at its id.
    QVERIFY(merged.size() > base.size());
    for (int id = 0; id < base.size(); ++id) {
      QCOMPARE(merged.piece(id).piece, base.piece(id).piece);
      QCOMPARE(merged.piece(id).type, base.piece(id).type);
      QCOMPARE(merged.piece(id).score, base.piece(id).score);
    }

    // token_counts.tsv equals a brute-force encode of every review with the merged model.
    const auto sp = glossa::SpProcessor::load(out + "/tokenizer.model");
    std::vector<uint64_t> want(size_t(sp->vocab_size()), 0);
    for (const auto& r : reviews)
      for (const int id : sp->encode(r)) ++want[size_t(id)];
    std::istringstream tsv(glossa::read_file(out + "/token_counts.tsv"));
    std::string line;
    std::getline(tsv, line);
    QCOMPARE(line, std::string("id\tpiece\tcount"));
    size_t lines = 0;
    while (std::getline(tsv, line)) {
      const auto last_tab = line.rfind('\t');
      QCOMPARE(std::stoull(line.substr(last_tab + 1)), want.at(lines));
      ++lines;
    }
    QCOMPARE(lines, want.size());

    // The new-token map: one line per appended piece; base pieces spell the piece exactly.
    const auto map = glossa::read_new_token_map(out + "/new_token_map.jsonl");
    QCOMPARE(int(map.size()), merged.size() - base.size());
    for (const auto& e : map) {
      QCOMPARE(e.piece, merged.piece(e.id).piece);
      QCOMPARE(join_pieces(e.base_pieces), e.piece);
    }
    QCOMPARE(nlohmann::json::parse(glossa::read_file(out + "/expansion_report.json")), report);
    // The HF files next to tokenizer.model (hf_tokenizer_files.h).
    const auto config = nlohmann::json::parse(glossa::read_file(out + "/tokenizer_config.json"));
    QCOMPARE(config.at("tokenizer_class").get<std::string>(), std::string("LlamaTokenizer"));
    QVERIFY(std::filesystem::exists(out + "/special_tokens_map.json"));
  }
};

QTEST_GUILESS_MAIN(TestVocabExpander)
#include "test_vocab_expander.moc"

// ctest-labels: unit data
#include <QTemporaryDir>
#include <QtTest>
#include <random>

#include "support/test_support.h"
#include "tokenizer/spm/bpe_encoder.h"
#include "tokenizer/corpus/corpus_reader.h"
#include "base/error.h"
#include "tokenizer/spm/model_merge.h"
#include "tokenizer/spm/sp_model.h"
#include "tokenizer/spm/sp_processor.h"
#include "tokenizer/spm/tokenizer_trainer.h"
#include "tokenizer/vocab/vocab_counter.h"

using glossa::BpeEncoder;
using glossa::Piece;
using glossa::PieceType;
using glossa::SpModel;
using glossa::SpProcessor;

namespace {

// A model under test: libsentencepiece (the reference) and our encoder for it.
struct Pair {
  std::shared_ptr<const SpProcessor> sp;
  std::optional<BpeEncoder> bpe;
};

std::vector<std::string> read_docs(const QString& path, const std::string& column,
                                   size_t limit = SIZE_MAX) {
  glossa::CorpusReaderOptions options;
  options.column = column;
  glossa::CorpusReader reader(path.toStdString(), options);
  std::vector<std::string> docs;
  glossa::Document doc;
  while (docs.size() < limit && reader.next(&doc)) docs.push_back(doc.text);
  return docs;
}

// Cuts a document the way vocab_counter does: before each ASCII space that follows a non-space
// byte; later segments lose one leading space.
std::vector<std::string_view> segments(std::string_view doc) {
  std::vector<std::string_view> out;
  size_t begin = 0;
  for (size_t i = 1; i <= doc.size(); ++i) {
    if (i == doc.size() || (doc[i] == ' ' && doc[i - 1] != ' ')) {
      const size_t skip = begin == 0 ? 0 : 1;
      out.push_back(doc.substr(begin + skip, i - begin - skip));
      begin = i;
    }
  }
  return out;
}

QString show(const SpProcessor& sp, const std::vector<int>& ids) {
  QStringList parts;
  for (const int id : ids)
    parts << QStringLiteral("%1:%2").arg(id).arg(
        QString::fromStdString(sp.model().piece(id).piece));
  return parts.join(QLatin1Char(' '));
}

// Empty when every text encodes identically, else the first difference.
QString first_mismatch(const Pair& m, const std::vector<std::string_view>& texts) {
  std::vector<int> want, got;
  for (const std::string_view t : texts) {
    m.sp->encode(t, &want);
    m.bpe->encode(t, &got);
    if (want != got) {
      return QStringLiteral("%1: text '%2'\n  sentencepiece: %3\n  bpe_encoder:   %4")
          .arg(QString::fromStdString(m.sp->origin()),
               QString::fromUtf8(t.data(), qsizetype(t.size())).left(300), show(*m.sp, want),
               show(*m.sp, got));
    }
  }
  return {};
}

std::vector<std::string_view> views(const std::vector<std::string>& docs) {
  return {docs.begin(), docs.end()};
}

// Random text from pieces that exercise every rule: spaces and their runs, tabs, newlines, a
// literal "▁", Hangul, characters no vocabulary has (byte fallback / unk), the odd pieces of
// make_odd_model, and occasionally an invalid UTF-8 byte.
std::vector<std::string> unicode_soup(size_t count, bool invalid_bytes, uint32_t seed) {
  const std::vector<std::string> atoms = {
      " ",      " ",      "  ",     "   ",    "\t",     "\n",   "\r\n",
      "▁",      "a",      "the",    "The",    "ing",    "ung",  "ß",
      "ä",      "가",     "나",     "다",     "가나다", "나다", "안녕",
      "하세요", "ㅋㅋ",   "<ko>",   "§",      "ꙮ",      "@@",   "😀",
      "𝔘",      "\u0301", "\u00A0", "\u3000", "\u200B", "漢",   "字",
      "中文",   "1",      "23",     ".",      "!",      "...",  "\xEF\xBF\xBD",
      "0x",     "<s>",    "<0x41>"};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, atoms.size() - 1), len(0, 14), cp(0x80, 0x2FFFF);
  std::vector<std::string> out = {"", " ", "  ", "\t", "▁", " ▁ ", "a ", " a", "a  b  "};
  while (out.size() < count) {
    std::string s;
    const size_t n = len(rng);
    for (size_t i = 0; i < n; ++i) {
      const size_t k = pick(rng);
      if (k % 9 == 0) {  // a random code point (skipping surrogates)
        char32_t c = char32_t(cp(rng));
        if (c >= 0xD800 && c < 0xE000) c = 0xE000;
        QString q = QString::fromUcs4(&c, 1);
        s += q.toStdString();
      } else if (invalid_bytes && k % 13 == 1) {
        s += (rng() & 1) ? "\xFF" : "\xC3";
      } else {
        s += atoms[k];
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

class TestBpeEncoder : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  std::vector<Pair> models_;  // all accepted by BpeEncoder::try_create
  Pair tiny_;                 // no byte fallback, identity normalisation, user-defined pieces

  Pair make(const SpModel& model, const std::string& name) {
    Pair p{SpProcessor::from_model(model, name), std::nullopt};
    std::string why;
    p.bpe = BpeEncoder::try_create(model, &why);
    if (!p.bpe) qWarning("%s refused: %s", name.c_str(), why.c_str());
    return p;
  }

  SpModel train(const std::vector<std::string>& docs, glossa::TokenizerTrainerConfig config,
                const std::string& name) {
    glossa::VectorSource source(docs);
    config.num_threads = 2;
    return glossa::train_tokenizer(source, config,
                                   dir_.filePath(QString::fromStdString(name)).toStdString(),
                                   glossa::JobControl())
        .model;
  }

  // Llama 2 plus UNUSED pieces (resegmented into their parts) and their parts, all with score 0
  // (ties).
  static SpModel make_odd_model(SpModel m) {
    for (const char* p : {"가나", "나다", "안녕하", "ㅋㅋ"})
      if (!m.contains(p)) m.append({p, 0.0f, PieceType::kNormal});
    for (const char* p : {"가나다", "▁가나다", "안녕하세요", "▁the▁"})
      if (!m.contains(p)) m.append({p, 0.0f, PieceType::kUnused});
    return m;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    const QString llama = glossa::test::sharedFile("tokenizers/llama2/tokenizer.model");
    const QString chinese = glossa::test::sharedFile("tokenizers/chinese_llama/chinese_sp.model");
    const QString nsmc = glossa::test::sharedFile("korean/nsmc_reviews.tsv");
    if (llama.isEmpty() || chinese.isEmpty() || nsmc.isEmpty()) return;
    const SpModel base = SpModel::load(llama.toStdString());
    glossa::TokenizerTrainerConfig ko;
    ko.vocab_size = 8000;
    ko.normalization_rule_name = "identity";
    const SpModel korean = train(read_docs(nsmc, "review", 30000), ko, "ko");
    glossa::MergeOptions zero, below;
    below.score_policy = glossa::ScorePolicy::kBelowBase;
    models_.push_back(make(base, "llama2"));
    models_.push_back(make(glossa::merge_models(base, korean, zero, nullptr), "llama2+ko(0)"));
    models_.push_back(make(glossa::merge_models(base, korean, below, nullptr), "llama2+ko(below)"));
    models_.push_back(
        make(glossa::merge_models(base, SpModel::load(chinese.toStdString()), zero, nullptr),
             "llama2+chinese_sp"));
    models_.push_back(make(make_odd_model(base), "llama2+unused"));
    models_.push_back(make(base.with_normalizer_flags(false, true), "llama2 -prefix +remove"));
    glossa::TokenizerTrainerConfig small;
    small.vocab_size = 1500;
    small.character_coverage = 0.98;
    small.byte_fallback = false;
    small.normalization_rule_name = "identity";
    small.user_defined_symbols = {"<ko>", "ㅋㅋ"};
    tiny_ = make(train(read_docs(nsmc, "review", 3000), small, "tiny"), "tiny (no byte fallback)");
    models_.push_back(make(tiny_.sp->model().with_normalizer_flags(true, false), "tiny +prefix"));
  }

  void acceptsIdentityBpeModels() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers or NSMC missing");
    QVERIFY(tiny_.bpe.has_value());
    QVERIFY(!tiny_.sp->model().settings().byte_fallback);
    for (const Pair& m : models_) QVERIFY2(m.bpe.has_value(), m.sp->origin().c_str());
    QCOMPARE(models_[1].bpe->vocab_size(), models_[1].sp->vocab_size());
  }

  void refusesModelsItCannotReproduce() {
    GLOSSA_REQUIRE_SHARED(lammlein, "tokenizers/llammlein_de/tokenizer.model");
    const SpModel l = SpModel::load(lammlein.toStdString());
    QCOMPARE(l.settings().model_type, glossa::SpModelType::kBpe);
    std::string why;
    QVERIFY(!BpeEncoder::try_create(l, &why));
    QVERIFY2(why.find("precompiled character map") != std::string::npos, why.c_str());
    QVERIFY2(why.find("nmt_nfkc") != std::string::npos, why.c_str());
    glossa::TokenizerTrainerConfig uni;
    uni.model_type = glossa::SpModelType::kUnigram;
    uni.vocab_size = 1500;
    uni.character_coverage = 0.98;
    uni.normalization_rule_name = "identity";
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    const auto text = read_docs(nsmc, "review", 3000);
    why.clear();
    QVERIFY(!BpeEncoder::try_create(train(text, uni, "uni"), &why));
    QVERIFY2(why.find("unigram") != std::string::npos, why.c_str());
    // A one-character CONTROL piece: SentencePiece fails on text holding that character.
    SpModel control =
        SpModel::load(glossa::test::sharedFile("tokenizers/llama2/tokenizer.model").toStdString());
    control.append({"ꙮ", 0.0f, PieceType::kControl});
    QVERIFY_THROWS_EXCEPTION(glossa::Error,
                             SpProcessor::from_model(control, "control")->encode("aꙮ"));
    why.clear();
    QVERIFY(!BpeEncoder::try_create(control, &why));
    QVERIFY2(why.find("CONTROL") != std::string::npos, why.c_str());
  }

  void equalsSentencePieceOnAllNsmcReviews() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers or NSMC missing");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    const auto docs = read_docs(nsmc, "review");
    QCOMPARE(docs.size(), size_t(186946));
    std::vector<std::string_view> segs;
    for (const std::string& d : docs)
      for (const std::string_view s : segments(d)) segs.push_back(s);
    QVERIFY(segs.size() > docs.size() * 5);
    for (const Pair& m : models_) {
      QString diff = first_mismatch(m, views(docs));
      QVERIFY2(diff.isEmpty(), qPrintable(diff));
      diff = first_mismatch(m, segs);
      QVERIFY2(diff.isEmpty(), qPrintable(diff));
    }
  }

  void equalsSentencePieceOnGerDraCorPlays() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers or NSMC missing");
    GLOSSA_REQUIRE_SHARED(plays, "german/gerdracor_plays.jsonl");
    const auto docs = read_docs(plays, "", 50);
    QCOMPARE(docs.size(), size_t(50));
    std::vector<std::string_view> lines, segs;
    for (const std::string& d : docs) {
      size_t begin = 0;
      for (size_t nl = d.find('\n'); begin < d.size(); nl = d.find('\n', begin)) {
        if (nl == std::string::npos) nl = d.size();
        lines.push_back(std::string_view(d).substr(begin, nl - begin));
        begin = nl + 1;
      }
      for (const std::string_view s : segments(d)) segs.push_back(s);
    }
    QVERIFY(lines.size() > 10000);
    for (const Pair& m : models_) {
      for (const auto* texts : {&lines, &segs}) {
        const QString diff = first_mismatch(m, *texts);
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
      }
    }
    // Whole plays (hundreds of kB each): the heap path on long input.
    std::vector<std::string_view> whole(docs.begin(), docs.begin() + 5);
    const QString diff = first_mismatch(models_[1], whole);
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
  }

  void equalsSentencePieceOnUnicodeSoup() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers or NSMC missing");
    const auto soup = unicode_soup(20000, false, 7);
    const auto broken = unicode_soup(3000, true, 11);
    // Long soup (heap path) too.
    std::vector<std::string> longer_texts;
    for (size_t i = 0; i + 40 < soup.size() && longer_texts.size() < 300; i += 40) {
      std::string s;
      for (size_t j = i; j < i + 40; ++j) s += soup[j];
      longer_texts.push_back(s);
    }
    const std::vector<std::string>& longer = longer_texts;
    for (const Pair& m : models_) {
      for (const std::vector<std::string>* texts : {&soup, &broken, &longer}) {
        const QString diff = first_mismatch(m, views(*texts));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
      }
    }
  }

  void unknownCharactersWithoutByteFallbackGiveUnk() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers or NSMC missing");
    // Two runs of unknown characters: each run is ONE unk (SentencePiece merges them).
    const std::vector<int> ids = tiny_.bpe->encode("😀 漢字 <ko>ㅋㅋ");
    const int unk = tiny_.sp->model().settings().unk_id;
    QCOMPARE(std::count(ids.begin(), ids.end(), unk), 2);
    QCOMPARE(ids, tiny_.sp->encode("😀 漢字 <ko>ㅋㅋ"));
    const QString diff = first_mismatch(tiny_, views(unicode_soup(5000, true, 3)));
    QVERIFY2(diff.isEmpty(), qPrintable(diff));
  }

  void vocabCounterUsesItForMemoMisses() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers or NSMC missing");
    GLOSSA_REQUIRE_SHARED(nsmc, "korean/nsmc_reviews.tsv");
    GLOSSA_REQUIRE_SHARED(lammlein, "tokenizers/llammlein_de/tokenizer.model");
    const auto docs = read_docs(nsmc, "review", 5000);
    const auto count = [&](const SpProcessor& sp) {
      glossa::VectorSource source(docs);
      return glossa::count_corpus(sp, source, {}, glossa::JobControl());
    };
    const SpProcessor& ko = *models_[1].sp;
    const glossa::CountResult fast = count(ko);
    QCOMPARE(fast.encoder, std::string("bpe_encoder"));
    std::vector<uint64_t> want(size_t(ko.vocab_size()), 0);
    for (const std::string& d : docs)
      for (const int id : ko.encode(d)) ++want[size_t(id)];
    QVERIFY(fast.token_counts == want);
    const glossa::CountResult slow = count(*SpProcessor::load(lammlein.toStdString()));
    QVERIFY2(slow.encoder.rfind("sentencepiece (", 0) == 0, slow.encoder.c_str());
    QVERIFY2(slow.encoder.find("precompiled") != std::string::npos, slow.encoder.c_str());
  }

  void resegmentsUnusedPieces() {
    if (models_.empty()) GLOSSA_MISSING("shared tokenizers or NSMC missing");
    const Pair& odd = models_[4];
    const std::vector<int> ids = odd.bpe->encode("가나다 안녕하세요 the the");
    for (const int id : ids)
      QVERIFY2(odd.sp->model().piece(id).type != PieceType::kUnused,
               qPrintable(show(*odd.sp, ids)));
    QCOMPARE(ids, odd.sp->encode("가나다 안녕하세요 the the"));
  }
};

QTEST_GUILESS_MAIN(TestBpeEncoder)
#include "test_bpe_encoder.moc"

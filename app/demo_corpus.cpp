#include "app/demo_corpus.h"

#include <QStringList>
#include <cmath>
#include <random>
#include <vector>

namespace glossa::app {

namespace {

// Picks index i of n with weight 1 / (i + 1): a few words are everywhere, most are rare.
class Zipf {
 public:
  explicit Zipf(int n) {
    double sum = 0;
    for (int i = 0; i < n; ++i) cumulative_.push_back(sum += 1.0 / (i + 1));
  }
  int operator()(std::mt19937& rng) const {
    const double u = std::uniform_real_distribution<double>(0, cumulative_.back())(rng);
    return int(std::lower_bound(cumulative_.begin(), cumulative_.end(), u) - cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

const QStringList kNouns = QStringLiteral(
    "영화 사람 오늘 친구 시간 학교 가족 음식 날씨 도시 나라 언어 문장 단어 책 음악 노래 사진 여행 "
    "바다 산 하늘 아침 저녁 마음 생각 이야기 문제 방법 세상 회사 집 길 물 밥 커피 버스 지하철 공원 "
    "도서관 시장 병원 학생 선생님 아이 부모님 동생 고양이 강아지 꽃 나무 비 눈 바람 봄 여름 가을 "
    "겨울 주말 계획 경험 기억 사랑 행복 연구 데이터 컴퓨터 프로그램 모델 어휘 배우 감독 장면 결말 "
    "주인공 극장 표 연기 대사 음악회 축제 기차 공항 호텔 식당 김치 라면 떡볶이 빵 과일 우유")
    .split(QLatin1Char(' '));
// Verbs are 하다 verbs: a noun stem with one of many endings, so stems recur in many forms (as in
// real Korean text) and a tokenizer keeps them as pieces of their own.
const QStringList kVerbStems = QStringLiteral(
    "공부 운동 여행 생각 이야기 준비 연습 시작 사랑 추천 기대 감동 실망 요리 청소 산책 정리 노력 "
    "결정 설명 소개 발표 연구 선택 출발 도착 고민 걱정 약속 대답")
    .split(QLatin1Char(' '));
const QStringList kVerbEndings = QStringLiteral(
    "해요 했다 했어요 한다 합니다 했습니다 하고 해서 하면 하지만 하는데 할까요 하세요 했지만 할게요")
    .split(QLatin1Char(' '));
const QStringList kAdverbs = QStringLiteral(
    "정말 아주 너무 조금 많이 다시 같이 함께 항상 가끔 벌써 아직 천천히 빨리 처음 결국 진짜 꼭")
    .split(QLatin1Char(' '));
const QStringList kAdjectives = QStringLiteral(
    "새로운 오래된 작은 큰 좋은 나쁜 예쁜 조용한 따뜻한 시원한 슬픈 멋진 유명한 맛있는 재미있는")
    .split(QLatin1Char(' '));

// Whether the last syllable has a final consonant (받침): 책 yes, 영화 no.
bool has_final(const QString& word) {
  const char16_t c = word.back().unicode();
  return c >= 0xAC00 && c <= 0xD7A3 && (c - 0xAC00) % 28 != 0;
}

QString topic(const QString& n) { return n + (has_final(n) ? "은" : "는"); }
QString other_particle(const QString& n, std::mt19937& rng) {
  static const char* const kPlain[] = {"도", "만", "의", "에", "에서", "부터", "까지", "처럼"};
  switch (rng() % 4) {
    case 0: return n + (has_final(n) ? "으로" : "로");
    case 1: return n;  // bare
    default: return n + QString::fromUtf8(kPlain[rng() % 8]);
  }
}
QString subject(const QString& n) { return n + (has_final(n) ? "이" : "가"); }
QString object(const QString& n) { return n + (has_final(n) ? "을" : "를"); }
QString with(const QString& n) { return n + (has_final(n) ? "과" : "와"); }
QString place(const QString& n, std::mt19937& rng) {
  return n + (rng() % 2 ? QStringLiteral("에서") : QStringLiteral("에"));
}

QString korean_sentence(std::mt19937& rng, const Zipf& nouns, const Zipf& stems, const Zipf& endings,
                        const Zipf& small) {
  const auto noun = [&] { return kNouns[nouns(rng)]; };
  QStringList w;
  if (rng() % 3 == 0) w << kAdverbs[small(rng) % kAdverbs.size()];
  switch (rng() % 5) {
    case 0: w << topic(noun()) << kAdjectives[small(rng) % kAdjectives.size()] + " " + object(noun()); break;
    case 1: w << subject(noun()) << place(noun(), rng); break;
    case 2: w << with(noun()) << object(noun()); break;
    case 3: w << other_particle(noun(), rng) << object(noun()); break;
    default: w << topic(noun()) << other_particle(noun(), rng); break;
  }
  if (rng() % 2) w << kAdverbs[small(rng) % kAdverbs.size()];
  w << kVerbStems[stems(rng)] + kVerbEndings[endings(rng)];
  return w.join(QLatin1Char(' ')) + (rng() % 5 == 0 ? QStringLiteral("!") : QStringLiteral("."));
}

}  // namespace

QString demo_korean_text(int sentences, unsigned seed) {
  std::mt19937 rng(seed);
  const Zipf nouns(int(kNouns.size())), stems(int(kVerbStems.size())),
      endings(int(kVerbEndings.size())), small(18);
  QString text;
  for (int i = 0; i < sentences; ++i) text += korean_sentence(rng, nouns, stems, endings, small) + '\n';
  return text;
}

QString demo_english_text(int sentences, unsigned seed) {
  static const QStringList subjects = QStringLiteral(
      "the model|a student|my friend|the teacher|our team|the tokenizer|a child|the city|this film|"
      "the reviewer|a researcher|the corpus|my family|the engineer|a reader").split('|');
  static const QStringList verbs = QStringLiteral(
      "reads|learns|likes|writes|builds|splits|counts|watches|remembers|explains|trains on|visits|"
      "finds|needs|prefers").split('|');
  static const QStringList objects = QStringLiteral(
      "a new language|the long sentence|every word|the old book|a short story|the weather report|"
      "many tokens|the quiet park|a good movie|the small dataset|the evening news|a warm meal|"
      "the first chapter|a simple example").split('|');
  std::mt19937 rng(seed + 1);
  const Zipf s(int(subjects.size())), v(int(verbs.size())), o(int(objects.size()));
  QString text;
  for (int i = 0; i < sentences; ++i) {
    QString line = subjects[s(rng)] + ' ' + verbs[v(rng)] + ' ' + objects[o(rng)] + '.';
    line[0] = line[0].toUpper();
    text += line + '\n';
  }
  return text;
}

}  // namespace glossa::app

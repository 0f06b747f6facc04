// Lines from a byte stream with bounded memory (protocol/line_splitter.h): lines split across
// reads are joined, "\r\n" and empty lines are handled, and a line over the limit costs at most
// the limit in memory, whether it comes in one read or in many, and is reported once with its
// size when its newline arrives.
#include <QtTest>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/line_splitter.h"

using glossa::protocol::kMaxLineBytes;
using glossa::protocol::LineSplitter;

namespace {

// Feeds chunks and records what comes out.
struct Recorder {
  std::vector<std::string> lines;
  std::vector<std::size_t> oversize;

  void feed(LineSplitter& s, std::string_view bytes) {
    s.feed(
        bytes, [this](std::string_view line) { lines.emplace_back(line); },
        [this](std::size_t n) { oversize.push_back(n); });
  }
};

using Lines = std::vector<std::string>;

}  // namespace

class TestLineSplitter : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void splitsCompleteLines() {
    LineSplitter s;
    Recorder r;
    r.feed(s, "{\"a\":1}\n{\"b\":2}\n");
    QCOMPARE(r.lines, (Lines{"{\"a\":1}", "{\"b\":2}"}));
    QCOMPARE(s.pending(), std::size_t(0));
    QVERIFY(!s.has_partial_line());
  }

  void joinsHalfLinesAcrossFeeds() {
    LineSplitter s;
    Recorder r;
    r.feed(s, "{\"a\"");
    QVERIFY(r.lines.empty());
    QCOMPARE(s.pending(), std::size_t(4));
    QVERIFY(s.has_partial_line());
    r.feed(s, ":1}\n{\"b\"");
    r.feed(s, ":2}");
    r.feed(s, "\n");
    QCOMPARE(r.lines, (Lines{"{\"a\":1}", "{\"b\":2}"}));
    QVERIFY(!s.has_partial_line());
  }

  void stripsTheCarriageReturnOfCrLf() {
    LineSplitter s;
    Recorder r;
    r.feed(s, "a\r\nb\r");
    r.feed(s, "\nc\rd\n");  // a "\r" inside a line is the line's
    QCOMPARE(r.lines, (Lines{"a", "b", "c\rd"}));
  }

  void skipsEmptyLines() {
    LineSplitter s;
    Recorder r;
    r.feed(s, "\n\n\r\nx\n\n");
    r.feed(s, "\r");
    r.feed(s, "\n");
    QCOMPARE(r.lines, (Lines{"x"}));
  }

  // The limit counts every byte before the '\n', a "\r" included.
  void aLineOfExactlyTheLimitPasses() {
    LineSplitter s(8);
    Recorder r;
    r.feed(s, "12345678\n1234567\r\n123456789\n12345678\r\n");
    QCOMPARE(r.lines, (Lines{"12345678", "1234567"}));
    QCOMPARE(r.oversize, (std::vector<std::size_t>{9, 9}));
  }

  void oversizedLineInOneFeedIsDiscardedAndReportedOnce() {
    LineSplitter s;
    Recorder r;
    const std::string big(kMaxLineBytes + 1, 'x');
    r.feed(s, "{\"before\":1}\n" + big + "\n{\"after\":2}\n");
    QCOMPARE(r.lines, (Lines{"{\"before\":1}", "{\"after\":2}"}));
    QCOMPARE(r.oversize, std::vector<std::size_t>{kMaxLineBytes + 1});
    QCOMPARE(s.pending(), std::size_t(0));
    QVERIFY(!s.discarding());
  }

  void oversizedLineIn4096ByteChunksKeepsMemoryBounded() {
    LineSplitter s;
    Recorder r;
    // The first line overflows in the chunk that holds its newline; the second one chunks
    // before its newline, so the splitter discards across reads.
    const std::string stream = std::string(kMaxLineBytes + 1, 'x') + "\n" +
                               std::string(kMaxLineBytes + 5000, 'y') + "\n{\"after\":2}\n";
    bool saw_discarding = false;
    for (std::size_t at = 0; at < stream.size(); at += 4096) {
      r.feed(s, std::string_view(stream).substr(at, 4096));
      QVERIFY(s.pending() <= kMaxLineBytes);
      saw_discarding |= s.discarding();
      // Reported when the newline arrives, not before.
      if (at + 4096 <= kMaxLineBytes) QVERIFY(r.oversize.empty());
    }
    QVERIFY(saw_discarding);
    QCOMPARE(r.oversize, (std::vector<std::size_t>{kMaxLineBytes + 1, kMaxLineBytes + 5000}));
    QCOMPARE(r.lines, (Lines{"{\"after\":2}"}));
    QVERIFY(!s.has_partial_line());
  }

  void oversizedLineFedByteByByte() {
    LineSplitter s(16);
    Recorder r;
    const std::string stream = std::string(40, 'y') + "\nok\n" + std::string(17, 'z') + "\n";
    for (char c : stream) {
      r.feed(s, std::string_view(&c, 1));
      QVERIFY(s.pending() <= 16);
    }
    QCOMPARE(r.lines, (Lines{"ok"}));
    QCOMPARE(r.oversize, (std::vector<std::size_t>{40, 17}));
  }

  void aDiscardedLineLeftOpenIsAPartialLine() {
    LineSplitter s(4);
    Recorder r;
    r.feed(s, "abcdefgh");
    QVERIFY(s.discarding());
    QCOMPARE(s.pending(), std::size_t(0));
    QVERIFY(s.has_partial_line());
    QVERIFY(r.oversize.empty());
    r.feed(s, "ij\nab");
    QCOMPARE(r.oversize, std::vector<std::size_t>{10});
    QCOMPARE(s.pending(), std::size_t(2));
  }

  // The splitter's state is settled before on_line runs: a handler that throws does not glue
  // the next line to the one it refused.
  void aThrowingHandlerLeavesTheSplitterClean() {
    LineSplitter s;
    s.feed("ab", nullptr, nullptr);
    bool threw = false;
    try {
      s.feed(
          "c\n", [](std::string_view) { throw std::runtime_error("refused"); }, nullptr);
    } catch (const std::runtime_error&) {
      threw = true;
    }
    QVERIFY(threw);
    Recorder r;
    r.feed(s, "d\n");
    QCOMPARE(r.lines, (Lines{"d"}));
  }
};

QTEST_GUILESS_MAIN(TestLineSplitter)
#include "test_line_splitter.moc"

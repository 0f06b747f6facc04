// The one strict reader (base/strict_json.h): a misspelt key, a wrong type, an integer with a
// fraction, a negative count or an out-of-range value is an error that names the place, the key
// and the doc; lists are checked element by element.
#include <QtTest>
#include <array>
#include <map>
#include <optional>
#include <vector>

#include "base/strict_json.h"
#include "support/test_support.h"

using glossa::StrictJson;
using nlohmann::json;

namespace {
template <class T>
QString read_error(const json& value) {
  return glossa::test::error_of([&] {
    const json object = {{"key", value}};
    StrictJson r(object, "FILE.json", "docs/x.md");
    T out{};
    r.get("key", out);
    r.finish();
  });
}
}  // namespace

class TestStrictJson : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void readsWhatFits() {
    const json j = {{"i", 3}, {"u", 4}, {"d", 2.5}, {"d_int", 2}, {"b", true}, {"s", "x"},
                    {"v", {1, 2}}, {"a", {0.5, 1.5}}, {"m", {{"k", "v"}}}};
    StrictJson r(j, "FILE.json", "docs/x.md");
    int i = 0;
    uint64_t u = 0;
    double d = 0, d_int = 0;
    bool b = false;
    std::string s;
    std::vector<int64_t> v;
    std::array<double, 2> a{};
    std::map<std::string, std::string> m;
    std::optional<int> absent;
    r.get("i", i);
    r.get("u", u);
    r.get("d", d);
    r.get("d_int", d_int);
    r.get("b", b);
    r.get("s", s);
    r.get("v", v);
    r.get("a", a);
    r.get("m", m);
    r.get("absent", absent);
    r.finish();
    QCOMPARE(i, 3);
    QCOMPARE(u, uint64_t(4));
    QCOMPARE(d, 2.5);
    QCOMPARE(d_int, 2.0);  // an integer is a number
    QVERIFY(b);
    QCOMPARE(v.size(), size_t(2));
    QCOMPARE(a[1], 1.5);
    QCOMPARE(QString::fromStdString(m["k"]), QString("v"));
    QVERIFY(!absent);
  }

  void refusesAFractionForAnInteger() {
    const QString e = read_error<int64_t>(128.9);
    QVERIFY2(e.contains("FILE.json") && e.contains("'key'") && e.contains("integer") &&
                 e.contains("docs/x.md"),
             qPrintable(e));
    QVERIFY(read_error<int64_t>(128.0).contains("without a decimal point"));
  }

  void refusesNegativeForUnsigned() {
    QVERIFY(read_error<uint64_t>(-1).contains("non-negative"));
    QVERIFY(read_error<size_t>(-1).contains("non-negative"));
  }

  void refusesValuesOutOfRange() {
    QVERIFY(read_error<int>(int64_t(1) << 40).contains("from -2147483648 to 2147483647"));
    QVERIFY(read_error<uint8_t>(300).contains("from 0 to 255"));
  }

  void refusesOtherTypes() {
    QVERIFY(read_error<bool>(1).contains("true or false"));
    QVERIFY(read_error<double>("1.5").contains("number"));
    QVERIFY(read_error<std::string>(5).contains("string"));
    QVERIFY(read_error<std::vector<int>>(json::array({1, 2.5})).contains("element 1"));
    QVERIFY((read_error<std::array<double, 2>>(json::array({1}))).contains("list of 2"));
  }

  void refusesAnUnknownKeyNamingTheDoc() {
    const json j = {{"lr", 1e-4}, {"learning_rat", 3}};
    const QString e = glossa::test::error_of([&] {
      StrictJson r(j, "RUN.json: stages[1]", "docs/run-config.md");
      double lr = 0;
      r.get("lr", lr);
      r.finish();
    });
    QVERIFY2(e.contains("RUN.json: stages[1]") && e.contains("'learning_rat'") &&
                 e.contains("docs/run-config.md"),
             qPrintable(e));
  }

  void requireNamesTheMissingKey() {
    const QString e = glossa::test::error_of([] {
      const json j = json::object();
      StrictJson r(j, "opts", "docs/x.md");
      int n = 0;
      r.require("steps", n);
    });
    QVERIFY2(e.contains("'steps'") && e.contains("required"), qPrintable(e));
  }

  void refusesANonObject() {
    const QString e = glossa::test::error_of([] { StrictJson r(json::array(), "f", "docs/x.md"); });
    QVERIFY2(e.contains("expected a JSON object"), qPrintable(e));
  }
};

QTEST_GUILESS_MAIN(TestStrictJson)
#include "test_strict_json.moc"

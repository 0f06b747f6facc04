// ctest-labels: unit gui
// The New expansion dialog: what is missing is said in plain words (and OK stays disabled), and
// the jobs it asks for carry exactly the chosen files and settings.
#include <QDialogButtonBox>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "app/vocab/new_expansion_dialog.h"

using nlohmann::json;

class TestNewExpansionDialog : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void saysWhatIsMissingAndBuildsTheJobs() {
    QTemporaryDir dir;
    const QString base = dir.filePath("llama.model"), ko = dir.filePath("ko.model");
    for (const QString& f : {base, ko}) {
      QFile file(f);
      QVERIFY(file.open(QIODevice::WriteOnly));
    }
    glossa::app::NewExpansionDialog d(dir.filePath("p.glossa"));
    QVERIFY(d.problem().contains("base tokenizer"));
    QPushButton* ok = d.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    QVERIFY(!ok->isEnabled());
    d.set_base(dir.filePath("missing.model"));
    QVERIFY(d.problem().contains("does not exist"));
    d.set_base(base);
    QVERIFY(d.problem().contains("intermediate"));
    d.set_intermediate(ko);
    QVERIFY(d.problem().contains("corpus"));
    d.add_corpus(dir.filePath("ko.txt"));
    QCOMPARE(d.problem(), QString());
    QVERIFY(ok->isEnabled());
    if (const QString shots = qEnvironmentVariable("GLOSSA_SCREENSHOTS"); !shots.isEmpty()) {
      d.show();
      QVERIFY(QTest::qWaitForWindowExposed(&d));
      QDir().mkpath(shots);
      QVERIFY(d.grab().save(shots + "/new-expansion.png"));
    }
    d.set_script("hangul");
    d.set_min_freq(40);
    QVERIFY(d.train_options().is_null());
    json e = d.expand_options();
    QCOMPARE(e.at("base"), json(base.toStdString()));
    QCOMPARE(e.at("intermediate"), json(ko.toStdString()));
    QCOMPARE(e.at("corpus"), json({dir.filePath("ko.txt").toStdString()}));
    QCOMPARE(e.at("script"), json("hangul"));
    QCOMPARE(e.at("min_freq"), json(40));
    QCOMPARE(e.at("project"), json(dir.filePath("p.glossa").toStdString()));
    QVERIFY(!e.contains("char_min_freq"));
    // Training the intermediate first: the expansion uses the trained model.
    d.set_train_intermediate(true, 3000);
    const json t = d.train_options();
    QCOMPARE(t.at("vocab_size"), json(3000));
    QCOMPARE(t.at("input"), e.at("corpus"));
    e = d.expand_options();
    QCOMPARE(e.at("intermediate").get<std::string>(), t.at("out").get<std::string>() + ".model");
  }
};

QTEST_MAIN(TestNewExpansionDialog)
#include "test_new_expansion_dialog.moc"

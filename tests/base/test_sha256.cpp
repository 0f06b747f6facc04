// SHA-256 (base/sha256.h, OpenSSL): the FIPS 180-4 test vectors, streaming in pieces equals one
// call, and a file's digest equals coreutils' sha256sum (an independent implementation).
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "base/error.h"
#include "base/sha256.h"
#include "support/test_support.h"

class TestSha256 : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void fipsVectors() {
    QCOMPARE(QString::fromStdString(glossa::Sha256::hex("")),
             QString("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    QCOMPARE(QString::fromStdString(glossa::Sha256::hex("abc")),
             QString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(QString::fromStdString(glossa::Sha256::hex(
                 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
             QString("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    QCOMPARE(QString::fromStdString(glossa::Sha256::hex(std::string(1000000, 'a'))),
             QString("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
  }

  void streamingEqualsOneCall() {
    std::string data(1000003, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = char((i * 2654435761u) >> 13);
    glossa::Sha256 sha;
    for (size_t at = 0; at < data.size(); at += 777) sha.update(std::string_view(data).substr(at, 777));
    QCOMPARE(sha.hex_digest(), glossa::Sha256::hex(data));
  }

  void fileDigestEqualsSha256sum() {
    QTemporaryDir dir;
    const QString path = dir.filePath("blob.bin");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    std::string block(1 << 20, '\0');
    for (int b = 0; b < 9; ++b) {  // 9 MiB: more than one read block
      for (size_t i = 0; i < block.size(); ++i) block[i] = char((i + 131 * b) * 2246822519u >> 7);
      f.write(block.data(), qint64(block.size()));
    }
    f.close();
    const auto r = glossa::test::run("sha256sum", {path});
    QCOMPARE(r.exit_code, 0);
    QCOMPARE(QString::fromStdString(glossa::sha256_file(path.toStdString())),
             QString::fromUtf8(r.out.left(64)));
    QVERIFY(glossa::test::error_of([] { glossa::sha256_file("/no/such/file"); })
                .contains("/no/such/file"));
  }
};

QTEST_GUILESS_MAIN(TestSha256)
#include "test_sha256.moc"

// eventlens-cli export and verify-snapshot, end to end on the real binary and a demo store: the
// three formats, determinism, the scope and projection options, exit codes, and tamper
// detection by both verify and verify-snapshot on a copy altered with the SQLite library.

#include "testfiles.h"
#include "clirun.h"
#include "eventstore.h"
#include "projectiontesting.h"
#include "tampering.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace eventlens;
using namespace eventlens::testing;
using Json = nlohmann::json;

class TestCliAudit : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_store;
    QString m_script;
    QString path(const QString &name) const { return m_dir.filePath(name); }

    static Json readJson(const QString &file)
    {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return Json();
        const QByteArray text = f.readAll();
        return Json::parse(text.constData(), text.constData() + text.size(), nullptr, false);
    }


    CliRun exportTo(const QString &out, const QStringList &more)
    {
        return cli(QStringList{QStringLiteral("export"), m_store, QStringLiteral("--out"), out, QStringLiteral("--quiet")} + more);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_store = path(QStringLiteral("demo.db"));
        const CliRun r = cli({QStringLiteral("demo"), m_store, QStringLiteral("--events"), QStringLiteral("2000"), QStringLiteral("--quiet")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        m_script = path(QStringLiteral("balances.js"));
        QFile f(m_script);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(balancesScript().toUtf8());
    }

    void help()
    {
        const CliRun r = cli({QStringLiteral("export"), QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        for (const char *text : {"--at-position", "--at-time", "--streams", "--projection", "--format", "--out"})
            QVERIFY2(r.out.contains(text), text);
        const CliRun v = cli({QStringLiteral("verify-snapshot"), QStringLiteral("--help")});
        QCOMPARE(v.code, 0);
        QVERIFY(v.out.contains("SNAPSHOT.json STORE"));
        const CliRun all = cli({QStringLiteral("--help")});
        QVERIFY(all.out.contains("verify-snapshot"));
    }

    void jsonIsDeterministicAndVerifies()
    {
        const QString a = path(QStringLiteral("a.json"));
        const QString b = path(QStringLiteral("b.json"));
        CliRun r = exportTo(a, {QStringLiteral("--at-position"), QStringLiteral("1500"), QStringLiteral("--format"), QStringLiteral("json"),
                                QStringLiteral("--projection"), m_script});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.startsWith("exported a snapshot at position 1500"), qPrintable(r.describe()));
        QTest::qWait(5);
        r = exportTo(b, {QStringLiteral("--at-position"), QStringLiteral("1500"), QStringLiteral("--format"), QStringLiteral("json"),
                         QStringLiteral("--projection"), m_script, QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const Json summary = Json::parse(r.out.constData(), r.out.constData() + r.out.size());
        QVERIFY(summary.at("position") == 1500);
        QVERIFY(summary.at("format") == "json");

        // Byte for byte the same but for the generation time.
        const QList<QByteArray> la = testing::readFile(a).split('\n');
        const QList<QByteArray> lb = testing::readFile(b).split('\n');
        QCOMPARE(la.size(), lb.size());
        QVERIFY(la.size() > 100);
        for (qsizetype i = 0; i < la.size(); ++i) {
            if (la.at(i) != lb.at(i))
                QVERIFY2(la.at(i).contains("\"generatedAt\""), la.at(i).constData());
        }
        const Json ja = readJson(a);
        QVERIFY(ja.at("digest").at("value") == summary.at("digest"));
        QVERIFY(ja.at("projections").contains("balances.js"));
        QVERIFY(ja.at("range").at("events") == 1500);
        QCOMPARE(summary.at("aggregates").get<size_t>(), ja.at("aggregates").size());

        r = cli({QStringLiteral("verify-snapshot"), a, m_store, QStringLiteral("--quiet")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY2(r.out.startsWith("matches: 1500 events verified up to position 1500"), qPrintable(r.describe()));
        r = cli({QStringLiteral("verify-snapshot"), b, m_store, QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const Json v = Json::parse(r.out.constData(), r.out.constData() + r.out.size());
        QVERIFY(v.at("ok") == true);
        QVERIFY(v.at("differences").empty());
    }

    void atTimeAndScope()
    {
        auto store = EventStore::open(m_store, EventStore::OpenMode::ReadOnly);
        const Event e = *store->eventAt(700);
        QString iso = QDateTime::fromMSecsSinceEpoch(e.timeMs, Qt::UTC).toString(Qt::ISODateWithMs);
        const QString out = path(QStringLiteral("time.json"));
        const CliRun r = exportTo(out, {QStringLiteral("--at-time"), iso, QStringLiteral("--streams"), QStringLiteral("account-*"), QStringLiteral("--format"),
                                        QStringLiteral("json")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const Json j = readJson(out);
        QVERIFY(j.at("point").at("position").get<qint64>() >= 700);
        QVERIFY(j.at("point").at("time").get<std::string>() == iso.toStdString());
        QVERIFY(j.at("aggregates").size() > 0);
        for (const auto &[stream, a] : j.at("aggregates").items())
            QVERIFY2(stream.rfind("account-", 0) == 0, stream.c_str());
        QVERIFY(j.at("scope").at("kind") == "pattern");
    }

    void csvAndPdf()
    {
        const QString csv = path(QStringLiteral("s.csv"));
        CliRun r = exportTo(csv, {QStringLiteral("--at-position"), QStringLiteral("800"), QStringLiteral("--category"), QStringLiteral("order")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const QList<QByteArray> lines = testing::readFile(csv).split('\n');
        QVERIFY(lines.size() > 2);
        QVERIFY(lines.at(0).startsWith("stream,category,version,events,"));
        for (qsizetype i = 1; i < lines.size() - 1; ++i)
            QVERIFY2(lines.at(i).startsWith("order-"), lines.at(i).constData());

        const QString pdf = path(QStringLiteral("report.pdf"));
        r = exportTo(pdf, {QStringLiteral("--at-position"), QStringLiteral("800"), QStringLiteral("--stream"), QStringLiteral("account-1"),
                           QStringLiteral("--format"), QStringLiteral("pdf")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(testing::readFile(pdf).startsWith("%PDF-"));
        const QString pdftotext = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
        QVERIFY2(!pdftotext.isEmpty(), "pdftotext (poppler-utils) is needed to read the report back");
        QProcess p;
        p.start(pdftotext, {QStringLiteral("-layout"), pdf, QStringLiteral("-")});
        QVERIFY(p.waitForFinished(60000));
        const QString text = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(text.contains(QStringLiteral("demo.db")), qPrintable(text.left(2000)));
        QVERIFY2(text.contains(QStringLiteral("account-1")), qPrintable(text.left(2000)));
        QVERIFY2(text.contains(QStringLiteral("AccountOpened")), qPrintable(text.left(2000)));
        auto store = EventStore::open(m_store, EventStore::OpenMode::ReadOnly);
        const QString hash = QString::fromLatin1(store->eventAt(800)->hash.toHex());
        // A long hash may be broken across lines; its first half is on one.
        QVERIFY2(text.contains(hash.left(32)), qPrintable(text.left(3000)));
    }

    void usageAndFailures()
    {
        const QString out = path(QStringLiteral("never.json"));
        CliRun r = exportTo(out, {});
        QCOMPARE(r.code, 2);
        r = exportTo(out, {QStringLiteral("--at-position"), QStringLiteral("5"), QStringLiteral("--at-time"), QStringLiteral("2024-01-01T00:00:00Z")});
        QCOMPARE(r.code, 2);
        r = exportTo(out, {QStringLiteral("--at-position"), QStringLiteral("5"), QStringLiteral("--format"), QStringLiteral("xml")});
        QCOMPARE(r.code, 2);
        r = exportTo(out, {QStringLiteral("--at-position"), QStringLiteral("5"), QStringLiteral("--streams"), QStringLiteral("a*"), QStringLiteral("--category"),
                           QStringLiteral("order")});
        QCOMPARE(r.code, 2);
        r = exportTo(out, {QStringLiteral("--at-position"), QStringLiteral("999999")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("past the end of the log"), qPrintable(r.describe()));
        QVERIFY(!QFile::exists(out));
        r = cli({QStringLiteral("export"), path(QStringLiteral("missing.db")), QStringLiteral("--at-position"), QStringLiteral("1"), QStringLiteral("--out"), out});
        QCOMPARE(r.code, 1);
        QVERIFY(!QFile::exists(path(QStringLiteral("missing.db"))));

        // A projection that fails names itself; nothing is written.
        const QString bad = path(QStringLiteral("bad.js"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("fromAll().when({ Deposited: function (s, e) { throw new Error('boom'); } });\n");
        f.close();
        r = exportTo(out, {QStringLiteral("--at-position"), QStringLiteral("1000"), QStringLiteral("--projection"), bad});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("bad.js") && r.err.contains("boom"), qPrintable(r.describe()));
        QVERIFY(!QFile::exists(out));

        // An existing file at the destination survives a failed export.
        QFile existing(out);
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("keep me");
        existing.close();
        r = exportTo(out, {QStringLiteral("--at-position"), QStringLiteral("999999")});
        QCOMPARE(r.code, 1);
        QCOMPARE(testing::readFile(out), QByteArray("keep me"));

        // verify-snapshot: not a snapshot, or no store: 4.
        r = cli({QStringLiteral("verify-snapshot"), bad, m_store});
        QCOMPARE(r.code, 4);
        QVERIFY2(r.err.contains("not JSON"), qPrintable(r.describe()));
        r = cli({QStringLiteral("verify-snapshot"), m_store});
        QCOMPARE(r.code, 2);
    }

    void tamperDetectedByBothVerifications()
    {
        const QString snapshot = path(QStringLiteral("before.json"));
        CliRun r = exportTo(snapshot, {QStringLiteral("--at-position"), QStringLiteral("1800"), QStringLiteral("--projection"), m_script});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const QString copy = path(QStringLiteral("tampered.db"));
        QVERIFY(QFile::copy(m_store, copy));
        QString error;
        QCOMPARE(tamperStore(copy, QStringLiteral("UPDATE events SET data = CAST('{\"amount\":123456}' AS BLOB) WHERE position = 1234"), &error), 1);

        r = cli({QStringLiteral("verify"), copy, QStringLiteral("--quiet")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("position 1234"), qPrintable(r.describe()));

        r = cli({QStringLiteral("verify-snapshot"), snapshot, copy, QStringLiteral("--quiet")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains("position 1234: chain"), qPrintable(r.describe()));
        QVERIFY2(r.out.contains("the first bad position is 1234"), qPrintable(r.describe()));
        r = cli({QStringLiteral("verify-snapshot"), snapshot, copy, QStringLiteral("--json"), QStringLiteral("--quiet")});
        QCOMPARE(r.code, 1);
        const Json v = Json::parse(r.out.constData(), r.out.constData() + r.out.size());
        QVERIFY(v.at("ok") == false);
        QVERIFY(v.at("firstBadPosition") == 1234);
        QVERIFY(v.at("differences").size() >= 2); // the chain and at least the altered aggregate

        // The original still matches: the store files were only read.
        r = cli({QStringLiteral("verify-snapshot"), snapshot, m_store, QStringLiteral("--quiet")});
        QCOMPARE(r.code, 0);
    }
};

QTEST_GUILESS_MAIN(TestCliAudit)
#include "tst_cli_audit.moc"

// eventlens-cli export-events, end to end on the real binary: each format, with filters,
// imported again with `import` into a new store gives the same events (`events --json`,
// positions aside); the filters are those of `events`; exit codes; no file on failure.

#include "testfiles.h"
#include "eventstore.h"
#include "timeutil.h"

#include "clirun.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace eventlens;
using ojson = nlohmann::ordered_json;

namespace {

using Run = testing::CliRun;
using testing::cli;
using testing::folderState;
using testing::jsonLines;



NewEvent newEvent(const char *type, const QByteArray &data, bool isJson, const QByteArray &metadata, const char *time)
{
    NewEvent e;
    e.type = QString::fromUtf8(type);
    e.data = data;
    e.dataIsJson = isJson;
    e.metadata = metadata;
    e.timeMs = timeutil::parseIso(QByteArray(time));
    return e;
}

std::vector<ojson> withoutPositions(std::vector<ojson> events)
{
    for (ojson &e : events)
        e.erase("position");
    return events;
}

} // namespace

class TestCliExportEvents : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_store;
    QByteArray m_storeState;
    int m_files = 0;

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QString newPath(const QString &suffix) { return path(QStringLiteral("out/f%1.%2").arg(++m_files).arg(suffix)); }

    Run events(const QString &store, const QStringList &filters)
    {
        return cli(QStringList{QStringLiteral("events"), store} + filters + QStringList{QStringLiteral("--json")});
    }

private slots:
    void initTestCase()
    {
        QVERIFY(QFileInfo::exists(QStringLiteral(EVENTLENS_CLI_PATH)));
        QVERIFY(m_dir.isValid());
        QVERIFY(QDir().mkpath(path(QStringLiteral("store"))));
        QVERIFY(QDir().mkpath(path(QStringLiteral("out"))));
        m_store = path(QStringLiteral("store/demo.eventlens"));
        // demo events carry correlation and causation ids in their metadata
        const Run r = cli({QStringLiteral("demo"), m_store, QStringLiteral("--events"), QStringLiteral("600"), QStringLiteral("--seed"),
                           QStringLiteral("3"), QStringLiteral("-q")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        {
            // and a few that break careless writers
            auto store = EventStore::open(m_store);
            const QString odd = QString::fromUtf8("n\xc3\xb6te-\xe6\xb5\x81, \"1\"");
            store->append(odd, ExpectedVersion::noStream(),
                          {newEvent("NoteAdded", "call back, \"soon\"\nthanks", false, "{}", "2030-01-02T03:04:05.678Z"),
                           newEvent("Scanned", QByteArray("\x89PNG\x00\xff", 6), false, "{\"correlationId\":\"c-\xc3\xa9\"}",
                                    "2030-01-02T03:04:05.679Z"),
                           newEvent("Ge\xc3\xb6" "ffnet", "{\"who\":\"Zo\xc3\xab \xf0\x9f\x9a\x80\",\"q\":\"a,\\\"b\\\"\\r\\n\"}", true, "{}",
                                    "2030-01-02T03:04:05.999Z"),
                           newEvent("Empty", "", false, "{}", "2030-01-02T03:04:06.000Z")});
        }
        m_storeState = folderState(path(QStringLiteral("store"))).join(u'\n').toUtf8();
    }

    void cleanupTestCase()
    {
        // exports never change the store
        QCOMPARE(folderState(path(QStringLiteral("store"))).join(u'\n').toUtf8(), m_storeState);
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QStringList>("filters");
        QTest::addColumn<bool>("samePositions");
        const QString odd = QString::fromUtf8("n\xc3\xb6te-\xe6\xb5\x81, \"1\"");
        for (const char *format : {"jsonl", "csv", "cloudevents"}) {
            const QString f = QString::fromLatin1(format);
            QTest::addRow("%s, all", format) << f << QStringList{} << true;
            QTest::addRow("%s, --category account", format) << f << QStringList{QStringLiteral("--category"), QStringLiteral("account")} << false;
            QTest::addRow("%s, --stream odd", format) << f << QStringList{QStringLiteral("--stream"), odd} << false;
            QTest::addRow("%s, --to", format) << f << QStringList{QStringLiteral("--to"), QStringLiteral("250")} << true;
        }
    }

    // export → import into a new store → the same events
    void roundTrip()
    {
        QFETCH(QString, format);
        QFETCH(QStringList, filters);
        QFETCH(bool, samePositions);
        const Run original = events(m_store, filters);
        QCOMPARE(original.code, 0);
        const std::vector<ojson> want = jsonLines(original.out);
        QVERIFY(!want.empty());

        const QString file = newPath(format == u"csv" ? QStringLiteral("csv") : QStringLiteral("jsonl"));
        Run r = cli(QStringList{QStringLiteral("export-events"), m_store} + filters
                    + QStringList{QStringLiteral("--format"), format, QStringLiteral("--out"), file});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QCOMPARE(QString::fromUtf8(r.out), QStringLiteral("exported %1 events to %2 (%3)\n").arg(want.size()).arg(file, format));
        QVERIFY(r.err.isEmpty());

        const QString imported = newPath(QStringLiteral("eventlens"));
        r = cli({QStringLiteral("import"), file, QStringLiteral("--into"), imported, QStringLiteral("--json"), QStringLiteral("-q")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const ojson report = ojson::parse(r.out.constData(), r.out.constData() + r.out.size());
        QCOMPARE(QString::fromStdString(report["files"][0]["format"].get<std::string>()), format); // detected
        QCOMPARE(report["imported"].get<qint64>(), qint64(want.size()));

        const Run back = events(imported, {});
        QCOMPARE(back.code, 0);
        const std::vector<ojson> got = jsonLines(back.out);
        QCOMPARE(got.size(), want.size());
        if (samePositions)
            QCOMPARE(back.out, original.out);
        const std::vector<ojson> a = withoutPositions(got);
        const std::vector<ojson> b = withoutPositions(want);
        for (size_t i = 0; i < a.size(); ++i)
            QVERIFY2(a[i] == b[i], (a[i].dump() + "\n  vs\n" + b[i].dump()).c_str());
    }

    // the filters are exactly those of `events`
    void sameFiltersAsEvents_data()
    {
        QTest::addColumn<QStringList>("filters");
        QTest::newRow("type, backward, limit") << QStringList{QStringLiteral("--type"), QStringLiteral("Deposited,OrderPaid"),
                                                              QStringLiteral("--backward"), QStringLiteral("--limit"), QStringLiteral("7")};
        QTest::newRow("since, until") << QStringList{QStringLiteral("--since"), QStringLiteral("2000-01-01"), QStringLiteral("--until"),
                                                     QStringLiteral("2030-01-02T03:04:05.999Z")};
        QTest::newRow("from, to, category") << QStringList{QStringLiteral("--from"), QStringLiteral("100"), QStringLiteral("--to"),
                                                           QStringLiteral("400"), QStringLiteral("--category"), QStringLiteral("order")};
        QTest::newRow("limit 0") << QStringList{QStringLiteral("--limit"), QStringLiteral("0")};
    }

    void sameFiltersAsEvents()
    {
        QFETCH(QStringList, filters);
        const Run original = events(m_store, filters);
        QCOMPARE(original.code, 0);
        const QString file = newPath(QStringLiteral("jsonl"));
        const Run r = cli(QStringList{QStringLiteral("export-events"), m_store, QStringLiteral("--out"), file} + filters);
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QCOMPARE(testing::readFile(file), original.out);
        QVERIFY(r.out.startsWith(QStringLiteral("exported %1 ").arg(jsonLines(original.out).size()).toUtf8()));
    }

    void formatFromFileName()
    {
        const QString csv = newPath(QStringLiteral("CSV"));
        Run r = cli({QStringLiteral("export-events"), m_store, QStringLiteral("--limit"), QStringLiteral("3"), QStringLiteral("-o"), csv});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(r.out.endsWith("(csv)\n"));
        QVERIFY(testing::readFile(csv).startsWith("stream,version,id,type,time,data_encoding,data,metadata\r\n"));

        const QString other = newPath(QStringLiteral("txt"));
        r = cli({QStringLiteral("export-events"), m_store, QStringLiteral("--limit"), QStringLiteral("3"), QStringLiteral("--out"), other});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(r.out.endsWith("(jsonl)\n"));
        QCOMPARE(testing::readFile(other), events(m_store, {QStringLiteral("--limit"), QStringLiteral("3")}).out);
    }

    void replacesExistingFile()
    {
        const QString file = newPath(QStringLiteral("jsonl"));
        testing::writeFile(file, "old\n");
        const Run r = cli({QStringLiteral("export-events"), m_store, QStringLiteral("--limit"), QStringLiteral("1"), QStringLiteral("--out"), file});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QCOMPARE(testing::readFile(file), events(m_store, {QStringLiteral("--limit"), QStringLiteral("1")}).out);
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QString out = QStringLiteral("OUT");
        QTest::newRow("unknown format") << QStringList{QStringLiteral("STORE"), QStringLiteral("--format"), QStringLiteral("xml"), QStringLiteral("--out"), out}
                                        << QStringLiteral("unknown --format 'xml': expected one of jsonl|csv|cloudevents");
        QTest::newRow("no --out") << QStringList{QStringLiteral("STORE")} << QStringLiteral("missing required option --out");
        QTest::newRow("--out -") << QStringList{QStringLiteral("STORE"), QStringLiteral("--out"), QStringLiteral("-")}
                                 << QStringLiteral("--out - is not supported");
        QTest::newRow("empty --out") << QStringList{QStringLiteral("STORE"), QStringLiteral("--out"), QString()}
                                     << QStringLiteral("--out must not be empty");
        QTest::newRow("no store") << QStringList{QStringLiteral("--out"), out} << QStringLiteral("missing STORE");
        QTest::newRow("two stores") << QStringList{QStringLiteral("STORE"), QStringLiteral("STORE"), QStringLiteral("--out"), out}
                                    << QStringLiteral("unexpected argument");
        QTest::newRow("bad limit") << QStringList{QStringLiteral("STORE"), QStringLiteral("--limit"), QStringLiteral("many"), QStringLiteral("--out"), out}
                                   << QStringLiteral("invalid value 'many' for --limit");
        QTest::newRow("bad since") << QStringList{QStringLiteral("STORE"), QStringLiteral("--since"), QStringLiteral("yesterday"), QStringLiteral("--out"), out}
                                   << QStringLiteral("invalid time 'yesterday' for --since");
        QTest::newRow("empty stream") << QStringList{QStringLiteral("STORE"), QStringLiteral("--stream"), QString(), QStringLiteral("--out"), out}
                                      << QStringLiteral("--stream must not be empty");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("STORE"), QStringLiteral("--json"), QStringLiteral("--out"), out}
                                        << QStringLiteral("Unknown option 'json'");
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const QString out = newPath(QStringLiteral("jsonl"));
        for (QString &a : args) {
            if (a == u"STORE")
                a = m_store;
            else if (a == u"OUT")
                a = out;
        }
        const Run r = cli(QStringList{QStringLiteral("export-events")} + args);
        QVERIFY2(r.code == 2, qPrintable(r.describe()));
        QVERIFY2(r.err.contains(message.toUtf8()), qPrintable(r.describe()));
        QVERIFY(r.err.startsWith("eventlens-cli export-events: error: "));
        QVERIFY(r.out.isEmpty());
        QVERIFY(!QFileInfo::exists(out));
    }

    void failures()
    {
        // a missing store: exit 1, nothing written, an existing file kept
        const QString file = newPath(QStringLiteral("jsonl"));
        testing::writeFile(file, "keep\n");
        const QString missing = path(QStringLiteral("store/missing.eventlens"));
        Run r = cli({QStringLiteral("export-events"), missing, QStringLiteral("--out"), file});
        QVERIFY2(r.code == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains(QByteArray("store not found: " + missing.toUtf8())), qPrintable(r.describe()));
        QVERIFY(!QFileInfo::exists(missing));
        QCOMPARE(testing::readFile(file), QByteArray("keep\n"));

        // a destination folder that does not exist
        const QString nowhere = path(QStringLiteral("out/no-such-folder/x.jsonl"));
        r = cli({QStringLiteral("export-events"), m_store, QStringLiteral("--out"), nowhere});
        QVERIFY2(r.code == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains(QByteArray("export failed, nothing written: cannot write " + nowhere.toUtf8())), qPrintable(r.describe()));
        QVERIFY(!QFileInfo::exists(path(QStringLiteral("out/no-such-folder"))));

        // the store itself
        r = cli({QStringLiteral("export-events"), m_store, QStringLiteral("--out"), m_store});
        QVERIFY2(r.code == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains("it is the store being exported"), qPrintable(r.describe()));

        // not a store
        r = cli({QStringLiteral("export-events"), file, QStringLiteral("--out"), newPath(QStringLiteral("jsonl"))});
        QVERIFY2(r.code == 1, qPrintable(r.describe()));
        QCOMPARE(testing::readFile(file), QByteArray("keep\n"));
    }

    void help()
    {
        Run r = cli({QStringLiteral("export-events"), QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith("Usage: eventlens-cli export-events STORE [--stream S]"));
        for (const char *flag : {"--out", "--format", "jsonl", "csv", "cloudevents", "--stream", "--category", "--type", "--from", "--to",
                                 "--since", "--until", "--limit", "--backward", "--quiet"})
            QVERIFY2(r.out.contains(flag), flag);
        r = cli({QStringLiteral("--help")});
        QVERIFY(r.out.contains("\n  export-events "));
        // events keeps its synopsis and options with the shared filters
        r = cli({QStringLiteral("events"), QStringLiteral("--help")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith("Usage: eventlens-cli events STORE [--stream S] [--category C] [--type T]... [--from P] [--to P] "
                                 "[--since TIME] [--until TIME] [--limit N] [--backward] [--json]"));
    }
};

QTEST_GUILESS_MAIN(TestCliExportEvents)
#include "tst_cli_export_events.moc"

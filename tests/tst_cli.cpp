// Runs the real eventlens-cli binary on temporary stores.
#include "eventstore.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include "clirun.h"
#include "tampering.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <functional>

using namespace eventlens;
using ojson = nlohmann::ordered_json;

namespace {

using Run = testing::CliRun;
using testing::cli;
using testing::jsonLines;

using testing::fileHash;
using testing::folderState;
using testing::keysOf;

const QStringList kCanonicalKeys{QStringLiteral("position"), QStringLiteral("stream"), QStringLiteral("version"), QStringLiteral("id"),
                                 QStringLiteral("type"), QStringLiteral("data"), QStringLiteral("metadata"), QStringLiteral("time")};
const QRegularExpression kTimeRe(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$"));

bool sameJson(const ojson &a, const ojson &b)
{
    if (a == b)
        return true;
    qWarning("JSON differs: %s vs %s", a.dump().c_str(), b.dump().c_str());
    return false;
}

QString s(const ojson &v)
{
    return QString::fromStdString(v.get<std::string>());
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void mainHelp();
    void commandHelp_data();
    void commandHelp();
    void usageErrors_data();
    void usageErrors();
    void missingStore_data();
    void missingStore();
    void notAStore();

    void demo();
    void demoDeterministic();
    void demoDefaultCount();
    void demoRefusesNonEmptyStore();
    void demoUsage();

    void info();
    void infoPlain();
    void emptyStore();
    void streams();
    void eventsJsonCanonical();
    void eventsFilters();
    void eventsPlainTable();
    void eventsUsage();

    void import();
    void importIdempotent();
    void importAbortLeavesStoreUnchanged();
    void importKilledMidwayLeavesStoreUnchanged();
    void importIntoNewStoreKilledMidwayLeavesNoStore();
    void importSkip();
    void importFormats();
    void importErrors_data();
    void importErrors();

    void append();
    void appendConflicts();
    void appendIdempotent();
    void appendUsage_data();
    void appendUsage();
    void appendKeepsJsonExact();

    void readCommandsLeaveStoreUntouched_data();
    void readCommandsLeaveStoreUntouched();
    void verifyIntact();
    void verifyTampered_data();
    void verifyTampered();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    static QString fixture(const char *name) { return QStringLiteral(EVENTLENS_TEST_DATA "/cli/") + QString::fromLatin1(name); }
    std::vector<ojson> allEvents() const { return jsonLines(cli({QStringLiteral("events"), m_store, QStringLiteral("--json")}).out); }

    QTemporaryDir m_dir;
    QString m_store;                 // demo store shared by the read tests (never modified)
    std::vector<ojson> m_events;     // its events, from `events --json`
};

void TestCli::initTestCase()
{
    QVERIFY(QFileInfo::exists(QStringLiteral(EVENTLENS_CLI_PATH)));
    QVERIFY(m_dir.isValid());
    m_store = path(QStringLiteral("shared/demo.db"));
    QVERIFY(QDir().mkpath(path(QStringLiteral("shared"))));
    const Run r = cli({QStringLiteral("demo"), m_store, QStringLiteral("--events"), QStringLiteral("3000"), QStringLiteral("--accounts"),
                       QStringLiteral("40"), QStringLiteral("--seed"), QStringLiteral("7")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    m_events = allEvents();
    QCOMPARE(m_events.size(), size_t(3000));
}

// ---- help and usage ----------------------------------------------------------------------

void TestCli::mainHelp()
{
    for (const char *flag : {"--help", "-h"}) {
        const Run r = cli({QString::fromLatin1(flag)});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        for (const char *command : {"demo", "import", "append", "info", "streams", "events", "verify"})
            QVERIFY2(r.out.contains(QByteArray(QByteArray("\n  ") + command + ' ')), command);
    }
    Run r = cli({});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("Usage:"));
    r = cli({QStringLiteral("frobnicate")});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("unknown command 'frobnicate'"));
    QVERIFY(r.out.isEmpty());
    r = cli({QStringLiteral("help"), QStringLiteral("events")});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.startsWith("Usage: eventlens-cli events"));
    r = cli({QStringLiteral("--version")});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.startsWith("eventlens-cli "));
}

void TestCli::commandHelp_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QStringList>("flags");
    QTest::newRow("demo") << QStringLiteral("demo") << QStringList{QStringLiteral("--events"), QStringLiteral("--accounts"), QStringLiteral("--seed")};
    QTest::newRow("import") << QStringLiteral("import")
                            << QStringList{QStringLiteral("--into"), QStringLiteral("--format"), QStringLiteral("--on-error"), QStringLiteral("jsonl"),
                                           QStringLiteral("csv"), QStringLiteral("cloudevents"), QStringLiteral("kcat"), QStringLiteral("esdb"),
                                           QStringLiteral("skip")};
    QTest::newRow("append") << QStringLiteral("append")
                            << QStringList{QStringLiteral("--stream"), QStringLiteral("--type"), QStringLiteral("--data"), QStringLiteral("--metadata"),
                                           QStringLiteral("--id"), QStringLiteral("--expected-version"), QStringLiteral("no-stream")};
    QTest::newRow("info") << QStringLiteral("info") << QStringList{QStringLiteral("--json")};
    QTest::newRow("streams") << QStringLiteral("streams") << QStringList{QStringLiteral("--category"), QStringLiteral("--match"), QStringLiteral("--json")};
    QTest::newRow("events") << QStringLiteral("events")
                            << QStringList{QStringLiteral("--stream"), QStringLiteral("--category"), QStringLiteral("--type"), QStringLiteral("--from"),
                                           QStringLiteral("--to"), QStringLiteral("--since"), QStringLiteral("--until"), QStringLiteral("--limit"),
                                           QStringLiteral("--backward"), QStringLiteral("--json")};
    QTest::newRow("verify") << QStringLiteral("verify") << QStringList{QStringLiteral("STORE")};
}

void TestCli::commandHelp()
{
    QFETCH(QString, command);
    QFETCH(QStringList, flags);
    for (const char *help : {"--help", "-h"}) {
        const Run r = cli({command, QString::fromLatin1(help)});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        const QString text = QString::fromUtf8(r.out);
        QVERIFY2(text.startsWith(QStringLiteral("Usage: eventlens-cli ") + command + u' '), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("--help")));
        for (const QString &flag : flags)
            QVERIFY2(text.contains(flag), qPrintable(flag + QStringLiteral(" not in:\n") + text));
        QVERIFY(r.err.isEmpty());
    }
}

void TestCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QString store = QStringLiteral("STORE_PLACEHOLDER");
    for (const char *command : {"demo", "import", "append", "info", "streams", "events", "verify"}) {
        const QString c = QString::fromLatin1(command);
        QTest::addRow("%s unknown option", command) << QStringList{c, store, QStringLiteral("--bogus")} << QStringLiteral("bogus");
        if (c != u"import")
            QTest::addRow("%s no store", command) << QStringList{c} << QStringLiteral("missing STORE");
    }
    for (const char *command : {"info", "streams", "events", "verify"})
        QTest::addRow("%s two stores", command) << QStringList{QString::fromLatin1(command), store, store} << QStringLiteral("unexpected argument");
}

void TestCli::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    args.replaceInStrings(QStringLiteral("STORE_PLACEHOLDER"), m_store);
    const QByteArray before = fileHash(m_store);
    const Run r = cli(args);
    QVERIFY2(r.code == 2, qPrintable(r.describe()));
    QVERIFY2(QString::fromUtf8(r.err).contains(message), qPrintable(r.describe()));
    QVERIFY2(r.err.contains("--help"), qPrintable(r.describe())); // says where to look
    QVERIFY(r.out.isEmpty());
    QCOMPARE(fileHash(m_store), before);
}

void TestCli::missingStore_data()
{
    QTest::addColumn<QStringList>("args");
    for (const char *command : {"info", "streams", "events", "verify"})
        QTest::addRow("%s", command) << QStringList{QString::fromLatin1(command)};
    QTest::newRow("info --json") << QStringList{QStringLiteral("info"), QStringLiteral("--json")};
    QTest::newRow("events --json") << QStringList{QStringLiteral("events"), QStringLiteral("--json")};
}

void TestCli::missingStore()
{
    QFETCH(QStringList, args);
    const QString missing = path(QStringLiteral("missing/nothing.db"));
    const QString missingHere = path(QStringLiteral("nothing-here.db"));
    for (const QString &p : {missing, missingHere}) {
        QStringList a = args;
        a.insert(1, p);
        const Run r = cli(a);
        QVERIFY2(r.code == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains("store not found") && r.err.contains(p.toUtf8()), qPrintable(r.describe()));
        QVERIFY(r.out.isEmpty());
        QVERIFY(!QFileInfo::exists(p)); // never silently created
    }
}

void TestCli::notAStore()
{
    const QString text = path(QStringLiteral("notes.txt"));
    {
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not an event store\n");
    }
    const QByteArray before = fileHash(text);
    for (const char *command : {"info", "streams", "events", "verify"}) {
        const Run r = cli({QString::fromLatin1(command), text});
        QVERIFY2(r.code == 1, qPrintable(r.describe()));
        QVERIFY2(r.err.contains("error:"), qPrintable(r.describe()));
    }
    const Run r = cli({QStringLiteral("info"), m_dir.path()});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("folder"));
    QCOMPARE(fileHash(text), before);
}

// ---- demo --------------------------------------------------------------------------------

void TestCli::demo()
{
    const QString store = path(QStringLiteral("demo-basic.db"));
    const Run r = cli({QStringLiteral("demo"), store, QStringLiteral("--events"), QStringLiteral("800"), QStringLiteral("--accounts"),
                       QStringLiteral("10"), QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--quiet")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.contains("800 events"), r.out.constData());
    QVERIFY2(r.out.contains("10 accounts"), r.out.constData());
    QVERIFY(!QFileInfo::exists(store + QStringLiteral(".partial")));

    const Run info = cli({QStringLiteral("info"), store, QStringLiteral("--json")});
    QCOMPARE(info.code, 0);
    const ojson j = ojson::parse(info.out.toStdString());
    QCOMPARE(j["events"].get<qint64>(), qint64(800));
    const auto accounts = jsonLines(cli({QStringLiteral("streams"), store, QStringLiteral("--category"), QStringLiteral("account"), QStringLiteral("--json")}).out);
    QCOMPARE(accounts.size(), size_t(10));
    const Run verify = cli({QStringLiteral("verify"), store});
    QVERIFY2(verify.code == 0, qPrintable(verify.describe()));

    // Bank accounts and orders with correlation and causation ids.
    QStringList types;
    for (const auto &e : jsonLines(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out)) {
        types.append(s(e["type"]));
        QVERIFY(e["metadata"].contains("correlationId"));
        QVERIFY(e["metadata"].contains("causationId"));
        QVERIFY(e["metadata"].contains("userId"));
    }
    for (const char *t : {"AccountOpened", "Deposited", "Withdrawn", "OrderPlaced", "ItemAdded", "OrderPaid", "OrderShipped"})
        QVERIFY2(types.contains(QString::fromLatin1(t)), t);
}

void TestCli::demoDeterministic()
{
    QByteArray outputs[3];
    const char *seeds[3] = {"11", "11", "12"};
    for (int k = 0; k < 3; ++k) {
        const QString store = path(QStringLiteral("det%1.db").arg(k));
        const Run r = cli({QStringLiteral("demo"), store, QStringLiteral("--events"), QStringLiteral("600"), QStringLiteral("--seed"), QString::fromLatin1(seeds[k])});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        outputs[k] = cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out;
        QCOMPARE(outputs[k].count('\n'), qsizetype(600));
    }
    QCOMPARE(outputs[0], outputs[1]); // same events, ids and times
    QVERIFY(outputs[0] != outputs[2]);
}

void TestCli::demoDefaultCount()
{
    const QString store = path(QStringLiteral("demo-default.db"));
    const Run r = cli({QStringLiteral("demo"), store});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson j = ojson::parse(cli({QStringLiteral("info"), store, QStringLiteral("--json")}).out.toStdString());
    QCOMPARE(j["events"].get<qint64>(), qint64(20000));
    QCOMPARE(j["categories"]["account"].get<qint64>() + j["categories"]["order"].get<qint64>(), qint64(20000));
    QVERIFY(r.out.contains("400 accounts"));
}

void TestCli::demoRefusesNonEmptyStore()
{
    const QByteArray before = fileHash(m_store);
    const Run r = cli({QStringLiteral("demo"), m_store, QStringLiteral("--events"), QStringLiteral("10")});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY(r.err.contains("already contains 3000 events"));
    QCOMPARE(fileHash(m_store), before);

    // An existing empty store is filled.
    const QString empty = path(QStringLiteral("demo-empty.db"));
    EventStore::open(empty).reset();
    const Run ok = cli({QStringLiteral("demo"), empty, QStringLiteral("--events"), QStringLiteral("50")});
    QVERIFY2(ok.code == 0, qPrintable(ok.describe()));
    QCOMPARE(jsonLines(cli({QStringLiteral("events"), empty, QStringLiteral("--json")}).out).size(), size_t(50));
}

void TestCli::demoUsage()
{
    const QString store = path(QStringLiteral("demo-usage.db"));
    const QList<QStringList> bad{
        {QStringLiteral("--events"), QStringLiteral("0")},
        {QStringLiteral("--events"), QStringLiteral("-5")},
        {QStringLiteral("--events"), QStringLiteral("many")},
        {QStringLiteral("--accounts"), QStringLiteral("0")},
        {QStringLiteral("--seed"), QStringLiteral("-1")},
        {QStringLiteral("--seed"), QStringLiteral("abc")},
        {QStringLiteral("--events")},
    };
    for (const QStringList &extra : bad) {
        const Run r = cli(QStringList{QStringLiteral("demo"), store} + extra);
        QVERIFY2(r.code == 2, qPrintable(extra.join(u' ') + u'\n' + r.describe()));
        QVERIFY(!QFileInfo::exists(store));
    }
    const QString noFolder = path(QStringLiteral("no/such/folder/demo.db"));
    const Run r = cli({QStringLiteral("demo"), noFolder, QStringLiteral("--events"), QStringLiteral("5")});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY(!QFileInfo::exists(noFolder));
}

// ---- info, streams, events ---------------------------------------------------------------

void TestCli::info()
{
    const Run r = cli({QStringLiteral("info"), m_store, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QCOMPARE(r.out.count('\n'), qsizetype(1));
    const ojson j = ojson::parse(r.out.toStdString());
    for (const char *key : {"events", "streams", "categories", "types", "first_time", "last_time", "head_hash"})
        QVERIFY2(j.contains(key), key);
    QCOMPARE(j["events"].get<qint64>(), qint64(3000));
    QVERIFY(j["categories"].is_object());
    QVERIFY(j["types"].is_object());
    QCOMPARE(keysOf(j["categories"]), (QStringList{QStringLiteral("account"), QStringLiteral("order")}));
    qint64 sum = 0;
    for (auto &[k, v] : j["categories"].items())
        sum += v.get<qint64>();
    QCOMPARE(sum, qint64(3000));
    sum = 0;
    QHash<QString, qint64> typeCounts;
    for (const auto &e : m_events)
        typeCounts[s(e["type"])] += 1;
    for (auto &[k, v] : j["types"].items()) {
        sum += v.get<qint64>();
        QCOMPARE(v.get<qint64>(), typeCounts.value(QString::fromStdString(k)));
    }
    QCOMPARE(sum, qint64(3000));
    QVERIFY(kTimeRe.match(s(j["first_time"])).hasMatch());
    QVERIFY(kTimeRe.match(s(j["last_time"])).hasMatch());
    QCOMPARE(s(j["first_time"]), s(m_events.front()["time"]));
    QCOMPARE(s(j["last_time"]), s(m_events.back()["time"]));
    QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{64}$")).match(s(j["head_hash"])).hasMatch());
    const auto streams = jsonLines(cli({QStringLiteral("streams"), m_store, QStringLiteral("--json")}).out);
    QCOMPARE(j["streams"].get<qint64>(), qint64(streams.size()));
}

void TestCli::infoPlain()
{
    const Run r = cli({QStringLiteral("info"), m_store});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QString text = QString::fromUtf8(r.out);
    QVERIFY(text.contains(QRegularExpression(QStringLiteral("Events:\\s+3,000\\n"))));
    QVERIFY(text.contains(QStringLiteral("Categories (2):")));
    QVERIFY(text.contains(QRegularExpression(QStringLiteral("\\n  account\\s+[0-9,]+\\n"))));
    QVERIFY(text.contains(QStringLiteral("Deposited")));
    QVERIFY(text.contains(s(m_events.back()["time"])));
}

void TestCli::emptyStore()
{
    const QString store = path(QStringLiteral("empty.db"));
    EventStore::open(store).reset();
    Run r = cli({QStringLiteral("info"), store, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson j = ojson::parse(r.out.toStdString());
    QCOMPARE(j["events"].get<qint64>(), qint64(0));
    QCOMPARE(j["streams"].get<qint64>(), qint64(0));
    QVERIFY(j["first_time"].is_null());
    QVERIFY(j["head_hash"].is_null());
    QVERIFY(j["categories"].is_object() && j["categories"].empty());
    r = cli({QStringLiteral("events"), store, QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.isEmpty());
    r = cli({QStringLiteral("events"), store});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out, QByteArray("(no events)\n"));
    r = cli({QStringLiteral("streams"), store});
    QCOMPARE(r.code, 0);
    r = cli({QStringLiteral("verify"), store});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
}

void TestCli::streams()
{
    Run r = cli({QStringLiteral("streams"), m_store, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const auto all = jsonLines(r.out);
    QHash<QString, qint64> counts;
    QHash<QString, qint64> lastPosition;
    for (const auto &e : m_events) {
        counts[s(e["stream"])] += 1;
        lastPosition[s(e["stream"])] = e["position"].get<qint64>();
    }
    QCOMPARE(qint64(all.size()), qint64(counts.size()));
    const QStringList keys{QStringLiteral("stream"), QStringLiteral("category"), QStringLiteral("version"), QStringLiteral("events"),
                           QStringLiteral("last_position"), QStringLiteral("last_time")};
    for (const auto &st : all) {
        QCOMPARE(keysOf(st), keys);
        const QString name = s(st["stream"]);
        QCOMPARE(st["events"].get<qint64>(), counts.value(name));
        QCOMPARE(st["version"].get<qint64>(), counts.value(name) - 1);
        QCOMPARE(st["last_position"].get<qint64>(), lastPosition.value(name));
        QCOMPARE(s(st["category"]), name.section(u'-', 0, 0));
        QVERIFY(kTimeRe.match(s(st["last_time"])).hasMatch());
    }

    r = cli({QStringLiteral("streams"), m_store, QStringLiteral("--category"), QStringLiteral("account"), QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const auto accounts = jsonLines(r.out);
    QCOMPARE(accounts.size(), size_t(40));
    for (const auto &st : accounts)
        QVERIFY(s(st["stream"]).startsWith(QStringLiteral("account-")));

    r = cli({QStringLiteral("streams"), m_store, QStringLiteral("--match"), QStringLiteral("order-1?"), QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    const auto matched = jsonLines(r.out);
    QCOMPARE(matched.size(), size_t(10)); // order-10 .. order-19
    for (const auto &st : matched)
        QVERIFY(QRegularExpression(QStringLiteral("^order-1\\d$")).match(s(st["stream"])).hasMatch());

    r = cli({QStringLiteral("streams"), m_store, QStringLiteral("--category"), QStringLiteral("order"), QStringLiteral("--match"),
             QStringLiteral("account-*"), QStringLiteral("--json")});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.isEmpty());

    r = cli({QStringLiteral("streams"), m_store, QStringLiteral("--match"), QStringLiteral("account-?")});
    QCOMPARE(r.code, 0);
    const QStringList lines = QString::fromUtf8(r.out).split(u'\n', Qt::SkipEmptyParts);
    QVERIFY(lines.first().startsWith(QStringLiteral("STREAM")));
    QCOMPARE(lines.size(), 1 + 9 + 1); // header, account-1..9, footer
    QCOMPARE(lines.last(), QStringLiteral("9 streams"));
}

void TestCli::eventsJsonCanonical()
{
    qint64 previous = 0;
    for (const auto &e : m_events) {
        QCOMPARE(keysOf(e), kCanonicalKeys);
        QVERIFY(e["position"].get<qint64>() > previous);
        previous = e["position"].get<qint64>();
        QVERIFY(e["version"].get<qint64>() >= 0);
        QVERIFY(e["metadata"].is_object());
        QVERIFY(e["data"].is_object());
        QVERIFY2(kTimeRe.match(s(e["time"])).hasMatch(), e["time"].dump().c_str());
    }
    QCOMPARE(previous, qint64(3000));
}

void TestCli::eventsFilters()
{
    using Pred = std::function<bool(const ojson &)>;
    const QString t500 = s(m_events[499]["time"]);
    const QString t1000 = s(m_events[999]["time"]);
    const qint64 t500ms = QDateTime::fromString(t500, Qt::ISODateWithMs).toMSecsSinceEpoch();
    struct Case
    {
        QStringList args;
        Pred pred;
        bool backward = false;
        qint64 limit = -1;
    };
    auto type = [](const ojson &e) { return s(e["type"]); };
    const std::vector<Case> cases{
        {{QStringLiteral("--stream"), QStringLiteral("account-3")}, [](const ojson &e) { return s(e["stream"]) == u"account-3"; }},
        {{QStringLiteral("--stream"), QStringLiteral("no-such-stream")}, [](const ojson &) { return false; }},
        {{QStringLiteral("--category"), QStringLiteral("order")}, [](const ojson &e) { return s(e["stream"]).startsWith(u"order-"); }},
        {{QStringLiteral("--type"), QStringLiteral("Deposited"), QStringLiteral("--type"), QStringLiteral("OrderShipped")},
         [&](const ojson &e) { return type(e) == u"Deposited" || type(e) == u"OrderShipped"; }},
        {{QStringLiteral("--type"), QStringLiteral("Deposited,OrderShipped")},
         [&](const ojson &e) { return type(e) == u"Deposited" || type(e) == u"OrderShipped"; }},
        {{QStringLiteral("--from"), QStringLiteral("100"), QStringLiteral("--to"), QStringLiteral("200")},
         [](const ojson &e) { return e["position"] >= 100 && e["position"] <= 200; }},
        {{QStringLiteral("--from"), QStringLiteral("2990")}, [](const ojson &e) { return e["position"] >= 2990; }},
        {{QStringLiteral("--since"), t500, QStringLiteral("--until"), t1000},
         [](const ojson &e) { return e["position"] >= 500 && e["position"] < 1000; }},
        {{QStringLiteral("--since"), QString::number(t500ms)}, [](const ojson &e) { return e["position"] >= 500; }}, // Unix milliseconds
        {{QStringLiteral("--limit"), QStringLiteral("10")}, [](const ojson &) { return true; }, false, 10},
        {{QStringLiteral("--limit"), QStringLiteral("0")}, [](const ojson &) { return false; }},
        {{QStringLiteral("--backward")}, [](const ojson &) { return true; }, true},
        {{QStringLiteral("--backward"), QStringLiteral("--limit"), QStringLiteral("5")}, [](const ojson &) { return true; }, true, 5},
        {{QStringLiteral("--backward"), QStringLiteral("--from"), QStringLiteral("300"), QStringLiteral("--to"), QStringLiteral("250")},
         [](const ojson &e) { return e["position"] >= 250 && e["position"] <= 300; }, true},
        {{QStringLiteral("--category"), QStringLiteral("account"), QStringLiteral("--type"), QStringLiteral("Withdrawn"), QStringLiteral("--since"),
          t500, QStringLiteral("--limit"), QStringLiteral("20")},
         [&](const ojson &e) { return s(e["stream"]).startsWith(u"account-") && type(e) == u"Withdrawn" && e["position"] >= 500; }, false, 20},
        {{QStringLiteral("--stream"), QStringLiteral("order-5"), QStringLiteral("--backward")}, [](const ojson &e) { return s(e["stream"]) == u"order-5"; }, true},
    };
    for (const Case &c : cases) {
        std::vector<qint64> expected;
        for (const auto &e : m_events) {
            if (c.pred(e))
                expected.push_back(e["position"].get<qint64>());
        }
        if (c.backward)
            std::reverse(expected.begin(), expected.end());
        if (c.limit >= 0 && qint64(expected.size()) > c.limit)
            expected.resize(size_t(c.limit));
        const Run r = cli(QStringList{QStringLiteral("events"), m_store, QStringLiteral("--json")} + c.args);
        QVERIFY2(r.code == 0, qPrintable(c.args.join(u' ') + u'\n' + r.describe()));
        std::vector<qint64> got;
        for (const auto &e : jsonLines(r.out)) {
            QCOMPARE(keysOf(e), kCanonicalKeys);
            got.push_back(e["position"].get<qint64>());
        }
        QVERIFY2(got == expected, qPrintable(QStringLiteral("%1: got %2 events, expected %3").arg(c.args.join(u' ')).arg(got.size()).arg(expected.size())));
    }
    // The filtered events are the very same lines as in the full log.
    const Run r = cli({QStringLiteral("events"), m_store, QStringLiteral("--json"), QStringLiteral("--from"), QStringLiteral("42"), QStringLiteral("--limit"),
                       QStringLiteral("1")});
    QVERIFY(sameJson(jsonLines(r.out).front(), m_events[41]));
}

void TestCli::eventsPlainTable()
{
    const Run r = cli({QStringLiteral("events"), m_store, QStringLiteral("--limit"), QStringLiteral("500")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QStringList lines = QString::fromUtf8(r.out).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 501);
    const QString header = lines.first();
    QVERIFY(header.contains(QRegularExpression(QStringLiteral("POSITION\\s+TIME\\s+STREAM\\s+VERSION\\s+TYPE\\s+DATA"))));
    const qsizetype timeCol = header.indexOf(QStringLiteral("TIME"));
    const qsizetype streamCol = header.indexOf(QStringLiteral("STREAM"));
    const qsizetype typeCol = header.indexOf(QStringLiteral("TYPE"));
    const qsizetype dataCol = header.indexOf(QStringLiteral("DATA"));
    for (int i = 1; i < lines.size(); ++i) {
        const ojson &e = m_events[size_t(i - 1)];
        const QString &line = lines[i];
        // Aligned columns: every value starts under its header.
        QVERIFY2(line.mid(timeCol).startsWith(s(e["time"])), qPrintable(line));
        QVERIFY2(line.mid(streamCol).startsWith(s(e["stream"]) + u' '), qPrintable(line));
        QVERIFY2(line.mid(typeCol).startsWith(s(e["type"]) + u' '), qPrintable(line));
        QVERIFY2(line.mid(dataCol).startsWith(QStringLiteral("{")), qPrintable(line));
        QVERIFY2(line.left(timeCol).trimmed() == QString::number(e["position"].get<qint64>()), qPrintable(line));
    }
    // The whole log in plain text: one row per event.
    const Run all = cli({QStringLiteral("events"), m_store});
    QCOMPARE(all.code, 0);
    QCOMPARE(all.out.count('\n'), qsizetype(3001));
}

void TestCli::eventsUsage()
{
    const QList<QStringList> bad{
        {QStringLiteral("--limit"), QStringLiteral("-1")},
        {QStringLiteral("--limit"), QStringLiteral("ten")},
        {QStringLiteral("--from"), QStringLiteral("abc")},
        {QStringLiteral("--to"), QStringLiteral("-3")},
        {QStringLiteral("--since"), QStringLiteral("yesterday")},
        {QStringLiteral("--until"), QStringLiteral("2024-13-45")},
        {QStringLiteral("--stream"), QString()},
    };
    for (const QStringList &extra : bad) {
        const Run r = cli(QStringList{QStringLiteral("events"), m_store} + extra);
        QVERIFY2(r.code == 2, qPrintable(extra.join(u' ') + u'\n' + r.describe()));
        QVERIFY(r.out.isEmpty());
    }
}

// ---- import ------------------------------------------------------------------------------

void TestCli::import()
{
    const QString store = path(QStringLiteral("import.db"));
    const QStringList sources{fixture("accounts.jsonl"), fixture("orders.csv"), fixture("cloudevents.json")};
    QByteArray sourceHashes;
    for (const QString &f : sources)
        sourceHashes += fileHash(f);
    const Run r = cli(QStringList{QStringLiteral("import")} + sources + QStringList{QStringLiteral("--into"), store});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QString out = QString::fromUtf8(r.out);
    // What was imported: totals and one line per file with its format.
    QVERIFY2(out.startsWith(QStringLiteral("imported 10 events into ") + store + QStringLiteral(" from 3 files")), qPrintable(out));
    QVERIFY2(out.contains(fixture("accounts.jsonl") + QStringLiteral(" (jsonl): 5 read, 5 imported")), qPrintable(out));
    QVERIFY2(out.contains(fixture("orders.csv") + QStringLiteral(" (csv): 3 read, 3 imported")), qPrintable(out));
    QVERIFY2(out.contains(fixture("cloudevents.json") + QStringLiteral(" (cloudevents): 2 read, 2 imported")), qPrintable(out));

    const auto events = jsonLines(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out);
    QCOMPARE(events.size(), size_t(10));
    QCOMPARE(s(events[0]["id"]), QStringLiteral("5d1c0a2e-7a0b-4f5e-9c11-000000000001"));
    QCOMPARE(s(events[0]["stream"]), QStringLiteral("account-100"));
    QCOMPARE(s(events[3]["time"]), QStringLiteral("2024-02-02T11:30:00.999Z"));
    QCOMPARE(s(events[5]["stream"]), QStringLiteral("order-900"));
    QCOMPARE(s(events[6]["time"]), QStringLiteral("2024-02-04T12:01:00.000Z")); // Unix seconds in the CSV
    QCOMPARE(s(events[9]["type"]), QStringLiteral("OrderPaid"));
    QCOMPARE(cli({QStringLiteral("verify"), store}).code, 0);

    // Source files are never modified.
    QByteArray after;
    for (const QString &f : sources)
        after += fileHash(f);
    QCOMPARE(after, sourceHashes);

    // --json report.
    const Run j = cli({QStringLiteral("import"), fixture("orders.csv"), QStringLiteral("--into"), path(QStringLiteral("import-json.db")),
                       QStringLiteral("--json")});
    QVERIFY2(j.code == 0, qPrintable(j.describe()));
    const ojson report = ojson::parse(j.out.toStdString());
    QCOMPARE(report["imported"].get<qint64>(), qint64(3));
    QCOMPARE(s(report["files"][0]["format"]), QStringLiteral("csv"));
    QVERIFY(report["skipped_records"].empty());
}

void TestCli::importIdempotent()
{
    const QString store = path(QStringLiteral("import-twice.db"));
    const QStringList args{QStringLiteral("import"), fixture("accounts.jsonl"), QStringLiteral("--into"), store};
    QCOMPARE(cli(args).code, 0);
    const QByteArray before = cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out;
    const Run r = cli(args);
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.startsWith("imported 0 events") && r.out.contains("(5 already present, 0 skipped)"), r.out.constData());
    QCOMPARE(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out, before);
}

void TestCli::importAbortLeavesStoreUnchanged()
{
    // An existing store stays byte-identical in content.
    const QString store = path(QStringLiteral("import-abort.db"));
    QCOMPARE(cli({QStringLiteral("import"), fixture("accounts.jsonl"), QStringLiteral("--into"), store}).code, 0);
    const QByteArray before = cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out;
    for (const QStringList &extra : {QStringList{}, QStringList{QStringLiteral("--on-error"), QStringLiteral("abort")}}) {
        const Run r = cli(QStringList{QStringLiteral("import"), fixture("orders.csv"), fixture("bad.jsonl"), QStringLiteral("--into"), store} + extra);
        QVERIFY2(r.code == 1, qPrintable(r.describe()));
        QVERIFY(r.out.isEmpty());
        // The error names the file, the line and the reason.
        QVERIFY2(r.err.contains((fixture("bad.jsonl") + QStringLiteral(":3: ")).toUtf8()), qPrintable(r.describe()));
        QVERIFY2(r.err.contains("nothing imported"), qPrintable(r.describe()));
        QCOMPARE(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out, before); // not even orders.csv
    }
    // A store created for a failed import is not left behind.
    const QString fresh = path(QStringLiteral("import-abort-new.db"));
    const Run r = cli({QStringLiteral("import"), fixture("bad.jsonl"), QStringLiteral("--into"), fresh});
    QCOMPARE(r.code, 1);
    QVERIFY(!QFileInfo::exists(fresh));
    QVERIFY(!QFileInfo::exists(fresh + QStringLiteral("-wal")));
}

// 400,000 events of about 250 bytes: an import that runs for seconds.
static bool writeBigImportFile(const QString &file)
{
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    const QByteArray pad(200, 'x');
    QByteArray chunk;
    for (int i = 0; i < 400000; ++i) {
        chunk += "{\"stream\":\"big-" + QByteArray::number(i % 1000) + "\",\"type\":\"Filled\",\"data\":{\"n\":"
                 + QByteArray::number(i) + ",\"pad\":\"" + pad + "\"}}\n";
        if (chunk.size() > (1 << 20)) {
            if (f.write(chunk) != chunk.size())
                return false;
            chunk.clear();
        }
    }
    return f.write(chunk) == chunk.size() && f.flush();
}

void TestCli::importKilledMidwayLeavesStoreUnchanged()
{
    const QString store = path(QStringLiteral("import-killed.db"));
    QCOMPARE(cli({QStringLiteral("import"), fixture("accounts.jsonl"), QStringLiteral("--into"), store}).code, 0);
    const QByteArray before = cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out;
    // A file large enough that its transaction spills into the WAL long before it commits.
    const QString big = path(QStringLiteral("import-killed.jsonl"));
    QVERIFY(writeBigImportFile(big));
    QProcess p;
    p.start(QStringLiteral(EVENTLENS_CLI_PATH), {QStringLiteral("import"), big, QStringLiteral("--into"), store, QStringLiteral("-q")});
    QVERIFY(p.waitForStarted(60000));
    const QString wal = store + QStringLiteral("-wal");
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(wal).size() > 8 * 1024 * 1024 || p.state() == QProcess::NotRunning, 300000);
    QVERIFY2(p.state() == QProcess::Running, "the import finished before it could be interrupted");
    p.kill(); // SIGKILL in the middle of the import's transaction
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);
    // Nothing of the import is visible, and the store is intact and usable.
    QCOMPARE(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out, before);
    const Run verify = cli({QStringLiteral("verify"), store});
    QVERIFY2(verify.code == 0, qPrintable(verify.describe()));
    const Run again = cli({QStringLiteral("append"), store, QStringLiteral("--stream"), QStringLiteral("big-1"), QStringLiteral("--type"),
                           QStringLiteral("Filled"), QStringLiteral("--data"), QStringLiteral("{}"), QStringLiteral("--expected-version"),
                           QStringLiteral("no-stream")});
    QVERIFY2(again.code == 0, qPrintable(again.describe()));
    QFile::remove(big);
}

void TestCli::importIntoNewStoreKilledMidwayLeavesNoStore()
{
    // A new store is built aside and moved into place only when complete.
    const QString store = path(QStringLiteral("import-killed-new.db"));
    const QString big = path(QStringLiteral("import-killed-new.jsonl"));
    QVERIFY(writeBigImportFile(big));
    const QDir dir = QFileInfo(store).absoluteDir();
    const auto buildFiles = [&] {
        return dir.entryList({QStringLiteral(".import-killed-new.db.building-*")}, QDir::Files | QDir::Hidden);
    };
    QVERIFY(buildFiles().isEmpty());
    QProcess p;
    p.start(QStringLiteral(EVENTLENS_CLI_PATH), {QStringLiteral("import"), big, QStringLiteral("--into"), store, QStringLiteral("-q")});
    QVERIFY(p.waitForStarted(60000));
    const auto buildSize = [&] {
        const QStringList files = buildFiles();
        return files.isEmpty() ? qint64(0) : QFileInfo(dir.filePath(files.constFirst())).size();
    };
    QTRY_VERIFY_WITH_TIMEOUT(buildSize() > 8 * 1024 * 1024 || p.state() == QProcess::NotRunning, 300000);
    QVERIFY2(p.state() == QProcess::Running, "the import finished before it could be interrupted");
    QVERIFY(!QFileInfo::exists(store));
    p.kill();
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::CrashExit);
    // No store at the target: only the hidden build file of the killed process is left.
    QVERIFY(!QFileInfo::exists(store));
    QCOMPARE(buildFiles().size(), 1);
    const Run info = cli({QStringLiteral("info"), store});
    QCOMPARE(info.code, 1);
    // The same import, not interrupted, creates the complete store.
    const Run again = cli({QStringLiteral("import"), big, QStringLiteral("--into"), store, QStringLiteral("-q"), QStringLiteral("--json")});
    QVERIFY2(again.code == 0, qPrintable(again.describe()));
    QCOMPARE(nlohmann::json::parse(again.out.toStdString())["imported"].get<qint64>(), 400000);
    QCOMPARE(cli({QStringLiteral("verify"), store}).code, 0);
    QFile::remove(big);
}

void TestCli::importSkip()
{
    const QString store = path(QStringLiteral("import-skip.db"));
    const QByteArray sourceBefore = fileHash(fixture("bad.jsonl"));
    const Run r = cli({QStringLiteral("import"), fixture("bad.jsonl"), QStringLiteral("--into"), store, QStringLiteral("--on-error"), QStringLiteral("skip")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QString out = QString::fromUtf8(r.out);
    QVERIFY2(out.startsWith(QStringLiteral("imported 3 events")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("2 skipped")), qPrintable(out));
    // Every skipped record as file:line: reason, on a line of its own.
    const QStringList lines = out.split(u'\n');
    const QString bad = fixture("bad.jsonl");
    QCOMPARE(lines.filter(QRegularExpression(QStringLiteral("^") + QRegularExpression::escape(bad) + QStringLiteral(":\\d+: "))).size(), 2);
    QVERIFY2(lines.filter(QRegularExpression(QStringLiteral("^") + QRegularExpression::escape(bad) + QStringLiteral(":3: .*JSON"))).size() == 1,
             qPrintable(out));
    QVERIFY2(lines.filter(QRegularExpression(QStringLiteral("^") + QRegularExpression::escape(bad) + QStringLiteral(":5: .*type"))).size() == 1,
             qPrintable(out));
    const auto events = jsonLines(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out);
    QCOMPARE(events.size(), size_t(3));
    QCOMPARE(s(events[2]["stream"]), QStringLiteral("account-201"));
    QCOMPARE(fileHash(fixture("bad.jsonl")), sourceBefore);

    const Run j = cli({QStringLiteral("import"), fixture("bad.jsonl"), QStringLiteral("--into"), path(QStringLiteral("import-skip2.db")),
                       QStringLiteral("--on-error"), QStringLiteral("skip"), QStringLiteral("--json")});
    QCOMPARE(j.code, 0);
    const ojson report = ojson::parse(j.out.toStdString());
    QCOMPARE(report["skipped"].get<qint64>(), qint64(2));
    QCOMPARE(report["skipped_records"].size(), size_t(2));
    QCOMPARE(report["skipped_records"][0]["line"].get<qint64>(), qint64(3));
    QCOMPARE(report["skipped_records"][1]["line"].get<qint64>(), qint64(5));
    QCOMPARE(s(report["skipped_records"][1]["field"]), QStringLiteral("type"));
}

void TestCli::importFormats()
{
    // An explicit format is used as given; the wrong one fails with a clear error.
    const QString store = path(QStringLiteral("import-format.db"));
    Run r = cli({QStringLiteral("import"), fixture("cloudevents.json"), QStringLiteral("--into"), store, QStringLiteral("--format"), QStringLiteral("cloudevents")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const auto events = jsonLines(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out);
    QCOMPARE(events.size(), size_t(2));
    QCOMPARE(s(events[0]["id"]), QStringLiteral("ce-cli-1"));
    QCOMPARE(s(events[0]["time"]), QStringLiteral("2024-03-01T10:00:00.500Z"));
    QCOMPARE(s(events[0]["metadata"]["source"]), QStringLiteral("/shop"));

    r = cli({QStringLiteral("import"), fixture("orders.csv"), QStringLiteral("--into"), path(QStringLiteral("import-wrong.db")), QStringLiteral("--format"),
             QStringLiteral("jsonl")});
    QVERIFY2(r.code == 1, qPrintable(r.describe()));
    QVERIFY(r.err.contains(fixture("orders.csv").toUtf8()));
    QVERIFY(!QFileInfo::exists(path(QStringLiteral("import-wrong.db"))));
}

void TestCli::importErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    const QString into = QStringLiteral("--into");
    const QString store = QStringLiteral("STORE_PLACEHOLDER");
    QTest::newRow("no files") << QStringList{into, store} << 2 << QStringLiteral("missing FILE");
    QTest::newRow("no --into") << QStringList{fixture("accounts.jsonl")} << 2 << QStringLiteral("--into");
    QTest::newRow("unknown format") << QStringList{fixture("accounts.jsonl"), into, store, QStringLiteral("--format"), QStringLiteral("xml")} << 2
                                    << QStringLiteral("unknown --format 'xml'");
    QTest::newRow("bad on-error") << QStringList{fixture("accounts.jsonl"), into, store, QStringLiteral("--on-error"), QStringLiteral("ignore")} << 2
                                  << QStringLiteral("--on-error");
    QTest::newRow("missing file") << QStringList{fixture("accounts.jsonl"), fixture("no-such-file.jsonl"), into, store} << 1
                                  << QStringLiteral("file not found");
    QTest::newRow("empty file") << QStringList{fixture("empty.jsonl"), into, store} << 1 << QStringLiteral("empty");
    QTest::newRow("folder") << QStringList{QStringLiteral(EVENTLENS_TEST_DATA), into, store} << 1 << QStringLiteral("folder");
    QTest::newRow("store folder missing") << QStringList{fixture("accounts.jsonl"), into, QStringLiteral("NO_FOLDER")} << 1
                                          << QStringLiteral("does not exist");
}

void TestCli::importErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, message);
    const QString store = path(QStringLiteral("import-errors.db"));
    args.replaceInStrings(QStringLiteral("STORE_PLACEHOLDER"), store);
    args.replaceInStrings(QStringLiteral("NO_FOLDER"), path(QStringLiteral("none/x.db")));
    const Run r = cli(QStringList{QStringLiteral("import")} + args);
    QVERIFY2(r.code == code, qPrintable(r.describe()));
    QVERIFY2(QString::fromUtf8(r.err).contains(message), qPrintable(r.describe()));
    QVERIFY(r.out.isEmpty());
    QVERIFY(!QFileInfo::exists(store)); // nothing created
}

// ---- append ------------------------------------------------------------------------------

void TestCli::append()
{
    const QString store = path(QStringLiteral("append.db"));
    QVERIFY(!QFileInfo::exists(store));
    Run r = cli({QStringLiteral("append"), store, QStringLiteral("--stream"), QStringLiteral("account-1"), QStringLiteral("--type"),
                 QStringLiteral("AccountOpened"), QStringLiteral("--data"), QStringLiteral("{\"owner\": \"Ada\", \"currency\": \"EUR\"}")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.contains("position 1") && r.out.contains("version 0"), r.out.constData());
    QVERIFY(QFileInfo::exists(store)); // append creates the store

    r = cli({QStringLiteral("append"), store, QStringLiteral("--stream"), QStringLiteral("account-1"), QStringLiteral("--type"), QStringLiteral("Deposited"),
             QStringLiteral("--data"), QStringLiteral("{\"amount\":10}"), QStringLiteral("--expected-version"), QStringLiteral("0")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.contains("position 2") && r.out.contains("version 1"), r.out.constData());

    const QString id = QStringLiteral("3f2504e0-4f89-41d3-9a0c-0305e82c3301");
    r = cli({QStringLiteral("append"), store, QStringLiteral("--stream"), QStringLiteral("order-7"), QStringLiteral("--type"), QStringLiteral("OrderPlaced"),
             QStringLiteral("--data"), QStringLiteral("[1, 2.5, \"x\"]"), QStringLiteral("--metadata"), QStringLiteral("{\"correlationId\":\"c-1\"}"),
             QStringLiteral("--id"), QStringLiteral("{3F2504E0-4F89-41D3-9A0C-0305E82C3301}"), QStringLiteral("--expected-version"),
             QStringLiteral("no-stream"), QStringLiteral("--time"), QStringLiteral("2024-05-01T10:00:00.123+02:00"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson result = ojson::parse(r.out.toStdString());
    QCOMPARE(result["position"].get<qint64>(), qint64(3));
    QCOMPARE(result["version"].get<qint64>(), qint64(0));
    QCOMPARE(s(result["id"]), id);
    QCOMPARE(s(result["stream"]), QStringLiteral("order-7"));

    r = cli({QStringLiteral("append"), store, QStringLiteral("--stream"), QStringLiteral("order-7"), QStringLiteral("--type"), QStringLiteral("ItemAdded"),
             QStringLiteral("--data"), QStringLiteral("{}"), QStringLiteral("--expected-version"), QStringLiteral("exists")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));

    const auto events = jsonLines(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out);
    QCOMPARE(events.size(), size_t(4));
    QCOMPARE(s(events[0]["type"]), QStringLiteral("AccountOpened"));
    QVERIFY(sameJson(events[0]["data"], ojson::parse(R"({"owner":"Ada","currency":"EUR"})")));
    QCOMPARE(events[1]["version"].get<qint64>(), qint64(1));
    const ojson &placed = events[2];
    QCOMPARE(s(placed["id"]), id);
    QVERIFY(sameJson(placed["data"], ojson::parse(R"([1, 2.5, "x"])")));
    QVERIFY(sameJson(placed["metadata"], ojson::parse(R"({"correlationId":"c-1"})")));
    QCOMPARE(s(placed["time"]), QStringLiteral("2024-05-01T08:00:00.123Z"));
    QCOMPARE(s(events[3]["stream"]), QStringLiteral("order-7"));
    QCOMPARE(events[3]["version"].get<qint64>(), qint64(1));
    QCOMPARE(cli({QStringLiteral("verify"), store}).code, 0);
}

void TestCli::appendConflicts()
{
    const QString store = path(QStringLiteral("conflicts.db"));
    auto append = [&](const QString &stream, const QString &expected) {
        return cli({QStringLiteral("append"), store, QStringLiteral("--stream"), stream, QStringLiteral("--type"), QStringLiteral("Deposited"),
                    QStringLiteral("--data"), QStringLiteral("{\"amount\":1}"), QStringLiteral("--expected-version"), expected});
    };
    QCOMPARE(append(QStringLiteral("account-1"), QStringLiteral("no-stream")).code, 0);
    QCOMPARE(append(QStringLiteral("account-1"), QStringLiteral("0")).code, 0); // version now 1
    const QByteArray before = cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out;

    struct Case
    {
        QString stream;
        QString expected;
        QStringList mustMention;
    };
    const std::vector<Case> cases{
        {QStringLiteral("account-1"), QStringLiteral("0"), {QStringLiteral("account-1"), QStringLiteral("expected 0"), QStringLiteral("actual 1")}},
        {QStringLiteral("account-1"), QStringLiteral("5"), {QStringLiteral("account-1"), QStringLiteral("expected 5"), QStringLiteral("actual 1")}},
        {QStringLiteral("account-1"), QStringLiteral("no-stream"), {QStringLiteral("account-1"), QStringLiteral("no-stream"), QStringLiteral("actual 1")}},
        {QStringLiteral("account-1"), QStringLiteral("-1"), {QStringLiteral("account-1"), QStringLiteral("actual 1")}},
        {QStringLiteral("account-2"), QStringLiteral("exists"), {QStringLiteral("account-2"), QStringLiteral("exists"), QStringLiteral("actual -1")}},
        {QStringLiteral("account-2"), QStringLiteral("0"), {QStringLiteral("account-2"), QStringLiteral("expected 0"), QStringLiteral("actual -1")}},
    };
    for (const Case &c : cases) {
        const Run r = append(c.stream, c.expected);
        QVERIFY2(r.code == 3, qPrintable(c.expected + u'\n' + r.describe()));
        QVERIFY(r.out.isEmpty());
        const QString err = QString::fromUtf8(r.err);
        for (const QString &m : c.mustMention)
            QVERIFY2(err.contains(m), qPrintable(m + QStringLiteral(" not in: ") + err));
    }
    // Nothing was appended by the failed commands.
    QCOMPARE(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out, before);
}

void TestCli::appendIdempotent()
{
    const QString store = path(QStringLiteral("idempotent.db"));
    const QStringList args{QStringLiteral("append"), store, QStringLiteral("--stream"), QStringLiteral("order-1"), QStringLiteral("--type"),
                           QStringLiteral("OrderPlaced"), QStringLiteral("--data"), QStringLiteral("{}"), QStringLiteral("--id"),
                           QStringLiteral("0b0e7f4c-1d7a-4a58-9d3c-6f1f1f1f1f1f"), QStringLiteral("--expected-version"), QStringLiteral("no-stream")};
    Run r = cli(args);
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    r = cli(args);
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.contains("idempotent") && r.out.contains("position 1") && r.out.contains("version 0"), r.out.constData());
    QCOMPARE(jsonLines(cli({QStringLiteral("events"), store, QStringLiteral("--json")}).out).size(), size_t(1));
}

void TestCli::appendUsage_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    const QString stream = QStringLiteral("--stream");
    const QString type = QStringLiteral("--type");
    const QString data = QStringLiteral("--data");
    QTest::newRow("no stream") << QStringList{type, QStringLiteral("T"), data, QStringLiteral("{}")} << QStringLiteral("--stream");
    QTest::newRow("empty stream") << QStringList{stream, QString(), type, QStringLiteral("T"), data, QStringLiteral("{}")} << QStringLiteral("--stream");
    QTest::newRow("no type") << QStringList{stream, QStringLiteral("s-1"), data, QStringLiteral("{}")} << QStringLiteral("--type");
    QTest::newRow("no data") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T")} << QStringLiteral("--data");
    QTest::newRow("bad data") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{amount: 1}")}
                              << QStringLiteral("--data is not valid JSON");
    QTest::newRow("bad metadata") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{}"),
                                                 QStringLiteral("--metadata"), QStringLiteral("{")}
                                  << QStringLiteral("--metadata");
    QTest::newRow("metadata not object") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{}"),
                                                        QStringLiteral("--metadata"), QStringLiteral("[1]")}
                                         << QStringLiteral("--metadata must be a JSON object");
    QTest::newRow("data: trailing comma") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{\"a\":1,}")}
                                          << QStringLiteral("--data is not valid JSON at column 8: expected a string key, found '}'");
    QTest::newRow("data: empty") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QString()}
                                 << QStringLiteral("--data is not valid JSON at column 1: expected a value, found end of input");
    QTest::newRow("data: two values") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{} []")}
                                      << QStringLiteral("--data is not valid JSON at column 4: unexpected '[' after the value");
    QTest::newRow("data: several lines") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{\n  \"a\": }")}
                                         << QStringLiteral("--data is not valid JSON at line 2, column 8: expected a value, found '}'");
    QTest::newRow("metadata: bad literal") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{}"),
                                                          QStringLiteral("--metadata"), QStringLiteral("{\"a\":tru}")}
                                           << QStringLiteral("--metadata is not valid JSON at column 6: invalid literal 'tru' (expected true)");
    QTest::newRow("metadata: a string") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{}"),
                                                       QStringLiteral("--metadata"), QStringLiteral("\"{}\"")}
                                        << QStringLiteral("--metadata must be a JSON object, not a string");
    QTest::newRow("metadata: a number") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{}"),
                                                       QStringLiteral("--metadata"), QStringLiteral("1e400")}
                                        << QStringLiteral("--metadata must be a JSON object, not a number");
    QTest::newRow("bad id") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{}"), QStringLiteral("--id"),
                                           QStringLiteral("not-a-uuid")}
                            << QStringLiteral("--id");
    QTest::newRow("bad expected version") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{}"),
                                                         QStringLiteral("--expected-version"), QStringLiteral("latest")}
                                          << QStringLiteral("--expected-version");
    QTest::newRow("expected version -2") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{}"),
                                                        QStringLiteral("--expected-version"), QStringLiteral("-2")}
                                         << QStringLiteral("--expected-version");
    QTest::newRow("bad time") << QStringList{stream, QStringLiteral("s-1"), type, QStringLiteral("T"), data, QStringLiteral("{}"), QStringLiteral("--time"),
                                             QStringLiteral("noon")}
                              << QStringLiteral("--time");
}

void TestCli::appendUsage()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const QString store = path(QStringLiteral("append-usage.db"));
    const Run r = cli(QStringList{QStringLiteral("append"), store} + args);
    QVERIFY2(r.code == 2, qPrintable(r.describe()));
    QVERIFY2(QString::fromUtf8(r.err).contains(message), qPrintable(r.describe()));
    QVERIFY(!QFileInfo::exists(store)); // a bad command line creates nothing

    const QString noFolder = path(QStringLiteral("no/folder/append.db"));
    const Run missing = cli({QStringLiteral("append"), noFolder, QStringLiteral("--stream"), QStringLiteral("a-1"), QStringLiteral("--type"),
                             QStringLiteral("T"), QStringLiteral("--data"), QStringLiteral("{}")});
    QVERIFY2(missing.code == 1, qPrintable(missing.describe()));
    QVERIFY(!QFileInfo::exists(noFolder));
}

// The stored "data" and "metadata" of an events --json line, byte for byte.
QByteArray storedPayload(const QByteArray &line)
{
    const qsizetype begin = line.indexOf(",\"data\":");
    const qsizetype end = line.lastIndexOf(",\"time\":\"");
    return begin >= 0 && end > begin ? line.mid(begin + 1, end - begin - 1) : QByteArray("<no payload in: " + line + '>');
}

void TestCli::appendKeepsJsonExact()
{
    // Numbers keep their digits (no rounding to double, no 1E2 -> 100.0, no overflow on 1e400),
    // members keep their order and duplicates, strings their escapes; only whitespace goes.
    const QString data = QStringLiteral("{\"big\": 123456789012345678901234567890, \"e\": 1E2, \"z\": 1, \"a\": 2, \"a\": 3,\n"
                                        " \"s\": \"caf\\u00e9 \u00e9\\n\", \"neg\": -0.0, \"huge\": 1e400, \"list\": [ 1.50 , null ]}");
    const QString metadata = QStringLiteral("{ \"z\" : 1E-2 , \"a\": {\"b\": [1, 2]}, \"z\": 0 }");
    const QByteArray expected = "\"data\":{\"big\":123456789012345678901234567890,\"e\":1E2,\"z\":1,\"a\":2,\"a\":3,"
                                "\"s\":\"caf\\u00e9 \xC3\xA9\\n\",\"neg\":-0.0,\"huge\":1e400,\"list\":[1.50,null]},"
                                "\"metadata\":{\"z\":1E-2,\"a\":{\"b\":[1,2]},\"z\":0}";

    const QString store = path(QStringLiteral("append-exact.db"));
    Run r = cli({QStringLiteral("append"), store, QStringLiteral("--stream"), QStringLiteral("s-1"), QStringLiteral("--type"), QStringLiteral("T"),
                 QStringLiteral("--data"), data, QStringLiteral("--metadata"), metadata});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    r = cli({QStringLiteral("append"), store, QStringLiteral("--stream"), QStringLiteral("s-1"), QStringLiteral("--type"), QStringLiteral("T"),
             QStringLiteral("--data"), QStringLiteral("1e400")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    r = cli({QStringLiteral("append"), store, QStringLiteral("--stream"), QStringLiteral("s-1"), QStringLiteral("--type"), QStringLiteral("T"),
             QStringLiteral("--data"), QStringLiteral(" 123456789012345678901234567890 ")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));

    r = cli({QStringLiteral("events"), store, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    QCOMPARE(storedPayload(lines[0]), expected);
    QCOMPARE(storedPayload(lines[1]), QByteArray("\"data\":1e400,\"metadata\":{}"));
    QCOMPARE(storedPayload(lines[2]), QByteArray("\"data\":123456789012345678901234567890,\"metadata\":{}"));
    QCOMPARE(cli({QStringLiteral("verify"), store}).code, 0);

    // An import of the same values stores the same bytes.
    const QString jsonl = path(QStringLiteral("append-exact.jsonl"));
    {
        QFile f(jsonl);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"stream\":\"s-1\",\"type\":\"T\",\"data\":" + data.toUtf8().replace('\n', ' ') + ",\"metadata\":" + metadata.toUtf8() + "}\n");
    }
    const QString imported = path(QStringLiteral("import-exact.db"));
    r = cli({QStringLiteral("import"), jsonl, QStringLiteral("--into"), imported});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    r = cli({QStringLiteral("events"), imported, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QCOMPARE(storedPayload(r.out.trimmed()), expected);
}

// ---- read-only and verify ----------------------------------------------------------------

void TestCli::readCommandsLeaveStoreUntouched_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("info") << QStringList{QStringLiteral("info")};
    QTest::newRow("info --json") << QStringList{QStringLiteral("info"), QStringLiteral("--json")};
    QTest::newRow("streams") << QStringList{QStringLiteral("streams")};
    QTest::newRow("streams --json --category") << QStringList{QStringLiteral("streams"), QStringLiteral("--json"), QStringLiteral("--category"),
                                                              QStringLiteral("order")};
    QTest::newRow("events") << QStringList{QStringLiteral("events")};
    QTest::newRow("events --json --backward") << QStringList{QStringLiteral("events"), QStringLiteral("--json"), QStringLiteral("--backward"),
                                                             QStringLiteral("--type"), QStringLiteral("Deposited")};
    QTest::newRow("verify") << QStringList{QStringLiteral("verify")};
}

void TestCli::readCommandsLeaveStoreUntouched()
{
    QFETCH(QStringList, args);
    args.insert(1, m_store);
    const QString folder = QFileInfo(m_store).absolutePath();
    const QByteArray before = fileHash(m_store);
    const QDateTime modifiedBefore = QFileInfo(m_store).lastModified();
    const QStringList filesBefore = folderState(folder);
    QVERIFY(!before.isEmpty());
    const Run r = cli(args);
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QCOMPARE(fileHash(m_store), before);
    QCOMPARE(QFileInfo(m_store).lastModified(), modifiedBefore);
    QCOMPARE(folderState(folder), filesBefore); // no journal or WAL content written either
}

void TestCli::verifyIntact()
{
    const Run r = cli({QStringLiteral("verify"), m_store});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY(r.out.startsWith("ok: 3000 events verified"));
    const ojson info = ojson::parse(cli({QStringLiteral("info"), m_store, QStringLiteral("--json")}).out.toStdString());
    QVERIFY(r.out.contains(QByteArray::fromStdString(info["head_hash"].get<std::string>())));
}

void TestCli::verifyTampered_data()
{
    QTest::addColumn<QString>("update");
    QTest::addColumn<qint64>("position");
    QTest::newRow("data") << QStringLiteral("UPDATE events SET data = CAST('{\"amount\":1000000}' AS BLOB) WHERE position = 1234") << qint64(1234);
    QTest::newRow("metadata") << QStringLiteral("UPDATE events SET metadata = CAST('{}' AS BLOB) WHERE position = 2999") << qint64(2999);
    QTest::newRow("time") << QStringLiteral("UPDATE events SET time = time + 1 WHERE position = 17") << qint64(17);
    QTest::newRow("version") << QStringLiteral("UPDATE events SET version = version + 1000 WHERE position = 1") << qint64(1);
    QTest::newRow("hash") << QStringLiteral("UPDATE events SET hash = zeroblob(32) WHERE position = 600") << qint64(600);
}

void TestCli::verifyTampered()
{
    QFETCH(QString, update);
    QFETCH(qint64, position);
    const QString tampered = path(QStringLiteral("tampered-%1.db").arg(QString::fromLatin1(QTest::currentDataTag())));
    QVERIFY(QFile::copy(m_store, tampered));
    QString error;
    QVERIFY2(testing::tamperStore(tampered, update, &error) == 1, qPrintable(error));
    const Run r = cli({QStringLiteral("verify"), tampered});
    QVERIFY2(r.code != 0 && r.code != -1, qPrintable(r.describe()));
    QCOMPARE(r.code, 1);
    QVERIFY2(QString::fromUtf8(r.err).contains(QStringLiteral("position %1").arg(position)), qPrintable(r.describe()));
    QVERIFY(r.out.isEmpty());
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"

// eventlens-cli query and read-models, run as the real binary on small hand-made stores: answers
// by key and by filter, absent keys and unknown models, the user's own read model, rebuilds,
// catching up with appends between two queries, the listing with lags, and the store left
// byte-identical (the read database is a separate file).
#include "eventstore.h"
#include "readdatabase.h"

#include "clirun.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace eventlens;
using ojson = nlohmann::ordered_json;

namespace {

nlohmann::json asJson(const nlohmann::ordered_json &v)
{
    return nlohmann::json::parse(v.dump());
}

} // namespace

// JSON equality regardless of member order, with both values in the failure message.
#define COMPARE_JSON(actual, expected)                                                                      \
    do {                                                                                                    \
        const nlohmann::json a_ = asJson(actual);                                                           \
        const nlohmann::json e_ = asJson(expected);                                                         \
        QVERIFY2(a_ == e_, (a_.dump() + "\n   expected: " + e_.dump()).c_str());                            \
    } while (false)

namespace {

using testing::cli;
using testing::CliRun;
using testing::jsonLines;

constexpr qint64 BaseTime = 1704067200000; // 2024-01-01T00:00:00.000Z

qint64 add(EventStore &store, const char *stream, const char *type, const char *data, qint64 minute)
{
    NewEvent e;
    e.type = QString::fromLatin1(type);
    e.data = data;
    e.timeMs = BaseTime + minute * 60000;
    return store.append(QString::fromLatin1(stream), ExpectedVersion::any(), {e}).lastPosition;
}

// 1..9: two accounts (ada 150.30 open, bob 0 closed), one order.
void createBank(const QString &path)
{
    auto store = EventStore::open(path);
    add(*store, "account-1", "AccountOpened", R"({"owner":"Ada","currency":"EUR","accountType":"checking"})", 0);
    add(*store, "account-1", "Deposited", R"({"amount":100.1,"currency":"EUR"})", 1);
    add(*store, "account-2", "AccountOpened", R"({"owner":"Bob","currency":"USD","accountType":"savings"})", 2);
    add(*store, "account-1", "Deposited", R"({"amount":50.2,"currency":"EUR"})", 3);
    add(*store, "account-2", "Deposited", R"({"amount":20,"currency":"USD"})", 4);
    add(*store, "account-2", "Withdrawn", R"({"amount":20,"currency":"USD"})", 5);
    add(*store, "account-2", "AccountClosed", R"({"reason":"moved"})", 6);
    add(*store, "order-1", "OrderPlaced", R"({"customer":"account-1","currency":"EUR"})", 7);
    add(*store, "order-1", "ItemAdded", R"({"sku":"SKU-1","name":"Mug","qty":2,"price":12.5})", 8);
}

ojson parsed(const char *text)
{
    return ojson::parse(text);
}

ojson single(const QByteArray &out)
{
    const std::vector<ojson> lines = jsonLines(out);
    return lines.size() == 1 ? lines.front() : ojson();
}

} // namespace

class TestCliQuery : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void help();
    void byKey();
    void byKeyJson();
    void absentKey();
    void unknownModel();
    void filters();
    void badFilters();
    void catchesUpBetweenQueries();
    void userModel();
    void rebuildOption();
    void faultyUserModel();
    void readModelsListing();
    void storeUntouched();
    void notAReadDatabase();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_store;
};

void TestCliQuery::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = m_dir->filePath(QStringLiteral("bank.eventlens"));
    createBank(m_store);
}

void TestCliQuery::help()
{
    for (const char *command : {"query", "read-models"}) {
        const CliRun r = cli({QString::fromLatin1(command), QStringLiteral("--help")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(r.out.startsWith(QByteArray("Usage: eventlens-cli ").append(command)));
    }
    const CliRun r = cli({QStringLiteral("--help")});
    QVERIFY(r.out.contains("query") && r.out.contains("read-models"));
}

void TestCliQuery::byKey()
{
    const CliRun r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance"), QStringLiteral("--key"),
                          QStringLiteral("account-1")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    // One line: the value and nothing else, money exact to the cent.
    QCOMPARE(r.out, QByteArray(R"({"owner":"Ada","currency":"EUR","status":"open","balance":150.3,"lastChangedAt":"2024-01-01T00:03:00.000Z"})"
                               "\n"));
    QVERIFY(QFile::exists(m_store + QStringLiteral(".read")));

    const CliRun o = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("orders"), QStringLiteral("--key"),
                          QStringLiteral("order-1")});
    QVERIFY2(o.code == 0, qPrintable(o.describe()));
    COMPARE_JSON(single(o.out), parsed(R"({"customer":"account-1","currency":"EUR","status":"placed","items":[{"sku":"SKU-1","name":"Mug","qty":2,"price":12.5}],"total":25,"lastChangedAt":"2024-01-01T00:08:00.000Z"})"));
}

void TestCliQuery::byKeyJson()
{
    const CliRun r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance"), QStringLiteral("--key"),
                          QStringLiteral("account-2"), QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson o = single(r.out);
    QCOMPARE(testing::keysOf(o), (QStringList{QStringLiteral("key"), QStringLiteral("value"), QStringLiteral("position"), QStringLiteral("checkpoint")}));
    COMPARE_JSON(o["key"], ojson("account-2"));
    COMPARE_JSON(o["value"]["status"], ojson("closed"));
    COMPARE_JSON(o["value"]["balance"], ojson(0));
    COMPARE_JSON(o["position"], ojson(7));
    COMPARE_JSON(o["checkpoint"], ojson(9));
}

void TestCliQuery::absentKey()
{
    const CliRun r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance"), QStringLiteral("--key"),
                          QStringLiteral("account-99")});
    QCOMPARE(r.code, 1);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains("no entry 'account-99' in read model balance"), r.err.constData());
}

void TestCliQuery::unknownModel()
{
    const CliRun r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("ledger"), QStringLiteral("--key"),
                          QStringLiteral("x")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("unknown read model 'ledger'") && r.err.contains("known: balance, orders"), r.err.constData());
    QVERIFY(!QFile::exists(m_store + QStringLiteral(".read"))); // nothing created for it
    const CliRun missing = cli({QStringLiteral("query"), m_store, QStringLiteral("--key"), QStringLiteral("x")});
    QCOMPARE(missing.code, 2);
}

void TestCliQuery::filters()
{
    const auto keys = [](const CliRun &r) {
        QStringList out;
        for (const ojson &line : jsonLines(r.out))
            out.append(QString::fromStdString(line["key"].get<std::string>()));
        return out;
    };
    const QStringList base{QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance")};
    CliRun r = cli(base + QStringList{QStringLiteral("--where"), QStringLiteral("balance>100")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QCOMPARE(keys(r), QStringList{QStringLiteral("account-1")});
    QCOMPARE(testing::keysOf(jsonLines(r.out).front()), (QStringList{QStringLiteral("key"), QStringLiteral("value")}));
    COMPARE_JSON(jsonLines(r.out).front()["value"]["balance"], ojson(150.3));

    r = cli(base + QStringList{QStringLiteral("--where"), QStringLiteral("balance>=0"), QStringLiteral("--where"), QStringLiteral("status=closed")});
    QCOMPARE(keys(r), QStringList{QStringLiteral("account-2")});
    r = cli(base + QStringList{QStringLiteral("--filter"), QStringLiteral("owner~AD")});
    QCOMPARE(keys(r), QStringList{QStringLiteral("account-1")});
    r = cli(base + QStringList{QStringLiteral("--where"), QStringLiteral("status!=closed"), QStringLiteral("--json")});
    QCOMPARE(keys(r), QStringList{QStringLiteral("account-1")});
    QCOMPARE(testing::keysOf(jsonLines(r.out).front()),
             (QStringList{QStringLiteral("key"), QStringLiteral("value"), QStringLiteral("position"), QStringLiteral("checkpoint")}));
    r = cli(base); // every entry, in key order
    QCOMPARE(keys(r), (QStringList{QStringLiteral("account-1"), QStringLiteral("account-2")}));
    r = cli(base + QStringList{QStringLiteral("--limit"), QStringLiteral("1")});
    QCOMPARE(keys(r), QStringList{QStringLiteral("account-1")});
    r = cli(base + QStringList{QStringLiteral("--where"), QStringLiteral("balance>1000")});
    QCOMPARE(r.code, 0); // no match is an empty answer, not an error
    QVERIFY(r.out.isEmpty());
    r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("orders"), QStringLiteral("--where"),
             QStringLiteral("items.0.sku=SKU-1")});
    QCOMPARE(keys(r), QStringList{QStringLiteral("order-1")});
}

void TestCliQuery::badFilters()
{
    const QStringList base{QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance")};
    CliRun r = cli(base + QStringList{QStringLiteral("--where"), QStringLiteral("balance")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("not a filter"), r.err.constData());
    r = cli(base + QStringList{QStringLiteral("--where"), QStringLiteral("a=1"), QStringLiteral("--key"), QStringLiteral("x")});
    QCOMPARE(r.code, 2);
    r = cli(base + QStringList{QStringLiteral("--limit"), QStringLiteral("-1")});
    QCOMPARE(r.code, 2);
}

void TestCliQuery::catchesUpBetweenQueries()
{
    const QStringList query{QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance"),
                            QStringLiteral("--key"), QStringLiteral("account-1"), QStringLiteral("--json")};
    CliRun r = cli(query);
    COMPARE_JSON(single(r.out)["value"]["balance"], ojson(150.3));
    {
        auto store = EventStore::open(m_store);
        add(*store, "account-1", "Withdrawn", R"({"amount":0.3})", 10);
        add(*store, "order-1", "OrderPaid", R"({"amount":25})", 11);
    }
    r = cli(query);
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    const ojson o = single(r.out);
    COMPARE_JSON(o["value"]["balance"], ojson(150));
    COMPARE_JSON(o["position"], ojson(10));
    COMPARE_JSON(o["checkpoint"], ojson(11));
}

void TestCliQuery::userModel()
{
    const QString script = m_dir->filePath(QStringLiteral("types.js"));
    {
        QFile f(script);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("fromAll().partitionBy(function (e) { return e.eventType; })\n"
                "    .when({ $init: function () { return { n: 0 }; }, $any: function (s, e) { s.n += 1; } });\n");
    }
    CliRun r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("types"), QStringLiteral("--read-model-script"),
                    script, QStringLiteral("--key"), QStringLiteral("Deposited")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    COMPARE_JSON(single(r.out), parsed(R"({"n":3})"));
    // Kept in the read database: the name alone is enough now.
    QFile::remove(script);
    r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("types"), QStringLiteral("--where"), QStringLiteral("n>1")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QCOMPARE(jsonLines(r.out).size(), size_t(2)); // AccountOpened 2, Deposited 3
    r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("nope"), QStringLiteral("--key"), QStringLiteral("x")});
    QVERIFY2(r.err.contains("known: balance, orders, types"), r.err.constData());
    // A bundled name cannot be taken.
    r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance"), QStringLiteral("--read-model-script"),
             m_store});
    QCOMPARE(r.code, 2);
}

void TestCliQuery::rebuildOption()
{
    const QStringList query{QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance"), QStringLiteral("--json")};
    const CliRun first = cli(query);
    QVERIFY2(first.code == 0, qPrintable(first.describe()));
    const CliRun rebuilt = cli(query + QStringList{QStringLiteral("--rebuild")});
    QVERIFY2(rebuilt.code == 0, qPrintable(rebuilt.describe()));
    QCOMPARE(rebuilt.out, first.out);
}

void TestCliQuery::faultyUserModel()
{
    const QString script = m_dir->filePath(QStringLiteral("faulty.js"));
    {
        QFile f(script);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("fromAll().when({ $any: function (s, e) { if (e.eventType === 'AccountClosed') throw new Error('no closing'); } });\n");
    }
    const CliRun r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("faulty"),
                          QStringLiteral("--read-model-script"), script});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("faulted") && r.err.contains("no closing") && r.err.contains("position 7"), r.err.constData());
}

void TestCliQuery::readModelsListing()
{
    CliRun r = cli({QStringLiteral("read-models"), m_store, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    std::vector<ojson> lines = jsonLines(r.out);
    QCOMPARE(lines.size(), size_t(2));
    COMPARE_JSON(lines[0]["name"], ojson("balance"));
    COMPARE_JSON(lines[0]["state"], ojson("not built"));
    COMPARE_JSON(lines[0]["lag_events"], ojson(9));
    QVERIFY(!QFile::exists(m_store + QStringLiteral(".read"))); // listing creates nothing

    cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance"), QStringLiteral("--key"), QStringLiteral("account-1")});
    {
        auto store = EventStore::open(m_store);
        add(*store, "account-1", "Deposited", R"({"amount":1})", 30); // 22 minutes after event 9
    }
    r = cli({QStringLiteral("read-models"), m_store, QStringLiteral("--json")});
    lines = jsonLines(r.out);
    COMPARE_JSON(lines[0]["state"], ojson("behind"));
    COMPARE_JSON(lines[0]["checkpoint"], ojson(9));
    COMPARE_JSON(lines[0]["head"], ojson(10));
    COMPARE_JSON(lines[0]["lag_events"], ojson(1));
    COMPARE_JSON(lines[0]["lag_ms"], ojson(22 * 60000)); // minute 30 - minute 8
    COMPARE_JSON(lines[0]["entries"], ojson(2));
    COMPARE_JSON(lines[1]["state"], ojson("not built"));

    r = cli({QStringLiteral("read-models"), m_store});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QVERIFY2(r.out.contains("balance") && r.out.contains("22 min 0 s") && r.out.contains("behind"), r.out.constData());
}

void TestCliQuery::storeUntouched()
{
    QTemporaryDir readDir;
    const QString readDb = readDir.filePath(QStringLiteral("elsewhere.read"));
    QFile::setPermissions(m_store, QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);
    const QStringList before = testing::folderState(m_dir->path());
    for (const char *model : {"balance", "orders"}) {
        const CliRun r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QString::fromLatin1(model),
                              QStringLiteral("--read-db"), readDb, QStringLiteral("--where"), QStringLiteral("status~e")});
        QVERIFY2(r.code == 0, qPrintable(r.describe()));
        QVERIFY(!r.out.isEmpty());
    }
    const CliRun list = cli({QStringLiteral("read-models"), m_store, QStringLiteral("--read-db"), readDb});
    QVERIFY2(list.code == 0, qPrintable(list.describe()));
    QCOMPARE(testing::folderState(m_dir->path()), before);
    QVERIFY(QFile::exists(readDb));
    QFile::setPermissions(m_store, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

void TestCliQuery::notAReadDatabase()
{
    // Another store given as the read database: refused, and left as it was.
    const QString other = m_dir->filePath(QStringLiteral("other.eventlens"));
    createBank(other);
    const QByteArray hash = testing::fileHash(other);
    const CliRun r = cli({QStringLiteral("query"), m_store, QStringLiteral("--read-model"), QStringLiteral("balance"), QStringLiteral("--read-db"),
                          other, QStringLiteral("--key"), QStringLiteral("account-1")});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("event store, not a read database"), r.err.constData());
    QCOMPARE(testing::fileHash(other), hash);
    const CliRun missingStore = cli({QStringLiteral("query"), m_dir->filePath(QStringLiteral("missing")), QStringLiteral("--read-model"),
                                     QStringLiteral("balance"), QStringLiteral("--key"), QStringLiteral("x")});
    QCOMPARE(missingStore.code, 1);
    QVERIFY(missingStore.err.contains("store not found"));
}

QTEST_GUILESS_MAIN(TestCliQuery)
#include "tst_cli_query.moc"

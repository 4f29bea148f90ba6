// Read models (issue 5, the read side): the read database (schema, point queries, filters,
// refusing files that are not read databases), the bundled balance and orders models computed on
// hand-made events, and projectors: catch-up, restart, rebuild, live updates, lag, script
// changes, faults, and the host's thread-safe queries. Real SQLite files in temporary folders;
// every expectation is checked against the values written out by hand or against a plain replay
// of the same projection.

#include "demogenerator.h"
#include "eventstore.h"
#include "projection.h"
#include "projector.h"
#include "readdatabase.h"
#include "readmodel.h"
#include "readmodelhost.h"
#include "sqlitedb.h"
#include "storeerror.h"

#include "clirun.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

using namespace eventlens;
using Json = nlohmann::ordered_json;
using namespace std::chrono_literals;

namespace {

nlohmann::json asJson(const nlohmann::json &v)
{
    return v;
}

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

constexpr qint64 BaseTime = 1704067200000; // 2024-01-01T00:00:00.000Z
constexpr auto Long = 120s;                // waits that only time out when something is broken

struct Added
{
    qint64 position = 0;
    qint64 timeMs = 0;
};

// Appends one event with a fixed time (BaseTime + minutes).
Added add(EventStore &store, const char *stream, const char *type, const QByteArray &data, qint64 minute)
{
    NewEvent e;
    e.type = QString::fromLatin1(type);
    e.data = data;
    e.timeMs = BaseTime + minute * 60000;
    const AppendResult r = store.append(QString::fromLatin1(stream), ExpectedVersion::any(), {e});
    return {r.lastPosition, *e.timeMs};
}

// The demo log as a list of appends, so that a test can write part of it now and the rest later.
struct DemoAppend
{
    QString stream;
    qint64 expected;
    std::vector<NewEvent> events;
};

std::vector<DemoAppend> demoAppends(qint64 events)
{
    DemoOptions options;
    options.events = events;
    std::vector<DemoAppend> out;
    DemoGenerator(options).generate([&](const QString &stream, qint64 expected, const std::vector<NewEvent> &e) {
        out.push_back({stream, expected, e});
    });
    return out;
}

void appendRange(EventStore &store, const std::vector<DemoAppend> &appends, size_t from, size_t to)
{
    EventStore::Batch batch = store.beginBatch();
    for (size_t i = from; i < to && i < appends.size(); ++i)
        batch.append(appends[i].stream, ExpectedVersion::exact(appends[i].expected), appends[i].events);
    batch.commit();
}

// key -> value (parsed) of a model's entries.
std::map<QString, nlohmann::json> entriesOf(const QString &readDb, const QString &model)
{
    ReadDatabase db(readDb, ReadDatabase::OpenMode::ReadOnly);
    std::map<QString, nlohmann::json> out;
    for (const ReadEntry &e : db.entries(model))
        out[e.key] = nlohmann::json::parse(e.value.constData(), e.value.constData() + e.value.size());
    return out;
}

// What the model's entries must be after the events up to `upTo`: a plain replay of the script.
std::map<QString, nlohmann::json> replayed(const EventStore &store, const QString &script, qint64 upTo)
{
    Projection projection(script);
    EventQuery query;
    query.toPosition = upTo;
    const std::vector<Event> events = store.read(query);
    const Projection::FeedResult r = projection.feed(events);
    if (r.error)
        qWarning("replay failed: %s", qPrintable(r.error->toString()));
    std::map<QString, nlohmann::json> out;
    for (const QString &partition : projection.partitions()) {
        const Json value = projection.definition().hasResult() ? projection.result(partition) : projection.state(partition);
        if (!value.is_null())
            out[partition] = nlohmann::json::parse(value.dump());
    }
    return out;
}

QString describe(const std::map<QString, nlohmann::json> &m, size_t max = 5)
{
    QString text;
    size_t n = 0;
    for (const auto &[k, v] : m) {
        if (n++ == max)
            break;
        text += k + QStringLiteral(" = ") + QString::fromStdString(v.dump()) + u'\n';
    }
    return text + QStringLiteral("(%1 entries)").arg(m.size());
}

#define COMPARE_ENTRIES(actual, expected)                                                                   \
    do {                                                                                                    \
        const auto a_ = (actual);                                                                           \
        const auto e_ = (expected);                                                                         \
        QVERIFY2(a_ == e_, qPrintable(QStringLiteral("actual:\n%1\nexpected:\n%2").arg(describe(a_), describe(e_)))); \
    } while (false)

nlohmann::json parsed(const char *text)
{
    return nlohmann::json::parse(text);
}

nlohmann::json valueOf(ReadDatabase &db, const QString &model, const QString &key)
{
    const std::optional<ReadEntry> e = db.get(model, key);
    return e ? nlohmann::json::parse(e->value.constData(), e->value.constData() + e->value.size()) : nlohmann::json();
}

QString balanceScript()
{
    return ReadModelDefinition::bundledModel(QStringLiteral("balance"))->script;
}

// A user's model: events per stream, keyed by the stream (state, no transform).
const char CountsScript[] = R"(fromAll().foreachStream().when({
    $init: function () { return { n: 0 }; },
    $any: function (s, e) { s.n += 1; }
});
)";

} // namespace

class TestReadModel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    // the bundled models
    void bundledDefinitions();
    void balanceValues();
    void ordersValues();

    // the read database
    void filterParsing_data();
    void filterParsing();
    void filters_data();
    void filters();
    void pointQueryAndReopen();
    void rejectsOtherFiles_data();
    void rejectsOtherFiles();
    void emptyFileBecomesReadDatabase();

    // projectors
    void catchUpMatchesReplay();
    void restartCatchesUp_data();
    void restartCatchesUp();
    void stopHalfwayIsConsistent();
    void rebuildIsIdentical();
    void liveAppendsReachTheModel();
    void lagFigures();
    void delayHoldsEventsBack();
    void scriptChangeRebuilds();
    void anotherStoreRebuilds();
    void faultyScriptFaults_data();
    void faultyScriptFaults();
    void invalidScriptLeavesDatabaseAlone();
    void unpartitionedModel();

    // host
    void hostQueriesFromThreads();
    void hostUserModelsPersist();

private:
    QTemporaryDir m_dir;
    QString m_demoPath;          // 3,000 demo events, read-only after initTestCase
    int m_counter = 0;
    QString newPath(const QString &suffix);
};

QString TestReadModel::newPath(const QString &suffix)
{
    return m_dir.filePath(QStringLiteral("f%1%2").arg(++m_counter).arg(suffix));
}

void TestReadModel::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_demoPath = m_dir.filePath(QStringLiteral("demo.eventlens"));
    DemoOptions options;
    options.events = 3000;
    DemoGenerator::createStore(m_demoPath, options);
}

void TestReadModel::bundledDefinitions()
{
    QCOMPARE(ReadModelDefinition::bundledNames(), (QStringList{QStringLiteral("balance"), QStringLiteral("orders")}));
    for (const ReadModelDefinition &d : ReadModelDefinition::bundledModels()) {
        QVERIFY2(!d.script.isEmpty(), qPrintable(d.name));
        QVERIFY(d.bundled);
        const std::optional<ProjectionError> error = Projection::check(d.script);
        QVERIFY2(!error, error ? qPrintable(error->toString()) : "");
        Projection p(d.script);
        QCOMPARE(p.definition().partitioning, ProjectionDefinition::Partitioning::ByStream);
        QVERIFY(!p.definition().hasResult()); // the state is the value: no transform after every event
        QCOMPARE(d.scriptSha256().size(), 64);
    }
    QVERIFY(!ReadModelDefinition::bundledModel(QStringLiteral("nope")));
    QVERIFY(ReadModelDefinition::isValidName(QStringLiteral("my-model_2.v1")));
    QVERIFY(!ReadModelDefinition::isValidName(QStringLiteral("")));
    QVERIFY(!ReadModelDefinition::isValidName(QStringLiteral("a/b")));
    QVERIFY(!ReadModelDefinition::isValidName(QStringLiteral("-x")));
}

void TestReadModel::balanceValues()
{
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    const QString readPath = newPath(QStringLiteral(".read"));
    auto store = EventStore::open(storePath);
    add(*store, "account-1", "AccountOpened", R"({"owner":"Ada","currency":"EUR","accountType":"checking"})", 0);
    // Ten deposits of 0.10 and one of 0.20: 1.20 exactly (a float sum drifts: 1.2000000000000002).
    for (int i = 0; i < 10; ++i)
        add(*store, "account-1", "Deposited", R"({"amount":0.1,"currency":"EUR","source":"cash"})", 1 + i);
    add(*store, "account-1", "Deposited", R"({"amount":0.2,"currency":"EUR","source":"cash"})", 11);
    add(*store, "account-1", "Withdrawn", R"({"amount":0.3,"currency":"EUR","reason":"atm"})", 12);
    add(*store, "account-2", "AccountOpened", R"({"owner":"Bob","currency":"USD","accountType":"savings"})", 13);
    add(*store, "account-2", "Deposited", R"({"amount":1234.56,"currency":"USD","source":"salary"})", 14);
    add(*store, "account-2", "Withdrawn", R"({"amount":1234.56,"currency":"USD","reason":"account closing"})", 15);
    const Added closed = add(*store, "account-2", "AccountClosed", R"({"reason":"moved"})", 16);
    add(*store, "order-1", "OrderPlaced", R"({"customer":"account-1","currency":"EUR"})", 17);
    add(*store, "account-3", "Deposited", R"({"amount":"19.99"})", 18); // before any AccountOpened, amount as text

    Projector projector(*store, *ReadModelDefinition::bundledModel(QStringLiteral("balance")), readPath);
    projector.start();
    QVERIFY(projector.waitUntilCaughtUp(store->headPosition(), Long));
    projector.stop();

    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    QCOMPARE(db.entryCount(QStringLiteral("balance")), 3);
    COMPARE_JSON(valueOf(db, QStringLiteral("balance"), QStringLiteral("account-1")),
             parsed(R"({"owner":"Ada","currency":"EUR","status":"open","balance":0.9,"lastChangedAt":"2024-01-01T00:12:00.000Z"})"));
    COMPARE_JSON(valueOf(db, QStringLiteral("balance"), QStringLiteral("account-2")),
             parsed(R"({"owner":"Bob","currency":"USD","status":"closed","balance":0,"lastChangedAt":"2024-01-01T00:16:00.000Z"})"));
    COMPARE_JSON(valueOf(db, QStringLiteral("balance"), QStringLiteral("account-3")),
             parsed(R"({"owner":null,"currency":null,"status":null,"balance":19.99,"lastChangedAt":"2024-01-01T00:18:00.000Z"})"));
    // The text as stored: exactly two decimals, no drift.
    QVERIFY2(db.get(QStringLiteral("balance"), QStringLiteral("account-1"))->value.contains("\"balance\":0.9,"),
             db.get(QStringLiteral("balance"), QStringLiteral("account-1"))->value.constData());
    QCOMPARE(db.get(QStringLiteral("balance"), QStringLiteral("account-2"))->position, closed.position);
    QVERIFY(!db.get(QStringLiteral("balance"), QStringLiteral("order-1")));
    QCOMPARE(db.model(QStringLiteral("balance"))->checkpoint, store->headPosition());
}

void TestReadModel::ordersValues()
{
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    const QString readPath = newPath(QStringLiteral(".read"));
    auto store = EventStore::open(storePath);
    add(*store, "order-1", "OrderPlaced", R"({"customer":"account-1","currency":"EUR"})", 0);
    add(*store, "order-1", "ItemAdded", R"({"sku":"SKU-1","name":"Mug","qty":3,"price":0.1})", 1);
    add(*store, "order-1", "ItemAdded", R"({"sku":"SKU-2","name":"Lamp","qty":1,"price":19.99})", 2);
    add(*store, "order-2", "OrderPlaced", R"({"customer":"account-2","currency":"USD"})", 3);
    add(*store, "order-1", "OrderPaid", R"({"amount":20.29,"currency":"EUR","account":"account-1"})", 4);
    add(*store, "order-2", "ItemAdded", R"({"sku":"SKU-3","name":"Hub","qty":2,"price":34.95})", 5);
    add(*store, "order-2", "OrderCancelled", R"({"reason":"customer request"})", 6);
    add(*store, "order-1", "OrderShipped", R"({"carrier":"DHL","trackingNumber":"DHL1"})", 7);
    add(*store, "order-3", "OrderPlaced", R"({"customer":"account-3","currency":"GBP"})", 8);
    add(*store, "order-4", "OrderPlaced", R"({"customer":"account-4","currency":"EUR"})", 9);
    add(*store, "order-4", "ItemAdded", R"({"sku":"SKU-9","name":"Desk","qty":1,"price":100})", 10);
    add(*store, "order-4", "OrderPaid", R"({"amount":100,"currency":"EUR","account":"account-4"})", 11);
    add(*store, "order-4", "OrderCancelled", R"({"reason":"out of stock","refund":100})", 12);
    add(*store, "account-1", "Deposited", R"({"amount":5})", 13);

    Projector projector(*store, *ReadModelDefinition::bundledModel(QStringLiteral("orders")), readPath);
    projector.start();
    QVERIFY(projector.waitUntilCaughtUp(store->headPosition(), Long));
    QCOMPARE(projector.status().entries, 4);
    projector.stop();

    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    COMPARE_JSON(valueOf(db, QStringLiteral("orders"), QStringLiteral("order-1")),
             parsed(R"({"customer":"account-1","currency":"EUR","status":"shipped","items":[{"sku":"SKU-1","name":"Mug","qty":3,"price":0.1},{"sku":"SKU-2","name":"Lamp","qty":1,"price":19.99}],"total":20.29,"lastChangedAt":"2024-01-01T00:07:00.000Z"})"));
    COMPARE_JSON(valueOf(db, QStringLiteral("orders"), QStringLiteral("order-2")),
             parsed(R"({"customer":"account-2","currency":"USD","status":"cancelled","items":[{"sku":"SKU-3","name":"Hub","qty":2,"price":34.95}],"total":69.9,"lastChangedAt":"2024-01-01T00:06:00.000Z"})"));
    COMPARE_JSON(valueOf(db, QStringLiteral("orders"), QStringLiteral("order-3")),
             parsed(R"({"customer":"account-3","currency":"GBP","status":"placed","items":[],"total":0,"lastChangedAt":"2024-01-01T00:08:00.000Z"})"));
    COMPARE_JSON(valueOf(db, QStringLiteral("orders"), QStringLiteral("order-4"))["status"], nlohmann::json("cancelled"));
    // Exact cents: 3 x 0.10 + 19.99 = 20.29 (a float sum gives 20.290000000000003).
    QVERIFY(db.get(QStringLiteral("orders"), QStringLiteral("order-1"))->value.contains("\"total\":20.29,"));
}

// ---- the read database ------------------------------------------------------------------------

void TestReadModel::filterParsing_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("field");
    QTest::addColumn<int>("op");
    QTest::addColumn<QString>("value");
    QTest::addColumn<int>("kind");
    using Op = ReadFilter::Op;
    using Kind = ReadFilter::Kind;
    QTest::newRow("gt") << "balance>100" << true << "balance" << int(Op::Greater) << "100" << int(Kind::Number);
    QTest::newRow("ge spaced") << " balance >= 1e2 " << true << "balance" << int(Op::GreaterEqual) << "1e2" << int(Kind::Number);
    QTest::newRow("eq text") << "status=open" << true << "status" << int(Op::Equal) << "open" << int(Kind::String);
    QTest::newRow("double eq") << "status==open" << true << "status" << int(Op::Equal) << "open" << int(Kind::String);
    QTest::newRow("ne") << "status!=closed" << true << "status" << int(Op::NotEqual) << "closed" << int(Kind::String);
    QTest::newRow("lt") << "a.b<-3.5" << true << "a.b" << int(Op::Less) << "-3.5" << int(Kind::Number);
    QTest::newRow("le") << "n<=0" << true << "n" << int(Op::LessEqual) << "0" << int(Kind::Number);
    QTest::newRow("contains") << "owner~Ann" << true << "owner" << int(Op::Contains) << "Ann" << int(Kind::String);
    QTest::newRow("quoted number") << "sku=\"42\"" << true << "sku" << int(Op::Equal) << "42" << int(Kind::String);
    QTest::newRow("bool") << "flag=true" << true << "flag" << int(Op::Equal) << "true" << int(Kind::Boolean);
    QTest::newRow("null") << "x!=null" << true << "x" << int(Op::NotEqual) << "null" << int(Kind::Null);
    QTest::newRow("key") << "$key~acc" << true << "$key" << int(Op::Contains) << "acc" << int(Kind::String);
    QTest::newRow("empty value") << "name=" << true << "name" << int(Op::Equal) << "" << int(Kind::String);
    QTest::newRow("no op") << "balance" << false << "" << 0 << "" << 0;
    QTest::newRow("no field") << "=5" << false << "" << 0 << "" << 0;
    QTest::newRow("bang") << "a!5" << false << "" << 0 << "" << 0;
    QTest::newRow("ordered bool") << "flag<true" << false << "" << 0 << "" << 0;
    QTest::newRow("empty segment") << "a..b=1" << false << "" << 0 << "" << 0;
}

void TestReadModel::filterParsing()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QString error;
    const std::optional<ReadFilter> f = ReadFilter::parse(text, &error);
    QCOMPARE(f.has_value(), valid);
    if (!valid) {
        QVERIFY(!error.isEmpty());
        return;
    }
    QTEST(f->field, "field");
    QTEST(int(f->op), "op");
    QTEST(f->value, "value");
    QTEST(int(f->kind), "kind");
}

void TestReadModel::filters_data()
{
    QTest::addColumn<QStringList>("where");
    QTest::addColumn<qint64>("limit");
    QTest::addColumn<QStringList>("keys");
    const auto row = [](const char *name, QStringList where, QStringList keys, qint64 limit = -1) {
        QTest::newRow(name) << where << limit << keys;
    };
    const QString a = QStringLiteral("a"), b = QStringLiteral("b"), c = QStringLiteral("c"), d = QStringLiteral("d");
    row("none", {}, {a, b, c, d});
    row("gt number", {QStringLiteral("n>9")}, {b, c});             // d's n is text: no order with numbers
    row("ge number", {QStringLiteral("n>=10")}, {b, c});
    row("lt number", {QStringLiteral("n<10")}, {a});
    row("le number", {QStringLiteral("n<=5")}, {a});
    row("gt real", {QStringLiteral("n>100.2")}, {c});
    row("eq number", {QStringLiteral("n=10")}, {b});
    row("eq exponent", {QStringLiteral("n=1e1")}, {b});
    row("eq number text field", {QStringLiteral("n=20")}, {d}); // = also matches the text "20"
    row("ne number", {QStringLiteral("n!=10")}, {a, c, d});
    row("eq string", {QStringLiteral("s=apple")}, {a});
    row("eq string case", {QStringLiteral("s=Apple")}, {});
    row("ne string", {QStringLiteral("s!=apple")}, {b, c, d});
    row("gt string", {QStringLiteral("s>b")}, {c});             // code points: "B" < "b" < "c"
    row("contains", {QStringLiteral("s~APP")}, {a});
    row("contains middle", {QStringLiteral("s~an")}, {b});
    row("contains unicode", {QStringLiteral("s~ÜBER")}, {c});
    row("text numbers as text", {QStringLiteral("t>9")}, {});    // text fields never order with numbers
    row("quoted", {QStringLiteral("t=\"10\"")}, {a});
    row("text eq number", {QStringLiteral("t=10")}, {a});
    row("dotted", {QStringLiteral("nested.x<0")}, {b});
    row("dotted gt", {QStringLiteral("nested.x>1")}, {a});
    row("missing never matches ne", {QStringLiteral("nested.x!=1.5")}, {b});
    row("array index", {QStringLiteral("arr.0.sku=B-2")}, {b});
    row("array contains", {QStringLiteral("arr~a-1")}, {a});
    row("true", {QStringLiteral("flag=true")}, {a, c});
    row("false", {QStringLiteral("flag=false")}, {b});
    row("not true", {QStringLiteral("flag!=true")}, {b});
    row("null", {QStringLiteral("nil=null")}, {a});
    row("not null", {QStringLiteral("nil!=null")}, {b});
    row("key", {QStringLiteral("$key>=c")}, {c, d});
    row("position", {QStringLiteral("$position>2")}, {c, d});
    row("and", {QStringLiteral("n>0"), QStringLiteral("flag=true")}, {a, c});
    row("limit", {QStringLiteral("n>0")}, {a}, 1);
    row("limit zero", {}, {}, 0);
}

void TestReadModel::filters()
{
    QFETCH(QStringList, where);
    QFETCH(qint64, limit);
    QFETCH(QStringList, keys);
    const QString path = newPath(QStringLiteral(".read"));
    ReadDatabase db(path);
    const QString m = QStringLiteral("t");
    db.putEntry(m, QStringLiteral("a"), R"({"n":5,"s":"apple","t":"10","nested":{"x":1.5},"arr":[{"sku":"A-1"}],"flag":true,"nil":null})", 1);
    db.putEntry(m, QStringLiteral("b"), R"({"n":10,"s":"Banana","t":"9","nested":{"x":-2},"arr":[{"sku":"B-2"}],"flag":false,"nil":1})", 2);
    db.putEntry(m, QStringLiteral("c"), R"({"n":100.25,"s":"cherry über pie","nested":{},"arr":[],"flag":true})", 3);
    db.putEntry(m, QStringLiteral("d"), R"({"n":"20","s":"10"})", 4);
    db.putEntry(QStringLiteral("other"), QStringLiteral("a"), R"({"n":5})", 5);
    std::vector<ReadFilter> filters;
    for (const QString &w : where) {
        QString error;
        const std::optional<ReadFilter> f = ReadFilter::parse(w, &error);
        QVERIFY2(f, qPrintable(error));
        filters.push_back(*f);
    }
    QStringList actual;
    for (const ReadEntry &e : db.query(m, filters, limit))
        actual.append(e.key);
    QCOMPARE(actual, keys);
}

void TestReadModel::pointQueryAndReopen()
{
    const QString path = newPath(QStringLiteral(".read"));
    {
        ReadDatabase db(path);
        QVERIFY(db.putEntry(QStringLiteral("m"), QStringLiteral("k1"), R"({"v":1})", 7));
        QVERIFY(!db.putEntry(QStringLiteral("m"), QStringLiteral("k1"), R"({"v":2})", 9)); // replaced, not new
        QVERIFY(db.putEntry(QStringLiteral("m"), QStringLiteral("k2"), R"({"v":3})", 8));
        QVERIFY(db.removeEntry(QStringLiteral("m"), QStringLiteral("k2")));
        QVERIFY(!db.removeEntry(QStringLiteral("m"), QStringLiteral("k2")));
        db.resetModel(QStringLiteral("other"), QStringLiteral("sha"), QStringLiteral("script"), QStringLiteral("o.js"));
        db.setCheckpoint(QStringLiteral("other"), 42, 1000, QStringLiteral("id-42"));
        db.saveState(QStringLiteral("other"), 40, QByteArray("{\"states\":[]}"));
    }
    ReadDatabase db(path, ReadDatabase::OpenMode::ReadOnly);
    const std::optional<ReadEntry> e = db.get(QStringLiteral("m"), QStringLiteral("k1"));
    QVERIFY(e);
    QCOMPARE(e->value, QByteArray(R"({"v":2})"));
    QCOMPARE(e->position, 9);
    COMPARE_JSON(e->json()["v"], Json(2));
    QVERIFY(!db.get(QStringLiteral("m"), QStringLiteral("k2")));
    QVERIFY(!db.get(QStringLiteral("x"), QStringLiteral("k1")));
    QCOMPARE(db.entryCount(QStringLiteral("m")), 1);
    const std::optional<ReadModelRecord> r = db.model(QStringLiteral("other"));
    QVERIFY(r);
    QCOMPARE(r->checkpoint, 42);
    QCOMPARE(r->checkpointTimeMs, 1000);
    QCOMPARE(r->checkpointEventId, QStringLiteral("id-42"));
    QCOMPARE(r->script, QStringLiteral("script"));
    QCOMPARE(r->fileName, QStringLiteral("o.js"));
    QCOMPARE(db.loadState(QStringLiteral("other"))->position, 40);
    QCOMPARE(db.models().size(), size_t(1));
    QCOMPARE(ReadDatabase::defaultPath(QStringLiteral("/x/demo.eventlens")), QStringLiteral("/x/demo.eventlens.read"));
    // Read-only means read-only.
    QVERIFY_THROWS_EXCEPTION(StoreError, db.putEntry(QStringLiteral("m"), QStringLiteral("k3"), "{}", 1));
}

void TestReadModel::rejectsOtherFiles_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("message");
    QTest::newRow("event store") << "store" << "event store";
    QTest::newRow("other sqlite") << "sqlite" << "another application";
    QTest::newRow("text file") << "text" << "not a SQLite file";
    QTest::newRow("short file") << "short" << "not a SQLite file";
}

void TestReadModel::rejectsOtherFiles()
{
    QFETCH(QString, kind);
    QFETCH(QString, message);
    QTemporaryDir dir(m_dir.filePath(QStringLiteral("reject-XXXXXX")));
    const QString path = dir.filePath(QStringLiteral("file"));
    if (kind == u"store") {
        auto store = EventStore::open(path);
        add(*store, "account-1", "AccountOpened", "{}", 0);
    } else if (kind == u"sqlite") {
        SqliteDb db(path, false);
        db.exec("CREATE TABLE entries(x); INSERT INTO entries VALUES(1);");
    } else {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kind == u"short" ? QByteArray("SQLite format 3") : QByteArray(4096, 'x'));
    }
    const QStringList before = testing::folderState(dir.path());
    for (ReadDatabase::OpenMode mode : {ReadDatabase::OpenMode::ReadWrite, ReadDatabase::OpenMode::ReadOnly}) {
        try {
            const auto db = std::make_unique<ReadDatabase>(path, mode);
            QFAIL("opened a file that is not a read database");
        } catch (const StoreError &e) {
            QVERIFY2(e.message().contains(message), qPrintable(e.message()));
        }
    }
    // The projector and the host refuse it too.
    const auto demo = EventStore::open(m_demoPath, EventStore::OpenMode::ReadOnly);
    QVERIFY_THROWS_EXCEPTION(StoreError, std::make_unique<Projector>(*demo, *ReadModelDefinition::bundledModel(QStringLiteral("balance")), path));
    QVERIFY_THROWS_EXCEPTION(StoreError, std::make_unique<ReadModelHost>(*demo, path));
    QCOMPARE(testing::folderState(dir.path()), before);
    // A missing file is not created by a read-only open.
    const QString missing = dir.filePath(QStringLiteral("missing.read"));
    QVERIFY_THROWS_EXCEPTION(StoreError, std::make_unique<ReadDatabase>(missing, ReadDatabase::OpenMode::ReadOnly));
    QVERIFY(!QFile::exists(missing));
}

void TestReadModel::emptyFileBecomesReadDatabase()
{
    const QString path = newPath(QStringLiteral(".read"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    {
        ReadDatabase db(path);
        db.putEntry(QStringLiteral("m"), QStringLiteral("k"), "1", 1);
    }
    ReadDatabase db(path, ReadDatabase::OpenMode::ReadOnly);
    QCOMPARE(db.entryCount(QStringLiteral("m")), 1);
    // Its header carries the read database's application_id.
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray header = f.read(100);
    QCOMPARE(header.mid(68, 4), QByteArray("EVRD"));
}

// ---- projectors -------------------------------------------------------------------------------

void TestReadModel::catchUpMatchesReplay()
{
    const auto store = EventStore::open(m_demoPath, EventStore::OpenMode::ReadOnly);
    const QString readPath = newPath(QStringLiteral(".read"));
    const qint64 head = store->headPosition();
    for (const ReadModelDefinition &d : ReadModelDefinition::bundledModels()) {
        Projector projector(*store, d, readPath);
        projector.start();
        QVERIFY(projector.waitUntilCaughtUp(head, Long));
        const ProjectorStatus s = projector.status();
        QCOMPARE(s.checkpoint, head);
        QCOMPARE(s.lagEvents(), 0);
        QCOMPARE(s.lagMs(), 0);
        QVERIFY(s.state == ProjectorStatus::State::CatchingUp || s.state == ProjectorStatus::State::Live);
        projector.stop();
        QCOMPARE(projector.status().state, ProjectorStatus::State::Stopped);
        const auto expected = replayed(*store, d.script, head);
        QVERIFY(expected.size() > 10);
        COMPARE_ENTRIES(entriesOf(readPath, d.name), expected);
        QCOMPARE(projector.status().entries, qint64(expected.size()));
    }
    // Each entry's position is the last event of its stream.
    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    for (const ReadEntry &e : db.entries(QStringLiteral("balance"))) {
        const std::vector<Event> last = store->readStream(e.key, std::numeric_limits<qint64>::max(), 1, true);
        QCOMPARE(e.position, last.front().position);
    }
}

void TestReadModel::restartCatchesUp_data()
{
    QTest::addColumn<int>("stateIntervalMs");
    QTest::addColumn<bool>("saveStateOnStop");
    QTest::addColumn<int>("batchSize");
    // The projection's state saved with every commit; only when stopping; never (the restart
    // replays the whole log up to the checkpoint without writing, then goes on).
    QTest::newRow("state every commit") << 0 << false << 64;
    QTest::newRow("state on stop") << 1000000 << true << 256;
    QTest::newRow("no saved state") << 1000000 << false << 32;
}

void TestReadModel::restartCatchesUp()
{
    QFETCH(int, stateIntervalMs);
    QFETCH(bool, saveStateOnStop);
    QFETCH(int, batchSize);
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    const QString readPath = newPath(QStringLiteral(".read"));
    const std::vector<DemoAppend> appends = demoAppends(3000);
    auto store = EventStore::open(storePath);
    appendRange(*store, appends, 0, appends.size() / 2);
    const qint64 half = store->headPosition();

    Projector::Options options;
    options.stateIntervalMs = stateIntervalMs;
    options.saveStateOnStop = saveStateOnStop;
    options.batchSize = batchSize;
    options.commitIntervalMs = 0;
    const ReadModelDefinition orders = *ReadModelDefinition::bundledModel(QStringLiteral("orders"));
    {
        Projector first(*store, orders, readPath, options);
        first.start();
        QVERIFY(first.waitUntilCaughtUp(half, Long));
        first.stop();
    }
    {
        ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
        QCOMPARE(db.model(QStringLiteral("orders"))->checkpoint, half);
        const std::optional<ReadDatabase::SavedState> saved = db.loadState(QStringLiteral("orders"));
        if (stateIntervalMs == 0 || saveStateOnStop)
            QVERIFY(saved && saved->position > 0 && saved->position <= half);
        else
            QVERIFY(!saved);
    }
    appendRange(*store, appends, appends.size() / 2, appends.size());
    const qint64 head = store->headPosition();
    Projector second(*store, orders, readPath, options);
    QCOMPARE(second.status().checkpoint, half);
    second.start();
    QVERIFY(second.waitUntilCaughtUp(head, Long));
    second.stop();
    const auto afterRestart = entriesOf(readPath, QStringLiteral("orders"));

    // The same as a full build from scratch.
    const QString freshPath = newPath(QStringLiteral(".read"));
    Projector fresh(*store, orders, freshPath);
    fresh.start();
    QVERIFY(fresh.waitUntilCaughtUp(head, Long));
    fresh.stop();
    COMPARE_ENTRIES(afterRestart, entriesOf(freshPath, QStringLiteral("orders")));
    COMPARE_ENTRIES(afterRestart, replayed(*store, orders.script, head));
    QCOMPARE(second.status().entries, qint64(afterRestart.size()));
}

void TestReadModel::stopHalfwayIsConsistent()
{
    const auto store = EventStore::open(m_demoPath, EventStore::OpenMode::ReadOnly);
    const QString readPath = newPath(QStringLiteral(".read"));
    const qint64 head = store->headPosition();
    const ReadModelDefinition balance = *ReadModelDefinition::bundledModel(QStringLiteral("balance"));
    Projector::Options options;
    options.batchSize = 16;
    options.stateIntervalMs = 0;
    options.saveStateOnStop = false;
    options.delayMs = 2; // 3,000 events take 6 s: stopped long before the end
    qint64 checkpoint = 0;
    {
        Projector projector(*store, balance, readPath, options);
        projector.start();
        QVERIFY(projector.waitUntilCaughtUp(300, Long));
        projector.stop();
        checkpoint = projector.status().checkpoint;
    }
    QVERIFY2(checkpoint >= 300 && checkpoint < head, qPrintable(QString::number(checkpoint)));
    // Entries and checkpoint agree: exactly the replay up to the checkpoint.
    {
        ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
        QCOMPARE(db.model(QStringLiteral("balance"))->checkpoint, checkpoint);
        QCOMPARE(db.model(QStringLiteral("balance"))->checkpointEventId, store->eventAt(checkpoint)->id);
        QCOMPARE(db.model(QStringLiteral("balance"))->checkpointTimeMs, store->eventAt(checkpoint)->timeMs);
    }
    COMPARE_ENTRIES(entriesOf(readPath, QStringLiteral("balance")), replayed(*store, balance.script, checkpoint));

    Projector resumed(*store, balance, readPath);
    resumed.start();
    QVERIFY(resumed.waitUntilCaughtUp(head, Long));
    resumed.stop();
    COMPARE_ENTRIES(entriesOf(readPath, QStringLiteral("balance")), replayed(*store, balance.script, head));
}

void TestReadModel::rebuildIsIdentical()
{
    const auto store = EventStore::open(m_demoPath, EventStore::OpenMode::ReadOnly);
    const QString readPath = newPath(QStringLiteral(".read"));
    const qint64 head = store->headPosition();
    Projector projector(*store, *ReadModelDefinition::bundledModel(QStringLiteral("balance")), readPath);
    projector.start();
    QVERIFY(projector.waitUntilCaughtUp(head, Long));
    std::vector<ReadEntry> before;
    {
        ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
        before = db.entries(QStringLiteral("balance"));
    }
    projector.rebuild(); // while running: drops everything and replays
    {
        ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
        QVERIFY(db.model(QStringLiteral("balance"))->checkpoint <= head);
    }
    QVERIFY(projector.waitUntilCaughtUp(head, Long));
    projector.stop();
    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    const std::vector<ReadEntry> after = db.entries(QStringLiteral("balance"));
    QCOMPARE(after.size(), before.size());
    QVERIFY(after == before); // values and positions

    // While stopped: the entries are gone at once, and the next start replays them.
    projector.rebuild();
    QCOMPARE(db.entryCount(QStringLiteral("balance")), 0);
    QCOMPARE(db.model(QStringLiteral("balance"))->checkpoint, 0);
    QCOMPARE(projector.status().checkpoint, 0);
    projector.start();
    QVERIFY(projector.waitUntilCaughtUp(head, Long));
    projector.stop();
    QVERIFY(db.entries(QStringLiteral("balance")) == before);
}

void TestReadModel::liveAppendsReachTheModel()
{
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    const QString readPath = newPath(QStringLiteral(".read"));
    auto store = EventStore::open(storePath);
    add(*store, "account-1", "AccountOpened", R"({"owner":"Ada","currency":"EUR"})", 0);
    Projector projector(*store, *ReadModelDefinition::bundledModel(QStringLiteral("balance")), readPath);
    projector.start();
    QVERIFY(projector.waitUntilCaughtUp(store->headPosition(), Long));
    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    COMPARE_JSON(valueOf(db, QStringLiteral("balance"), QStringLiteral("account-1"))["balance"], nlohmann::json(0));

    // Appended on this connection...
    const Added a = add(*store, "account-1", "Deposited", R"({"amount":10.05})", 1);
    QVERIFY(projector.waitUntilCaughtUp(a.position, Long));
    COMPARE_JSON(valueOf(db, QStringLiteral("balance"), QStringLiteral("account-1"))["balance"], nlohmann::json(10.05));
    // ... and on another one, from another thread, including an event of another category.
    Added b;
    std::thread writer([&] {
        auto other = store->openAnother(EventStore::OpenMode::ReadWrite);
        add(*other, "order-7", "OrderPlaced", R"({"customer":"account-1"})", 2);
        b = add(*other, "account-2", "AccountOpened", R"({"owner":"Bob","currency":"USD"})", 3);
    });
    writer.join();
    QVERIFY(projector.waitUntilCaughtUp(b.position, Long));
    COMPARE_JSON(valueOf(db, QStringLiteral("balance"), QStringLiteral("account-2"))["owner"], nlohmann::json("Bob"));
    const ProjectorStatus s = projector.status();
    QCOMPARE(s.entries, 2);
    QCOMPARE(s.checkpoint, b.position);
    QCOMPARE(s.lagEvents(), 0);
    // An event the model ignores still moves the checkpoint (no lag shown for it).
    const Added c = add(*store, "order-7", "ItemAdded", R"({"sku":"x","qty":1,"price":1})", 4);
    QVERIFY(projector.waitUntilCaughtUp(c.position, Long));
    QCOMPARE(db.model(QStringLiteral("balance"))->checkpoint, c.position);
    projector.stop();
}

void TestReadModel::lagFigures()
{
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    const QString readPath = newPath(QStringLiteral(".read"));
    auto store = EventStore::open(storePath);
    add(*store, "account-1", "AccountOpened", R"({"owner":"Ada"})", 0);
    const Added at = add(*store, "account-1", "Deposited", R"({"amount":1})", 10);
    const ReadModelDefinition balance = *ReadModelDefinition::bundledModel(QStringLiteral("balance"));
    {
        Projector projector(*store, balance, readPath);
        projector.start();
        QVERIFY(projector.waitUntilCaughtUp(at.position, Long));
        projector.stop();
        const ProjectorStatus s = projector.status();
        QCOMPARE(s.checkpoint, at.position);
        QCOMPARE(s.checkpointTimeMs, at.timeMs);
        QCOMPARE(s.lagEvents(), 0);
        QCOMPARE(s.lagMs(), 0);
    }
    add(*store, "account-1", "Deposited", R"({"amount":1})", 20);
    add(*store, "account-2", "AccountOpened", R"({"owner":"Bob"})", 30);
    const Added head = add(*store, "account-1", "Withdrawn", R"({"amount":1})", 45);
    Projector projector(*store, balance, readPath);
    ProjectorStatus s = projector.status(); // not started: what the read database says
    QCOMPARE(s.state, ProjectorStatus::State::Stopped);
    QCOMPARE(s.checkpoint, at.position);
    QCOMPARE(s.head, head.position);
    QCOMPARE(s.lagEvents(), 3);
    QCOMPARE(s.lagMs(), head.timeMs - at.timeMs); // 35 minutes
    QCOMPARE(s.lagMs(), 35 * 60000);
    QCOMPARE(s.entries, 1);
    projector.start();
    QVERIFY(projector.waitUntilCaughtUp(head.position, Long));
    s = projector.status();
    QCOMPARE(s.lagEvents(), 0);
    QCOMPARE(s.lagMs(), 0);
    QCOMPARE(s.entries, 2);
    projector.stop();
}

void TestReadModel::delayHoldsEventsBack()
{
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    const QString readPath = newPath(QStringLiteral(".read"));
    auto store = EventStore::open(storePath);
    add(*store, "account-1", "AccountOpened", R"({"owner":"Ada"})", 0);
    Projector projector(*store, *ReadModelDefinition::bundledModel(QStringLiteral("balance")), readPath);
    projector.start();
    QVERIFY(projector.waitUntilCaughtUp(1, Long));
    projector.setDelay(60000); // a minute per event
    QCOMPARE(projector.status().delayMs, 60000);
    const Added a = add(*store, "account-1", "Deposited", R"({"amount":5})", 1);
    QVERIFY(!projector.waitUntilCaughtUp(a.position, 50ms)); // held back (a minute, not 50 ms)
    projector.stop(); // interrupts the delay; the event is not processed
    QCOMPARE(projector.status().checkpoint, 1);
    projector.setDelay(0);
    projector.start();
    QVERIFY(projector.waitUntilCaughtUp(a.position, Long));
    projector.stop();
    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    COMPARE_JSON(valueOf(db, QStringLiteral("balance"), QStringLiteral("account-1"))["balance"], nlohmann::json(5));
}

void TestReadModel::scriptChangeRebuilds()
{
    const auto store = EventStore::open(m_demoPath, EventStore::OpenMode::ReadOnly);
    const QString readPath = newPath(QStringLiteral(".read"));
    const qint64 head = store->headPosition();
    const ReadModelDefinition v1 = ReadModelDefinition::fromScript(QStringLiteral("mine"), QString::fromLatin1(CountsScript),
                                                                   QStringLiteral("counts.js"));
    {
        Projector p(*store, v1, readPath);
        p.start();
        QVERIFY(p.waitUntilCaughtUp(head, Long));
        p.stop();
    }
    QVERIFY(entriesOf(readPath, QStringLiteral("mine")).count(QStringLiteral("account-1")) == 1);
    // v2 partitions by event type: none of v1's keys may survive.
    const ReadModelDefinition v2 = ReadModelDefinition::fromScript(QStringLiteral("mine"), QStringLiteral(R"(fromAll()
    .partitionBy(function (e) { return e.eventType; })
    .when({ $init: function () { return { n: 0 }; }, $any: function (s, e) { s.n += 1; } });
)"),
                                                                   QStringLiteral("bytype.js"));
    Projector p(*store, v2, readPath);
    p.start();
    QVERIFY(p.waitUntilCaughtUp(head, Long));
    p.stop();
    const auto entries = entriesOf(readPath, QStringLiteral("mine"));
    COMPARE_ENTRIES(entries, replayed(*store, v2.script, head));
    QCOMPARE(entries.count(QStringLiteral("account-1")), size_t(0));
    QVERIFY(entries.count(QStringLiteral("Deposited")) == 1);
    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    QCOMPARE(db.model(QStringLiteral("mine"))->scriptSha256, v2.scriptSha256());
    QCOMPARE(db.model(QStringLiteral("mine"))->fileName, QStringLiteral("bytype.js"));
    // partitionBy: an entry's position is at most the checkpoint and at least its first event.
    for (const ReadEntry &e : db.entries(QStringLiteral("mine")))
        QVERIFY(e.position >= 1 && e.position <= head);
}

void TestReadModel::anotherStoreRebuilds()
{
    const QString readPath = newPath(QStringLiteral(".read"));
    const ReadModelDefinition balance = *ReadModelDefinition::bundledModel(QStringLiteral("balance"));
    {
        const auto demo = EventStore::open(m_demoPath, EventStore::OpenMode::ReadOnly);
        Projector p(*demo, balance, readPath);
        p.start();
        QVERIFY(p.waitUntilCaughtUp(demo->headPosition(), Long));
        p.stop();
    }
    // The same read database with another, longer store: the event at the checkpoint differs.
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    auto store = EventStore::open(storePath);
    for (int i = 0; i < 3100; ++i)
        add(*store, "account-9", i == 0 ? "AccountOpened" : "Deposited", R"({"amount":1,"owner":"Zed"})", i);
    Projector p(*store, balance, readPath);
    p.start();
    QVERIFY(p.waitUntilCaughtUp(store->headPosition(), Long));
    p.stop();
    const auto entries = entriesOf(readPath, QStringLiteral("balance"));
    QCOMPARE(entries.size(), size_t(1));
    COMPARE_JSON(entries.at(QStringLiteral("account-9"))["balance"], nlohmann::json(3099));
}

void TestReadModel::faultyScriptFaults_data()
{
    QTest::addColumn<int>("batchSize");
    QTest::addColumn<int>("commitIntervalMs");
    QTest::newRow("commit per event") << 1 << 0;
    QTest::newRow("batched") << 256 << 100;
}

void TestReadModel::faultyScriptFaults()
{
    QFETCH(int, batchSize);
    QFETCH(int, commitIntervalMs);
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    const QString readPath = newPath(QStringLiteral(".read"));
    auto store = EventStore::open(storePath);
    qint64 bad = 0;
    for (int i = 1; i <= 20; ++i) {
        const QByteArray data = QByteArray("{\"amount\":").append(QByteArray::number(i == 15 ? 13 : i * 10)).append('}');
        const Added a = add(*store, i % 2 ? "account-1" : "account-2", "Deposited", data, i);
        if (i == 15)
            bad = a.position;
    }
    const QString script = QStringLiteral(R"(fromCategory('account').foreachStream().when({
    $init: function () { return { total: 0 }; },
    Deposited: function (s, e) {
        if (e.data.amount === 13)
            throw new Error('unlucky amount');
        s.total += e.data.amount;
    }
});
)");
    Projector::Options options;
    options.batchSize = batchSize;
    options.commitIntervalMs = commitIntervalMs;
    Projector p(*store, ReadModelDefinition::fromScript(QStringLiteral("faulty"), script, QStringLiteral("faulty.js")), readPath, options);
    p.start();
    QVERIFY(!p.waitUntilCaughtUp(store->headPosition(), Long));
    const ProjectorStatus s = p.status();
    QCOMPARE(s.state, ProjectorStatus::State::Faulted);
    QCOMPARE(s.faultPosition, bad);
    QVERIFY(s.projectionError);
    QCOMPARE(s.projectionError->kind, ProjectionError::Kind::Runtime);
    QCOMPARE(s.projectionError->position, bad);
    QVERIFY2(s.error.contains(QStringLiteral("unlucky amount")) && s.error.contains(QStringLiteral("faulty.js")), qPrintable(s.error));
    QVERIFY(!p.isRunning());
    QVERIFY(s.checkpoint < bad);
    if (batchSize == 1)
        QCOMPARE(s.checkpoint, bad - 1); // every event before it was committed
    // Nothing half-written: entries are exactly the replay up to the checkpoint.
    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    QCOMPARE(db.model(QStringLiteral("faulty"))->checkpoint, s.checkpoint);
    COMPARE_ENTRIES(entriesOf(readPath, QStringLiteral("faulty")), replayed(*store, script, s.checkpoint));
    // Starting again faults again at the same event.
    p.start();
    QVERIFY(!p.waitUntilCaughtUp(store->headPosition(), Long));
    QCOMPARE(p.status().faultPosition, bad);
    p.stop();
    QCOMPARE(p.status().state, ProjectorStatus::State::Faulted);
}

void TestReadModel::invalidScriptLeavesDatabaseAlone()
{
    const auto store = EventStore::open(m_demoPath, EventStore::OpenMode::ReadOnly);
    const QString readPath = newPath(QStringLiteral(".read"));
    Projector p(*store, ReadModelDefinition::fromScript(QStringLiteral("broken"), QStringLiteral("fromAll().when({ $any: function ( {} });"),
                                                        QStringLiteral("broken.js")),
                readPath);
    p.start();
    QVERIFY(!p.waitUntilCaughtUp(1, Long));
    const ProjectorStatus s = p.status();
    QCOMPARE(s.state, ProjectorStatus::State::Faulted);
    QCOMPARE(s.faultPosition, 0);
    QVERIFY(s.projectionError && s.projectionError->kind == ProjectionError::Kind::Syntax);
    QVERIFY2(s.error.startsWith(QStringLiteral("broken.js: syntax error")), qPrintable(s.error));
    p.stop();
    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    QVERIFY(!db.model(QStringLiteral("broken")));
}

void TestReadModel::unpartitionedModel()
{
    const auto store = EventStore::open(m_demoPath, EventStore::OpenMode::ReadOnly);
    const QString readPath = newPath(QStringLiteral(".read"));
    const QString script = QStringLiteral(R"(fromAll().when({
    $init: function () { return { events: 0 }; },
    $any: function (s, e) { s.events += 1; }
}).transformBy(function (s) { return { events: s.events, even: s.events % 2 === 0 }; });
)");
    Projector p(*store, ReadModelDefinition::fromScript(QStringLiteral("total"), script, QStringLiteral("total.js")), readPath);
    p.start();
    QVERIFY(p.waitUntilCaughtUp(store->headPosition(), Long));
    p.stop();
    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    QCOMPARE(db.entryCount(QStringLiteral("total")), 1);
    const nlohmann::json value = valueOf(db, QStringLiteral("total"), QString());
    COMPARE_JSON(value["events"], nlohmann::json(store->headPosition()));
    QCOMPARE(db.get(QStringLiteral("total"), QString())->position, store->headPosition());
}

// ---- host -------------------------------------------------------------------------------------

void TestReadModel::hostQueriesFromThreads()
{
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    QVERIFY(QFile::copy(m_demoPath, storePath));
    auto store = EventStore::open(storePath);
    ReadModelHost host(*store);
    QCOMPARE(host.readDbPath(), storePath + QStringLiteral(".read"));
    QCOMPARE(host.names(), (QStringList{QStringLiteral("balance"), QStringLiteral("orders")}));
    QSignalSpy spy(&host, &ReadModelHost::statusChanged);
    host.start();
    const qint64 head = store->headPosition();
    QVERIFY(host.waitUntilCaughtUp(QStringLiteral("balance"), head, Long));
    QVERIFY(host.waitUntilCaughtUp(QStringLiteral("orders"), head, Long));
    QVERIFY(!host.waitUntilCaughtUp(QStringLiteral("nope"), head, 1ms));
    QVERIFY(spy.count() > 0 || spy.wait(10000));
    QVERIFY(spy.contains(QVariantList{QStringLiteral("balance")}) || spy.wait(10000));

    const auto expected = replayed(*store, balanceScript(), head);
    QCOMPARE(expected.size(), size_t(60));
    std::atomic_int mismatches{0};
    std::atomic_int answered{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            // account-1 changes meanwhile (below): the readers ask for the others.
            for (int i = 0; i < 200; ++i) {
                const QString key = QStringLiteral("account-%1").arg(2 + (i * 7 + t) % 59);
                const std::optional<ReadEntry> e = host.get(QStringLiteral("balance"), key);
                const auto it = expected.find(key);
                if (!e || it == expected.end() || nlohmann::json::parse(e->value.toStdString()) != it->second)
                    ++mismatches;
                ++answered;
            }
            std::vector<ReadFilter> filters{*ReadFilter::parse(QStringLiteral("status=open"))};
            if (host.query(QStringLiteral("balance"), filters).empty())
                ++mismatches;
        });
    }
    // Meanwhile, the log grows and the model follows.
    const Added a = add(*store, "account-1", "Deposited", R"({"amount":0.01})", 99999);
    for (std::thread &t : threads)
        t.join();
    QCOMPARE(mismatches.load(), 0);
    QCOMPARE(answered.load(), 800);
    QVERIFY(host.waitUntilCaughtUp(QStringLiteral("balance"), a.position, Long));
    const auto now = replayed(*store, balanceScript(), a.position);
    COMPARE_JSON(nlohmann::json::parse(host.get(QStringLiteral("balance"), QStringLiteral("account-1"))->value.toStdString()),
             now.at(QStringLiteral("account-1")));
    QVERIFY(now.at(QStringLiteral("account-1")) != expected.at(QStringLiteral("account-1")));

    host.setDelay(5);
    QCOMPARE(host.status(QStringLiteral("orders"))->delayMs, 5);
    QVERIFY(host.rebuild(QStringLiteral("orders")));
    QVERIFY(!host.rebuild(QStringLiteral("nope")));
    host.setDelay(0);
    QVERIFY(host.waitUntilCaughtUp(QStringLiteral("orders"), a.position, Long));
    QCOMPARE(host.statuses().size(), size_t(2));
    host.stop();
    QCOMPARE(host.status(QStringLiteral("balance"))->state, ProjectorStatus::State::Stopped);
}

void TestReadModel::hostUserModelsPersist()
{
    const QString storePath = newPath(QStringLiteral(".eventlens"));
    QVERIFY(QFile::copy(m_demoPath, storePath));
    auto store = EventStore::open(storePath, EventStore::OpenMode::ReadOnly);
    const qint64 head = store->headPosition();
    const QString readPath = newPath(QStringLiteral(".read"));
    {
        ReadModelHost host(*store, readPath);
        QString error;
        QVERIFY(!host.addModel(ReadModelDefinition::fromScript(QStringLiteral("balance"), QString::fromLatin1(CountsScript), {}), &error));
        QVERIFY2(error.contains(QStringLiteral("exists")), qPrintable(error));
        QVERIFY(!host.addModel(ReadModelDefinition::fromScript(QStringLiteral("bad name"), QString::fromLatin1(CountsScript), {}), &error));
        QVERIFY(!host.addModel(ReadModelDefinition::fromScript(QStringLiteral("broken"), QStringLiteral("fromAll(("), QStringLiteral("b.js")), &error));
        QVERIFY2(error.startsWith(QStringLiteral("b.js: syntax error")), qPrintable(error));
        QSignalSpy models(&host, &ReadModelHost::modelsChanged);
        host.start();
        QVERIFY2(host.addModel(ReadModelDefinition::fromScript(QStringLiteral("counts"), QString::fromLatin1(CountsScript),
                                                               QStringLiteral("counts.js")),
                               &error),
                 qPrintable(error));
        QCOMPARE(models.count(), 1);
        QCOMPARE(host.names(), (QStringList{QStringLiteral("balance"), QStringLiteral("orders"), QStringLiteral("counts")}));
        QVERIFY(host.waitUntilCaughtUp(QStringLiteral("counts"), head, Long));
        QVERIFY(host.get(QStringLiteral("counts"), QStringLiteral("account-1")));
        QVERIFY(!host.removeModel(QStringLiteral("balance")));
    }
    // Back with the read database.
    ReadModelHost host(*store, readPath);
    QCOMPARE(host.names(), (QStringList{QStringLiteral("balance"), QStringLiteral("orders"), QStringLiteral("counts")}));
    QCOMPARE(host.definition(QStringLiteral("counts"))->fileName, QStringLiteral("counts.js"));
    QCOMPARE(host.status(QStringLiteral("counts"))->checkpoint, head);
    const auto expected = replayed(*store, QString::fromLatin1(CountsScript), head);
    COMPARE_JSON(nlohmann::json::parse(host.get(QStringLiteral("counts"), QStringLiteral("account-1"))->value.toStdString()),
             expected.at(QStringLiteral("account-1")));
    QVERIFY(host.removeModel(QStringLiteral("counts")));
    QCOMPARE(host.names(), (QStringList{QStringLiteral("balance"), QStringLiteral("orders")}));
    QVERIFY(!host.get(QStringLiteral("counts"), QStringLiteral("account-1")));
    ReadDatabase db(readPath, ReadDatabase::OpenMode::ReadOnly);
    QVERIFY(!db.model(QStringLiteral("counts")));
}

QTEST_GUILESS_MAIN(TestReadModel)
#include "tst_readmodel.moc"

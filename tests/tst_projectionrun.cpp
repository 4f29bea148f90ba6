// ProjectionRun: a whole replay over a store, narrowed to the projection's category or stream,
// and split by stream over several engines. Whatever the engines, the outcome must be the one a
// single Projection gives when it is fed every event of the store.

#include "eventstore.h"
#include "projectionrun.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <vector>

using namespace eventlens;
using Json = nlohmann::ordered_json;

namespace {

constexpr int kStreams = 60;
constexpr int kEvents = 4000;

// Accounts, orders and a few odd events: a non-JSON event, types no handler takes (some
// streams start with one, so that their partition is created later than their first event),
// and types named like reserved handlers.
void createStore(const QString &path)
{
    auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    auto batch = store->beginBatch();
    quint32 seed = 12345;
    const auto next = [&seed](quint32 n) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 16) % n;
    };
    for (int i = 0; i < kEvents; ++i) {
        const int s = int(next(kStreams));
        const QString stream = s % 5 == 0 ? QStringLiteral("order-%1").arg(s) : QStringLiteral("account-%1").arg(s);
        NewEvent e;
        const quint32 kind = next(20);
        e.type = kind < 8 ? QStringLiteral("Deposited") : kind < 15 ? QStringLiteral("Withdrawn")
               : kind < 17 ? QStringLiteral("Noted") : kind == 17 ? QStringLiteral("$init") : QStringLiteral("Opened");
        e.data = "{\"amount\":" + QByteArray::number(next(100) + 1) + '}';
        if (i % 997 == 5) {
            e.data = "not json";
            e.dataIsJson = false;
        }
        e.timeMs = 1704067200000 + qint64(i) * 1000;
        batch.append(stream, ExpectedVersion::any(), {e});
    }
    batch.commit();
}

// What one Projection gives when it is fed every event of the store, in batches of 100; an
// error stops it.
ProjectionRun::Outcome reference(const EventStore &store, const QString &script)
{
    Projection projection(script, QStringLiteral("p.js"));
    std::vector<Event> all;
    store.forEach({}, [&all](const Event &e) {
        all.push_back(e);
        return true;
    });
    std::optional<ProjectionError> error;
    for (size_t i = 0; i < all.size() && !error; i += 100) {
        const std::span<const Event> batch = std::span<const Event>(all).subspan(i, std::min<size_t>(100, all.size() - i));
        error = projection.feed(batch).error;
    }
    ProjectionRun::Outcome out = ProjectionRun::Outcome::of(projection);
    out.error = error;
    return out;
}

Json emittedJson(const std::vector<EmittedEvent> &events)
{
    Json out = Json::array();
    for (const EmittedEvent &e : events)
        out.push_back(Json::array({e.sourcePosition, e.toJson()}));
    return out;
}

Json logsJson(const std::vector<ProjectionLog> &logs)
{
    Json out = Json::array();
    for (const ProjectionLog &l : logs)
        out.push_back(Json::array({l.sourcePosition, l.text.toStdString()}));
    return out;
}

// The whole outcome as one JSON text: objects keep their order, so partitions out of creation
// order differ.
std::string outcomeText(const ProjectionRun::Outcome &o)
{
    return Json{{"events", o.eventCount},       {"processed", o.processedCount}, {"position", o.position},
                {"states", o.states},           {"results", o.results},         {"shared", o.sharedState},
                {"emitted", emittedJson(o.emitted)}, {"logs", logsJson(o.logs)}}
        .dump();
}

const char kBalances[] = R"JS(
fromCategory('account').foreachStream().when({
    $init: function () { return { balance: 0, n: 0 }; },
    Opened: function (s, e) { s.opened = e.sequenceNumber; },
    Deposited: function (s, e) {
        s.balance += e.data.amount; s.n++;
        if (e.data.amount > 95) log('big deposit in ' + e.streamId + ' at ' + e.sequenceNumber);
    },
    Withdrawn: function (s, e) {
        s.balance -= e.data.amount; s.n++;
        if (s.n % 10 === 0) emit('audit-' + e.streamId, 'Tenth', { balance: s.balance });
    }
}).transformBy(function (s) { return { balance: s.balance }; });
)JS";

const char kEveryStream[] = R"JS(
fromAll().foreachStream().when({
    $any: function (s, e) { s.types = (s.types || '') + e.eventType.charAt(0); }
});
)JS";

const char kTwoCategories[] = R"JS(
fromCategories(['order', 'account']).foreachStream().when({
    $init: function () { return 0; },
    Opened: function (s, e) { return s + 1; },
    Noted: function (s, e) { linkTo('noted', e); }
});
)JS";

} // namespace

class TestProjectionRun : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sameAsOneProjection_data();
    void sameAsOneProjection();
    void narrowedToTheCategory();
    void upToAPosition();
    void firstErrorWins();
    void oneEngineWhenNotShardable();
    void invalidScript();
    void cancelAndProgress();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<EventStore> m_store;
};

void TestProjectionRun::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("run.eventlens"));
    createStore(path);
    m_store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
    QCOMPARE(m_store->headPosition(), qint64(kEvents));
}

void TestProjectionRun::sameAsOneProjection_data()
{
    QTest::addColumn<QString>("script");
    QTest::addColumn<int>("engines");
    for (const int engines : {1, 2, 3, 5}) {
        QTest::addRow("fromCategory, %d engines", engines) << QString::fromUtf8(kBalances) << engines;
        QTest::addRow("fromAll, %d engines", engines) << QString::fromUtf8(kEveryStream) << engines;
        QTest::addRow("fromCategories, %d engines", engines) << QString::fromUtf8(kTwoCategories) << engines;
    }
}

void TestProjectionRun::sameAsOneProjection()
{
    QFETCH(QString, script);
    QFETCH(int, engines);
    const ProjectionRun::Outcome want = reference(*m_store, script);
    QVERIFY(!want.error);
    QVERIFY(want.states.size() > 10);

    ProjectionRun::Options options;
    options.engines = engines;
    options.batchSize = 64;
    const ProjectionRun::Outcome got = ProjectionRun::run(script, QStringLiteral("p.js"), *m_store, {}, options);
    QVERIFY(!got.error);
    QVERIFY(!got.cancelled);
    QCOMPARE(got.engines, engines);
    QCOMPARE(got.eventCount, qint64(kEvents));
    QCOMPARE(got.position, qint64(kEvents));
    const std::string a = outcomeText(got);
    const std::string b = outcomeText(want);
    QVERIFY2(a == b, ("\n   got: " + a.substr(0, 600) + "\n  want: " + b.substr(0, 600)).c_str());
}

void TestProjectionRun::narrowedToTheCategory()
{
    Projection projection(QString::fromUtf8(kBalances));
    const EventQuery narrowed = ProjectionRun::narrowed(projection.definition(), {});
    QCOMPARE(narrowed.category, QStringLiteral("account"));
    QVERIFY(m_store->count(narrowed) < kEvents);

    Projection one(QStringLiteral("fromStream('order-5').when({ $any: function (s, e) { s.n = (s.n || 0) + 1; } });"));
    QCOMPARE(ProjectionRun::narrowed(one.definition(), {}).stream, QStringLiteral("order-5"));
    // A query that names its own stream or category is left as it is.
    EventQuery own;
    own.category = QStringLiteral("order");
    QCOMPARE(ProjectionRun::narrowed(projection.definition(), own).category, QStringLiteral("order"));
    Projection all(QString::fromUtf8(kEveryStream));
    QVERIFY(ProjectionRun::narrowed(all.definition(), {}).category.isEmpty());

    // The events of other categories are not read, yet they count as read and skipped.
    ProjectionRun::Options options;
    qint64 total = -1;
    options.progress = [&total](qint64, qint64 t) { total = t; };
    const ProjectionRun::Outcome got =
        ProjectionRun::run(QString::fromUtf8(kBalances), QStringLiteral("p.js"), *m_store, {}, options);
    QCOMPARE(total, m_store->count(narrowed));
    QCOMPARE(got.eventCount, qint64(kEvents));
    QCOMPARE(got.position, qint64(kEvents));
    QCOMPARE(got.processedCount, reference(*m_store, QString::fromUtf8(kBalances)).processedCount);
}

void TestProjectionRun::upToAPosition()
{
    EventQuery query;
    query.toPosition = 1234;
    ProjectionRun::Options options;
    options.engines = 2;
    const ProjectionRun::Outcome got = ProjectionRun::run(QString::fromUtf8(kBalances), QStringLiteral("p.js"), *m_store, query, options);
    QCOMPARE(got.eventCount, qint64(1234));
    QCOMPARE(got.position, qint64(1234));

    Projection projection(QString::fromUtf8(kBalances));
    std::vector<Event> events;
    m_store->forEach(query, [&events](const Event &e) {
        events.push_back(e);
        return true;
    });
    QVERIFY(!projection.feed(events).error);
    QCOMPARE(outcomeText(got), outcomeText(ProjectionRun::Outcome::of(projection)));
}

// A script that fails in several streams: the run stops at the lowest position, as one engine
// would, whichever engine meets it.
void TestProjectionRun::firstErrorWins()
{
    // The handler fails at the 30th event of every stream whose number ends in 3 or 7.
    const QString script = QStringLiteral(
        "fromCategory('account').foreachStream().when({\n"
        "    $any: function (s, e) {\n"
        "        var n = +e.streamId.split('-')[1];\n"
        "        if (e.sequenceNumber === 30 && (n % 10 === 3 || n % 10 === 7)) throw new Error('broken ' + e.streamId);\n"
        "        s.n = (s.n || 0) + 1;\n"
        "    }\n"
        "});\n");
    const ProjectionRun::Outcome want = reference(*m_store, script);
    QVERIFY(want.error);
    for (const int engines : {1, 2, 3, 4}) {
        ProjectionRun::Options options;
        options.engines = engines;
        options.batchSize = 32;
        const ProjectionRun::Outcome got = ProjectionRun::run(script, QStringLiteral("p.js"), *m_store, {}, options);
        QVERIFY(got.error);
        QCOMPARE(got.error->position, want.error->position);
        QCOMPARE(got.error->message, want.error->message);
        QCOMPARE(got.error->kind, ProjectionError::Kind::Runtime);
        QVERIFY(got.error->message.contains(QStringLiteral("broken account-")));
    }
}

void TestProjectionRun::oneEngineWhenNotShardable()
{
    const QStringList scripts = {
        QStringLiteral("fromAll().partitionBy(function (e) { return e.eventType; }).when({ $any: function (s, e) { s.n = (s.n || 0) + 1; } });"),
        QStringLiteral("fromAll().foreachStream().when({ $initShared: function () { return { n: 0 }; },"
                       " $any: function (s, e) { s[1].n++; return s; } });"),
        QStringLiteral("fromStreamsMatching(function (s) { return s.indexOf('order') === 0; }).foreachStream()"
                       ".when({ $any: function (s, e) { s.n = (s.n || 0) + 1; } });"),
        QStringLiteral("fromAll().when({ $any: function (s, e) { s.n = (s.n || 0) + 1; } });"),
    };
    for (const QString &script : scripts) {
        Projection projection(script);
        QVERIFY2(projection.isValid(), qPrintable(script));
        QVERIFY(!ProjectionRun::shardable(projection.definition()));
        ProjectionRun::Options options;
        options.engines = 3;
        const ProjectionRun::Outcome got = ProjectionRun::run(script, QStringLiteral("p.js"), *m_store, {}, options);
        QCOMPARE(got.engines, 1);
        QVERIFY(!got.error);
        QCOMPARE(outcomeText(got), outcomeText(reference(*m_store, script)));
    }
    Projection byStream(QString::fromUtf8(kBalances));
    QVERIFY(ProjectionRun::shardable(byStream.definition()));
}

void TestProjectionRun::invalidScript()
{
    ProjectionRun::Options options;
    options.engines = 2;
    const ProjectionRun::Outcome got =
        ProjectionRun::run(QStringLiteral("fromAll().when({ $any: function (s, e) { s.n = ; } });"), QStringLiteral("bad.js"), *m_store, {}, options);
    QVERIFY(got.error);
    QCOMPARE(got.error->kind, ProjectionError::Kind::Syntax);
    QCOMPARE(got.eventCount, qint64(0));
}

void TestProjectionRun::cancelAndProgress()
{
    // Cancelled from the start: every engine stops after its first batch.
    ProjectionRun::Options options;
    options.engines = 2;
    options.batchSize = 16;
    std::atomic_int asked = 0;
    options.cancelled = [&asked] {
        ++asked;
        return true;
    };
    ProjectionRun::Outcome got = ProjectionRun::run(QString::fromUtf8(kBalances), QStringLiteral("p.js"), *m_store, {}, options);
    QVERIFY(got.cancelled);
    QVERIFY(asked >= 1);
    QVERIFY(got.eventCount > 0);
    QVERIFY(got.eventCount <= 2 * 16);

    // Progress ends at the total read.
    options.cancelled = {};
    qint64 lastDone = -1;
    qint64 lastTotal = -1;
    options.progress = [&](qint64 done, qint64 total) {
        QVERIFY(done >= lastDone);
        lastDone = done;
        lastTotal = total;
    };
    got = ProjectionRun::run(QString::fromUtf8(kEveryStream), QStringLiteral("p.js"), *m_store, {}, options);
    QVERIFY(!got.cancelled);
    QCOMPARE(lastTotal, qint64(kEvents));
    QCOMPARE(lastDone, qint64(kEvents));
}

QTEST_GUILESS_MAIN(TestProjectionRun)
#include "tst_projectionrun.moc"

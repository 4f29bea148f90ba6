// The store's reads behind the event log model: EventStore::forEachPosition (positions only,
// the same filters as forEach, cancellable) and EventStore::readPositions.

#include "eventstore.h"

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <vector>

using namespace eventlens;

Q_DECLARE_METATYPE(eventlens::EventQuery)

namespace {

constexpr qint64 BaseTime = 1704067200000; // 2024-01-01T00:00:00.000Z
// More than two pages of forEachPosition (16,384 positions each).
constexpr int FixtureEvents = 35000;

QString streamOf(int n)
{
    if (n == 1)
        return QStringLiteral("first-1");
    if (n == FixtureEvents)
        return QStringLiteral("last-1");
    return n % 3 == 0 ? QStringLiteral("order-%1").arg(n % 5) : QStringLiteral("account-%1").arg(n % 4);
}

QString typeOf(int n)
{
    static const char *const types[] = {"Deposited", "Withdrawn", "OrderPlaced", "AccountOpened"};
    return QString::fromLatin1(types[n % 4]);
}

std::vector<qint64> positionsOf(const EventStore &store, const EventQuery &query)
{
    std::vector<qint64> out;
    store.forEach(query, [&](const Event &e) {
        out.push_back(e.position);
        return true;
    });
    return out;
}

std::vector<qint64> positionsOnly(const EventStore &store, const EventQuery &query)
{
    std::vector<qint64> out;
    store.forEachPosition(query, [&](qint64 p) {
        out.push_back(p);
        return true;
    });
    return out;
}

} // namespace

class TestEventStoreReads : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void positionsMatchForEach_data();
    void positionsMatchForEach();
    void positionsStopAndCancel();
    void readPositions();

private:
    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<EventStore> m_store;
};

void TestEventStoreReads::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("reads.eventlens"));
    {
        auto store = EventStore::open(m_path, EventStore::OpenMode::ReadWrite);
        auto batch = store->beginBatch();
        for (int n = 1; n <= FixtureEvents; ++n) {
            NewEvent e;
            e.type = typeOf(n);
            e.data = "{\"n\":" + QByteArray::number(n) + '}';
            e.timeMs = BaseTime + qint64(n) * 1000;
            batch.append(streamOf(n), ExpectedVersion::any(), {e});
        }
        batch.commit();
    }
    m_store = EventStore::open(m_path, EventStore::OpenMode::ReadOnly);
    QCOMPARE(m_store->headPosition(), qint64(FixtureEvents));
}

void TestEventStoreReads::positionsMatchForEach_data()
{
    QTest::addColumn<EventQuery>("query");
    QTest::addColumn<qint64>("expected"); // number of positions, -1: not checked

    const auto add = [](const char *name, EventQuery q, qint64 expected = -1) { QTest::newRow(name) << q << expected; };
    add("all", {}, FixtureEvents);
    EventQuery q;
    q.backward = true;
    add("all backward", q, FixtureEvents);
    q = {};
    q.category = QStringLiteral("order");
    add("category", q);
    q.backward = true;
    add("category backward", q);
    q = {};
    q.types = {QStringLiteral("Withdrawn")};
    add("one type", q);
    q.types = {QStringLiteral("Withdrawn"), QStringLiteral("OrderPlaced"), QStringLiteral("Nope")};
    add("types (one arm each)", q);
    q.backward = true;
    add("types backward", q);
    q = {};
    q.stream = QStringLiteral("account-1");
    add("exact stream (by version)", q);
    q.backward = true;
    q.fromPosition = 20000;
    add("exact stream backward from", q);
    q = {};
    q.streamGlob = QStringLiteral("order-[12]");
    add("glob", q);
    q = {};
    q.sinceMs = BaseTime + 5000 * 1000;
    q.untilMs = BaseTime + 30000 * 1000;
    add("time range", q, 25000);
    q = {};
    q.fromPosition = 100;
    q.toPosition = 20099;
    add("bounds", q, 20000);
    q.backward = true;
    q.fromPosition = 20099;
    q.toPosition = 100;
    add("bounds backward", q, 20000);
    q = {};
    q.limit = 17000;
    q.category = QStringLiteral("account");
    add("limit across pages", q, 17000);
    q = {};
    q.category = QStringLiteral("account");
    q.types = {QStringLiteral("Deposited"), QStringLiteral("AccountOpened")};
    q.sinceMs = BaseTime + 1000 * 1000;
    q.backward = true;
    add("combined backward", q);
    q = {};
    q.types = {QStringLiteral("NoSuchType")};
    add("unknown type", q, 0);
    q = {};
    q.stream = QStringLiteral("no-such-stream");
    add("unknown stream", q, 0);
}

void TestEventStoreReads::positionsMatchForEach()
{
    QFETCH(EventQuery, query);
    QFETCH(qint64, expected);
    const std::vector<qint64> positions = positionsOnly(*m_store, query);
    QCOMPARE(positions, positionsOf(*m_store, query));
    if (expected >= 0)
        QCOMPARE(qint64(positions.size()), expected);
    else
        QVERIFY(!positions.empty());
}

void TestEventStoreReads::positionsStopAndCancel()
{
    // fn returning false stops at once.
    int seen = 0;
    m_store->forEachPosition({}, [&](qint64) { return ++seen < 10; });
    QCOMPARE(seen, 10);

    // Cancelled before: nothing.
    std::atomic_bool cancel{true};
    seen = 0;
    m_store->forEachPosition({}, [&](qint64) { return ++seen > 0; }, &cancel);
    QCOMPARE(seen, 0);

    // Cancelled while a row is delivered: the scan stops soon after, inside its page.
    cancel = false;
    seen = 0;
    m_store->forEachPosition({}, [&](qint64) {
        if (++seen == 100)
            cancel = true;
        return true;
    }, &cancel);
    QVERIFY2(seen >= 100 && seen < 16384, qPrintable(QString::number(seen)));

    // Inside one long SQLite step: the glob matches the first event and the last one only, so
    // finding the last is one step over the whole log; the cancel set on the first interrupts it.
    EventQuery sparse;
    sparse.streamGlob = QStringLiteral("[fl][ia]*-1");
    QCOMPARE(positionsOnly(*m_store, sparse), (std::vector<qint64>{1, FixtureEvents}));
    cancel = false;
    std::vector<qint64> delivered;
    m_store->forEachPosition(sparse, [&](qint64 p) {
        delivered.push_back(p);
        cancel = true;
        return true;
    }, &cancel);
    QCOMPARE(delivered, std::vector<qint64>{1});

    // The connection is as good as before.
    QCOMPARE(positionsOnly(*m_store, sparse), (std::vector<qint64>{1, FixtureEvents}));
    QCOMPARE(qint64(positionsOnly(*m_store, {}).size()), qint64(FixtureEvents));
}

void TestEventStoreReads::readPositions()
{
    QVERIFY(m_store->readPositions({}).empty());
    // The order given, repeats kept, positions that are not in the store left out.
    const std::vector<qint64> asked = {500, 3, FixtureEvents, 0, 3, FixtureEvents + 1, -7, 20000};
    const std::vector<Event> events = m_store->readPositions(asked);
    const std::vector<qint64> present = {500, 3, FixtureEvents, 3, 20000};
    QCOMPARE(events.size(), present.size());
    for (size_t i = 0; i < present.size(); ++i) {
        const auto expected = m_store->eventAt(present[i]);
        QVERIFY(expected);
        QCOMPARE(events[i], *expected);
        QCOMPARE(events[i].stream, streamOf(int(present[i])));
        QCOMPARE(events[i].type, typeOf(int(present[i])));
        QCOMPARE(events[i].data, "{\"n\":" + QByteArray::number(present[i]) + '}');
    }
}

QTEST_GUILESS_MAIN(TestEventStoreReads)
#include "tst_eventstore_reads.moc"

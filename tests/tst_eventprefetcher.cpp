#include "eventprefetcher.h"
#include "eventstore.h"

#include <QTemporaryDir>
#include <QTest>

using namespace eventlens;

class TestEventPrefetcher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void allEventsInOrderInBatches();
    void queryFiltersApply();
    void stopsEarlyWithoutHanging();
    void emptyQuery();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<EventStore> m_store;
};

void TestEventPrefetcher::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_store = EventStore::open(m_dir.filePath(QStringLiteral("prefetch.eventlens")));
    auto batch = m_store->beginBatch();
    for (int i = 0; i < 1000; ++i) {
        NewEvent e;
        e.type = i % 3 == 0 ? QStringLiteral("Deposited") : QStringLiteral("Withdrawn");
        e.data = QByteArray("{\"n\":") + QByteArray::number(i) + '}';
        batch.append(QStringLiteral("account-%1").arg(i % 7), ExpectedVersion::any(), {e});
    }
    batch.commit();
}

void TestEventPrefetcher::allEventsInOrderInBatches()
{
    EventPrefetcher reader(*m_store, EventQuery(), 64, 2);
    qint64 expected = 1;
    int batches = 0;
    for (std::vector<Event> batch = reader.next(); !batch.empty(); batch = reader.next()) {
        QVERIFY(batch.size() <= 64);
        for (const Event &e : batch) {
            QCOMPARE(e.position, expected);
            QCOMPARE(e.data, QByteArray("{\"n\":") + QByteArray::number(expected - 1) + '}');
            ++expected;
        }
        ++batches;
    }
    QCOMPARE(expected, qint64(1001));
    QCOMPARE(batches, 16); // 15 full batches and 40 events
    QVERIFY(reader.next().empty()); // the end stays the end
}

void TestEventPrefetcher::queryFiltersApply()
{
    EventQuery query;
    query.types = {QStringLiteral("Deposited")};
    query.fromPosition = 101;
    query.toPosition = 400;
    EventPrefetcher reader(*m_store, query, 10);
    std::vector<qint64> positions;
    for (std::vector<Event> batch = reader.next(); !batch.empty(); batch = reader.next()) {
        for (const Event &e : batch) {
            QCOMPARE(e.type, QStringLiteral("Deposited"));
            positions.push_back(e.position);
        }
    }
    QCOMPARE(positions.size(), size_t(100)); // positions 103, 106, ..., 400
    QCOMPARE(positions.front(), qint64(103));
    QCOMPARE(positions.back(), qint64(400));
}

void TestEventPrefetcher::stopsEarlyWithoutHanging()
{
    // The reader fills its queue and waits; destroying the prefetcher must stop it (a hang fails
    // the test by the test runner's time-out).
    auto reader = std::make_unique<EventPrefetcher>(*m_store, EventQuery(), 8, 1);
    QCOMPARE(reader->next().size(), size_t(8));
    QCOMPARE(reader->next().front().position, qint64(9));
    reader.reset();
}

void TestEventPrefetcher::emptyQuery()
{
    EventQuery query;
    query.stream = QStringLiteral("nowhere-1");
    EventPrefetcher reader(*m_store, query);
    QVERIFY(reader.next().empty());
}

QTEST_GUILESS_MAIN(TestEventPrefetcher)
#include "tst_eventprefetcher.moc"

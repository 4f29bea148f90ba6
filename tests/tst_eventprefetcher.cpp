#include "eventprefetcher.h"
#include "eventstore.h"

#include <QHash>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <thread>
#include <vector>

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
    void outputsSplitByStream();
    void closedOutputDoesNotBlock();
    void recycledBatches();

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

// Three outputs read by three threads: every event once, each output in position order, every
// stream in one output only (the one outputOf() names).
void TestEventPrefetcher::outputsSplitByStream()
{
    EventPrefetcher reader(*m_store, EventQuery(), 16, 2, 3);
    QCOMPARE(reader.outputCount(), 3);
    std::vector<std::vector<Event>> got(3);
    std::vector<std::thread> threads;
    for (int output = 0; output < 3; ++output) {
        threads.emplace_back([&reader, &got, output] {
            for (std::vector<Event> batch = reader.next(output); !batch.empty(); batch = reader.next(output)) {
                got[size_t(output)].insert(got[size_t(output)].end(), batch.begin(), batch.end());
                reader.recycle(std::move(batch));
            }
        });
    }
    for (std::thread &t : threads)
        t.join();
    std::vector<qint64> positions;
    int nonEmpty = 0;
    for (int output = 0; output < 3; ++output) {
        const std::vector<Event> &events = got[size_t(output)];
        nonEmpty += events.empty() ? 0 : 1;
        for (size_t i = 0; i < events.size(); ++i) {
            QCOMPARE(reader.outputOf(events[i].stream), output);
            if (i > 0)
                QVERIFY(events[i].position > events[i - 1].position);
            positions.push_back(events[i].position);
        }
    }
    QVERIFY(nonEmpty >= 2);
    std::sort(positions.begin(), positions.end());
    QCOMPARE(positions.size(), size_t(1000));
    for (size_t i = 0; i < positions.size(); ++i)
        QCOMPARE(positions[i], qint64(i + 1));
}

// An output whose consumer stopped (close()) no longer holds the reader up: the others get all
// their events. (A hang fails by the test runner's time-out.)
void TestEventPrefetcher::closedOutputDoesNotBlock()
{
    EventPrefetcher reader(*m_store, EventQuery(), 4, 1, 2);
    // Output 0's consumer takes one batch and stops; output 1's reads to the end.
    bool firstBatch = false;
    bool afterClose = true;
    std::thread stopper([&] {
        firstBatch = !reader.next(0).empty();
        reader.close(0);
        afterClose = reader.next(0).empty();
    });
    qint64 count = 0;
    for (std::vector<Event> batch = reader.next(1); !batch.empty(); batch = reader.next(1)) {
        for (const Event &e : batch)
            QCOMPARE(reader.outputOf(e.stream), 1);
        count += qint64(batch.size());
    }
    qint64 expected = 0;
    m_store->forEach({}, [&](const Event &e) {
        expected += reader.outputOf(e.stream) == 1 ? 1 : 0;
        return true;
    });
    stopper.join();
    QVERIFY(firstBatch);
    QVERIFY(afterClose);
    QVERIFY(expected > 0);
    QCOMPARE(count, expected);
}

// Batches given back are reused: the events stay right however often that happens.
void TestEventPrefetcher::recycledBatches()
{
    EventPrefetcher reader(*m_store, EventQuery(), 32, 2);
    qint64 expected = 1;
    for (std::vector<Event> batch = reader.next(); !batch.empty(); batch = reader.next()) {
        for (const Event &e : batch)
            QCOMPARE(e.position, expected++);
        reader.recycle(std::move(batch));
    }
    QCOMPARE(expected, qint64(1001));
}

QTEST_GUILESS_MAIN(TestEventPrefetcher)
#include "tst_eventprefetcher.moc"

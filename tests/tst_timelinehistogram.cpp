// The timeline's data: TimelineHistogram (events per time bucket of a query, in the background)
// and the store read under it, EventStore::forEachTime.

#include "eventquery.h"
#include "eventstore.h"
#include "timelinehistogram.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>
#include <vector>

using namespace eventlens;

Q_DECLARE_METATYPE(eventlens::EventQuery)

namespace {

constexpr int WaitMs = 120000; // generous: sanitizer builds on a busy machine
constexpr qint64 Second = 1000;
constexpr qint64 Minute = 60 * Second;
constexpr qint64 Hour = 60 * Minute;
constexpr qint64 Day = 24 * Hour;
constexpr qint64 Week = 7 * Day;
constexpr qint64 T0 = 1709510400000; // 2024-03-04T00:00:00.000Z, a Monday

// The small store: seven events at hand-picked times (seconds after T0); event 6 is earlier than
// event 5 and shares its bucket.
struct Fixed
{
    const char *stream;
    const char *type;
    qint64 offsetMs;
};
const Fixed FixedEvents[] = {
    {"account-1", "Deposited", 0},                 // 1
    {"account-1", "Withdrawn", 5 * Second},        // 2
    {"order-1", "OrderPlaced", 29999},             // 3
    {"account-2", "Deposited", 30 * Second},       // 4
    {"account-2", "Deposited", 110 * Second},      // 5
    {"order-1", "OrderPaid", 95 * Second},         // 6
    {"account-1", "Deposited", 7199 * Second + 500}, // 7
};

// The big store: more distinct milliseconds than the scan keeps fine buckets for, times that go
// back now and then, and a three-hour gap in the middle.
constexpr int BigEvents = 40000;
qint64 bigTime(int n)
{
    const qint64 jitter = (qint64(n) * 1237) % 4001 - 2000; // up to 2 s: event n + 1 is often earlier
    return T0 + qint64(n) * 1500 + jitter + (n >= 20000 ? 3 * Hour : 0);
}
QString bigStream(int n)
{
    return n % 3 == 0 ? QStringLiteral("order-%1").arg(n % 5) : QStringLiteral("account-%1").arg(n % 7);
}
QString bigType(int n)
{
    static const char *const types[] = {"Deposited", "Withdrawn", "OrderPlaced", "ItemAdded"};
    return QString::fromLatin1(types[n % 4]);
}

// The histogram computed the plain way: every matching event read in full with forEach.
TimelineBuckets reference(const EventStore &store, const EventQuery &query)
{
    std::vector<std::pair<qint64, qint64>> events; // position, time
    store.forEach(query, [&](const Event &e) {
        events.emplace_back(e.position, e.timeMs);
        return true;
    });
    TimelineBuckets out;
    if (events.empty())
        return out;
    qint64 min = events.front().second;
    qint64 max = min;
    for (const auto &[position, time] : events) {
        min = std::min(min, time);
        max = std::max(max, time);
    }
    const qint64 width = TimelineHistogram::bucketWidthFor(max - min);
    const qint64 first = TimelineHistogram::bucketStart(min, width);
    const size_t n = size_t((TimelineHistogram::bucketStart(max, width) - first) / width) + 1;
    out.bucketWidthMs = width;
    out.counts.assign(n, 0);
    out.firstPositions.assign(n, 0);
    for (size_t i = 0; i < n; ++i)
        out.starts.push_back(first + qint64(i) * width);
    for (const auto &[position, time] : events) {
        const size_t i = size_t((time - first) / width);
        ++out.counts[i];
        if (out.firstPositions[i] == 0 || position < out.firstPositions[i])
            out.firstPositions[i] = position;
    }
    out.minTimeMs = min;
    out.maxTimeMs = max;
    out.total = qint64(events.size());
    out.maxCount = *std::max_element(out.counts.begin(), out.counts.end());
    return out;
}

qint64 sum(const std::vector<qint64> &values)
{
    qint64 total = 0;
    for (const qint64 v : values)
        total += v;
    return total;
}

void compareBuckets(const TimelineBuckets &actual, const TimelineBuckets &expected)
{
    QCOMPARE(actual.bucketWidthMs, expected.bucketWidthMs);
    QCOMPARE(actual.starts, expected.starts);
    QCOMPARE(actual.counts, expected.counts);
    QCOMPARE(actual.firstPositions, expected.firstPositions);
    QCOMPARE(actual.minTimeMs, expected.minTimeMs);
    QCOMPARE(actual.maxTimeMs, expected.maxTimeMs);
    QCOMPARE(actual.total, expected.total);
    QCOMPARE(actual.maxCount, expected.maxCount);
    QCOMPARE(sum(actual.counts), actual.total);
}

struct Terminal
{
    bool finished = false;
    quint64 generation = 0;
    TimelineBuckets buckets;
    QString message;
    bool cancelled = false;
};

} // namespace

class TestTimelineHistogram : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void bucketWidthChoice_data();
    void bucketWidthChoice();
    void bucketAlignment();
    void bucketLookups();
    void knownBuckets();
    void filters_data();
    void filters();
    void matchesReferenceOnBigLog_data();
    void matchesReferenceOnBigLog();
    void timeIndexAndLogOrderAgree();
    void forEachTimeOrderAndStop();
    void backgroundMatchesCompute();
    void progressEndsAtMaximum();
    void cancelEndsOnce();
    void staleGenerationDropped();
    void emptyStore();
    void noStoreFails();
    void destroyWhileRunning();

private:
    // Runs one background computation and checks that exactly one terminal signal came.
    Terminal run(const std::shared_ptr<const EventStore> &store, const EventQuery &query);

    QTemporaryDir m_dir;
    std::shared_ptr<const EventStore> m_small;
    std::shared_ptr<const EventStore> m_big;
    std::shared_ptr<const EventStore> m_empty;
};

void TestTimelineHistogram::initTestCase()
{
    QVERIFY(m_dir.isValid());
    {
        auto store = EventStore::open(m_dir.filePath(QStringLiteral("small.eventlens")));
        for (const Fixed &f : FixedEvents) {
            NewEvent e;
            e.type = QString::fromLatin1(f.type);
            e.timeMs = T0 + f.offsetMs;
            store->append(QString::fromLatin1(f.stream), ExpectedVersion::any(), {e});
        }
    }
    {
        auto store = EventStore::open(m_dir.filePath(QStringLiteral("big.eventlens")));
        auto batch = store->beginBatch();
        for (int n = 1; n <= BigEvents; ++n) {
            NewEvent e;
            e.type = bigType(n);
            e.timeMs = bigTime(n);
            batch.append(bigStream(n), ExpectedVersion::any(), {e});
        }
        batch.commit();
    }
    EventStore::open(m_dir.filePath(QStringLiteral("empty.eventlens")));
    m_small = EventStore::open(m_dir.filePath(QStringLiteral("small.eventlens")), EventStore::OpenMode::ReadOnly);
    m_big = EventStore::open(m_dir.filePath(QStringLiteral("big.eventlens")), EventStore::OpenMode::ReadOnly);
    m_empty = EventStore::open(m_dir.filePath(QStringLiteral("empty.eventlens")), EventStore::OpenMode::ReadOnly);
    QCOMPARE(m_small->headPosition(), qint64(std::size(FixedEvents)));
    QCOMPARE(m_big->headPosition(), qint64(BigEvents));
    QCOMPARE(m_empty->headPosition(), 0);
}

Terminal TestTimelineHistogram::run(const std::shared_ptr<const EventStore> &store, const EventQuery &query)
{
    TimelineHistogram histogram;
    QSignalSpy started(&histogram, &TimelineHistogram::started);
    QSignalSpy finished(&histogram, &TimelineHistogram::finished);
    QSignalSpy failed(&histogram, &TimelineHistogram::failed);
    const quint64 generation = histogram.start(store, query);
    Terminal t;
    [&] {
        QCOMPARE(started.count(), 1);
        QCOMPARE(started.first().at(0).value<quint64>(), generation);
        QVERIFY(histogram.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() > 0, WaitMs);
    }();
    QCoreApplication::sendPostedEvents();
    [&] { QCOMPARE(finished.count() + failed.count(), 1); }();
    if (!finished.isEmpty()) {
        t.finished = true;
        t.generation = finished.first().at(0).value<quint64>();
        t.buckets = finished.first().at(1).value<TimelineBuckets>();
        [&] { QCOMPARE(histogram.buckets().counts, t.buckets.counts); }();
    } else {
        t.generation = failed.first().at(0).value<quint64>();
        t.message = failed.first().at(1).toString();
        t.cancelled = failed.first().at(2).toBool();
    }
    [&] {
        QCOMPARE(t.generation, generation);
        QVERIFY(!histogram.isRunning());
    }();
    return t;
}

void TestTimelineHistogram::bucketWidthChoice_data()
{
    QTest::addColumn<qint64>("span");
    QTest::addColumn<qint64>("width");

    QTest::newRow("one instant") << qint64(0) << qint64(1);
    QTest::newRow("100 ms") << qint64(100) << qint64(1);
    QTest::newRow("1 s") << Second << qint64(5);
    QTest::newRow("1 min") << Minute << qint64(200);
    QTest::newRow("1 h") << Hour << 10 * Second;
    QTest::newRow("1 day") << Day << 5 * Minute;
    QTest::newRow("8 weeks (the demo)") << 8 * Week << 6 * Hour;
    QTest::newRow("1 year") << 365 * Day << Day;
    QTest::newRow("3 years") << 3 * 365 * Day << Week;
    QTest::newRow("100 years") << 36525 * Day << 26 * Week;
}

void TestTimelineHistogram::bucketWidthChoice()
{
    QFETCH(qint64, span);
    QFETCH(qint64, width);
    QCOMPARE(TimelineHistogram::bucketWidthFor(span), width);
    // Events spanning `span` never touch more than MaxBuckets aligned buckets...
    QVERIFY(span / width + 2 <= TimelineHistogram::MaxBuckets);
    // ... and past a second, at least 114 (the widest gap between two units is 2 days -> 1 week).
    if (span >= Second)
        QVERIFY2(span / width >= 114, qPrintable(QString::number(span / width)));
}

void TestTimelineHistogram::bucketAlignment()
{
    const qint64 wednesdayNoon = 1709726400000; // 2024-03-06T12:00:00Z
    QCOMPARE(TimelineHistogram::bucketStart(wednesdayNoon + 1234, Hour), wednesdayNoon);
    QCOMPARE(TimelineHistogram::bucketStart(wednesdayNoon + 17 * Minute, 15 * Minute), wednesdayNoon + 15 * Minute);
    QCOMPARE(TimelineHistogram::bucketStart(wednesdayNoon, Day), wednesdayNoon - 12 * Hour);      // midnight UTC
    QCOMPARE(TimelineHistogram::bucketStart(wednesdayNoon, 6 * Hour), wednesdayNoon);
    QCOMPARE(TimelineHistogram::bucketStart(wednesdayNoon, Week), T0);                            // Monday
    QCOMPARE(TimelineHistogram::bucketStart(wednesdayNoon, 2 * Week) % Week, T0 % Week);
    QCOMPARE(TimelineHistogram::bucketStart(-1, Second), -Second);                                // before 1970
    QCOMPARE(TimelineHistogram::bucketStart(-1, Week), -3 * Day);                                 // Monday 1969-12-29
}

void TestTimelineHistogram::bucketLookups()
{
    TimelineBuckets b;
    b.bucketWidthMs = Minute;
    b.starts = {T0, T0 + Minute, T0 + 2 * Minute, T0 + 3 * Minute, T0 + 4 * Minute};
    b.counts = {2, 0, 0, 3, 1};
    b.firstPositions = {10, 0, 0, 4, 30};
    b.total = 6;
    b.maxCount = 3;
    QCOMPARE(b.bucketAt(T0 - 1), 0);
    QCOMPARE(b.bucketAt(T0 + Minute), 1);
    QCOMPARE(b.bucketAt(T0 + 4 * Minute + 59999), 4);
    QCOMPARE(b.bucketAt(T0 + Hour), 4);
    QCOMPARE(b.nonEmptyBucket(1, true), 3);
    QCOMPARE(b.nonEmptyBucket(2, false), 0);
    QCOMPARE(b.nonEmptyBucket(3, false), 3);
    QCOMPARE(b.positionAt(T0 + 90 * Second), 4); // empty bucket: the next one with events
    QCOMPARE(b.positionAt(T0 + 30 * Second), 10);
    QCOMPARE(b.endMs(), T0 + 5 * Minute);
    QCOMPARE(TimelineBuckets().bucketAt(T0), -1);
    QCOMPARE(TimelineBuckets().positionAt(T0), 0);
}

void TestTimelineHistogram::knownBuckets()
{
    const auto result = TimelineHistogram::compute(*m_small, {});
    QVERIFY(result);
    const TimelineBuckets &b = *result;
    // 7199.5 s of events: 30 s buckets (15 s would need 481).
    QCOMPARE(b.bucketWidthMs, 30 * Second);
    QCOMPARE(b.size(), 240);
    QCOMPARE(b.starts.front(), T0);
    QCOMPARE(b.starts.back(), T0 + 7170 * Second);
    QCOMPARE(b.minTimeMs, T0);
    QCOMPARE(b.maxTimeMs, T0 + 7199 * Second + 500);
    QCOMPARE(b.total, 7);
    QCOMPARE(sum(b.counts), 7);
    QCOMPARE(b.maxCount, 3);
    QCOMPARE(b.counts[0], 3);         // 0 s, 5 s, 29.999 s
    QCOMPARE(b.counts[1], 1);         // 30 s
    QCOMPARE(b.counts[2], 0);
    QCOMPARE(b.counts[3], 2);         // 95 s (position 6) and 110 s (position 5)
    QCOMPARE(b.counts[239], 1);
    QCOMPARE(b.firstPositions[0], 1);
    QCOMPARE(b.firstPositions[1], 4);
    QCOMPARE(b.firstPositions[2], 0);
    QCOMPARE(b.firstPositions[3], 5); // the lower position, though it is the later event
    QCOMPARE(b.firstPositions[239], 7);
    QCOMPARE(b.positionAt(T0 + 61 * Second), 5);
}

void TestTimelineHistogram::filters_data()
{
    QTest::addColumn<EventQuery>("query");
    QTest::addColumn<qint64>("width");
    QTest::addColumn<qint64>("firstStart");
    QTest::addColumn<QList<qint64>>("nonEmpty"); // bucket, count, first position, ...

    EventQuery q;
    q.types = {QStringLiteral("Deposited")};
    QTest::newRow("type") << q << 30 * Second << T0 << QList<qint64>{0, 1, 1, 1, 1, 4, 3, 1, 5, 239, 1, 7};
    q.types = {QStringLiteral("Withdrawn"), QStringLiteral("OrderPaid")}; // 5 s and 95 s: 500 ms
    QTest::newRow("two types") << q << qint64(500) << T0 + 5 * Second << QList<qint64>{0, 1, 2, 180, 1, 6};
    q = {};
    q.category = QStringLiteral("order"); // 29.999 s and 95 s: 65 s, 200 ms buckets
    QTest::newRow("category") << q << qint64(200) << T0 + 29800 << QList<qint64>{0, 1, 3, 326, 1, 6};
    q = {};
    q.stream = QStringLiteral("account-2"); // 30 s and 110 s: 80 s, 500 ms buckets
    QTest::newRow("stream") << q << qint64(500) << T0 + 30 * Second << QList<qint64>{0, 1, 4, 160, 1, 5};
    q = {};
    q.streamGlob = QStringLiteral("account-*");
    QTest::newRow("glob") << q << 30 * Second << T0 << QList<qint64>{0, 2, 1, 1, 1, 4, 3, 1, 5, 239, 1, 7};
    q = {};
    q.sinceMs = T0 + 30 * Second;
    q.untilMs = T0 + 2 * Minute;
    QTest::newRow("time range") << q << qint64(500) << T0 + 30 * Second << QList<qint64>{0, 1, 4, 130, 1, 6, 160, 1, 5};
    q.backward = true;
    QTest::newRow("time range backward") << q << qint64(500) << T0 + 30 * Second << QList<qint64>{0, 1, 4, 130, 1, 6, 160, 1, 5};
    q = {};
    q.fromPosition = 2;
    q.toPosition = 4; // 5 s to 30 s: 25 s, 100 ms buckets
    QTest::newRow("positions") << q << qint64(100) << T0 + 5 * Second << QList<qint64>{0, 1, 2, 249, 1, 3, 250, 1, 4};
    q = {};
    q.limit = 2; // the first two events, 5 s apart: 20 ms buckets
    QTest::newRow("limit") << q << qint64(20) << T0 << QList<qint64>{0, 1, 1, 250, 1, 2};
    q.backward = true; // the last two: 95 s and 7199.5 s
    QTest::newRow("limit backward") << q << 30 * Second << T0 + 90 * Second << QList<qint64>{0, 1, 6, 236, 1, 7};
    q = {};
    q.types = {QStringLiteral("NoSuchType")};
    QTest::newRow("unknown type") << q << qint64(0) << qint64(0) << QList<qint64>{};
    q = {};
    q.sinceMs = T0 + Day;
    QTest::newRow("nothing in range") << q << qint64(0) << qint64(0) << QList<qint64>{};
}

void TestTimelineHistogram::filters()
{
    QFETCH(EventQuery, query);
    QFETCH(qint64, width);
    QFETCH(qint64, firstStart);
    QFETCH(QList<qint64>, nonEmpty);

    const auto result = TimelineHistogram::compute(*m_small, query);
    QVERIFY(result);
    const TimelineBuckets &b = *result;
    QCOMPARE(b.bucketWidthMs, width);
    QCOMPARE(b.startMs(), firstStart);
    QCOMPARE(sum(b.counts), b.total);
    std::vector<qint64> counts(b.counts.size(), 0);
    std::vector<qint64> firsts(b.counts.size(), 0);
    qint64 total = 0;
    for (qsizetype i = 0; i + 2 < nonEmpty.size(); i += 3) {
        const auto bucket = size_t(nonEmpty[i]);
        QVERIFY(bucket < counts.size());
        counts[bucket] = nonEmpty[i + 1];
        firsts[bucket] = nonEmpty[i + 2];
        total += nonEmpty[i + 1];
    }
    QCOMPARE(b.counts, counts);
    QCOMPARE(b.firstPositions, firsts);
    QCOMPARE(b.total, total);
    QCOMPARE(b.isEmpty(), nonEmpty.isEmpty());
    if (!b.isEmpty()) {
        QCOMPARE(b.bucketAt(b.minTimeMs), 0);
        QCOMPARE(b.bucketAt(b.maxTimeMs), b.size() - 1);
    }
    compareBuckets(b, reference(*m_small, query));
}

void TestTimelineHistogram::matchesReferenceOnBigLog_data()
{
    QTest::addColumn<EventQuery>("query");

    QTest::newRow("whole log") << EventQuery();
    EventQuery q;
    q.types = {QStringLiteral("Withdrawn")};
    QTest::newRow("type") << q;
    q.types = {QStringLiteral("Withdrawn"), QStringLiteral("ItemAdded")};
    QTest::newRow("types") << q;
    q = {};
    q.category = QStringLiteral("order");
    QTest::newRow("category") << q;
    q = {};
    q.stream = QStringLiteral("account-3");
    QTest::newRow("stream") << q;
    q = {};
    q.streamGlob = QStringLiteral("order-[12]");
    QTest::newRow("glob") << q;
    q = {};
    q.sinceMs = bigTime(15000);
    q.untilMs = bigTime(26000);
    QTest::newRow("time range across the gap") << q;
    q.types = {QStringLiteral("Deposited")};
    QTest::newRow("time range and type") << q;
    q = {};
    q.fromPosition = 5000;
    q.toPosition = 33000;
    QTest::newRow("positions") << q;
    q.backward = true;
    q.fromPosition = 33000;
    q.toPosition = 5000;
    QTest::newRow("positions backward") << q;
}

void TestTimelineHistogram::matchesReferenceOnBigLog()
{
    QFETCH(EventQuery, query);
    const auto result = TimelineHistogram::compute(*m_big, query);
    QVERIFY(result);
    const TimelineBuckets expected = reference(*m_big, query);
    QVERIFY(!expected.isEmpty());
    QVERIFY(expected.size() <= TimelineHistogram::MaxBuckets);
    compareBuckets(*result, expected);
    QCOMPARE(result->total, m_big->count(query));
    if (query.stream.isEmpty() && query.types.isEmpty() && query.category.isEmpty() && query.streamGlob.isEmpty()
        && !query.sinceMs && !query.fromPosition) {
        // 40,000 events over about 20 hours, with a 3 hour gap: 5 minute buckets, some empty.
        QCOMPARE(result->bucketWidthMs, 5 * Minute);
        QVERIFY(std::count(result->counts.begin(), result->counts.end(), 0) >= 30);
    }
}

void TestTimelineHistogram::timeIndexAndLogOrderAgree()
{
    // The same events, once through the time index (time order) and once in log order.
    EventQuery byTime;
    byTime.sinceMs = bigTime(1000);
    QVERIFY(EventStore::forEachTimeUsesTimeIndex(byTime));
    EventQuery byLog = byTime;
    byLog.streamGlob = QStringLiteral("*");
    QVERIFY(!EventStore::forEachTimeUsesTimeIndex(byLog));
    const auto a = TimelineHistogram::compute(*m_big, byTime);
    const auto b = TimelineHistogram::compute(*m_big, byLog);
    QVERIFY(a && b);
    compareBuckets(*a, *b);
    QCOMPARE(a->total, m_big->count(byTime));
}

void TestTimelineHistogram::forEachTimeOrderAndStop()
{
    const auto collect = [this](const EventQuery &q) {
        std::vector<std::pair<qint64, qint64>> out;
        m_big->forEachTime(q, [&](qint64 position, qint64 time) {
            out.emplace_back(position, time);
            return true;
        });
        return out;
    };
    const auto fromForEach = [this](const EventQuery &q) {
        std::vector<std::pair<qint64, qint64>> out;
        m_big->forEach(q, [&](const Event &e) {
            out.emplace_back(e.position, e.timeMs);
            return true;
        });
        return out;
    };
    const auto byTime = [](std::pair<qint64, qint64> a, std::pair<qint64, qint64> b) {
        return std::pair(a.second, a.first) < std::pair(b.second, b.first);
    };

    // The whole log: the time index, in time order.
    auto all = collect({});
    QCOMPARE(all.size(), size_t(BigEvents));
    QVERIFY(std::is_sorted(all.begin(), all.end(), byTime));
    QVERIFY(!std::is_sorted(all.begin(), all.end())); // some times go back in the log
    auto expected = fromForEach({});
    std::sort(expected.begin(), expected.end(), byTime);
    QCOMPARE(all, expected);

    // Backward: time order reversed.
    EventQuery backward;
    backward.backward = true;
    auto reversed = collect(backward);
    std::reverse(reversed.begin(), reversed.end());
    QCOMPARE(reversed, expected);

    // Filtered: forEach's order.
    EventQuery types;
    types.types = {QStringLiteral("Deposited"), QStringLiteral("OrderPlaced")};
    QCOMPARE(collect(types), fromForEach(types));
    types.backward = true;
    QCOMPARE(collect(types), fromForEach(types));
    EventQuery stream;
    stream.stream = QStringLiteral("order-2");
    QCOMPARE(collect(stream), fromForEach(stream));

    // A callback returning false stops at once, on both paths.
    for (const EventQuery &q : {EventQuery(), types}) {
        int calls = 0;
        m_big->forEachTime(q, [&](qint64, qint64) { return ++calls < 10; });
        QCOMPARE(calls, 10);
    }

    // Cancel: before the start nothing is read; set during the scan, it stops the scan.
    for (const EventQuery &q : {EventQuery(), types}) {
        std::atomic_bool cancel{true};
        int calls = 0;
        m_big->forEachTime(q, [&](qint64, qint64) { return ++calls > 0; }, &cancel);
        QCOMPARE(calls, 0);
        cancel = false;
        m_big->forEachTime(q, [&](qint64, qint64) {
            if (++calls == 100)
                cancel = true;
            return true;
        }, &cancel);
        QVERIFY2(calls < 20000, qPrintable(QString::number(calls)));
        QVERIFY(calls >= 100);
    }
    std::atomic_bool flag{true};
    QVERIFY(!TimelineHistogram::compute(*m_big, {}, &flag));
}

void TestTimelineHistogram::backgroundMatchesCompute()
{
    EventQuery q;
    q.category = QStringLiteral("account");
    const Terminal t = run(m_big, q);
    QVERIFY2(t.finished, qPrintable(t.message));
    compareBuckets(t.buckets, reference(*m_big, q));

    const Terminal all = run(m_small, {});
    QVERIFY(all.finished);
    QCOMPARE(all.buckets.total, 7);
    QCOMPARE(all.buckets.bucketWidthMs, 30 * Second);
}

void TestTimelineHistogram::progressEndsAtMaximum()
{
    TimelineHistogram histogram;
    QSignalSpy progress(&histogram, &TimelineHistogram::progress);
    QSignalSpy finished(&histogram, &TimelineHistogram::finished);
    histogram.start(m_big, {});
    QCOMPARE(progress.count(), 1); // (0, scale) from start()
    QVERIFY(finished.wait(WaitMs));
    QVERIFY(progress.count() >= 2);
    qint64 last = -1;
    for (const QList<QVariant> &args : std::as_const(progress)) {
        QCOMPARE(args.at(1).toLongLong(), TimelineHistogram::ProgressScale);
        QVERIFY(args.at(0).toLongLong() >= last);
        last = args.at(0).toLongLong();
    }
    QCOMPARE(last, TimelineHistogram::ProgressScale);
}

void TestTimelineHistogram::cancelEndsOnce()
{
    TimelineHistogram histogram;
    QSignalSpy finished(&histogram, &TimelineHistogram::finished);
    QSignalSpy failed(&histogram, &TimelineHistogram::failed);
    const quint64 generation = histogram.start(m_big, {});
    histogram.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), WaitMs);
    // The failure comes once the worker has returned; nothing follows it.
    QCoreApplication::sendPostedEvents();
    QCOMPARE(failed.count(), 1);
    QCOMPARE(finished.count(), 0);
    QCOMPARE(failed.first().at(0).value<quint64>(), generation);
    QCOMPARE(failed.first().at(2).toBool(), true);
    QVERIFY(!histogram.isRunning());
    QCOMPARE(histogram.buckets().total, 0);

    // The object is ready for the next run.
    const quint64 next = histogram.start(m_small, {});
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.first().at(0).value<quint64>(), next);
    QCOMPARE(failed.count(), 1);
}

void TestTimelineHistogram::staleGenerationDropped()
{
    TimelineHistogram histogram;
    QSignalSpy finished(&histogram, &TimelineHistogram::finished);
    QSignalSpy failed(&histogram, &TimelineHistogram::failed);
    QSignalSpy started(&histogram, &TimelineHistogram::started);
    const quint64 first = histogram.start(m_big, {});
    EventQuery q;
    q.stream = QStringLiteral("account-2");
    const quint64 second = histogram.start(m_small, q);
    QVERIFY(second > first);
    QCOMPARE(histogram.generation(), second);
    // The first one ends at once, as superseded.
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(0).value<quint64>(), first);
    QCOMPARE(failed.first().at(2).toBool(), true);
    QCOMPARE(started.count(), 2);

    QVERIFY(finished.wait(WaitMs));
    // One thread: the first worker returned before the second one ran, and its result was
    // posted before the second one's; both have been delivered now.
    QCoreApplication::sendPostedEvents();
    QCOMPARE(finished.count(), 1);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(finished.first().at(0).value<quint64>(), second);
    const auto buckets = finished.first().at(1).value<TimelineBuckets>();
    QCOMPARE(buckets.total, 2); // the second query's events, not the whole big log
    QCOMPARE(histogram.buckets().total, 2);
}

void TestTimelineHistogram::emptyStore()
{
    const Terminal t = run(m_empty, {});
    QVERIFY2(t.finished, qPrintable(t.message));
    QVERIFY(t.buckets.isEmpty());
    QCOMPARE(t.buckets.size(), 0);
    QCOMPARE(t.buckets.total, 0);
    QCOMPARE(t.buckets.bucketWidthMs, 0);
    QCOMPARE(t.buckets.positionAt(T0), 0);
}

void TestTimelineHistogram::noStoreFails()
{
    const Terminal t = run(nullptr, {});
    QVERIFY(!t.finished);
    QVERIFY(!t.cancelled);
    QVERIFY(!t.message.isEmpty());
}

void TestTimelineHistogram::destroyWhileRunning()
{
    auto histogram = std::make_unique<TimelineHistogram>();
    QSignalSpy finished(histogram.get(), &TimelineHistogram::finished);
    histogram->start(m_big, {});
    histogram.reset(); // cancels and waits for the worker
    QCoreApplication::sendPostedEvents();
    QCOMPARE(finished.count(), 0);
}

QTEST_GUILESS_MAIN(TestTimelineHistogram)
#include "tst_timelinehistogram.moc"

// Acceptance suite of the embedded event store, in the spirit of public event-store acceptance
// suites: append with each expected version, idempotency, reads of streams and of the log with
// every filter, concurrency, subscriptions, the hash chain, read-only opening and crash safety.

#include "eventstore.h"
#include "hashchain.h"
#include "sqlitedb.h"
#include "sqlitestatement.h"
#include "storebuilder.h"
#include "subscription.h"
#include "timeutil.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

using namespace eventlens;

namespace {

NewEvent ev(const QString &type, const QByteArray &data = QByteArrayLiteral("{}"), const QString &id = {})
{
    NewEvent e;
    e.type = type;
    e.data = data;
    e.id = id;
    return e;
}

std::vector<NewEvent> evs(int n, const QString &type = QStringLiteral("Happened"), const QString &idPrefix = {})
{
    std::vector<NewEvent> out;
    for (int i = 0; i < n; ++i)
        out.push_back(ev(type, QByteArray("{\"n\":" + QByteArray::number(i) + '}'),
                         idPrefix.isEmpty() ? QString() : idPrefix + QString::number(i)));
    return out;
}

QByteArray fileDigest(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

void rawExec(const QString &path, const char *sql)
{
    sqlite3 *db = nullptr;
    QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
    char *err = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    const QString msg = QString::fromUtf8(err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
    QVERIFY2(rc == SQLITE_OK, qPrintable(msg));
}

std::vector<qint64> positions(const std::vector<Event> &events)
{
    std::vector<qint64> out;
    for (const Event &e : events)
        out.push_back(e.position);
    return out;
}

// Child-process mode for the crash test: commit one batch of 10, then start a batch of
// `n` events of 64 KiB each (more than the page cache, so uncommitted pages reach the WAL),
// announce when three quarters are written and wait to be killed before committing.
int runCrashChild(const QString &path, int n)
{
    auto store = EventStore::open(path);
    store->append(QStringLiteral("crash-1"), ExpectedVersion::noStream(), evs(10));
    auto batch = store->beginBatch();
    for (int i = 0; i < n; ++i) {
        NewEvent big = ev(QStringLiteral("Big"), "{\"blob\":\"" + QByteArray(64 * 1024, static_cast<char>('a' + i % 26)) + "\"}");
        batch.append(QStringLiteral("crash-") + QString::number(2 + i % 7), ExpectedVersion::any(), {big});
        if (i == n * 3 / 4) {
            std::fputs("halfway\n", stdout);
            std::fflush(stdout);
        }
    }
    std::fputs("all-appended\n", stdout);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::minutes(5));
    return 0;
}

} // namespace

class TestEventStore : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_counter = 0;
    QString newPath() { return m_dir.filePath(QStringLiteral("store%1.eventlens").arg(++m_counter)); }

private slots:
    void appendToNewStreamAssignsVersionsAndPositions()
    {
        auto store = EventStore::open(newPath());
        const AppendResult r = store->append(QStringLiteral("account-1"), ExpectedVersion::noStream(), evs(3));
        QCOMPARE(r.appended, 3);
        QCOMPARE(r.firstPosition, 1);
        QCOMPARE(r.lastPosition, 3);
        QCOMPARE(r.firstVersion, 0);
        QCOMPARE(r.lastVersion, 2);
        const AppendResult r2 = store->append(QStringLiteral("order-9"), ExpectedVersion::any(), evs(2));
        QCOMPARE(r2.firstPosition, 4);
        QCOMPARE(r2.lastVersion, 1);
        const auto events = store->readStream(QStringLiteral("account-1"), 0);
        QCOMPARE(events.size(), size_t(3));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(events[i].version, i);
            QCOMPARE(events[i].position, i + 1);
            QCOMPARE(events[i].stream, QStringLiteral("account-1"));
            QCOMPARE(events[i].category(), QStringLiteral("account"));
            QCOMPARE(events[i].data, QByteArray("{\"n\":" + QByteArray::number(i) + '}'));
            QCOMPARE(events[i].hash.size(), 32);
            // Generated ids are time-ordered UUIDs (version 7, RFC 9562 variant).
            const QUuid uuid = QUuid::fromString(events[i].id);
            QVERIFY(!uuid.isNull());
            QCOMPARE(events[i].id.at(14), u'7');
            QVERIFY(QStringLiteral("89ab").contains(events[i].id.at(19)));
            const qint64 idMs = QString(events[i].id.left(8) + events[i].id.mid(9, 4)).toLongLong(nullptr, 16);
            QVERIFY(qAbs(idMs - events[i].timeMs) < 1000);
        }
        QCOMPARE(store->streamVersion(QStringLiteral("account-1")), 2);
        QCOMPARE(store->streamVersion(QStringLiteral("missing-1")), -1);
        QCOMPARE(store->headPosition(), 5);
    }

    void fieldsRoundTripThroughReopen()
    {
        const QString path = newPath();
        NewEvent e = ev(QStringLiteral("Deposited"), QByteArrayLiteral("{\"amount\":12.5,\"note\":\"caf\xc3\xa9\"}"),
                        QStringLiteral("11111111-2222-3333-4444-555555555555"));
        e.metadata = QByteArrayLiteral("{\"correlationId\":\"c-1\"}");
        e.timeMs = *timeutil::parseIso(QByteArrayLiteral("2024-02-29T23:59:58.123Z"));
        NewEvent raw = ev(QStringLiteral("Blob"), QByteArray("\x00\x01\xffraw", 6));
        raw.dataIsJson = false;
        {
            auto store = EventStore::open(path);
            store->append(QStringLiteral("account-7"), ExpectedVersion::any(), {e, raw});
        }
        auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
        const auto events = store->read({});
        QCOMPARE(events.size(), size_t(2));
        QCOMPARE(events[0].id, e.id);
        QCOMPARE(events[0].type, QStringLiteral("Deposited"));
        QCOMPARE(events[0].data, e.data);
        QCOMPARE(events[0].metadata, e.metadata);
        QCOMPARE(timeutil::formatIso(events[0].timeMs), QByteArray("2024-02-29T23:59:58.123Z"));
        QCOMPARE(events[1].dataIsJson, false);
        QCOMPARE(events[1].data, raw.data);
        QCOMPARE(events[1].metadata, QByteArray("{}"));
        const QByteArray line = events[0].toJsonLine();
        QCOMPARE(line, QByteArray("{\"position\":1,\"stream\":\"account-7\",\"version\":0,\"id\":\"11111111-2222-3333-4444-555555555555\","
                                  "\"type\":\"Deposited\",\"data\":{\"amount\":12.5,\"note\":\"caf\xc3\xa9\"},"
                                  "\"metadata\":{\"correlationId\":\"c-1\"},\"time\":\"2024-02-29T23:59:58.123Z\"}"));
    }

    void rejectsBadNamesAndTimes()
    {
        auto store = EventStore::open(newPath());
        for (const QString &bad : {QString(), QStringLiteral("   "), QStringLiteral("s\n1"), QStringLiteral("tab\there")}) {
            try {
                store->append(bad, ExpectedVersion::any(), evs(1));
                QFAIL("bad stream name accepted");
            } catch (const StoreError &e) {
                QVERIFY2(e.message().contains(u"stream"), qPrintable(e.message()));
            }
        }
        QVERIFY_THROWS_EXCEPTION(StoreError, store->append(QStringLiteral("s-1"), ExpectedVersion::any(), {ev(QStringLiteral("Bad\u0001Type"))}));
        NewEvent late = ev(QStringLiteral("Late"));
        late.timeMs = timeutil::kMaxMs + 1;
        QVERIFY_THROWS_EXCEPTION(StoreError, store->append(QStringLiteral("s-1"), ExpectedVersion::any(), {late}));
        QCOMPARE(store->headPosition(), 0);
        QCOMPARE(store->streams().size(), size_t(0));
        // Unicode names are fine.
        QCOMPARE(store->append(QStringLiteral("konto-\u00e4\u00f6-\u6f22"), ExpectedVersion::any(), evs(1)).firstPosition, 1);
    }

    void rawDataInJsonLinesIsLossless()
    {
        Event e;
        e.dataIsJson = false;
        e.data = QByteArrayLiteral("plain text");
        QVERIFY(e.toJsonLine().contains("\"data\":\"plain text\""));
        e.data = QByteArray("\xff\x00\x01", 3);
        QVERIFY2(e.toJsonLine().contains("\"data\":\"base64:/wAB\""), e.toJsonLine().constData());
    }

    void wrongExpectedVersionRaisesAndAppendsNothing()
    {
        auto store = EventStore::open(newPath());
        store->append(QStringLiteral("account-1"), ExpectedVersion::noStream(), evs(2));
        try {
            store->append(QStringLiteral("account-1"), ExpectedVersion::exact(5), evs(3));
            QFAIL("no conflict raised");
        } catch (const ConcurrencyError &e) {
            QCOMPARE(e.stream(), QStringLiteral("account-1"));
            QCOMPARE(e.expected(), QStringLiteral("5"));
            QCOMPARE(e.actual(), 1);
            QVERIFY2(e.message().contains(u"account-1") && e.message().contains(u"expected 5") && e.message().contains(u"actual 1"),
                     qPrintable(e.message()));
        }
        QCOMPARE(store->headPosition(), 2);
        QCOMPARE(store->streamVersion(QStringLiteral("account-1")), 1);
        // Right expected version works afterwards and positions have no gap.
        const AppendResult r = store->append(QStringLiteral("account-1"), ExpectedVersion::exact(1), evs(1));
        QCOMPARE(r.firstPosition, 3);
        QCOMPARE(store->verify().ok, true);
    }

    void noStreamAgainstExistingStreamFails()
    {
        auto store = EventStore::open(newPath());
        store->append(QStringLiteral("order-1"), ExpectedVersion::noStream(), evs(1));
        QVERIFY_THROWS_EXCEPTION(ConcurrencyError, store->append(QStringLiteral("order-1"), ExpectedVersion::noStream(), evs(1)));
        QVERIFY_THROWS_EXCEPTION(ConcurrencyError, store->append(QStringLiteral("order-1"), ExpectedVersion::exact(-1), evs(1)));
        QCOMPARE(store->headPosition(), 1);
    }

    void existsAgainstMissingStreamFails()
    {
        auto store = EventStore::open(newPath());
        try {
            store->append(QStringLiteral("order-2"), ExpectedVersion::exists(), evs(1));
            QFAIL("no conflict raised");
        } catch (const ConcurrencyError &e) {
            QCOMPARE(e.expected(), QStringLiteral("exists"));
            QCOMPARE(e.actual(), -1);
        }
        QCOMPARE(store->headPosition(), 0);
        QCOMPARE(store->streams().size(), size_t(0));
        store->append(QStringLiteral("order-2"), ExpectedVersion::any(), evs(1));
        QCOMPARE(store->append(QStringLiteral("order-2"), ExpectedVersion::exists(), evs(1)).lastVersion, 1);
    }

    void idempotentReappend()
    {
        auto store = EventStore::open(newPath());
        const auto batch = evs(3, QStringLiteral("Happened"), QStringLiteral("id-a-"));
        QCOMPARE(store->append(QStringLiteral("s-1"), ExpectedVersion::noStream(), batch).appended, 3);
        // Same ids, same expected version: succeeds and appends nothing.
        AppendResult again = store->append(QStringLiteral("s-1"), ExpectedVersion::noStream(), batch);
        QVERIFY(again.idempotent);
        QCOMPARE(again.appended, 0);
        QCOMPARE(again.lastVersion, 2);
        const auto next = evs(2, QStringLiteral("Happened"), QStringLiteral("id-b-"));
        store->append(QStringLiteral("s-1"), ExpectedVersion::exact(2), next);
        again = store->append(QStringLiteral("s-1"), ExpectedVersion::exact(2), next);
        QVERIFY(again.idempotent);
        QCOMPARE(again.firstVersion, 3);
        // With any: the ids are found in the stream.
        again = store->append(QStringLiteral("s-1"), ExpectedVersion::any(), next);
        QVERIFY(again.idempotent);
        QCOMPARE(store->headPosition(), 5);
        // A partial overlap is not idempotent: a conflict, nothing appended.
        std::vector<NewEvent> partial = {next[0], ev(QStringLiteral("Happened"), "{}", QStringLiteral("id-c-0"))};
        QVERIFY_THROWS_EXCEPTION(ConcurrencyError, store->append(QStringLiteral("s-1"), ExpectedVersion::exact(2), partial));
        QVERIFY_THROWS_EXCEPTION(StoreError, store->append(QStringLiteral("s-1"), ExpectedVersion::any(), partial));
        QCOMPARE(store->headPosition(), 5);
    }

    void duplicateIdInAnotherStreamIsRejected()
    {
        auto store = EventStore::open(newPath());
        store->append(QStringLiteral("a-1"), ExpectedVersion::any(), {ev(QStringLiteral("X"), "{}", QStringLiteral("dup"))});
        try {
            store->append(QStringLiteral("b-1"), ExpectedVersion::any(),
                          {ev(QStringLiteral("X"), "{}", QStringLiteral("fresh")), ev(QStringLiteral("Y"), "{}", QStringLiteral("dup"))});
            QFAIL("duplicate id accepted");
        } catch (const StoreError &e) {
            QVERIFY2(e.message().contains(u"'dup'") && e.message().contains(u"position 1") && e.message().contains(u"'a-1'"),
                     qPrintable(e.message()));
        }
        QCOMPARE(store->headPosition(), 1);
        QCOMPARE(store->streamVersion(QStringLiteral("b-1")), -1);
        QVERIFY(store->streams().size() == 1);
        const StoreInfo info = store->info();
        QCOMPARE(info.types.value(QStringLiteral("X")), 1);
        QVERIFY(!info.types.contains(QStringLiteral("Y")));
        QVERIFY(store->verify().ok);
    }

    void readingStreams()
    {
        auto store = EventStore::open(newPath());
        store->append(QStringLiteral("s-1"), ExpectedVersion::any(), evs(10));
        store->append(QStringLiteral("t-1"), ExpectedVersion::any(), evs(3));
        auto fwd = store->readStream(QStringLiteral("s-1"), 4, 3);
        QCOMPARE(fwd.size(), size_t(3));
        QCOMPARE(fwd[0].version, 4);
        QCOMPARE(fwd[2].version, 6);
        auto back = store->readStream(QStringLiteral("s-1"), 4, 10, true);
        QCOMPARE(back.size(), size_t(5));
        QCOMPARE(back[0].version, 4);
        QCOMPARE(back[4].version, 0);
        auto fromEnd = store->readStream(QStringLiteral("s-1"), -1, 2, true);
        QCOMPARE(fromEnd.size(), size_t(2));
        QCOMPARE(fromEnd[0].version, 9);
        // Reading past the end and a missing stream give nothing, not an error.
        QVERIFY(store->readStream(QStringLiteral("s-1"), 10).empty());
        QVERIFY(store->readStream(QStringLiteral("s-1"), 1000, 5).empty());
        QVERIFY(store->readStream(QStringLiteral("nope-1"), 0).empty());
        QVERIFY(store->readStream(QStringLiteral("nope-1"), 0, 10, true).empty());
    }

    void readingTheLogWithFilters()
    {
        auto store = EventStore::open(newPath());
        // 3 categories, 3 types, times one minute apart, enough events to cross several pages.
        const qint64 t0 = *timeutil::parseIso(QByteArrayLiteral("2025-01-01T00:00:00Z"));
        auto batch = store->beginBatch();
        const QStringList types = {QStringLiteral("Opened"), QStringLiteral("Deposited"), QStringLiteral("Closed")};
        const QStringList streams = {QStringLiteral("account-1"), QStringLiteral("account-2"), QStringLiteral("order-1"),
                                     QStringLiteral("cart-x")};
        for (int i = 0; i < 4500; ++i) {
            NewEvent e = ev(types[i % 3]);
            e.timeMs = t0 + i * 60000;
            batch.append(streams[i % 4], ExpectedVersion::any(), {e});
        }
        batch.commit();
        QCOMPARE(store->headPosition(), 4500);

        // Whole log forward and backward (crosses pages).
        auto all = store->read({});
        QCOMPARE(all.size(), size_t(4500));
        for (size_t i = 0; i < all.size(); ++i)
            QCOMPARE(all[i].position, qint64(i + 1));
        EventQuery q;
        q.backward = true;
        auto rev = store->read(q);
        QCOMPARE(rev.size(), size_t(4500));
        QCOMPARE(rev.front().position, 4500);
        QCOMPARE(rev.back().position, 1);

        // From / to / limit, both directions.
        q = {};
        q.fromPosition = 100;
        q.limit = 5;
        QCOMPARE(positions(store->read(q)), (std::vector<qint64>{100, 101, 102, 103, 104}));
        q.backward = true;
        QCOMPARE(positions(store->read(q)), (std::vector<qint64>{100, 99, 98, 97, 96}));
        q = {};
        q.fromPosition = 4498;
        q.limit = 10;
        QCOMPARE(positions(store->read(q)), (std::vector<qint64>{4498, 4499, 4500}));
        q = {};
        q.fromPosition = 5000;
        QVERIFY(store->read(q).empty()); // past the end
        q = {};
        q.fromPosition = 10;
        q.toPosition = 12;
        QCOMPARE(positions(store->read(q)), (std::vector<qint64>{10, 11, 12}));
        QCOMPARE(store->count(q), 3);

        // Category.
        q = {};
        q.category = QStringLiteral("account");
        auto acc = store->read(q);
        QCOMPARE(acc.size(), size_t(2250));
        for (const Event &e : acc)
            QVERIFY(e.stream.startsWith(u"account-"));
        QCOMPARE(store->count(q), 2250);
        q.backward = true;
        q.limit = 3;
        QCOMPARE(positions(store->read(q)), (std::vector<qint64>{4498, 4497, 4494}));
        q = {};
        q.category = QStringLiteral("nothing");
        QVERIFY(store->read(q).empty());
        QCOMPARE(store->count(q), 0);

        // Several types.
        q = {};
        q.types = {QStringLiteral("Opened"), QStringLiteral("Closed")};
        auto typed = store->read(q);
        QCOMPARE(typed.size(), size_t(3000));
        for (const Event &e : typed)
            QVERIFY(e.type != u"Deposited");
        q.types.append(QStringLiteral("Unknown"));
        QCOMPARE(store->count(q), 3000);
        q.types = {QStringLiteral("Unknown")};
        QCOMPARE(store->count(q), 0);

        // Exact stream and stream glob.
        q = {};
        q.stream = QStringLiteral("order-1");
        QCOMPARE(store->count(q), 1125);
        q = {};
        q.streamGlob = QStringLiteral("*-1");
        auto globbed = store->read(q);
        QCOMPARE(globbed.size(), size_t(2250));
        for (const Event &e : globbed)
            QVERIFY(e.stream == u"account-1" || e.stream == u"order-1");
        q.backward = true;
        q.limit = 2;
        QCOMPARE(positions(store->read(q)), (std::vector<qint64>{4499, 4497}));

        // Time range: [since, until).
        q = {};
        q.sinceMs = t0 + 10 * 60000;
        q.untilMs = t0 + 20 * 60000;
        QCOMPARE(positions(store->read(q)).front(), 11);
        QCOMPARE(store->count(q), 10);
        q.backward = true;
        QCOMPARE(positions(store->read(q)).front(), 20);

        // Filters combine.
        q = {};
        q.category = QStringLiteral("account");
        q.types = {QStringLiteral("Deposited")};
        q.sinceMs = t0;
        q.untilMs = t0 + 12 * 60000;
        // positions 1..12 with i%4 in {0,1} (account) and i%3 == 1 (Deposited): i = 1, 4 -> positions 2, 5
        QCOMPARE(positions(store->read(q)), (std::vector<qint64>{2, 5}));

        // forEach stops when asked.
        int seen = 0;
        store->forEach({}, [&](const Event &) { return ++seen < 7; });
        QCOMPARE(seen, 7);
    }

    void everyFilterIsServedWithoutSortingTheLog()
    {
        auto store = EventStore::open(newPath());
        auto batch = store->beginBatch();
        for (int i = 0; i < 300; ++i) {
            NewEvent e = ev(i % 2 ? QStringLiteral("Opened") : QStringLiteral("Closed"));
            e.timeMs = 1000 * i;
            batch.append(QStringLiteral("account-%1").arg(i % 7), ExpectedVersion::any(), {e});
        }
        batch.commit();
        EventQuery q;
        QVERIFY(!store->queryPlan(q).contains(u"TEMP B-TREE"));
        q.stream = QStringLiteral("account-3");
        QVERIFY2(!store->queryPlan(q).contains(u"TEMP B-TREE"), qPrintable(store->queryPlan(q)));
        QVERIFY(store->queryPlan(q).contains(u"events_stream_version"));
        q = {};
        q.category = QStringLiteral("account");
        QVERIFY2(!store->queryPlan(q).contains(u"TEMP B-TREE"), qPrintable(store->queryPlan(q)));
        q = {};
        q.types = {QStringLiteral("Opened")};
        QVERIFY2(!store->queryPlan(q).contains(u"TEMP B-TREE"), qPrintable(store->queryPlan(q)));
        q = {};
        q.streamGlob = QStringLiteral("account-[12]");
        QVERIFY2(!store->queryPlan(q).contains(u"TEMP B-TREE"), qPrintable(store->queryPlan(q)));
        q = {};
        q.sinceMs = 5000;
        q.untilMs = 9000;
        QVERIFY2(!store->queryPlan(q).contains(u"TEMP B-TREE"), qPrintable(store->queryPlan(q)));
        q = {};
        q.types = {QStringLiteral("Opened"), QStringLiteral("Closed")};
        // Several types: one arm per type on its index, merged; each arm sorts at most one page.
        for (const bool backward : {false, true}) {
            q.backward = backward;
            const QString plan = store->queryPlan(q);
            QVERIFY2(plan.contains(u"MERGE (UNION ALL)") && plan.count(u"USING INDEX events_type") == 2, qPrintable(plan));
        }
        EventQuery reference;
        reference.types = q.types;
        reference.backward = true;
        reference.fromPosition = 200;
        reference.limit = 7;
        QCOMPARE(positions(store->read(reference)), (std::vector<qint64>{200, 199, 198, 197, 196, 195, 194}));
        // Paging by version for a stream, and arms per type, return the same rows as a scan.
        for (const bool backward : {false, true}) {
            EventQuery all;
            all.backward = backward;
            const auto everything = store->read(all);
            EventQuery byStream;
            byStream.stream = QStringLiteral("account-3");
            byStream.backward = backward;
            byStream.fromPosition = backward ? 250 : 20;
            byStream.toPosition = backward ? 20 : 250;
            std::vector<qint64> expected;
            for (const Event &e : everything)
                if (e.stream == u"account-3" && e.position >= 20 && e.position <= 250)
                    expected.push_back(e.position);
            QCOMPARE(positions(store->read(byStream)), expected);
            QCOMPARE(store->count(byStream), qint64(expected.size()));
        }
    }

    void storeInfoAndStreams()
    {
        auto store = EventStore::open(newPath());
        QCOMPARE(store->info().events, 0);
        QVERIFY(!store->info().firstTimeMs);
        NewEvent a = ev(QStringLiteral("Opened"));
        a.timeMs = 1000;
        NewEvent b = ev(QStringLiteral("Deposited"));
        b.timeMs = 5000;
        store->append(QStringLiteral("account-1"), ExpectedVersion::any(), {a, b});
        store->append(QStringLiteral("account-2"), ExpectedVersion::any(), {a});
        store->append(QStringLiteral("order-1"), ExpectedVersion::any(), {b});
        const StoreInfo info = store->info();
        QCOMPARE(info.events, 4);
        QCOMPARE(info.streams, 3);
        QCOMPARE(info.categories.value(QStringLiteral("account")), 3);
        QCOMPARE(info.categories.value(QStringLiteral("order")), 1);
        QCOMPARE(info.types.value(QStringLiteral("Opened")), 2);
        QCOMPARE(info.types.value(QStringLiteral("Deposited")), 2);
        QCOMPARE(*info.firstTimeMs, 1000);
        QCOMPARE(*info.lastTimeMs, 5000);
        QCOMPARE(info.headHash, store->eventAt(4)->hash);
        const auto accounts = store->streams(QStringLiteral("account"));
        QCOMPARE(accounts.size(), size_t(2));
        QCOMPARE(accounts[0].name, QStringLiteral("account-1"));
        QCOMPARE(accounts[0].count(), 2);
        QCOMPARE(accounts[0].lastPosition, 2);
        QCOMPARE(store->streams({}, QStringLiteral("*-1")).size(), size_t(2));
        QCOMPARE(store->eventById(store->eventAt(3)->id)->position, 3);
        QVERIFY(!store->eventById(QStringLiteral("none")));
    }

    void eventsAreAppendOnly()
    {
        const QString path = newPath();
        {
            auto store = EventStore::open(path);
            store->append(QStringLiteral("s-1"), ExpectedVersion::any(), evs(2));
        }
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
        char *err = nullptr;
        QVERIFY(sqlite3_exec(db, "UPDATE events SET data='{}' WHERE position=1", nullptr, nullptr, &err) != SQLITE_OK);
        QVERIFY(QByteArray(err).contains("append-only"));
        sqlite3_free(err);
        QVERIFY(sqlite3_exec(db, "DELETE FROM events", nullptr, nullptr, &err) != SQLITE_OK);
        QVERIFY(QByteArray(err).contains("append-only"));
        sqlite3_free(err);
        sqlite3_close(db);
        QCOMPARE(EventStore::open(path)->headPosition(), 2);
    }

    void hashChainDetectsTampering()
    {
        const QString path = newPath();
        {
            auto store = EventStore::open(path);
            for (int i = 0; i < 20; ++i)
                store->append(QStringLiteral("s-") + QString::number(i % 3), ExpectedVersion::any(), evs(1));
            const VerifyResult ok = store->verify();
            QVERIFY(ok.ok);
            QCOMPARE(ok.checked, 20);
            // Each hash chains to the previous one.
            const auto all = store->read({});
            QCOMPARE(all[0].hash, hashchain::eventHash(hashchain::genesis(), all[0]));
            QCOMPARE(all[7].hash, hashchain::eventHash(all[6].hash, all[7]));
        }
        rawExec(path, "DROP TRIGGER events_no_update; UPDATE events SET data='{\"n\":999}' WHERE position=13");
        auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
        const VerifyResult bad = store->verify();
        QVERIFY(!bad.ok);
        QCOMPARE(bad.firstBadPosition, 13);
        QVERIFY2(bad.message.contains(u"position 13"), qPrintable(bad.message));
        QCOMPARE(bad.checked, 12);
    }

    void verifyDetectsRemovedTailAndDamagedSummaries()
    {
        const QString original = newPath();
        {
            auto store = EventStore::open(original);
            for (int i = 0; i < 10; ++i)
                store->append(QStringLiteral("s-") + QString::number(i % 2), ExpectedVersion::any(), evs(1));
        }
        struct Case
        {
            const char *sql;
            qint64 position;
            const char16_t *says;
        };
        const Case cases[] = {
            {"DROP TRIGGER events_no_delete; DELETE FROM events WHERE position>=9", 9, u"events after position 8 are missing"},
            {"UPDATE streams SET version=99 WHERE name='s-0'", 9, u"records version 99"},
            {"UPDATE event_types SET count=999", 10, u"records 999 events"},
        };
        for (const Case &c : cases) {
            const QString copy = newPath();
            QVERIFY(QFile::copy(original, copy));
            rawExec(copy, c.sql);
            const VerifyResult r = EventStore::open(copy, EventStore::OpenMode::ReadOnly)->verify();
            QVERIFY2(!r.ok, c.sql);
            QCOMPARE(r.firstBadPosition, c.position);
            QVERIFY2(r.message.contains(QString::fromUtf16(c.says)), qPrintable(r.message));
        }
        QVERIFY(EventStore::open(original)->verify().ok);
    }

    void verifyReportsProgressAndCancel()
    {
        auto store = EventStore::open(newPath());
        auto batch = store->beginBatch();
        for (int i = 0; i < 70000; ++i)
            batch.append(QStringLiteral("s-1"), ExpectedVersion::any(), evs(1));
        batch.commit();
        qint64 lastDone = 0;
        QVERIFY(store->verify([&](qint64 done, qint64 total) {
                         lastDone = done;
                         return total == 70000;
                     })
                    .ok);
        QCOMPARE(lastDone, 70000);
        const VerifyResult cancelled = store->verify([](qint64, qint64) { return false; });
        QVERIFY(!cancelled.ok);
        QVERIFY(cancelled.message.contains(u"cancelled"));
    }

    void readOnlyModeNeverWrites()
    {
        const QString path = newPath();
        {
            auto store = EventStore::open(path);
            store->append(QStringLiteral("s-1"), ExpectedVersion::any(), evs(3));
        }
        const QByteArray before = fileDigest(path);
        {
            auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
            QVERIFY(store->isReadOnly());
            QCOMPARE(store->read({}).size(), size_t(3));
            store->info();
            store->verify();
            QVERIFY_THROWS_EXCEPTION(StoreError, store->append(QStringLiteral("s-1"), ExpectedVersion::any(), evs(1)));
            QVERIFY_THROWS_EXCEPTION(StoreError, store->beginBatch());
        }
        QCOMPARE(fileDigest(path), before);
        // Missing files are not created in read-only mode.
        const QString missing = m_dir.filePath(QStringLiteral("missing.eventlens"));
        QVERIFY_THROWS_EXCEPTION(StoreError, EventStore::open(missing, EventStore::OpenMode::ReadOnly));
        QVERIFY(!QFile::exists(missing));
    }

    void refusesForeignAndGarbageFiles()
    {
        const QString foreign = m_dir.filePath(QStringLiteral("foreign.sqlite"));
        rawExec(foreign, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users(name) VALUES('x')");
        const QByteArray before = fileDigest(foreign);
        try {
            EventStore::open(foreign);
            QFAIL("foreign database accepted");
        } catch (const StoreError &e) {
            QVERIFY2(e.message().contains(u"not an eventlens store"), qPrintable(e.message()));
        }
        QCOMPARE(fileDigest(foreign), before);

        const QString garbage = m_dir.filePath(QStringLiteral("garbage.bin"));
        QFile g(garbage);
        QVERIFY(g.open(QIODevice::WriteOnly));
        QByteArray junk;
        for (int i = 0; i < 8192; ++i)
            junk.append(static_cast<char>((i * 7919) & 0xff));
        g.write(junk);
        g.close();
        QVERIFY_THROWS_EXCEPTION(StoreError, EventStore::open(garbage));
        QVERIFY_THROWS_EXCEPTION(StoreError, EventStore::open(garbage, EventStore::OpenMode::ReadOnly));
        QCOMPARE(fileDigest(garbage), QCryptographicHash::hash(junk, QCryptographicHash::Sha256));
    }

    void failedAppendInsideBatchLeavesBatchIntact()
    {
        auto store = EventStore::open(newPath());
        store->append(QStringLiteral("s-1"), ExpectedVersion::any(), {ev(QStringLiteral("A"), "{}", QStringLiteral("taken"))});
        {
            auto batch = store->beginBatch();
            batch.append(QStringLiteral("s-2"), ExpectedVersion::noStream(), evs(2));
            // Duplicate id in the second event: the whole call is undone, the batch goes on.
            QVERIFY_THROWS_EXCEPTION(StoreError, batch.append(QStringLiteral("new-1"), ExpectedVersion::any(),
                                                              {ev(QStringLiteral("NewType")), ev(QStringLiteral("B"), "{}", QStringLiteral("taken"))}));
            QCOMPARE(batch.streamVersion(QStringLiteral("new-1")), -1);
            QVERIFY_THROWS_EXCEPTION(ConcurrencyError, batch.append(QStringLiteral("s-2"), ExpectedVersion::exact(0), evs(1)));
            QCOMPARE(batch.append(QStringLiteral("s-2"), ExpectedVersion::exact(1), evs(1)).firstPosition, 4);
            batch.commit();
        }
        QCOMPARE(store->headPosition(), 4);
        QCOMPARE(store->streamVersion(QStringLiteral("s-2")), 2);
        QCOMPARE(store->streamVersion(QStringLiteral("new-1")), -1);
        QVERIFY(!store->info().types.contains(QStringLiteral("NewType")));
        QVERIFY(store->verify().ok);
        {
            auto batch = store->beginBatch();
            batch.append(QStringLiteral("s-3"), ExpectedVersion::any(), evs(5));
            // Destroyed without commit: rolled back.
        }
        QCOMPARE(store->headPosition(), 4);
        QCOMPARE(store->streamVersion(QStringLiteral("s-3")), -1);
    }

    void batchOnEmptyLogBuildsIndexesAtCommit()
    {
        const QString path = newPath();
        auto store = EventStore::open(path);
        const auto indexes = [&] {
            sqlite3 *db = nullptr;
            sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr);
            sqlite3_stmt *st = nullptr;
            sqlite3_prepare_v2(db, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='events' ORDER BY name)", -1, &st, nullptr);
            QString names;
            if (sqlite3_step(st) == SQLITE_ROW)
                names = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(st, 0)));
            sqlite3_finalize(st);
            sqlite3_close(db);
            return names;
        };
        const QString all = QStringLiteral("events_category events_id events_stream_version events_time events_type");
        QCOMPARE(indexes(), all);
        {
            // Rolled back: the indexes dropped for the batch come back with the rollback.
            auto batch = store->beginBatch();
            batch.append(QStringLiteral("s-1"), ExpectedVersion::any(), evs(3));
        }
        QCOMPARE(indexes(), all);
        EventQuery byStream;
        byStream.stream = QStringLiteral("s-1");
        auto batch = store->beginBatch();
        const auto first = evs(3, QStringLiteral("Happened"), QStringLiteral("e-"));
        batch.append(QStringLiteral("s-1"), ExpectedVersion::noStream(), first);
        batch.append(QStringLiteral("s-2"), ExpectedVersion::noStream(), evs(2));
        // The rules hold inside such a batch: duplicate ids, conflicts, idempotent re-appends.
        QVERIFY_THROWS_EXCEPTION(StoreError, batch.append(QStringLiteral("s-3"), ExpectedVersion::any(), {first[1]}));
        QVERIFY_THROWS_EXCEPTION(ConcurrencyError, batch.append(QStringLiteral("s-1"), ExpectedVersion::exact(1), evs(1)));
        QVERIFY(batch.append(QStringLiteral("s-1"), ExpectedVersion::noStream(), first).idempotent);
        QVERIFY(batch.append(QStringLiteral("s-1"), ExpectedVersion::any(), {first[1], first[2]}).idempotent);
        batch.append(QStringLiteral("s-1"), ExpectedVersion::exact(2), evs(1));
        batch.commit();
        QCOMPARE(indexes(), all);
        QCOMPARE(store->headPosition(), 6);
        QCOMPARE(store->streamVersion(QStringLiteral("s-1")), 3);
        QCOMPARE(store->streamVersion(QStringLiteral("s-3")), -1);
        QVERIFY(store->queryPlan(byStream).contains(u"events_stream_version"));
        EventQuery byType;
        byType.types = {QStringLiteral("Happened")};
        QVERIFY(store->queryPlan(byType).contains(u"events_type"));
        QCOMPARE(store->count(byStream), 4);
        QVERIFY(store->verify().ok);
        // Later batches keep the indexes and their UNIQUE(stream, version) guard.
        QVERIFY_THROWS_EXCEPTION(ConcurrencyError, store->append(QStringLiteral("s-2"), ExpectedVersion::exact(0), evs(1)));
        QCOMPARE(store->append(QStringLiteral("s-2"), ExpectedVersion::exact(1), evs(1)).firstPosition, 7);
    }

    // A failed single append keeps the stream row it made (at version -1, "no stream"): a later
    // batch on the still empty log finds that row instead of creating the stream again.
    void emptyLogWithAStreamRow()
    {
        auto store = EventStore::open(newPath());
        {
            auto batch = store->beginBatch();
            NewEvent late = ev(QStringLiteral("Happened"));
            late.timeMs = qint64(400000) * 365 * 24 * 3600 * 1000; // past the year 9999
            QVERIFY_THROWS_EXCEPTION(StoreError, batch.append(QStringLiteral("ghost-1"), ExpectedVersion::any(), {late}));
            batch.commit();
        }
        QCOMPARE(store->headPosition(), 0);
        QCOMPARE(store->streamVersion(QStringLiteral("ghost-1")), -1);
        auto batch = store->beginBatch();
        QCOMPARE(batch.append(QStringLiteral("ghost-1"), ExpectedVersion::noStream(), evs(2)).lastVersion, 1);
        QCOMPARE(batch.append(QStringLiteral("fresh-1"), ExpectedVersion::noStream(), evs(1)).firstPosition, 3);
        batch.commit();
        QCOMPARE(store->streamVersion(QStringLiteral("ghost-1")), 1);
        QCOMPARE(store->readStream(QStringLiteral("ghost-1"), 0).size(), size_t(2));
        QVERIFY(store->verify().ok);
    }

    // Canonical UUID text (lowercase, dashed) is stored as 16 bytes; anything else that only looks
    // like one is stored as the text it is. Both come back exactly as given.
    void idsLikeUuidsKeepTheirText()
    {
        const QString path = newPath();
        auto store = EventStore::open(path);
        const QStringList ids{
            QStringLiteral("0123abcd-4567-89ef-a0b1-c2d3e4f5a6b7"), // canonical
            QStringLiteral("ffffffff-ffff-ffff-ffff-ffffffffffff"), // canonical
            QStringLiteral("0123ABCD-4567-89EF-A0B1-C2D3E4F5A6B7"), // uppercase
            QStringLiteral("0123abcd-4567-89ef-a0b1-c2d3e4f5a6bg"), // not hex at the end
            QStringLiteral("g123abcd-4567-89ef-a0b1-c2d3e4f5a6b7"), // not hex at the start
            QStringLiteral("0123abcd-4567-89ef-a0b1c-2d3e4f5a6b7"), // a dash out of place
            QStringLiteral("0123abcd-4567-89ef-a0b1-c2d3e4f5a6b"),  // 35 characters
            QStringLiteral("{0123abcd-4567-89ef-a0b1-c2d3e4f5a6}"), // braces
            QStringLiteral("0123abcd:4567-89ef-a0b1-c2d3e4f5a6b7"), // another separator
        };
        for (const QString &id : ids)
            store->append(QStringLiteral("ids-1"), ExpectedVersion::any(), {ev(QStringLiteral("Named"), "{}", id)});
        for (qsizetype i = 0; i < ids.size(); ++i) {
            const std::optional<Event> e = store->eventById(ids[i]);
            QVERIFY2(e, qPrintable(ids[i]));
            QCOMPARE(e->position, qint64(i + 1));
            QCOMPARE(e->id, ids[i]);
        }
        QVERIFY(store->verify().ok);
        store.reset();
        // Only the two canonical ids are blobs; the column of the others holds their text.
        SqliteDb db(path, true);
        SqliteStatement st(db, "SELECT typeof(id) FROM events ORDER BY position");
        QStringList kinds;
        while (st.step())
            kinds << st.text(0);
        QCOMPARE(kinds.join(u','), QStringLiteral("blob,blob,text,text,text,text,text,text,text"));
    }

    void deferredIdIndexChecksEveryIdOfALargeBatch()
    {
        // A batch on an empty log has no UNIQUE(id) index until it commits: its ids are checked
        // in memory, at a scale that makes that table grow several times.
        auto store = EventStore::open(newPath());
        const auto uuid = [](int i) { return QStringLiteral("00000000-0000-4000-8000-%1").arg(i, 12, 10, QLatin1Char('0')); };
        const auto text = [](int i) { return QStringLiteral("order-event-%1").arg(i); };
        constexpr int N = 20000;
        auto batch = store->beginBatch();
        for (int i = 0; i < N; ++i) {
            const QString stream = QStringLiteral("s-%1").arg(i % 97);
            batch.append(stream, ExpectedVersion::any(), {ev(QStringLiteral("Happened"), "{}", i % 2 ? text(i) : uuid(i))});
        }
        // A duplicate of an early, a middle and a late id, of both kinds, is found and located.
        for (const int i : {0, 1, N / 2, N / 2 + 1, N - 2, N - 1}) {
            const QString id = i % 2 ? text(i) : uuid(i);
            try {
                batch.append(QStringLiteral("other-1"), ExpectedVersion::any(), {ev(QStringLiteral("Again"), "{}", id)});
                QFAIL(qPrintable(QStringLiteral("duplicate id %1 accepted").arg(id)));
            } catch (const StoreError &e) {
                QVERIFY2(e.message().contains(QStringLiteral("already exists at position %1 in stream 's-%2'").arg(i + 1).arg(i % 97)),
                         qPrintable(e.message()));
            }
        }
        // An append that fails on its third event leaves nothing behind, not even its ids.
        const std::vector<NewEvent> three{ev(QStringLiteral("A"), "{}", QStringLiteral("fresh-1")),
                                          ev(QStringLiteral("A"), "{}", QStringLiteral("fresh-2")),
                                          ev(QStringLiteral("A"), "{}", text(7))};
        QVERIFY_THROWS_EXCEPTION(StoreError, batch.append(QStringLiteral("other-2"), ExpectedVersion::noStream(), three));
        QCOMPARE(batch.streamVersion(QStringLiteral("other-2")), -1);
        const AppendResult fresh = batch.append(QStringLiteral("other-3"), ExpectedVersion::noStream(),
                                                {three[0], three[1]});
        QCOMPARE(fresh.appended, 2);
        QCOMPARE(fresh.firstPosition, N + 1);
        // Re-appending the same events is idempotent, also inside this batch.
        QVERIFY(batch.append(QStringLiteral("other-3"), ExpectedVersion::noStream(), {three[0], three[1]}).idempotent);
        batch.commit();
        QCOMPARE(store->headPosition(), N + 2);
        QVERIFY(store->verify().ok);
        QCOMPARE(store->eventById(text(N - 1))->position, N);
        // From now on the UNIQUE(id) index guards every append.
        QVERIFY_THROWS_EXCEPTION(StoreError, store->append(QStringLiteral("late"), ExpectedVersion::any(), {ev(QStringLiteral("X"), "{}", uuid(N / 2))}));
        QCOMPARE(store->headPosition(), N + 2);
    }

    void storeBuilderMovesACompleteStoreIntoPlace()
    {
        const QString target = newPath();
        const QDir dir = QFileInfo(target).absoluteDir();
        const QStringList before = dir.entryList(QDir::Files | QDir::Hidden);
        {
            StoreBuilder builder(target);
            QVERIFY(QFileInfo::exists(builder.buildPath()));
            QCOMPARE(QFileInfo(builder.buildPath()).absolutePath(), QFileInfo(target).absolutePath());
            auto batch = builder.store().beginBatch();
            batch.append(QStringLiteral("account-1"), ExpectedVersion::noStream(), evs(5, QStringLiteral("Deposited"), QStringLiteral("d-")));
            batch.append(QStringLiteral("order-1"), ExpectedVersion::noStream(), evs(3, QStringLiteral("ItemAdded")));
            // Nothing is at the target while the store is built.
            QVERIFY(!QFileInfo::exists(target));
            batch.commit();
            QVERIFY(!QFileInfo::exists(target));
            builder.finish();
            QVERIFY(QFileInfo::exists(target));
            QVERIFY(!QFileInfo::exists(builder.buildPath()));
        }
        // Only the store itself is new in the folder.
        QStringList after = dir.entryList(QDir::Files | QDir::Hidden);
        for (const QString &name : before)
            after.removeOne(name);
        QCOMPARE(after, QStringList{QFileInfo(target).fileName()});
        // A normal WAL store (file format bytes 18 and 19 are 2), complete and verifiable.
        QFile file(target);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray header = file.read(20);
        QCOMPARE(int(header[18]), 2);
        QCOMPARE(int(header[19]), 2);
        file.close();
        auto store = EventStore::open(target, EventStore::OpenMode::ReadOnly);
        QCOMPARE(store->headPosition(), 8);
        QCOMPARE(store->streamVersion(QStringLiteral("account-1")), 4);
        QCOMPARE(store->eventById(QStringLiteral("d-3"))->version, 3);
        QVERIFY(store->verify().ok);
        EventQuery byType;
        byType.types = {QStringLiteral("ItemAdded")};
        QVERIFY(store->queryPlan(byType).contains(u"events_type"));
        store.reset();
        auto writer = EventStore::open(target);
        QCOMPARE(writer->append(QStringLiteral("order-1"), ExpectedVersion::exact(2), evs(1)).firstPosition, 9);
    }

    void storeBuilderLeavesNothingBehindOnFailure()
    {
        const QString target = newPath();
        QString buildPath;
        {
            // Abandoned: the build file goes, nothing appears at the target.
            StoreBuilder builder(target);
            buildPath = builder.buildPath();
            auto batch = builder.store().beginBatch();
            batch.append(QStringLiteral("s-1"), ExpectedVersion::any(), evs(10));
            batch.commit();
        }
        QVERIFY(!QFileInfo::exists(buildPath));
        QVERIFY(!QFileInfo::exists(target));
        {
            // finish() with an open batch fails and cleans up.
            StoreBuilder builder(target);
            buildPath = builder.buildPath();
            auto batch = builder.store().beginBatch();
            batch.append(QStringLiteral("s-1"), ExpectedVersion::any(), evs(1));
            QVERIFY_THROWS_EXCEPTION(StoreError, builder.finish());
            batch.rollback();
        }
        QVERIFY(!QFileInfo::exists(buildPath));
        QVERIFY(!QFileInfo::exists(target));
        {
            // A file that appears at the target meanwhile is never replaced.
            StoreBuilder builder(target);
            buildPath = builder.buildPath();
            builder.store().append(QStringLiteral("s-1"), ExpectedVersion::any(), evs(1));
            QFile intruder(target);
            QVERIFY(intruder.open(QIODevice::WriteOnly));
            intruder.write("user data");
            intruder.close();
            QVERIFY_THROWS_EXCEPTION(StoreError, builder.finish());
        }
        QVERIFY(!QFileInfo::exists(buildPath));
        QFile kept(target);
        QVERIFY(kept.open(QIODevice::ReadOnly));
        QCOMPARE(kept.readAll(), QByteArray("user data"));
        // An existing target or a missing folder is refused up front.
        QVERIFY_THROWS_EXCEPTION(StoreError, StoreBuilder{target});
        QVERIFY_THROWS_EXCEPTION(StoreError, StoreBuilder{m_dir.filePath(QStringLiteral("no-such-folder/x.eventlens"))});
    }

    void concurrentAppendersLoseAndDuplicateNothing()
    {
        auto store = EventStore::open(newPath());
        constexpr int threads = 8;
        constexpr int perThread = 60;
        std::atomic<int> conflicts{0};
        std::vector<std::thread> workers;
        std::mutex errorsMutex;
        QStringList errors;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                try {
                    auto conn = store->openAnother(EventStore::OpenMode::ReadWrite);
                    for (int i = 0; i < perThread; ++i) {
                        NewEvent e = ev(QStringLiteral("Counted"), QByteArray("{\"t\":" + QByteArray::number(t) + ",\"i\":" + QByteArray::number(i) + '}'),
                                        QStringLiteral("t%1-%2").arg(t).arg(i));
                        // Half the threads use optimistic concurrency with retries, half use any.
                        if (t % 2 == 0) {
                            for (;;) {
                                const qint64 v = conn->streamVersion(QStringLiteral("counter-1"));
                                try {
                                    conn->append(QStringLiteral("counter-1"), ExpectedVersion::exact(v), {e});
                                    break;
                                } catch (const ConcurrencyError &) {
                                    ++conflicts;
                                }
                            }
                        } else {
                            conn->append(QStringLiteral("counter-1"), ExpectedVersion::any(), {e});
                        }
                    }
                } catch (const StoreError &e) {
                    std::lock_guard lock(errorsMutex);
                    errors << e.message();
                }
            });
        }
        for (auto &w : workers)
            w.join();
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(u'\n')));
        const auto events = store->readStream(QStringLiteral("counter-1"), 0);
        QCOMPARE(events.size(), size_t(threads * perThread));
        std::set<QString> ids;
        for (size_t i = 0; i < events.size(); ++i) {
            QCOMPARE(events[i].version, qint64(i));
            ids.insert(events[i].id);
        }
        QCOMPARE(ids.size(), size_t(threads * perThread));
        QVERIFY(store->verify().ok);
        qInfo("optimistic conflicts retried: %d", conflicts.load());
    }

    void concurrentAppendsShareOneCommit()
    {
        auto store = EventStore::open(newPath());
        store->append(QStringLiteral("seed-1"), ExpectedVersion::any(), evs(1));
        // Hold the write lock with an explicit batch on another connection, queue eight appends
        // from eight threads behind it, then release: they commit together.
        auto holder = store->openAnother(EventStore::OpenMode::ReadWrite);
        auto held = std::make_unique<EventStore::Batch>(holder->beginBatch());
        const quint64 commitsBefore = store->commitCount();
        constexpr int threads = 8;
        std::vector<std::unique_ptr<EventStore>> connections;
        for (int t = 0; t < threads; ++t)
            connections.push_back(store->openAnother(EventStore::OpenMode::ReadWrite));
        std::atomic<int> conflicts{0};
        std::atomic<int> appended{0};
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                try {
                    // Half of them expect a fresh stream: only one of those can win.
                    const QString stream = t % 2 ? QStringLiteral("race-1") : QStringLiteral("own-%1").arg(t);
                    connections[t]->append(stream, ExpectedVersion::noStream(), evs(1));
                    ++appended;
                } catch (const ConcurrencyError &) {
                    ++conflicts;
                }
            });
        }
        QTRY_COMPARE_WITH_TIMEOUT(store->pendingAppends(), threads, 30000);
        held->rollback();
        for (auto &w : workers)
            w.join();
        QCOMPARE(appended.load(), 5);
        QCOMPARE(conflicts.load(), 3);
        QCOMPARE(store->commitCount() - commitsBefore, quint64(1));
        QCOMPARE(store->headPosition(), 6);
        QCOMPARE(store->streamVersion(QStringLiteral("race-1")), 0);
        QVERIFY(store->verify().ok);
    }

    void catchUpSubscriptionThenLive()
    {
        auto store = EventStore::open(newPath());
        store->append(QStringLiteral("account-1"), ExpectedVersion::any(), evs(2500));
        store->append(QStringLiteral("order-1"), ExpectedVersion::any(), evs(10));

        std::mutex m;
        std::vector<qint64> seen;
        std::atomic<qint64> caughtUpAt{-1};
        auto sub = store->subscribe(
            100,
            [&](const Event &e) {
                std::lock_guard lock(m);
                seen.push_back(e.position);
            },
            [&] {
                std::lock_guard lock(m);
                caughtUpAt = static_cast<qint64>(seen.size());
            });
        QTRY_VERIFY_WITH_TIMEOUT(sub->isLive(), 20000);
        QCOMPARE(caughtUpAt.load(), 2410);

        // Live appends from another thread's connection arrive in order.
        std::thread writer([&] {
            auto conn = store->openAnother(EventStore::OpenMode::ReadWrite);
            for (int i = 0; i < 30; ++i)
                conn->append(QStringLiteral("order-2"), ExpectedVersion::any(), evs(1));
        });
        writer.join();
        QTRY_COMPARE_WITH_TIMEOUT(sub->lastPosition(), 2540, 20000);
        sub->stop();
        std::lock_guard lock(m);
        QCOMPARE(seen.size(), size_t(2440));
        for (size_t i = 0; i < seen.size(); ++i)
            QCOMPARE(seen[i], qint64(101 + i));
        QVERIFY(sub->error().isEmpty());
    }

    void filteredSubscription()
    {
        auto store = EventStore::open(newPath());
        std::mutex m;
        QStringList streams;
        EventQuery filter;
        filter.category = QStringLiteral("order");
        store->append(QStringLiteral("order-1"), ExpectedVersion::any(), evs(1));
        auto sub = store->subscribe(
            0,
            [&](const Event &e) {
                std::lock_guard lock(m);
                streams << e.stream;
            },
            {}, filter);
        QTRY_VERIFY_WITH_TIMEOUT(sub->isLive(), 20000);
        store->append(QStringLiteral("account-1"), ExpectedVersion::any(), evs(2));
        store->append(QStringLiteral("order-2"), ExpectedVersion::any(), evs(1));
        QTRY_COMPARE_WITH_TIMEOUT(sub->lastPosition(), 4, 20000);
        sub.reset();
        QCOMPARE(streams, (QStringList{QStringLiteral("order-1"), QStringLiteral("order-2")}));
    }

    void processKilledMidBatchLeavesNoPartialBatch()
    {
        const QString path = newPath();
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--crash-child"), path, QStringLiteral("2000")});
        QVERIFY(child.waitForStarted(30000));
        QByteArray out;
        while (!out.contains("halfway") && child.state() == QProcess::Running) {
            if (child.waitForReadyRead(60000))
                out += child.readAllStandardOutput();
        }
        QVERIFY2(out.contains("halfway"), out.constData());
        // The uncommitted batch has spilled into the WAL: recovery must ignore those frames.
        QVERIFY2(QFileInfo(path + QStringLiteral("-wal")).size() > 16 * 1024 * 1024,
                 qPrintable(QString::number(QFileInfo(path + QStringLiteral("-wal")).size())));
        child.kill(); // SIGKILL: no destructor, no rollback, no cleanup
        QVERIFY(child.waitForFinished(30000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);

        auto store = EventStore::open(path);
        // Only the committed first batch survives; the store is consistent and writable.
        QCOMPARE(store->headPosition(), 10);
        QCOMPARE(store->streams().size(), size_t(1));
        QCOMPARE(store->info().types.value(QStringLiteral("Happened")), 10);
        QVERIFY(store->verify().ok);
        QCOMPARE(store->append(QStringLiteral("crash-2"), ExpectedVersion::noStream(), evs(1)).firstPosition, 11);
        QVERIFY(store->verify().ok);
    }
};

int main(int argc, char **argv)
{
    if (argc == 4 && qstrcmp(argv[1], "--crash-child") == 0)
        return runCrashChild(QString::fromLocal8Bit(argv[2]), QByteArray(argv[3]).toInt());
    QCoreApplication app(argc, argv);
    TestEventStore test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_eventstore.moc"

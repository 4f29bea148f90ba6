#include "demogenerator.h"
#include "eventquery.h"
#include "eventstore.h"
#include "jsonutil.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <cmath>

using namespace eventlens;

namespace {

struct Appended
{
    QString stream;
    qint64 expectedVersion; // the stream's version before this event
    NewEvent event;
};

std::vector<Appended> capture(const DemoOptions &options, DemoResult *result = nullptr)
{
    std::vector<Appended> out;
    out.reserve(static_cast<size_t>(options.events));
    const DemoResult r = DemoGenerator(options).generate([&](const QString &stream, qint64 expected, const std::vector<NewEvent> &events) {
        qint64 v = expected;
        for (const NewEvent &e : events)
            out.push_back({stream, v++, e});
    });
    if (result)
        *result = r;
    return out;
}

qint64 cents(const nlohmann::json &amount)
{
    return static_cast<qint64>(std::llround(amount.get<double>() * 100.0));
}

QString str(const nlohmann::json &obj, const char *key)
{
    if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string())
        return {};
    return jsonutil::toQString(obj[key].get<std::string>());
}

bool sameEvent(const NewEvent &a, const NewEvent &b)
{
    return a.id == b.id && a.type == b.type && a.data == b.data && a.metadata == b.metadata && a.timeMs == b.timeMs
        && a.dataIsJson == b.dataIsJson;
}

} // namespace

class TestDemoGenerator : public QObject
{
    Q_OBJECT

private slots:
    void deterministic();
    void seedChangesEverything();
    void invariants_data();
    void invariants();
    void defaultsAndSpread();
    void progressAndCancel();
    void writesIntoStore();
    void twoStoresIdentical();
    void cancelRollsBackCurrentBatch();
    void createStore();
    void createStoreCancelled();
};

void TestDemoGenerator::deterministic()
{
    DemoOptions options;
    options.events = 5000;
    options.seed = 1234;
    const auto a = capture(options);
    const auto b = capture(options);
    QCOMPARE(a.size(), size_t(5000));
    QCOMPARE(b.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].stream, b[i].stream);
        QCOMPARE(a[i].expectedVersion, b[i].expectedVersion);
        QVERIFY2(sameEvent(a[i].event, b[i].event), qPrintable(QStringLiteral("event %1 differs").arg(i)));
    }
}

void TestDemoGenerator::seedChangesEverything()
{
    DemoOptions options;
    options.events = 500;
    options.seed = 1;
    const auto a = capture(options);
    options.seed = 2;
    const auto b = capture(options);
    QSet<QString> idsA;
    for (const auto &x : a)
        idsA.insert(x.event.id);
    for (const auto &x : b)
        QVERIFY(!idsA.contains(x.event.id));
    bool someDataDiffers = false;
    for (size_t i = 0; i < a.size(); ++i)
        someDataDiffers = someDataDiffers || a[i].event.data != b[i].event.data;
    QVERIFY(someDataDiffers);
}

void TestDemoGenerator::invariants_data()
{
    QTest::addColumn<qint64>("events");
    QTest::addColumn<qint64>("accounts");
    QTest::addColumn<quint64>("seed");
    QTest::newRow("default 20000") << qint64(20000) << qint64(0) << quint64(42);
    QTest::newRow("one event") << qint64(1) << qint64(0) << quint64(1);
    QTest::newRow("two events") << qint64(2) << qint64(0) << quint64(2);
    QTest::newRow("seven events, 3 accounts") << qint64(7) << qint64(3) << quint64(3);
    QTest::newRow("more accounts than events") << qint64(100) << qint64(500) << quint64(4);
    QTest::newRow("30 accounts") << qint64(5000) << qint64(30) << quint64(5);
    QTest::newRow("single account") << qint64(3000) << qint64(1) << quint64(6);
    QTest::newRow("many orders per account") << qint64(30000) << qint64(20) << quint64(7);
}

void TestDemoGenerator::invariants()
{
    QFETCH(qint64, events);
    QFETCH(qint64, accounts);
    QFETCH(quint64, seed);
    DemoOptions options;
    options.events = events;
    options.accounts = accounts;
    options.seed = seed;
    DemoResult result;
    const auto log = capture(options, &result);

    // Counts honoured.
    QCOMPARE(qint64(log.size()), events);
    QCOMPARE(result.events, events);
    QVERIFY(!result.cancelled);

    struct AccountState
    {
        qint64 balance = 0;
        QString currency;
        bool closed = false;
        int openOrders = 0;
    };
    enum class OrderStatus { Placed, Paid, Shipped, Cancelled };
    struct OrderState
    {
        OrderStatus status = OrderStatus::Placed;
        QString customer;
        qint64 total = 0;
        int items = 0;
        QString placedId;
        QString paidId;
        QString cancelledId;
    };
    struct Seen
    {
        QString type;
        QString stream;
    };
    QHash<QString, qint64> versions;
    QHash<QString, AccountState> accountsByStream;
    QHash<QString, OrderState> orders;
    QHash<QString, Seen> ids;
    QHash<QString, QString> paymentOf;   // OrderPaid id -> Withdrawn id
    QHash<QString, QString> refundOf;    // OrderCancelled id (paid order) -> Deposited id
    QSet<QString> paidIds;
    QSet<QString> refundableCancels;
    const QSet<QString> currencies{QStringLiteral("EUR"), QStringLiteral("USD"), QStringLiteral("GBP")};
    qint64 lastTime = options.startTimeMs - 1;

    for (size_t i = 0; i < log.size(); ++i) {
        const Appended &a = log[i];
        const NewEvent &e = a.event;
        const QString where = QStringLiteral("event %1 (%2 %3 v%4)").arg(i).arg(a.stream, e.type).arg(a.expectedVersion + 1);
        const QByteArray whereUtf8 = where.toUtf8();
        const char *at = whereUtf8.constData();

        // Versions contiguous per stream.
        const qint64 current = versions.value(a.stream, -1);
        QVERIFY2(a.expectedVersion == current, at);
        versions[a.stream] = current + 1;

        // Ids unique UUIDs, times strictly increasing.
        const QUuid uuid = QUuid::fromString(e.id);
        QVERIFY2(!uuid.isNull(), at);
        QCOMPARE(e.id, uuid.toString(QUuid::WithoutBraces)); // canonical lowercase text
        QCOMPARE(e.id.at(14), QChar(u'7'));                 // version 7, time-ordered: the first 48 bits are the time
        QCOMPARE(qint64(e.id.left(8).append(e.id.mid(9, 4)).toLongLong(nullptr, 16)), *e.timeMs);
        QVERIFY2(!ids.contains(e.id), at);
        QVERIFY2(e.timeMs.has_value(), at);
        QVERIFY2(*e.timeMs > lastTime, at);
        lastTime = *e.timeMs;
        QVERIFY2(e.dataIsJson, at);

        const auto data = jsonutil::parse(e.data);
        const auto meta = jsonutil::parse(e.metadata);
        QVERIFY2(data && data->is_object(), at);
        QVERIFY2(meta && meta->is_object(), at);
        const QString correlation = str(*meta, "correlationId");
        const QString causation = str(*meta, "causationId");
        QVERIFY2(!str(*meta, "userId").isEmpty(), at);
        QVERIFY2(!correlation.isEmpty() && !causation.isEmpty(), at);
        ids.insert(e.id, {e.type, a.stream});
        // Causation and correlation point at existing (earlier or this) events.
        QVERIFY2(ids.contains(causation), at);
        QVERIFY2(ids.contains(correlation), at);

        const bool isAccount = a.stream.startsWith(u"account-");
        const bool isOrder = a.stream.startsWith(u"order-");
        QVERIFY2(isAccount || isOrder, at);

        if (isAccount) {
            if (current == -1) {
                QCOMPARE(e.type, QStringLiteral("AccountOpened"));
                QVERIFY2(!str(*data, "owner").isEmpty(), at);
                QVERIFY2(currencies.contains(str(*data, "currency")), at);
                accountsByStream[a.stream].currency = str(*data, "currency");
                QCOMPARE(causation, e.id);
                continue;
            }
            QVERIFY2(accountsByStream.contains(a.stream), at);
            AccountState &acc = accountsByStream[a.stream];
            QVERIFY2(!acc.closed, at); // a closed account gets no more events
            if (e.type == u"Deposited" || e.type == u"Withdrawn") {
                const qint64 amount = cents((*data)["amount"]);
                QVERIFY2(amount > 0, at);
                QCOMPARE(str(*data, "currency"), acc.currency);
                acc.balance += e.type == u"Deposited" ? amount : -amount;
                QVERIFY2(acc.balance >= 0, at); // balances never negative
                if (ids[causation].type == u"OrderPaid") {
                    QCOMPARE(e.type, QStringLiteral("Withdrawn"));
                    QVERIFY2(!paymentOf.contains(causation), at);
                    paymentOf.insert(causation, e.id);
                    const OrderState &o = orders[ids[causation].stream];
                    QCOMPARE(o.customer, a.stream);
                    QCOMPARE(amount, o.total);
                    QCOMPARE(correlation, o.placedId); // same flow as the order
                    QCOMPARE(str(*data, "order"), ids[causation].stream);
                } else if (ids[causation].type == u"OrderCancelled") {
                    QCOMPARE(e.type, QStringLiteral("Deposited"));
                    QVERIFY2(refundableCancels.contains(causation), at);
                    QVERIFY2(!refundOf.contains(causation), at);
                    refundOf.insert(causation, e.id);
                    const OrderState &o = orders[ids[causation].stream];
                    QCOMPARE(o.customer, a.stream);
                    QCOMPARE(amount, o.total);
                    QCOMPARE(correlation, o.placedId);
                } else {
                    QVERIFY2(ids[causation].stream == a.stream, at);
                }
            } else if (e.type == u"AccountClosed") {
                QCOMPARE(acc.balance, qint64(0));
                QCOMPARE(acc.openOrders, 0);
                acc.closed = true;
            } else {
                QFAIL(qPrintable(QStringLiteral("unexpected account event: ") + where));
            }
            continue;
        }

        // Orders.
        if (current == -1) {
            QCOMPARE(e.type, QStringLiteral("OrderPlaced"));
            OrderState o;
            o.customer = str(*data, "customer");
            QVERIFY2(accountsByStream.contains(o.customer), at);
            QVERIFY2(!accountsByStream[o.customer].closed, at);
            QCOMPARE(str(*data, "currency"), accountsByStream[o.customer].currency);
            accountsByStream[o.customer].openOrders += 1;
            o.placedId = e.id;
            QCOMPARE(correlation, e.id);
            orders.insert(a.stream, o);
            continue;
        }
        QVERIFY2(orders.contains(a.stream), at);
        OrderState &o = orders[a.stream];
        QCOMPARE(correlation, o.placedId);
        QCOMPARE(ids[causation].stream, a.stream); // each order event is caused by the previous one of its order
        QVERIFY2(o.status != OrderStatus::Shipped && o.status != OrderStatus::Cancelled, at); // nothing after the end
        if (e.type == u"ItemAdded") {
            QVERIFY2(o.status == OrderStatus::Placed, at); // no items after payment
            QVERIFY2(!str(*data, "sku").isEmpty(), at);
            const qint64 qty = (*data)["qty"].get<qint64>();
            const qint64 price = cents((*data)["price"]);
            QVERIFY2(qty >= 1 && price > 0, at);
            o.total += qty * price;
            o.items += 1;
        } else if (e.type == u"OrderPaid") {
            QVERIFY2(o.status == OrderStatus::Placed, at);
            QVERIFY2(o.items > 0, at);
            QCOMPARE(cents((*data)["amount"]), o.total);
            QCOMPARE(str(*data, "account"), o.customer);
            o.status = OrderStatus::Paid;
            o.paidId = e.id;
            paidIds.insert(e.id);
        } else if (e.type == u"OrderShipped") {
            QVERIFY2(o.status == OrderStatus::Paid, at); // no ship before pay
            QVERIFY2(!str(*data, "carrier").isEmpty(), at);
            o.status = OrderStatus::Shipped;
            accountsByStream[o.customer].openOrders -= 1;
        } else if (e.type == u"OrderCancelled") {
            QVERIFY2(!str(*data, "reason").isEmpty(), at);
            if (o.status == OrderStatus::Paid)
                refundableCancels.insert(e.id);
            o.status = OrderStatus::Cancelled;
            o.cancelledId = e.id;
            accountsByStream[o.customer].openOrders -= 1;
        } else {
            QFAIL(qPrintable(QStringLiteral("unexpected order event: ") + where));
        }
    }

    // Every payment withdrew the money, every cancelled paid order was refunded (the log may
    // end between an event and its consequence only if the budget ran out: it never does,
    // both are appended together).
    for (const QString &paid : std::as_const(paidIds))
        QVERIFY2(paymentOf.contains(paid), qPrintable(paid));
    for (const QString &cancelled : std::as_const(refundableCancels))
        QVERIFY2(refundOf.contains(cancelled), qPrintable(cancelled));

    const qint64 expectedAccounts = std::min(options.effectiveAccounts(), events);
    QCOMPARE(qint64(accountsByStream.size()), expectedAccounts);
    QCOMPARE(result.accounts, expectedAccounts);
    QCOMPARE(result.orders, qint64(orders.size()));
    // Account streams are numbered 1..n.
    for (qint64 n = 1; n <= expectedAccounts; ++n)
        QVERIFY(accountsByStream.contains(QStringLiteral("account-%1").arg(n)));
    for (qint64 n = 1; n <= result.orders; ++n)
        QVERIFY(orders.contains(QStringLiteral("order-%1").arg(n)));
}

void TestDemoGenerator::defaultsAndSpread()
{
    DemoOptions options; // 20,000 events, seed 42
    QCOMPARE(options.events, qint64(20000));
    QCOMPARE(options.effectiveAccounts(), qint64(400));
    DemoResult result;
    const auto log = capture(options, &result);
    QCOMPARE(qint64(log.size()), qint64(20000));

    // Times spread over several weeks from the fixed start date.
    const qint64 week = 7LL * 24 * 3600 * 1000;
    const qint64 first = *log.front().event.timeMs;
    const qint64 last = *log.back().event.timeMs;
    QVERIFY(first >= options.startTimeMs);
    QVERIFY(first < options.startTimeMs + week);
    QVERIFY2(last - first >= 4 * week, qPrintable(QString::number(last - first)));
    QVERIFY2(last - first <= 16 * week, qPrintable(QString::number(last - first)));

    // Every type of both domains appears; orders are a good part of the log.
    QHash<QString, int> types;
    for (const auto &a : log)
        types[a.event.type] += 1;
    for (const char *t : {"AccountOpened", "Deposited", "Withdrawn", "AccountClosed", "OrderPlaced", "ItemAdded", "OrderPaid",
                          "OrderShipped", "OrderCancelled"})
        QVERIFY2(types.value(QString::fromLatin1(t)) > 0, t);
    QCOMPARE(types.size(), 9);
    QVERIFY(result.orders > 500);
    QVERIFY(types.value(QStringLiteral("AccountClosed")) < 400 / 2); // most accounts stay open
}

void TestDemoGenerator::progressAndCancel()
{
    DemoOptions options;
    options.events = 3000;
    qint64 lastDone = -1;
    qint64 calls = 0;
    DemoResult result = DemoGenerator(options).generate(
        [](const QString &, qint64, const std::vector<NewEvent> &) {},
        [&](qint64 done, qint64 total) {
            ++calls;
            if (total != 3000 || done < lastDone)
                return false;
            lastDone = done;
            return true;
        });
    QVERIFY(!result.cancelled);
    QCOMPARE(lastDone, qint64(3000));
    QVERIFY(calls >= 3);

    qint64 delivered = 0;
    result = DemoGenerator(options).generate(
        [&](const QString &, qint64, const std::vector<NewEvent> &events) { delivered += qint64(events.size()); },
        [](qint64 done, qint64) { return done < 1000; });
    QVERIFY(result.cancelled);
    QVERIFY(delivered >= 1000);
    QVERIFY(delivered < 3000);
    QCOMPARE(result.events, delivered);

    // Cancelled before anything happens.
    delivered = 0;
    result = DemoGenerator(options).generate([&](const QString &, qint64, const std::vector<NewEvent> &events) { delivered += qint64(events.size()); },
                                             [](qint64, qint64) { return false; });
    QVERIFY(result.cancelled);
    QCOMPARE(delivered, qint64(0));
}

void TestDemoGenerator::writesIntoStore()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    DemoOptions options;
    options.events = 3000;
    options.accounts = 25;
    options.seed = 99;
    options.batchSize = 700; // several transactions
    const auto expected = capture(options);

    auto store = EventStore::open(dir.filePath(QStringLiteral("demo.db")));
    const DemoResult result = DemoGenerator(options).generate(*store);
    QVERIFY(!result.cancelled);
    QCOMPARE(result.events, qint64(3000));
    QCOMPARE(store->count(EventQuery{}), qint64(3000));
    QCOMPARE(qint64(store->streams().size()), result.streams());
    QCOMPARE(qint64(store->streams(QStringLiteral("account")).size()), qint64(25));

    size_t i = 0;
    bool same = true;
    store->forEach(EventQuery{}, [&](const Event &e) {
        const Appended &a = expected[i];
        same = e.position == qint64(i + 1) && e.stream == a.stream && e.version == a.expectedVersion + 1 && e.id == a.event.id
            && e.type == a.event.type && e.timeMs == *a.event.timeMs && e.dataIsJson;
        same = same && jsonutil::parse(e.data) == jsonutil::parse(a.event.data) && jsonutil::parse(e.metadata) == jsonutil::parse(a.event.metadata);
        ++i;
        return same;
    });
    QVERIFY2(same, qPrintable(QStringLiteral("stored event %1 differs from the generated one").arg(i)));
    QCOMPARE(i, expected.size());
    QVERIFY(store->verify().ok);
}

void TestDemoGenerator::twoStoresIdentical()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    DemoOptions options;
    options.events = 2500;
    options.seed = 7;
    QByteArray lines[2];
    for (int k = 0; k < 2; ++k) {
        auto store = EventStore::open(dir.filePath(QStringLiteral("demo%1.db").arg(k)));
        DemoGenerator(options).generate(*store);
        store->forEach(EventQuery{}, [&](const Event &e) {
            lines[k] += e.toJsonLine() + '\n';
            return true;
        });
        QCOMPARE(lines[k].count('\n'), qsizetype(2500));
    }
    QCOMPARE(lines[0], lines[1]);
}

void TestDemoGenerator::cancelRollsBackCurrentBatch()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    DemoOptions options;
    options.events = 3000;
    options.batchSize = 500;
    auto store = EventStore::open(dir.filePath(QStringLiteral("demo.db")));
    const DemoResult result = DemoGenerator(options).generate(*store, [](qint64 done, qint64) { return done < 1700; });
    QVERIFY(result.cancelled);
    // Only whole committed batches remain: at least the first three, never the one in progress.
    QVERIFY2(result.events >= 1000 && result.events < 1700, qPrintable(QString::number(result.events)));
    QCOMPARE(store->count(EventQuery{}), result.events);
    QVERIFY(store->verify().ok);
}

void TestDemoGenerator::createStore()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("sub/folder/demo.db"));
    DemoOptions options;
    options.events = 1500;
    const DemoResult result = DemoGenerator::createStore(path, options);
    QCOMPARE(result.events, qint64(1500));
    QVERIFY(QFileInfo::exists(path));
    const QStringList leftovers = QDir(QFileInfo(path).absolutePath()).entryList({QStringLiteral("*.partial*")}, QDir::Files);
    QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(u',')));
    {
        auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
        QCOMPARE(store->count(EventQuery{}), qint64(1500));
        QVERIFY(store->verify().ok);
    }
    // Never overwrites.
    QVERIFY_THROWS_EXCEPTION(StoreError, DemoGenerator::createStore(path, options));
    auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
    QCOMPARE(store->count(EventQuery{}), qint64(1500));
}

void TestDemoGenerator::createStoreCancelled()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("demo.db"));
    DemoOptions options;
    options.events = 3000;
    options.batchSize = 500;
    const DemoResult result = DemoGenerator::createStore(path, options, [](qint64 done, qint64) { return done < 2000; });
    QVERIFY(result.cancelled);
    QVERIFY(!QFileInfo::exists(path));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::NoDotAndDotDot), QStringList());
}

QTEST_GUILESS_MAIN(TestDemoGenerator)
#include "tst_demogenerator.moc"

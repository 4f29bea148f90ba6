#include "demogenerator.h"
#include "eventquery.h"
#include "eventstore.h"
#include "jsonutil.h"
#include "predicatescan.h"
#include "timeutil.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>
#include <vector>

using namespace eventlens;

namespace {

constexpr qint64 DemoEvents = 3000;
constexpr int WaitMs = 120000; // generous: sanitizer builds on a busy machine

// Slow enough per event (5 ms of busy waiting) that a scan of the demo log takes far longer than
// any test waits before cancelling or superseding it.
const QString SlowPredicate = QStringLiteral(
    "(function () { var t = Date.now(); while (Date.now() - t < 5) {} return true; })()");

using Reference = std::function<bool(const Event &, const nlohmann::json &data, const nlohmann::json &metadata)>;

double number(const nlohmann::json &obj, const char *key, bool *ok)
{
    *ok = obj.is_object() && obj.contains(key) && obj[key].is_number();
    return *ok ? obj[key].get<double>() : 0.0;
}

QString string(const nlohmann::json &obj, const char *key)
{
    if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string())
        return {};
    return jsonutil::toQString(obj[key].get<std::string>());
}

// How a scan is split: one worker over the whole range, or several over small slices.
struct Split
{
    int threads = 1;
    qint64 sliceSize = PredicateScan::DefaultSliceSize;
};
const Split OneWorker{1, PredicateScan::DefaultSliceSize};
const Split ThreeWorkers{3, 97}; // 31 slices of the 3000 events, taken in turn

struct Terminal
{
    bool finished = false;
    quint64 generation = 0;
    std::vector<qint64> positions;
    PredicateScanStats stats;
    QString message;
    bool cancelled = false;
};

} // namespace

Q_DECLARE_METATYPE(Reference)
Q_DECLARE_METATYPE(eventlens::EventQuery)

class TestPredicateScan : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void matchesReferenceFilter_data();
    void matchesReferenceFilter();
    void combinedWithQuery_data();
    void combinedWithQuery();
    void blankPredicateMatchesAll();
    void runtimeErrorsCounted();
    void syntaxErrorFails();
    void interruptedFails();
    void noStoreFails();
    void progressEndsAtMaximum();
    void cancelStopsEarly();
    void secondStartDropsFirst();
    void restartFromSlot();
    void destroyWhileRunning();

private:
    // Positions of the events of `query` that `reference` accepts, in query order.
    std::vector<qint64> expected(const EventQuery &query, const Reference &reference) const;
    // Runs one scan to its end and checks that exactly one terminal signal came.
    Terminal run(const EventQuery &query, const QString &predicate, const Split &split = OneWorker, int budgetMs = 0);

    QTemporaryDir m_dir;
    std::shared_ptr<const EventStore> m_store;
};

void TestPredicateScan::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString path = m_dir.filePath(QStringLiteral("demo.eventlens"));
    DemoOptions options;
    options.events = DemoEvents;
    options.seed = 7;
    const DemoResult result = DemoGenerator::createStore(path, options);
    QCOMPARE(result.events, DemoEvents);
    m_store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
    QCOMPARE(m_store->headPosition(), DemoEvents);
}

std::vector<qint64> TestPredicateScan::expected(const EventQuery &query, const Reference &reference) const
{
    std::vector<qint64> out;
    m_store->forEach(query, [&](const Event &e) {
        const nlohmann::json data = e.dataIsJson ? jsonutil::parse(e.data).value_or(nlohmann::json()) : nlohmann::json();
        const nlohmann::json metadata = jsonutil::parse(e.metadata).value_or(nlohmann::json());
        if (reference(e, data, metadata))
            out.push_back(e.position);
        return true;
    });
    return out;
}

Terminal TestPredicateScan::run(const EventQuery &query, const QString &predicate, const Split &split, int budgetMs)
{
    PredicateScan scan;
    scan.setThreadCount(split.threads);
    scan.setSliceSize(split.sliceSize);
    if (budgetMs > 0)
        scan.setTimeBudgetMs(budgetMs);
    QSignalSpy finished(&scan, &PredicateScan::finished);
    QSignalSpy failed(&scan, &PredicateScan::failed);
    const quint64 generation = scan.start(m_store, query, predicate);
    Terminal t;
    [&] { QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() > 0, WaitMs); }();
    QCoreApplication::sendPostedEvents();
    [&] { QCOMPARE(finished.count() + failed.count(), 1); }();
    if (!finished.isEmpty()) {
        t.finished = true;
        t.generation = finished.first().at(0).value<quint64>();
        t.positions = *finished.first().at(1).value<PredicateScan::Positions>();
        t.stats = finished.first().at(2).value<PredicateScanStats>();
        [&] { QCOMPARE(scan.matchCount(), t.stats.matched); }();
    } else {
        t.generation = failed.first().at(0).value<quint64>();
        t.message = failed.first().at(1).toString();
        t.cancelled = failed.first().at(2).toBool();
        t.stats = failed.first().at(3).value<PredicateScanStats>();
    }
    [&] {
        QCOMPARE(t.generation, generation);
        QVERIFY(!scan.isRunning());
    }();
    return t;
}

void TestPredicateScan::matchesReferenceFilter_data()
{
    QTest::addColumn<QString>("predicate");
    QTest::addColumn<Reference>("reference");

    QTest::newRow("amount") << QStringLiteral("e.data.amount > 100")
                            << Reference([](const Event &, const nlohmann::json &data, const nlohmann::json &) {
                                   bool ok = false;
                                   const double amount = number(data, "amount", &ok);
                                   return ok && amount > 100;
                               });
    QTest::newRow("type") << QStringLiteral("e.type == 'OrderPaid' || e.type == 'AccountOpened'")
                          << Reference([](const Event &e, const nlohmann::json &, const nlohmann::json &) {
                                 return e.type == QLatin1String("OrderPaid") || e.type == QLatin1String("AccountOpened");
                             });
    QTest::newRow("metadata") << QStringLiteral("e.metadata.userId == 'user-7'")
                              << Reference([](const Event &, const nlohmann::json &, const nlohmann::json &metadata) {
                                     return string(metadata, "userId") == QLatin1String("user-7");
                                 });
    QTest::newRow("caused") << QStringLiteral("e => e.metadata.causationId !== e.id && e.category == 'account'")
                            << Reference([](const Event &e, const nlohmann::json &, const nlohmann::json &metadata) {
                                   return string(metadata, "causationId") != e.id && e.category() == QLatin1String("account");
                               });
    QTest::newRow("stream version time")
        << QStringLiteral("e.version >= 2 && e.stream.startsWith('order-') && e.time >= '2024-01-20'")
        << Reference([](const Event &e, const nlohmann::json &, const nlohmann::json &) {
               return e.version >= 2 && e.stream.startsWith(QLatin1String("order-"))
                      && timeutil::formatIso(e.timeMs) >= QByteArrayLiteral("2024-01-20");
           });
    QTest::newRow("items") << QStringLiteral("function (e) {\n  return e.type == 'ItemAdded' && e.data.qty * e.data.price > 50;\n}")
                           << Reference([](const Event &e, const nlohmann::json &data, const nlohmann::json &) {
                                  bool okQty = false;
                                  bool okPrice = false;
                                  const double qty = number(data, "qty", &okQty);
                                  const double price = number(data, "price", &okPrice);
                                  return e.type == QLatin1String("ItemAdded") && okQty && okPrice && qty * price > 50;
                              });
}

void TestPredicateScan::matchesReferenceFilter()
{
    QFETCH(QString, predicate);
    QFETCH(Reference, reference);

    const std::vector<qint64> want = expected({}, reference);
    QVERIFY(!want.empty());
    QVERIFY(qint64(want.size()) < DemoEvents);

    for (const Split &split : {OneWorker, ThreeWorkers}) {
        const Terminal t = run({}, predicate, split);
        QVERIFY2(t.finished, qPrintable(t.message));
        QCOMPARE(t.positions, want);
        QCOMPARE(t.stats.scanned, DemoEvents);
        QCOMPARE(t.stats.matched, qint64(want.size()));
        QCOMPARE(t.stats.runtimeErrors, 0);
        QVERIFY(t.stats.firstRuntimeError.isEmpty());
    }
}

void TestPredicateScan::combinedWithQuery_data()
{
    QTest::addColumn<EventQuery>("query");
    QTest::addColumn<QString>("predicate");
    QTest::addColumn<Reference>("reference");

    const Reference bigAmount = [](const Event &, const nlohmann::json &data, const nlohmann::json &) {
        bool ok = false;
        const double amount = number(data, "amount", &ok);
        return ok && amount > 100;
    };
    const QString bigAmountJs = QStringLiteral("e.data.amount > 100");

    EventQuery types;
    types.types = {QStringLiteral("Deposited"), QStringLiteral("Withdrawn")};
    QTest::newRow("types") << types << bigAmountJs << bigAmount;

    EventQuery category;
    category.category = QStringLiteral("order");
    QTest::newRow("category") << category << bigAmountJs << bigAmount;

    EventQuery backward = types;
    backward.backward = true;
    QTest::newRow("types backward") << backward << bigAmountJs << bigAmount;

    EventQuery glob;
    glob.streamGlob = QStringLiteral("account-1*");
    QTest::newRow("glob") << glob << QStringLiteral("e.version > 0")
                          << Reference([](const Event &e, const nlohmann::json &, const nlohmann::json &) { return e.version > 0; });

    EventQuery range;
    range.fromPosition = 500;
    range.toPosition = 2200;
    range.sinceMs = timeutil::parseIso(QStringView(u"2024-01-10T00:00:00Z"));
    QTest::newRow("positions and time") << range << bigAmountJs << bigAmount;

    EventQuery stream;
    stream.stream = QStringLiteral("account-3");
    QTest::newRow("one stream") << stream << QStringLiteral("e.type != 'Deposited'")
                                << Reference([](const Event &e, const nlohmann::json &, const nlohmann::json &) {
                                       return e.type != QLatin1String("Deposited");
                                   });
}

void TestPredicateScan::combinedWithQuery()
{
    QFETCH(EventQuery, query);
    QFETCH(QString, predicate);
    QFETCH(Reference, reference);

    const std::vector<qint64> want = expected(query, reference);
    QVERIFY(!want.empty());
    for (const Split &split : {OneWorker, ThreeWorkers}) {
        const Terminal t = run(query, predicate, split);
        QVERIFY2(t.finished, qPrintable(t.message));
        QCOMPARE(t.positions, want);
        QCOMPARE(t.stats.scanned, m_store->count(query));
        QVERIFY(t.stats.scanned < DemoEvents);
        QCOMPARE(t.stats.matched, qint64(want.size()));
    }

    // With a limit, the first matches in query order (one worker whatever the split).
    EventQuery limited = query;
    limited.limit = 3;
    const Terminal first = run(limited, predicate, ThreeWorkers);
    QVERIFY(first.finished);
    const std::vector<qint64> firstWant(want.begin(), want.begin() + std::min<size_t>(3, want.size()));
    QCOMPARE(first.positions, firstWant);
}

void TestPredicateScan::blankPredicateMatchesAll()
{
    EventQuery query;
    query.category = QStringLiteral("account");
    const Terminal t = run(query, QStringLiteral("  "));
    QVERIFY(t.finished);
    QCOMPARE(t.positions, expected(query, [](const Event &, const nlohmann::json &, const nlohmann::json &) { return true; }));
    QCOMPARE(t.stats.matched, t.stats.scanned);
}

void TestPredicateScan::runtimeErrorsCounted()
{
    // Only ItemAdded events have qty; the others throw a TypeError on `.toFixed` of undefined.
    const std::vector<qint64> want = expected({}, [](const Event &, const nlohmann::json &data, const nlohmann::json &) {
        bool ok = false;
        return number(data, "qty", &ok) == 2 && ok;
    });
    QVERIFY(!want.empty());
    const std::vector<qint64> withQty = expected({}, [](const Event &, const nlohmann::json &data, const nlohmann::json &) {
        return data.is_object() && data.contains("qty");
    });
    for (const Split &split : {OneWorker, ThreeWorkers}) {
        const Terminal t = run({}, QStringLiteral("e.data.qty.toFixed(0) == '2'"), split);
        QVERIFY2(t.finished, qPrintable(t.message));
        QCOMPARE(t.positions, want);
        QCOMPARE(t.stats.scanned, DemoEvents);
        QCOMPARE(t.stats.runtimeErrors, DemoEvents - qint64(withQty.size()));
        QCOMPARE(t.stats.firstRuntimeErrorPosition, 1); // the first event is an AccountOpened
        QVERIFY2(t.stats.firstRuntimeError.startsWith(QStringLiteral("TypeError: ")), qPrintable(t.stats.firstRuntimeError));
        QVERIFY2(t.stats.firstRuntimeError.endsWith(QStringLiteral("(line 1) at position 1")), qPrintable(t.stats.firstRuntimeError));
    }

    // Backward, the first error in query order is the one at the highest position.
    EventQuery backward;
    backward.backward = true;
    backward.types = {QStringLiteral("OrderPlaced")};
    const std::vector<qint64> placed = expected(backward, [](const Event &, const nlohmann::json &, const nlohmann::json &) { return true; });
    QVERIFY(!placed.empty());
    const Terminal t = run(backward, QStringLiteral("e.data.qty.toFixed(0) == '2'"), ThreeWorkers);
    QVERIFY(t.finished);
    QVERIFY(t.positions.empty());
    QCOMPARE(t.stats.runtimeErrors, qint64(placed.size()));
    QCOMPARE(t.stats.firstRuntimeErrorPosition, placed.front());
}

void TestPredicateScan::syntaxErrorFails()
{
    for (const Split &split : {OneWorker, ThreeWorkers}) {
        const Terminal t = run({}, QStringLiteral("e.type ==\n  'Deposited' &&& e.version"), split);
        QVERIFY(!t.finished);
        QVERIFY(!t.cancelled);
        QCOMPARE(t.message, QStringLiteral("syntax error at line 2, column 17: Unexpected token `&'"));
        QCOMPARE(t.stats.scanned, 0);
    }
}

void TestPredicateScan::interruptedFails()
{
    const QString loopAt10 = QStringLiteral("e.position == 10 ? (function () { while (true) {} })() : false");
    const Terminal t = run({}, loopAt10, OneWorker, 50);
    QVERIFY(!t.finished);
    QVERIFY(!t.cancelled);
    QCOMPARE(t.message, QStringLiteral("predicate interrupted: took longer than 50 ms at position 10"));
    QCOMPARE(t.stats.scanned, 10);

    // With several workers the others stop too.
    const Terminal parallel = run({}, loopAt10, ThreeWorkers, 50);
    QVERIFY(!parallel.finished);
    QCOMPARE(parallel.message, QStringLiteral("predicate interrupted: took longer than 50 ms at position 10"));
    QVERIFY(parallel.stats.scanned < DemoEvents);
}

void TestPredicateScan::noStoreFails()
{
    PredicateScan scan;
    QSignalSpy finished(&scan, &PredicateScan::finished);
    QSignalSpy failed(&scan, &PredicateScan::failed);
    const quint64 generation = scan.start(nullptr, {}, QStringLiteral("true"));
    QVERIFY(scan.isRunning());
    QVERIFY(failed.wait(WaitMs));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(0).value<quint64>(), generation);
    QCOMPARE(failed.first().at(2).toBool(), false);
    QCOMPARE(finished.count(), 0);
    QVERIFY(!scan.isRunning());
}

void TestPredicateScan::progressEndsAtMaximum()
{
    for (const Split &split : {OneWorker, ThreeWorkers}) {
        PredicateScan scan;
        scan.setThreadCount(split.threads);
        scan.setSliceSize(split.sliceSize);
        QSignalSpy progress(&scan, &PredicateScan::progress);
        QSignalSpy counts(&scan, &PredicateScan::matchCountChanged);
        QSignalSpy finished(&scan, &PredicateScan::finished);
        scan.start(m_store, {}, QStringLiteral("e.type == 'Deposited'"));
        QVERIFY(finished.wait(WaitMs));

        QVERIFY(progress.count() >= 2);
        QCOMPARE(progress.first().at(0).toLongLong(), 0);
        QCOMPARE(progress.last().at(0).toLongLong(), PredicateScan::ProgressScale);
        qint64 previous = -1;
        for (const QList<QVariant> &args : std::as_const(progress)) {
            QCOMPARE(args.at(1).toLongLong(), PredicateScan::ProgressScale);
            QVERIFY(args.at(0).toLongLong() > previous); // only changes are reported
            QVERIFY(args.at(0).toLongLong() <= PredicateScan::ProgressScale);
            previous = args.at(0).toLongLong();
        }
        const PredicateScanStats stats = finished.first().at(2).value<PredicateScanStats>();
        QVERIFY(stats.matched > 0);
        QCOMPARE(counts.last().at(0).toLongLong(), stats.matched);
        QCOMPARE(scan.matchCount(), stats.matched);
    }
}

void TestPredicateScan::cancelStopsEarly()
{
    PredicateScan scan;
    QSignalSpy progress(&scan, &PredicateScan::progress);
    QSignalSpy counts(&scan, &PredicateScan::matchCountChanged);
    QSignalSpy finished(&scan, &PredicateScan::finished);
    QSignalSpy failed(&scan, &PredicateScan::failed);
    const quint64 generation = scan.start(m_store, {}, SlowPredicate);

    // Progress and the match count move while the scan runs.
    QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(0).toLongLong() > 0, WaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(!counts.isEmpty() && counts.last().at(0).toLongLong() > 0, WaitMs);
    QVERIFY(progress.last().at(0).toLongLong() < PredicateScan::ProgressScale);
    QVERIFY(scan.isRunning());
    QVERIFY(scan.matchCount() > 0);

    scan.cancel();
    QVERIFY(scan.isRunning()); // until the worker has stopped
    QVERIFY(failed.wait(WaitMs));
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(0).value<quint64>(), generation);
    QCOMPARE(failed.first().at(2).toBool(), true);
    const PredicateScanStats stats = failed.first().at(3).value<PredicateScanStats>();
    QVERIFY(stats.scanned > 0);
    QVERIFY(stats.scanned < DemoEvents);
    QVERIFY(!scan.isRunning());

    // Nothing else arrives afterwards, and cancelling again does nothing.
    scan.cancel();
    QTest::qWait(300);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(finished.count(), 0);
}

void TestPredicateScan::secondStartDropsFirst()
{
    PredicateScan scan;
    QSignalSpy finished(&scan, &PredicateScan::finished);
    QSignalSpy failed(&scan, &PredicateScan::failed);
    const quint64 first = scan.start(m_store, {}, SlowPredicate);
    QTRY_VERIFY_WITH_TIMEOUT(scan.matchCount() > 0, WaitMs); // the first one is well under way

    EventQuery query;
    query.types = {QStringLiteral("OrderShipped")};
    const quint64 second = scan.start(m_store, query, QStringLiteral("e.version > 2"));
    QVERIFY(second > first);
    QCOMPARE(scan.generation(), second);
    // The first one ends at once, as superseded.
    QCOMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(0).value<quint64>(), first);
    QCOMPARE(failed.first().at(2).toBool(), true);
    QCOMPARE(scan.matchCount(), 0);

    QVERIFY(finished.wait(WaitMs));
    QTest::qWait(300); // room for the first worker's late result, which must be dropped
    QCOMPARE(finished.count(), 1);
    QCOMPARE(failed.count(), 1);
    QCOMPARE(finished.first().at(0).value<quint64>(), second);
    const std::vector<qint64> positions = *finished.first().at(1).value<PredicateScan::Positions>();
    QCOMPARE(positions, expected(query, [](const Event &e, const nlohmann::json &, const nlohmann::json &) { return e.version > 2; }));
    QVERIFY(!positions.empty());
}

void TestPredicateScan::restartFromSlot()
{
    // A slot that starts another scan while start() is still superseding the previous one:
    // every generation still ends in exactly one terminal signal.
    PredicateScan scan;
    QSignalSpy finished(&scan, &PredicateScan::finished);
    QSignalSpy failed(&scan, &PredicateScan::failed);
    const quint64 first = scan.start(m_store, {}, SlowPredicate);
    quint64 third = 0;
    connect(&scan, &PredicateScan::failed, this, [&](quint64 generation) {
        if (generation == first)
            third = scan.start(m_store, {}, QStringLiteral("e.version == 0"));
    });
    const quint64 second = scan.start(m_store, {}, SlowPredicate);
    QCOMPARE(third, second + 1);
    QCOMPARE(scan.generation(), third);
    QVERIFY(scan.isRunning());
    QCOMPARE(failed.count(), 2);
    QCOMPARE(failed.at(0).at(0).value<quint64>(), first);
    QCOMPARE(failed.at(1).at(0).value<quint64>(), second);

    QVERIFY(finished.wait(WaitMs));
    QTest::qWait(300);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(failed.count(), 2);
    QCOMPARE(finished.first().at(0).value<quint64>(), third);
    QCOMPARE(*finished.first().at(1).value<PredicateScan::Positions>(),
             expected({}, [](const Event &e, const nlohmann::json &, const nlohmann::json &) { return e.version == 0; }));
}

void TestPredicateScan::destroyWhileRunning()
{
    auto scan = std::make_unique<PredicateScan>();
    scan->start(m_store, {}, SlowPredicate);
    QTRY_VERIFY_WITH_TIMEOUT(scan->matchCount() > 0, WaitMs);
    scan.reset(); // cancels and waits for the worker; must not crash or leak
    QVERIFY(true);
}

QTEST_GUILESS_MAIN(TestPredicateScan)
#include "tst_predicatescan.moc"

// eventlens-bench-readmodel: figures for the read models (DESIGN.md §8: read-model point query
// in process p99 <= 100 µs). Not a test: it prints numbers.
//
//   eventlens-bench-readmodel [--events N] [--store PATH] [--queries K] [--dir DIR] [--json]
//
// Uses the demo store at --store PATH (created there with N demo events when missing; without
// --store a temporary one), builds its read models from scratch into a new read database in a
// temporary folder (under --dir when given), then measures
// 1. catch-up: balance alone, orders alone (one Projector each), and both at once as the GUI
//    runs them (ReadModelHost): events per second of the log;
// 2. point queries: K random keys of the balance model through ReadDatabase::get() on one
//    connection, and through ReadModelHost::get() (the connection pool): p50 / p99 / max in µs;
// 3. a filter query (balance>1000 and status=open) over the whole balance model;
// 4. the projection state a projector saves for a restart: size and time of
//    Projection::checkpoint();
// 5. live: on a small store of its own, an append until the balance model shows it
//    (append + Projector following the log), p50 / p99 in ms.
// Build it in Release: a Debug or sanitizer build measures the instrumentation.

#include "benchsupport.h"
#include "eventstore.h"
#include "projection.h"
#include "projector.h"
#include "readdatabase.h"
#include "readmodel.h"
#include "readmodelhost.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <memory>

using namespace eventlens;
using namespace eventlens::bench;

namespace {

constexpr auto kForever = std::chrono::hours(24);

// Builds one model from scratch into readDb; seconds.
double buildAlone(const EventStore &store, const ReadModelDefinition &definition, const QString &readDb)
{
    const qint64 head = store.headPosition();
    const auto start = Clock::now();
    Projector projector(store, definition, readDb);
    projector.start();
    projector.waitUntilCaughtUp(head, kForever);
    const double seconds = secondsSince(start);
    const ProjectorStatus s = projector.status();
    if (s.state == ProjectorStatus::State::Faulted)
        std::fprintf(stderr, "eventlens-bench-readmodel: %s faulted: %s\n", qPrintable(definition.name), qPrintable(s.error));
    projector.stop();
    return seconds;
}

struct Latencies
{
    double p50 = 0;
    double p99 = 0;
    double max = 0;
};

Latencies latencies(const std::vector<double> &values)
{
    return {percentile(values, 50), percentile(values, 99), percentile(values, 100)};
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("eventlens-bench-readmodel"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Read models: catch-up rate, point and filter queries, live latency."));
    parser.addHelpOption();
    const QCommandLineOption eventsOption(QStringLiteral("events"), QStringLiteral("Events of a new demo store (default 1000000)."),
                                          QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption storeOption(QStringLiteral("store"), QStringLiteral("Use this demo store; created there when missing."),
                                         QStringLiteral("PATH"));
    const QCommandLineOption queriesOption(QStringLiteral("queries"), QStringLiteral("Random point queries (default 100000)."),
                                           QStringLiteral("K"), QStringLiteral("100000"));
    const QCommandLineOption dirOption(QStringLiteral("dir"), QStringLiteral("Folder for the temporary read databases."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print the figures as one JSON object."));
    parser.addOptions({eventsOption, storeOption, queriesOption, dirOption, jsonOption});
    parser.process(app);

    const qint64 events = parser.value(eventsOption).toLongLong();
    const qint64 queries = parser.value(queriesOption).toLongLong();
    if (events < 1 || queries < 1) {
        std::fprintf(stderr, "eventlens-bench-readmodel: --events and --queries must be positive numbers\n");
        return 2;
    }
    const bool json = parser.isSet(jsonOption);
    const QString dir = parser.value(dirOption);

    Figures figures;
    const DemoStore demo = openDemoStore("eventlens-bench-readmodel", parser.value(storeOption), dir, events, json);
    if (!demo.store)
        return 1;
    const EventStore &store = *demo.store;
    const qint64 head = store.headPosition();
    figures.add(QStringLiteral("events"), double(head));

    QTemporaryDir work(dir.isEmpty() ? QDir::temp().filePath(QStringLiteral("bench-readmodel-XXXXXX"))
                                     : QDir(dir).filePath(QStringLiteral("bench-readmodel-XXXXXX")));
    if (!work.isValid()) {
        std::fprintf(stderr, "eventlens-bench-readmodel: cannot create a temporary directory\n");
        return 1;
    }
    const ReadModelDefinition balance = *ReadModelDefinition::bundledModel(QStringLiteral("balance"));
    const ReadModelDefinition orders = *ReadModelDefinition::bundledModel(QStringLiteral("orders"));

    try {
        // 1. Catch-up.
        const QString aloneDb = work.filePath(QStringLiteral("alone.read"));
        const double balanceSeconds = buildAlone(store, balance, aloneDb);
        const double ordersSeconds = buildAlone(store, orders, aloneDb);
        figures.add(QStringLiteral("catchup_balance_s"), balanceSeconds);
        figures.add(QStringLiteral("catchup_balance_events_per_s"), double(head) / balanceSeconds);
        figures.add(QStringLiteral("catchup_orders_s"), ordersSeconds);
        figures.add(QStringLiteral("catchup_orders_events_per_s"), double(head) / ordersSeconds);
        if (!json) {
            out() << "catch-up over " << number(double(head)) << " events: balance alone " << number(balanceSeconds, 2) << " s ("
                  << number(double(head) / balanceSeconds) << " events/s), orders alone " << number(ordersSeconds, 2) << " s ("
                  << number(double(head) / ordersSeconds) << " events/s)" << Qt::endl;
        }
        const QString bothDb = work.filePath(QStringLiteral("both.read"));
        double bothSeconds = 0;
        {
            const auto start = Clock::now();
            ReadModelHost host(store, bothDb);
            host.start();
            host.waitUntilCaughtUp(QStringLiteral("balance"), head, kForever);
            host.waitUntilCaughtUp(QStringLiteral("orders"), head, kForever);
            bothSeconds = secondsSince(start);
            host.stop();
        }
        figures.add(QStringLiteral("catchup_both_s"), bothSeconds);
        figures.add(QStringLiteral("catchup_both_events_per_s"), double(head) / bothSeconds);
        figures.add(QStringLiteral("read_db_mib"), double(QFileInfo(bothDb).size() + QFileInfo(bothDb + QStringLiteral("-wal")).size()) / (1 << 20));
        if (!json) {
            out() << "both at once (ReadModelHost, two projector threads): " << number(bothSeconds, 2) << " s ("
                  << number(double(head) / bothSeconds) << " events/s of the log); read database "
                  << number(figures.json.value(QStringLiteral("read_db_mib")).toDouble(), 1) << " MiB" << Qt::endl;
        }

        // 2. Point queries.
        std::vector<QString> keys;
        {
            ReadDatabase db(bothDb, ReadDatabase::OpenMode::ReadOnly);
            for (const ReadEntry &e : db.entries(QStringLiteral("balance")))
                keys.push_back(e.key);
        }
        if (keys.empty()) {
            std::fprintf(stderr, "eventlens-bench-readmodel: the balance model is empty\n");
            return 1;
        }
        std::mt19937_64 rng(42);
        std::vector<size_t> picks(static_cast<size_t>(queries));
        for (size_t &p : picks)
            p = size_t(rng() % keys.size());
        std::vector<double> us;
        us.reserve(picks.size());
        qint64 found = 0;
        {
            ReadDatabase db(bothDb, ReadDatabase::OpenMode::ReadOnly);
            const QString model = QStringLiteral("balance");
            for (size_t i = 0; i < 1000; ++i) // warm the page cache and the statement
                db.get(model, keys[picks[i % picks.size()]]);
            for (size_t p : picks) {
                const auto start = Clock::now();
                const std::optional<ReadEntry> e = db.get(model, keys[p]);
                us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
                found += e ? 1 : 0;
            }
        }
        const Latencies direct = latencies(us);
        figures.add(QStringLiteral("point_p50_us"), direct.p50);
        figures.add(QStringLiteral("point_p99_us"), direct.p99);
        figures.add(QStringLiteral("point_max_us"), direct.max);
        figures.add(QStringLiteral("point_keys"), double(keys.size()));
        us.clear();
        {
            ReadModelHost host(store, bothDb);
            const QString model = QStringLiteral("balance");
            for (size_t i = 0; i < 1000; ++i)
                host.get(model, keys[picks[i % picks.size()]]);
            for (size_t p : picks) {
                const auto start = Clock::now();
                const std::optional<ReadEntry> e = host.get(model, keys[p]);
                us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
                found += e ? 1 : 0;
            }
        }
        const Latencies pooled = latencies(us);
        figures.add(QStringLiteral("host_point_p50_us"), pooled.p50);
        figures.add(QStringLiteral("host_point_p99_us"), pooled.p99);
        if (found != 2 * queries)
            std::fprintf(stderr, "eventlens-bench-readmodel: %lld of %lld keys not found\n", 2 * queries - found, 2 * queries);
        if (!json) {
            out() << "point query, " << number(double(queries)) << " random keys of " << number(double(keys.size()))
                  << " accounts: p50 " << number(direct.p50, 1) << " µs, p99 " << number(direct.p99, 1) << " µs, max "
                  << number(direct.max, 1) << " µs (ReadDatabase::get); through ReadModelHost::get: p50 " << number(pooled.p50, 1)
                  << " µs, p99 " << number(pooled.p99, 1) << " µs" << Qt::endl;
        }

        // 3. A filter.
        {
            ReadDatabase db(bothDb, ReadDatabase::OpenMode::ReadOnly);
            const std::vector<ReadFilter> filters{*ReadFilter::parse(QStringLiteral("balance>1000")),
                                                  *ReadFilter::parse(QStringLiteral("status=open"))};
            db.query(QStringLiteral("balance"), filters); // warm
            const auto start = Clock::now();
            const size_t matches = db.query(QStringLiteral("balance"), filters).size();
            const double ms = msSince(start);
            figures.add(QStringLiteral("filter_ms"), ms);
            figures.add(QStringLiteral("filter_matches"), double(matches));
            if (!json) {
                out() << "filter balance>1000 and status=open over " << number(double(keys.size())) << " entries: " << number(ms, 1)
                      << " ms, " << number(double(matches)) << " matches" << Qt::endl;
            }
        }

        // 4. The saved projection state.
        {
            ReadDatabase db(bothDb, ReadDatabase::OpenMode::ReadOnly);
            for (const ReadModelDefinition *d : {&balance, &orders}) {
                const std::optional<ReadDatabase::SavedState> saved = db.loadState(d->name);
                if (!saved)
                    continue;
                Projection projection(d->script);
                projection.restore(saved->state);
                const auto start = Clock::now();
                const QByteArray again = projection.checkpoint();
                const double ms = msSince(start);
                figures.add(QStringLiteral("state_%1_mib").arg(d->name), double(saved->state.size()) / (1 << 20));
                figures.add(QStringLiteral("state_%1_checkpoint_ms").arg(d->name), ms);
                if (!json) {
                    out() << "saved state of " << d->name << ": " << number(double(saved->state.size()) / (1 << 20), 1)
                          << " MiB, Projection::checkpoint() " << number(ms, 0) << " ms" << Qt::endl;
                }
                Q_UNUSED(again);
            }
        }

        // 5. Live: append -> visible.
        {
            const QString livePath = work.filePath(QStringLiteral("live.eventlens"));
            DemoOptions options;
            options.events = 10000;
            DemoGenerator::createStore(livePath, options);
            auto live = EventStore::open(livePath);
            Projector projector(*live, balance, work.filePath(QStringLiteral("live.read")));
            projector.start();
            projector.waitUntilCaughtUp(live->headPosition(), kForever);
            std::vector<double> ms;
            for (int i = 0; i < 300; ++i) {
                NewEvent e;
                e.type = QStringLiteral("Deposited");
                e.data = QByteArrayLiteral("{\"amount\":1.25,\"currency\":\"EUR\",\"source\":\"cash\"}");
                const auto start = Clock::now();
                const AppendResult r = live->append(QStringLiteral("account-1"), ExpectedVersion::any(), {e});
                projector.waitUntilCaughtUp(r.lastPosition, kForever);
                ms.push_back(msSince(start));
            }
            projector.stop();
            const Latencies l = latencies(ms);
            figures.add(QStringLiteral("live_p50_ms"), l.p50);
            figures.add(QStringLiteral("live_p99_ms"), l.p99);
            if (!json) {
                out() << "live: durable append until the balance model shows it, p50 " << number(l.p50, 2) << " ms, p99 "
                      << number(l.p99, 2) << " ms (300 appends)" << Qt::endl;
            }
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "eventlens-bench-readmodel: %s\n", e.what());
        return 1;
    }
    figures.add(QStringLiteral("peak_rss_mib"), double(procStatusKb("VmHWM")) / 1024);
    if (json)
        std::printf("%s\n", QJsonDocument(figures.json).toJson(QJsonDocument::Compact).constData());
    else
        out() << "peak RSS " << number(double(procStatusKb("VmHWM")) / 1024) << " MiB" << Qt::endl;
    return 0;
}

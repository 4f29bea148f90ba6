// eventlens-bench-logmodel: figures for the event log model on a big store (DESIGN.md §8: "open a
// 10-million-event store in the GUI, first rows shown ≤ 0.3 s, ≤ 200 MB resident"). Not a test:
// it prints numbers.
//
//   eventlens-bench-logmodel [--store PATH] [--events N] [--windows N] [--rows N] [--seed S] [--json]
//
// 1. creates a demo store of N events with DemoGenerator (as `eventlens-cli demo` does; 10M
//    events take minutes), or reuses the one at PATH;
// 2. opens it read-only and shows it in an EventListModel: time until the first rows are
//    there (without a view: the count's first report; with a view: its synchronous fetchMore());
// 3. the count: time until the whole log is counted (anchors every page);
// 4. rows in the middle and near the end: request (data() for a window of rows, as a view
//    painting them) until every row of the window has arrived;
// 5. the same for random windows all over the log, then resident memory (VmRSS, VmHWM);
// 6. a filtered view (category + type) and the log newest first: count and first rows.
// Build it in Release: a Debug or sanitizer build measures the instrumentation.

#include "benchsupport.h"
#include "aggregatehistory.h"
#include "demogenerator.h"
#include "eventlistmodel.h"
#include "eventstore.h"
#include "mergestatefunction.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTextStream>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>

using namespace eventlens;

namespace {

using namespace eventlens::bench;

QString mib(qint64 kb)
{
    return number(double(kb) / 1024.0, 1) + QStringLiteral(" MiB");
}

void heading(const QString &text)
{
    out() << "\n== " << text << " ==\n";
    out().flush();
}

void line(const QString &what, const QString &value)
{
    out() << "  " << what.leftJustified(46, QLatin1Char('.')) << ' ' << value << '\n';
    out().flush();
}

// Runs the event loop until done() (the model's workers report through queued calls).
bool waitUntil(const std::function<bool()> &done, int timeoutMs = 600000)
{
    QElapsedTimer timer;
    timer.start();
    QEventLoop loop;
    QTimer tick; // wakes the loop now and then even when nothing arrives
    tick.start(20);
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        loop.processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

// What a view does when it paints rows first..first+rows-1: data() for every cell.
void paint(const EventListModel &model, int first, int rows)
{
    const int last = std::min(first + rows, model.rowCount());
    for (int row = first; row < last; ++row) {
        for (int column = 0; column < EventListModel::ColumnCount; ++column)
            model.index(row, column).data();
    }
}

bool windowLoaded(const EventListModel &model, int first, int rows)
{
    const int last = std::min(first + rows, model.rowCount());
    for (int row = first; row < last; ++row) {
        if (!model.index(row, 0).data(EventListModel::LoadedRole).toBool())
            return false;
    }
    return true;
}

// Paints a window and waits until all its rows have arrived; milliseconds.
double showWindow(const EventListModel &model, int first, int rows)
{
    const auto start = Clock::now();
    paint(model, first, rows);
    if (!waitUntil([&] { return windowLoaded(model, first, rows); }))
        throw StoreError(QStringLiteral("rows %1.. never arrived").arg(first));
    return msSince(start);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("eventlens-bench-logmodel"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Figures of the event log model (EventListModel) on a big store."));
    parser.addHelpOption();
    const QCommandLineOption storeOpt(QStringLiteral("store"),
                                      QStringLiteral("The store to use; created with N demo events when missing "
                                                     "(default: eventlens-bench-logmodel-N.eventlens in the temporary folder, kept)."),
                                      QStringLiteral("PATH"));
    const QCommandLineOption eventsOpt(QStringLiteral("events"), QStringLiteral("Events of a new store (default 10000000)."),
                                       QStringLiteral("N"), QStringLiteral("10000000"));
    const QCommandLineOption windowsOpt(QStringLiteral("windows"), QStringLiteral("Random windows shown (default 1000)."),
                                        QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption rowsOpt(QStringLiteral("rows"), QStringLiteral("Rows of a window (default 40)."),
                                     QStringLiteral("N"), QStringLiteral("40"));
    const QCommandLineOption seedOpt(QStringLiteral("seed"), QStringLiteral("Seed of the random windows (default 1)."),
                                     QStringLiteral("S"), QStringLiteral("1"));
    const QCommandLineOption jsonOpt(QStringLiteral("json"), QStringLiteral("Also print the figures as one JSON object."));
    parser.addOptions({storeOpt, eventsOpt, windowsOpt, rowsOpt, seedOpt, jsonOpt});
    parser.process(app);

    const auto count = [&](const QCommandLineOption &opt) {
        bool ok = false;
        const qint64 v = parser.value(opt).toLongLong(&ok);
        if (!ok || v < 1) {
            out() << "eventlens-bench-logmodel: error: --" << opt.names().constFirst() << " needs a positive number\n";
            out().flush();
            std::exit(2);
        }
        return v;
    };
    const qint64 events = count(eventsOpt);
    const int windows = int(count(windowsOpt));
    const int windowRows = int(count(rowsOpt));
    const quint64 seed = quint64(count(seedOpt));
    const QString path = parser.isSet(storeOpt)
                             ? parser.value(storeOpt)
                             : QDir(QDir::tempPath()).filePath(QStringLiteral("eventlens-bench-logmodel-%1.eventlens").arg(events));

    Figures figures;
    try {
        out() << "eventlens-bench-logmodel, build " << EVENTLENS_BENCH_BUILD_TYPE << '\n';
        // -- 1. the store ---------------------------------------------------------------------
        heading(QStringLiteral("Store"));
        if (!QFileInfo::exists(path)) {
            out() << "  creating a demo store of " << number(double(events)) << " events at " << path << " …\n";
            out().flush();
            DemoOptions options;
            options.events = events;
            int lastPercent = -1;
            const auto start = Clock::now();
            const DemoResult result = DemoGenerator::createStore(path, options, [&](qint64 done, qint64 total) {
                const int percent = total > 0 ? int(done * 100 / total) : 0;
                if (percent / 10 != lastPercent / 10) {
                    out() << "    " << percent << "%\n";
                    out().flush();
                }
                lastPercent = percent;
                return true;
            });
            line(QStringLiteral("created"), number(double(result.events)) + QStringLiteral(" events in ")
                                                + number(msSince(start) / 1000.0, 1) + QStringLiteral(" s"));
        }
        line(QStringLiteral("store"), path + QStringLiteral(" (") + number(double(QFileInfo(path).size()) / 1048576.0, 0)
                                          + QStringLiteral(" MiB)"));
        const qint64 rssStart = procStatusKb("VmRSS");
        line(QStringLiteral("resident before opening"), mib(rssStart));

        // -- 2. open, first rows --------------------------------------------------------------
        heading(QStringLiteral("Open the store read-only and show its log (EventListModel)"));
        auto start = Clock::now();
        std::shared_ptr<EventStore> store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
        EventListModel model;
        double countMs = -1;
        QObject::connect(&model, &EventListModel::countChanged, &model, [&] { countMs = msSince(start); });
        model.setStore(store);
        const double setStoreMs = msSince(start);
        if (!waitUntil([&] { return model.rowCount() > 0 && windowLoaded(model, 0, windowRows); }))
            throw StoreError(QStringLiteral("no first rows"));
        const double firstRowsMs = msSince(start);
        line(QStringLiteral("setStore() returned after"), number(setStoreMs, 2) + QStringLiteral(" ms"));
        line(QStringLiteral("first rows there after (no view)"),
             number(firstRowsMs, 2) + QStringLiteral(" ms   (") + number(model.rowCount()) + QStringLiteral(" rows counted by then; budget <= 300 ms)"));
        figures.add(QStringLiteral("first_rows_ms"), firstRowsMs);
        {
            // What a view does on an empty model: fetchMore() on the GUI thread, one page.
            const auto viewStart = Clock::now();
            EventListModel viewModel;
            viewModel.setStore(EventStore::open(path, EventStore::OpenMode::ReadOnly));
            if (viewModel.canFetchMore({}))
                viewModel.fetchMore({});
            const bool shown = viewModel.rowCount() > 0 && windowLoaded(viewModel, 0, windowRows);
            const double ms = msSince(viewStart);
            line(QStringLiteral("first rows there after (a view's fetchMore)"),
                 number(ms, 2) + QStringLiteral(" ms") + (shown ? QString() : QStringLiteral("   (NOT shown)")));
            figures.add(QStringLiteral("first_rows_fetchmore_ms"), ms);
        }

        // -- 3. the count ---------------------------------------------------------------------
        if (!waitUntil([&] { return model.totalCount() >= 0; }))
            throw StoreError(QStringLiteral("the count never ended"));
        if (!model.lastError().isEmpty())
            throw StoreError(model.lastError());
        line(QStringLiteral("whole log counted after"), number(countMs, 0) + QStringLiteral(" ms   (") + number(double(model.totalCount()))
                                                           + QStringLiteral(" rows, an anchor every ") + number(model.pageSize())
                                                           + QStringLiteral(")"));
        figures.add(QStringLiteral("count_ms"), countMs);
        figures.add(QStringLiteral("rows"), double(model.totalCount()));
        line(QStringLiteral("resident after the count"), mib(procStatusKb("VmRSS")));

        // -- 4. middle and end ----------------------------------------------------------------
        heading(QStringLiteral("Rows in the middle and at the end (data() for a window, until all its rows are there)"));
        const int rows = model.rowCount();
        const struct {
            const char *name;
            const char *key;
            int row;
        } places[] = {
            {"middle", "middle_ms", rows / 2},
            {"at the end (last page: comes with the count)", "end_ms", std::max(0, rows - windowRows)},
            {"near the end (3 pages before)", "near_end_ms", std::max(0, rows - 3 * model.pageSize() - windowRows)},
            {"a quarter in", "quarter_ms", rows / 4},
        };
        for (const auto &place : places) {
            const double ms = showWindow(model, place.row, windowRows);
            line(QString::fromLatin1(place.name), number(ms, 2) + QStringLiteral(" ms   (row ") + number(place.row) + QLatin1Char(')'));
            figures.add(QString::fromLatin1(place.key), ms);
        }

        // -- 5. random windows, memory --------------------------------------------------------
        heading(QStringLiteral("%1 random windows of %2 rows").arg(windows).arg(windowRows));
        std::mt19937_64 random(seed);
        std::vector<double> latencies;
        latencies.reserve(size_t(windows));
        int mostPages = 0;
        const auto windowsStart = Clock::now();
        for (int i = 0; i < windows; ++i) {
            const int first = int(random() % quint64(std::max(1, rows - windowRows + 1)));
            latencies.push_back(showWindow(model, first, windowRows));
            mostPages = std::max(mostPages, model.cachedPageCount());
        }
        const double windowsMs = msSince(windowsStart);
        line(QStringLiteral("window shown after, median"), number(percentile(latencies, 50), 2) + QStringLiteral(" ms"));
        line(QStringLiteral("p95 / p99 / max"), number(percentile(latencies, 95), 2) + QStringLiteral(" / ")
                                                    + number(percentile(latencies, 99), 2) + QStringLiteral(" / ")
                                                    + number(percentile(latencies, 100), 2) + QStringLiteral(" ms"));
        line(QStringLiteral("all windows"), number(windowsMs / 1000.0, 2) + QStringLiteral(" s"));
        line(QStringLiteral("pages cached at most"), number(mostPages) + QStringLiteral(" (capacity ") + number(model.cacheCapacity())
                                                         + QStringLiteral(" pages of ") + number(model.pageSize()) + QStringLiteral(" rows)"));
        const qint64 rss = procStatusKb("VmRSS");
        const qint64 hwm = procStatusKb("VmHWM");
        line(QStringLiteral("resident now (VmRSS)"), mib(rss) + QStringLiteral("   (budget <= 200 MB)"));
        line(QStringLiteral("resident at most (VmHWM)"), mib(hwm));
        figures.add(QStringLiteral("window_median_ms"), percentile(latencies, 50));
        figures.add(QStringLiteral("window_p99_ms"), percentile(latencies, 99));
        figures.add(QStringLiteral("window_max_ms"), percentile(latencies, 100));
        figures.add(QStringLiteral("vmrss_kb"), double(rss));
        figures.add(QStringLiteral("vmhwm_kb"), double(hwm));

        // -- 6. other views -------------------------------------------------------------------
        heading(QStringLiteral("Other views of the same log"));
        const auto view = [&](const QString &name, const QString &key, const EventQuery &query) {
            const auto viewStart = Clock::now();
            model.setQuery(query);
            if (!waitUntil([&] { return model.totalCount() == 0 || (model.rowCount() > 0 && windowLoaded(model, 0, windowRows)); }))
                throw StoreError(QStringLiteral("no first rows for %1").arg(name));
            const double first = msSince(viewStart);
            if (!waitUntil([&] { return model.totalCount() >= 0; }))
                throw StoreError(QStringLiteral("no count for %1").arg(name));
            const double counted = msSince(viewStart);
            const double middle = model.rowCount() > 0 ? showWindow(model, model.rowCount() / 2, windowRows) : 0;
            line(name, QStringLiteral("first rows %1 ms, counted %2 ms (%3 rows), middle %4 ms")
                           .arg(number(first, 2), number(counted, 0), number(double(model.totalCount())), number(middle, 2)));
            figures.add(key + QStringLiteral("_first_rows_ms"), first);
            figures.add(key + QStringLiteral("_count_ms"), counted);
        };
        EventQuery newestFirst;
        newestFirst.backward = true;
        view(QStringLiteral("newest first"), QStringLiteral("backward"), newestFirst);
        EventQuery filtered;
        filtered.category = QStringLiteral("account");
        filtered.types = {QStringLiteral("Withdrawn")};
        view(QStringLiteral("category account, type Withdrawn"), QStringLiteral("filtered"), filtered);
        EventQuery types;
        types.types = {QStringLiteral("OrderShipped"), QStringLiteral("AccountClosed")};
        types.backward = true;
        view(QStringLiteral("two types, newest first"), QStringLiteral("types"), types);

        // -- 7. aggregate state at random versions ------------------------------------------------
        // What the state pane does for a selected event: load the stream's history (checkpoints)
        // once, then the state at any version of it. Streams are picked at random positions of
        // the log, versions at random in each stream.
        heading(QStringLiteral("State of an aggregate at a random version (merge state function, checkpoints)"));
        {
            std::mt19937_64 rng(42);
            const auto function = std::make_shared<MergeStateFunction>();
            std::vector<double> loads;
            std::vector<double> states;
            qint64 longest = 0;
            for (int i = 0; i < 50; ++i) {
                const qint64 position = 1 + qint64(rng() % quint64(store->headPosition()));
                const std::optional<Event> event = store->eventAt(position);
                if (!event)
                    continue;
                auto t0 = Clock::now();
                const std::unique_ptr<AggregateHistory> history = AggregateHistory::load(*store, event->stream, function);
                loads.push_back(msSince(t0));
                longest = std::max(longest, history->count());
                for (int k = 0; k < 20; ++k) {
                    const qint64 version = history->firstVersion() + qint64(rng() % quint64(history->count()));
                    t0 = Clock::now();
                    const auto state = history->stateAt(version);
                    states.push_back(msSince(t0));
                    if (state.is_null())
                        throw StoreError(QStringLiteral("no state for %1@%2").arg(event->stream).arg(version));
                }
            }
            line(QStringLiteral("load a stream's history, median / max"), number(percentile(loads, 50), 2) + QStringLiteral(" / ")
                                                                           + number(percentile(loads, 100), 2) + QStringLiteral(" ms   (")
                                                                           + number(double(loads.size())) + QStringLiteral(" streams, longest ")
                                                                           + number(double(longest)) + QStringLiteral(" events)"));
            line(QStringLiteral("state at a random version, median / p99 / max"),
                 number(percentile(states, 50), 3) + QStringLiteral(" / ") + number(percentile(states, 99), 3) + QStringLiteral(" / ")
                     + number(percentile(states, 100), 3) + QStringLiteral(" ms   (budget <= 20 ms)"));
            figures.add(QStringLiteral("state_load_median_ms"), percentile(loads, 50));
            figures.add(QStringLiteral("state_p99_ms"), percentile(states, 99));
        }
        line(QStringLiteral("resident at most (VmHWM), all phases"), mib(procStatusKb("VmHWM")));
        figures.add(QStringLiteral("vmhwm_end_kb"), double(procStatusKb("VmHWM")));
    } catch (const std::exception &e) {
        out() << "eventlens-bench-logmodel: error: " << e.what() << '\n';
        out().flush();
        return 1;
    }

    if (parser.isSet(jsonOpt))
        out() << QJsonDocument(figures.json).toJson(QJsonDocument::Compact) << '\n';
    out().flush();
    return 0;
}

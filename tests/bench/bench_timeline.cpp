// eventlens-bench-timeline: how long the timeline histogram (TimelineHistogram) takes. Not a
// test: it prints numbers.
//
//   eventlens-bench-timeline [--events N] [--store PATH] [--dir DIR] [--repeat K] [--json]
//
// Uses the demo store at --store PATH (creating it there with N demo events, as
// `eventlens-cli demo` does, when it does not exist), or creates a demo store of N events
// (default 1,000,000) in a temporary directory. Then, for the whole log, a type filter, a
// category filter and a one-week time range:
//   * the histogram in the background, as the GUI runs it (TimelineHistogram::start() to
//     finished(): opening the worker's connection, the scan, the buckets), K times, best and
//     median wall time and the CPU time of the best;
//   * for comparison, the same events read in full (EventStore::forEach) once, which is what a
//     histogram built on forEach would cost at least (--no-baseline skips it);
// and at the end the peak resident memory of the process.
// The store's pages are in the OS cache after the first run (the figures are warm-cache ones).
// Build it in Release: a Debug or sanitizer build measures the instrumentation.

#include "benchsupport.h"
#include "demogenerator.h"
#include "eventquery.h"
#include "eventstore.h"
#include "timelinehistogram.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <sys/resource.h>
#include <vector>

using namespace eventlens;

namespace {

using namespace eventlens::bench;

QString widthText(qint64 ms)
{
    if (ms % (7 * 86400000LL) == 0)
        return QStringLiteral("%1 w").arg(ms / (7 * 86400000LL));
    if (ms % 86400000 == 0)
        return QStringLiteral("%1 d").arg(ms / 86400000);
    if (ms % 3600000 == 0)
        return QStringLiteral("%1 h").arg(ms / 3600000);
    if (ms % 60000 == 0)
        return QStringLiteral("%1 min").arg(ms / 60000);
    if (ms % 1000 == 0)
        return QStringLiteral("%1 s").arg(ms / 1000);
    return QStringLiteral("%1 ms").arg(ms);
}

struct Run
{
    bool ok = false;
    QString error;
    double seconds = 0;
    double cpuSeconds = 0;
    TimelineBuckets buckets;
};

// One background computation, start() to finished(), as the GUI runs it.
Run runHistogram(const std::shared_ptr<const EventStore> &store, const EventQuery &query)
{
    TimelineHistogram histogram;
    QEventLoop loop;
    Run run;
    QObject::connect(&histogram, &TimelineHistogram::finished, &loop, [&](quint64, const TimelineBuckets &buckets) {
        run.ok = true;
        run.buckets = buckets;
        loop.quit();
    });
    QObject::connect(&histogram, &TimelineHistogram::failed, &loop, [&](quint64, const QString &message, bool) {
        run.error = message;
        loop.quit();
    });
    const auto start = Clock::now();
    const double cpuStart = processCpuSeconds();
    histogram.start(store, query);
    loop.exec();
    run.seconds = secondsSince(start);
    run.cpuSeconds = processCpuSeconds() - cpuStart;
    return run;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("eventlens-bench-timeline"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Time of the timeline histogram (events per time bucket)."));
    parser.addHelpOption();
    const QCommandLineOption eventsOption(QStringLiteral("events"), QStringLiteral("Demo events to generate (default 1000000)."),
                                          QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption storeOption(QStringLiteral("store"), QStringLiteral("Use this demo store; created there when missing."),
                                         QStringLiteral("PATH"));
    const QCommandLineOption dirOption(QStringLiteral("dir"), QStringLiteral("Directory for the temporary store."), QStringLiteral("DIR"));
    const QCommandLineOption repeatOption(QStringLiteral("repeat"), QStringLiteral("Runs per case (default 3)."), QStringLiteral("K"),
                                          QStringLiteral("3"));
    const QCommandLineOption noBaselineOption(QStringLiteral("no-baseline"), QStringLiteral("Skip reading the events in full."));
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print the figures as one JSON object."));
    parser.addOptions({eventsOption, storeOption, dirOption, repeatOption, noBaselineOption, jsonOption});
    parser.process(app);

    bool ok = false;
    const qint64 events = parser.value(eventsOption).toLongLong(&ok);
    if (!ok || events < 1) {
        std::fprintf(stderr, "eventlens-bench-timeline: --events must be a positive number\n");
        return 2;
    }
    const int repeat = parser.value(repeatOption).toInt(&ok);
    if (!ok || repeat < 1) {
        std::fprintf(stderr, "eventlens-bench-timeline: --repeat must be a positive number\n");
        return 2;
    }
    const bool json = parser.isSet(jsonOption);

    QJsonObject figures;
    const DemoStore demo = openDemoStore("eventlens-bench-timeline", parser.value(storeOption),
                                         parser.isSet(dirOption) ? parser.value(dirOption) : QString(), events, json);
    if (!demo.store)
        return 1;
    if (demo.demoSeconds >= 0)
        figures.insert(QStringLiteral("demo_seconds"), demo.demoSeconds);
    const std::shared_ptr<const EventStore> store = demo.store;
    const QString path = demo.path;
    const qint64 total = store->headPosition();
    figures.insert(QStringLiteral("store"), path);
    figures.insert(QStringLiteral("events"), total);
    figures.insert(QStringLiteral("build_type"), QStringLiteral(EVENTLENS_BENCH_BUILD_TYPE));
    if (!json)
        out() << "store " << path << ": " << number(double(total)) << " events (" << EVENTLENS_BENCH_BUILD_TYPE << " build), "
              << repeat << " runs per case" << Qt::endl;

    struct Case
    {
        const char *key;
        QString label;
        EventQuery query;
    };
    std::vector<Case> cases;
    cases.push_back({"whole_log", QStringLiteral("whole log"), {}});
    {
        EventQuery q;
        q.types = {QStringLiteral("Withdrawn")};
        cases.push_back({"type", QStringLiteral("type Withdrawn"), q});
    }
    {
        EventQuery q;
        q.category = QStringLiteral("order");
        cases.push_back({"category", QStringLiteral("category order"), q});
    }
    {
        // The demo's third week.
        EventQuery q;
        q.sinceMs = DemoOptions().startTimeMs + 14 * 86400000LL;
        q.untilMs = *q.sinceMs + 7 * 86400000LL;
        cases.push_back({"week", QStringLiteral("one week (time range)"), q});
    }

    QJsonArray results;
    for (const Case &c : cases) {
        std::vector<Run> runs;
        for (int i = 0; i < repeat; ++i) {
            Run run = runHistogram(store, c.query);
            if (!run.ok) {
                std::fprintf(stderr, "eventlens-bench-timeline: %s: %s\n", c.key, qPrintable(run.error));
                return 1;
            }
            runs.push_back(std::move(run));
        }
        std::sort(runs.begin(), runs.end(), [](const Run &a, const Run &b) { return a.seconds < b.seconds; });
        const Run &best = runs.front();
        const double median = runs[runs.size() / 2].seconds;
        const qint64 counted = best.buckets.total;

        double fullSeconds = 0;
        if (!parser.isSet(noBaselineOption)) {
            const auto start = Clock::now();
            qint64 read = 0;
            store->forEach(c.query, [&](const Event &) {
                ++read;
                return true;
            });
            fullSeconds = secondsSince(start);
            if (read != counted) {
                std::fprintf(stderr, "eventlens-bench-timeline: %s: the histogram counted %lld events, forEach read %lld\n", c.key,
                             static_cast<long long>(counted), static_cast<long long>(read));
                return 1;
            }
        }

        QJsonObject result;
        result.insert(QStringLiteral("case"), QString::fromLatin1(c.key));
        result.insert(QStringLiteral("events"), counted);
        result.insert(QStringLiteral("buckets"), best.buckets.size());
        result.insert(QStringLiteral("bucket_width_ms"), best.buckets.bucketWidthMs);
        result.insert(QStringLiteral("time_index"), EventStore::forEachTimeUsesTimeIndex(c.query));
        result.insert(QStringLiteral("best_s"), best.seconds);
        result.insert(QStringLiteral("median_s"), median);
        result.insert(QStringLiteral("best_cpu_s"), best.cpuSeconds);
        result.insert(QStringLiteral("events_per_s"), double(counted) / best.seconds);
        if (fullSeconds > 0)
            result.insert(QStringLiteral("full_read_s"), fullSeconds);
        results.append(result);
        if (!json) {
            QString line = QStringLiteral("%1 %2 events, %3 buckets of %4: best %5 s, median %6 s (CPU %7 s; %8 events/s; %9)")
                               .arg(c.label.leftJustified(22), number(double(counted)).rightJustified(10))
                               .arg(best.buckets.size())
                               .arg(widthText(best.buckets.bucketWidthMs), number(best.seconds, 3), number(median, 3),
                                    number(best.cpuSeconds, 3), number(double(counted) / best.seconds),
                                    EventStore::forEachTimeUsesTimeIndex(c.query) ? QStringLiteral("time index")
                                                                                   : QStringLiteral("log order"));
            if (fullSeconds > 0)
                line += QStringLiteral("; reading these events in full: %1 s").arg(number(fullSeconds, 3));
            out() << line << Qt::endl;
        }
    }
    figures.insert(QStringLiteral("histograms"), results);
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    figures.insert(QStringLiteral("peak_rss_mib"), double(usage.ru_maxrss) / 1024.0);
    if (!json)
        out() << "peak resident memory of this process: " << number(double(usage.ru_maxrss) / 1024.0, 1) << " MiB" << Qt::endl;
    if (json)
        out() << QJsonDocument(figures).toJson(QJsonDocument::Compact) << Qt::endl;
    return 0;
}

// eventlens-bench-predicate: throughput of the JavaScript predicate filter. Not a test: it prints
// numbers.
//
//   eventlens-bench-predicate [--events N] [--store PATH] [--dir DIR] [--memory N] [--threads LIST]
//                             [--predicate JS]... [--json]
//
// Uses the demo store at --store PATH (creating it there with N demo events when it does not
// exist), or creates a demo store of N events (default 1,000,000) in a temporary directory.
// Then, for a few predicates:
//   * the whole background scan (PredicateScan: read-only connections, store read, JavaScript) in
//     events/s of the log, with one worker and with --threads workers;
//   * the predicate alone (EventPredicate::evaluate) over the first --memory events held in memory.
// Rates are given per wall-clock second and per CPU second of the process (the latter is what
// to compare on a machine shared with other work).
// The first line is the store read alone (EventStore::forEach), the floor under every scan.
// Build it in Release: a Debug or sanitizer build measures the instrumentation.

#include "benchsupport.h"
#include "demogenerator.h"
#include "eventpredicate.h"
#include "eventquery.h"
#include "eventstore.h"
#include "predicatescan.h"

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
#include <QThread>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <vector>

using namespace eventlens;

namespace {

using namespace eventlens::bench;

struct ScanResult
{
    bool ok = false;
    QString error;
    double seconds = 0;
    double cpuSeconds = 0;
    PredicateScanStats stats;
};

ScanResult runScan(const std::shared_ptr<const EventStore> &store, const EventQuery &query, const QString &predicate, int threads)
{
    PredicateScan scan;
    scan.setThreadCount(threads);
    QEventLoop loop;
    ScanResult result;
    QObject::connect(&scan, &PredicateScan::finished, &loop,
                     [&](quint64, const PredicateScan::Positions &, const PredicateScanStats &stats) {
                         result.ok = true;
                         result.stats = stats;
                         loop.quit();
                     });
    QObject::connect(&scan, &PredicateScan::failed, &loop,
                     [&](quint64, const QString &message, bool, const PredicateScanStats &stats) {
                         result.error = message;
                         result.stats = stats;
                         loop.quit();
                     });
    const auto start = Clock::now();
    const double cpuStart = processCpuSeconds();
    scan.start(store, query, predicate);
    loop.exec();
    result.seconds = secondsSince(start);
    result.cpuSeconds = processCpuSeconds() - cpuStart;
    return result;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("eventlens-bench-predicate"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Throughput of the JavaScript predicate filter."));
    parser.addHelpOption();
    const QCommandLineOption eventsOption(QStringLiteral("events"), QStringLiteral("Demo events to generate (default 1000000)."),
                                          QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption storeOption(QStringLiteral("store"), QStringLiteral("Use this demo store; created there when missing."),
                                         QStringLiteral("PATH"));
    const QCommandLineOption dirOption(QStringLiteral("dir"), QStringLiteral("Directory for the temporary store."), QStringLiteral("DIR"));
    const QCommandLineOption memoryOption(QStringLiteral("memory"),
                                          QStringLiteral("Events held in memory for the predicate-only figures (default 200000)."),
                                          QStringLiteral("N"), QStringLiteral("200000"));
    const QCommandLineOption predicateOption(QStringLiteral("predicate"),
                                             QStringLiteral("Measure this predicate instead of the standard ones (repeatable)."),
                                             QStringLiteral("JS"));
    const QCommandLineOption threadsOption(QStringLiteral("threads"),
                                           QStringLiteral("Worker counts to measure, comma-separated (default 1 and the ideal thread count)."),
                                           QStringLiteral("LIST"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print the figures as one JSON object."));
    parser.addOptions({eventsOption, storeOption, dirOption, memoryOption, predicateOption, threadsOption, jsonOption});
    parser.process(app);

    bool ok = false;
    const qint64 events = parser.value(eventsOption).toLongLong(&ok);
    if (!ok || events < 1) {
        std::fprintf(stderr, "eventlens-bench-predicate: --events must be a positive number\n");
        return 2;
    }
    const qint64 memoryEvents = parser.value(memoryOption).toLongLong(&ok);
    if (!ok || memoryEvents < 0) {
        std::fprintf(stderr, "eventlens-bench-predicate: --memory must be a number\n");
        return 2;
    }
    const bool json = parser.isSet(jsonOption);
    std::vector<int> threadCounts;
    if (parser.isSet(threadsOption)) {
        const QStringList values = parser.value(threadsOption).split(u',', Qt::SkipEmptyParts);
        for (const QString &value : values) {
            const int threads = value.trimmed().toInt(&ok);
            if (!ok || threads < 1) {
                std::fprintf(stderr, "eventlens-bench-predicate: --threads takes positive numbers\n");
                return 2;
            }
            threadCounts.push_back(threads);
        }
    } else {
        threadCounts.push_back(1);
        if (QThread::idealThreadCount() > 1)
            threadCounts.push_back(QThread::idealThreadCount());
    }

    QJsonObject figures;
    const DemoStore demo = openDemoStore("eventlens-bench-predicate", parser.value(storeOption),
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
        out() << "store " << path << ": " << number(double(total)) << " events (" << EVENTLENS_BENCH_BUILD_TYPE << " build)" << Qt::endl;

    // The floor: reading the log.
    {
        const auto start = Clock::now();
        const double cpuStart = processCpuSeconds();
        qint64 read = 0;
        store->forEach({}, [&](const Event &) {
            ++read;
            return true;
        });
        const double seconds = secondsSince(start);
        const double cpuSeconds = processCpuSeconds() - cpuStart;
        figures.insert(QStringLiteral("read_events_per_s"), double(read) / seconds);
        figures.insert(QStringLiteral("read_events_per_cpu_s"), double(read) / cpuSeconds);
        if (!json)
            out() << QStringLiteral("%1  %2 events/s (%3 s; %4 events per CPU second)")
                         .arg(QStringLiteral("store read (EventStore::forEach), no predicate").leftJustified(68), number(double(read) / seconds).rightJustified(10),
                              number(seconds, 2), number(double(read) / cpuSeconds))
                  << Qt::endl;
    }

    // Events in memory for the predicate-only figures.
    std::vector<Event> sample;
    if (memoryEvents > 0) {
        EventQuery query;
        query.limit = memoryEvents;
        sample = store->read(query);
    }

    struct Case
    {
        const char *key;
        QString predicate;
    };
    std::vector<Case> cases = {
        {"blank", QString()},
        {"data", QStringLiteral("e.data.amount > 100")},
        {"type", QStringLiteral("e.type == 'Deposited'")},
        {"metadata", QStringLiteral("e.metadata.userId == 'user-7'")},
        {"arrow_time", QStringLiteral("e => e.time >= '2024-02-01' && e.category == 'order'")},
    };
    if (parser.isSet(predicateOption)) {
        cases.clear();
        const QStringList predicates = parser.values(predicateOption);
        for (const QString &predicate : predicates)
            cases.push_back({"custom", predicate});
    }
    QJsonArray results;
    for (const Case &c : cases) {
        QJsonObject result;
        result.insert(QStringLiteral("predicate"), c.predicate);
        const QString label = c.predicate.isEmpty() ? QStringLiteral("(blank: SQL only)") : c.predicate;
        QJsonArray scans;
        for (const int threads : threadCounts) {
            const ScanResult scan = runScan(store, {}, c.predicate, threads);
            if (!scan.ok) {
                std::fprintf(stderr, "eventlens-bench-predicate: %s: %s\n", c.key, qPrintable(scan.error));
                return 1;
            }
            const double rate = double(scan.stats.scanned) / scan.seconds;
            const double cpuRate = double(scan.stats.scanned) / scan.cpuSeconds;
            QJsonObject figure;
            figure.insert(QStringLiteral("threads"), threads);
            figure.insert(QStringLiteral("events_per_s"), rate);
            figure.insert(QStringLiteral("seconds"), scan.seconds);
            figure.insert(QStringLiteral("events_per_cpu_s"), cpuRate);
            figure.insert(QStringLiteral("matched"), scan.stats.matched);
            figure.insert(QStringLiteral("runtime_errors"), scan.stats.runtimeErrors);
            scans.append(figure);
            if (!json) {
                QString line = QStringLiteral("scan  %1 %2 thread%3  %4 events/s  (%5 s; %6 events per CPU second; %7 matched")
                                   .arg(label.leftJustified(52), QString::number(threads).rightJustified(2),
                                        threads == 1 ? QStringLiteral(" ") : QStringLiteral("s"), number(rate).rightJustified(10),
                                        number(scan.seconds, 2), number(cpuRate), number(double(scan.stats.matched)));
                if (scan.stats.runtimeErrors > 0)
                    line += QStringLiteral(", %1 runtime errors").arg(number(double(scan.stats.runtimeErrors)));
                out() << line << u')' << Qt::endl;
            }
        }
        result.insert(QStringLiteral("scans"), scans);

        if (!sample.empty() && !c.predicate.isEmpty()) {
            EventPredicate predicate(c.predicate);
            qint64 matched = 0;
            const double cpuStart = processCpuSeconds();
            for (const Event &e : sample)
                matched += predicate.matches(e) ? 1 : 0;
            const double rate = double(sample.size()) / (processCpuSeconds() - cpuStart);
            result.insert(QStringLiteral("predicate_only_events_per_cpu_s"), rate);
            result.insert(QStringLiteral("predicate_only_matched"), matched);
            if (!json)
                out() << QStringLiteral("alone %1            %2 events per CPU second (EventPredicate on %3 events in memory)")
                             .arg(label.leftJustified(52), number(rate).rightJustified(10), number(double(sample.size())))
                      << Qt::endl;
        }
        results.append(result);
    }
    figures.insert(QStringLiteral("predicates"), results);
    if (json)
        out() << QJsonDocument(figures).toJson(QJsonDocument::Compact) << Qt::endl;
    return 0;
}

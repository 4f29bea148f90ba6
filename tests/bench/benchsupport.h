#pragma once

// What every benchmark program in tests/bench needs: clocks, /proc figures, percentiles,
// number formatting, the --json figures object and the demo money amounts.

#include "demogenerator.h"
#include "eventstore.h"
#include "timeutil.h"

#include <QByteArray>
#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QFile>
#include <QJsonObject>
#include <QList>
#include <QLocale>
#include <QString>
#include <QTextStream>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <random>
#include <vector>

namespace eventlens::bench {

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

inline double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

using timeutil::processCpuSeconds;

inline QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

// A field of /proc/self/status in kB ("VmRSS", "VmHWM"), -1 when unavailable.
inline qint64 procStatusKb(const char *field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return -1;
    const QByteArray prefix = QByteArray(field) + ':';
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// The p-th percentile (nearest rank); 0 for no values.
inline double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * double(values.size())));
    return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

// 1,234,567.89 whatever the system locale.
inline QString number(double value, int decimals = 0)
{
    return QLocale(QLocale::English).toString(value, 'f', decimals);
}

// The figures printed as one JSON object with --json.
struct Figures
{
    QJsonObject json;
    void add(const QString &key, double value) { json.insert(key, value); }
};

// A money amount of 0.01 to maxUnits as JSON number text ("123.45").
inline QByteArray money(std::mt19937_64 &rng, int maxUnits)
{
    const auto cents = static_cast<long long>(rng() % (quint64(maxUnits) * 100)) + 1;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%02lld", cents / 100, cents % 100);
    return QByteArray(buf);
}

// The demo store a benchmark runs on: the one at `path`, created there with `events` demo events
// when missing, or (empty path) a new one in a temporary directory (under `dir` when given).
// Opened read-only. Errors are printed as "PROGRAM: ..." and give an empty store.
struct DemoStore
{
    std::unique_ptr<QTemporaryDir> tempDir;
    QString path;
    std::shared_ptr<const EventStore> store;
    double demoSeconds = -1; // the time to create it (-1: it existed)
};

inline DemoStore openDemoStore(const char *program, const QString &path, const QString &dir, qint64 events, bool quiet)
{
    DemoStore demo;
    demo.path = path;
    if (demo.path.isEmpty()) {
        demo.tempDir = dir.isEmpty() ? std::make_unique<QTemporaryDir>()
                                    : std::make_unique<QTemporaryDir>(QDir(dir).filePath(QStringLiteral("bench-XXXXXX")));
        if (!demo.tempDir->isValid()) {
            std::fprintf(stderr, "%s: cannot create a temporary directory\n", program);
            return demo;
        }
        demo.path = demo.tempDir->filePath(QStringLiteral("demo.eventlens"));
    }
    try {
        if (!QFileInfo::exists(demo.path)) {
            if (!quiet)
                out() << "creating a demo store of " << number(double(events)) << " events at " << demo.path << Qt::endl;
            DemoOptions options;
            options.events = events;
            const auto start = Clock::now();
            DemoGenerator::createStore(demo.path, options);
            demo.demoSeconds = secondsSince(start);
        }
        demo.store = EventStore::open(demo.path, EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
    }
    return demo;
}

} // namespace eventlens::bench

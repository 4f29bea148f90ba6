// eventlens-bench: figures for the embedded store (DESIGN.md §8). Not a test: it prints numbers.
//
//   eventlens-bench [--events N] [--appends N] [--threads T] [--thread-appends N]
//                   [--queries N] [--dir DIR] [--keep] [--json]
//
// 1. generates a JSON Lines file of N events (canonical keys) in a temporary directory;
// 2. imports it into a new store with the JSON Lines importer (events/s, peak RSS);
//    then appends the same events through EventStore::Batch without parsing (the store's share);
//    and opens the store as the GUI does (read-only connection + first table page);
// 3. reads the whole log (events/s);
// 4. runs a filtered page query (category + type, 100 rows from the middle of the log);
// 5. single durable appends, one transaction each (appends/s, latency);
// 6. T threads appending concurrently, each through its own connection (openAnother);
// 7. has SQLite alone insert the imported rows and build the same indexes: an import's ceiling.
// Build it in Release: a Debug or sanitizer build measures the instrumentation.

#include "benchsupport.h"
#include "eventlistmodel.h"
#include "eventstore.h"
#include "storebuilder.h"
#include "importer.h"
#include "sqlitedb.h"
#include "sqlitestatement.h"
#include "timeutil.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTextStream>

#include <sys/vfs.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <latch>
#include <random>
#include <thread>
#include <vector>

using namespace eventlens;

namespace {

using namespace eventlens::bench;

// Resets VmHWM to the current RSS (Linux >= 4.0), so the next peak is the phase's own.
bool resetPeakRss()
{
    QFile f(QStringLiteral("/proc/self/clear_refs"));
    return f.open(QIODevice::WriteOnly) && f.write("5") == 1;
}

QString fileSystemNote(const QString &dir)
{
    struct statfs fs {};
    if (statfs(QFile::encodeName(dir).constData(), &fs) != 0)
        return {};
    constexpr long TmpfsMagic = 0x01021994;
    if (static_cast<long>(fs.f_type) == TmpfsMagic)
        return QStringLiteral(" (tmpfs: fsync costs nothing here, durable-append figures are not disk figures)");
    return {};
}

// ---------------------------------------------------------------------------------------------
// The JSON Lines file: bank accounts and orders, deterministic (fixed seed).

QByteArray uuid(quint64 n, quint32 salt)
{
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", salt, unsigned(n >> 48) & 0xffff,
                  unsigned(n >> 36) & 0xfff, unsigned(n >> 24) & 0xfff, static_cast<unsigned long long>(n & 0xffffffffffffULL));
    return QByteArray(buf);
}

struct GeneratedFile
{
    qint64 events = 0;
    qint64 bytes = 0;
    qint64 streams = 0;
};

GeneratedFile generateJsonLines(const QString &path, qint64 events)
{
    static const char *const currencies[] = {"EUR", "USD", "GBP"};
    static const char *const carriers[] = {"DHL", "UPS", "DPD"};
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        throw StoreError(QStringLiteral("cannot write %1").arg(path));

    const qint64 streamCount = std::max<qint64>(2, events / 20);
    std::vector<qint64> versions(static_cast<size_t>(streamCount), -1);
    std::mt19937_64 rng(20240101);
    const qint64 baseTime = 1704096000000; // 2024-01-01T08:00:00Z
    QByteArray buffer;
    buffer.reserve(8 << 20);
    GeneratedFile result;
    result.streams = streamCount;

    for (qint64 i = 0; i < events; ++i) {
        const qint64 s = static_cast<qint64>(rng() % quint64(streamCount));
        const bool account = s % 2 == 0;
        const qint64 version = ++versions[static_cast<size_t>(s)];
        const char *currency = currencies[rng() % 3];
        const unsigned roll = unsigned(rng() % 100);
        QByteArray type;
        QByteArray data;
        if (account) {
            if (version == 0) {
                type = "AccountOpened";
                data = "{\"owner\":\"Customer " + QByteArray::number(s / 2) + "\",\"currency\":\"" + currency
                       + "\",\"accountType\":\"checking\"}";
            } else if (roll < 60) {
                type = "Deposited";
                data = "{\"amount\":" + money(rng, 5000) + ",\"currency\":\"" + currency + "\",\"source\":\"transfer\"}";
            } else {
                type = "Withdrawn";
                data = "{\"amount\":" + money(rng, 500) + ",\"currency\":\"" + currency + "\",\"reason\":\"card payment\"}";
            }
        } else {
            if (version == 0) {
                type = "OrderPlaced";
                data = "{\"customer\":\"account-" + QByteArray::number(s - 1) + "\",\"currency\":\"" + currency + "\"}";
            } else if (roll < 60) {
                type = "ItemAdded";
                data = "{\"sku\":\"SKU-" + QByteArray::number(1000 + rng() % 9000) + "\",\"name\":\"Item\",\"qty\":"
                       + QByteArray::number(1 + rng() % 5) + ",\"price\":" + money(rng, 200) + "}";
            } else if (roll < 80) {
                type = "OrderPaid";
                data = "{\"amount\":" + money(rng, 1000) + ",\"currency\":\"" + currency + "\"}";
            } else {
                type = "OrderShipped";
                data = "{\"carrier\":\"" + QByteArray(carriers[rng() % 3]) + "\",\"trackingNumber\":\"TN"
                       + QByteArray::number(quint64(rng() % 1000000000)) + "\"}";
            }
        }
        const QByteArray id = uuid(quint64(i + 1), 0xe1e1e1e1);
        buffer += "{\"stream\":\"";
        buffer += account ? "account-" : "order-";
        buffer += QByteArray::number(s);
        buffer += "\",\"version\":" + QByteArray::number(version);
        buffer += ",\"id\":\"" + id;
        buffer += "\",\"type\":\"" + type;
        buffer += "\",\"data\":" + data;
        buffer += ",\"metadata\":{\"correlationId\":\"" + id + "\",\"causationId\":\"" + id + "\",\"userId\":\"user-"
                  + QByteArray::number(quint64(rng() % 100)) + "\"}";
        buffer += ",\"time\":\"" + timeutil::formatIso(baseTime + i * 137) + "\"}\n";
        if (buffer.size() > (8 << 20) - 4096) {
            file.write(buffer);
            result.bytes += buffer.size();
            buffer.clear();
        }
    }
    file.write(buffer);
    result.bytes += buffer.size();
    result.events = events;
    if (!file.flush())
        throw StoreError(QStringLiteral("cannot write %1").arg(path));
    return result;
}

// ---------------------------------------------------------------------------------------------

void heading(const QString &text)
{
    out() << '\n' << text << '\n';
}

void line(const QString &label, const QString &value)
{
    out() << "  " << label.leftJustified(34, QLatin1Char(' ')) << value << '\n';
    out().flush();
}

NewEvent benchEvent(const QByteArray &data)
{
    NewEvent e;
    e.type = QStringLiteral("Benchmarked");
    e.data = data;
    e.metadata = QByteArrayLiteral("{\"source\":\"bench\"}");
    return e;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("eventlens-bench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Benchmarks of the eventlens embedded store (prints figures)."));
    parser.addHelpOption();
    const QCommandLineOption eventsOpt(QStringLiteral("events"), QStringLiteral("Events to generate and import (default 1000000)."),
                                       QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption appendsOpt(QStringLiteral("appends"), QStringLiteral("Single durable appends (default 2000)."),
                                        QStringLiteral("N"), QStringLiteral("2000"));
    const QCommandLineOption threadsOpt(QStringLiteral("threads"), QStringLiteral("Concurrent appenders (default 8)."),
                                        QStringLiteral("T"), QStringLiteral("8"));
    const QCommandLineOption threadAppendsOpt(QStringLiteral("thread-appends"),
                                              QStringLiteral("Appends per concurrent appender (default 1000)."),
                                              QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption queriesOpt(QStringLiteral("queries"), QStringLiteral("Filtered page queries to time (default 200)."),
                                        QStringLiteral("N"), QStringLiteral("200"));
    const QCommandLineOption dirOpt(QStringLiteral("dir"), QStringLiteral("Directory for the temporary files (default: the system temp dir)."),
                                    QStringLiteral("DIR"));
    const QCommandLineOption keepOpt(QStringLiteral("keep"), QStringLiteral("Keep the generated file and store."));
    const QCommandLineOption jsonOpt(QStringLiteral("json"), QStringLiteral("Also print the figures as one JSON object at the end."));
    parser.addOptions({eventsOpt, appendsOpt, threadsOpt, threadAppendsOpt, queriesOpt, dirOpt, keepOpt, jsonOpt});
    parser.process(app);

    const auto positive = [&](const QCommandLineOption &opt, qint64 min) {
        bool ok = false;
        const qint64 v = parser.value(opt).toLongLong(&ok);
        if (!ok || v < min) {
            QTextStream(stderr) << "eventlens-bench: --" << opt.names().constFirst() << " needs a number >= " << min << '\n';
            std::exit(2);
        }
        return v;
    };
    const qint64 events = positive(eventsOpt, 1000);
    const qint64 appends = positive(appendsOpt, 1);
    const int threads = int(std::min<qint64>(positive(threadsOpt, 1), 256));
    const qint64 threadAppends = positive(threadAppendsOpt, 1);
    const qint64 queries = positive(queriesOpt, 1);

    const QString base = parser.isSet(dirOpt) ? parser.value(dirOpt) : QDir::tempPath();
    QDir().mkpath(base);
    QTemporaryDir dir(QDir(base).filePath(QStringLiteral("eventlens-bench-XXXXXX")));
    if (!dir.isValid()) {
        QTextStream(stderr) << "eventlens-bench: cannot create a temporary directory in " << base << '\n';
        return 1;
    }
    dir.setAutoRemove(!parser.isSet(keepOpt));
    const QString jsonlPath = dir.filePath(QStringLiteral("events.jsonl"));
    const QString storePath = dir.filePath(QStringLiteral("bench.eventlens"));
    Figures figures;

    out() << "eventlens-bench " << EVENTLENS_VERSION << ", build type " << EVENTLENS_BENCH_BUILD_TYPE
#if defined(__SANITIZE_ADDRESS__)
          << " WITH SANITIZERS"
#endif
          << ", " << std::thread::hardware_concurrency() << " hardware threads\n";
    const QString buildType = QStringLiteral(EVENTLENS_BENCH_BUILD_TYPE);
    if (buildType != QLatin1String("Release") && buildType != QLatin1String("RelWithDebInfo"))
        out() << "WARNING: not a Release build; these figures say little.\n";
#if defined(__SANITIZE_ADDRESS__)
    out() << "WARNING: sanitizers are on; these figures say little.\n";
#endif
    out() << "files in " << dir.path() << fileSystemNote(dir.path()) << '\n';

    try {
        // -- 1. the file ---------------------------------------------------------------------
        heading(QStringLiteral("JSON Lines file"));
        auto start = Clock::now();
        const GeneratedFile generated = generateJsonLines(jsonlPath, events);
        line(QStringLiteral("events / streams"), number(double(generated.events)) + QStringLiteral(" / ") + number(double(generated.streams)));
        line(QStringLiteral("size"), number(double(generated.bytes) / 1e6, 1) + QStringLiteral(" MB (generated in ")
                                         + number(secondsSince(start), 2) + QStringLiteral(" s)"));

        // -- 2. import -------------------------------------------------------------------------
        heading(QStringLiteral("Import into a new store (JSON Lines importer, one transaction)"));
        const bool phasePeak = resetPeakRss();
        const qint64 rssBefore = procStatusKb("VmRSS");
        ImportOptions options;
        options.format = QStringLiteral("jsonl");
        // As `eventlens-cli import FILE --into NEW-STORE` does: built aside, durable, moved into place.
        start = Clock::now();
        const double cpuBefore = processCpuSeconds();
        auto builder = std::make_unique<StoreBuilder>(storePath);
        const ImportReport report = Importer(builder->store(), options).run({jsonlPath});
        if (report.ok())
            builder->finish();
        builder.reset();
        const double importSeconds = secondsSince(start);
        const double importCpu = processCpuSeconds() - cpuBefore;
        auto store = EventStore::open(storePath, EventStore::OpenMode::ReadWrite);
        const qint64 peakKb = procStatusKb("VmHWM");
        if (!report.ok())
            throw StoreError(QStringLiteral("import failed: %1").arg(report.error ? report.error->toString() : QString()));
        if (report.totalImported() != events)
            throw StoreError(QStringLiteral("imported %1 events, expected %2").arg(report.totalImported()).arg(events));
        const double importRate = double(events) / importSeconds;
        line(QStringLiteral("events/s"), number(importRate) + QStringLiteral("   (") + number(importSeconds, 2)
                                             + QStringLiteral(" s; budget >= 500,000 events/s)"));
        // Parsing and storing overlap on two threads and SQLite sorts the indexes on two: on a
        // machine with few cores the CPU time bounds the wall time from below.
        const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
        line(QStringLiteral("CPU (all threads)"), number(importCpu, 2) + QStringLiteral(" s   (") + number(importCpu / importSeconds, 2)
                                                     + QStringLiteral(" cores busy on average; on ") + number(cores)
                                                     + QStringLiteral(" cores at best ") + number(importCpu / cores, 2)
                                                     + QStringLiteral(" s)"));
        figures.add(QStringLiteral("import_cpu_seconds"), importCpu);
        line(phasePeak ? QStringLiteral("peak RSS during import (VmHWM)") : QStringLiteral("peak RSS of the process (VmHWM)"),
             number(double(peakKb) / 1024.0, 1) + QStringLiteral(" MiB   (RSS before: ") + number(double(rssBefore) / 1024.0, 1)
                 + QStringLiteral(" MiB)"));
        line(QStringLiteral("store size (file + WAL)"),
             number(double(QFileInfo(storePath).size() + QFileInfo(storePath + QStringLiteral("-wal")).size()) / 1e6, 1)
                 + QStringLiteral(" MB"));
        figures.add(QStringLiteral("import_events_per_s"), importRate);
        figures.add(QStringLiteral("import_seconds"), importSeconds);
        figures.add(QStringLiteral("import_peak_rss_mib"), double(peakKb) / 1024.0);

        // -- 2b. the same events appended directly (no parsing): the store's share of the import
        heading(QStringLiteral("Batched append into a new store (EventStore::Batch, no file parsing)"));
        {
            const QString rawPath = dir.filePath(QStringLiteral("batch.eventlens"));
            auto raw = EventStore::open(rawPath, EventStore::OpenMode::ReadWrite);
            // The events of the import, read back (reading is not timed).
            constexpr qint64 Chunk = 100000;
            qint64 appended = 0;
            double seconds = 0;
            auto batch = raw->beginBatch();
            for (qint64 from = 1; from <= events; from += Chunk) {
                EventQuery q;
                q.fromPosition = from;
                q.limit = Chunk;
                const std::vector<Event> chunk = store->read(q);
                start = Clock::now();
                std::vector<NewEvent> group;
                for (size_t i = 0; i < chunk.size();) {
                    // Consecutive events of one stream go in one append call.
                    const QString &stream = chunk[i].stream;
                    const qint64 expected = chunk[i].version - 1;
                    group.clear();
                    for (; i < chunk.size() && chunk[i].stream == stream; ++i) {
                        const Event &e = chunk[i];
                        group.push_back(NewEvent{e.id, e.type, e.data, e.metadata, e.dataIsJson, e.timeMs});
                    }
                    batch.append(stream, ExpectedVersion::exact(expected), group);
                    appended += qint64(group.size());
                }
                seconds += secondsSince(start);
            }
            start = Clock::now();
            batch.commit();
            seconds += secondsSince(start);
            if (appended != events)
                throw StoreError(QStringLiteral("appended %1 events, expected %2").arg(appended).arg(events));
            line(QStringLiteral("events/s"), number(double(appended) / seconds) + QStringLiteral("   (") + number(seconds, 2)
                                                 + QStringLiteral(" s, one transaction)"));
            figures.add(QStringLiteral("batch_append_events_per_s"), double(appended) / seconds);
            raw.reset();
            EventStore::removeFiles(rawPath);
        }

        // -- 2c. what the GUI does on open: a read-only connection, the first page of the table
        heading(QStringLiteral("Open the store and load the first table page (EventListModel, as the GUI does)"));
        {
            start = Clock::now();
            EventListModel model;
            model.setStore(EventStore::open(storePath, EventStore::OpenMode::ReadOnly));
            model.fetchMore({});
            const QString firstCell = model.index(0, EventListModel::DataColumn).data().toString();
            const double ms = msSince(start);
            if (model.rowCount() != model.pageSize() || firstCell.isEmpty())
                throw StoreError(QStringLiteral("the first page has %1 rows").arg(model.rowCount()));
            line(QStringLiteral("first rows shown after"), number(ms, 2) + QStringLiteral(" ms   (") + number(model.rowCount())
                                                               + QStringLiteral(" rows; budget <= 300 ms at 10M events)"));
            figures.add(QStringLiteral("open_first_page_ms"), ms);
        }

        // -- 3. read the whole log ---------------------------------------------------------------
        heading(QStringLiteral("Read the whole log (forEach, new read-only connection)"));
        {
            auto reader = store->openAnother(EventStore::OpenMode::ReadOnly);
            qint64 read = 0;
            qint64 bytes = 0;
            start = Clock::now();
            reader->forEach(EventQuery{}, [&](const Event &e) {
                ++read;
                bytes += e.data.size();
                return true;
            });
            const double seconds = secondsSince(start);
            if (read != events)
                throw StoreError(QStringLiteral("read %1 events, expected %2").arg(read).arg(events));
            line(QStringLiteral("events/s"), number(double(read) / seconds) + QStringLiteral("   (") + number(seconds, 2)
                                                 + QStringLiteral(" s, ") + number(double(bytes) / 1e6, 1) + QStringLiteral(" MB of data)"));
            figures.add(QStringLiteral("read_all_events_per_s"), double(read) / seconds);
        }

        // -- 4. filtered page query ------------------------------------------------------------------
        heading(QStringLiteral("Filtered page: category 'account' + type Withdrawn, 100 rows from the middle"));
        {
            auto reader = store->openAnother(EventStore::OpenMode::ReadOnly);
            const qint64 head = reader->headPosition();
            EventQuery query;
            query.category = QStringLiteral("account");
            query.types = {QStringLiteral("Withdrawn")};
            query.limit = 100;
            std::vector<double> times;
            times.reserve(size_t(queries));
            double first = 0;
            std::mt19937_64 rng(7);
            for (qint64 q = 0; q < queries; ++q) {
                // The first from the exact middle; then random starts in the middle half.
                query.fromPosition = q == 0 ? head / 2 : head / 4 + qint64(rng() % quint64(std::max<qint64>(1, head / 2)));
                start = Clock::now();
                const std::vector<Event> page = reader->read(query);
                const double ms = msSince(start);
                if (page.size() != 100 || page.front().type != QLatin1String("Withdrawn")
                    || page.front().position < *query.fromPosition)
                    throw StoreError(QStringLiteral("the filtered page returned %1 rows").arg(page.size()));
                if (q == 0)
                    first = ms;
                else
                    times.push_back(ms);
            }
            line(QStringLiteral("first query (new connection)"), number(first, 3) + QStringLiteral(" ms"));
            if (!times.empty()) {
                line(QStringLiteral("median / p99"), number(percentile(times, 50), 3) + QStringLiteral(" ms / ")
                                                         + number(percentile(times, 99), 3) + QStringLiteral(" ms   (")
                                                         + number(double(times.size())) + QStringLiteral(" queries)"));
                figures.add(QStringLiteral("page_query_median_ms"), percentile(times, 50));
                figures.add(QStringLiteral("page_query_p99_ms"), percentile(times, 99));
            }
            figures.add(QStringLiteral("page_query_first_ms"), first);
        }

        // -- 5. single durable appends -------------------------------------------------------------
        heading(QStringLiteral("Single durable appends (one transaction each, exact expected version)"));
        {
            constexpr int Streams = 50;
            std::vector<qint64> versions(Streams, -1);
            std::vector<double> latencies;
            latencies.reserve(size_t(appends));
            const QByteArray data = QByteArrayLiteral("{\"amount\":12.5,\"currency\":\"EUR\"}");
            start = Clock::now();
            for (qint64 i = 0; i < appends; ++i) {
                const int s = int(i % Streams);
                const auto t0 = Clock::now();
                store->append(QStringLiteral("single-%1").arg(s), ExpectedVersion::exact(versions[size_t(s)]), {benchEvent(data)});
                latencies.push_back(msSince(t0));
                ++versions[size_t(s)];
            }
            const double seconds = secondsSince(start);
            line(QStringLiteral("appends/s"), number(double(appends) / seconds) + QStringLiteral("   (") + number(double(appends))
                                                  + QStringLiteral(" appends)"));
            line(QStringLiteral("latency median / p99"), number(percentile(latencies, 50), 3) + QStringLiteral(" ms / ")
                                                             + number(percentile(latencies, 99), 3) + QStringLiteral(" ms"));
            figures.add(QStringLiteral("single_appends_per_s"), double(appends) / seconds);
            figures.add(QStringLiteral("single_append_p99_ms"), percentile(latencies, 99));
        }

        // -- 6. concurrent appenders -------------------------------------------------------------------
        heading(QStringLiteral("%1 concurrent appenders (own connection each, exact expected version)").arg(threads));
        {
            std::vector<std::unique_ptr<EventStore>> connections;
            for (int t = 0; t < threads; ++t)
                connections.push_back(store->openAnother(EventStore::OpenMode::ReadWrite));
            std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
            std::vector<QString> errors(static_cast<size_t>(threads));
            std::latch ready(threads + 1);
            std::vector<std::thread> workers;
            const QByteArray data = QByteArrayLiteral("{\"amount\":7.25,\"currency\":\"USD\"}");
            for (int t = 0; t < threads; ++t) {
                workers.emplace_back([&, t] {
                    EventStore &connection = *connections[size_t(t)];
                    constexpr int Streams = 20;
                    std::vector<qint64> versions(Streams, -1);
                    auto &mine = latencies[size_t(t)];
                    mine.reserve(size_t(threadAppends));
                    ready.arrive_and_wait();
                    try {
                        for (qint64 i = 0; i < threadAppends; ++i) {
                            const int s = int(i % Streams);
                            const auto t0 = Clock::now();
                            connection.append(QStringLiteral("conc-%1-%2").arg(t).arg(s),
                                              ExpectedVersion::exact(versions[size_t(s)]), {benchEvent(data)});
                            mine.push_back(msSince(t0));
                            ++versions[size_t(s)];
                        }
                    } catch (const std::exception &e) {
                        errors[size_t(t)] = QString::fromUtf8(e.what());
                    }
                });
            }
            ready.arrive_and_wait();
            start = Clock::now();
            for (std::thread &w : workers)
                w.join();
            const double seconds = secondsSince(start);
            for (const QString &error : errors) {
                if (!error.isEmpty())
                    throw StoreError(QStringLiteral("a concurrent appender failed: %1").arg(error));
            }
            std::vector<double> all;
            for (const auto &v : latencies)
                all.insert(all.end(), v.begin(), v.end());
            const double total = double(all.size());
            line(QStringLiteral("appends/s (total)"), number(total / seconds) + QStringLiteral("   (") + number(total)
                                                          + QStringLiteral(" appends; budget >= 20,000 commands/s)"));
            line(QStringLiteral("latency median / p99"), number(percentile(all, 50), 3) + QStringLiteral(" ms / ")
                                                             + number(percentile(all, 99), 3) + QStringLiteral(" ms   (budget p99 <= 5 ms)"));
            figures.add(QStringLiteral("concurrent_threads"), threads);
            figures.add(QStringLiteral("concurrent_appends_per_s"), total / seconds);
            figures.add(QStringLiteral("concurrent_append_p99_ms"), percentile(all, 99));

            const VerifyResult verified = store->verify();
            if (!verified.ok)
                throw StoreError(QStringLiteral("the hash chain does not verify after the benchmark: %1").arg(verified.message));
        }

        // -- 7. SQLite alone: the rows and indexes of the import, nothing else ------------------
        heading(QStringLiteral("SQLite alone: the import's rows and indexes, without parsing, hashing or the store's code"));
        {
            // The rows as the import stored them, in memory (reading is not timed).
            struct Row
            {
                qint64 position, streamId, version, categoryId, typeId, time, isJson;
                bool idIsBlob;
                QByteArray id, data, metadata, hash;
            };
            std::vector<Row> rows;
            rows.reserve(size_t(events));
            {
                SqliteDb source(storePath, true);
                SqliteStatement read(source, "SELECT position, stream_id, version, category_id, type_id, time, is_json, "
                                             "typeof(id) = 'blob', id, data, metadata, hash FROM events WHERE position <= ? "
                                             "ORDER BY position");
                read.bind(1, events);
                while (read.step()) {
                    rows.push_back(Row{read.int64(0), read.int64(1), read.int64(2), read.int64(3), read.int64(4), read.int64(5),
                                       read.int64(6), read.int64(7) != 0, read.bytes(8), read.bytes(9), read.bytes(10),
                                       read.bytes(11)});
                }
            }
            // A new store with the schema, then a connection set up as the store sets up a new
            // file being built, and a transaction that drops the secondary indexes and builds
            // them again at the end, as an import into a new store does.
            const QString floorPath = dir.filePath(QStringLiteral("sqlite-alone.eventlens"));
            EventStore::open(floorPath, EventStore::OpenMode::Build).reset();
            {
                SqliteDb db(floorPath, false);
                db.exec("PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; "
                        "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;");
                db.exec("BEGIN");
                std::vector<QByteArray> indexSql;
                {
                    SqliteStatement indexes(db, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
                                                "AND sql IS NOT NULL");
                    std::vector<QByteArray> names;
                    while (indexes.step()) {
                        names.push_back(indexes.bytes(0));
                        indexSql.push_back(indexes.bytes(1));
                    }
                    indexes.reset();
                    for (const QByteArray &name : names)
                        db.exec(QByteArray("DROP INDEX " + name).constData());
                }
                SqliteStatement insert(db, "INSERT INTO events(position, stream_id, version, category_id, type_id, time, is_json, "
                                           "id, data, metadata, hash) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
                start = Clock::now();
                for (const Row &r : rows) {
                    insert.bind(1, r.position);
                    insert.bind(2, r.streamId);
                    insert.bind(3, r.version);
                    insert.bind(4, r.categoryId);
                    insert.bind(5, r.typeId);
                    insert.bind(6, r.time);
                    insert.bind(7, r.isJson);
                    if (r.idIsBlob)
                        insert.bindBlobView(8, r.id);
                    else
                        insert.bindTextView(8, r.id);
                    insert.bindBlobView(9, r.data);
                    insert.bindBlobView(10, r.metadata);
                    insert.bindBlobView(11, r.hash);
                    insert.run();
                }
                const double insertSeconds = secondsSince(start);
                // The sorter settings of the store's index build.
                start = Clock::now();
                db.exec("PRAGMA cache_size=-2048; PRAGMA threads=2; PRAGMA temp_store=FILE;");
                for (const QByteArray &sql : indexSql)
                    db.exec(sql.constData());
                db.exec("COMMIT");
                const double indexSeconds = secondsSince(start);
                const double total = insertSeconds + indexSeconds;
                line(QStringLiteral("insert the rows"), number(insertSeconds, 2) + QStringLiteral(" s"));
                line(QStringLiteral("build the ") + number(double(indexSql.size())) + QStringLiteral(" indexes and commit"),
                     number(indexSeconds, 2) + QStringLiteral(" s"));
                line(QStringLiteral("events/s"), number(double(rows.size()) / total) + QStringLiteral("   (") + number(total, 2)
                                                     + QStringLiteral(" s: the ceiling of an import on this machine)"));
                figures.add(QStringLiteral("sqlite_alone_insert_seconds"), insertSeconds);
                figures.add(QStringLiteral("sqlite_alone_index_seconds"), indexSeconds);
                figures.add(QStringLiteral("sqlite_alone_events_per_s"), double(rows.size()) / total);
            }
            EventStore::removeFiles(floorPath);
        }
    } catch (const std::exception &e) {
        out().flush();
        QTextStream(stderr) << "eventlens-bench: " << e.what() << '\n';
        return 1;
    }

    if (parser.isSet(keepOpt))
        out() << "\nkept " << dir.path() << '\n';
    if (parser.isSet(jsonOpt))
        out() << '\n' << QJsonDocument(figures.json).toJson(QJsonDocument::Compact) << '\n';
    return 0;
}

// eventlens-bench-state: figures for an aggregate's state at any version (DESIGN.md §8: state
// of any aggregate at any version <= 20 ms). Not a test: it prints numbers.
//
//   eventlens-bench-state [--events N] [--other-streams S] [--other-events M] [--samples K]
//                         [--skip V] [--dir DIR] [--keep] [--json]
//
// 1. builds a store with one stream of N events (a bank account: deposits, withdrawals, owner and
//    limit changes, tags, notes) interleaved with S other streams of M events each;
// 2. loads the stream's AggregateHistory with the default JSON merge state function (reads the
//    events, parses their data, computes the checkpoints);
// 3. times stateAt() and transition() at K random versions;
// 4. skips the event at version V (near the start; a deposit or withdrawal, whose effect later
//    events overwrite) and times the first stateAt() after it at the last version (it recomputes
//    the stale checkpoints lazily) and then stateAt() at K random versions; the same for a skip
//    of version 0 (the account's opening, whose members stay to the end: the worst case); then
//    the recomputation of every checkpoint on its own.
// Build it in Release: a Debug or sanitizer build measures the instrumentation.

#include "benchsupport.h"
#include "aggregatehistory.h"
#include "eventstore.h"
#include "mergestatefunction.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QTemporaryDir>
#include <QTextStream>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

using namespace eventlens;

namespace {

using namespace eventlens::bench;

void heading(const QString &text)
{
    out() << '\n' << text << '\n';
}

void line(const QString &label, const QString &value)
{
    out() << "  " << label.leftJustified(44, QLatin1Char(' ')) << value << '\n';
    out().flush();
}

// Event n of the big account: mostly deposits and withdrawals, now and then a change of owner
// details, limits, tags or a new note (so the state has nested objects and grows a little).
NewEvent accountEvent(std::mt19937_64 &rng, qint64 n, qint64 &balanceCents, qint64 timeMs)
{
    NewEvent e;
    e.timeMs = timeMs;
    e.metadata = "{\"correlationId\":\"c-" + QByteArray::number(n) + "\",\"userId\":\"user-" + QByteArray::number(quint64(rng() % 100)) + "\"}";
    if (n == 0) {
        e.type = QStringLiteral("AccountOpened");
        e.data = R"({"accountId":"acc-big","owner":{"name":"Ada Lovelace","email":"ada@example.com","phone":"+44 20 7946 0000"},)"
                 R"("currency":"EUR","balance":0,"limits":{"daily":1000,"monthly":10000},"tags":[],"notes":{}})";
        return e;
    }
    if (n % 997 == 0) {
        e.type = QStringLiteral("OwnerContactChanged");
        e.data = "{\"owner\":{\"email\":\"ada" + QByteArray::number(n) + "@example.com\",\"phone\":null}}";
    } else if (n % 1499 == 0) {
        e.type = QStringLiteral("LimitsChanged");
        e.data = "{\"limits\":{\"daily\":" + QByteArray::number(500 + n % 2000) + ",\"monthly\":" + QByteArray::number(5000 + n % 20000) + "}}";
    } else if (n % 769 == 0) {
        e.type = QStringLiteral("Tagged");
        e.data = "{\"tags\":[\"vip\",\"t" + QByteArray::number(n % 13) + "\",\"t" + QByteArray::number(n % 7) + "\"]}";
    } else if (n % 3001 == 0) {
        e.type = QStringLiteral("NoteAdded");
        e.data = "{\"notes\":{\"n" + QByteArray::number(n) + "\":\"called the customer about statement " + QByteArray::number(n) + "\"}}";
    } else if (rng() % 3 == 0 && balanceCents > 10000) {
        const QByteArray amount = money(rng, int(std::min<qint64>(balanceCents / 100, 500)));
        balanceCents -= qint64(std::llround(amount.toDouble() * 100));
        e.type = QStringLiteral("Withdrawn");
        e.data = "{\"amount\":" + amount + ",\"balance\":" + QByteArray::number(double(balanceCents) / 100, 'f', 2) + ",\"atm\":\"ATM-"
                 + QByteArray::number(quint64(rng() % 400)) + "\",\"reference\":null}";
    } else {
        const QByteArray amount = money(rng, 800);
        balanceCents += qint64(std::llround(amount.toDouble() * 100));
        e.type = QStringLiteral("Deposited");
        e.data = "{\"amount\":" + amount + ",\"balance\":" + QByteArray::number(double(balanceCents) / 100, 'f', 2) + ",\"reference\":\"dep-"
                 + QByteArray::number(n) + "\"}";
    }
    return e;
}

NewEvent otherEvent(std::mt19937_64 &rng, qint64 n, qint64 timeMs)
{
    NewEvent e;
    e.timeMs = timeMs;
    e.type = n == 0 ? QStringLiteral("OrderPlaced") : QStringLiteral("ItemAdded");
    e.data = "{\"sku\":\"SKU-" + QByteArray::number(quint64(rng() % 5000)) + "\",\"qty\":" + QByteArray::number(quint64(rng() % 5 + 1))
             + ",\"price\":" + money(rng, 200) + "}";
    return e;
}

struct Timings
{
    double median = 0;
    double p99 = 0;
    double max = 0;
};

Timings summarize(const std::vector<double> &ms)
{
    return {percentile(ms, 50), percentile(ms, 99), ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end())};
}

QString describe(const Timings &t)
{
    return QStringLiteral("median %1 ms, p99 %2 ms, max %3 ms").arg(number(t.median, 3), number(t.p99, 3), number(t.max, 3));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("eventlens-bench-state"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Benchmark of an aggregate's state at any version (prints figures)."));
    parser.addHelpOption();
    const QCommandLineOption eventsOpt(QStringLiteral("events"), QStringLiteral("Events in the measured stream (default 100000)."),
                                       QStringLiteral("N"), QStringLiteral("100000"));
    const QCommandLineOption otherStreamsOpt(QStringLiteral("other-streams"), QStringLiteral("Other streams in the store (default 20)."),
                                             QStringLiteral("S"), QStringLiteral("20"));
    const QCommandLineOption otherEventsOpt(QStringLiteral("other-events"), QStringLiteral("Events per other stream (default 2000)."),
                                            QStringLiteral("M"), QStringLiteral("2000"));
    const QCommandLineOption samplesOpt(QStringLiteral("samples"), QStringLiteral("Random versions to time (default 1000)."),
                                        QStringLiteral("K"), QStringLiteral("1000"));
    const QCommandLineOption skipOpt(QStringLiteral("skip"), QStringLiteral("Version to skip in the second round (default 10)."),
                                     QStringLiteral("V"), QStringLiteral("10"));
    const QCommandLineOption dirOpt(QStringLiteral("dir"), QStringLiteral("Directory for the store (default: the system temp dir)."),
                                    QStringLiteral("DIR"));
    const QCommandLineOption keepOpt(QStringLiteral("keep"), QStringLiteral("Keep the store."));
    const QCommandLineOption jsonOpt(QStringLiteral("json"), QStringLiteral("Also print the figures as one JSON object at the end."));
    parser.addOptions({eventsOpt, otherStreamsOpt, otherEventsOpt, samplesOpt, skipOpt, dirOpt, keepOpt, jsonOpt});
    parser.process(app);

    const auto numberOption = [&](const QCommandLineOption &opt, qint64 min) {
        bool ok = false;
        const qint64 v = parser.value(opt).toLongLong(&ok);
        if (!ok || v < min) {
            QTextStream(stderr) << "eventlens-bench-state: --" << opt.names().constFirst() << " needs a number >= " << min << '\n';
            std::exit(2);
        }
        return v;
    };
    const qint64 events = numberOption(eventsOpt, 2);
    const qint64 otherStreams = numberOption(otherStreamsOpt, 0);
    const qint64 otherEvents = numberOption(otherEventsOpt, 1);
    const qint64 samples = numberOption(samplesOpt, 1);
    const qint64 skipVersion = std::min(numberOption(skipOpt, 0), events - 1);

    const QString base = parser.isSet(dirOpt) ? parser.value(dirOpt) : QDir::tempPath();
    QDir().mkpath(base);
    QTemporaryDir dir(QDir(base).filePath(QStringLiteral("eventlens-bench-state-XXXXXX")));
    if (!dir.isValid()) {
        QTextStream(stderr) << "eventlens-bench-state: cannot create a temporary directory in " << base << '\n';
        return 1;
    }
    dir.setAutoRemove(!parser.isSet(keepOpt));
    const QString storePath = dir.filePath(QStringLiteral("state.eventlens"));
    const QString stream = QStringLiteral("account-big");
    Figures figures;

    out() << "eventlens-bench-state " << EVENTLENS_VERSION << ", build type " << EVENTLENS_BENCH_BUILD_TYPE
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
    out() << "store " << storePath << '\n';

    try {
        // -- 1. the store ----------------------------------------------------------------------
        heading(QStringLiteral("Store"));
        auto start = Clock::now();
        {
            auto store = EventStore::open(storePath, EventStore::OpenMode::ReadWrite);
            auto batch = store->beginBatch();
            std::mt19937_64 rng(42);
            qint64 balance = 0;
            qint64 time = 1704067200000;
            constexpr qint64 Chunk = 100;
            std::vector<qint64> otherDone(size_t(otherStreams), 0);
            qint64 otherTurn = 0;
            for (qint64 n = 0; n < events; n += Chunk) {
                std::vector<NewEvent> chunk;
                for (qint64 i = n; i < std::min(events, n + Chunk); ++i)
                    chunk.push_back(accountEvent(rng, i, balance, time += 500));
                batch.append(stream, ExpectedVersion::any(), chunk);
                // Other streams in between, so the account's events are spread over the log.
                if (otherStreams > 0) {
                    const auto s = size_t(otherTurn++ % otherStreams);
                    std::vector<NewEvent> others;
                    for (qint64 i = 0; i < Chunk && otherDone[s] < otherEvents; ++i)
                        others.push_back(otherEvent(rng, otherDone[s]++, time += 50));
                    if (!others.empty())
                        batch.append(QStringLiteral("order-%1").arg(s), ExpectedVersion::any(), others);
                }
            }
            for (size_t s = 0; s < otherDone.size(); ++s) {
                std::vector<NewEvent> others;
                while (otherDone[s] < otherEvents)
                    others.push_back(otherEvent(rng, otherDone[s]++, time += 50));
                if (!others.empty())
                    batch.append(QStringLiteral("order-%1").arg(s), ExpectedVersion::any(), others);
            }
            batch.commit();
        }
        const qint64 totalEvents = events + otherStreams * otherEvents;
        line(QStringLiteral("events in the store"), number(double(totalEvents)) + QStringLiteral(" (built in ")
                                                        + number(msSince(start) / 1000, 2) + QStringLiteral(" s)"));
        line(QStringLiteral("measured stream"), stream + QStringLiteral(", ") + number(double(events)) + QStringLiteral(" events"));
        line(QStringLiteral("other streams"), number(double(otherStreams)) + QStringLiteral(" x ") + number(double(otherEvents)) + QStringLiteral(" events"));

        // -- 2. load ---------------------------------------------------------------------------
        heading(QStringLiteral("Load (read-only connection, JSON merge state function)"));
        const auto store = EventStore::open(storePath, EventStore::OpenMode::ReadOnly);
        start = Clock::now();
        {
            qint64 read = 0;
            for (qint64 from = 0;; from += 4096) {
                const auto page = store->readStream(stream, from, 4096);
                read += qint64(page.size());
                if (page.size() < 4096)
                    break;
            }
            line(QStringLiteral("reading the stream alone (readStream)"), number(msSince(start), 1) + QStringLiteral(" ms, ")
                                                                              + number(double(read)) + QStringLiteral(" events"));
        }
        const qint64 rssBefore = procStatusKb("VmRSS");
        start = Clock::now();
        const auto history = AggregateHistory::load(*store, stream, std::make_shared<MergeStateFunction>());
        const double loadMs = msSince(start);
        const qint64 rssAfter = procStatusKb("VmRSS");
        line(QStringLiteral("load (read + parse + all checkpoints)"), number(loadMs, 1) + QStringLiteral(" ms"));
        line(QStringLiteral("checkpoint interval / checkpoints"),
             number(history->checkpointInterval()) + QStringLiteral(" / ") + number(double(history->checkpointCount())));
        if (rssBefore >= 0 && rssAfter >= 0)
            line(QStringLiteral("resident memory added by the history"), number(double(rssAfter - rssBefore) / 1024, 1) + QStringLiteral(" MiB"));
        const AggregateHistory::Json last = history->stateAt(history->lastVersion());
        line(QStringLiteral("final state size (compact JSON)"), number(double(last.dump().size())) + QStringLiteral(" bytes"));
        figures.add(QStringLiteral("events"), double(events));
        figures.add(QStringLiteral("load_ms"), loadMs);
        figures.add(QStringLiteral("checkpoint_interval"), history->checkpointInterval());
        figures.add(QStringLiteral("load_rss_mib"), double(rssAfter - rssBefore) / 1024);

        // -- 3. random versions ----------------------------------------------------------------
        std::mt19937_64 pickRng(7);
        std::uniform_int_distribution<qint64> pick(-1, history->lastVersion());
        const auto timeStates = [&](const char *what) {
            std::vector<double> ms;
            ms.reserve(size_t(samples));
            for (qint64 i = 0; i < samples; ++i) {
                const qint64 v = pick(pickRng);
                const auto t0 = Clock::now();
                const AggregateHistory::Json state = history->stateAt(v);
                ms.push_back(msSince(t0));
                if (!state.is_object())
                    throw std::runtime_error(std::string("no state in ") + what);
            }
            return summarize(ms);
        };

        heading(QStringLiteral("stateAt() at %1 random versions").arg(number(double(samples))));
        const Timings plain = timeStates("plain");
        line(QStringLiteral("no skip"), describe(plain));
        std::vector<double> transitionMs;
        for (qint64 i = 0; i < samples; ++i) {
            const qint64 v = std::max<qint64>(0, pick(pickRng));
            const auto t0 = Clock::now();
            const StateTransition t = history->transition(v);
            transitionMs.push_back(msSince(t0));
            if (!t.patch.is_array())
                throw std::runtime_error("no patch");
        }
        const Timings transition = summarize(transitionMs);
        line(QStringLiteral("transition() (before, after, patch, changes)"), describe(transition));

        // A skip: the first state asked for beyond it recomputes the stale checkpoints (until
        // one comes out unchanged), so it is timed on its own, at the last version (the worst
        // place), before the random versions.
        struct SkipFigures
        {
            double setMs = 0;
            double firstMs = 0;
            qint64 firstEvolves = 0;
            Timings random;
        };
        const auto skipRound = [&](qint64 version) {
            SkipFigures f;
            auto t0 = Clock::now();
            history->setSkipped(version, true);
            f.setMs = msSince(t0);
            const qint64 evolves = history->evolveCount();
            t0 = Clock::now();
            (void)history->stateAt(history->lastVersion());
            f.firstMs = msSince(t0);
            f.firstEvolves = history->evolveCount() - evolves;
            f.random = timeStates("skipped");
            history->setSkipped(version, false);
            history->computeCheckpoints();
            return f;
        };
        const auto printSkip = [&](qint64 version, const QString &why, const SkipFigures &f) {
            line(QStringLiteral("skip of version %1 (%2)").arg(version).arg(why), QString());
            line(QStringLiteral("  setSkipped()"), number(f.setMs, 3) + QStringLiteral(" ms"));
            line(QStringLiteral("  first stateAt(last version) after it"), number(f.firstMs, 3) + QStringLiteral(" ms (")
                                                                                + number(double(f.firstEvolves)) + QStringLiteral(" evolves)"));
            line(QStringLiteral("  then %1 random versions").arg(number(double(samples))), describe(f.random));
        };
        const SkipFigures near = skipRound(skipVersion);
        printSkip(skipVersion, history->event(skipVersion).type + QStringLiteral(", its effect washes out"), near);
        const SkipFigures first = skipRound(0);
        printSkip(0, history->event(0).type + QStringLiteral(", its effect stays to the end"), first);

        // The recomputation of every checkpoint when nothing washes out, on its own.
        history->setSkipped(0, true);
        start = Clock::now();
        history->computeCheckpoints();
        const double recomputeMs = msSince(start);
        line(QStringLiteral("recomputing every checkpoint after that skip"), number(recomputeMs, 1) + QStringLiteral(" ms"));
        history->setSkipped(0, false);
        history->computeCheckpoints();

        const Timings skipped = near.random;
        const double worst = std::max({plain.max, transition.max, near.firstMs, near.random.max, first.firstMs, first.random.max});
        heading(QStringLiteral("Budget: state of any aggregate at any version <= 20 ms"));
        line(QStringLiteral("worst stateAt()/transition() measured"),
             number(worst, 3) + QStringLiteral(" ms — ") + (worst <= 20.0 ? QStringLiteral("met") : QStringLiteral("NOT MET")));

        figures.add(QStringLiteral("state_median_ms"), plain.median);
        figures.add(QStringLiteral("state_p99_ms"), plain.p99);
        figures.add(QStringLiteral("state_max_ms"), plain.max);
        figures.add(QStringLiteral("transition_median_ms"), transition.median);
        figures.add(QStringLiteral("transition_p99_ms"), transition.p99);
        figures.add(QStringLiteral("transition_max_ms"), transition.max);
        figures.add(QStringLiteral("skip_state_median_ms"), skipped.median);
        figures.add(QStringLiteral("skip_state_p99_ms"), skipped.p99);
        figures.add(QStringLiteral("skip_state_max_ms"), skipped.max);
        figures.add(QStringLiteral("skip_first_state_ms"), near.firstMs);
        figures.add(QStringLiteral("skip0_first_state_ms"), first.firstMs);
        figures.add(QStringLiteral("skip0_state_median_ms"), first.random.median);
        figures.add(QStringLiteral("skip0_state_p99_ms"), first.random.p99);
        figures.add(QStringLiteral("skip0_state_max_ms"), first.random.max);
        figures.add(QStringLiteral("recompute_checkpoints_ms"), recomputeMs);
    } catch (const std::exception &e) {
        QTextStream(stderr) << "eventlens-bench-state: error: " << QString::fromUtf8(e.what()) << '\n';
        return 1;
    }

    if (parser.isSet(jsonOpt))
        out() << '\n' << QJsonDocument(figures.json).toJson(QJsonDocument::Compact) << '\n';
    return 0;
}

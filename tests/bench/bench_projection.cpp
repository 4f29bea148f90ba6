// eventlens-bench-projection: figures for replaying a JavaScript projection (DESIGN.md §8:
// replay 1 million events through a JavaScript projection <= 2 s). Not a test: it prints numbers.
//
//   eventlens-bench-projection [--events N] [--store PATH] [--script FILE] [--samples K] [--json]
//
// Uses the demo store at --store PATH (created there with N demo events when missing; without
// --store a temporary one), then
// 1. replays its first N events through the script (default: the bundled account balances,
//    one partition per account) with ProjectionReplay::runTo(), checkpoints included;
// 2. the same as `eventlens-cli project` runs it (ProjectionRun: no checkpoints, the store read
//    ahead on another thread), on one engine and on two (and on one per core, with more cores);
// 3. seeks K random positions (restore the nearest checkpoint, replay, step with details) and
//    steps back from each.
// Build it in Release: a Debug or sanitizer build measures the instrumentation.

#include "benchsupport.h"
#include "demogenerator.h"
#include "eventquery.h"
#include "eventstore.h"
#include "projectionreplay.h"
#include "projectionrun.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QThread>

#include <memory>

using namespace eventlens;
using namespace eventlens::bench;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("eventlens-bench-projection"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Replay speed of a JavaScript projection."));
    parser.addHelpOption();
    const QCommandLineOption eventsOption(QStringLiteral("events"), QStringLiteral("Events to replay (default 1000000)."),
                                          QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption storeOption(QStringLiteral("store"), QStringLiteral("Use this demo store; created there when missing."),
                                         QStringLiteral("PATH"));
    const QCommandLineOption scriptOption(QStringLiteral("script"), QStringLiteral("The projection (default: account balances)."),
                                          QStringLiteral("FILE"),
                                          QStringLiteral(EVENTLENS_SOURCE_DIR "/resources/projections/account-balances.js"));
    const QCommandLineOption samplesOption(QStringLiteral("samples"), QStringLiteral("Random positions to seek (default 20)."),
                                           QStringLiteral("K"), QStringLiteral("20"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print the figures as one JSON object."));
    parser.addOptions({eventsOption, storeOption, scriptOption, samplesOption, jsonOption});
    parser.process(app);

    bool ok = false;
    const qint64 events = parser.value(eventsOption).toLongLong(&ok);
    const int samples = parser.value(samplesOption).toInt(&ok) > 0 ? parser.value(samplesOption).toInt() : 20;
    if (events < 1) {
        std::fprintf(stderr, "eventlens-bench-projection: --events must be a positive number\n");
        return 2;
    }
    QFile scriptFile(parser.value(scriptOption));
    if (!scriptFile.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "eventlens-bench-projection: cannot read %s\n", qPrintable(scriptFile.fileName()));
        return 1;
    }
    const QString script = QString::fromUtf8(scriptFile.readAll());
    const bool json = parser.isSet(jsonOption);

    Figures figures;
    const DemoStore demo = openDemoStore("eventlens-bench-projection", parser.value(storeOption), QString(), events, json);
    if (!demo.store)
        return 1;
    const EventStore *store = demo.store.get();

    // 1. The replay with checkpoints.
    ProjectionReplay::Options options;
    options.toPosition = events;
    auto start = Clock::now();
    ProjectionReplay replay(*store, script, options);
    if (!replay.isValid()) {
        std::fprintf(stderr, "eventlens-bench-projection: %s\n", qPrintable(replay.projection().error()->toString()));
        return 1;
    }
    const ProjectionReplay::RunResult run = replay.runTo(Projection::End);
    const double replaySeconds = secondsSince(start);
    const qint64 processed = replay.projection().processedCount();
    const qsizetype partitions = replay.projection().partitions().size();
    figures.add(QStringLiteral("replay_seconds"), replaySeconds);
    figures.add(QStringLiteral("replay_events_per_second"), double(run.position) / replaySeconds);
    figures.add(QStringLiteral("processed_events"), double(processed));
    figures.add(QStringLiteral("partitions"), double(partitions));
    figures.add(QStringLiteral("checkpoints"), double(replay.checkpointCount()));
    figures.add(QStringLiteral("checkpoint_mib"), double(replay.checkpointBytes()) / (1 << 20));
    figures.add(QStringLiteral("checkpoint_interval"), replay.checkpointInterval());
    if (!json) {
        out() << "replay of " << number(double(run.position)) << " events (" << number(double(processed)) << " processed, "
              << number(double(partitions)) << " partitions): " << number(replaySeconds, 2) << " s, "
              << number(double(run.position) / replaySeconds) << " events/s; " << replay.checkpointCount()
              << " checkpoints, " << number(double(replay.checkpointBytes()) / (1 << 20), 1) << " MiB, every "
              << replay.checkpointInterval() << " events" << Qt::endl;
    }

    // 2. The whole replay as `eventlens-cli project` runs it (ProjectionRun: no checkpoints,
    // the projection's category read ahead on another thread), on one engine and on several.
    {
        EventQuery query;
        query.toPosition = events;
        std::vector<int> engineCounts = {1, 2};
        if (QThread::idealThreadCount() > 2)
            engineCounts.push_back(QThread::idealThreadCount());
        for (const int engines : engineCounts) {
            ProjectionRun::Options options;
            options.engines = engines;
            start = Clock::now();
            const ProjectionRun::Outcome outcome = ProjectionRun::run(script, QStringLiteral("projection.js"), *store, query, options);
            const double seconds = secondsSince(start);
            figures.add(QStringLiteral("run_seconds_%1_engines").arg(outcome.engines), seconds);
            if (!json)
                out() << "the same as `eventlens-cli project --engines " << engines << "` (" << outcome.engines
                      << (outcome.engines == 1 ? " engine" : " engines") << ", no checkpoints): " << number(seconds, 2) << " s, "
                      << number(double(outcome.eventCount) / seconds) << " events/s" << Qt::endl;
        }
    }

    // 3. Random positions.
    std::mt19937_64 rng(42);
    std::vector<double> seekMs;
    std::vector<double> backMs;
    for (int i = 0; i < samples; ++i) {
        const qint64 target = 1 + qint64(rng() % quint64(std::max<qint64>(1, run.position)));
        start = Clock::now();
        replay.seek(target);
        seekMs.push_back(msSince(start));
        start = Clock::now();
        replay.stepBack();
        backMs.push_back(msSince(start));
    }
    figures.add(QStringLiteral("seek_p50_ms"), percentile(seekMs, 50));
    figures.add(QStringLiteral("seek_max_ms"), percentile(seekMs, 100));
    figures.add(QStringLiteral("step_back_p50_ms"), percentile(backMs, 50));
    figures.add(QStringLiteral("step_back_max_ms"), percentile(backMs, 100));
    figures.add(QStringLiteral("peak_rss_mib"), double(procStatusKb("VmHWM")) / 1024);
    if (json) {
        std::printf("%s\n", QJsonDocument(figures.json).toJson(QJsonDocument::Compact).constData());
    } else {
        out() << "seek to a random position: median " << number(percentile(seekMs, 50), 1) << " ms, max "
              << number(percentile(seekMs, 100), 1) << " ms; step back: median " << number(percentile(backMs, 50), 1)
              << " ms, max " << number(percentile(backMs, 100), 1) << " ms (" << samples << " samples)" << Qt::endl;
        out() << "peak RSS " << number(double(procStatusKb("VmHWM")) / 1024) << " MiB" << Qt::endl;
    }
    return 0;
}

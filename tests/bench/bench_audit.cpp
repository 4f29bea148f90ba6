// eventlens-bench-audit: how long audit snapshots take (AuditSnapshot::build and
// verifyAuditSnapshot). Not a test: it prints numbers.
//
//   eventlens-bench-audit [--events N] [--store PATH] [--dir DIR] [--script FILE] [--json]
//
// Uses the demo store at --store PATH (created there with N demo events when missing), or a new
// demo store of N events (default 1,000,000) in a temporary directory, and measures at the head:
//   1. a snapshot of every aggregate (JSON merge states), and its canonical text;
//   2. the same with a projection (default: the bundled account balances);
//   3. verify-snapshot of the second: the hash chain up to the point plus the recomputation;
// with events/s for each, the size of the JSON text, and the peak resident memory (VmHWM).
// Warm cache (the store is read once before). Build it in Release.

#include "auditsnapshot.h"
#include "benchsupport.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

using namespace eventlens;
using namespace eventlens::bench;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("eventlens-bench-audit"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Time of audit snapshots and their verification."));
    parser.addHelpOption();
    const QCommandLineOption eventsOption(QStringLiteral("events"), QStringLiteral("Demo events to generate (default 1000000)."),
                                          QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption storeOption(QStringLiteral("store"), QStringLiteral("Use this demo store; created there when missing."),
                                         QStringLiteral("PATH"));
    const QCommandLineOption dirOption(QStringLiteral("dir"), QStringLiteral("Directory for the temporary store."), QStringLiteral("DIR"));
    const QCommandLineOption scriptOption(QStringLiteral("script"), QStringLiteral("The projection (default: account balances)."),
                                          QStringLiteral("FILE"),
                                          QStringLiteral(EVENTLENS_SOURCE_DIR "/resources/projections/account-balances.js"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print the figures as one JSON object."));
    parser.addOptions({eventsOption, storeOption, dirOption, scriptOption, jsonOption});
    parser.process(app);

    bool ok = false;
    const qint64 events = parser.value(eventsOption).toLongLong(&ok);
    if (!ok || events < 1) {
        std::fprintf(stderr, "eventlens-bench-audit: --events must be a positive number\n");
        return 2;
    }
    const bool json = parser.isSet(jsonOption);
    QFile scriptFile(parser.value(scriptOption));
    if (!scriptFile.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "eventlens-bench-audit: cannot read %s\n", qPrintable(scriptFile.fileName()));
        return 1;
    }
    const QString script = QString::fromUtf8(scriptFile.readAll());

    const DemoStore demo = openDemoStore("eventlens-bench-audit", parser.value(storeOption),
                                         parser.isSet(dirOption) ? parser.value(dirOption) : QString(), events, json);
    if (!demo.store)
        return 1;
    const EventStore &store = *demo.store;
    const qint64 head = store.headPosition();
    QJsonObject figures;
    figures.insert(QStringLiteral("events"), double(head));
    if (!json)
        out() << "store " << demo.path << ": " << number(double(head)) << " events" << Qt::endl;
    store.verify(); // warm the cache

    try {
        AuditRequest request;
        request.atPosition = head;
        request.storeName = QFileInfo(demo.path).fileName();

        auto start = Clock::now();
        const AuditSnapshot plain = AuditSnapshot::build(store, request);
        const double plainSeconds = secondsSince(start);
        start = Clock::now();
        const QByteArray text = plain.text();
        const double textSeconds = secondsSince(start);

        request.projections.push_back({QFileInfo(scriptFile.fileName()).fileName(), script});
        start = Clock::now();
        const AuditSnapshot withProjection = AuditSnapshot::build(store, request);
        const double projectionSeconds = secondsSince(start);

        start = Clock::now();
        const AuditVerification verification = verifyAuditSnapshot(store, withProjection);
        const double verifySeconds = secondsSince(start);
        if (!verification.ok) {
            std::fprintf(stderr, "eventlens-bench-audit: the snapshot does not verify: %s\n", qPrintable(verification.summary()));
            return 1;
        }

        const double aggregates = double(plain.json().at("aggregates").size());
        figures.insert(QStringLiteral("aggregates"), aggregates);
        figures.insert(QStringLiteral("snapshot_s"), plainSeconds);
        figures.insert(QStringLiteral("snapshot_events_per_s"), double(head) / plainSeconds);
        figures.insert(QStringLiteral("json_bytes"), double(text.size()));
        figures.insert(QStringLiteral("json_text_s"), textSeconds);
        figures.insert(QStringLiteral("snapshot_with_projection_s"), projectionSeconds);
        figures.insert(QStringLiteral("verify_s"), verifySeconds);
        figures.insert(QStringLiteral("verify_events_per_s"), double(head) / verifySeconds);
        figures.insert(QStringLiteral("peak_rss_mib"), double(procStatusKb("VmHWM")) / 1024.0);
        if (json) {
            out() << QJsonDocument(figures).toJson(QJsonDocument::Compact) << Qt::endl;
            return 0;
        }
        out() << "snapshot of " << number(aggregates) << " aggregates: " << number(plainSeconds * 1000) << " ms ("
              << number(double(head) / plainSeconds) << " events/s); canonical text " << number(double(text.size()) / 1048576.0, 1)
              << " MiB in " << number(textSeconds * 1000) << " ms" << Qt::endl;
        out() << "with the projection " << QFileInfo(scriptFile.fileName()).fileName() << ": " << number(projectionSeconds * 1000) << " ms"
              << Qt::endl;
        out() << "verify-snapshot (chain + recomputation): " << number(verifySeconds * 1000) << " ms ("
              << number(double(head) / verifySeconds) << " events/s)" << Qt::endl;
        out() << "peak resident memory: " << number(double(procStatusKb("VmHWM")) / 1024.0) << " MiB" << Qt::endl;
    } catch (const AuditError &e) {
        std::fprintf(stderr, "eventlens-bench-audit: %s\n", qPrintable(e.message()));
        return 1;
    }
    return 0;
}

#include "cli.h"

#include "auditexport.h"
#include "auditsnapshot.h"
#include "storeerror.h"
#include "timeutil.h"

#include <QFile>
#include <QFileInfo>

#include <limits>

namespace eventlens::cli {

namespace {

// The scope options: at most one kind (patterns, categories or stream names).
AuditScope scopeOf(const CommandLine &cl, const QCommandLineOption &patterns, const QCommandLineOption &categories,
                   const QCommandLineOption &streams)
{
    std::vector<AuditScope> given;
    if (cl.isSet(patterns))
        given.push_back(AuditScope{AuditScope::Kind::Pattern, cl.list(patterns)});
    if (cl.isSet(categories))
        given.push_back(AuditScope::categories(cl.list(categories)));
    if (cl.isSet(streams))
        given.push_back(AuditScope::streams(cl.list(streams)));
    if (given.size() > 1)
        throw UsageError(QStringLiteral("give at most one of %1, %2 and %3").arg(optionName(patterns), optionName(categories), optionName(streams)));
    if (given.empty())
        return AuditScope::all();
    if (given.front().values.isEmpty())
        throw UsageError(QStringLiteral("the scope option must not be empty"));
    return given.front();
}

AuditFormat formatOf(const CommandLine &cl, const QCommandLineOption &format, const QString &out)
{
    if (cl.isSet(format)) {
        if (auto f = auditFormatFromName(cl.value(format)))
            return *f;
        throw UsageError(QStringLiteral("--format must be json, csv or pdf, not '%1'").arg(cl.value(format)));
    }
    if (auto f = auditFormatFromName(QFileInfo(out).suffix().toLower()))
        return *f;
    throw UsageError(QStringLiteral("--format is missing (json, csv or pdf) and the suffix of --out does not say it"));
}

} // namespace

int runExport(const QStringList &args)
{
    CommandLine cl(QStringLiteral("export"),
                   QStringLiteral("STORE (--at-position P | --at-time T) [--streams GLOB | --category C | --stream S]... "
                                  "[--projection FILE.js]... --format json|csv|pdf --out FILE [--json] [--quiet]"),
                   QStringLiteral("Exports an audit snapshot of a store (opened read-only): the state of every aggregate in the\n"
                                  "scope and of the given projections at a point of the log, the event range covered, the hash\n"
                                  "of the chain at that point and a digest of the content.\n"
                                  "  json  canonical JSON (sorted keys): two exports of the same point differ only in\n"
                                  "        generator.generatedAt; verify it later with 'verify-snapshot'\n"
                                  "  csv   one row per aggregate: stream, category, version, events, positions, time, hash, state\n"
                                  "  pdf   a report: summary, hashes, tables, and each aggregate's event history\n"
                                  "The states are JSON merges of the events' data (the inspector's default); projections add\n"
                                  "their own states. --at-time takes the last event at or before the time."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file."));
    const QCommandLineOption atPosition(QStringLiteral("at-position"), QStringLiteral("The point: this global position."), QStringLiteral("P"));
    const QCommandLineOption atTime(QStringLiteral("at-time"), QStringLiteral("The point: the last event at or before this time (ISO 8601 or Unix time)."),
                                    QStringLiteral("T"));
    const QCommandLineOption patterns(QStringLiteral("streams"), QStringLiteral("Only streams matching this GLOB pattern (repeatable)."), QStringLiteral("GLOB"));
    const QCommandLineOption categories(QStringLiteral("category"), QStringLiteral("Only streams of this category (repeatable)."), QStringLiteral("C"));
    const QCommandLineOption streams(QStringLiteral("stream"), QStringLiteral("Only this stream (repeatable)."), QStringLiteral("S"));
    const QCommandLineOption projection(QStringLiteral("projection"), QStringLiteral("Include this projection's state (repeatable)."),
                                        QStringLiteral("FILE.js"));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("json, csv or pdf (default: from the suffix of --out)."), QStringLiteral("F"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("The file to write (replaced atomically; '-' for stdout with json and csv)."),
                                 QStringLiteral("FILE"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the summary as one JSON line."));
    const QCommandLineOption quiet({QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No progress on stderr."));
    for (const auto &o : {atPosition, atTime, patterns, categories, streams, projection, format, out, json, quiet})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();

    AuditRequest request;
    request.atPosition = cl.integer(atPosition, 1, std::numeric_limits<qint64>::max());
    request.atTimeMs = cl.time(atTime);
    if (request.atPosition.has_value() == request.atTimeMs.has_value())
        throw UsageError(QStringLiteral("give exactly one of %1 and %2").arg(optionName(atPosition), optionName(atTime)));
    request.scope = scopeOf(cl, patterns, categories, streams);
    const QString outPath = cl.required(out);
    const AuditFormat fmt = formatOf(cl, format, outPath);
    if (outPath == u"-" && fmt == AuditFormat::Pdf)
        throw UsageError(QStringLiteral("a PDF report needs a file: --out FILE.pdf"));
    for (const QString &file : cl.values(projection))
        request.projections.push_back({QFileInfo(file).fileName(), readScript(file)});
    request.storeName = QFileInfo(path).fileName();

    auto store = openExistingStore(path, EventStore::OpenMode::ReadOnly);
    installInterruptHandler();
    Progress progress(QStringLiteral("exporting"), cl.isSet(quiet));
    const AuditSnapshot snapshot = [&] {
        try {
            return AuditSnapshot::build(*store, request, [&progress](qint64 done, qint64 total) {
                progress.update(done, total);
                return !interrupted();
            });
        } catch (const AuditCancelled &) {
            throw CommandError(QStringLiteral("interrupted; nothing was written"));
        } catch (const AuditError &e) {
            throw CommandError(e.message());
        }
    }();
    progress.finish();

    if (outPath == u"-") {
        writeOut(fmt == AuditFormat::Json ? snapshot.text() : snapshot.csv());
        return ExitOk;
    }
    try {
        writeAuditExport(*store, snapshot, fmt, outPath);
    } catch (const AuditError &e) {
        throw CommandError(e.message());
    }
    const nlohmann::json &s = snapshot.json();
    if (cl.isSet(json)) {
        nlohmann::ordered_json summary = nlohmann::ordered_json::object();
        summary["file"] = outPath.toStdString();
        summary["format"] = auditFormatName(fmt).toStdString();
        summary["position"] = snapshot.position();
        summary["time"] = s.at("point").at("time").get<std::string>();
        summary["events"] = s.at("range").at("events").get<qint64>();
        summary["aggregates"] = s.at("aggregates").size();
        summary["projections"] = s.at("projections").size();
        summary["headHash"] = s.at("chain").at("headHash").get<std::string>();
        summary["digest"] = snapshot.digest().toStdString();
        writeOut(jsonText(summary) + u'\n');
        return ExitOk;
    }
    writeOut(QStringLiteral("exported a snapshot at position %1 (%2): %3, %4, %5 -> %6 (%7)\ndigest %8\n")
                 .arg(QString::number(snapshot.position()), timeutil::formatIsoString(snapshot.timeMs()),
                      counted(qint64(s.at("range").at("events").get<qint64>()), "event", "events"),
                      counted(qint64(s.at("aggregates").size()), "aggregate", "aggregates"),
                      counted(qint64(s.at("projections").size()), "projection", "projections"), outPath, auditFormatName(fmt), snapshot.digest()));
    return ExitOk;
}

int runVerifySnapshot(const QStringList &args)
{
    CommandLine cl(QStringLiteral("verify-snapshot"), QStringLiteral("SNAPSHOT.json STORE [--json] [--quiet]"),
                   QStringLiteral("Recomputes an audit snapshot (made by 'export --format json') from a store, opened read-only,\n"
                                  "and reports every difference: the snapshot's own digest, the hash chain up to the snapshot's\n"
                                  "point (naming the first position that does not verify), the event range, and each aggregate's\n"
                                  "and projection's state.\n"
                                  "Exit codes: 0 the snapshot matches the store, 1 it does not, 4 it could not be checked\n"
                                  "(unreadable snapshot, missing store, a projection script failing), 2 usage."));
    cl.addPositional(QStringLiteral("SNAPSHOT.json"), QStringLiteral("The snapshot."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the result as one JSON object."));
    const QCommandLineOption quiet({QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No progress on stderr."));
    cl.addOption(json);
    cl.addOption(quiet);
    if (auto code = cl.parse(args))
        return *code;
    const QStringList positional = cl.requirePositional(2, QStringLiteral("SNAPSHOT.json and STORE"));

    AuditVerification result;
    try {
        QFile file(positional.at(0));
        if (!file.open(QIODevice::ReadOnly))
            throw CommandError(QStringLiteral("cannot read %1: %2").arg(positional.at(0), file.errorString()));
        const AuditSnapshot snapshot = AuditSnapshot::fromText(file.readAll(), positional.at(0));
        auto store = openExistingStore(positional.at(1), EventStore::OpenMode::ReadOnly);
        installInterruptHandler();
        Progress progress(QStringLiteral("verifying"), cl.isSet(quiet));
        try {
            result = verifyAuditSnapshot(*store, snapshot, [&progress](qint64 done, qint64 total) {
                progress.update(done, total);
                return !interrupted();
            });
        } catch (const AuditCancelled &) {
            throw CommandError(QStringLiteral("interrupted; the snapshot was not fully verified"));
        }
        progress.finish();
    } catch (const AuditError &e) {
        throw CommandError(e.message(), ExitError);
    } catch (const CommandError &e) {
        throw CommandError(e.message(), ExitError);
    } catch (const StoreError &e) {
        throw CommandError(e.message(), ExitError);
    }

    if (cl.isSet(json)) {
        writeOut(jsonText(result.toJson()) + u'\n');
    } else {
        for (const AuditDifference &d : result.differences) {
            const QString where = d.position > 0 ? QStringLiteral("position %1: ").arg(d.position) : QString();
            writeOut(QStringLiteral("%1%2: %3\n").arg(where, d.path, d.message));
        }
        writeOut(result.summary() + u'\n');
    }
    return result.ok ? ExitOk : ExitFailure;
}

} // namespace eventlens::cli

#include "cli.h"

#include "jsonutil.h"
#include "projection.h"
#include "projectioncomparison.h"

#include <QFileInfo>

#include <atomic>
#include <exception>

namespace eventlens::cli {

namespace {

using Json = nlohmann::ordered_json;

// "  replace /balance 1200", "  move /a -> /b"
QString patchText(const Json &patch, const QString &prefix)
{
    QString text;
    for (const Json &op : patch) {
        const QString name = QString::fromStdString(op.value("op", std::string()));
        const QString path = QString::fromStdString(op.value("path", std::string()));
        QString line = prefix + name + u' ' + (path.isEmpty() ? QStringLiteral("(whole state)") : path);
        if (op.contains("from"))
            line = prefix + name + u' ' + QString::fromStdString(op["from"].get<std::string>()) + QStringLiteral(" -> ") + path;
        if (op.contains("value"))
            line += u' ' + elide(jsonText(op["value"]), 2000);
        text += line + u'\n';
    }
    return text;
}

} // namespace

int runDiffProjection(const QStringList &args)
{
    CommandLine cl(QStringLiteral("diff-projection"), QStringLiteral("A.js B.js (--store STORE | --input FILE) [--json]"),
                   QStringLiteral("Runs two versions of a projection over the same events and compares them after every\n"
                                  "event: the states of every partition, the shared state and the results. Prints, per\n"
                                  "partition that differs at the end, the RFC 6902 JSON Patch from A's state to B's, and the\n"
                                  "first position after which the two runs diverge (with its event and partition).\n"
                                  "--json prints one object: equal, firstDivergentPosition (null when equal),\n"
                                  "firstDivergentPartition, firstDivergentEvent (canonical event keys), patches ({partition:\n"
                                  "patch}, only the partitions that differ at the end), sharedPatch (a patch) and\n"
                                  "resultPatches ({partition: patch}).\n"
                                  "Exit codes: 0 equal, 1 different, 2 usage error, 4 any other failure (a script error with\n"
                                  "its line and column, a missing file or store) with the message on stderr."));
    cl.addPositional(QStringLiteral("A.js"), QStringLiteral("The first (reference) version of the projection."));
    cl.addPositional(QStringLiteral("B.js"), QStringLiteral("The second version."));
    const QCommandLineOption store = sourceStoreOption();
    const QCommandLineOption input = sourceInputOption();
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the comparison as one JSON object."));
    for (const auto &o : {store, input, json})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QStringList scripts = cl.requirePositional(2, QStringLiteral("A.js and B.js"));
    checkEventSource(cl, store, input);

    ProjectionComparison comparison;
    try {
        const QString scriptA = readScript(scripts.at(0));
        const QString scriptB = readScript(scripts.at(1));
        // Compile both first: a syntax error is reported before any event is read.
        if (const auto error = Projection::check(scriptA))
            throw CommandError(scripts.at(0) + QStringLiteral(": ") + error->toString());
        if (const auto error = Projection::check(scriptB))
            throw CommandError(scripts.at(1) + QStringLiteral(": ") + error->toString());
        const EventSource source = openEventSource(cl, store, input);

        std::atomic_bool cancel{false};
        Progress progress(QStringLiteral("comparing"), false);
        const ProjectionRunOptions options = interruptibleRunOptions(source, progress, &cancel);
        comparison = compareProjections(source.store(), scriptA, scriptB, options);
        progress.finish();
        if (comparison.errorA)
            throw CommandError(scripts.at(0) + QStringLiteral(": ") + comparison.errorA->toString());
        if (comparison.errorB)
            throw CommandError(scripts.at(1) + QStringLiteral(": ") + comparison.errorB->toString());
        if (comparison.cancelled || interrupted())
            throw CommandError(QStringLiteral("interrupted; the comparison is incomplete"));
    } catch (...) {
        rethrowAsExitError();
    }

    const int code = comparison.equal ? ExitOk : ExitFailure;
    const bool diverged = comparison.firstDivergentPosition > 0;
    if (cl.isSet(json)) {
        Json out = Json::object();
        out["equal"] = comparison.equal;
        out["firstDivergentPosition"] = diverged ? Json(comparison.firstDivergentPosition) : Json(nullptr);
        out["firstDivergentPartition"] = diverged ? Json(jsonutil::toStd(comparison.firstDivergentPartition)) : Json(nullptr);
        out["firstDivergentEvent"] = diverged && comparison.firstDivergentEvent.position > 0 ? eventJson(comparison.firstDivergentEvent) : Json(nullptr);
        out["patches"] = comparison.patches;
        out["sharedPatch"] = comparison.sharedPatch;
        out["resultPatches"] = comparison.resultPatches;
        writeOut(jsonText(out) + u'\n');
        return code;
    }

    const QString nameA = QFileInfo(scripts.at(0)).fileName();
    const QString nameB = QFileInfo(scripts.at(1)).fileName();
    if (comparison.equal) {
        writeOut(QStringLiteral("equal: %1 and %2 agree after every event (%3)\n")
                     .arg(nameA, nameB, counted(qint64(comparison.statesA.size()), "partition", "partitions")));
        return code;
    }
    QString text = QStringLiteral("different: %1 and %2 diverge").arg(nameA, nameB);
    if (diverged) {
        text += QStringLiteral(" first after position %1").arg(comparison.firstDivergentPosition);
        if (comparison.firstDivergentEvent.position > 0)
            text += QStringLiteral(" (%1)").arg(eventLabel(comparison.firstDivergentEvent));
        if (!comparison.firstDivergentPartition.isEmpty())
            text += QStringLiteral(", partition %1").arg(comparison.firstDivergentPartition);
    }
    text += u'\n';
    if (!comparison.patches.empty()) {
        text += QStringLiteral("states at the end, %1 -> %2:\n").arg(nameA, nameB);
        for (auto it = comparison.patches.begin(); it != comparison.patches.end(); ++it) {
            const QString partition = QString::fromStdString(it.key());
            text += QStringLiteral("  partition %1:\n").arg(partition.isEmpty() ? QStringLiteral("(unpartitioned)") : partition);
            text += patchText(it.value(), QStringLiteral("    "));
        }
    } else {
        text += QStringLiteral("the states are equal at the end\n");
    }
    if (!comparison.sharedPatch.empty())
        text += QStringLiteral("shared state:\n") + patchText(comparison.sharedPatch, QStringLiteral("    "));
    if (!comparison.resultPatches.empty()) {
        text += QStringLiteral("results:\n");
        for (auto it = comparison.resultPatches.begin(); it != comparison.resultPatches.end(); ++it) {
            const QString partition = QString::fromStdString(it.key());
            text += QStringLiteral("  partition %1:\n").arg(partition.isEmpty() ? QStringLiteral("(unpartitioned)") : partition);
            text += patchText(it.value(), QStringLiteral("    "));
        }
    }
    writeOut(text);
    return code;
}

} // namespace eventlens::cli

#include "cli.h"

#include "eventquery.h"
#include "jsonutil.h"
#include "projection.h"
#include "projectionrun.h"

#include <QFileInfo>
#include <QThread>

#include <algorithm>
#include <limits>
#include <vector>

namespace eventlens::cli {

namespace {

using Json = nlohmann::ordered_json;

constexpr qsizetype kStateTextChars = 2000; // plain output: longer states are elided

Json emittedJson(const std::vector<EmittedEvent> &events)
{
    Json list = Json::array();
    for (const EmittedEvent &e : events)
        list.push_back(e.toJson());
    return list;
}

Json logsJson(const std::vector<ProjectionLog> &logs)
{
    Json list = Json::array();
    for (const ProjectionLog &l : logs)
        list.push_back(jsonutil::toStd(l.text));
    return list;
}

// One line of --steps.
Json stepJson(const ProjectionStep &step, const ProjectionDefinition &definition)
{
    Json o = Json::object();
    o["position"] = step.event.position;
    o["stream"] = jsonutil::toStd(step.event.stream);
    o["version"] = step.event.version;
    o["type"] = jsonutil::toStd(step.event.type);
    o["processed"] = step.processed;
    o["skipReason"] = step.skipReason == SkipReason::None ? Json(nullptr) : Json(jsonutil::toStd(skipReasonKey(step.skipReason)));
    o["handler"] = step.handler.isEmpty() ? Json(nullptr) : Json(jsonutil::toStd(step.handler));
    o["partition"] = definition.isPartitioned() && !step.partition.isEmpty() ? Json(jsonutil::toStd(step.partition)) : Json(nullptr);
    o["state"] = step.state;
    if (definition.biState)
        o["sharedState"] = step.sharedState;
    if (definition.hasResult())
        o["result"] = step.result;
    o["emitted"] = emittedJson(step.emitted);
    o["logs"] = logsJson(step.logs);
    if (step.error)
        o["error"] = jsonutil::toStd(step.error->toString());
    return o;
}

// "  name  value" lines, the names padded to the longest (up to 40 characters).
QString keyedLines(const Json &object)
{
    qsizetype width = 0;
    for (auto it = object.begin(); it != object.end(); ++it)
        width = std::max(width, QString::fromStdString(it.key()).size());
    width = std::min<qsizetype>(width, 40);
    QString text;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = QString::fromStdString(it.key());
        text += QStringLiteral("  %1  %2\n").arg(key.isEmpty() ? QStringLiteral("\"\"") : key.leftJustified(width), elide(jsonText(it.value()), kStateTextChars));
    }
    return text;
}

QString indented(const QString &text, const QString &prefix)
{
    QString out;
    for (const QString &line : text.split(u'\n'))
        out += prefix + line + u'\n';
    return out;
}

// Prints what a run gave: one JSON object with --json, text otherwise. `partitionKey`: --partition.
int printOutcome(const ProjectionRun::Outcome &outcome, const ProjectionDefinition &definition, const QString &scriptPath,
                 const std::optional<QString> &partitionKey, bool json)
{
    const QString key = partitionKey.value_or(QString());
    const Json state = outcome.state(key);
    if (json) {
        Json out = Json::object();
        out["state"] = state;
        if (definition.isPartitioned())
            out["partitions"] = outcome.states;
        if (definition.biState)
            out["sharedState"] = outcome.sharedState;
        if (definition.hasResult()) {
            out["result"] = outcome.result(key);
            if (definition.isPartitioned())
                out["results"] = outcome.results;
        }
        out["emitted"] = emittedJson(outcome.emitted);
        out["logs"] = logsJson(outcome.logs);
        writeOut(jsonText(out) + u'\n');
        return ExitOk;
    }

    QString text = QStringLiteral("%1: %2 read, %3 processed, last position %4\n")
                       .arg(QFileInfo(scriptPath).fileName(), counted(outcome.eventCount, "event", "events"),
                            QString::number(outcome.processedCount), QString::number(outcome.position));
    if (outcome.engines > 1)
        text += QStringLiteral("engines: %1 (the streams split between them)\n").arg(outcome.engines);
    if (definition.isPartitioned()) {
        text += QStringLiteral("partitions (%1):\n").arg(outcome.states.size()) + keyedLines(outcome.states);
        if (partitionKey) {
            text += state.is_null() ? QStringLiteral("state of partition %1: none (the partition does not exist)\n").arg(key)
                                    : QStringLiteral("state of partition %1:\n").arg(key) + indented(jsonText(state, 2), QStringLiteral("  "));
        }
    } else {
        text += state.is_null() ? QStringLiteral("state: none (no event processed)\n")
                                : QStringLiteral("state:\n") + indented(jsonText(state, 2), QStringLiteral("  "));
    }
    if (definition.biState)
        text += QStringLiteral("shared state:\n") + indented(jsonText(outcome.sharedState, 2), QStringLiteral("  "));
    if (definition.hasResult()) {
        if (!definition.isPartitioned() || partitionKey) {
            const Json result = outcome.result(key);
            text += result.is_null() ? QStringLiteral("result: null (filtered out)\n")
                                     : QStringLiteral("result:\n") + indented(jsonText(result, 2), QStringLiteral("  "));
        } else {
            text += QStringLiteral("results (%1):\n").arg(outcome.results.size()) + keyedLines(outcome.results);
        }
    }
    text += QStringLiteral("emitted (%1):\n").arg(outcome.emitted.size());
    for (const EmittedEvent &e : outcome.emitted) {
        text += QStringLiteral("  at %1: %2 %3 %4").arg(QString::number(e.sourcePosition), e.stream, e.type, jsonText(e.data));
        if (e.metadata.is_object() && !e.metadata.empty())
            text += QStringLiteral(" metadata %1").arg(jsonText(e.metadata));
        text += u'\n';
    }
    text += QStringLiteral("logs (%1):\n").arg(outcome.logs.size());
    for (const ProjectionLog &l : outcome.logs)
        text += QStringLiteral("  at %1: %2\n").arg(QString::number(l.sourcePosition), l.text);
    writeOut(text);
    return ExitOk;
}

} // namespace

int runProject(const QStringList &args)
{
    CommandLine cl(QStringLiteral("project"),
                   QStringLiteral("SCRIPT.js (--store STORE | --input FILE) [--to P] [--partition K] [--engines N|auto] [--steps] [--json]"),
                   QStringLiteral("Runs a KurrentDB / EventStoreDB user-defined projection (JavaScript: fromAll, fromStream(s),\n"
                                  "fromCategory, foreachStream, partitionBy, when, transformBy, filterBy, outputState, emit,\n"
                                  "linkTo, log, options) over the events of a store or of an event file, from the first\n"
                                  "position to the last (or to --to), and prints the final state. Nothing is ever written:\n"
                                  "emit() and linkTo() are only listed. A projection of one category (or one stream) reads\n"
                                  "only that category's (stream's) events; the others count as read and skipped.\n"
                                  "\n"
                                  "--engines N runs a foreachStream() projection on N JavaScript engines at once, its\n"
                                  "streams split between them (auto: one per core). The outcome is the one engine's, as long\n"
                                  "as the handlers keep nothing outside their state (no top-level variables they change).\n"
                                  "Projections with $initShared, partitionBy() or fromStreamsMatching() run on one engine.\n"
                                  "\n"
                                  "--json prints one object: state (the unpartitioned state, or partition K's with\n"
                                  "--partition; null when it does not exist), partitions ({partition: state}, when the\n"
                                  "projection is partitioned), sharedState (with $initShared), result (with transformBy,\n"
                                  "filterBy or outputState: the unpartitioned result or partition K's; null when filtered\n"
                                  "out) and results ({partition: result}, when it is also partitioned), emitted ([{stream,\n"
                                  "type, data, metadata}]) and logs ([text]).\n"
                                  "--steps first prints one JSON line per event: position, stream, version, type, processed,\n"
                                  "skipReason (null, notSelected, nonJson, unhandled, noPartition), handler, partition,\n"
                                  "state (the partition's state after the event; null when skipped), sharedState and result\n"
                                  "(when the projection has them), emitted and logs (what this event emitted and logged), and\n"
                                  "error (only on the event that failed). With --partition only the steps of partition K.\n"
                                  "\n"
                                  "A script error (syntax, definition, runtime at an event, or the 5 s time budget per event)\n"
                                  "exits 1 with its kind, position, line and column on stderr."));
    cl.addPositional(QStringLiteral("SCRIPT.js"), QStringLiteral("The projection script."));
    const QCommandLineOption store = sourceStoreOption();
    const QCommandLineOption input = sourceInputOption();
    const QCommandLineOption to(QStringLiteral("to"), QStringLiteral("Stop after the event at this global position (inclusive)."), QStringLiteral("P"));
    const QCommandLineOption partition(QStringLiteral("partition"), QStringLiteral("Print the state (and result) of this partition."),
                                       QStringLiteral("K"));
    const QCommandLineOption engines(QStringLiteral("engines"),
                                     QStringLiteral("JavaScript engines for a foreachStream() projection: a number (1 to 64) or auto "
                                                    "(one per core). Default 1."),
                                     QStringLiteral("N"));
    const QCommandLineOption steps(QStringLiteral("steps"), QStringLiteral("First print one JSON line per event (step)."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the outcome as one JSON object."));
    for (const auto &o : {store, input, to, partition, engines, steps, json})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    int engineCount = 1;
    if (cl.value(engines) == QStringLiteral("auto"))
        engineCount = std::clamp(QThread::idealThreadCount(), 1, 64);
    else if (cl.isSet(engines))
        engineCount = int(*cl.integer(engines, 1, 64));
    if (engineCount > 1 && cl.isSet(steps))
        throw UsageError(QStringLiteral("--steps runs on one engine: leave out --engines"));
    const QString scriptPath = cl.requirePositional(1, QStringLiteral("SCRIPT.js")).constFirst();
    checkEventSource(cl, store, input);
    const std::optional<qint64> toPosition = cl.integer(to, 0, std::numeric_limits<qint64>::max());
    const QString partitionKey = cl.value(partition);
    if (cl.isSet(partition) && partitionKey.isEmpty())
        throw UsageError(QStringLiteral("--partition must not be empty"));

    const QString script = readScript(scriptPath);
    Projection projection(script, QFileInfo(scriptPath).fileName());
    if (!projection.isValid())
        throw CommandError(scriptPath + QStringLiteral(": ") + projection.error()->toString());
    const ProjectionDefinition &definition = projection.definition();
    if (cl.isSet(partition) && !definition.isPartitioned())
        throw CommandError(QStringLiteral("--partition: %1 is not partitioned (it uses neither foreachStream() nor partitionBy())").arg(scriptPath));

    const EventSource source = openEventSource(cl, store, input);
    const EventStore &events = source.store();
    EventQuery query;
    query.toPosition = toPosition;

    installInterruptHandler();
    if (cl.isSet(steps)) {
        std::optional<ProjectionError> failure;
        events.forEach(query, [&](const Event &event) {
            const ProjectionStep step = projection.step(event);
            if (!cl.isSet(partition) || step.partition == partitionKey || step.error)
                writeOut(jsonText(stepJson(step, definition)) + u'\n');
            if (step.error) {
                failure = step.error;
                return false;
            }
            return !interrupted();
        });
        if (failure)
            throw CommandError(scriptPath + QStringLiteral(": ") + failure->toString());
        if (interrupted())
            throw CommandError(QStringLiteral("interrupted at position %1").arg(projection.position()));
        const ProjectionRun::Outcome outcome = ProjectionRun::Outcome::of(projection);
        return printOutcome(outcome, definition, scriptPath, cl.isSet(partition) ? std::optional<QString>(partitionKey) : std::nullopt,
                            cl.isSet(json));
    }
    Progress progress(QStringLiteral("projecting"), false);
    ProjectionRun::Options options;
    options.engines = engineCount;
    options.cancelled = [] { return interrupted(); };
    options.progress = [&progress](qint64 done, qint64 total) { progress.update(done, total); };
    const ProjectionRun::Outcome outcome = ProjectionRun::run(script, QFileInfo(scriptPath).fileName(), events, query, options);
    progress.finish();
    if (outcome.error)
        throw CommandError(scriptPath + QStringLiteral(": ") + outcome.error->toString());
    if (outcome.cancelled)
        throw CommandError(QStringLiteral("interrupted at position %1").arg(outcome.position));
    return printOutcome(outcome, definition, scriptPath, cl.isSet(partition) ? std::optional<QString>(partitionKey) : std::nullopt,
                        cl.isSet(json));
}

} // namespace eventlens::cli

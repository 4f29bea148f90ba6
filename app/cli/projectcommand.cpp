#include "cli.h"

#include "eventprefetcher.h"
#include "eventquery.h"
#include "jsonutil.h"
#include "projection.h"

#include <QFileInfo>

#include <algorithm>
#include <limits>
#include <vector>

namespace eventlens::cli {

namespace {

using Json = nlohmann::ordered_json;

constexpr qsizetype kBatchSize = 256;       // events per Projection::feed call (see EventPrefetcher)
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

} // namespace

int runProject(const QStringList &args)
{
    CommandLine cl(QStringLiteral("project"),
                   QStringLiteral("SCRIPT.js (--store STORE | --input FILE) [--to P] [--partition K] [--steps] [--json]"),
                   QStringLiteral("Runs a KurrentDB / EventStoreDB user-defined projection (JavaScript: fromAll, fromStream(s),\n"
                                  "fromCategory, foreachStream, partitionBy, when, transformBy, filterBy, outputState, emit,\n"
                                  "linkTo, log, options) over the events of a store or of an event file, from the first\n"
                                  "position to the last (or to --to), and prints the final state. Nothing is ever written:\n"
                                  "emit() and linkTo() are only listed.\n"
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
    const QCommandLineOption steps(QStringLiteral("steps"), QStringLiteral("First print one JSON line per event (step)."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the outcome as one JSON object."));
    for (const auto &o : {store, input, to, partition, steps, json})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
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
    Progress progress(QStringLiteral("projecting"), cl.isSet(steps));
    const qint64 total = toPosition ? std::min(*toPosition, events.headPosition()) : events.headPosition();
    std::optional<ProjectionError> failure;
    if (cl.isSet(steps)) {
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
    } else {
        // The store is read a few batches ahead on another thread while the engine runs.
        EventPrefetcher reader(events, query, kBatchSize);
        for (std::vector<Event> batch = reader.next(); !batch.empty(); batch = reader.next()) {
            const Projection::FeedResult r = projection.feed(batch);
            progress.update(projection.position(), total);
            if (r.error) {
                failure = r.error;
                break;
            }
            if (interrupted())
                break;
        }
    }
    progress.finish();
    if (failure)
        throw CommandError(scriptPath + QStringLiteral(": ") + failure->toString());
    if (interrupted())
        throw CommandError(QStringLiteral("interrupted at position %1").arg(projection.position()));

    const QString key = cl.isSet(partition) ? partitionKey : QString();
    const Json state = projection.state(key);
    if (cl.isSet(json)) {
        Json out = Json::object();
        out["state"] = state;
        if (definition.isPartitioned())
            out["partitions"] = projection.states();
        if (definition.biState)
            out["sharedState"] = projection.sharedState();
        if (definition.hasResult()) {
            out["result"] = projection.result(key);
            if (definition.isPartitioned())
                out["results"] = projection.results();
        }
        out["emitted"] = emittedJson(projection.emitted());
        out["logs"] = logsJson(projection.logs());
        writeOut(jsonText(out) + u'\n');
        return ExitOk;
    }

    QString text = QStringLiteral("%1: %2 read, %3 processed, last position %4\n")
                       .arg(QFileInfo(scriptPath).fileName(), counted(projection.eventCount(), "event", "events"),
                            QString::number(projection.processedCount()), QString::number(projection.position()));
    if (definition.isPartitioned()) {
        const Json states = projection.states();
        text += QStringLiteral("partitions (%1):\n").arg(states.size()) + keyedLines(states);
        if (cl.isSet(partition)) {
            text += state.is_null() ? QStringLiteral("state of partition %1: none (the partition does not exist)\n").arg(partitionKey)
                                    : QStringLiteral("state of partition %1:\n").arg(partitionKey) + indented(jsonText(state, 2), QStringLiteral("  "));
        }
    } else {
        text += state.is_null() ? QStringLiteral("state: none (no event processed)\n")
                                : QStringLiteral("state:\n") + indented(jsonText(state, 2), QStringLiteral("  "));
    }
    if (definition.biState)
        text += QStringLiteral("shared state:\n") + indented(jsonText(projection.sharedState(), 2), QStringLiteral("  "));
    if (definition.hasResult()) {
        if (!definition.isPartitioned() || cl.isSet(partition)) {
            const Json result = projection.result(key);
            text += result.is_null() ? QStringLiteral("result: null (filtered out)\n")
                                     : QStringLiteral("result:\n") + indented(jsonText(result, 2), QStringLiteral("  "));
        } else {
            const Json results = projection.results();
            text += QStringLiteral("results (%1):\n").arg(results.size()) + keyedLines(results);
        }
    }
    const std::vector<EmittedEvent> emitted = projection.emitted();
    text += QStringLiteral("emitted (%1):\n").arg(emitted.size());
    for (const EmittedEvent &e : emitted) {
        text += QStringLiteral("  at %1: %2 %3 %4").arg(QString::number(e.sourcePosition), e.stream, e.type, jsonText(e.data));
        if (e.metadata.is_object() && !e.metadata.empty())
            text += QStringLiteral(" metadata %1").arg(jsonText(e.metadata));
        text += u'\n';
    }
    const std::vector<ProjectionLog> logs = projection.logs();
    text += QStringLiteral("logs (%1):\n").arg(logs.size());
    for (const ProjectionLog &l : logs)
        text += QStringLiteral("  at %1: %2\n").arg(QString::number(l.sourcePosition), l.text);
    writeOut(text);
    return ExitOk;
}

} // namespace eventlens::cli

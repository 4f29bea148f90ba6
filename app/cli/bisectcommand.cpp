#include "cli.h"

#include "jsonutil.h"
#include "projection.h"
#include "projectioncomparison.h"

#include <atomic>
#include <exception>

namespace eventlens::cli {

int runBisect(const QStringList &args)
{
    CommandLine cl(QStringLiteral("bisect"), QStringLiteral("SCRIPT.js (--store STORE | --input FILE) --condition EXPR [--json]"),
                   QStringLiteral("Runs a projection over the events and finds the first event after which a JavaScript\n"
                                  "condition holds (is truthy) for the partition that event touched, e.g.\n"
                                  "--condition 'state.balance < 0'. The condition sees state, shared (the shared state),\n"
                                  "event (alias e: eventType, streamId, data, ...) and partition.\n"
                                  "Prints the position, the event, the partition and the state before and after it.\n"
                                  "--json prints one object: found, position, partition, event (canonical event keys),\n"
                                  "stateBefore, state (all null when the condition never holds).\n"
                                  "Exit codes: 0 found, 1 the condition never holds, 2 usage error, 4 any other failure\n"
                                  "(a script or condition error with its line and column, a missing file or store)."));
    cl.addPositional(QStringLiteral("SCRIPT.js"), QStringLiteral("The projection script."));
    const QCommandLineOption store = sourceStoreOption();
    const QCommandLineOption input = sourceInputOption();
    const QCommandLineOption condition(QStringLiteral("condition"), QStringLiteral("A JavaScript expression over state, shared, event (e), partition."),
                                       QStringLiteral("EXPR"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the outcome as one JSON object."));
    for (const auto &o : {store, input, condition, json})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QString scriptPath = cl.requirePositional(1, QStringLiteral("SCRIPT.js")).constFirst();
    checkEventSource(cl, store, input);
    const QString expression = cl.required(condition);
    if (expression.trimmed().isEmpty())
        throw UsageError(QStringLiteral("--condition must not be blank"));

    ProjectionBisection bisection;
    try {
        const QString script = readScript(scriptPath);
        if (const auto error = Projection::check(script))
            throw CommandError(scriptPath + QStringLiteral(": ") + error->toString());
        const EventSource source = openEventSource(cl, store, input);

        std::atomic_bool cancel{false};
        Progress progress(QStringLiteral("bisecting"), false);
        const ProjectionRunOptions options = interruptibleRunOptions(source, progress, &cancel);
        bisection = bisectProjection(source.store(), script, expression, options);
        progress.finish();
        if (bisection.error) {
            // The script compiled above: an error that is not at an event is the condition's.
            const bool inScript = bisection.error->position > 0;
            throw CommandError((inScript ? scriptPath : QStringLiteral("--condition")) + QStringLiteral(": ") + bisection.error->toString());
        }
        if (bisection.cancelled || interrupted())
            throw CommandError(QStringLiteral("interrupted; the search is incomplete"));
    } catch (...) {
        rethrowAsExitError();
    }

    using Json = nlohmann::ordered_json;
    const int code = bisection.found ? ExitOk : ExitFailure;
    if (cl.isSet(json)) {
        Json out = Json::object();
        out["found"] = bisection.found;
        out["position"] = bisection.found ? Json(bisection.position) : Json(nullptr);
        out["partition"] = bisection.found && !bisection.partition.isEmpty() ? Json(jsonutil::toStd(bisection.partition)) : Json(nullptr);
        out["event"] = bisection.found ? eventJson(bisection.event) : Json(nullptr);
        out["stateBefore"] = bisection.found ? bisection.stateBefore : Json(nullptr);
        out["state"] = bisection.found ? bisection.state : Json(nullptr);
        writeOut(jsonText(out) + u'\n');
        return code;
    }
    if (!bisection.found) {
        writeOut(QStringLiteral("not found: the condition never holds\n"));
        return code;
    }
    QString text = QStringLiteral("found: the condition holds first after position %1 (%2)").arg(QString::number(bisection.position), eventLabel(bisection.event));
    if (!bisection.partition.isEmpty())
        text += QStringLiteral(", partition %1").arg(bisection.partition);
    text += u'\n';
    text += QStringLiteral("event: %1\n").arg(jsonText(eventJson(bisection.event)));
    text += QStringLiteral("state before: %1\n").arg(elide(jsonText(bisection.stateBefore), 4000));
    text += QStringLiteral("state after:  %1\n").arg(elide(jsonText(bisection.state), 4000));
    writeOut(text);
    return code;
}

} // namespace eventlens::cli

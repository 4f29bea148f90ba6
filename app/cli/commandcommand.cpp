#include "cli.h"

#include "commandhandler.h"
#include "decider.h"
#include "jsonutil.h"

namespace eventlens::cli {

QCommandLineOption domainOption()
{
    return QCommandLineOption(QStringLiteral("domain"), QStringLiteral("A bundled domain: bank or order."), QStringLiteral("NAME"));
}

QCommandLineOption deciderOption()
{
    return QCommandLineOption(QStringLiteral("decider"),
                              QStringLiteral("A decider script of your own (initialState, evolve, decide)."), QStringLiteral("FILE.js"));
}

std::unique_ptr<Decider> openDecider(const CommandLine &cl, const QCommandLineOption &domain, const QCommandLineOption &decider)
{
    if (cl.isSet(domain) == cl.isSet(decider))
        throw UsageError(QStringLiteral("give exactly one of --domain and --decider"));
    std::unique_ptr<Decider> out;
    if (cl.isSet(domain)) {
        const QString name = cl.value(domain).trimmed().toLower();
        if (!Decider::bundledDomains().contains(name)) {
            throw UsageError(QStringLiteral("unknown domain '%1' (known: %2)")
                                 .arg(cl.value(domain), Decider::bundledDomains().join(QStringLiteral(", "))));
        }
        out = Decider::bundled(name);
    } else {
        const QString path = cl.value(decider);
        out = std::make_unique<Decider>(readScript(path), path);
    }
    if (!out->isValid())
        throw CommandError(QStringLiteral("%1: %2").arg(out->fileName(), out->error()->toString()));
    return out;
}

QString resolveCommandType(const Decider &decider, const QString &type)
{
    const QStringList known = decider.commandTypes();
    for (const QString &t : known) {
        if (t.compare(type, Qt::CaseInsensitive) == 0)
            return t;
    }
    if (!known.isEmpty()) {
        throw UsageError(QStringLiteral("unknown command type '%1' for %2 (known: %3)")
                             .arg(type, decider.name(), known.join(QStringLiteral(", "))));
    }
    return type; // a decider without a `commands` list decides what it takes
}

int runCommandCommand(const QStringList &args)
{
    CommandLine cl(QStringLiteral("command"),
                   QStringLiteral("STORE (--domain bank|order | --decider FILE.js) --stream S --type T --data JSON "
                                  "[--expected-version V] [--snapshot-every N] [--state] [--json]"),
                   QStringLiteral("Sends a command to an aggregate of an embedded store (created when missing): loads the\n"
                                  "aggregate's state (its newest snapshot, then the newer events), lets the decider decide,\n"
                                  "and appends the events with an optimistic concurrency check. Prints the appended events\n"
                                  "(JSON Lines with --json).\n"
                                  "Without --expected-version the version loaded is expected, and a conflict with another\n"
                                  "writer is retried with a fresh load (3 times). Command types match case-insensitively.\n"
                                  "Exit codes: 0 appended, 3 concurrency conflict, 4 domain error (the decider's message on\n"
                                  "stderr), 1 any other failure (a script error, with its line and column)."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file (created when missing)."));
    const QCommandLineOption domain = domainOption();
    const QCommandLineOption decider = deciderOption();
    const QCommandLineOption stream(QStringLiteral("stream"), QStringLiteral("The aggregate's stream, e.g. account-42."), QStringLiteral("S"));
    const QCommandLineOption type(QStringLiteral("type"), QStringLiteral("The command type, e.g. Deposit."), QStringLiteral("T"));
    const QCommandLineOption data(QStringLiteral("data"), QStringLiteral("The command's data as a JSON object (default {})."),
                                  QStringLiteral("JSON"), QStringLiteral("{}"));
    const QCommandLineOption expected(QStringLiteral("expected-version"),
                                      QStringLiteral("any, no-stream, exists or the exact current version N (default: the version loaded, retried)."),
                                      QStringLiteral("V"));
    const QCommandLineOption snapshotEvery(QStringLiteral("snapshot-every"),
                                           QStringLiteral("Save a snapshot every N events of a stream (default 100, 0: never)."),
                                           QStringLiteral("N"), QStringLiteral("100"));
    const QCommandLineOption state(QStringLiteral("state"), QStringLiteral("Also print the aggregate's state after the command."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the events as JSON Lines (with --state, one object with events and state)."));
    for (const auto &o : {domain, decider, stream, type, data, expected, snapshotEvery, state, json})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();

    eventlens::Command command;
    command.stream = cl.required(stream);
    const QString typeText = cl.required(type);
    const QByteArray dataText = cl.value(data).toUtf8();
    command.data = nlohmann::ordered_json::parse(dataText.constBegin(), dataText.constEnd(), nullptr, false);
    if (command.data.is_discarded())
        throw UsageError(QStringLiteral("--data is not valid JSON: %1").arg(cl.value(data)));
    if (!command.data.is_object())
        throw UsageError(QStringLiteral("--data must be a JSON object"));
    if (cl.isSet(expected)) {
        command.expected = ExpectedVersion::parse(cl.value(expected));
        if (!command.expected)
            throw UsageError(QStringLiteral("invalid --expected-version '%1': expected any, no-stream, exists or a version >= -1")
                                 .arg(cl.value(expected)));
    }
    CommandHandler::Options options;
    options.snapshotEvery = int(cl.integer(snapshotEvery, 0, 1000000).value_or(100));
    options.withStates = cl.isSet(state);

    std::unique_ptr<Decider> theDecider = openDecider(cl, domain, decider);
    command.type = resolveCommandType(*theDecider, typeText);
    auto store = openOrCreateStore(path);
    CommandHandler handler(*store, *theDecider, options);
    const CommandOutcome outcome = handler.handle(command);

    switch (outcome.kind) {
    case CommandOutcome::Kind::Appended:
        break;
    case CommandOutcome::Kind::Rejected:
        throw CommandError(QStringLiteral("rejected by %1: %2").arg(theDecider->name(), outcome.message), ExitError);
    case CommandOutcome::Kind::Conflict:
        throw CommandError(outcome.message, ExitConflict);
    case CommandOutcome::Kind::Failed:
        throw CommandError(outcome.message);
    }
    if (cl.isSet(json)) {
        if (cl.isSet(state)) {
            nlohmann::ordered_json out = nlohmann::ordered_json::object();
            out["events"] = nlohmann::ordered_json::array();
            for (const Event &e : outcome.events)
                out["events"].push_back(eventJson(e));
            out["state"] = outcome.stateAfter;
            writeOut(jsonText(out) + u'\n');
        } else {
            for (const Event &e : outcome.events)
                writeOut(e.toJsonLine() + '\n');
        }
    } else {
        if (outcome.events.empty())
            writeOut(QStringLiteral("accepted: no events to append\n"));
        for (const Event &e : outcome.events) {
            writeOut(QStringLiteral("appended %1 at position %2  %3\n")
                         .arg(eventLabel(e), QString::number(e.position), QString::fromUtf8(e.data)));
        }
        if (cl.isSet(state))
            writeOut(QStringLiteral("state at version %1: %2\n")
                         .arg(QString::number(outcome.events.empty() ? outcome.loadedVersion : outcome.events.back().version),
                              jsonText(outcome.stateAfter)));
    }
    if (!outcome.message.isEmpty())
        writeErr(outcome.message + u'\n'); // appended, with a warning (a snapshot not saved...)
    return ExitOk;
}

} // namespace eventlens::cli

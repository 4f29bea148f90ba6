#include "cli.h"

#include "specification.h"
#include "specificationrunner.h"

#include <QFile>
#include <QFileInfo>

namespace eventlens::cli {

namespace {

using Json = nlohmann::ordered_json;

int runSpecRun(const QStringList &args)
{
    CommandLine cl(QStringLiteral("spec run"), QStringLiteral("FILE.json... [--json]"),
                   QStringLiteral("Runs given/when/then specifications of deciders: given the events of a stream, when a\n"
                                  "command comes, then these events are decided (or this domain error is raised). Runs in\n"
                                  "memory; no store is read or written. A \"decider\" file is found relative to the\n"
                                  "specification file. Prints PASS or FAIL (with what differs) per specification; exits 1\n"
                                  "when any fails, naming it."));
    cl.addPositional(QStringLiteral("FILE.json"), QStringLiteral("Specification files (one, an array, or {\"specifications\": [...]})."),
                     QStringLiteral("FILE.json..."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("One JSON line per specification: {file, name, passed, message}."));
    cl.addOption(json);
    if (auto code = cl.parse(args))
        return *code;
    const QStringList files = cl.positional();
    if (files.isEmpty())
        throw UsageError(QStringLiteral("missing FILE.json"));

    SpecificationRunner runner;
    int passed = 0;
    QStringList failed;
    for (const QString &file : files) {
        std::vector<SpecificationOutcome> outcomes;
        try {
            outcomes = runner.runFile(file);
        } catch (const std::runtime_error &e) {
            throw CommandError(QString::fromUtf8(e.what()));
        }
        for (const SpecificationOutcome &outcome : outcomes) {
            const QString &name = outcome.name;
            const Specification::Result &result = outcome.result;
            if (result.passed)
                ++passed;
            else
                failed.append(QStringLiteral("%1: %2").arg(file, name));
            if (cl.isSet(json)) {
                Json line = Json::object();
                line["file"] = file.toStdString();
                line["name"] = name.toStdString();
                line["passed"] = result.passed;
                if (!result.passed)
                    line["message"] = result.message.toStdString();
                writeOut(jsonText(line) + u'\n');
            } else {
                writeOut(result.passed ? QStringLiteral("PASS  %1\n").arg(name)
                                       : QStringLiteral("FAIL  %1\n      %2\n").arg(name, result.message));
            }
        }
    }
    if (!cl.isSet(json))
        writeOut(QStringLiteral("%1 passed, %2 failed\n").arg(passed).arg(failed.size()));
    if (!failed.isEmpty()) {
        throw CommandError(QStringLiteral("%1 failed: %2").arg(counted(failed.size(), "specification", "specifications"),
                                                               failed.join(QStringLiteral("; "))));
    }
    return ExitOk;
}

int runSpecExport(const QStringList &args)
{
    CommandLine cl(QStringLiteral("spec export"),
                   QStringLiteral("STORE (--domain bank|order | --decider FILE.js) --stream S [--from V] [--to V] --type T "
                                  "[--data JSON] [--name TEXT] [--out FILE.json]"),
                   QStringLiteral("Makes a given/when/then specification from a stream's history: the stream's events from\n"
                                  "version --from to --to (inclusive; default: all) are the given, the command is the when,\n"
                                  "and what the decider decides now is the then (the events, or the domain error). The store\n"
                                  "is opened read-only. Prints the specification (or writes it to --out)."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store (opened read-only)."));
    const QCommandLineOption domain = domainOption();
    const QCommandLineOption decider = deciderOption();
    const QCommandLineOption stream(QStringLiteral("stream"), QStringLiteral("The stream whose history is the given."), QStringLiteral("S"));
    const QCommandLineOption from(QStringLiteral("from"), QStringLiteral("First version of the given (default 0)."), QStringLiteral("V"));
    const QCommandLineOption to(QStringLiteral("to"), QStringLiteral("Last version of the given (default: the stream's current one)."), QStringLiteral("V"));
    const QCommandLineOption type(QStringLiteral("type"), QStringLiteral("The command type."), QStringLiteral("T"));
    const QCommandLineOption data(QStringLiteral("data"), QStringLiteral("The command's data, a JSON object (default {})."), QStringLiteral("JSON"),
                                  QStringLiteral("{}"));
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("The specification's name."), QStringLiteral("TEXT"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Write it to this file (not overwritten when it exists)."), QStringLiteral("FILE"));
    for (const auto &o : {domain, decider, stream, from, to, type, data, name, out})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();
    const QString streamName = cl.required(stream);
    const QByteArray dataText = cl.value(data).toUtf8();
    DeciderCommand command;
    command.stream = streamName;
    command.data = Json::parse(dataText.constBegin(), dataText.constEnd(), nullptr, false);
    if (!command.data.is_object())
        throw UsageError(QStringLiteral("--data must be a JSON object"));
    const qint64 fromVersion = cl.integer(from, 0, std::numeric_limits<qint64>::max()).value_or(0);
    const std::optional<qint64> toVersion = cl.integer(to, 0, std::numeric_limits<qint64>::max());
    if (toVersion && *toVersion < fromVersion)
        throw UsageError(QStringLiteral("--to must not be below --from"));
    if (cl.isSet(out) && QFileInfo::exists(cl.value(out)))
        throw CommandError(QStringLiteral("%1 exists already; not overwritten").arg(cl.value(out)));

    std::unique_ptr<Decider> theDecider = openDecider(cl, domain, decider);
    command.type = resolveCommandType(*theDecider, cl.required(type));
    auto store = openExistingStore(path, EventStore::OpenMode::ReadOnly);
    if (store->streamVersion(streamName) < 0)
        throw CommandError(QStringLiteral("no stream '%1' in %2").arg(streamName, path));
    std::vector<Event> given = store->readStream(streamName, fromVersion, toVersion ? *toVersion - fromVersion + 1 : -1);
    Specification spec;
    try {
        spec = Specification::fromHistory(*theDecider, cl.isSet(domain) ? theDecider->name() : QString(), streamName, std::move(given),
                                          command, cl.value(name));
    } catch (const DeciderError &e) {
        throw CommandError(e.error().toString());
    }
    if (!cl.isSet(domain))
        spec.deciderFile = cl.value(decider);
    const QByteArray text = QByteArray::fromStdString(spec.toJson().dump(2, ' ', false, Json::error_handler_t::replace)) + '\n';
    if (cl.isSet(out)) {
        QFile f(cl.value(out));
        if (!f.open(QIODevice::NewOnly | QIODevice::WriteOnly) || f.write(text) != text.size())
            throw CommandError(QStringLiteral("cannot write %1: %2").arg(cl.value(out), f.errorString()));
        writeOut(QStringLiteral("wrote %1 (%2)\n").arg(cl.value(out), spec.name));
    } else {
        writeOut(text);
    }
    return ExitOk;
}

} // namespace

int runSpec(const QStringList &args)
{
    const QString sub = args.value(0);
    if (sub == QStringLiteral("run"))
        return runSpecRun(args.mid(1));
    if (sub == QStringLiteral("export"))
        return runSpecExport(args.mid(1));
    if (sub == QStringLiteral("--help") || sub == QStringLiteral("-h") || sub.isEmpty()) {
        writeOut(QStringLiteral("Usage: %1 spec run FILE.json... [--json]\n"
                                "       %1 spec export STORE (--domain D | --decider FILE.js) --stream S --type T [--data JSON] ...\n"
                                "Given/when/then specifications of deciders; '%1 spec run --help' for more.\n")
                     .arg(QString::fromLatin1(kProgram)));
        return sub.isEmpty() ? ExitUsage : ExitOk;
    }
    throw UsageError(QStringLiteral("unknown spec command '%1' (known: run, export)").arg(sub));
}

} // namespace eventlens::cli

#include "cli.h"

#include "commandhandler.h"
#include "decider.h"
#include "readmodelhost.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QThreadPool>
#include <QTimer>
#include <QUrlQuery>
#include <QtConcurrent/QtConcurrentRun>

#include <map>

namespace eventlens::cli {

namespace {

using Json = nlohmann::ordered_json;
using Status = QHttpServerResponder::StatusCode;
using DomainCommand = eventlens::Command; // not cli::Command, a command of the CLI

QHttpServerResponse jsonResponse(const Json &body, Status status = Status::Ok)
{
    return QHttpServerResponse(QByteArrayLiteral("application/json"),
                               QByteArray::fromStdString(body.dump(-1, ' ', false, Json::error_handler_t::replace)), status);
}

QHttpServerResponse errorResponse(Status status, const char *error, const QString &message, Json more = Json::object())
{
    Json body = Json::object();
    body["error"] = error;
    body["message"] = message.toStdString();
    for (auto &[key, value] : more.items())
        body[key] = value;
    return jsonResponse(body, status);
}

// The deciders the server serves: the bundled domains and the user's files, by name.
struct Domains
{
    struct Domain
    {
        QString name;
        QString script;   // empty for a bundled domain
        QString fileName;
        QStringList commandTypes;
    };
    std::vector<Domain> list;

    // The domain and exact command type for a command type given in any case; when several
    // domains take it, the one whose streams look like `stream`.
    std::optional<std::pair<const Domain *, QString>> find(const QString &type, const QString &stream) const
    {
        std::optional<std::pair<const Domain *, QString>> found;
        for (const Domain &d : list) {
            for (const QString &t : d.commandTypes) {
                if (t.compare(type, Qt::CaseInsensitive) != 0)
                    continue;
                if (!found || Decider::bundledDomainForStream(stream) == d.name)
                    found = std::make_pair(&d, t);
            }
        }
        return found;
    }
};

// One command handler per domain per worker thread, each worker with its own store connection:
// concurrent requests share durable transactions (the store's group commit).
class Workers
{
public:
    Workers(const EventStore &store, CommandHandler::Options options)
        : m_store(store), m_options(options)
    {
    }

    CommandOutcome handle(const Domains::Domain &domain, const DomainCommand &command)
    {
        thread_local std::unique_ptr<EventStore> connection;
        thread_local std::map<QString, std::pair<std::unique_ptr<Decider>, std::unique_ptr<CommandHandler>>> handlers;
        if (!connection)
            connection = m_store.openAnother(EventStore::OpenMode::ReadWrite);
        auto &slot = handlers[domain.name];
        if (!slot.second) {
            slot.first = domain.script.isEmpty() ? Decider::bundled(domain.name) : std::make_unique<Decider>(domain.script, domain.fileName);
            slot.second = std::make_unique<CommandHandler>(*connection, *slot.first, m_options);
        }
        return slot.second->handle(command);
    }

private:
    const EventStore &m_store;
    const CommandHandler::Options m_options;
};

QHttpServerResponse commandResponse(const CommandOutcome &outcome, const QString &stream)
{
    switch (outcome.kind) {
    case CommandOutcome::Kind::Appended: {
        Json body = Json::object();
        body["commandId"] = outcome.commandId.toStdString();
        body["stream"] = stream.toStdString();
        body["version"] = outcome.events.empty() ? outcome.loadedVersion : outcome.events.back().version;
        body["events"] = Json::array();
        for (const Event &e : outcome.events)
            body["events"].push_back(eventJson(e));
        return jsonResponse(body);
    }
    case CommandOutcome::Kind::Rejected:
        return errorResponse(Status::UnprocessableEntity, "rejected", outcome.message);
    case CommandOutcome::Kind::Conflict:
        return errorResponse(Status::Conflict, "conflict", outcome.message,
                             Json{{"stream", stream.toStdString()}, {"expected", outcome.expected.toStdString()}, {"actual", outcome.actualVersion}});
    case CommandOutcome::Kind::Failed:
        break;
    }
    return errorResponse(Status::InternalServerError, "failed", outcome.message);
}

// The command of a POST /commands/{type} body, or the 400 response that says what is wrong.
std::variant<DomainCommand, QHttpServerResponse> parseCommand(const QByteArray &body)
{
    const Json json = Json::parse(body.constBegin(), body.constEnd(), nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return errorResponse(Status::BadRequest, "bad request", QStringLiteral("the body must be a JSON object {\"stream\": ..., \"data\": {...}, \"expectedVersion\": ...}"));
    DomainCommand command;
    const auto stream = json.find("stream");
    if (stream == json.end() || !stream->is_string() || stream->get<std::string>().empty())
        return errorResponse(Status::BadRequest, "bad request", QStringLiteral("\"stream\" must be a non-empty string"));
    command.stream = QString::fromStdString(stream->get<std::string>());
    const auto data = json.find("data");
    if (data != json.end()) {
        if (!data->is_object())
            return errorResponse(Status::BadRequest, "bad request", QStringLiteral("\"data\" must be a JSON object"));
        command.data = *data;
    }
    const auto expected = json.find("expectedVersion");
    if (expected != json.end() && !expected->is_null()) {
        std::optional<ExpectedVersion> parsed;
        if (expected->is_number_integer())
            parsed = ExpectedVersion::parse(QString::number(expected->get<qint64>()));
        else if (expected->is_string())
            parsed = ExpectedVersion::parse(QString::fromStdString(expected->get<std::string>()));
        if (!parsed)
            return errorResponse(Status::BadRequest, "bad request",
                                 QStringLiteral("\"expectedVersion\" must be a version >= -1, \"any\", \"no-stream\" or \"exists\""));
        command.expected = parsed;
    }
    const auto metadata = json.find("metadata");
    if (metadata != json.end()) {
        if (!metadata->is_object())
            return errorResponse(Status::BadRequest, "bad request", QStringLiteral("\"metadata\" must be a JSON object"));
        command.metadata = *metadata;
    }
    return command;
}

Json statusJson(const ProjectorStatus &s)
{
    Json out = Json::object();
    out["name"] = s.model.toStdString();
    out["state"] = ProjectorStatus::stateName(s.state).toStdString();
    out["checkpoint"] = s.checkpoint;
    out["head"] = s.head;
    out["lagEvents"] = s.lagEvents();
    out["lagMs"] = s.lagMs();
    out["entries"] = s.entries;
    if (!s.error.isEmpty())
        out["error"] = s.error.toStdString();
    return out;
}

} // namespace

int runServe(const QStringList &args)
{
    CommandLine cl(QStringLiteral("serve"),
                   QStringLiteral("STORE [--port N] [--bind ADDR] [--decider FILE.js]... [--workers N] [--read-db PATH] [--delay MS]"),
                   QStringLiteral("Serves the CQRS loop of an embedded store (created when missing) over HTTP: commands to the\n"
                                  "bank and order domains and to any --decider, queries of the read models (kept up to date by\n"
                                  "projectors in a separate read database), and the streams. Bound to 127.0.0.1 unless --bind\n"
                                  "says otherwise. Stops on Ctrl-C.\n"
                                  "\n"
                                  "  POST /commands/{commandType}   body {\"stream\": S, \"data\": {...}, \"expectedVersion\": V (optional)}\n"
                                  "       200 {\"commandId\", \"stream\", \"version\", \"events\": [...]}; 409 conflict (expected, actual);\n"
                                  "       422 domain error; 400 malformed body or unknown command. Types match case-insensitively.\n"
                                  "  GET  /queries/{readModel}/{key}  200 the entry's value (headers X-Eventlens-Checkpoint and\n"
                                  "       X-Eventlens-Lag: how far the read model is behind the log); 404 when absent.\n"
                                  "  GET  /queries/{readModel}?where=FIELD<OP>VALUE&limit=N  the entries that match, as a JSON array.\n"
                                  "  GET  /streams/{stream}[?from=V&limit=N]  the stream's events (canonical JSON), 404 when missing.\n"
                                  "  GET  /read-models               the read models with checkpoint and lag.\n"
                                  "Anything else is 404."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file (created when missing)."));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("TCP port (default 8080; 0: any free port, printed)."), QStringLiteral("N"), QStringLiteral("8080"));
    const QCommandLineOption bind(QStringLiteral("bind"), QStringLiteral("Address to listen on (default 127.0.0.1)."), QStringLiteral("ADDR"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption decider = deciderOption();
    const QCommandLineOption workers(QStringLiteral("workers"), QStringLiteral("Threads handling commands, each with its own connection (default 8)."),
                                     QStringLiteral("N"), QStringLiteral("8"));
    const QCommandLineOption readDb(QStringLiteral("read-db"), QStringLiteral("The read database (default: STORE.read)."), QStringLiteral("PATH"));
    const QCommandLineOption delay(QStringLiteral("delay"), QStringLiteral("Artificial delay per event in the projectors, to watch eventual consistency (ms, default 0)."),
                                   QStringLiteral("MS"), QStringLiteral("0"));
    for (const auto &o : {port, bind, decider, workers, readDb, delay})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();
    const quint16 portNumber = quint16(cl.integer(port, 0, 65535).value_or(8080));
    const QHostAddress address(cl.value(bind));
    if (address.isNull())
        throw UsageError(QStringLiteral("invalid --bind address '%1'").arg(cl.value(bind)));
    const int workerCount = int(cl.integer(workers, 1, 256).value_or(8));
    const int delayMs = int(cl.integer(delay, 0, 60000).value_or(0));

    Domains domains;
    for (const QString &name : Decider::bundledDomains())
        domains.list.push_back({name, QString(), name + QStringLiteral(".js"), Decider::bundled(name)->commandTypes()});
    for (const QString &file : cl.values(decider)) {
        const QString script = readScript(file);
        Decider check(script, file);
        if (!check.isValid())
            throw CommandError(QStringLiteral("%1: %2").arg(file, check.error()->toString()));
        if (check.commandTypes().isEmpty())
            throw CommandError(QStringLiteral("%1 lists no command types (var commands = {Type: {...}, ...})").arg(file));
        domains.list.push_back({check.name(), script, file, check.commandTypes()});
    }

    auto store = openOrCreateStore(path);
    auto reader = store->openAnother(EventStore::OpenMode::ReadOnly);
    ReadModelHost readModels(*store, cl.isSet(readDb) ? cl.value(readDb) : QString());
    readModels.setDelay(delayMs);
    readModels.start();

    CommandHandler::Options options;
    Workers handlers(*store, options);
    QThreadPool pool;
    pool.setMaxThreadCount(workerCount);
    pool.setExpiryTimeout(-1); // the workers keep their connections and engines

    QHttpServer server;
    server.route(QStringLiteral("/commands/<arg>"), QHttpServerRequest::Method::Post,
                 [&](const QString &type, const QHttpServerRequest &request) -> QFuture<QHttpServerResponse> {
                     auto parsed = parseCommand(request.body());
                     if (auto *response = std::get_if<QHttpServerResponse>(&parsed))
                         return QtFuture::makeReadyFuture(std::move(*response));
                     DomainCommand command = std::get<DomainCommand>(std::move(parsed));
                     const auto found = domains.find(type, command.stream);
                     if (!found) {
                         QStringList known;
                         for (const Domains::Domain &d : domains.list)
                             known += d.commandTypes;
                         return QtFuture::makeReadyFuture(errorResponse(
                             Status::BadRequest, "bad request",
                             QStringLiteral("unknown command '%1' (known: %2)").arg(type, known.join(QStringLiteral(", ")))));
                     }
                     command.type = found->second;
                     const Domains::Domain *domain = found->first;
                     return QtConcurrent::run(&pool, [&handlers, domain, command = std::move(command)] {
                         return commandResponse(handlers.handle(*domain, command), command.stream);
                     });
                 });
    server.route(QStringLiteral("/queries/<arg>/<arg>"), QHttpServerRequest::Method::Get,
                 [&](const QString &model, const QString &key) {
                     const auto status = readModels.status(model);
                     if (!status)
                         return errorResponse(Status::NotFound, "not found",
                                              QStringLiteral("no read model '%1' (known: %2)").arg(model, readModels.names().join(QStringLiteral(", "))));
                     const auto entry = readModels.get(model, key);
                     if (!entry)
                         return errorResponse(Status::NotFound, "not found", QStringLiteral("no entry '%1' in read model '%2'").arg(key, model));
                     QHttpServerResponse response(QByteArrayLiteral("application/json"), entry->value);
                     response.setHeader(QByteArrayLiteral("X-Eventlens-Checkpoint"), QByteArray::number(status->checkpoint));
                     response.setHeader(QByteArrayLiteral("X-Eventlens-Lag"), QByteArray::number(status->lagEvents()));
                     return response;
                 });
    server.route(QStringLiteral("/queries/<arg>"), QHttpServerRequest::Method::Get,
                 [&](const QString &model, const QHttpServerRequest &request) {
                     if (!readModels.status(model))
                         return errorResponse(Status::NotFound, "not found", QStringLiteral("no read model '%1'").arg(model));
                     const QUrlQuery query(request.url());
                     std::vector<ReadFilter> filters;
                     for (const QString &where : query.allQueryItemValues(QStringLiteral("where"), QUrl::FullyDecoded)) {
                         QString error;
                         const auto filter = ReadFilter::parse(where, &error);
                         if (!filter)
                             return errorResponse(Status::BadRequest, "bad request", error);
                         filters.push_back(*filter);
                     }
                     bool ok = true;
                     const QString limitText = query.queryItemValue(QStringLiteral("limit"));
                     const qint64 limit = limitText.isEmpty() ? 1000 : limitText.toLongLong(&ok);
                     if (!ok || limit < 0)
                         return errorResponse(Status::BadRequest, "bad request", QStringLiteral("limit must be a number >= 0"));
                     Json out = Json::array();
                     for (const ReadEntry &e : readModels.query(model, filters, limit))
                         out.push_back(Json{{"key", e.key.toStdString()}, {"value", e.json()}});
                     return jsonResponse(out);
                 });
    server.route(QStringLiteral("/streams/<arg>"), QHttpServerRequest::Method::Get,
                 [&](const QString &stream, const QHttpServerRequest &request) {
                     const QUrlQuery query(request.url());
                     bool fromOk = true;
                     bool limitOk = true;
                     const QString fromText = query.queryItemValue(QStringLiteral("from"));
                     const QString limitText = query.queryItemValue(QStringLiteral("limit"));
                     const qint64 from = fromText.isEmpty() ? 0 : fromText.toLongLong(&fromOk);
                     const qint64 limit = limitText.isEmpty() ? -1 : limitText.toLongLong(&limitOk);
                     if (!fromOk || !limitOk || from < 0 || limit < -1)
                         return errorResponse(Status::BadRequest, "bad request", QStringLiteral("from and limit must be numbers >= 0"));
                     if (reader->streamVersion(stream) < 0)
                         return errorResponse(Status::NotFound, "not found", QStringLiteral("no stream '%1'").arg(stream));
                     Json out = Json::array();
                     for (const Event &e : reader->readStream(stream, from, limit))
                         out.push_back(eventJson(e));
                     return jsonResponse(out);
                 });
    server.route(QStringLiteral("/read-models"), QHttpServerRequest::Method::Get, [&] {
        Json out = Json::array();
        for (const ProjectorStatus &s : readModels.statuses())
            out.push_back(statusJson(s));
        return jsonResponse(out);
    });
    server.setMissingHandler([](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        const Json body{{"error", "not found"},
                        {"message", QStringLiteral("no route for %1 %2")
                                        .arg(request.method() == QHttpServerRequest::Method::Post ? QStringLiteral("POST") : QStringLiteral("GET"),
                                             request.url().path())
                                        .toStdString()}};
        responder.write(QByteArray::fromStdString(body.dump()), QByteArrayLiteral("application/json"), Status::NotFound);
    });

    const quint16 listening = server.listen(address, portNumber);
    if (listening == 0)
        throw CommandError(QStringLiteral("cannot listen on %1:%2").arg(address.toString()).arg(portNumber));
    writeOut(QStringLiteral("serving %1 on http://%2:%3 (read models in %4)\n")
                 .arg(path, address.toString(), QString::number(listening), readModels.readDbPath()));
    flushOut();

    installInterruptHandler();
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, qApp, [] {
        if (interrupted())
            QCoreApplication::quit();
    });
    poll.start(100);
    QCoreApplication::exec();
    pool.waitForDone();
    readModels.stop();
    return ExitOk;
}

} // namespace eventlens::cli

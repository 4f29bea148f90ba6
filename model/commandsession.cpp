#include "commandsession.h"

#include "concurrencyerror.h"
#include "decider.h"
#include "storeerror.h"
#include "timeutil.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QMetaObject>
#include <QThread>

#include <algorithm>
#include <barrier>
#include <exception>
#include <map>
#include <thread>

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

const QString FileSuffix = QStringLiteral(" (file)");

qint64 elapsedUs(const QElapsedTimer &timer)
{
    return timer.nsecsElapsed() / 1000;
}

// "account-12" → 12 for the category "account"; -1 when the name has no number there.
qint64 streamNumber(const QString &name, const QString &category)
{
    if (!name.startsWith(category) || name.size() <= category.size() + 1 || name.at(category.size()) != u'-')
        return -1;
    bool ok = false;
    const qint64 n = QStringView(name).mid(category.size() + 1).toLongLong(&ok);
    return ok && n >= 0 ? n : -1;
}

// Names in natural order: account-2 before account-10.
bool naturalLess(const QString &a, const QString &b)
{
    const qsizetype dashA = a.lastIndexOf(u'-');
    const qsizetype dashB = b.lastIndexOf(u'-');
    if (dashA > 0 && dashB > 0 && QStringView(a).left(dashA) == QStringView(b).left(dashB)) {
        bool okA = false;
        bool okB = false;
        const qint64 na = QStringView(a).mid(dashA + 1).toLongLong(&okA);
        const qint64 nb = QStringView(b).mid(dashB + 1).toLongLong(&okB);
        if (okA && okB && na != nb)
            return na < nb;
    }
    return a < b;
}

CommandOutcome failedOutcome(const QString &message)
{
    CommandOutcome out;
    out.kind = CommandOutcome::Kind::Failed;
    out.message = message;
    return out;
}

} // namespace

// --- CommandCounters -------------------------------------------------------------------------

std::vector<CommandStage> CommandCounters::lastPath() const
{
    std::vector<CommandStage> path;
    if (!hasLast)
        return path;
    for (int s = int(CommandStage::Commands); s <= int(lastStage); ++s)
        path.push_back(CommandStage(s));
    return path;
}

QString CommandCounters::stageName(CommandStage stage)
{
    switch (stage) {
    case CommandStage::Commands:
        return QStringLiteral("Commands");
    case CommandStage::CommandHandler:
        return QStringLiteral("Command Handler");
    case CommandStage::Aggregate:
        return QStringLiteral("Aggregate");
    case CommandStage::EventStore:
        break;
    }
    return QStringLiteral("Event Store");
}

// --- the worker --------------------------------------------------------------------------------

// Lives on the session's thread: the store connection, the deciders and their handlers.
class CommandSession::Worker
{
public:
    explicit Worker(CommandSession *session) : m_session(session) {}

    ~Worker()
    {
        // Handlers refer to the store and their decider: they go first.
        m_domains.clear();
        m_store.reset();
    }

    void run(CommandSessionResult result, const std::function<void(Worker &, CommandSessionResult &)> &work)
    {
        QElapsedTimer timer;
        timer.start();
        try {
            work(*this, result);
        } catch (const DeciderError &e) {
            result.error = e.error();
            result.message = e.error().toString();
        } catch (const StoreError &e) {
            result.message = e.message();
        } catch (const std::exception &e) {
            result.message = QString::fromUtf8(e.what());
        }
        result.durationUs = elapsedUs(timer);
        // Queued to the session's thread; the session outlives this thread (its destructor waits).
        QMetaObject::invokeMethod(m_session, [session = m_session, result = std::move(result)]() mutable {
            session->deliver(std::move(result));
        }, Qt::QueuedConnection);
    }

    // --- requests ----------------------------------------------------------------------------

    void setStore(const QString &path, bool readOnly, CommandSessionResult &r)
    {
        for (auto &[name, domain] : m_domains)
            domain.handler.reset();
        m_store.reset();
        m_writable = false;
        m_readOnlyReason.clear();
        if (path.isEmpty())
            return;
        const QFileInfo file(path);
        if (!file.exists())
            throw StoreError(QStringLiteral("cannot open store '%1': no such file").arg(path));
        if (readOnly) {
            m_readOnlyReason = QStringLiteral("the store %1 is open read-only: commands cannot append to it").arg(path);
        } else if (!file.isWritable()) {
            m_readOnlyReason = QStringLiteral("the store %1 is read-only (no write permission): commands cannot append to it").arg(path);
        } else {
            try {
                m_store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
                m_writable = true;
            } catch (const StoreError &e) {
                m_readOnlyReason = QStringLiteral("the store cannot be opened for writing: %1").arg(e.message());
            }
        }
        if (!m_store)
            m_store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
        r.writable = m_writable;
        r.headPosition = m_store->headPosition();
        r.message = m_readOnlyReason;
    }

    void setSnapshotEvery(int events, CommandSessionResult &)
    {
        m_snapshotEvery = std::max(0, events);
        for (auto &[name, domain] : m_domains)
            domain.handler.reset();
    }

    void loadDecider(const QString &path, CommandSessionResult &r)
    {
        r.filePath = path;
        std::unique_ptr<Decider> decider = Decider::fromFile(path);
        if (!decider->isValid())
            throw DeciderError(decider->error().value_or(ProjectionError{ProjectionError::Kind::Definition, QStringLiteral("no decider")}));
        // Its name: the file's, unless a bundled domain or another file has it.
        QString name = decider->name();
        if (Decider::bundledDomains().contains(name))
            name += FileSuffix;
        const QString base = name;
        for (int n = 2;; ++n) {
            const auto it = m_domains.find(name);
            if (it == m_domains.end() || it->second.file == path)
                break;
            name = base + QStringLiteral(" (%1)").arg(n);
        }
        r.domain = name;
        r.commandTypes = decider->commandTypes();
        for (const QString &type : std::as_const(r.commandTypes))
            r.templates[type.toStdString()] = decider->commandTemplate(type);
        Domain &domain = m_domains[name];
        domain.handler.reset();
        domain.file = path;
        domain.decider = std::move(decider);
    }

    void send(const QString &name, const QString &stream, const QString &type, const Json &data,
              const std::optional<ExpectedVersion> &expected, CommandSessionResult &r)
    {
        CommandHandler *handler = nullptr;
        if (!commandTarget(name, &r.outcome, &r.stoppedAt, &handler))
            return;
        Command command;
        command.stream = stream;
        command.type = type;
        command.data = data;
        command.expected = expected;
        try {
            r.outcome = handler->handle(command);
        } catch (const std::exception &e) {
            r.outcome = failedOutcome(QString::fromUtf8(e.what()));
        }
        r.stoppedAt = stageOf(r.outcome);
        r.headPosition = m_store->headPosition();
    }

    void race(const QString &name, const QString &stream, std::optional<qint64> expected, CommandSessionResult &r)
    {
        const size_t n = r.raceCommands.size();
        r.raceOutcomes.assign(n, CommandOutcome());
        r.raceStoppedAt.assign(n, CommandStage::Commands);
        r.raceDurationsUs.assign(n, 0);
        CommandHandler *handler = nullptr;
        CommandOutcome refused;
        CommandStage stage = CommandStage::Commands;
        if (!commandTarget(name, &refused, &stage, &handler)) {
            std::fill(r.raceOutcomes.begin(), r.raceOutcomes.end(), refused);
            std::fill(r.raceStoppedAt.begin(), r.raceStoppedAt.end(), stage);
            return;
        }
        const qint64 version = expected.value_or(m_store->streamVersion(stream));
        r.raceVersion = version;
        const Domain &target = m_domains.at(name);
        const bool bundled = target.file.isEmpty();
        const QString script = target.decider->script();
        const QString fileName = target.decider->fileName();

        // Every client loads and decides; only when all have decided do they append, each
        // expecting the version they loaded.
        std::barrier decided(static_cast<std::ptrdiff_t>(n));
        std::vector<std::thread> clients;
        clients.reserve(n);
        for (size_t i = 0; i < n; ++i) {
            clients.emplace_back([&, i] {
                QElapsedTimer timer;
                timer.start();
                r.raceOutcomes[i] = raceClient(bundled ? name : QString(), script, fileName, stream, version,
                                               r.raceCommands[i], int(i), decided);
                r.raceStoppedAt[i] = stageOf(r.raceOutcomes[i]);
                r.raceDurationsUs[i] = elapsedUs(timer);
            });
        }
        for (std::thread &client : clients)
            client.join();
        r.headPosition = m_store->headPosition();
    }

    void streamState(const QString &name, const QString &stream, CommandSessionResult &r)
    {
        if (!m_store)
            throw StoreError(QStringLiteral("no store is open"));
        CommandHandler::Loaded loaded = handlerOf(domain(name)).load(stream);
        r.state = std::move(loaded.state);
        r.version = loaded.version;
        r.snapshotVersion = loaded.snapshotVersion;
        r.replayed = loaded.replayed;
        r.snapshots = m_store->snapshots(stream);
    }

    void snapshots(const QString &stream, CommandSessionResult &r)
    {
        if (!m_store)
            throw StoreError(QStringLiteral("no store is open"));
        r.snapshots = m_store->snapshots(stream);
    }

    void streams(const QString &category, int limit, CommandSessionResult &r)
    {
        if (!m_store)
            throw StoreError(QStringLiteral("no store is open"));
        qint64 highest = 0;
        m_store->forEachStream([&](const StreamInfo &info) {
            ++r.streamCount;
            if (r.streams.size() < limit)
                r.streams.append(info.name);
            highest = std::max(highest, streamNumber(info.name, category));
            return true;
        }, category);
        std::sort(r.streams.begin(), r.streams.end(), naturalLess);
        QString next = category + QLatin1Char('-') + QString::number(highest + 1);
        // A name without a number may already hold it ("account-7" when the numbers are gaps).
        for (qint64 n = highest + 2; m_store->streamVersion(next) >= 0; ++n)
            next = category + QLatin1Char('-') + QString::number(n);
        r.nextStream = next;
    }

private:
    struct Domain
    {
        QString file; // empty for a bundled domain
        std::unique_ptr<Decider> decider;
        std::unique_ptr<CommandHandler> handler; // declared after the decider: destroyed first
    };

    Domain &domain(const QString &name)
    {
        auto it = m_domains.find(name);
        if (it == m_domains.end()) {
            if (!Decider::bundledDomains().contains(name))
                throw DeciderError(ProjectionError{ProjectionError::Kind::Definition, QStringLiteral("unknown domain '%1'").arg(name)});
            it = m_domains.emplace(name, Domain()).first;
        }
        if (!it->second.decider)
            it->second.decider = Decider::bundled(name);
        if (!it->second.decider->isValid())
            throw DeciderError(it->second.decider->error().value_or(ProjectionError{ProjectionError::Kind::Definition, QStringLiteral("no decider")}));
        return it->second;
    }

    CommandHandler &handlerOf(Domain &domain)
    {
        if (!domain.handler) {
            CommandHandler::Options options;
            options.withStates = true;
            options.snapshotEvery = m_snapshotEvery;
            domain.handler = std::make_unique<CommandHandler>(*m_store, *domain.decider, options);
        }
        return *domain.handler;
    }

    // The handler a command of the domain goes to; false (and the outcome filled in) when there
    // is none: no store, a read-only one, an unknown domain or a broken decider.
    bool commandTarget(const QString &name, CommandOutcome *refused, CommandStage *stage, CommandHandler **handler)
    {
        if (!m_store) {
            *refused = failedOutcome(QStringLiteral("no store is open"));
            *stage = CommandStage::Commands;
            return false;
        }
        if (!m_writable) {
            *refused = failedOutcome(m_readOnlyReason);
            *stage = CommandStage::CommandHandler;
            return false;
        }
        try {
            *handler = &handlerOf(domain(name));
        } catch (const DeciderError &e) {
            *refused = failedOutcome(e.error().toString());
            *stage = CommandStage::Aggregate;
            return false;
        }
        return true;
    }

    // One client of a race, on a thread of its own: its own connection and decider; loads the
    // stream, decides, waits for every client to have decided, then appends expecting `version`.
    CommandOutcome raceClient(const QString &bundledName, const QString &script, const QString &fileName,
                              const QString &stream, qint64 version, const RaceCommand &command, int client,
                              std::barrier<> &decided)
    {
        CommandOutcome out;
        out.commandId = EventStore::newEventId();
        out.attempts = 1;
        // Declared in this order: the state goes before its decider, the decider before the
        // connection.
        std::unique_ptr<EventStore> connection;
        std::unique_ptr<Decider> decider;
        Decider::State state;
        std::vector<NewEvent> events;
        try {
            connection = m_store->openAnother(EventStore::OpenMode::ReadWrite);
            decider = bundledName.isEmpty() ? std::make_unique<Decider>(script, fileName) : Decider::bundled(bundledName);
            if (!decider->isValid())
                throw DeciderError(decider->error().value_or(ProjectionError{ProjectionError::Kind::Definition, QStringLiteral("no decider")}));
            {
                CommandHandler::Options options;
                options.snapshotEvery = m_snapshotEvery;
                CommandHandler loader(*connection, *decider, options);
                CommandHandler::Loaded loaded = loader.load(stream);
                out.loadedVersion = loaded.version;
                out.snapshotVersion = loaded.snapshotVersion;
                out.replayed = loaded.replayed;
                state = decider->stateFromJson(loaded.state, loaded.version);
                out.stateBefore = std::move(loaded.state);
            }
            const ExpectedVersion expected = ExpectedVersion::exact(version);
            if (!expected.matches(out.loadedVersion)) {
                // Another writer appended between the race's start and this load.
                out.kind = CommandOutcome::Kind::Conflict;
                out.expected = expected.toString();
                out.actualVersion = out.loadedVersion;
                out.message = ConcurrencyError(stream, out.expected, out.loadedVersion).message();
            } else {
                const std::string id = out.commandId.toStdString();
                DeciderCommand dc{command.type, stream, command.data, Json::object()};
                dc.metadata["correlationId"] = id;
                dc.metadata["causationId"] = id;
                dc.metadata["userId"] = "eventlens";
                dc.metadata["command"] = command.type.toStdString();
                dc.metadata["raceClient"] = client + 1;
                Decider::Decision decision = decider->decide(dc, state);
                if (decision.rejection) {
                    out.kind = CommandOutcome::Kind::Rejected;
                    out.message = *decision.rejection;
                } else {
                    out.kind = CommandOutcome::Kind::Appended; // unless the append below fails
                    events = std::move(decision.events);
                    if (events.empty())
                        out.stateAfter = out.stateBefore;
                }
            }
        } catch (const DeciderError &e) {
            out.kind = CommandOutcome::Kind::Failed;
            out.message = e.error().toString();
        } catch (const std::exception &e) {
            out.kind = CommandOutcome::Kind::Failed;
            out.message = QString::fromUtf8(e.what());
        }

        decided.arrive_and_wait(); // every client has decided (or failed): now they append

        if (events.empty())
            return out;
        const qint64 now = timeutil::nowMs();
        for (NewEvent &e : events) {
            e.id = EventStore::newEventId();
            e.timeMs = now;
        }
        AppendResult result;
        try {
            result = connection->append(stream, ExpectedVersion::exact(version), events);
        } catch (const ConcurrencyError &e) {
            out.kind = CommandOutcome::Kind::Conflict;
            out.expected = e.expected();
            out.actualVersion = e.actual();
            out.message = e.message();
            return out;
        } catch (const std::exception &e) {
            out.kind = CommandOutcome::Kind::Failed;
            out.message = QString::fromUtf8(e.what());
            return out;
        }
        out.kind = CommandOutcome::Kind::Appended;
        for (size_t i = 0; i < events.size(); ++i) {
            NewEvent &ne = events[i];
            Event e;
            e.position = result.firstPosition + qint64(i);
            e.stream = stream;
            e.version = result.firstVersion + qint64(i);
            e.id = std::move(ne.id);
            e.type = std::move(ne.type);
            e.data = std::move(ne.data);
            e.metadata = std::move(ne.metadata);
            e.timeMs = now;
            out.events.push_back(std::move(e));
        }
        try {
            decider->evolve(state, out.events);
            out.stateAfter = decider->stateJson(state);
        } catch (const DeciderError &e) {
            out.message = QStringLiteral("appended, but the state after the events failed: ") + e.error().toString();
        }
        return out;
    }

    CommandSession *m_session;
    std::unique_ptr<EventStore> m_store;
    bool m_writable = false;
    QString m_readOnlyReason;
    int m_snapshotEvery = DefaultSnapshotEvery;
    std::map<QString, Domain> m_domains; // declared after the store: destroyed first
};

// --- the session -----------------------------------------------------------------------------

CommandSession::CommandSession(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<eventlens::CommandSessionResult>();
    qRegisterMetaType<eventlens::CommandCounters>();
    m_worker = new Worker(this);
}

CommandSession::~CommandSession()
{
    // The worker (its engines and connection) is destroyed on its own thread, after the
    // requests still queued; their results are dropped with this object.
    m_thread.finish(m_worker);
}

quint64 CommandSession::post(Kind kind, std::function<void(Worker &, CommandSessionResult &)> work)
{
    const quint64 request = ++m_lastRequest;
    if (m_pending++ == 0)
        Q_EMIT busyChanged(true);
    Q_EMIT started(request);
    CommandSessionResult result;
    result.kind = kind;
    result.request = request;
    result.storeGeneration = m_storeGeneration;
    Worker *worker = m_worker;
    m_thread.post([worker, result = std::move(result), work = std::move(work)]() mutable {
        worker->run(std::move(result), work);
    });
    return request;
}

void CommandSession::deliver(CommandSessionResult result)
{
    const bool describesStore = result.kind == Kind::StreamState || result.kind == Kind::Snapshots
        || result.kind == Kind::Streams || result.kind == Kind::SetStore;
    if (describesStore && result.storeGeneration != m_storeGeneration)
        result.stale = true;
    if (result.kind == Kind::LoadDecider && result.ok()) {
        DomainInfo info;
        info.types = result.commandTypes;
        info.templates = result.templates;
        info.file = result.filePath;
        m_loaded.insert(result.domain, info);
        if (!m_loadedOrder.contains(result.domain))
            m_loadedOrder.append(result.domain);
        Q_EMIT domainsChanged();
    }
    const bool counts = result.kind == Kind::Send || result.kind == Kind::Race
        || (result.kind == Kind::SetStore && !result.stale);
    if (counts)
        count(result);
    const quint64 request = result.request;
    Q_EMIT finished(request, result);
    if (counts)
        Q_EMIT countersChanged(m_counters);
    if (--m_pending == 0)
        Q_EMIT busyChanged(false);
}

void CommandSession::count(const CommandSessionResult &result)
{
    if (result.headPosition >= 0)
        m_counters.headPosition = result.headPosition;
    if (result.kind == Kind::SetStore)
        return;
    const auto add = [this](const CommandOutcome &outcome) {
        switch (outcome.kind) {
        case CommandOutcome::Kind::Appended:
            m_counters.accepted += 1;
            break;
        case CommandOutcome::Kind::Rejected:
            m_counters.rejected += 1;
            break;
        case CommandOutcome::Kind::Conflict:
            m_counters.conflicts += 1;
            break;
        case CommandOutcome::Kind::Failed:
            m_counters.failed += 1;
            break;
        }
        m_counters.eventsAppended += qint64(outcome.events.size());
        if (outcome.snapshotSaved)
            m_counters.snapshotsTaken += 1;
    };
    const auto setLast = [this, &result](const CommandOutcome &outcome, CommandStage stage, const QString &command) {
        m_counters.hasLast = true;
        m_counters.lastKind = outcome.kind;
        m_counters.lastStage = stage;
        m_counters.lastCommand = command + QStringLiteral(" → ") + result.stream;
        m_counters.lastMessage = outcome.kind == CommandOutcome::Kind::Appended ? QString() : outcome.message;
    };
    if (result.kind == Kind::Send) {
        add(result.outcome);
        setLast(result.outcome, result.stoppedAt, result.type);
        return;
    }
    // A race: every client counts; the path shown is the most telling one (a conflict first).
    size_t shown = 0;
    for (size_t i = 0; i < result.raceOutcomes.size(); ++i) {
        add(result.raceOutcomes[i]);
        if (result.raceOutcomes[i].kind == CommandOutcome::Kind::Conflict
            && result.raceOutcomes[shown].kind != CommandOutcome::Kind::Conflict)
            shown = i;
    }
    if (!result.raceOutcomes.empty())
        setLast(result.raceOutcomes[shown], result.raceStoppedAt[shown],
                QStringLiteral("race: ") + result.raceCommands[shown].type);
}

void CommandSession::resetCounters()
{
    const qint64 head = m_counters.headPosition;
    m_counters = CommandCounters();
    m_counters.headPosition = head;
    Q_EMIT countersChanged(m_counters);
}

QString CommandSession::expectedText(const std::optional<ExpectedVersion> &expected)
{
    return expected ? expected->toString() : QStringLiteral("current");
}

CommandStage CommandSession::stageOf(const CommandOutcome &outcome)
{
    switch (outcome.kind) {
    case CommandOutcome::Kind::Appended:
    case CommandOutcome::Kind::Conflict:
        return CommandStage::EventStore;
    case CommandOutcome::Kind::Rejected:
        return CommandStage::Aggregate;
    case CommandOutcome::Kind::Failed:
        break;
    }
    if (!outcome.events.empty())
        return CommandStage::EventStore; // appended; what came after failed
    const QString &m = outcome.message;
    if (m.startsWith(QStringLiteral("the command names no stream")) || m.startsWith(QStringLiteral("no store")))
        return CommandStage::CommandHandler;
    // The decider's failures (ProjectionError texts) belong to the aggregate; the rest to the store.
    for (const auto kind : {ProjectionError::Kind::Syntax, ProjectionError::Kind::Definition, ProjectionError::Kind::Runtime}) {
        if (m.startsWith(ProjectionError::kindName(kind) + QStringLiteral(" error")))
            return CommandStage::Aggregate;
    }
    if (m.startsWith(QStringLiteral("timeout")) || m.startsWith(QStringLiteral("cannot load")))
        return CommandStage::Aggregate;
    return CommandStage::EventStore;
}

// --- requests --------------------------------------------------------------------------------

quint64 CommandSession::setStore(const QString &path, bool readOnly)
{
    m_storePath = path;
    ++m_storeGeneration;
    return post(Kind::SetStore, [path, readOnly](Worker &w, CommandSessionResult &r) { w.setStore(path, readOnly, r); });
}

quint64 CommandSession::setSnapshotEvery(int events)
{
    m_snapshotEvery = std::max(0, events);
    return post(Kind::SetSnapshotEvery, [events](Worker &w, CommandSessionResult &r) { w.setSnapshotEvery(events, r); });
}

quint64 CommandSession::loadDecider(const QString &path)
{
    return post(Kind::LoadDecider, [path](Worker &w, CommandSessionResult &r) { w.loadDecider(path, r); });
}

quint64 CommandSession::send(const QString &domain, const QString &stream, const QString &type, const Json &data,
                             std::optional<ExpectedVersion> expected)
{
    m_counters.received += 1;
    Q_EMIT countersChanged(m_counters);
    return post(Kind::Send, [domain, stream, type, data, expected](Worker &w, CommandSessionResult &r) {
        r.domain = domain;
        r.stream = stream;
        r.type = type;
        r.data = data;
        r.expected = expectedText(expected);
        w.send(domain, stream, type, data, expected, r);
    });
}

quint64 CommandSession::sendConcurrently(const QString &domain, const QString &stream, const std::vector<RaceCommand> &commands,
                                         std::optional<qint64> expectedVersion)
{
    m_counters.received += qint64(commands.size());
    Q_EMIT countersChanged(m_counters);
    return post(Kind::Race, [domain, stream, commands, expectedVersion](Worker &w, CommandSessionResult &r) {
        r.domain = domain;
        r.stream = stream;
        r.raceCommands = commands;
        if (!commands.empty())
            r.type = commands.front().type;
        r.expected = expectedVersion ? QString::number(*expectedVersion) : QStringLiteral("current");
        if (commands.empty())
            return;
        w.race(domain, stream, expectedVersion, r);
    });
}

quint64 CommandSession::streamState(const QString &domain, const QString &stream)
{
    return post(Kind::StreamState, [domain, stream](Worker &w, CommandSessionResult &r) {
        r.domain = domain;
        r.stream = stream;
        w.streamState(domain, stream, r);
    });
}

quint64 CommandSession::snapshots(const QString &stream)
{
    return post(Kind::Snapshots, [stream](Worker &w, CommandSessionResult &r) {
        r.stream = stream;
        w.snapshots(stream, r);
    });
}

quint64 CommandSession::streams(const QString &category, int limit)
{
    return post(Kind::Streams, [category, limit](Worker &w, CommandSessionResult &r) {
        w.streams(category, std::max(0, limit), r);
    });
}

// --- metadata on the calling thread ----------------------------------------------------------

const CommandSession::DomainInfo *CommandSession::info(const QString &domain) const
{
    if (Decider::bundledDomains().contains(domain)) {
        auto it = m_bundled.find(domain);
        if (it == m_bundled.end()) {
            DomainInfo info;
            try {
                const std::unique_ptr<Decider> decider = Decider::bundled(domain);
                info.types = decider->commandTypes();
                for (const QString &type : std::as_const(info.types))
                    info.templates[type.toStdString()] = decider->commandTemplate(type);
            } catch (const DeciderError &) {
                // Left empty: a command then fails on the worker with the reason.
            }
            it = m_bundled.insert(domain, info);
        }
        return &*it;
    }
    const auto it = m_loaded.constFind(domain);
    return it == m_loaded.constEnd() ? nullptr : &*it;
}

QStringList CommandSession::domains() const
{
    return Decider::bundledDomains() + m_loadedOrder;
}

bool CommandSession::isBundled(const QString &domain) const
{
    return Decider::bundledDomains().contains(domain);
}

QStringList CommandSession::commandTypes(const QString &domain) const
{
    const DomainInfo *i = info(domain);
    return i ? i->types : QStringList();
}

CommandSession::Json CommandSession::commandTemplate(const QString &domain, const QString &type) const
{
    const DomainInfo *i = info(domain);
    if (!i)
        return Json::object();
    const std::string key = type.toStdString();
    return i->templates.contains(key) ? i->templates[key] : Json::object();
}

QString CommandSession::deciderFile(const QString &domain) const
{
    const auto it = m_loaded.constFind(domain);
    return it == m_loaded.constEnd() ? QString() : it->file;
}

QString CommandSession::categoryOf(const QString &domain)
{
    QString base = domain;
    // "bank (file)", "bank (file) (2)", "counter (2)": the name they were made from.
    const qsizetype paren = base.indexOf(QStringLiteral(" ("));
    if (paren > 0)
        base.truncate(paren);
    if (base == QStringLiteral("bank"))
        return QStringLiteral("account");
    if (base == QStringLiteral("order"))
        return QStringLiteral("order");
    return base;
}

} // namespace eventlens

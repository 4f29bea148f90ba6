#include "commandhandler.h"

#include "concurrencyerror.h"
#include "eventstore.h"
#include "timeutil.h"

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

Json parseOrNull(const QByteArray &text)
{
    return Json::parse(text.constBegin(), text.constEnd(), nullptr, false);
}

} // namespace

QString CommandOutcome::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Appended:
        return QStringLiteral("appended");
    case Kind::Rejected:
        return QStringLiteral("rejected");
    case Kind::Conflict:
        return QStringLiteral("conflict");
    case Kind::Failed:
        break;
    }
    return QStringLiteral("failed");
}

Json CommandOutcome::toJson() const
{
    Json out = Json::object();
    out["outcome"] = kindName(kind).toStdString();
    out["commandId"] = commandId.toStdString();
    Json list = Json::array();
    for (const Event &e : events)
        list.push_back(parseOrNull(e.toJsonLine()));
    out["events"] = std::move(list);
    if (!message.isEmpty())
        out["message"] = message.toStdString();
    if (kind == Kind::Conflict) {
        out["expected"] = expected.toStdString();
        out["actual"] = actualVersion;
    }
    out["loadedVersion"] = loadedVersion;
    out["snapshotVersion"] = snapshotVersion;
    out["replayed"] = replayed;
    out["attempts"] = attempts;
    out["snapshotSaved"] = snapshotSaved;
    if (!stateBefore.is_null())
        out["stateBefore"] = stateBefore;
    if (!stateAfter.is_null())
        out["stateAfter"] = stateAfter;
    return out;
}

CommandHandler::CommandHandler(EventStore &store, Decider &decider, Options options)
    : m_store(store), m_decider(decider), m_options(options)
{
}

CommandHandler::CommandHandler(EventStore &store, Decider &decider)
    : CommandHandler(store, decider, Options())
{
}

void CommandHandler::clearCache()
{
    m_cache.clear();
    m_lru.clear();
}

void CommandHandler::remember(const QString &stream)
{
    auto it = m_cache.find(stream);
    if (it == m_cache.end())
        return;
    m_lru.splice(m_lru.begin(), m_lru, it->second.lru);
}

CommandHandler::Cached &CommandHandler::loadState(const QString &stream, qint64 *replayed, bool useCache)
{
    auto it = m_cache.find(stream);
    if (it != m_cache.end() && useCache) {
        remember(stream);
        Cached &cached = it->second;
        const std::vector<Event> newer = m_store.readStream(stream, cached.state.version() + 1);
        *replayed = qint64(newer.size());
        try {
            m_decider.evolve(cached.state, newer);
        } catch (...) {
            m_lru.erase(cached.lru);
            m_cache.erase(it);
            throw;
        }
        return cached;
    }
    if (it != m_cache.end()) {
        m_lru.erase(it->second.lru);
        m_cache.erase(it);
    }

    Cached loaded;
    std::optional<AggregateSnapshot> snapshot;
    if (m_options.snapshotEvery > 0)
        snapshot = m_store.latestSnapshot(stream, m_decider.scriptHash());
    if (snapshot) {
        const Json state = parseOrNull(snapshot->state);
        if (state.is_discarded()) {
            snapshot.reset();
        } else {
            loaded.state = m_decider.stateFromJson(state, snapshot->version);
            loaded.snapshotVersion = snapshot->version;
        }
    }
    if (!snapshot)
        loaded.state = m_decider.initialState();
    const std::vector<Event> events = m_store.readStream(stream, loaded.state.version() + 1);
    *replayed = qint64(events.size());
    m_decider.evolve(loaded.state, events);

    while (m_cache.size() >= std::max<size_t>(1, m_options.cachedStates) && !m_lru.empty()) {
        m_cache.erase(m_lru.back());
        m_lru.pop_back();
    }
    m_lru.push_front(stream);
    loaded.lru = m_lru.begin();
    return m_cache.insert_or_assign(stream, std::move(loaded)).first->second;
}

CommandHandler::Loaded CommandHandler::load(const QString &stream)
{
    Loaded out;
    Cached &cached = loadState(stream, &out.replayed, false);
    out.state = m_decider.stateJson(cached.state);
    out.version = cached.state.version();
    out.snapshotVersion = cached.snapshotVersion;
    return out;
}

Json CommandHandler::replayState(const QString &stream)
{
    Decider::State state = m_decider.initialState();
    m_decider.evolve(state, m_store.readStream(stream, 0));
    return m_decider.stateJson(state);
}

CommandOutcome CommandHandler::handle(const Command &command)
{
    CommandOutcome out;
    out.commandId = EventStore::newEventId();
    DeciderCommand dc{command.type, command.stream, command.data, command.metadata.is_object() ? command.metadata : Json::object()};
    const std::string id = out.commandId.toStdString();
    if (!dc.metadata.contains("correlationId"))
        dc.metadata["correlationId"] = id;
    if (!dc.metadata.contains("causationId"))
        dc.metadata["causationId"] = id;
    if (!dc.metadata.contains("userId"))
        dc.metadata["userId"] = "eventlens";
    dc.metadata["command"] = command.type.toStdString();

    if (command.stream.trimmed().isEmpty()) {
        out.message = QStringLiteral("the command names no stream");
        return out;
    }
    const int maxAttempts = command.expected ? 1 : 1 + std::max(0, m_options.maxRetries);
    while (out.attempts < maxAttempts) {
        out.attempts += 1;
        Cached *cached = nullptr;
        try {
            qint64 replayed = 0;
            cached = &loadState(command.stream, &replayed, true);
            out.replayed += replayed;
        } catch (const DeciderError &e) {
            out.message = QStringLiteral("cannot load '%1': %2").arg(command.stream, e.error().toString());
            return out;
        } catch (const StoreError &e) {
            out.message = QString::fromUtf8(e.what());
            return out;
        }
        const qint64 loadedVersion = cached->state.version();
        out.loadedVersion = loadedVersion;
        out.snapshotVersion = cached->snapshotVersion;
        if (command.expected && !command.expected->matches(loadedVersion)) {
            out.kind = CommandOutcome::Kind::Conflict;
            out.expected = command.expected->toString();
            out.actualVersion = loadedVersion;
            out.message = ConcurrencyError(command.stream, out.expected, loadedVersion).message();
            return out;
        }

        Decider::Decision decision;
        try {
            if (m_options.withStates)
                out.stateBefore = m_decider.stateJson(cached->state);
            decision = m_decider.decide(dc, cached->state);
        } catch (const DeciderError &e) {
            out.message = e.error().toString();
            return out;
        }
        if (decision.rejection) {
            out.kind = CommandOutcome::Kind::Rejected;
            out.message = *decision.rejection;
            return out;
        }
        if (decision.events.empty()) {
            out.kind = CommandOutcome::Kind::Appended;
            out.stateAfter = out.stateBefore;
            return out;
        }
        const qint64 now = timeutil::nowMs();
        for (NewEvent &e : decision.events) {
            e.id = EventStore::newEventId();
            e.timeMs = now;
        }
        AppendResult result;
        try {
            result = m_store.append(command.stream, command.expected.value_or(ExpectedVersion::exact(loadedVersion)),
                                    decision.events);
        } catch (const ConcurrencyError &e) {
            if (out.attempts < maxAttempts)
                continue; // the next load reads what was appended meanwhile
            out.kind = CommandOutcome::Kind::Conflict;
            out.expected = e.expected();
            out.actualVersion = e.actual();
            out.message = e.message();
            return out;
        } catch (const StoreError &e) {
            out.message = e.message();
            return out;
        }

        out.kind = CommandOutcome::Kind::Appended;
        out.events.reserve(decision.events.size());
        for (size_t i = 0; i < decision.events.size(); ++i) {
            NewEvent &ne = decision.events[i];
            Event e;
            e.position = result.firstPosition + qint64(i);
            e.stream = command.stream;
            e.version = result.firstVersion + qint64(i);
            e.id = std::move(ne.id);
            e.type = std::move(ne.type);
            e.data = std::move(ne.data);
            e.metadata = std::move(ne.metadata);
            e.dataIsJson = true;
            e.timeMs = now;
            out.events.push_back(std::move(e));
        }

        // The held state follows the stream only when nothing landed between the load and the
        // append (an expected version of "any" lets other appends in between).
        auto it = m_cache.find(command.stream);
        if (it == m_cache.end())
            return out;
        if (result.firstVersion != loadedVersion + 1) {
            m_lru.erase(it->second.lru);
            m_cache.erase(it);
            return out;
        }
        try {
            m_decider.evolve(it->second.state, out.events);
            if (m_options.withStates || m_options.snapshotEvery > 0) {
                const qint64 every = m_options.snapshotEvery;
                const bool snapshotDue = every > 0 && (result.lastVersion + 1) / every > (loadedVersion + 1) / every;
                if (m_options.withStates || snapshotDue) {
                    Json state = m_decider.stateJson(it->second.state);
                    if (snapshotDue) {
                        AggregateSnapshot snapshot;
                        snapshot.stream = command.stream;
                        snapshot.decider = m_decider.scriptHash();
                        snapshot.deciderName = m_decider.name();
                        snapshot.version = result.lastVersion;
                        snapshot.state = QByteArray::fromStdString(state.dump());
                        m_store.saveSnapshot(snapshot);
                        out.snapshotSaved = true;
                    }
                    if (m_options.withStates)
                        out.stateAfter = std::move(state);
                }
            }
        } catch (const DeciderError &e) {
            // The events are appended; only the state after them could not be built.
            m_lru.erase(it->second.lru);
            m_cache.erase(it);
            out.message = QStringLiteral("appended, but the state after the events failed: ") + e.error().toString();
        } catch (const StoreError &e) {
            out.message = QStringLiteral("appended, but the snapshot was not saved: ") + e.message();
        }
        return out;
    }
    return out; // not reached: the last attempt returns
}

} // namespace eventlens

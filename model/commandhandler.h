#pragma once

#include "decider.h"
#include "event.h"
#include "expectedversion.h"

#include <QHashFunctions>
#include <QString>

#include <nlohmann/json.hpp>

#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

namespace eventlens {

class EventStore;

// A test command against an aggregate of the embedded store.
struct Command
{
    QString stream;
    QString type;
    nlohmann::ordered_json data = nlohmann::ordered_json::object();
    // nullopt: decide against the version loaded and append expecting it, retrying a conflict
    // with a fresh load (Options::maxRetries times). Given: append expecting it, never retried.
    std::optional<ExpectedVersion> expected;
    // Merged into every new event's metadata; correlationId, causationId (the command's id) and
    // userId are filled in when missing.
    nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
};

// What became of a command.
struct CommandOutcome
{
    enum class Kind {
        Appended, // the decider accepted it and its events were appended (possibly none)
        Rejected, // the decider threw a domain error: message
        Conflict, // the stream moved: expected / actualVersion
        Failed,   // the script failed (DeciderError) or the store did: message
    };
    Kind kind = Kind::Failed;
    QString commandId;          // the id given to the command (causationId of its events)
    std::vector<Event> events;  // appended, with positions and versions (hash not filled in)
    QString message;
    QString expected;           // Conflict: the expected version as text
    qint64 actualVersion = -1;  // Conflict: the stream's version
    qint64 loadedVersion = -1;  // the version decided against
    qint64 snapshotVersion = -1; // the snapshot the load started from (-1: none)
    qint64 replayed = 0;        // events evolved to load the state (0 when cached and current)
    int attempts = 0;           // decisions made (1 + retries)
    bool snapshotSaved = false; // a snapshot was taken after this command
    // Only with Options::withStates: the state decided against and the state after the events.
    nlohmann::ordered_json stateBefore;
    nlohmann::ordered_json stateAfter;

    static QString kindName(Kind kind); // "appended", "rejected", "conflict", "failed"
    // {"outcome", "stream", "events": [canonical events], "message", "expected", "actual", ...}
    nlohmann::ordered_json toJson() const;
};

// Handles commands for one decider against one store connection (DESIGN.md §4): loads the
// aggregate's state (its newest snapshot, then the newer events; or the state it holds from an
// earlier command, brought up to date), decides, and appends the events with the expected
// version. Appends of handlers on several threads share durable transactions (the store's group
// commit). A snapshot is saved whenever a stream crosses a multiple of snapshotEvery events.
//
// Threads: one thread at a time, the decider's (it lives in that thread's engine); give each
// concurrent client its own handler, store connection (EventStore::openAnother) and decider.
class CommandHandler
{
public:
    struct Options
    {
        int snapshotEvery = 100;   // 0: no snapshots
        int maxRetries = 3;        // conflicts retried when the command gives no expected version
        size_t cachedStates = 4096; // states kept between commands (least recently used dropped)
        bool withStates = false;   // fill in stateBefore / stateAfter
    };

    CommandHandler(EventStore &store, Decider &decider, Options options);
    CommandHandler(EventStore &store, Decider &decider);

    CommandOutcome handle(const Command &command);

    // A stream's current state as the handler loads it (snapshot + newer events), and where it
    // came from. Throws DeciderError.
    struct Loaded
    {
        nlohmann::ordered_json state;
        qint64 version = -1;
        qint64 snapshotVersion = -1;
        qint64 replayed = 0;
    };
    Loaded load(const QString &stream);
    // The same from the events alone (no snapshot, no cache): what snapshots are checked against.
    nlohmann::ordered_json replayState(const QString &stream);

    Decider &decider() { return m_decider; }
    const Options &options() const { return m_options; }
    void clearCache();

private:
    struct Cached
    {
        Decider::State state;
        qint64 snapshotVersion = -1;
        std::list<QString>::iterator lru;
    };
    Cached &loadState(const QString &stream, qint64 *replayed, bool useCache);
    void remember(const QString &stream);

    EventStore &m_store;
    Decider &m_decider;
    Options m_options;
    struct NameHash
    {
        size_t operator()(const QString &name) const { return qHash(name); } // NOLINT: not noexcept on purpose
    };
    std::unordered_map<QString, Cached, NameHash> m_cache;
    std::list<QString> m_lru; // most recently used first
};

} // namespace eventlens

#pragma once

#include "event.h"
#include "eventquery.h"
#include "expectedversion.h"
#include "concurrencyerror.h"
#include "storeerror.h"

#include <QByteArray>
#include <QMap>
#include <QString>

#include <array>
#include <atomic>
#include <functional>
#include <limits>
#include <optional>
#include <memory>
#include <span>
#include <vector>

namespace eventlens {

class Subscription;
struct StoreShared;
struct AppendRequest;
class SqliteDb;

struct AppendResult
{
    qint64 firstPosition = 0;   // 0 when nothing was appended
    qint64 lastPosition = 0;    // 0 when nothing was appended
    qint64 firstVersion = -1;   // version of the first event of the call
    qint64 lastVersion = -1;    // the stream's version after the call
    int appended = 0;           // number of events written (0 for an idempotent re-append)
    bool idempotent = false;    // true when every event was already in the stream
};

struct StreamInfo
{
    QString name;
    QString category;
    qint64 version = -1;        // current version; count = version + 1
    qint64 lastPosition = 0;
    qint64 lastTimeMs = 0;
    qint64 count() const { return version + 1; }
};

struct StoreInfo
{
    qint64 events = 0;
    qint64 streams = 0;
    qint64 headPosition = 0;
    QMap<QString, qint64> categories; // events per category
    QMap<QString, qint64> types;      // events per type
    std::optional<qint64> firstTimeMs;
    std::optional<qint64> lastTimeMs;
    QByteArray headHash;              // 32 bytes, empty for an empty store
};

struct VerifyResult
{
    bool ok = true;
    qint64 checked = 0;
    qint64 firstBadPosition = 0;      // 0 when ok
    QString message;                  // what failed, when not ok
};

// One event for EventStore::Batch::appendPrepared(): the append of one event to a stream with an
// expected version, made ready off the writing thread by an EventStore::Preparer (the parser
// thread of an import). Fill in stream, expected and event, then call Preparer::prepare(); do not
// change the event afterwards.
struct PreparedEvent
{
    QString stream;
    ExpectedVersion expected = ExpectedVersion::any();
    NewEvent event;

    // Set by Preparer::prepare(). The batch uses them only where it can check them.
    quint32 preparer = 0;          // the preparer (0: not prepared)
    int streamKey = -1;            // the preparer's number for the stream; stream is its shared copy
    int typeKey = -1;              // likewise for event.type
    QByteArray idUtf8;             // event.id in UTF-8 (a UUID generated when it was empty)
    quint64 idFingerprint = 0;
    bool idFresh = false;          // no event prepared before by this preparer had this fingerprint
    bool idIsUuid = false;         // canonical UUID text, stored as the 16 bytes of idUuid
    std::array<char, 16> idUuid{};
};

// An aggregate's state at a version of its stream, saved by a command handler so that loading
// the aggregate need not replay the whole stream. Kept per decider script (another script may
// build another state from the same events); not part of the log or its hash chain.
struct AggregateSnapshot
{
    QString stream;
    QString decider;       // the decider script's SHA-256 (hex)
    QString deciderName;   // for people: "bank", "my-decider"
    qint64 version = -1;   // the stream version the state includes
    QByteArray state;      // JSON
    qint64 timeMs = 0;     // when it was taken
};

// Progress callback used by long operations: return false to cancel.
using ProgressFn = std::function<bool(qint64 done, qint64 total)>;

// The embedded event store: one SQLite file (DESIGN.md §3).
//
// An EventStore object is one connection and is used from one thread at a time.
// Another thread opens its own connection with openAnother(); connections opened
// that way share in-process live notifications for subscriptions.
class EventStore
{
    friend class StoreBuilder;

public:
    // Build: a new file that only StoreBuilder opens, written without a journal on disk and
    // without fsync by one connection; the builder makes it durable and moves it into place.
    enum class OpenMode { ReadWrite, ReadOnly, Build };

    // ReadWrite creates the file and schema when missing. ReadOnly never writes and
    // fails when the file is missing or is not an eventlens store. Build fails unless the file
    // is missing. Throws StoreError.
    static std::unique_ptr<EventStore> open(const QString &path, OpenMode mode = OpenMode::ReadWrite);
    ~EventStore();

    // Deletes a store file and SQLite's side files (-wal, -shm, -journal). Only for stores this
    // program created (a failed import into a new store, a cancelled demo); never for user files.
    // True when no main file is left.
    static bool removeFiles(const QString &path);

    std::unique_ptr<EventStore> openAnother(OpenMode mode) const;
    QString path() const;
    bool isReadOnly() const;

    class Preparer;

    // A write transaction: several appends committed together (imports, demo data).
    // Destroying an uncommitted batch rolls it back; a failed append inside a batch
    // throws and leaves the batch as it was before that call.
    class Batch
    {
    public:
        ~Batch();
        Batch(Batch &&) noexcept;
        Batch &operator=(Batch &&) = delete;
        AppendResult append(const QString &stream, ExpectedVersion expected, const std::vector<NewEvent> &events);
        // The current version of a stream inside this batch (-1 when missing).
        qint64 streamVersion(const QString &stream);

        // A preparer for appendPrepared(), to be used on another thread (see Preparer).
        std::unique_ptr<Preparer> preparer();
        struct PreparedResult
        {
            size_t done = 0;        // events appended or found already present
            qint64 appended = 0;
            qint64 unchanged = 0;   // idempotent re-appends
        };
        // Appends the events in order, each exactly as append(e.stream, e.expected, {e.event})
        // would, and counts them in result; the work done ahead by the preparer only saves time.
        // Stops at the first event that fails and throws its error, as append() would: the
        // events before it (result.done of them) stay appended, nothing of it is.
        void appendPrepared(std::span<const PreparedEvent> events, PreparedResult &result);
        void commit();
        void rollback();
        bool isActive() const;

    private:
        friend class EventStore;
        explicit Batch(EventStore *store);
        EventStore *m_store;
    };
    Batch beginBatch();

    // Prepares the events of a bulk append (an import) for Batch::appendPrepared() on another
    // thread than the batch's, in the order they will be appended; one thread at a time uses it.
    // It gives stream and type names a number and one shared copy, converts the id to UTF-8
    // (generating a time-ordered UUID when it is empty, as the store would), sets an empty
    // metadata to {} and an empty time to now, and notes whether it saw the id before. The chain
    // hashes are the batch's own work: an import's parsing thread is its busiest, and hashing
    // there as well made the import slower (3.2 s against 3.0 s for a million events).
    class Preparer
    {
    public:
        ~Preparer();
        Preparer(const Preparer &) = delete;
        Preparer &operator=(const Preparer &) = delete;
        // Events in the order they will be appended; several at a time is faster (the lookups of
        // one overlap with the work on the others).
        void prepare(std::span<PreparedEvent> events);
        void prepare(PreparedEvent &event) { prepare(std::span<PreparedEvent>(&event, 1)); }

        struct State;

    private:
        friend class EventStore;
        explicit Preparer(std::unique_ptr<State> state);
        std::unique_ptr<State> m;
    };

    // Appends atomically and durably. Throws ConcurrencyError on an expected-version mismatch
    // and StoreError on any other failure; nothing is appended then. Appends made at the same
    // time from several threads (connections from openAnother()) share one transaction and one
    // fsync (group commit); each still succeeds or fails on its own, in the order they queued.
    AppendResult append(const QString &stream, ExpectedVersion expected, const std::vector<NewEvent> &events);
    // A new time-ordered UUID (version 7), as the store generates for events without an id.
    static QString newEventId();

    // Snapshots (see AggregateSnapshot). save replaces one of the same stream, decider and
    // version; it needs a writable store and no open batch on this connection.
    void saveSnapshot(const AggregateSnapshot &snapshot);
    // The newest snapshot of a stream for a decider at or below maxVersion.
    std::optional<AggregateSnapshot> latestSnapshot(const QString &stream, const QString &decider,
                                                    qint64 maxVersion = std::numeric_limits<qint64>::max()) const;
    // Every snapshot of a stream (all deciders), by version.
    std::vector<AggregateSnapshot> snapshots(const QString &stream) const;
    qint64 snapshotCount() const;

    // Appends waiting for the next group commit, and the number of transactions committed by
    // this store's connections in this process (diagnostics).
    int pendingAppends() const;
    quint64 commitCount() const;

    // Reads a stream from a version (inclusive), forward or backward; at most maxCount (-1: all).
    std::vector<Event> readStream(const QString &stream, qint64 fromVersion, qint64 maxCount = -1, bool backward = false) const;
    // -1 when the stream does not exist.
    qint64 streamVersion(const QString &stream) const;

    // Reads the log with filters, paged by keyset on position.
    std::vector<Event> read(const EventQuery &query) const;
    // Streams the log through a callback (return false to stop); reads in pages, never loads all.
    void forEach(const EventQuery &query, const std::function<bool(const Event &)> &fn) const;
    // The same, handing each event over: fn may move from it (no copy of its texts).
    void forEachTaken(const EventQuery &query, const std::function<bool(Event &&)> &fn) const;
    qint64 count(const EventQuery &query) const;
    // Streams only the positions of the events a query matches: the same filters, order, bounds,
    // limit and WHERE clause as forEach, paged by keyset, without reading the events (much
    // lighter: a count or an index of the log; a scan without a limit runs with a small page cache
    // so that it does not leave the connection's 64 MiB full of pages read once). fn returns
    // false to stop. When cancel is given,
    // setting it stops the scan within a few thousand rows, even inside one long SQLite step (a
    // sparse filter over a big log); the call then returns normally.
    void forEachPosition(const EventQuery &query, const std::function<bool(qint64 position)> &fn,
                         const std::atomic_bool *cancel = nullptr) const;
    // Streams the position and time (UTC ms) of the events a query matches, without reading the
    // events (timelines, histograms): the same filters, bounds, limit and WHERE clause as forEach,
    // cancel as in forEachPosition. The order is forEach's, except when
    // forEachTimeUsesTimeIndex(query): then it walks the covering index events_time in time order
    // (ties by position; both reversed when backward) and reads nothing else, which is several
    // times faster on a big log than reading the rows.
    void forEachTime(const EventQuery &query, const std::function<bool(qint64 position, qint64 timeMs)> &fn,
                     const std::atomic_bool *cancel = nullptr) const;
    // True for a query without stream, category, type or glob filter and without limit.
    static bool forEachTimeUsesTimeIndex(const EventQuery &query);
    // The events at these positions, in the order given (repeats included); positions that are
    // not in the store are left out.
    std::vector<Event> readPositions(const std::vector<qint64> &positions) const;
    // SQLite's plan for one page of the query (EXPLAIN QUERY PLAN), for diagnostics and tests.
    QString queryPlan(const EventQuery &query) const;
    std::optional<Event> eventAt(qint64 position) const;
    std::optional<Event> eventById(const QString &id) const;

    qint64 headPosition() const;
    std::vector<StreamInfo> streams(const QString &category = {}, const QString &glob = {}) const;
    // The same one stream at a time, without holding them all (a store may have millions);
    // fn returns false to stop.
    void forEachStream(const std::function<bool(const StreamInfo &)> &fn, const QString &category = {},
                       const QString &glob = {}) const;
    StoreInfo info() const;

    // Recomputes the hash chain; names the first position that does not verify.
    // Recomputes the hash chain from the first event; with upToPosition > 0 only up to that
    // position (the summary tables, which describe the head, are then not checked).
    VerifyResult verify(const ProgressFn &progress = {}, qint64 upToPosition = 0) const;

    // Catch-up subscription: delivers every event after `afterPosition` matching `filter`
    // in order on a thread of its own, calls onCaughtUp once when it reaches the head,
    // then delivers new events live. Destroying the Subscription stops it.
    std::unique_ptr<Subscription> subscribe(qint64 afterPosition,
                                            std::function<void(const Event &)> onEvent,
                                            std::function<void()> onCaughtUp = {},
                                            const EventQuery &filter = {}) const;

    // Internal state, exposed for the implementation files only.
    struct Private;

private:
    explicit EventStore(std::unique_ptr<Private> d);
    // StoreBuilder: after the build's batch committed, leaves the file in WAL mode.
    void finishBuild();
    std::unique_ptr<Private> d;
};

} // namespace eventlens

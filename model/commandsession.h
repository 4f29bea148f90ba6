#pragma once

#include "commandhandler.h"
#include "eventstore.h"
#include "expectedversion.h"
#include "projectionerror.h"

#include <QMap>
#include <QMetaType>
#include <QObject>

#include "sessionthread.h"
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QThread;

namespace eventlens {

// The stages of the write side a command passes through, in order (the CQRS flow view draws
// them): received, loaded by the handler, decided by the aggregate, appended to the store.
enum class CommandStage { Commands, CommandHandler, Aggregate, EventStore };

// Live counters of a CommandSession, for the CQRS flow view.
struct CommandCounters
{
    qint64 received = 0;       // commands sent (counted when sent; a race counts each client)
    qint64 accepted = 0;       // outcomes Appended
    qint64 rejected = 0;       // domain errors
    qint64 conflicts = 0;
    qint64 failed = 0;         // script or store failures
    qint64 eventsAppended = 0;
    qint64 snapshotsTaken = 0;
    qint64 headPosition = -1;  // the store's head after the last request that knew it (-1: unknown)

    // The last command: how it ended and where it stopped (EventStore when its events were
    // appended; Aggregate when rejected; EventStore on a conflict).
    bool hasLast = false;
    CommandOutcome::Kind lastKind = CommandOutcome::Kind::Failed;
    CommandStage lastStage = CommandStage::Commands;
    QString lastCommand;       // "Withdraw → account-1"
    QString lastMessage;       // the domain error, conflict or failure text (empty when appended)

    // The stages the last command went through, ending where it stopped (empty: none yet).
    std::vector<CommandStage> lastPath() const;
    static QString stageName(CommandStage stage); // "Commands", "Command Handler", ...
};

// A command given to CommandSession::sendConcurrently(): one client's command type and data.
struct RaceCommand
{
    QString type;
    nlohmann::ordered_json data = nlohmann::ordered_json::object();
};

// What one request of a CommandSession produced.
struct CommandSessionResult
{
    using Json = nlohmann::ordered_json;
    enum class Kind { SetStore, SetSnapshotEvery, LoadDecider, Send, Race, StreamState, Snapshots, Streams };

    Kind kind = Kind::Send;
    quint64 request = 0;
    quint64 storeGeneration = 0; // the store the request ran on (see stale)
    // Results that describe a store (StreamState, Snapshots, Streams) made before the latest
    // setStore(): the caller ignores them.
    bool stale = false;

    // The request failed as a whole (no store, unknown domain, unreadable file...). Send and
    // Race never set it: their failures are outcomes of kind Failed.
    QString message;
    std::optional<ProjectionError> error; // a decider script's error, with line and column

    // The request: domain, stream, command type and data, expected version as given
    // ("current", "any", "no-stream", or a number).
    QString domain;
    QString stream;
    QString type;
    Json data = Json::object();
    QString expected;
    qint64 durationUs = 0;       // the time the request took on the worker

    // Send: the outcome and the stage it stopped at.
    CommandOutcome outcome;
    CommandStage stoppedAt = CommandStage::Commands;
    qint64 headPosition = -1;    // Send, Race, SetStore: the store's head after the request

    // Race: the clients' commands and outcomes (same order), the version every client loaded
    // and decided against, and each client's time.
    std::vector<RaceCommand> raceCommands;
    std::vector<CommandOutcome> raceOutcomes;
    std::vector<CommandStage> raceStoppedAt;
    std::vector<qint64> raceDurationsUs;
    qint64 raceVersion = -1;

    // StreamState: the current state as the handler loads it (snapshot + newer events); and
    // with Snapshots: the stream's snapshots (all deciders), by version.
    Json state;
    qint64 version = -1;
    qint64 snapshotVersion = -1;
    qint64 replayed = 0;
    std::vector<AggregateSnapshot> snapshots;

    // LoadDecider: the domain name it is known by, its file, command types and templates.
    QString filePath;
    QStringList commandTypes;
    Json templates = Json::object(); // {type: template data}

    // Streams (of a category): names (at most the limit asked), how many there are, and a
    // free name for a new stream (category-N after the highest N).
    QStringList streams;
    qint64 streamCount = 0;
    QString nextStream;

    // SetStore: whether commands can append (false: a read-only file; message says why).
    bool writable = false;

    bool ok() const { return message.isEmpty() && !error; }
};

// Runs test commands against the embedded store off the GUI thread (issue 5), on a worker thread
// of its own holding one writable connection (EventStore::open on that thread), one Decider per
// domain in use (the bundled bank and order, plus deciders loaded from files) and a
// CommandHandler per decider (with states, so the console can show the state before and after).
//
// Every request returns its id and is executed in the order made; each ends in exactly one
// finished() carrying that id, queued to this object's thread. Results that describe a store
// (states, snapshots, streams) made before a later setStore() come back marked stale.
//
// The metadata of the domains (names, command types, templates) is answered on the calling
// thread without waiting for the worker: the bundled domains' from a Decider made there once for
// it, loaded deciders' from the worker's answer to loadDecider() (cached before finished()).
//
// sendConcurrently() is the concurrency demo: every client (its own thread, connection, decider)
// loads the stream at the same version and decides, and only when all have decided do they
// append, each expecting that version: exactly one append succeeds, the others conflict.
//
// The thread starts with the first request and is stopped by the destructor (after the requests
// already queued).
class CommandSession final : public QObject
{
    Q_OBJECT

public:
    using Json = nlohmann::ordered_json;
    static constexpr int DefaultSnapshotEvery = 10;
    static constexpr int DefaultStreamLimit = 1000;

    explicit CommandSession(QObject *parent = nullptr);
    ~CommandSession() override;

    // The store commands go to (an empty path: none). A missing file is not created; a file
    // that cannot be opened for writing, or any file when readOnly is true (a store that must
    // not change), is opened read-only: commands then fail saying so.
    quint64 setStore(const QString &path, bool readOnly = false);
    QString storePath() const { return m_storePath; }
    // Snapshots every n events (0: none); the handlers are made again with it.
    quint64 setSnapshotEvery(int events);
    int snapshotEvery() const { return m_snapshotEvery; }
    // Loads a decider from a file (on the worker): its domain name comes back in the result
    // (its file name without ".js"; "NAME (file)" when that is a bundled domain's name); loading
    // the same file again replaces it. A script error comes back with its line and column.
    quint64 loadDecider(const QString &path);

    // Domains: the bundled ones, then the loaded ones in the order loaded.
    QStringList domains() const;
    bool isBundled(const QString &domain) const;
    QStringList commandTypes(const QString &domain) const;
    Json commandTemplate(const QString &domain, const QString &type) const;
    // The stream category a domain's streams use: "account" for bank, "order" for order, the
    // domain's name otherwise.
    static QString categoryOf(const QString &domain);
    // A loaded domain's file (empty for a bundled one).
    QString deciderFile(const QString &domain) const;

    // A command. expected nullopt: against the version loaded, retried on a conflict.
    quint64 send(const QString &domain, const QString &stream, const QString &type, const Json &data,
                 std::optional<ExpectedVersion> expected = std::nullopt);
    // The concurrency demo: one client per command, all against the same version (the stream's
    // current one when nullopt), appending only once all have decided.
    quint64 sendConcurrently(const QString &domain, const QString &stream, const std::vector<RaceCommand> &commands,
                             std::optional<qint64> expectedVersion = std::nullopt);

    // The stream's current state for the domain's decider, and its snapshots.
    quint64 streamState(const QString &domain, const QString &stream);
    quint64 snapshots(const QString &stream);
    // Streams of a category (sorted by name, at most limit), their count and a new stream's name.
    quint64 streams(const QString &category, int limit = DefaultStreamLimit);

    const CommandCounters &counters() const { return m_counters; }
    void resetCounters();

    int pendingRequests() const { return m_pending; }
    bool isBusy() const { return m_pending > 0; }
    quint64 lastRequest() const { return m_lastRequest; }

    // "current", "any", "no-stream" or the number: how results name an expected version.
    static QString expectedText(const std::optional<ExpectedVersion> &expected);
    // Where an outcome stopped on the write side.
    static CommandStage stageOf(const CommandOutcome &outcome);

Q_SIGNALS:
    void started(quint64 request);
    void finished(quint64 request, const eventlens::CommandSessionResult &result);
    void countersChanged(const eventlens::CommandCounters &counters);
    // A decider was loaded (domains() has it) or replaced.
    void domainsChanged();
    void busyChanged(bool busy);

private:
    class Worker;
    struct DomainInfo
    {
        QStringList types;
        Json templates = Json::object();
        QString file;
    };
    using Kind = CommandSessionResult::Kind;

    quint64 post(Kind kind, std::function<void(Worker &, CommandSessionResult &)> work);
    void deliver(CommandSessionResult result);
    void count(const CommandSessionResult &result);
    const DomainInfo *info(const QString &domain) const;

    SessionThread m_thread{this, QStringLiteral("CommandSession")};
    Worker *m_worker = nullptr;   // used and deleted on m_thread once it started
    quint64 m_lastRequest = 0;
    quint64 m_storeGeneration = 0;
    int m_pending = 0;
    int m_snapshotEvery = DefaultSnapshotEvery;
    QString m_storePath;
    CommandCounters m_counters;
    mutable QMap<QString, DomainInfo> m_bundled; // filled on first use
    QMap<QString, DomainInfo> m_loaded;
    QStringList m_loadedOrder;
};

} // namespace eventlens

Q_DECLARE_METATYPE(eventlens::CommandSessionResult)
Q_DECLARE_METATYPE(eventlens::CommandCounters)

#pragma once

#include "event.h"
#include "projectionerror.h"
#include "readmodel.h"

#include <QString>
#include <QtGlobal>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace eventlens {

class EventStore;
class Projection;
class ReadDatabase;
struct ReadModelRecord;

// What a projector reports about its read model.
struct ProjectorStatus
{
    enum class State {
        Stopped,    // not running (never started, or stopped)
        CatchingUp, // behind the log, processing
        Live,       // caught up, following new appends
        Faulted,    // stopped by an error (the projection's, or the read database's)
    };

    QString model;
    State state = State::Stopped;
    qint64 checkpoint = 0;       // the read model reflects every event up to this position
    qint64 checkpointTimeMs = 0; // time of the event at the checkpoint (0: none)
    qint64 head = 0;             // the store's head position when last looked at
    qint64 headTimeMs = 0;       // time of the head event
    qint64 entries = 0;
    int delayMs = 0;             // artificial delay per event
    qint64 faultPosition = 0;    // the event the projection failed at (0: not at an event)
    QString error;               // why it faulted (empty otherwise)
    std::optional<ProjectionError> projectionError; // the projection's error, when that was the cause

    // Events the read model is behind the log (head - checkpoint; 0 when caught up).
    qint64 lagEvents() const { return head > checkpoint ? head - checkpoint : 0; }
    // Time of the head event - time of the checkpoint event (0 when caught up).
    qint64 lagMs() const;
    // "stopped", "catching up", "live", "faulted"
    static QString stateName(State state);
};

// Keeps one read model up to date with an event store, on a thread of its own.
//
// From the model's checkpoint in the read database it catches up over the store (its own
// read-only connection, through an EventStore subscription that reads ahead on another thread),
// feeds the events to the model's Projection in batches, and writes the partitions the events
// touched (Projection::takeTouched) together with the new checkpoint in one read-database
// transaction: entries are never ahead of or behind the checkpoint, whatever happens to the
// process. Then it follows the log live (the subscription delivers new appends of this process
// at once, those of other processes within 0.2 s).
//
// Entries: see ReadModelDefinition. An entry's position is the last event of its partition
// that the projection handled (for partitionBy: the last event of the batch that the projection
// handled).
//
// Restart: the projection's state (Projection::checkpoint()) is saved in the read database with
// the checkpoint, in the same transaction, at most every Options::stateIntervalMs and at least
// 20 times its own cost apart, and when the projector stops; a new projector restores the last
// saved state and replays the events between it and the checkpoint without writing. When the
// stored script hash differs from the definition's, or the event at the checkpoint is not the
// one recorded (another store), the model is rebuilt from scratch.
//
// A projection error faults the projector: it stops, with the error and the event's position;
// the read model stays as of the last committed batch (nothing of the failing batch is written).
//
// Threads: the public functions are thread-safe; the store and the read database path given to
// the constructor must outlive nothing (the projector opens its own connections).
class Projector final
{
public:
    struct Options
    {
        qsizetype batchSize = 256;     // events per Projection::feed call
        int commitIntervalMs = 100;    // while catching up, commits this far apart (more when they cost
                                       // more than a quarter of that); 0: a commit after every batch
        int stateIntervalMs = 2000;    // minimum time between two saves of the projection's state
        bool saveStateOnStop = true;   // save the state when stopping (a restart then replays nothing)
        int delayMs = 0;               // artificial delay per event (demos of eventual consistency)
        int timeBudgetMs = 5000;       // per call into the script
    };
    using StatusCallback = std::function<void()>;

    // Opens a read-only connection to the store and the read database (created when missing).
    // Throws StoreError (for instance when readDbPath is not a read database).
    Projector(const EventStore &store, ReadModelDefinition definition, const QString &readDbPath);
    Projector(const EventStore &store, ReadModelDefinition definition, const QString &readDbPath, const Options &options);
    ~Projector();
    Projector(const Projector &) = delete;
    Projector &operator=(const Projector &) = delete;

    const ReadModelDefinition &definition() const { return m_definition; }
    QString readDbPath() const { return m_readDbPath; }

    void start();
    // Stops and joins the thread: the events fed so far are committed first (and, with
    // saveStateOnStop, the projection's state saved). Not from inside the status callback.
    void stop();
    bool isRunning() const;
    // Drops the model's entries and replays from position 0 (restarting the thread when it ran or
    // faulted; otherwise the next start() replays).
    void rebuild();

    void setDelay(int msPerEvent);
    int delay() const;

    ProjectorStatus status() const;
    // Waits until the checkpoint reaches position: true then; false on timeout, or when the
    // projector faults or is not running.
    bool waitUntilCaughtUp(qint64 position, std::chrono::milliseconds timeout);

    // Called on the projector's thread after each status change (keep it short; rate-limit any
    // work it triggers). Set it before start().
    void setStatusCallback(StatusCallback callback);

private:
    void run();
    void follow(Projection &projection);
    bool isCurrent(const ReadModelRecord &record) const; // its entries are this script's, on this store
    void publish(const std::function<void(ProjectorStatus &)> &change);
    void fault(const QString &message, qint64 position, const std::optional<ProjectionError> &error);
    void onEvent(const Event &event);
    std::vector<Event> takeBatch(qsizetype max, qint64 upTo, std::chrono::milliseconds wait);
    bool queueEmpty();
    void joinThread();

    const ReadModelDefinition m_definition;
    const QString m_readDbPath;
    const Options m_options;
    std::unique_ptr<EventStore> m_source;   // used by the projector thread only (and by rebuild when stopped)
    std::unique_ptr<ReadDatabase> m_db;     // likewise

    std::thread m_thread;
    std::atomic_bool m_running{false};
    std::atomic_bool m_stopRequested{false};
    std::atomic_bool m_skipStateSave{false};  // stopping for a rebuild: no final state save
    std::atomic_int m_delayMs{0};
    bool m_wanted = false;                  // start() called, stop() not (guarded by m_controlMutex)
    mutable std::mutex m_controlMutex;      // start/stop/rebuild

    // Events from the subscription's thread to the projector's.
    std::mutex m_queueMutex;
    std::condition_variable m_queueChanged;    // events arrived, caught up, or stop requested
    std::condition_variable m_queueSpace;      // the queue has room, or events are dropped
    std::deque<Event> m_queue;
    bool m_subscriptionLive = false;
    bool m_dropEvents = false;                 // the subscription is being stopped

    mutable std::mutex m_statusMutex;
    std::condition_variable m_statusChanged;
    ProjectorStatus m_status;
    StatusCallback m_callback;
};

} // namespace eventlens

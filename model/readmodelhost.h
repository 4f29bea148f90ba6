#pragma once

#include "projector.h"
#include "readdatabase.h"
#include "readmodel.h"

#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace eventlens {

class EventStore;

// The read side of one store: the projectors of its read models (the bundled ones, plus the
// user's, which are kept in the read database and come back with it) and queries on them.
//
// Management (start, stop, addModel, removeModel, rebuild, setDelay) belongs to the thread that
// owns the host. status(), statuses(), waitUntilCaughtUp(), get() and query() may be called from
// any thread: queries run on a small pool of read-only connections, one per calling thread at a
// time. Works without an event loop (the CLI); statusChanged needs one.
class ReadModelHost final : public QObject
{
    Q_OBJECT

public:
    // Opens the read database (readDbPath, or ReadDatabase::defaultPath(store.path()); created
    // when missing) and sets up the projectors, not started. Throws StoreError.
    explicit ReadModelHost(const EventStore &store, const QString &readDbPath = {}, QObject *parent = nullptr);
    explicit ReadModelHost(const EventStore &store, const QString &readDbPath, const Projector::Options &options,
                           QObject *parent = nullptr);
    ~ReadModelHost() override;

    QString readDbPath() const;

    void start();
    void stop();
    bool isStarted() const;

    QStringList names() const; // the bundled models first, then the user's by name
    std::optional<ReadModelDefinition> definition(const QString &name) const;
    // Adds a user's model (running when the host is started) and keeps it in the read database.
    // False and *error when the name is not valid or taken, or the script does not define a
    // projection.
    bool addModel(const ReadModelDefinition &definition, QString *error = nullptr);
    // Removes a user's model and everything of it in the read database. False for a bundled or
    // unknown name.
    bool removeModel(const QString &name);

    std::optional<ProjectorStatus> status(const QString &name) const;
    std::vector<ProjectorStatus> statuses() const;
    bool rebuild(const QString &name); // false for an unknown name
    void setDelay(int msPerEvent);     // every projector
    int delay() const;
    // Until the model's checkpoint reaches position (false on timeout, fault, unknown model, or
    // when it is not running).
    bool waitUntilCaughtUp(const QString &name, qint64 position, std::chrono::milliseconds timeout);

    std::optional<ReadEntry> get(const QString &model, const QString &key) const;
    std::vector<ReadEntry> query(const QString &model, const std::vector<ReadFilter> &filters, qint64 limit = -1) const;

signals:
    // A model's status changed (coalesced: at most about 10 per second).
    void statusChanged(const QString &name);
    // Models were added or removed.
    void modelsChanged();

private:
    struct Slot
    {
        ReadModelDefinition definition;
        std::unique_ptr<Projector> projector;
    };

    Projector *projector(const QString &name) const;
    void addProjector(const ReadModelDefinition &definition);
    void noteChanged(const QString &name);
    void scheduleFlush();
    void flush();
    std::unique_ptr<ReadDatabase> acquire() const;
    void release(std::unique_ptr<ReadDatabase> db) const;

    const EventStore &m_store;
    const QString m_readDbPath;
    const Projector::Options m_options;
    std::unique_ptr<ReadDatabase> m_admin; // the owner thread's read-write connection
    mutable std::mutex m_slotsMutex;
    std::vector<Slot> m_slots;
    bool m_started = false;
    int m_delayMs = 0;

    std::mutex m_dirtyMutex;
    QSet<QString> m_dirty;
    bool m_flushScheduled = false;
    bool m_closing = false;
    QTimer m_flushTimer;
    qint64 m_lastFlushMs = 0;

    mutable std::mutex m_poolMutex;
    mutable std::vector<std::unique_ptr<ReadDatabase>> m_pool;
};

} // namespace eventlens

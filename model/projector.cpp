#include "projector.h"

#include "eventstore.h"
#include "projection.h"
#include "readdatabase.h"
#include "storeerror.h"
#include "subscription.h"

#include <QHash>

#include <algorithm>

namespace eventlens {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

constexpr auto kIdleWait = std::chrono::milliseconds(100); // how often an idle projector looks around
constexpr auto kHeadRefresh = std::chrono::milliseconds(200); // head position at most this often while busy
constexpr int kStateCostFactor = 20; // state saves at least 20x their own cost apart (<= 5% of the time)
constexpr int kCommitCostFactor = 4; // while catching up, commits at least 4x their own cost apart
// ... and at the latest when about this many partitions wait to be written (one transaction).
constexpr qsizetype kMaxTouched = 16384;

qint64 msBetween(Clock::time_point from, Clock::time_point to)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

} // namespace

// ---- ProjectorStatus ------------------------------------------------------------------------

qint64 ProjectorStatus::lagMs() const
{
    if (checkpoint >= head || headTimeMs <= 0)
        return 0;
    return std::max<qint64>(0, headTimeMs - checkpointTimeMs);
}

QString ProjectorStatus::stateName(State state)
{
    switch (state) {
    case State::Stopped: return QStringLiteral("stopped");
    case State::CatchingUp: return QStringLiteral("catching up");
    case State::Live: return QStringLiteral("live");
    case State::Faulted: return QStringLiteral("faulted");
    }
    return {};
}

// ---- Projector ------------------------------------------------------------------------------

Projector::Projector(const EventStore &store, ReadModelDefinition definition, const QString &readDbPath)
    : Projector(store, std::move(definition), readDbPath, Options())
{
}

Projector::Projector(const EventStore &store, ReadModelDefinition definition, const QString &readDbPath, const Options &options)
    : m_definition(std::move(definition))
    , m_readDbPath(readDbPath)
    , m_options(options)
{
    m_delayMs = std::max(0, options.delayMs);
    m_source = store.openAnother(EventStore::OpenMode::ReadOnly);
    m_db = std::make_unique<ReadDatabase>(readDbPath);
    m_status.model = m_definition.name;
    m_status.delayMs = m_delayMs;
    m_status.head = m_source->headPosition();
    // What the read database holds, unless the first run will rebuild it (then nothing counts:
    // a waiter must not take the old entries for the new ones).
    if (const std::optional<ReadModelRecord> record = m_db->model(m_definition.name); record && isCurrent(*record)) {
        m_status.checkpoint = record->checkpoint;
        m_status.checkpointTimeMs = record->checkpointTimeMs;
        m_status.entries = m_db->entryCount(m_definition.name);
    }
    if (m_status.head > 0) {
        if (const std::optional<Event> head = m_source->eventAt(m_status.head))
            m_status.headTimeMs = head->timeMs;
    }
}

Projector::~Projector()
{
    stop();
}

bool Projector::isCurrent(const ReadModelRecord &record) const
{
    if (record.scriptSha256 != m_definition.scriptSha256())
        return false;
    if (record.checkpoint <= 0)
        return true;
    // The event at the checkpoint must be the one the model saw (not another store's).
    const std::optional<Event> at = m_source->eventAt(record.checkpoint);
    return at && at->id == record.checkpointEventId;
}

void Projector::setStatusCallback(StatusCallback callback)
{
    std::lock_guard lock(m_statusMutex);
    m_callback = std::move(callback);
}

void Projector::publish(const std::function<void(ProjectorStatus &)> &change)
{
    StatusCallback callback;
    {
        std::lock_guard lock(m_statusMutex);
        change(m_status);
        if (m_status.head < m_status.checkpoint) {
            m_status.head = m_status.checkpoint;
            m_status.headTimeMs = m_status.checkpointTimeMs;
        }
        callback = m_callback;
    }
    m_statusChanged.notify_all();
    if (callback)
        callback();
}

void Projector::fault(const QString &message, qint64 position, const std::optional<ProjectionError> &error)
{
    m_running = false; // the thread only winds down from here
    publish([&](ProjectorStatus &s) {
        s.state = ProjectorStatus::State::Faulted;
        s.error = message;
        s.faultPosition = position;
        s.projectionError = error;
    });
}

ProjectorStatus Projector::status() const
{
    std::lock_guard lock(m_statusMutex);
    return m_status;
}

bool Projector::waitUntilCaughtUp(qint64 position, std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_statusMutex);
    m_statusChanged.wait_for(lock, timeout, [&] {
        return m_status.checkpoint >= position || m_status.state == ProjectorStatus::State::Faulted
            || m_status.state == ProjectorStatus::State::Stopped;
    });
    return m_status.checkpoint >= position;
}

void Projector::setDelay(int msPerEvent)
{
    m_delayMs = std::max(0, msPerEvent);
    publish([&](ProjectorStatus &s) { s.delayMs = m_delayMs; });
}

int Projector::delay() const
{
    return m_delayMs;
}

bool Projector::isRunning() const
{
    return m_running;
}

void Projector::start()
{
    std::lock_guard control(m_controlMutex);
    m_wanted = true;
    if (m_running)
        return;
    if (m_thread.joinable())
        m_thread.join(); // a run that ended by itself (faulted)
    m_stopRequested = false;
    m_running = true;
    publish([](ProjectorStatus &s) {
        s.state = ProjectorStatus::State::CatchingUp;
        s.error.clear();
        s.faultPosition = 0;
        s.projectionError.reset();
    });
    m_thread = std::thread([this] { run(); });
}

void Projector::joinThread()
{
    {
        std::lock_guard lock(m_queueMutex);
        m_stopRequested = true;
    }
    m_queueChanged.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    m_stopRequested = false;
}

void Projector::stop()
{
    std::lock_guard control(m_controlMutex);
    m_wanted = false;
    joinThread();
}

void Projector::rebuild()
{
    std::lock_guard control(m_controlMutex);
    const bool restart = m_wanted;
    m_skipStateSave = true;
    joinThread();
    m_skipStateSave = false;
    // The thread is gone: this thread may use the read database now.
    m_db->resetModel(m_definition.name, m_definition.scriptSha256(), m_definition.script, m_definition.fileName);
    publish([](ProjectorStatus &s) {
        s.state = ProjectorStatus::State::Stopped;
        s.checkpoint = 0;
        s.checkpointTimeMs = 0;
        s.entries = 0;
        s.error.clear();
        s.faultPosition = 0;
        s.projectionError.reset();
    });
    if (restart) {
        m_stopRequested = false;
        m_running = true;
        publish([](ProjectorStatus &s) { s.state = ProjectorStatus::State::CatchingUp; });
        m_thread = std::thread([this] { run(); });
    }
}

// ---- the subscription's side ----------------------------------------------------------------

void Projector::onEvent(const Event &event)
{
    const size_t limit = size_t(std::max<qsizetype>(64, m_options.batchSize * 8));
    std::unique_lock lock(m_queueMutex);
    m_queueSpace.wait(lock, [&] { return m_queue.size() < limit || m_dropEvents; });
    if (m_dropEvents)
        return;
    const bool wasEmpty = m_queue.empty();
    m_queue.push_back(event);
    if (wasEmpty) {
        lock.unlock();
        m_queueChanged.notify_all();
    }
}

std::vector<Event> Projector::takeBatch(qsizetype max, qint64 upTo, std::chrono::milliseconds wait)
{
    std::vector<Event> batch;
    std::unique_lock lock(m_queueMutex);
    if (wait.count() > 0)
        m_queueChanged.wait_for(lock, wait, [&] { return !m_queue.empty() || m_stopRequested; });
    while (!m_queue.empty() && qsizetype(batch.size()) < max && (upTo <= 0 || m_queue.front().position <= upTo)) {
        batch.push_back(std::move(m_queue.front()));
        m_queue.pop_front();
    }
    lock.unlock();
    if (!batch.empty())
        m_queueSpace.notify_all();
    return batch;
}

bool Projector::queueEmpty()
{
    std::lock_guard lock(m_queueMutex);
    return m_queue.empty();
}

// ---- the projector's thread -----------------------------------------------------------------

void Projector::run()
{
    {
        // The engine lives and dies on this thread.
        Projection projection(m_definition.script, m_definition.fileName, m_options.timeBudgetMs);
        if (!projection.isValid()) {
            const ProjectionError error = projection.error().value_or(ProjectionError());
            fault(m_definition.fileName + QStringLiteral(": ") + error.toString(), 0, error);
        } else {
            try {
                follow(projection);
            } catch (const StoreError &e) {
                fault(e.message(), 0, std::nullopt);
            } catch (const std::exception &e) {
                fault(QString::fromUtf8(e.what()), 0, std::nullopt);
            }
        }
    }
    {
        std::lock_guard lock(m_queueMutex);
        m_queue.clear();
        m_subscriptionLive = false;
        m_dropEvents = false;
    }
    publish([](ProjectorStatus &s) {
        if (s.state != ProjectorStatus::State::Faulted)
            s.state = ProjectorStatus::State::Stopped;
    });
    m_running = false;
    m_statusChanged.notify_all();
}

void Projector::follow(Projection &projection)
{
    const QString &name = m_definition.name;
    const ProjectionDefinition &definition = projection.definition();
    const bool byStream = definition.partitioning == ProjectionDefinition::Partitioning::ByStream;
    const bool withResult = definition.hasResult();
    ReadDatabase &db = *m_db;
    EventStore &source = *m_source;

    // Where the model stands.
    const QString sha = m_definition.scriptSha256();
    const std::optional<ReadModelRecord> record = db.model(name);
    const bool rebuild = !record || !isCurrent(*record);
    qint64 checkpoint = 0;
    qint64 checkpointTimeMs = 0;
    if (rebuild) {
        db.resetModel(name, sha, m_definition.script, m_definition.fileName);
    } else {
        checkpoint = record->checkpoint;
        checkpointTimeMs = record->checkpointTimeMs;
        if (record->fileName != m_definition.fileName)
            db.registerModel(name, sha, m_definition.script, m_definition.fileName);
    }
    qint64 from = 0;         // the subscription starts after this position
    qint64 savedState = 0;   // position of the saved projection state
    if (checkpoint > 0) {
        if (const std::optional<ReadDatabase::SavedState> saved = db.loadState(name); saved && saved->position <= checkpoint) {
            projection.restore(saved->state);
            if (projection.position() == saved->position) {
                from = saved->position;
                savedState = saved->position;
            } else {
                projection.reset();
            }
        }
    }
    qint64 replayUntil = checkpoint; // events up to here only rebuild the projection's state
    qint64 entries = db.entryCount(name);
    publish([&](ProjectorStatus &s) {
        s.checkpoint = checkpoint;
        s.checkpointTimeMs = checkpointTimeMs;
        s.entries = entries;
        s.state = ProjectorStatus::State::CatchingUp;
    });

    std::unique_ptr<Subscription> subscription = source.subscribe(
        from, [this](const Event &e) { onEvent(e); },
        [this] {
            {
                std::lock_guard lock(m_queueMutex);
                m_subscriptionLive = true;
            }
            m_queueChanged.notify_all();
        });
    struct SubscriptionStopper
    {
        Projector *p;
        std::unique_ptr<Subscription> &s;
        ~SubscriptionStopper()
        {
            {
                std::lock_guard lock(p->m_queueMutex);
                p->m_dropEvents = true;
            }
            p->m_queueSpace.notify_all();
            s.reset();
        }
    } stopper{this, subscription};

    // Fed but not yet committed.
    qint64 pending = 0;
    Event last;                          // the last event fed (position, time, id)
    QHash<QString, qint64> streamPositions; // foreachStream: the last handled event per partition
    qint64 lastHandled = 0;              // other partitionings: the last handled event
    auto lastCommit = Clock::now();
    qint64 commitCostMs = 0;
    // While catching up: a commit writes every partition touched since the last one, so its cost
    // grows with the partitions; committing less often then keeps it a bounded share of the time
    // (and writes a hot partition once instead of many times).
    const auto commitDueMs = [&] {
        return m_options.commitIntervalMs <= 0 ? qint64(0) : std::max<qint64>(m_options.commitIntervalMs, kCommitCostFactor * commitCostMs);
    };    auto lastStateSave = Clock::now();
    qint64 stateCostMs = 0;
    auto lastHeadRefresh = Clock::time_point();
    qint64 head = 0;
    qint64 headTimeMs = 0;

    const auto refreshHead = [&](bool force) {
        const auto now = Clock::now();
        if (!force && now - lastHeadRefresh < kHeadRefresh)
            return;
        lastHeadRefresh = now;
        const qint64 h = source.headPosition();
        if (h != head) {
            head = h;
            headTimeMs = 0;
            if (h > 0) {
                if (const std::optional<Event> e = source.eventAt(h))
                    headTimeMs = e->timeMs;
            }
        }
    };
    const auto stateDue = [&](Clock::time_point now) {
        return projection.position() > savedState
            && msBetween(lastStateSave, now) >= std::max<qint64>(m_options.stateIntervalMs, kStateCostFactor * stateCostMs);
    };
    const auto saveState = [&] {
        const auto start = Clock::now();
        const QByteArray state = projection.checkpoint();
        if (state.isEmpty())
            return;
        db.saveState(name, projection.position(), state);
        savedState = projection.position();
        lastStateSave = Clock::now();
        stateCostMs = msBetween(start, lastStateSave);
    };
    const auto commit = [&] {
        const auto start = Clock::now();
        const Json touched = projection.takeTouched();
        ReadDatabase::Transaction tx = db.begin();
        qint64 delta = 0;
        if (touched.is_array()) {
            for (const Json &triple : touched) {
                if (!triple.is_array() || triple.size() != 3 || !triple[0].is_string())
                    continue;
                const QString key = QString::fromStdString(triple[0].get<std::string>());
                const Json &value = triple[withResult ? 2 : 1];
                qint64 position = byStream ? streamPositions.value(key, 0) : lastHandled;
                if (position <= 0)
                    position = last.position;
                if (value.is_null()) {
                    if (db.removeEntry(name, key))
                        --delta;
                } else {
                    const std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
                    if (db.putEntry(name, key, QByteArrayView(text.data(), qsizetype(text.size())), position))
                        ++delta;
                }
            }
        }
        db.setCheckpoint(name, last.position, last.timeMs, last.id);
        const auto beforeState = Clock::now();
        if (stateDue(beforeState))
            saveState();
        const qint64 stateMs = msBetween(beforeState, Clock::now());
        tx.commit();
        entries += delta;
        checkpoint = last.position;
        checkpointTimeMs = last.timeMs;
        pending = 0;
        streamPositions.clear();
        lastHandled = 0;
        lastCommit = Clock::now();
        commitCostMs = msBetween(start, lastCommit) - stateMs; // the state save has its own schedule
    };
    const auto subscriptionLive = [&] {
        std::lock_guard lock(m_queueMutex);
        return m_subscriptionLive;
    };
    const auto publishProgress = [&](bool idle) {
        const bool live = idle && pending == 0 && [&] {
            std::lock_guard lock(m_queueMutex);
            return m_subscriptionLive && m_queue.empty();
        }();
        const ProjectorStatus::State state = live ? ProjectorStatus::State::Live : ProjectorStatus::State::CatchingUp;
        {
            std::lock_guard lock(m_statusMutex);
            if (m_status.checkpoint == checkpoint && m_status.entries == entries && m_status.head == std::max(head, checkpoint)
                && m_status.state == state)
                return; // nothing new to tell
        }
        publish([&](ProjectorStatus &s) {
            s.checkpoint = checkpoint;
            s.checkpointTimeMs = checkpointTimeMs;
            s.entries = entries;
            s.head = head;
            s.headTimeMs = headTimeMs;
            s.state = state;
        });
    };

    bool replaying = from < replayUntil;
    refreshHead(true);
    publishProgress(false);
    while (!m_stopRequested) {
        const int delay = m_delayMs;
        const qsizetype max = delay > 0 ? 1 : std::max<qsizetype>(1, m_options.batchSize);
        // With events fed and none waiting: commit at once when live (promptness); while catching
        // up, give the reader until the commit interval to deliver more (fewer, bigger commits).
        auto wait = kIdleWait;
        if (pending > 0) {
            const qint64 left = commitDueMs() - msBetween(lastCommit, Clock::now());
            wait = subscriptionLive() || left <= 0 ? std::chrono::milliseconds(0) : std::chrono::milliseconds(left);
        }
        std::vector<Event> batch = takeBatch(max, replaying ? replayUntil : 0, wait);
        if (m_stopRequested)
            break;
        if (batch.empty()) {
            // Idle: everything delivered so far is processed.
            if (pending > 0)
                commit();
            if (const QString error = subscription->error(); !error.isEmpty()) {
                fault(QStringLiteral("reading the store failed: %1").arg(error), 0, std::nullopt);
                return;
            }
            if (stateDue(Clock::now()) && !replaying) {
                ReadDatabase::Transaction tx = db.begin();
                saveState();
                tx.commit();
            }
            refreshHead(true);
            publishProgress(true);
            continue;
        }
        // The delay may have been set while this thread waited for the batch.
        const qint64 delayNow = m_delayMs;
        if (delayNow > 0) {
            std::unique_lock lock(m_queueMutex);
            m_queueChanged.wait_for(lock, std::chrono::milliseconds(delayNow * qint64(batch.size())),
                                    [&] { return m_stopRequested.load(); });
            if (m_stopRequested)
                break; // not processed: delivered again after the checkpoint next time
        }
        const Projection::FeedResult r = projection.feed(batch);
        if (r.error) {
            // Nothing of the uncommitted events is written: the model stays at its checkpoint.
            fault(m_definition.fileName + QStringLiteral(": ") + r.error->toString(), r.error->position, r.error);
            return;
        }
        for (const Event &e : batch) {
            if (e.dataIsJson && definition.selects(e.stream) && definition.handles(e.type)) {
                if (byStream)
                    streamPositions.insert(e.stream, e.position);
                else
                    lastHandled = e.position;
            }
        }
        last = std::move(batch.back());
        pending += qint64(batch.size());
        if (replaying) {
            // Already in the read database: nothing to write up to the checkpoint.
            pending = 0;
            streamPositions.clear();
            lastHandled = 0;
            replaying = last.position < replayUntil;
            if (!replaying)
                projection.takeTouched();
            continue;
        }
        // Live: commit as soon as everything delivered is fed (promptness). Catching up: at the
        // commit interval.
        const qsizetype touchedBound = byStream ? qsizetype(streamPositions.size()) : qsizetype(pending);
        if (delayNow > 0 || (subscriptionLive() && queueEmpty()) || touchedBound >= kMaxTouched
            || msBetween(lastCommit, Clock::now()) >= commitDueMs()) {
            commit();
            refreshHead(false);
            publishProgress(false);
        }
    }
    // Stopping: keep what was fed.
    if (pending > 0)
        commit();
    if (m_options.saveStateOnStop && !m_skipStateSave && projection.position() > savedState) {
        ReadDatabase::Transaction tx = db.begin();
        saveState();
        tx.commit();
    }
    publishProgress(false);
}

} // namespace eventlens

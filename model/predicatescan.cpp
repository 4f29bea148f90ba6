#include "predicatescan.h"

#include "eventpredicate.h"
#include "eventstore.h"

#include <QElapsedTimer>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <utility>

namespace eventlens {

namespace {

// Events between two updates of the published figures.
constexpr qint64 kPublishEvery = 64;
// Slices per worker when the range is split (small slices balance the load).
constexpr qint64 kSlicesPerWorker = 16;
constexpr int kMaxThreads = 8;
constexpr int kDefaultMaxThreads = 4;

// A part of the position range, scanned by one worker; written by that worker only and read by
// the worker that assembles the outcome after every worker has finished.
struct Slice
{
    qint64 low = 0;  // inclusive
    qint64 high = 0; // inclusive
    std::vector<qint64> positions;
    qint64 runtimeErrors = 0;
    QString firstRuntimeError;
    qint64 firstRuntimeErrorPosition = 0;
};

} // namespace

struct PredicateScan::Outcome
{
    std::shared_ptr<std::vector<qint64>> positions = std::make_shared<std::vector<qint64>>();
    PredicateScanStats stats;
    QString error;      // empty: success (or cancelled)
    bool cancelled = false;
};

struct PredicateScan::Job
{
    explicit Job(quint64 generation)
        : generation(generation)
    {
        clock.start();
    }

    bool shouldStop() const
    {
        return cancel.load(std::memory_order_relaxed) || stop.load(std::memory_order_relaxed);
    }

    // Records a failure that ends the scan; the one earliest in query order wins (slice -1: the
    // predicate does not compile).
    void fail(qint64 slice, const QString &message)
    {
        {
            const std::lock_guard<std::mutex> lock(failureMutex);
            if (failure.isEmpty() || slice < failureSlice) {
                failure = message;
                failureSlice = slice;
            }
        }
        stop.store(true, std::memory_order_relaxed);
    }

    const quint64 generation;
    QElapsedTimer clock;

    // Set by start() before the workers run, then read-only.
    EventQuery query;             // the SQL filters; positions and limit are set per slice
    QString source;               // the predicate; blank: every event matches
    int timeBudgetMs = EventPredicate::DefaultTimeBudgetMs;
    qint64 maxMatches = std::numeric_limits<qint64>::max();
    qint64 span = 0;              // positions in the scanned range
    std::vector<Slice> slices;    // in query order
    // Hands the outcome to the GUI thread (called by the last worker).
    std::function<void(const std::shared_ptr<Job> &, std::shared_ptr<const Outcome>)> deliver;

    std::atomic_bool cancel{false};
    std::atomic_bool stop{false};
    std::atomic<int> nextSlice{0};
    std::atomic<int> runningWorkers{0};

    // Published by the workers for the GUI thread's poll.
    std::atomic<qint64> scanned{0};
    std::atomic<qint64> matched{0};
    std::atomic<qint64> runtimeErrors{0};
    std::atomic<qint64> doneSpan{0}; // positions of the range covered so far

    std::mutex failureMutex;
    QString failure;
    qint64 failureSlice = 0;
};

namespace {

using Job = PredicateScan::Job;
using Outcome = PredicateScan::Outcome;

// Scans one slice; false when the scan has to stop (cancel, failure, limit reached).
bool scanSlice(Job &job, int index, const EventStore &connection, EventPredicate *predicate)
{
    Slice &slice = job.slices[size_t(index)];
    EventQuery query = job.query;
    query.limit = -1;
    if (query.backward) {
        query.fromPosition = slice.high;
        query.toPosition = slice.low;
    } else {
        query.fromPosition = slice.low;
        query.toPosition = slice.high;
    }

    qint64 scanned = 0;  // not yet published
    qint64 matched = 0;  // not yet published
    qint64 errors = 0;   // not yet published
    qint64 covered = 0;  // positions of the slice already added to job.doneSpan
    qint64 sincePublish = 0;
    bool stopped = false;
    const auto publish = [&](qint64 coveredNow) {
        job.scanned.fetch_add(scanned, std::memory_order_relaxed);
        job.matched.fetch_add(matched, std::memory_order_relaxed);
        job.runtimeErrors.fetch_add(errors, std::memory_order_relaxed);
        job.doneSpan.fetch_add(coveredNow - covered, std::memory_order_relaxed);
        scanned = matched = errors = 0;
        covered = coveredNow;
        sincePublish = 0;
    };

    connection.forEach(query, [&](const Event &event) {
        if (job.shouldStop()) {
            stopped = true;
            return false;
        }
        ++scanned;
        bool isMatch = true;
        if (predicate) {
            switch (predicate->evaluate(event)) {
            case EventPredicate::Outcome::Match:
                break;
            case EventPredicate::Outcome::Interrupted:
                job.fail(index, predicate->interruption());
                stopped = true;
                return false;
            case EventPredicate::Outcome::RuntimeError:
                ++errors;
                if (slice.runtimeErrors++ == 0) {
                    slice.firstRuntimeError = predicate->lastRuntimeError();
                    slice.firstRuntimeErrorPosition = event.position;
                }
                isMatch = false;
                break;
            default:
                isMatch = false;
                break;
            }
        }
        if (isMatch) {
            slice.positions.push_back(event.position);
            ++matched;
        }
        if (++sincePublish == kPublishEvery)
            publish(query.backward ? slice.high - event.position + 1 : event.position - slice.low + 1);
        // A limit is only set with a single worker and a single slice.
        if (qint64(slice.positions.size()) >= job.maxMatches) {
            stopped = true;
            return false;
        }
        return true;
    });
    publish(stopped ? covered : slice.high - slice.low + 1);
    return !stopped;
}

std::shared_ptr<const Outcome> assemble(Job &job)
{
    auto outcome = std::make_shared<Outcome>();
    outcome->cancelled = job.cancel.load();
    {
        const std::lock_guard<std::mutex> lock(job.failureMutex);
        outcome->error = job.failure;
    }
    size_t total = 0;
    for (const Slice &slice : job.slices)
        total += slice.positions.size();
    outcome->positions->reserve(total);
    PredicateScanStats &stats = outcome->stats;
    for (const Slice &slice : job.slices) {
        outcome->positions->insert(outcome->positions->end(), slice.positions.begin(), slice.positions.end());
        stats.runtimeErrors += slice.runtimeErrors;
        if (stats.firstRuntimeError.isEmpty() && !slice.firstRuntimeError.isEmpty()) {
            stats.firstRuntimeError = slice.firstRuntimeError;
            stats.firstRuntimeErrorPosition = slice.firstRuntimeErrorPosition;
        }
    }
    stats.scanned = job.scanned.load();
    stats.matched = qint64(total);
    stats.elapsedMs = job.clock.elapsed();
    return outcome;
}

void runWorker(const std::shared_ptr<Job> &job, std::shared_ptr<const EventStore> connection)
{
    int index = -1;
    try {
        std::unique_ptr<EventPredicate> predicate;
        if (!job->source.trimmed().isEmpty()) {
            // Created on this thread: the engine is never shared across threads.
            predicate = std::make_unique<EventPredicate>(job->source, job->timeBudgetMs);
            if (!predicate->isValid())
                job->fail(-1, predicate->error());
        }
        while (!job->shouldStop()) {
            index = job->nextSlice.fetch_add(1);
            if (index >= int(job->slices.size()) || !scanSlice(*job, index, *connection, predicate.get()))
                break;
        }
    } catch (const std::exception &e) {
        job->fail(index, QString::fromUtf8(e.what()));
    } catch (...) {
        job->fail(index, QStringLiteral("unknown error"));
    }
    connection.reset(); // closed on this thread
    // The last worker out assembles the outcome (acq_rel: it sees every other worker's slices).
    if (job->runningWorkers.fetch_sub(1, std::memory_order_acq_rel) == 1)
        job->deliver(job, assemble(*job));
}

} // namespace

PredicateScan::PredicateScan(QObject *parent)
    : QObject(parent)
    , m_timeBudgetMs(EventPredicate::DefaultTimeBudgetMs)
    , m_threadCount(std::clamp(QThread::idealThreadCount(), 1, kDefaultMaxThreads))
{
    m_pool.setMaxThreadCount(m_threadCount);
    m_pollTimer.setInterval(ProgressIntervalMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &PredicateScan::poll);
}

PredicateScan::~PredicateScan()
{
    if (m_job)
        m_job->cancel = true;
    // Superseded workers were cancelled when they were superseded; their results go nowhere.
    m_pool.waitForDone();
}

void PredicateScan::setTimeBudgetMs(int ms)
{
    m_timeBudgetMs = std::max(1, ms);
}

void PredicateScan::setThreadCount(int threads)
{
    m_threadCount = std::clamp(threads, 1, kMaxThreads);
    m_pool.setMaxThreadCount(std::max(m_pool.maxThreadCount(), m_threadCount));
}

void PredicateScan::setSliceSize(qint64 positions)
{
    m_sliceSize = std::max<qint64>(1, positions);
}

PredicateScanStats PredicateScan::statsOf(const Job &job)
{
    PredicateScanStats stats;
    stats.scanned = job.scanned.load(std::memory_order_relaxed);
    stats.matched = job.matched.load(std::memory_order_relaxed);
    stats.runtimeErrors = job.runtimeErrors.load(std::memory_order_relaxed);
    stats.elapsedMs = job.clock.elapsed();
    return stats;
}

quint64 PredicateScan::start(std::shared_ptr<const EventStore> store, const EventQuery &query, const QString &predicate)
{
    auto job = std::make_shared<Job>(++m_generation);
    const std::shared_ptr<Job> old = std::exchange(m_job, job);
    m_lastProgress = 0;
    m_matchCount = 0;
    if (old) {
        // The old workers stop at their next event; what they return is dropped in onJobDone.
        old->cancel = true;
        Q_EMIT failed(old->generation, tr("superseded by a newer scan"), true, statsOf(*old));
    }
    Q_EMIT progress(0, ProgressScale);
    Q_EMIT matchCountChanged(0);
    if (m_job != job)
        return job->generation; // a slot started a newer scan, which superseded this one

    if (!store) {
        postFailure(job, tr("no store is open"));
        return job->generation;
    }

    // The workers' connections, opened here; each is used by one worker thread only.
    std::vector<std::shared_ptr<const EventStore>> connections;
    qint64 head = 0;
    try {
        connections.push_back(store->openAnother(EventStore::OpenMode::ReadOnly));
        // The range is fixed now: events appended meanwhile are not part of this scan.
        head = connections.front()->headPosition();
    } catch (const std::exception &e) {
        postFailure(job, QString::fromUtf8(e.what()));
        return job->generation;
    }

    qint64 low = 1;
    qint64 high = head;
    if (query.backward) {
        high = std::min(query.fromPosition.value_or(head), head);
        low = std::max<qint64>(1, query.toPosition.value_or(1));
    } else {
        low = std::max<qint64>(1, query.fromPosition.value_or(1));
        high = std::min(query.toPosition.value_or(head), head);
    }
    job->query = query;
    job->source = predicate;
    job->timeBudgetMs = m_timeBudgetMs;
    job->maxMatches = query.limit < 0 ? std::numeric_limits<qint64>::max() : query.limit;
    job->span = std::max<qint64>(0, high - low + 1);

    qint64 workers = 1;
    qint64 sliceCount = 1;
    if (job->span > 0 && job->maxMatches > 0) {
        if (query.limit < 0 && m_threadCount > 1) {
            sliceCount = std::clamp<qint64>((job->span + m_sliceSize - 1) / m_sliceSize, 1, m_threadCount * kSlicesPerWorker);
            workers = std::min<qint64>(m_threadCount, sliceCount);
        }
        const qint64 step = (job->span + sliceCount - 1) / sliceCount;
        for (qint64 i = 0; i < sliceCount; ++i) {
            Slice slice;
            if (query.backward) {
                slice.high = high - i * step;
                slice.low = std::max(low, slice.high - step + 1);
            } else {
                slice.low = low + i * step;
                slice.high = std::min(high, slice.low + step - 1);
            }
            if (slice.low <= slice.high)
                job->slices.push_back(std::move(slice));
        }
    }

    try {
        while (qint64(connections.size()) < workers)
            connections.push_back(store->openAnother(EventStore::OpenMode::ReadOnly));
    } catch (const std::exception &e) {
        postFailure(job, QString::fromUtf8(e.what()));
        return job->generation;
    }

    // `this` outlives the workers: the destructor waits for the pool.
    job->deliver = [this](const std::shared_ptr<Job> &done, std::shared_ptr<const Outcome> outcome) {
        QMetaObject::invokeMethod(this, [this, done, outcome] { onJobDone(done, outcome); }, Qt::QueuedConnection);
    };
    job->runningWorkers = int(connections.size());
    for (std::shared_ptr<const EventStore> &connection : connections)
        m_pool.start([job, connection = std::move(connection)]() mutable { runWorker(job, std::move(connection)); });
    m_pollTimer.start();
    return job->generation;
}

void PredicateScan::postFailure(const std::shared_ptr<Job> &job, const QString &message)
{
    auto outcome = std::make_shared<Outcome>();
    outcome->error = message;
    outcome->stats.elapsedMs = job->clock.elapsed();
    QMetaObject::invokeMethod(this, [this, job, outcome] { onJobDone(job, outcome); }, Qt::QueuedConnection);
}

void PredicateScan::cancel()
{
    if (m_job)
        m_job->cancel = true;
}

void PredicateScan::poll()
{
    if (!m_job)
        return;
    const qint64 span = std::max<qint64>(1, m_job->span);
    const qint64 done = std::clamp<qint64>(m_job->doneSpan.load(std::memory_order_relaxed) * ProgressScale / span, 0, ProgressScale);
    if (done > m_lastProgress) {
        m_lastProgress = done;
        Q_EMIT progress(done, ProgressScale);
    }
    const qint64 matched = m_job->matched.load(std::memory_order_relaxed);
    if (matched != m_matchCount) {
        m_matchCount = matched;
        Q_EMIT matchCountChanged(matched);
    }
}

void PredicateScan::onJobDone(const std::shared_ptr<Job> &job, const std::shared_ptr<const Outcome> &outcome)
{
    if (job != m_job)
        return; // superseded: its failed() was emitted when it was
    m_job.reset();
    m_pollTimer.stop();

    const PredicateScanStats &stats = outcome->stats;
    if (outcome->cancelled || job->cancel.load()) {
        Q_EMIT failed(job->generation, tr("cancelled"), true, stats);
        return;
    }
    if (!outcome->error.isEmpty()) {
        Q_EMIT failed(job->generation, outcome->error, false, stats);
        return;
    }
    if (m_lastProgress != ProgressScale) {
        m_lastProgress = ProgressScale;
        Q_EMIT progress(ProgressScale, ProgressScale);
    }
    if (m_matchCount != stats.matched) {
        m_matchCount = stats.matched;
        Q_EMIT matchCountChanged(m_matchCount);
    }
    Q_EMIT finished(job->generation, outcome->positions, stats);
}

} // namespace eventlens

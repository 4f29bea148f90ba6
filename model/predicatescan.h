#pragma once

#include "eventquery.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <memory>
#include <vector>

namespace eventlens {

class EventStore;

struct PredicateScanStats
{
    qint64 scanned = 0;                 // events read (those that pass the SQL filters)
    qint64 matched = 0;                 // events the predicate matched
    qint64 runtimeErrors = 0;           // events on which the predicate threw (counted as no match)
    QString firstRuntimeError;          // "TypeError: … (line 1) at position 17"; empty when none
    qint64 firstRuntimeErrorPosition = 0;
    qint64 elapsedMs = 0;               // wall time from start() to the end of the scan
};

// Filters the log with a JavaScript predicate (EventPredicate) in the background (DESIGN.md §5).
//
// start() reads the events of an EventQuery (its SQL filters: stream, category, types, glob,
// time and position range, direction) up to the head position at the start, and collects the
// positions the predicate matches, in query order. query.limit, when not negative, stops the
// scan after that many matches. A blank predicate matches every event.
//
// The work runs on this object's thread pool: threadCount() workers, each with a read-only
// connection of its own (opened by start()) and a QJSEngine created on its thread, take slices
// of the position range in turn (small slices, so a slow region does not hold up the end), and
// the slices' matches are joined in query order. A scan with a limit uses one worker.
//
// Every start() ends in exactly one finished() or failed() signal carrying its generation:
// finished() with the positions; failed() for a predicate that does not compile, an
// interrupted predicate ("predicate interrupted: took longer than N ms at position P"), a
// read error, cancel() (cancelled = true, once the workers have stopped), or a newer start()
// that superseded it (cancelled = true, emitted by that start() at once; the old worker's
// results are dropped). Exceptions thrown by the predicate on single events do not stop the scan:
// they count as no match and are reported in the stats.
//
// While a scan runs, progress(done, ProgressScale) (done by position within the scanned range)
// and matchCountChanged() are emitted at most every ProgressIntervalMs; start() emits
// progress(0, ProgressScale) and a successful scan ends with progress(ProgressScale,
// ProgressScale) before finished().
class PredicateScan final : public QObject
{
    Q_OBJECT

public:
    using Positions = std::shared_ptr<const std::vector<qint64>>;

    static constexpr qint64 ProgressScale = 1000;
    static constexpr int ProgressIntervalMs = 50;

    explicit PredicateScan(QObject *parent = nullptr);
    // Cancels the running scan and waits for its worker (and superseded ones) to stop.
    ~PredicateScan() override;

    // CPU time one evaluation may take before the predicate is interrupted (next start()).
    void setTimeBudgetMs(int ms);
    int timeBudgetMs() const { return m_timeBudgetMs; }

    // Workers per scan (next start()), 1 to 8; default QThread::idealThreadCount(), at most 4.
    void setThreadCount(int threads);
    int threadCount() const { return m_threadCount; }
    // Positions per slice of the range when several workers share a scan (next start());
    // there are at most 16 slices per worker.
    static constexpr qint64 DefaultSliceSize = 8192;
    void setSliceSize(qint64 positions);
    qint64 sliceSize() const { return m_sliceSize; }

    // Starts a scan (cancelling and superseding a running one) and returns its generation.
    // The store's connection is only used here, on the calling thread, to open the worker's own.
    quint64 start(std::shared_ptr<const EventStore> store, const EventQuery &query, const QString &predicate);
    // Asks the running scan to stop; failed(generation, …, true, …) follows once it has.
    void cancel();

    bool isRunning() const { return m_job != nullptr; }
    // The generation of the last start() (0: none yet).
    quint64 generation() const { return m_generation; }
    // Matches so far of the running scan, or the final count of the last one.
    qint64 matchCount() const { return m_matchCount; }

    // Shared between the GUI thread and a worker (public for the worker function only).
    struct Job;
    struct Outcome;

Q_SIGNALS:
    void progress(qint64 done, qint64 total);
    void matchCountChanged(qint64 count);
    void finished(quint64 generation, eventlens::PredicateScan::Positions positions, const eventlens::PredicateScanStats &stats);
    void failed(quint64 generation, const QString &message, bool cancelled, const eventlens::PredicateScanStats &stats);

private:
    void poll();
    void onJobDone(const std::shared_ptr<Job> &job, const std::shared_ptr<const Outcome> &outcome);
    void postFailure(const std::shared_ptr<Job> &job, const QString &message);
    static PredicateScanStats statsOf(const Job &job);

    std::shared_ptr<Job> m_job; // the running scan, null when none
    quint64 m_generation = 0;
    qint64 m_matchCount = 0;
    qint64 m_lastProgress = -1;
    int m_timeBudgetMs;
    int m_threadCount;
    qint64 m_sliceSize = DefaultSliceSize;
    QTimer m_pollTimer;
    QThreadPool m_pool;
};

} // namespace eventlens

Q_DECLARE_METATYPE(eventlens::PredicateScanStats)
Q_DECLARE_METATYPE(eventlens::PredicateScan::Positions)

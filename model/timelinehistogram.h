#pragma once

#include "eventquery.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace eventlens {

class EventStore;

// Event counts per time bucket of the events an EventQuery matches: the data of the timeline.
// Buckets are contiguous and equally wide (starts[i] = starts[0] + i * bucketWidthMs), the first
// holds the earliest matching event and the last the latest one; buckets in between may be
// empty. Times are UTC milliseconds.
struct TimelineBuckets
{
    qint64 bucketWidthMs = 0;           // 0 when there are no events
    std::vector<qint64> starts;         // start of each bucket, ascending
    std::vector<qint64> counts;         // events per bucket
    std::vector<qint64> firstPositions; // lowest position in each bucket; 0 for an empty bucket
    qint64 minTimeMs = 0;               // earliest and latest event time (when total > 0)
    qint64 maxTimeMs = 0;
    qint64 total = 0;                   // events counted: the sum of counts
    qint64 maxCount = 0;                // the largest count

    bool isEmpty() const { return total == 0; }
    int size() const { return int(counts.size()); }
    // Start of the first bucket and end (exclusive) of the last one; 0 when empty.
    qint64 startMs() const { return starts.empty() ? 0 : starts.front(); }
    qint64 endMs() const { return starts.empty() ? 0 : starts.back() + bucketWidthMs; }
    // The bucket that contains timeMs, clamped to the first or last bucket; -1 when empty.
    int bucketAt(qint64 timeMs) const;
    // The bucket with events nearest to `bucket` in the given direction (`bucket` itself when it
    // has events), else the nearest one in the other direction; -1 when empty.
    int nonEmptyBucket(int bucket, bool forward) const;
    // The scrubber's time -> event: the first position of the bucket containing timeMs or, when
    // that bucket is empty, of the next bucket with events (the previous one past the end);
    // 0 when empty.
    qint64 positionAt(qint64 timeMs) const;
};

// Computes a TimelineBuckets for a query over an EventStore in the background (DESIGN.md §5).
//
// The bucket width is chosen from the time span of the matching events: the smallest natural
// unit that gives at most MaxBuckets buckets (about 160 to 400 for spans from 1 s to two years,
// at least about 114 beyond). The units: 1, 2, 5, 10, 20, 50, 100, 200, 500 ms; 1, 2, 5, 10, 15, 30 s;
// 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h; 1, 2 days; 1, 2, 4, 13, 26, 52 weeks and multiples.
// Buckets are aligned to their unit in UTC (an hour bucket starts on the hour, a day bucket at
// midnight UTC, a week bucket on Monday 00:00 UTC).
//
// The scan reads only the time and position of each event (EventStore::forEachTime): the whole
// log or a time range walks the time index only. It makes one pass: counts are gathered in fine
// buckets whose width grows as the span seen so far grows (at most ~25,000 at any time), then
// folded into the final buckets, so memory stays small on any log. Events appended after
// start() are not counted.
//
// start() runs the scan on this object's thread pool with a read-only connection of its own
// (opened by start() from the given store) and returns its generation. Every start() ends in
// exactly one finished() or failed() carrying its generation: finished() with the buckets;
// failed() for a read error, cancel() (cancelled = true), or a newer start() that superseded it
// (cancelled = true, emitted by that start() at once; the old worker's result is dropped).
// started() is emitted by start(), then progress(done, ProgressScale) at most every
// ProgressIntervalMs while it runs; a successful scan ends with progress(ProgressScale,
// ProgressScale) before finished().
class TimelineHistogram final : public QObject
{
    Q_OBJECT

public:
    static constexpr qint64 ProgressScale = 1000;
    static constexpr int ProgressIntervalMs = 50;
    static constexpr int MaxBuckets = 400;

    explicit TimelineHistogram(QObject *parent = nullptr);
    // Cancels the running scan and waits for its worker (and superseded ones) to stop.
    ~TimelineHistogram() override;

    // Starts a scan (cancelling and superseding a running one) and returns its generation. The
    // store's connection is only used here, on the calling thread, to open the worker's own.
    quint64 start(std::shared_ptr<const EventStore> store, const EventQuery &query);
    // Asks the running scan to stop; failed(generation, …, true) follows once it has.
    void cancel();

    bool isRunning() const { return m_job != nullptr; }
    // The generation of the last start() (0: none yet).
    quint64 generation() const { return m_generation; }
    // The buckets of the last scan that finished (empty before).
    const TimelineBuckets &buckets() const { return m_buckets; }

    // The scan itself, synchronous, on the calling thread with `store` (throws StoreError).
    // Returns nullopt when *cancel was set. progress(done) is called with done on
    // 0..ProgressScale every few thousand events.
    static std::optional<TimelineBuckets> compute(const EventStore &store, const EventQuery &query,
                                                  const std::atomic_bool *cancel = nullptr,
                                                  const std::function<void(qint64 done)> &progress = {});
    // The bucket width for events spanning spanMs (max time - min time) and the start of the
    // bucket of that width containing timeMs.
    static qint64 bucketWidthFor(qint64 spanMs);
    static qint64 bucketStart(qint64 timeMs, qint64 widthMs);

    // Shared between the GUI thread and a worker (public for the worker function only).
    struct Job;

Q_SIGNALS:
    void started(quint64 generation);
    void progress(qint64 done, qint64 total);
    void finished(quint64 generation, const eventlens::TimelineBuckets &buckets);
    void failed(quint64 generation, const QString &message, bool cancelled);

private:
    void poll();
    void onJobDone(const std::shared_ptr<Job> &job);
    void postDone(const std::shared_ptr<Job> &job);

    std::shared_ptr<Job> m_job; // the running scan, null when none
    quint64 m_generation = 0;
    qint64 m_lastProgress = -1;
    TimelineBuckets m_buckets;
    QTimer m_pollTimer;
    QThreadPool m_pool;
};

} // namespace eventlens

Q_DECLARE_METATYPE(eventlens::TimelineBuckets)

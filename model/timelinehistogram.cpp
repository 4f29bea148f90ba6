#include "timelinehistogram.h"

#include "eventstore.h"


#include <algorithm>
#include <exception>
#include <limits>
#include <unordered_map>

namespace eventlens {

namespace {

constexpr qint64 kSecond = 1000;
constexpr qint64 kMinute = 60 * kSecond;
constexpr qint64 kHour = 60 * kMinute;
constexpr qint64 kDay = 24 * kHour;
constexpr qint64 kWeek = 7 * kDay;
// Weeks start on Monday: 1970-01-05T00:00:00Z, four days after the epoch (a Thursday).
constexpr qint64 kMondayOffset = 4 * kDay;

// The natural bucket widths, ascending.
constexpr qint64 kWidths[] = {
    1, 2, 5, 10, 20, 50, 100, 200, 500,
    kSecond, 2 * kSecond, 5 * kSecond, 10 * kSecond, 15 * kSecond, 30 * kSecond,
    kMinute, 2 * kMinute, 5 * kMinute, 10 * kMinute, 15 * kMinute, 30 * kMinute,
    kHour, 2 * kHour, 3 * kHour, 6 * kHour, 12 * kHour,
    kDay, 2 * kDay,
    kWeek, 2 * kWeek, 4 * kWeek, 13 * kWeek, 26 * kWeek, 52 * kWeek,
    104 * kWeek, 260 * kWeek, 520 * kWeek, 1040 * kWeek, 2600 * kWeek, 5200 * kWeek, 10400 * kWeek,
};

// The widths of the fine buckets the scan gathers counts in. Each divides the next and every
// natural width from 60 times the previous one on (see Accumulator::coarsen), so the final
// buckets are always unions of fine buckets.
constexpr qint64 kFineWidths[] = {1, 10, 100, kSecond, kMinute, kHour, kDay, kWeek};
// Fine buckets kept before the fine width grows: past it the span seen is at least
// 64 * MaxBuckets fine widths, so the final width is at least 64 of them.
constexpr size_t kMaxFineBuckets = 64 * size_t(TimelineHistogram::MaxBuckets);

// Rows between two progress reports of a scan.
constexpr qint64 kProgressEvery = 4096;

qint64 floorDiv(qint64 a, qint64 b)
{
    const qint64 q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

qint64 offsetFor(qint64 width)
{
    return width % kWeek == 0 ? kMondayOffset : 0;
}

// True when every bucket of width `fine` lies within one bucket of width `coarse`.
bool nests(qint64 fine, qint64 coarse)
{
    return coarse % fine == 0 && (offsetFor(coarse) - offsetFor(fine)) % fine == 0;
}

// Counts per fine bucket, in one pass over (position, time) pairs in any order.
class Accumulator
{
public:
    void add(qint64 position, qint64 timeMs)
    {
        // Events come in runs of one fine bucket (the log is mostly in time order).
        if (!m_last || timeMs < m_lastStart || timeMs >= m_lastEnd)
            locate(timeMs);
        ++m_last->count;
        m_last->firstPosition = std::min(m_last->firstPosition, position);
        m_min = std::min(m_min, timeMs);
        m_max = std::max(m_max, timeMs);
        ++m_total;
    }

    TimelineBuckets finish() const
    {
        TimelineBuckets out;
        if (m_total == 0)
            return out;
        const qint64 fine = kFineWidths[m_level];
        qint64 width = TimelineHistogram::bucketWidthFor(m_max - m_min);
        // Never needed by construction; keeps the folding exact whatever the data.
        for (const qint64 w : kWidths) {
            if (w >= width && nests(fine, w)) {
                width = w;
                break;
            }
        }
        const qint64 first = TimelineHistogram::bucketStart(m_min, width);
        const qint64 last = TimelineHistogram::bucketStart(m_max, width);
        const size_t n = size_t((last - first) / width) + 1;
        out.bucketWidthMs = width;
        out.starts.resize(n);
        for (size_t i = 0; i < n; ++i)
            out.starts[i] = first + qint64(i) * width;
        out.counts.assign(n, 0);
        out.firstPositions.assign(n, 0);
        const qint64 offset = offsetFor(fine);
        for (const auto &[key, cell] : m_cells) {
            const qint64 start = key * fine + offset;
            const size_t i = size_t((TimelineHistogram::bucketStart(start, width) - first) / width);
            out.counts[i] += cell.count;
            if (out.firstPositions[i] == 0 || cell.firstPosition < out.firstPositions[i])
                out.firstPositions[i] = cell.firstPosition;
        }
        out.minTimeMs = m_min;
        out.maxTimeMs = m_max;
        out.total = m_total;
        out.maxCount = *std::max_element(out.counts.begin(), out.counts.end());
        return out;
    }

private:
    struct Cell
    {
        qint64 count = 0;
        qint64 firstPosition = std::numeric_limits<qint64>::max();
    };

    // Points m_last at the fine bucket of timeMs, growing the fine width when there are too many.
    void locate(qint64 timeMs)
    {
        m_last = &m_cells[keyOf(timeMs)];
        if (m_cells.size() > kMaxFineBuckets && m_level + 1 < int(std::size(kFineWidths))) {
            coarsen();
            m_last = &m_cells[keyOf(timeMs)];
        }
        const qint64 width = kFineWidths[m_level];
        m_lastStart = keyOf(timeMs) * width + offsetFor(width);
        m_lastEnd = m_lastStart + width;
    }

    qint64 keyOf(qint64 timeMs) const
    {
        const qint64 width = kFineWidths[m_level];
        return floorDiv(timeMs - offsetFor(width), width);
    }

    // Moves to wider fine buckets until few enough remain.
    void coarsen()
    {
        while (m_cells.size() > kMaxFineBuckets && m_level + 1 < int(std::size(kFineWidths))) {
            const qint64 oldWidth = kFineWidths[m_level];
            const qint64 oldOffset = offsetFor(oldWidth);
            ++m_level;
            std::unordered_map<qint64, Cell> merged;
            merged.reserve(m_cells.size() / 8);
            for (const auto &[key, cell] : m_cells) {
                Cell &into = merged[keyOf(key * oldWidth + oldOffset)];
                into.count += cell.count;
                into.firstPosition = std::min(into.firstPosition, cell.firstPosition);
            }
            m_cells = std::move(merged);
        }
        m_last = nullptr;
    }

    std::unordered_map<qint64, Cell> m_cells; // fine bucket key -> counts (references are stable)
    int m_level = 0;                           // index into kFineWidths
    Cell *m_last = nullptr;                    // the fine bucket of the last event, [m_lastStart, m_lastEnd)
    qint64 m_lastStart = 0;
    qint64 m_lastEnd = 0;
    qint64 m_min = std::numeric_limits<qint64>::max();
    qint64 m_max = std::numeric_limits<qint64>::min();
    qint64 m_total = 0;
};

} // namespace

// ---------------------------------------------------------------------------------------------
// TimelineBuckets

int TimelineBuckets::bucketAt(qint64 timeMs) const
{
    if (starts.empty() || bucketWidthMs <= 0)
        return -1;
    if (timeMs < starts.front())
        return 0;
    return int(std::min<qint64>((timeMs - starts.front()) / bucketWidthMs, qint64(starts.size()) - 1));
}

int TimelineBuckets::nonEmptyBucket(int bucket, bool forward) const
{
    const int n = size();
    if (n == 0 || total == 0)
        return -1;
    bucket = std::clamp(bucket, 0, n - 1);
    const int step = forward ? 1 : -1;
    for (int i = bucket; i >= 0 && i < n; i += step) {
        if (counts[size_t(i)] > 0)
            return i;
    }
    for (int i = bucket - step; i >= 0 && i < n; i -= step) {
        if (counts[size_t(i)] > 0)
            return i;
    }
    return -1;
}

qint64 TimelineBuckets::positionAt(qint64 timeMs) const
{
    const int bucket = nonEmptyBucket(bucketAt(timeMs), true);
    return bucket < 0 ? 0 : firstPositions[size_t(bucket)];
}

// ---------------------------------------------------------------------------------------------
// TimelineHistogram: the scan

qint64 TimelineHistogram::bucketWidthFor(qint64 spanMs)
{
    spanMs = std::max<qint64>(0, spanMs);
    // Bucket starts are aligned, so events spanning spanMs touch at most spanMs / width + 2
    // buckets.
    for (const qint64 width : kWidths) {
        if (spanMs / width + 2 <= MaxBuckets)
            return width;
    }
    return std::end(kWidths)[-1];
}

qint64 TimelineHistogram::bucketStart(qint64 timeMs, qint64 widthMs)
{
    const qint64 offset = offsetFor(widthMs);
    return floorDiv(timeMs - offset, widthMs) * widthMs + offset;
}

std::optional<TimelineBuckets> TimelineHistogram::compute(const EventStore &store, const EventQuery &query,
                                                          const std::atomic_bool *cancel,
                                                          const std::function<void(qint64 done)> &progress)
{
    const auto cancelled = [cancel] { return cancel && cancel->load(std::memory_order_relaxed); };
    // The range is fixed now: events appended meanwhile are not counted.
    const qint64 head = store.headPosition();
    EventQuery q = query;
    qint64 low = 1;
    qint64 high = head;
    if (q.backward) {
        high = std::min(q.fromPosition.value_or(head), head);
        low = std::max<qint64>(1, q.toPosition.value_or(1));
        q.fromPosition = high;
    } else {
        low = std::max<qint64>(1, q.fromPosition.value_or(1));
        high = std::min(q.toPosition.value_or(head), head);
        q.toPosition = high;
    }
    const qint64 span = std::max<qint64>(1, high - low + 1);
    // In log order the position says how far the scan is; in time order (the time index) the
    // rows seen so far out of the range's size (exact for the whole log).
    const bool timeOrder = EventStore::forEachTimeUsesTimeIndex(q);

    Accumulator acc;
    qint64 rows = 0;
    if (high >= low) {
        store.forEachTime(
            q,
            [&](qint64 position, qint64 timeMs) {
                acc.add(position, timeMs);
                if (++rows % kProgressEvery == 0) {
                    if (cancelled())
                        return false;
                    if (progress) {
                        const qint64 done = timeOrder ? rows : (q.backward ? high - position + 1 : position - low + 1);
                        progress(std::clamp<qint64>(done * ProgressScale / span, 0, ProgressScale));
                    }
                }
                return true;
            },
            cancel);
    }
    if (cancelled())
        return std::nullopt;
    if (progress)
        progress(ProgressScale);
    return acc.finish();
}

// ---------------------------------------------------------------------------------------------
// TimelineHistogram: the background job

struct TimelineHistogram::Job
{
    explicit Job(quint64 generation)
        : generation(generation)
    {
    }

    const quint64 generation;
    std::atomic_bool cancel{false};
    std::atomic<qint64> done{0}; // 0..ProgressScale, written by the worker

    // Written by the worker before it hands the job back, read on the GUI thread after.
    std::optional<TimelineBuckets> result;
    QString error;
};

TimelineHistogram::TimelineHistogram(QObject *parent)
    : QObject(parent)
{
    // One scan at a time: a superseded scan stops within a few thousand rows and the next one
    // starts after it, instead of both competing for the disk.
    m_pool.setMaxThreadCount(1);
    m_pollTimer.setInterval(ProgressIntervalMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &TimelineHistogram::poll);
}

TimelineHistogram::~TimelineHistogram()
{
    if (m_job)
        m_job->cancel = true;
    // Superseded workers were cancelled when they were superseded; their results go nowhere.
    m_pool.waitForDone();
}

quint64 TimelineHistogram::start(std::shared_ptr<const EventStore> store, const EventQuery &query)
{
    if (m_job) {
        // The old worker stops at its next check; what it returns is dropped in onJobDone.
        const std::shared_ptr<Job> old = std::move(m_job);
        old->cancel = true;
        Q_EMIT failed(old->generation, tr("superseded by a newer timeline"), true);
    }

    auto job = std::make_shared<Job>(++m_generation);
    m_job = job;
    m_lastProgress = 0;
    Q_EMIT started(job->generation);
    Q_EMIT progress(0, ProgressScale);

    if (!store) {
        job->error = tr("no store is open");
        postDone(job);
        return job->generation;
    }
    std::shared_ptr<const EventStore> connection;
    try {
        connection = store->openAnother(EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        job->error = QString::fromUtf8(e.what());
        postDone(job);
        return job->generation;
    }

    // `this` outlives the worker: the destructor waits for the pool.
    m_pool.start([this, job, query, connection = std::move(connection)]() mutable {
        try {
            job->result = compute(*connection, query, &job->cancel,
                                  [&job](qint64 done) { job->done.store(done, std::memory_order_relaxed); });
        } catch (const std::exception &e) {
            job->error = QString::fromUtf8(e.what());
        } catch (...) {
            job->error = QStringLiteral("unknown error");
        }
        connection.reset(); // closed on this thread
        postDone(job);
    });
    m_pollTimer.start();
    return job->generation;
}

void TimelineHistogram::postDone(const std::shared_ptr<Job> &job)
{
    // The queued call carries the job to the GUI thread (the event post orders the worker's
    // writes before the GUI thread's reads).
    QMetaObject::invokeMethod(this, [this, job] { onJobDone(job); }, Qt::QueuedConnection);
}

void TimelineHistogram::cancel()
{
    if (m_job)
        m_job->cancel = true;
}

void TimelineHistogram::poll()
{
    if (!m_job)
        return;
    const qint64 done = std::clamp<qint64>(m_job->done.load(std::memory_order_relaxed), 0, ProgressScale);
    if (done > m_lastProgress) {
        m_lastProgress = done;
        Q_EMIT progress(done, ProgressScale);
    }
}

void TimelineHistogram::onJobDone(const std::shared_ptr<Job> &job)
{
    if (job != m_job)
        return; // superseded: its failed() was emitted when it was
    m_job.reset();
    m_pollTimer.stop();

    if (job->cancel.load()) {
        Q_EMIT failed(job->generation, tr("cancelled"), true);
        return;
    }
    if (!job->error.isEmpty() || !job->result) {
        Q_EMIT failed(job->generation, job->error.isEmpty() ? tr("cancelled") : job->error, job->error.isEmpty());
        return;
    }
    if (m_lastProgress != ProgressScale) {
        m_lastProgress = ProgressScale;
        Q_EMIT progress(ProgressScale, ProgressScale);
    }
    m_buckets = std::move(*job->result);
    Q_EMIT finished(job->generation, m_buckets);
}

} // namespace eventlens

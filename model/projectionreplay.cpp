#include "projectionreplay.h"

#include "eventprefetcher.h"
#include "eventquery.h"
#include "eventstore.h"

#include <QElapsedTimer>

#include <algorithm>

namespace eventlens {

namespace {

constexpr qint64 kProgressEvery = 65536;
constexpr qsizetype kChunk = 256; // events per Projection::feed() (see EventPrefetcher)
// A replay keeps undo records for the events in this many positions before where it stops, so
// that stepping back from there needs no replay.
constexpr qint64 kUndoTail = 1024;

} // namespace

struct ProjectionReplay::Private
{
    Private(const EventStore &store, const QString &script, Options options)
        : store(store)
        , options(std::move(options))
        , projection(script, this->options.fileName, this->options.timeBudgetMs)
        , interval(std::max(1, this->options.checkpointInterval))
    {
        this->options.fromPosition = std::max<qint64>(1, this->options.fromPosition);
        first = boundary(false);
        last = boundary(true);
        if (projection.isValid())
            initial = projection.checkpoint();
        sinceCheckpointTimer.start();
    }

    // The position of the query's first event (0: none).
    qint64 firstOf(EventQuery q) const
    {
        q.limit = 1;
        qint64 found = 0;
        store.forEachPosition(q, [&found](qint64 position) {
            found = position;
            return false;
        });
        return found;
    }

    // The range's first (backward = false) or last event's position; 0 when the range is empty.
    qint64 boundary(bool backward) const
    {
        EventQuery q;
        q.fromPosition = backward ? options.toPosition : std::max<qint64>(1, options.fromPosition);
        q.toPosition = backward ? std::max<qint64>(1, options.fromPosition) : options.toPosition;
        q.backward = backward;
        return firstOf(q);
    }

    // The last event of the range at or before `position` (0: none).
    qint64 atOrBefore(qint64 position) const
    {
        if (first == 0 || position < first)
            return 0;
        if (position >= last)
            return last;
        EventQuery q;
        q.fromPosition = position;
        q.toPosition = first;
        q.backward = true;
        return firstOf(q);
    }

    std::vector<Event> read(qint64 after, qint64 upTo, qsizetype limit) const
    {
        std::vector<Event> out;
        if (first == 0 || after >= last || upTo <= after || limit <= 0)
            return out;
        EventQuery q;
        q.fromPosition = std::max(after + 1, first);
        q.toPosition = std::min(upTo, last);
        q.limit = limit;
        out.reserve(size_t(std::min<qsizetype>(limit, kChunk)));
        store.forEach(q, [&out](const Event &e) {
            out.push_back(e);
            return true;
        });
        return out;
    }

    std::optional<Event> eventAt(qint64 position) const
    {
        std::vector<Event> events = read(position - 1, position, 1);
        if (events.empty() || events.front().position != position)
            return std::nullopt;
        return std::move(events.front());
    }

    qint64 frontier() const { return checkpoints.empty() ? 0 : checkpoints.rbegin()->first; }

    void noteProgress(qint64 events)
    {
        sinceCheckpoint += events;
        if (sinceCheckpoint >= interval && pos > frontier()) {
            const qint64 feedNs = sinceCheckpointTimer.nsecsElapsed();
            QElapsedTimer timer;
            timer.start();
            QByteArray saved = projection.checkpoint();
            bytes += saved.size();
            checkpoints.emplace(pos, std::move(saved));
            sinceCheckpoint = 0;
            // A big state makes checkpoints dear: space them so that saving them costs at most
            // a quarter of the replay between them.
            if (timer.nsecsElapsed() * 4 > feedNs && interval < (qint64(1) << 24))
                interval *= 2;
            thin();
            sinceCheckpointTimer.start();
        }
    }

    void thin()
    {
        while (bytes > options.maxCheckpointBytes && checkpoints.size() > 1) {
            bool drop = false;
            for (auto it = checkpoints.begin(); it != checkpoints.end();) {
                if (drop) {
                    bytes -= it->second.size();
                    it = checkpoints.erase(it);
                } else {
                    ++it;
                }
                drop = !drop;
            }
            interval *= 2;
        }
    }

    // Brings the run to the state after event `target` (a position of the range or 0) without
    // the step's details; returns false on an error (then the run is at the event before it,
    // and *error says why).
    bool restoreTo(qint64 target, std::optional<ProjectionError> *error)
    {
        lastStep.reset();
        auto best = checkpoints.upper_bound(target);
        const qint64 from = best == checkpoints.begin() ? 0 : std::prev(best)->first;
        if (faulted || pos > target || from > pos) {
            if (from == 0)
                projection.restore(initial);
            else
                projection.restore(std::prev(best)->second);
            pos = from;
            faulted = false;
            sinceCheckpoint = 0;
            sinceCheckpointTimer.start();
        }
        return feedTo(target, false, nullptr, error, target - kUndoTail);
    }

    // Feeds the events after pos up to `target`, with undo records for those after undoFrom;
    // stops at breakpoints when asked (*hit).
    bool feedTo(qint64 target, bool stopAtBreakpoint, bool *hit, std::optional<ProjectionError> *error, qint64 undoFrom)
    {
        qint64 nextProgress = pos + kProgressEvery;
        // The events before undoFrom of a long run come from a reader thread, so that reading
        // the store and running the projection overlap on two cores.
        std::unique_ptr<EventPrefetcher> ahead;
        std::vector<Event> batch;
        size_t batchAt = 0;
        const qint64 aheadTo = std::min({target, undoFrom, last});
        if (first != 0 && aheadTo - pos > options.prefetchFrom) {
            EventQuery q;
            q.fromPosition = std::max(pos + 1, first);
            q.toPosition = aheadTo;
            ahead = std::make_unique<EventPrefetcher>(store, q, kChunk);
        }
        std::vector<Event> events;
        while (pos < target) {
            if (options.cancel && options.cancel->load(std::memory_order_relaxed))
                return true;
            const qsizetype room = std::max<qint64>(1, interval - sinceCheckpoint);
            const qsizetype limit = std::min<qsizetype>(kChunk, room);
            bool recording = pos >= undoFrom;
            std::span<const Event> chunk;
            if (!recording && ahead) {
                if (batchAt >= batch.size()) {
                    if (!batch.empty())
                        ahead->recycle(std::move(batch));
                    batch = ahead->next();
                    batchAt = 0;
                }
                const size_t n = std::min(size_t(limit), batch.size() - batchAt);
                chunk = std::span<const Event>(batch.data() + batchAt, n);
                batchAt += n;
                if (chunk.empty())
                    ahead.reset();
            }
            if (chunk.empty()) {
                if (!recording) {
                    events = read(pos, std::min(target, undoFrom), limit);
                    recording = events.empty(); // none left before undoFrom
                }
                if (recording)
                    events = read(pos, target, limit);
                chunk = events;
            }
            projection.setUndoRecording(recording);
            if (chunk.empty())
                break;
            const Projection::FeedResult fed = projection.feed(chunk, stopAtBreakpoint);
            if (fed.consumed > 0)
                pos = chunk[size_t(fed.consumed - 1)].position;
            if (fed.error) {
                // The run is faulted at the failing event: bring it back to the one before.
                faulted = true;
                const qint64 failedAt = fed.error->position;
                *error = fed.error;
                ahead.reset();
                std::optional<ProjectionError> again;
                restoreTo(atOrBefore(failedAt - 1), &again);
                return false;
            }
            noteProgress(fed.consumed);
            if (fed.breakpointHit) {
                if (hit)
                    *hit = true;
                return true;
            }
            if (options.progress && pos >= nextProgress) {
                options.progress(pos);
                nextProgress = pos + kProgressEvery;
            }
        }
        return true;
    }

    ProjectionStep stepTo(qint64 target)
    {
        if (target <= 0 || first == 0) {
            std::optional<ProjectionError> error;
            restoreTo(0, &error);
            return ProjectionStep();
        }
        const std::optional<Event> event = eventAt(target);
        if (!event)
            return ProjectionStep();
        // Back over events with undo records: no replay.
        ProjectionStep undone;
        if (!faulted && target < pos && projection.undoTo(*event, &undone)) {
            pos = target;
            lastStep = undone;
            return undone;
        }
        std::optional<ProjectionError> error;
        const qint64 before = atOrBefore(target - 1);
        if (!restoreTo(before, &error)) {
            ProjectionStep failed;
            failed.error = error;
            return failed;
        }
        if (pos != before) // cancelled on the way: the run is consistent, at pos
            return ProjectionStep();
        return takeStep(*event);
    }

    ProjectionStep takeStep(const Event &event)
    {
        projection.setUndoRecording(true);
        ProjectionStep step = projection.step(event);
        if (!step.error) {
            pos = event.position;
            noteProgress(1);
            lastStep = step;
        }
        return step;
    }

    const EventStore &store;
    Options options;
    Projection projection;
    qint64 interval;
    qint64 first = 0;
    qint64 last = 0;
    qint64 pos = 0;
    QByteArray initial;
    std::map<qint64, QByteArray> checkpoints;
    qint64 bytes = 0;
    qint64 sinceCheckpoint = 0;
    bool faulted = false;
    QElapsedTimer sinceCheckpointTimer;
    std::optional<ProjectionStep> lastStep;
};

ProjectionReplay::ProjectionReplay(const EventStore &store, const QString &script, Options options)
    : d(std::make_unique<Private>(store, script, std::move(options)))
{
}

ProjectionReplay::ProjectionReplay(const EventStore &store, const QString &script)
    : ProjectionReplay(store, script, Options())
{
}

ProjectionReplay::~ProjectionReplay() = default;

Projection &ProjectionReplay::projection() { return d->projection; }
const Projection &ProjectionReplay::projection() const { return d->projection; }
qint64 ProjectionReplay::position() const { return d->pos; }
qint64 ProjectionReplay::firstPosition() const { return d->first; }
qint64 ProjectionReplay::lastPosition() const { return d->last; }
bool ProjectionReplay::atEnd() const { return d->pos >= d->last; }
int ProjectionReplay::checkpointInterval() const { return int(d->interval); }
qsizetype ProjectionReplay::checkpointCount() const { return qsizetype(d->checkpoints.size()); }
qint64 ProjectionReplay::checkpointBytes() const { return d->bytes; }

ProjectionStep ProjectionReplay::currentStep()
{
    if (d->pos == 0)
        return ProjectionStep();
    if (d->lastStep && d->lastStep->event.position == d->pos)
        return *d->lastStep;
    return d->stepTo(d->pos);
}

ProjectionStep ProjectionReplay::stepForward()
{
    if (!isValid() || atEnd())
        return ProjectionStep();
    if (d->faulted) {
        std::optional<ProjectionError> error;
        d->restoreTo(d->pos, &error);
    }
    const std::vector<Event> next = d->read(d->pos, d->last, 1);
    if (next.empty())
        return ProjectionStep();
    return d->takeStep(next.front());
}

ProjectionStep ProjectionReplay::stepBack()
{
    if (!isValid() || d->pos == 0)
        return ProjectionStep();
    return d->stepTo(d->atOrBefore(d->pos - 1));
}

ProjectionStep ProjectionReplay::seek(qint64 position)
{
    if (!isValid())
        return ProjectionStep();
    return d->stepTo(d->atOrBefore(position));
}

ProjectionReplay::RunResult ProjectionReplay::runTo(qint64 position, bool stopAtBreakpoint)
{
    RunResult out;
    if (!isValid()) {
        out.error = d->projection.error();
        return out;
    }
    const qint64 target = std::min(position, d->last);
    if (d->faulted) {
        std::optional<ProjectionError> error;
        d->restoreTo(d->pos, &error);
    }
    d->lastStep.reset();
    std::optional<ProjectionError> error;
    bool hit = false;
    const bool ok = d->feedTo(target, stopAtBreakpoint, &hit, &error, std::min(target, d->last) - kUndoTail);
    out.position = d->pos;
    out.cancelled = d->options.cancel && d->options.cancel->load(std::memory_order_relaxed) && d->pos < target && !hit && ok;
    if (!ok) {
        out.error = error;
        // The failing event's step, with what it logged before it failed.
        if (const std::optional<Event> failed = d->eventAt(error->position))
            out.step = d->projection.step(*failed);
        out.step.error = error;
        return out;
    }
    if (hit) {
        out.breakpointHit = true;
        out.step = d->stepTo(d->pos);
        out.step.breakpointHit = true;
    }
    return out;
}

std::optional<ProjectionError> ProjectionReplay::setBreakpoints(const std::vector<ProjectionBreakpoint> &breakpoints)
{
    return d->projection.setBreakpoints(breakpoints);
}

ProjectionReplay::Json ProjectionReplay::statesAt(qint64 position)
{
    if (!isValid())
        return Json::object();
    const qint64 was = d->pos;
    std::optional<ProjectionError> error;
    d->restoreTo(d->atOrBefore(position), &error);
    Json states = d->projection.states();
    d->restoreTo(was, &error);
    return states;
}

void ProjectionReplay::reset()
{
    d->lastStep.reset();
    d->checkpoints.clear();
    d->bytes = 0;
    d->sinceCheckpoint = 0;
    d->interval = std::max(1, d->options.checkpointInterval);
    d->faulted = false;
    d->pos = 0;
    d->projection.reset();
    if (d->projection.isValid())
        d->initial = d->projection.checkpoint();
}

} // namespace eventlens

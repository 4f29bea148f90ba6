#pragma once

#include "projection.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace eventlens {

class EventStore;

// A projection replayed over a store's log (or a position range of it) as a debugger steps it:
// forward and backward one event at a time, to any position, to the next breakpoint.
//
// Checkpoints: the run is saved every checkpointInterval events on the way forward, so reaching
// any position replays at most that many events, and stepping back is a restore plus a short
// replay. When the checkpoints grow past maxCheckpointBytes, every other one is dropped and the
// interval doubles.
//
// The position is that of the last event applied (0: before the first). The store is read
// through the connection given, which must stay open and be used from this thread only.
class ProjectionReplay final
{
public:
    using Json = nlohmann::ordered_json;

    struct Options
    {
        qint64 fromPosition = 1;               // the first event replayed
        qint64 toPosition = Projection::End;   // the last one (inclusive)
        int checkpointInterval = 1024;
        // Runs of more events than this read ahead on a thread of their own (EventPrefetcher),
        // so that reading the store and the projection overlap on two cores.
        qint64 prefetchFrom = 8192;
        qint64 maxCheckpointBytes = qint64(256) << 20;
        int timeBudgetMs = Projection::DefaultTimeBudgetMs;
        QString fileName = QStringLiteral("projection.js");
        // Stops runTo() early; a seek, step back or statesAt() that must replay stops too and
        // gives an empty step (the replay stays consistent, at position()).
        const std::atomic_bool *cancel = nullptr;
        // Called about every 64 Ki events during runTo() with the position reached.
        std::function<void(qint64 position)> progress;
    };

    ProjectionReplay(const EventStore &store, const QString &script, Options options);
    ProjectionReplay(const EventStore &store, const QString &script);
    ~ProjectionReplay();

    Projection &projection();
    const Projection &projection() const;
    bool isValid() const { return projection().isValid(); }

    qint64 position() const;       // the last event applied (0: none yet)
    qint64 firstPosition() const;  // of the range's first event (0: empty range)
    qint64 lastPosition() const;   // of the range's last event (0: empty range)
    bool atEnd() const;

    // The step of the event at position() with every detail (an empty step at position 0).
    // Replays it from a checkpoint when it is not the last step taken.
    ProjectionStep currentStep();

    // The next event of the range; an empty step (event.position 0) at the end.
    ProjectionStep stepForward();
    // Back to the event before position(): its step (an empty one when going back to 0).
    ProjectionStep stepBack();
    // To the state after the last event at or before `position` (0: before the first event).
    ProjectionStep seek(qint64 position);

    struct RunResult
    {
        qint64 position = 0;        // where the run stopped
        bool breakpointHit = false;
        bool cancelled = false;
        std::optional<ProjectionError> error; // the event at error->position failed; position()
                                              // is the event before it
        ProjectionStep step;        // the step at position (with details), when it stopped
                                    // at a breakpoint or an error
    };
    // Runs forward to `position` (inclusive, End: the range's end), stopping at breakpoints
    // when stopAtBreakpoint.
    RunResult runTo(qint64 position, bool stopAtBreakpoint = false);

    std::optional<ProjectionError> setBreakpoints(const std::vector<ProjectionBreakpoint> &breakpoints);

    // The states of every partition ({partition: state}) after `position`, leaving the replay
    // where it was.
    Json statesAt(qint64 position);

    void reset(); // back to position 0

    int checkpointInterval() const;
    qsizetype checkpointCount() const;
    qint64 checkpointBytes() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace eventlens

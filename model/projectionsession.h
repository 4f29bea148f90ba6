#pragma once

#include "projection.h"
#include "projectioncomparison.h"
#include "projectionerror.h"
#include "projectionstep.h"

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

// What one request of a ProjectionSession produced. Every navigation (step, step back, run,
// seek, reset, a new script or store) carries a snapshot of the run at the position reached;
// statesAt() and compareWith() fill their own members.
struct ProjectionSessionResult
{
    using Json = nlohmann::ordered_json;

    enum class Kind {
        SetStore, SetScript, Step, StepBack, RunTo, RunToBreakpoint, RunToEnd, Seek, Reset,
        SetBreakpoints, StatesAt, Compare,
    };

    Kind kind = Kind::Step;
    quint64 request = 0;

    // The error that ended the request: a script that does not compile or define a projection,
    // a handler that threw at an event (the run stands at the event before it), a breakpoint
    // condition that does not compile. message says it in words (also for store errors).
    std::optional<ProjectionError> error;
    QString message;
    bool cancelled = false;       // cancel(), or superseded by a new script, store or reset

    // The snapshot (hasSnapshot: the replay exists, i.e. a store and a valid script are set).
    bool hasSnapshot = false;
    bool hasStore = false;
    bool scriptValid = false;
    ProjectionDefinition definition;
    qint64 position = 0;          // the last event applied (0: none)
    qint64 firstPosition = 0;     // of the range (0: empty)
    qint64 lastPosition = 0;
    bool atEnd = false;
    bool breakpointHit = false;   // the run stopped at a breakpoint
    ProjectionStep step;          // the event at position with every detail (position 0: none)
    QStringList partitions;       // in order of creation
    Json states = Json::object(); // {partition: state}
    Json sharedState;             // null without $initShared
    Json results = Json::object(); // {partition: result} (only when the definition has a result)
    std::vector<EmittedEvent> emitted; // up to position, the last MaxListed of them
    qint64 emittedTotal = 0;
    std::vector<ProjectionLog> logs;   // up to position, the last MaxListed of them
    qint64 logTotal = 0;
    qint64 eventCount = 0;        // events fed so far (processed or skipped)
    qint64 processedCount = 0;

    // statesAt(a, b)
    qint64 positionA = 0;
    qint64 positionB = 0;
    Json statesA = Json::object();
    Json statesB = Json::object();
    Json patches = Json::object(); // projectionStateDiff(statesA, statesB)

    // compareWith()
    std::optional<ProjectionComparison> comparison;

    static constexpr qsizetype MaxListed = 10000;
};

// Runs a projection over a store as a debugger does, on a worker thread of its own: the
// worker owns a QJSEngine (through ProjectionReplay) and a read-only connection it opens itself
// (EventStore::open(path, ReadOnly)). Nothing here blocks the calling (GUI) thread.
//
// Every request returns its id and is executed in the order made; each ends in exactly one
// finished() or failed() carrying that id, queued to this object's thread. A new script, a new
// store, reset() and cancel() cancel the requests made before them: a run still going stops
// (through an atomic flag the replay checks), runs not started yet are skipped, and the results
// of the superseded requests are dropped; they end in failed() with cancelled = true. Settings
// (store, script, breakpoints, time budget) made before still apply: only their results drop. Long runs (runTo, runToEnd,
// runToBreakpoint, seek, compareWith) report progress(id, done, ProgressScale) by position
// within the range.
//
// The thread starts with the first request and is stopped (after cancelling what runs) by the
// destructor.
class ProjectionSession final : public QObject
{
    Q_OBJECT

public:
    using Json = nlohmann::ordered_json;
    static constexpr int ProgressScale = 1000;

    explicit ProjectionSession(QObject *parent = nullptr);
    ~ProjectionSession() override;

    // The store to replay (an empty path: none), optionally a position range of it. The run
    // goes back to position 0.
    quint64 setStore(const QString &path, qint64 fromPosition = 1, qint64 toPosition = Projection::End);
    // The script (compiled at once: a syntax or definition error fails the request). The run
    // goes back to position 0; the breakpoints are kept.
    quint64 setScript(const QString &script, const QString &fileName = QStringLiteral("projection.js"));
    quint64 setTimeBudget(int milliseconds);
    quint64 setBreakpoints(const std::vector<ProjectionBreakpoint> &breakpoints);

    quint64 step();
    quint64 stepBack();
    quint64 runTo(qint64 position);         // forward to position (inclusive), ignoring breakpoints
    quint64 runToBreakpoint();              // forward to the next breakpoint or the end
    quint64 runToEnd();
    quint64 seek(qint64 position);          // anywhere, backward too
    quint64 reset();                        // back to position 0

    // The states of every partition after position a and after position b, and the patch from
    // a to b per partition; the run stays where it is.
    quint64 statesAt(qint64 a, qint64 b);
    // The current script (A) against another version of it (B) over the same range.
    quint64 compareWith(const QString &otherScript);

    // Cancels every request made so far (a run in progress stops where it is).
    void cancel();

    // Requests not finished yet.
    int pendingRequests() const { return m_pending; }
    bool isBusy() const { return m_pending > 0; }
    // The id of the last request made (0: none).
    quint64 lastRequest() const { return m_lastRequest; }
    QString storePath() const { return m_storePath; }
    QString script() const { return m_script; }

Q_SIGNALS:
    void started(quint64 request);
    void progress(quint64 request, int done, int total);
    void finished(quint64 request, const eventlens::ProjectionSessionResult &result);
    void failed(quint64 request, const eventlens::ProjectionSessionResult &result);
    // pendingRequests() went from 0 to more, or back to 0.
    void busyChanged(bool busy);

private:
    struct Shared;
    class Worker;
    using Kind = ProjectionSessionResult::Kind;

    quint64 post(Kind kind, std::function<void(Worker &, ProjectionSessionResult &)> work, bool supersedes = false);
    void deliver(ProjectionSessionResult result, bool ok);

    std::shared_ptr<Shared> m_shared;
    SessionThread m_thread{this, QStringLiteral("ProjectionSession")};
    Worker *m_worker = nullptr;   // used and deleted on m_thread once it started
    quint64 m_lastRequest = 0;
    quint64 m_cancelledUpTo = 0;  // requests up to this id end as cancelled
    int m_pending = 0;
    QString m_storePath;
    QString m_script;
};

} // namespace eventlens

Q_DECLARE_METATYPE(eventlens::ProjectionSessionResult)

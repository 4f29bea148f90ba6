#include "projectionsession.h"

#include "eventstore.h"
#include "projectionreplay.h"
#include "storeerror.h"

#include <QMetaObject>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <exception>

namespace eventlens {

// State the GUI thread and the worker share: the cancel flag the replay checks, and the id of
// the last request cancelled (requests up to it are skipped by the worker).
struct ProjectionSession::Shared
{
    std::atomic_bool cancel{false};
    std::atomic<quint64> cancelledUpTo{0};
};

// Lives on the session's thread: the store connection, the replay (and its QJSEngine).
class ProjectionSession::Worker
{
public:
    Worker(ProjectionSession *session, std::shared_ptr<Shared> shared)
        : m_session(session)
        , m_shared(std::move(shared))
    {
    }

    // configures: the request sets the store, script, breakpoints or budget; it is carried out
    // even when cancelled (later requests depend on it), only its result is dropped.
    void run(quint64 request, Kind kind, bool configures, const std::function<void(Worker &, ProjectionSessionResult &)> &work)
    {
        ProjectionSessionResult result;
        result.kind = kind;
        result.request = request;
        if (!configures && request <= m_shared->cancelledUpTo) {
            result.cancelled = true;
            result.message = QStringLiteral("cancelled");
            post(std::move(result));
            return;
        }
        // Cleared for this request, unless a cancel() came meanwhile (it sets cancelledUpTo
        // before the flag, so one of the two sees it).
        m_shared->cancel = false;
        if (request <= m_shared->cancelledUpTo)
            m_shared->cancel = true;
        m_request = request;
        m_lastProgress = -1;
        try {
            work(*this, result);
        } catch (const StoreError &e) {
            result.message = e.message();
        } catch (const std::exception &e) {
            result.message = QString::fromUtf8(e.what());
        }
        if (result.error && result.message.isEmpty())
            result.message = result.error->toString();
        if (!result.cancelled && m_shared->cancel && request <= m_shared->cancelledUpTo) {
            result.cancelled = true;
            if (result.message.isEmpty())
                result.message = QStringLiteral("cancelled");
        }
        m_request = 0;
        post(std::move(result));
    }

    // --- requests --------------------------------------------------------------------------

    void setStore(const QString &path, qint64 from, qint64 to, ProjectionSessionResult &r)
    {
        m_replay.reset();
        m_store.reset();
        m_from = from;
        m_to = to;
        if (!path.isEmpty())
            m_store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
        rebuild(r);
    }

    void setScript(const QString &script, const QString &fileName, ProjectionSessionResult &r)
    {
        m_script = script;
        m_fileName = fileName;
        rebuild(r);
    }

    void setTimeBudget(int ms, ProjectionSessionResult &r)
    {
        m_timeBudgetMs = ms;
        rebuild(r);
    }

    void setBreakpoints(const std::vector<ProjectionBreakpoint> &breakpoints, ProjectionSessionResult &r)
    {
        m_breakpoints = breakpoints;
        if (m_replay) {
            r.error = m_replay->setBreakpoints(m_breakpoints);
            if (r.error)
                m_replay->setBreakpoints({}); // none is set: the state is the same as before
        } else if (!m_script.isEmpty()) {
            // Checked without a store: a condition that does not compile is reported now.
            Projection projection(m_script, m_fileName, m_timeBudgetMs);
            if (projection.isValid())
                r.error = projection.setBreakpoints(m_breakpoints);
        }
        snapshot(r, {});
    }

    void step(ProjectionSessionResult &r)
    {
        if (!requireReplay(r))
            return;
        ProjectionStep s = m_replay->stepForward();
        r.error = s.error;
        r.breakpointHit = s.breakpointHit;
        snapshot(r, std::move(s));
    }

    void stepBack(ProjectionSessionResult &r)
    {
        if (!requireReplay(r))
            return;
        snapshot(r, m_replay->stepBack());
    }

    void seek(qint64 position, ProjectionSessionResult &r)
    {
        if (!requireReplay(r))
            return;
        ProjectionStep s = m_replay->seek(position);
        r.error = s.error;
        snapshot(r, std::move(s));
    }

    void runTo(qint64 position, bool stopAtBreakpoint, ProjectionSessionResult &r)
    {
        if (!requireReplay(r))
            return;
        // Only a forward run is cancellable: the replay restores checkpoints and replays from
        // them with the same flag, and a restore stopped half-way would leave a step applied to
        // the wrong state (see cancellable()).
        m_runCancel = m_shared->cancel.load();
        m_cancellable = true;
        ProjectionReplay::RunResult run = m_replay->runTo(position, stopAtBreakpoint);
        m_cancellable = false;
        m_runCancel = false;
        r.breakpointHit = run.breakpointHit;
        r.cancelled = run.cancelled;
        r.error = run.error;
        if (run.breakpointHit || run.error)
            snapshot(r, std::move(run.step));
        else
            snapshot(r, {});
    }

    void reset(ProjectionSessionResult &r)
    {
        if (m_replay)
            m_replay->reset();
        snapshot(r, {});
    }

    void statesAt(qint64 a, qint64 b, ProjectionSessionResult &r)
    {
        if (!requireReplay(r))
            return;
        r.positionA = a;
        r.positionB = b;
        r.statesA = m_replay->statesAt(a);
        r.statesB = m_replay->statesAt(b);
        r.patches = projectionStateDiff(r.statesA, r.statesB);
        snapshot(r, {});
    }

    void compare(const QString &other, ProjectionSessionResult &r)
    {
        if (!m_store) {
            r.message = QStringLiteral("no store is open");
            return;
        }
        if (m_script.isEmpty()) {
            r.message = QStringLiteral("no script is set");
            return;
        }
        ProjectionRunOptions options;
        options.fromPosition = m_from;
        options.toPosition = m_to;
        options.timeBudgetMs = m_timeBudgetMs;
        options.cancel = &m_shared->cancel;
        options.progress = [this](qint64 position) { reportProgress(position); };
        ProjectionComparison comparison = compareProjections(*m_store, m_script, other, options);
        r.cancelled = comparison.cancelled;
        if (comparison.errorA)
            r.message = QStringLiteral("this version: ") + comparison.errorA->toString();
        else if (comparison.errorB)
            r.message = QStringLiteral("the other version: ") + comparison.errorB->toString();
        r.comparison = std::move(comparison);
        snapshot(r, {});
    }

private:
    bool requireReplay(ProjectionSessionResult &r)
    {
        if (m_replay)
            return true;
        if (m_scriptError)
            r.error = m_scriptError;
        else if (!m_store)
            r.message = QStringLiteral("no store is open");
        else
            r.message = QStringLiteral("no script is set");
        snapshot(r, {});
        return false;
    }

    // A new replay for the store, script and options (position 0), with the breakpoints.
    void rebuild(ProjectionSessionResult &r)
    {
        m_replay.reset();
        m_scriptError.reset();
        if (!m_script.isEmpty()) {
            if (m_store) {
                ProjectionReplay::Options options;
                options.fromPosition = m_from;
                options.toPosition = m_to;
                options.timeBudgetMs = m_timeBudgetMs;
                options.fileName = m_fileName;
                options.cancel = &m_runCancel;
                options.progress = [this](qint64 position) { reportProgress(position); };
                auto replay = std::make_unique<ProjectionReplay>(*m_store, m_script, std::move(options));
                if (replay->isValid()) {
                    m_replay = std::move(replay);
                    if (!m_breakpoints.empty()) {
                        r.error = m_replay->setBreakpoints(m_breakpoints);
                        if (r.error)
                            m_replay->setBreakpoints({});
                    }
                } else {
                    m_scriptError = replay->projection().error();
                }
            } else {
                // No store yet: compile it anyway, so that errors show at once.
                const Projection projection(m_script, m_fileName, m_timeBudgetMs);
                if (!projection.isValid())
                    m_scriptError = projection.error();
                else
                    m_definition = projection.definition();
            }
            if (m_scriptError)
                r.error = m_scriptError;
        }
        snapshot(r, {});
    }

    template<typename T>
    static std::vector<T> lastOf(std::vector<T> items, qint64 *total)
    {
        *total = qint64(items.size());
        if (qsizetype(items.size()) > ProjectionSessionResult::MaxListed)
            items.erase(items.begin(), items.end() - ProjectionSessionResult::MaxListed);
        return items;
    }

    // The run at its position. `step`: the step the request produced (nullopt: the current one).
    void snapshot(ProjectionSessionResult &r, std::optional<ProjectionStep> step)
    {
        r.hasStore = bool(m_store);
        r.scriptValid = !m_script.isEmpty() && !m_scriptError;
        if (!m_replay) {
            if (r.scriptValid && !m_store)
                r.definition = m_definition;
            return;
        }
        r.hasSnapshot = true;
        const Projection &p = m_replay->projection();
        r.definition = p.definition();
        r.position = m_replay->position();
        r.firstPosition = m_replay->firstPosition();
        r.lastPosition = m_replay->lastPosition();
        r.atEnd = m_replay->atEnd();
        if (step)
            r.step = std::move(*step);
        else if (r.position > 0)
            r.step = m_replay->currentStep();
        r.partitions = p.partitions();
        r.states = p.states();
        r.sharedState = p.sharedState();
        if (r.definition.hasResult())
            r.results = p.results();
        r.emitted = lastOf(p.emitted(r.position > 0 ? r.position : 0), &r.emittedTotal);
        r.logs = lastOf(p.logs(r.position > 0 ? r.position : 0), &r.logTotal);
        r.eventCount = p.eventCount();
        r.processedCount = p.processedCount();
    }

    void reportProgress(qint64 position)
    {
        // The replay checks m_runCancel between chunks; a cancel() reaches it from here, and
        // only while a forward run goes on.
        if (m_cancellable && m_shared->cancel)
            m_runCancel = true;
        const quint64 request = m_request;
        if (request == 0)
            return;
        const qint64 first = m_replay ? m_replay->firstPosition() : m_from;
        const qint64 last = m_replay ? m_replay->lastPosition() : (m_store ? m_store->headPosition() : 0);
        int done = 0;
        if (last > first)
            done = int(std::clamp<qint64>((position - first) * ProgressScale / (last - first), 0, ProgressScale));
        if (done == m_lastProgress)
            return;
        m_lastProgress = done;
        QMetaObject::invokeMethod(m_session, [session = m_session, request, done] {
            Q_EMIT session->progress(request, done, ProgressScale);
        }, Qt::QueuedConnection);
    }

    void post(ProjectionSessionResult result)
    {
        // Queued to the session's thread; the session outlives this thread (its destructor waits),
        // and events still queued to it when it goes are dropped with it.
        QMetaObject::invokeMethod(m_session, [session = m_session, result = std::move(result)]() mutable {
            const bool ok = !result.cancelled && !result.error && result.message.isEmpty();
            session->deliver(std::move(result), ok);
        }, Qt::QueuedConnection);
    }

    ProjectionSession *m_session;
    std::shared_ptr<Shared> m_shared;
    std::unique_ptr<EventStore> m_store;
    std::unique_ptr<ProjectionReplay> m_replay; // declared after the store: destroyed first
    QString m_script;
    QString m_fileName = QStringLiteral("projection.js");
    int m_timeBudgetMs = Projection::DefaultTimeBudgetMs;
    qint64 m_from = 1;
    qint64 m_to = Projection::End;
    std::vector<ProjectionBreakpoint> m_breakpoints;
    std::optional<ProjectionError> m_scriptError;
    ProjectionDefinition m_definition; // of a valid script without a store
    quint64 m_request = 0;
    int m_lastProgress = -1;
    std::atomic_bool m_runCancel{false}; // the replay's cancel flag (see runTo())
    bool m_cancellable = false;
};

ProjectionSession::ProjectionSession(QObject *parent)
    : QObject(parent)
    , m_shared(std::make_shared<Shared>())
{
    qRegisterMetaType<eventlens::ProjectionSessionResult>();
    m_worker = new Worker(this, m_shared);
}

ProjectionSession::~ProjectionSession()
{
    if (m_thread.isStarted())
        cancel();
    // The worker (and the QJSEngine in it) is destroyed on its own thread, after the requests
    // still queued (each skipped at once: they are cancelled).
    m_thread.finish(m_worker);
}

quint64 ProjectionSession::post(Kind kind, std::function<void(Worker &, ProjectionSessionResult &)> work, bool supersedes)
{
    const bool configures = kind == Kind::SetStore || kind == Kind::SetScript || kind == Kind::SetBreakpoints;
    const quint64 request = ++m_lastRequest;
    if (supersedes && request > 1) {
        m_cancelledUpTo = request - 1;
        m_shared->cancelledUpTo = m_cancelledUpTo;
        m_shared->cancel = true;
    }
    if (m_pending++ == 0)
        Q_EMIT busyChanged(true);
    Q_EMIT started(request);
    Worker *worker = m_worker;
    m_thread.post([worker, request, kind, configures, work = std::move(work)] {
        worker->run(request, kind, configures, work);
    });
    return request;
}

void ProjectionSession::deliver(ProjectionSessionResult result, bool ok)
{
    const quint64 request = result.request;
    if (request <= m_cancelledUpTo && !result.cancelled) {
        // Superseded while it ran: its results belong to a script or store that is gone.
        ProjectionSessionResult dropped;
        dropped.kind = result.kind;
        dropped.request = request;
        dropped.cancelled = true;
        dropped.message = QStringLiteral("cancelled");
        result = std::move(dropped);
        ok = false;
    }
    if (ok)
        Q_EMIT finished(request, result);
    else
        Q_EMIT failed(request, result);
    if (--m_pending == 0)
        Q_EMIT busyChanged(false);
}

void ProjectionSession::cancel()
{
    m_cancelledUpTo = m_lastRequest;
    m_shared->cancelledUpTo = m_cancelledUpTo;
    m_shared->cancel = true;
}

quint64 ProjectionSession::setStore(const QString &path, qint64 fromPosition, qint64 toPosition)
{
    m_storePath = path;
    return post(Kind::SetStore, [path, fromPosition, toPosition](Worker &w, ProjectionSessionResult &r) {
        w.setStore(path, fromPosition, toPosition, r);
    }, true);
}

quint64 ProjectionSession::setScript(const QString &script, const QString &fileName)
{
    m_script = script;
    return post(Kind::SetScript, [script, fileName](Worker &w, ProjectionSessionResult &r) {
        w.setScript(script, fileName, r);
    }, true);
}

quint64 ProjectionSession::setTimeBudget(int milliseconds)
{
    return post(Kind::SetScript, [milliseconds](Worker &w, ProjectionSessionResult &r) {
        w.setTimeBudget(milliseconds, r);
    }, true);
}

quint64 ProjectionSession::setBreakpoints(const std::vector<ProjectionBreakpoint> &breakpoints)
{
    return post(Kind::SetBreakpoints, [breakpoints](Worker &w, ProjectionSessionResult &r) {
        w.setBreakpoints(breakpoints, r);
    });
}

quint64 ProjectionSession::step()
{
    return post(Kind::Step, [](Worker &w, ProjectionSessionResult &r) { w.step(r); });
}

quint64 ProjectionSession::stepBack()
{
    return post(Kind::StepBack, [](Worker &w, ProjectionSessionResult &r) { w.stepBack(r); });
}

quint64 ProjectionSession::runTo(qint64 position)
{
    return post(Kind::RunTo, [position](Worker &w, ProjectionSessionResult &r) { w.runTo(position, false, r); });
}

quint64 ProjectionSession::runToBreakpoint()
{
    return post(Kind::RunToBreakpoint, [](Worker &w, ProjectionSessionResult &r) { w.runTo(Projection::End, true, r); });
}

quint64 ProjectionSession::runToEnd()
{
    return post(Kind::RunToEnd, [](Worker &w, ProjectionSessionResult &r) { w.runTo(Projection::End, false, r); });
}

quint64 ProjectionSession::seek(qint64 position)
{
    return post(Kind::Seek, [position](Worker &w, ProjectionSessionResult &r) { w.seek(position, r); });
}

quint64 ProjectionSession::reset()
{
    return post(Kind::Reset, [](Worker &w, ProjectionSessionResult &r) { w.reset(r); }, true);
}

quint64 ProjectionSession::statesAt(qint64 a, qint64 b)
{
    return post(Kind::StatesAt, [a, b](Worker &w, ProjectionSessionResult &r) { w.statesAt(a, b, r); });
}

quint64 ProjectionSession::compareWith(const QString &otherScript)
{
    return post(Kind::Compare, [otherScript](Worker &w, ProjectionSessionResult &r) { w.compare(otherScript, r); });
}

} // namespace eventlens

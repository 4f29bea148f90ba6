#include "projectioncomparison.h"

#include "eventquery.h"
#include "eventstore.h"
#include "jsonpatch.h"
#include "jsonutil.h"
#include "projectionreplay.h"

#include <algorithm>
#include <set>

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

constexpr qsizetype kChunk = 1024;
constexpr qint64 kProgressEvery = 65536;

bool cancelled(const ProjectionRunOptions &options)
{
    return options.cancel && options.cancel->load(std::memory_order_relaxed);
}

// Reads the events of the options' range in chunks; false from fn stops.
void forEachChunk(const EventStore &store, const ProjectionRunOptions &options, const std::function<bool(std::vector<Event> &)> &fn)
{
    qint64 after = std::max<qint64>(1, options.fromPosition) - 1;
    std::vector<Event> chunk;
    while (!cancelled(options)) {
        chunk.clear();
        EventQuery q;
        q.fromPosition = after + 1;
        q.toPosition = options.toPosition;
        q.limit = kChunk;
        store.forEach(q, [&chunk](const Event &e) {
            chunk.push_back(e);
            return true;
        });
        if (chunk.empty() || !fn(chunk))
            return;
        after = chunk.back().position;
    }
}

Json member(const Json &object, const std::string &key)
{
    const auto it = object.find(key);
    return it == object.end() ? Json() : *it;
}

// Whether the two runs agree on the partitions touched (states and results) and the shared state.
bool agree(Projection &a, Projection &b, const Json &touchedA, const Json &touchedB, QString *partition)
{
    std::vector<std::string> keys;
    for (auto it = touchedA.begin(); it != touchedA.end(); ++it)
        keys.push_back(it.key());
    for (auto it = touchedB.begin(); it != touchedB.end(); ++it) {
        if (!touchedA.contains(it.key()))
            keys.push_back(it.key());
    }
    for (const std::string &key : keys) {
        const QString name = jsonutil::toQString(key);
        const Json entryA = touchedA.contains(key) ? touchedA[key] : a.entry(name);
        const Json entryB = touchedB.contains(key) ? touchedB[key] : b.entry(name);
        if (!JsonPatch::equal(entryA, entryB)) {
            *partition = name;
            return false;
        }
    }
    if (!JsonPatch::equal(a.sharedState(), b.sharedState())) {
        partition->clear();
        return false;
    }
    return true;
}

} // namespace

Json projectionStateDiff(const Json &statesA, const Json &statesB)
{
    Json out = Json::object();
    const Json a = statesA.is_object() ? statesA : Json::object();
    const Json b = statesB.is_object() ? statesB : Json::object();
    for (auto it = a.begin(); it != a.end(); ++it) {
        const Json other = member(b, it.key());
        if (!b.contains(it.key()) || !JsonPatch::equal(*it, other))
            out[it.key()] = JsonPatch::diff(*it, other);
    }
    for (auto it = b.begin(); it != b.end(); ++it) {
        if (!a.contains(it.key()))
            out[it.key()] = JsonPatch::diff(Json(), *it);
    }
    return out;
}

ProjectionComparison compareProjections(const EventStore &store, const QString &scriptA, const QString &scriptB,
                                        const ProjectionRunOptions &options)
{
    ProjectionComparison out;
    Projection a(scriptA, QStringLiteral("A.js"), options.timeBudgetMs);
    Projection b(scriptB, QStringLiteral("B.js"), options.timeBudgetMs);
    out.errorA = a.error();
    out.errorB = b.error();
    if (out.errorA || out.errorB) {
        out.equal = false;
        return out;
    }
    qint64 nextProgress = kProgressEvery;
    qint64 previousPosition = 0;
    forEachChunk(store, options, [&](std::vector<Event> &chunk) {
        if (out.firstDivergentPosition != 0) {
            // Diverged already: run both to the end for the final differences.
            const Projection::FeedResult fedA = a.feed(chunk);
            const Projection::FeedResult fedB = b.feed(chunk);
            out.errorA = fedA.error;
            out.errorB = fedB.error;
            return !fedA.error && !fedB.error;
        }
        const QByteArray savedA = a.checkpoint();
        const QByteArray savedB = b.checkpoint();
        const Projection::FeedResult fedA = a.feed(chunk);
        const Projection::FeedResult fedB = b.feed(chunk);
        QString partition;
        if (!fedA.error && !fedB.error && agree(a, b, a.takeTouched(), b.takeTouched(), &partition)) {
            previousPosition = chunk.back().position;
            if (options.progress && previousPosition >= nextProgress) {
                options.progress(previousPosition);
                nextProgress = previousPosition + kProgressEvery;
            }
            return true;
        }
        // Somewhere in this chunk: step both event by event from the chunk's start.
        a.restore(savedA);
        b.restore(savedB);
        for (size_t i = 0; i < chunk.size(); ++i) {
            const Event &event = chunk[i];
            const ProjectionStep stepA = a.step(event);
            const ProjectionStep stepB = b.step(event);
            if (stepA.error || stepB.error) {
                out.errorA = stepA.error;
                out.errorB = stepB.error;
                out.equal = false;
                out.firstDivergentPosition = event.position;
                out.firstDivergentEvent = event;
                return false;
            }
            Json touchedA = Json::object();
            Json touchedB = Json::object();
            if (stepA.processed)
                touchedA[jsonutil::toStd(stepA.partition)] = a.entry(stepA.partition);
            if (stepB.processed)
                touchedB[jsonutil::toStd(stepB.partition)] = b.entry(stepB.partition);
            if (!agree(a, b, touchedA, touchedB, &partition)) {
                out.equal = false;
                out.firstDivergentPosition = event.position;
                out.firstDivergentPartition = partition;
                out.firstDivergentEvent = event;
                const std::span<const Event> rest(chunk.data() + i + 1, chunk.size() - i - 1);
                out.errorA = a.feed(rest).error;
                out.errorB = b.feed(rest).error;
                break;
            }
        }
        a.takeTouched();
        b.takeTouched();
        return !out.errorA && !out.errorB;
    });
    out.cancelled = cancelled(options);
    if (out.errorA || out.errorB)
        return out;
    out.statesA = a.states();
    out.statesB = b.states();
    out.patches = projectionStateDiff(out.statesA, out.statesB);
    out.sharedPatch = JsonPatch::diff(a.sharedState(), b.sharedState());
    if (a.definition().hasResult() || b.definition().hasResult())
        out.resultPatches = projectionStateDiff(a.results(), b.results());
    out.equal = out.patches.empty() && out.sharedPatch.empty() && out.resultPatches.empty() && out.firstDivergentPosition == 0;
    return out;
}

ProjectionBisection bisectProjection(const EventStore &store, const QString &script, const QString &condition,
                                     const ProjectionRunOptions &options)
{
    ProjectionBisection out;
    ProjectionReplay::Options replayOptions;
    replayOptions.fromPosition = options.fromPosition;
    replayOptions.toPosition = options.toPosition;
    replayOptions.timeBudgetMs = options.timeBudgetMs;
    replayOptions.cancel = options.cancel;
    replayOptions.progress = options.progress;
    ProjectionReplay replay(store, script, replayOptions);
    if (!replay.isValid()) {
        out.error = replay.projection().error();
        return out;
    }
    if (const std::optional<ProjectionError> error = replay.setBreakpoints({{ProjectionBreakpoint::Kind::Condition, condition, true}})) {
        out.error = error;
        return out;
    }
    const ProjectionReplay::RunResult run = replay.runTo(Projection::End, true);
    out.cancelled = run.cancelled;
    if (run.error) {
        out.error = run.error;
        return out;
    }
    if (run.breakpointHit) {
        out.found = true;
        out.position = run.position;
        out.event = run.step.event;
        out.partition = run.step.partition;
        out.stateBefore = run.step.stateBefore;
        out.state = run.step.processed ? run.step.state : replay.projection().state(run.step.partition);
    }
    return out;
}

} // namespace eventlens

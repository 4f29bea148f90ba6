#include "projectioncomparison.h"

#include "eventquery.h"
#include "eventstore.h"
#include "jsonpatch.h"
#include "jsonutil.h"
#include "projectionreplay.h"

#include <algorithm>
#include <QHash>

#include <set>
#include <utility>

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

constexpr qsizetype kChunk = 256; // events per Projection::feed() (see EventPrefetcher)
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
    // Both runs record, per processed event, the partition's [state, result] and the shared
    // state; the texts are compared event by event in position order, so a difference that
    // later disappears is still found where it began.
    a.setRecordingDigests(true);
    b.setRecordingDigests(true);
    QHash<QString, std::string> currentA;
    QHash<QString, std::string> currentB;
    std::string sharedA = "null";
    std::string sharedB = "null";
    auto same = [](const std::string *x, const std::string *y) {
        if (!x || !y)
            return x == y;
        if (*x == *y)
            return true;
        const Json left = jsonutil::parseStringified(x->data(), x->data() + x->size());
        const Json right = jsonutil::parseStringified(y->data(), y->data() + y->size());
        return JsonPatch::equal(left, right);
    };
    qint64 nextProgress = kProgressEvery;
    forEachChunk(store, options, [&](std::vector<Event> &chunk) {
        const Projection::FeedResult fedA = a.feed(chunk);
        const Projection::FeedResult fedB = b.feed(chunk);
        const qint64 errorAt = std::min(fedA.error ? fedA.error->position : Projection::End,
                                        fedB.error ? fedB.error->position : Projection::End);
        if (out.firstDivergentPosition == 0) {
            const Json digestsA = a.takeDigests();
            const Json digestsB = b.takeDigests();
            size_t i = 0;
            size_t j = 0;
            while ((i < digestsA.size() || j < digestsB.size()) && out.firstDivergentPosition == 0) {
                const qint64 at = std::min(i < digestsA.size() ? digestsA[i].get<qint64>() : Projection::End,
                                           j < digestsB.size() ? digestsB[j].get<qint64>() : Projection::End);
                if (at >= errorAt)
                    break;
                QStringList changed;
                auto take = [&changed, at](const Json &digests, size_t &k, QHash<QString, std::string> &current, std::string &shared) {
                    while (k + 3 < digests.size() && digests[k].get<qint64>() == at) {
                        const QString partition = jsonutil::toQString(digests[k + 1].get<std::string>());
                        current.insert(partition, digests[k + 2].get<std::string>());
                        shared = digests[k + 3].get<std::string>();
                        changed.append(partition);
                        k += 4;
                    }
                };
                take(digestsA, i, currentA, sharedA);
                take(digestsB, j, currentB, sharedB);
                for (const QString &partition : std::as_const(changed)) {
                    const auto inA = currentA.constFind(partition);
                    const auto inB = currentB.constFind(partition);
                    if (!same(inA == currentA.constEnd() ? nullptr : &*inA, inB == currentB.constEnd() ? nullptr : &*inB)) {
                        out.firstDivergentPosition = at;
                        out.firstDivergentPartition = partition;
                        break;
                    }
                }
                if (out.firstDivergentPosition == 0 && !same(&sharedA, &sharedB))
                    out.firstDivergentPosition = at;
            }
            if (out.firstDivergentPosition != 0) {
                const auto event = std::lower_bound(chunk.begin(), chunk.end(), out.firstDivergentPosition,
                                                    [](const Event &e, qint64 position) { return e.position < position; });
                if (event != chunk.end())
                    out.firstDivergentEvent = *event;
                out.equal = false;
                a.setRecordingDigests(false);
                b.setRecordingDigests(false);
            }
        }
        if (fedA.error || fedB.error) {
            out.errorA = fedA.error;
            out.errorB = fedB.error;
            out.equal = false;
            if (out.firstDivergentPosition == 0) {
                out.firstDivergentPosition = errorAt;
                const auto event = std::lower_bound(chunk.begin(), chunk.end(), errorAt,
                                                    [](const Event &e, qint64 position) { return e.position < position; });
                if (event != chunk.end())
                    out.firstDivergentEvent = *event;
            }
            return false;
        }
        const qint64 reached = chunk.back().position;
        if (options.progress && reached >= nextProgress) {
            options.progress(reached);
            nextProgress = reached + kProgressEvery;
        }
        return true;
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

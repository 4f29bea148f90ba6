#pragma once

#include "event.h"
#include "projection.h"

#include <QString>

#include <atomic>
#include <functional>
#include <optional>

namespace eventlens {

class EventStore;

// Per-partition differences between two sets of states ({partition: state}): an object
// {partition: RFC 6902 patch from a to b} holding only the partitions that differ (a partition
// only in b is a patch from null, one only in a a patch to null).
nlohmann::ordered_json projectionStateDiff(const nlohmann::ordered_json &statesA,
                                           const nlohmann::ordered_json &statesB);

struct ProjectionRunOptions
{
    qint64 fromPosition = 1;
    qint64 toPosition = Projection::End;
    int timeBudgetMs = Projection::DefaultTimeBudgetMs;
    const std::atomic_bool *cancel = nullptr;
    std::function<void(qint64 position)> progress; // about every 64 Ki events
};

// Two versions of a projection over the same events (a regression check).
struct ProjectionComparison
{
    bool equal = true;
    bool cancelled = false;
    qint64 firstDivergentPosition = 0;   // the first event after which a state, the shared state
                                         // or a result differs (0: none)
    QString firstDivergentPartition;
    Event firstDivergentEvent;
    nlohmann::ordered_json statesA = nlohmann::ordered_json::object(); // at the end of the run
    nlohmann::ordered_json statesB = nlohmann::ordered_json::object();
    nlohmann::ordered_json patches = nlohmann::ordered_json::object(); // projectionStateDiff(A, B)
    nlohmann::ordered_json sharedPatch = nlohmann::ordered_json::array(); // shared state A → B
    nlohmann::ordered_json resultPatches = nlohmann::ordered_json::object(); // results A → B
    std::optional<ProjectionError> errorA; // a script failed (the comparison stops there)
    std::optional<ProjectionError> errorB;
};
ProjectionComparison compareProjections(const EventStore &store, const QString &scriptA, const QString &scriptB,
                                        const ProjectionRunOptions &options = {});

// The first event after which `condition` (a JavaScript expression over state, shared, event
// (alias e) and partition; truthy counts) holds for the partition the event touched.
struct ProjectionBisection
{
    bool found = false;
    bool cancelled = false;
    qint64 position = 0;
    Event event;
    QString partition;
    nlohmann::ordered_json stateBefore;
    nlohmann::ordered_json state;
    std::optional<ProjectionError> error; // the script or the condition failed to compile, or
                                          // the projection failed at an event
};
ProjectionBisection bisectProjection(const EventStore &store, const QString &script, const QString &condition,
                                     const ProjectionRunOptions &options = {});

} // namespace eventlens

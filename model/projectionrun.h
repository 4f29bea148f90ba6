#pragma once

#include "eventquery.h"
#include "projection.h"

#include <QString>

#include <functional>
#include <optional>
#include <vector>

namespace eventlens {

class EventStore;

// A whole replay of a projection over a store's log, as `eventlens-cli project` runs it: the
// fast path (Projection::feed in batches, the store read ahead on another thread), with what a
// replay gives at its end.
//
// Only the events the projection can use are read: a projection of one category or one stream
// reads that category's or stream's events through the store's indexes, and counts the others as
// skipped without reading them.
//
// Several engines: a projection partitioned by stream (foreachStream()) keeps each stream's state
// apart, so its streams can be split over several engines that run at once on as many cores, fed
// by one reader (EventPrefetcher's outputs). The outcome is the one engine's: the
// partitions in the order they were created, emitted events and logs in position order, the
// error of the lowest position. This holds for scripts whose handlers keep nothing outside their
// state (no top-level variables that handlers change); that is the caller's promise. Projections
// with $initShared, partitionBy() or fromStreamsMatching() always run on one engine
// (shardable()).
class ProjectionRun final
{
public:
    struct Options
    {
        int engines = 1;                 // engines for a projection that is shardable()
        qsizetype batchSize = 256;       // events per feed()
        int timeBudgetMs = Projection::DefaultTimeBudgetMs;
        std::function<bool()> cancelled;  // asked by every engine between batches (any thread)
        std::function<void(qint64 done, qint64 total)> progress; // events read so far, on the calling thread
    };

    struct Outcome
    {
        using Json = nlohmann::ordered_json;

        int engines = 1;              // the engines that ran
        qint64 eventCount = 0;        // events of the query: processed or skipped
        qint64 processedCount = 0;
        qint64 position = 0;          // of the last event of the query
        bool cancelled = false;
        std::optional<ProjectionError> error; // the run stopped at this event's error (then, with
                                              // several engines, the states can hold later events)
        Json states = Json::object();  // {partition: state} in the order of creation ("" unpartitioned)
        Json results = Json::object(); // {partition: result} (with transforms or outputState)
        Json sharedState;              // null without $initShared
        std::vector<EmittedEvent> emitted; // in position order
        std::vector<ProjectionLog> logs;   // in position order

        // What a projection ran so far (one engine).
        static Outcome of(Projection &projection);

        Json state(const QString &partition = {}) const;  // null when the partition does not exist
        Json result(const QString &partition = {}) const; // null when filtered out or none
    };

    // Whether a projection's streams can be split over several engines.
    static bool shardable(const ProjectionDefinition &definition);
    // The query narrowed to what the projection reads (one category or one stream), or the query
    // itself.
    static EventQuery narrowed(const ProjectionDefinition &definition, EventQuery query);

    // Runs `script` (which must define a valid projection) over the events of `query` (forward).
    // A store read error throws StoreError; a script error is outcome.error.
    static Outcome run(const QString &script, const QString &fileName, const EventStore &store,
                       const EventQuery &query, const Options &options);
};

} // namespace eventlens

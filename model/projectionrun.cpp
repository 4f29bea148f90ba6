#include "projectionrun.h"

#include "eventprefetcher.h"
#include "eventstore.h"

#include <QHash>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

namespace eventlens {

namespace {

using Json = nlohmann::ordered_json;

// What one engine ran and gave.
struct Shard
{
    int output = 0; // of the reader
    ProjectionRun::Outcome ran;
    bool cancelled = false;
    std::optional<ProjectionError> error;
    std::exception_ptr failure; // a store read error
    QHash<QString, qint64> created; // sharded runs: stream -> the position that created its partition
};

// Lowers `stopAt` to `position` (the engines stop before later events).
void lowerTo(std::atomic<qint64> &stopAt, qint64 position)
{
    qint64 current = stopAt.load();
    while (position < current && !stopAt.compare_exchange_weak(current, position)) {
    }
}

void runShard(const QString &script, const QString &fileName, const ProjectionRun::Options &options, bool sharded,
              EventPrefetcher &reader, std::atomic<qint64> &done, std::atomic<qint64> &stopAt, Shard &out)
{
    // However it ends, the reader stops waiting for this engine.
    struct Closer
    {
        EventPrefetcher &reader;
        int output;
        ~Closer() { reader.close(output); }
    } closer{reader, out.output};
    try {
        Projection projection(script, fileName, options.timeBudgetMs);
        if (!projection.isValid()) {
            out.error = projection.error();
            lowerTo(stopAt, 0);
            return;
        }
        for (std::vector<Event> batch = reader.next(out.output); !batch.empty(); batch = reader.next(out.output)) {
            // Another engine failed before this batch: the run as one engine would have stopped there.
            if (batch.front().position > stopAt.load())
                break;
            if (sharded) {
                // Partitioned by stream: the first event the script takes creates the stream's partition.
                for (const Event &e : batch) {
                    if (!out.created.contains(e.stream) && projection.mayProcess(e))
                        out.created.insert(e.stream, e.position);
                }
            }
            const Projection::FeedResult r = projection.feed(batch);
            reader.recycle(std::move(batch));
            done += r.consumed;
            if (r.error) {
                out.error = r.error;
                lowerTo(stopAt, r.error->position);
                break;
            }
            if (options.cancelled && options.cancelled()) {
                out.cancelled = true;
                break;
            }
        }
        out.ran = ProjectionRun::Outcome::of(projection);
    } catch (...) {
        out.failure = std::current_exception();
        lowerTo(stopAt, 0);
    }
}

// The position of the query's last event (0: none).
qint64 lastPosition(const EventStore &store, const EventQuery &query)
{
    EventQuery last = query;
    last.backward = true;
    last.fromPosition = query.toPosition;
    last.toPosition = query.fromPosition;
    last.limit = 1;
    qint64 position = 0;
    store.forEach(last, [&position](const Event &e) {
        position = e.position;
        return false;
    });
    return position;
}

// A JSON object's members as the vector they are kept in.
Json::object_t::Container &entries(Json &object)
{
    return object.get_ref<Json::object_t &>();
}

template <typename T>
void mergeByPosition(std::vector<T> &into, std::vector<T> &&from)
{
    const auto middle = into.insert(into.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
    std::inplace_merge(into.begin(), middle, into.end(),
                       [](const T &a, const T &b) { return a.sourcePosition < b.sourcePosition; });
}

} // namespace

ProjectionRun::Outcome ProjectionRun::Outcome::of(Projection &projection)
{
    ProjectionRun::Outcome out;
    const ProjectionDefinition &definition = projection.definition();
    out.eventCount = projection.eventCount();
    out.processedCount = projection.processedCount();
    out.position = projection.position();
    out.states = projection.states();
    if (definition.hasResult())
        out.results = projection.results();
    if (definition.biState)
        out.sharedState = projection.sharedState();
    out.emitted = projection.emitted();
    out.logs = projection.logs();
    return out;
}

ProjectionRun::Outcome::Json ProjectionRun::Outcome::state(const QString &partition) const
{
    const auto it = states.find(partition.toStdString());
    return it == states.end() ? Json() : *it;
}

ProjectionRun::Outcome::Json ProjectionRun::Outcome::result(const QString &partition) const
{
    const auto it = results.find(partition.toStdString());
    return it == results.end() ? Json() : *it;
}

bool ProjectionRun::shardable(const ProjectionDefinition &definition)
{
    return definition.partitioning == ProjectionDefinition::Partitioning::ByStream && !definition.biState
           && definition.source != ProjectionDefinition::Source::StreamsMatching;
}

EventQuery ProjectionRun::narrowed(const ProjectionDefinition &definition, EventQuery query)
{
    if (!query.stream.isEmpty() || !query.category.isEmpty())
        return query;
    if (definition.source == ProjectionDefinition::Source::Categories && definition.categories.size() == 1)
        query.category = definition.categories.constFirst();
    else if (definition.source == ProjectionDefinition::Source::Streams && definition.streams.size() == 1)
        query.stream = definition.streams.constFirst();
    return query;
}

ProjectionRun::Outcome ProjectionRun::run(const QString &script, const QString &fileName, const EventStore &store,
                                        const EventQuery &query, const ProjectionRun::Options &options)
{
    ProjectionRun::Outcome outcome;
    EventQuery read = query;
    read.backward = false;
    bool sharded = false;
    {
        // The definition decides how to read; a script that does not define a projection fails here.
        const Projection probe(script, fileName, options.timeBudgetMs);
        if (!probe.isValid()) {
            outcome.error = probe.error();
            return outcome;
        }
        read = narrowed(probe.definition(), read);
        sharded = options.engines > 1 && shardable(probe.definition());
    }
    outcome.engines = sharded ? options.engines : 1;
    const qint64 total = store.count(read);

    // One reader for all the engines: each engine gets the streams of one of its outputs.
    EventPrefetcher reader(store, read, options.batchSize, 16, outcome.engines);
    std::vector<Shard> shards(size_t(outcome.engines));
    for (int i = 0; i < outcome.engines; ++i)
        shards[size_t(i)].output = i;

    std::atomic<qint64> done = 0;
    std::atomic<qint64> stopAt = std::numeric_limits<qint64>::max();
    std::mutex mutex;
    std::condition_variable finished;
    int running = outcome.engines;
    std::vector<std::thread> threads;
    // Should the progress callback throw, the engines still end before their state goes.
    struct Joiner
    {
        std::vector<std::thread> &threads;
        void join()
        {
            for (std::thread &t : threads) {
                if (t.joinable())
                    t.join();
            }
        }
        ~Joiner() { join(); }
    } joiner{threads};
    for (Shard &shard : shards) {
        threads.emplace_back([&, s = &shard] {
            runShard(script, fileName, options, sharded, reader, done, stopAt, *s);
            const std::lock_guard<std::mutex> lock(mutex);
            --running;
            finished.notify_all();
        });
    }
    {
        std::unique_lock<std::mutex> lock(mutex);
        while (!finished.wait_for(lock, std::chrono::milliseconds(100), [&running] { return running == 0; })) {
            if (options.progress) {
                lock.unlock();
                options.progress(done.load(), total);
                lock.lock();
            }
        }
    }
    joiner.join();
    for (Shard &shard : shards) {
        if (shard.failure)
            std::rethrow_exception(shard.failure);
    }
    if (options.progress)
        options.progress(done.load(), total);

    for (Shard &shard : shards) {
        outcome.cancelled = outcome.cancelled || shard.cancelled;
        if (shard.error && (!outcome.error || shard.error->position < outcome.error->position))
            outcome.error = shard.error;
        outcome.eventCount += shard.ran.eventCount;
        outcome.processedCount += shard.ran.processedCount;
        outcome.position = std::max(outcome.position, shard.ran.position);
        mergeByPosition(outcome.emitted, std::move(shard.ran.emitted));
        mergeByPosition(outcome.logs, std::move(shard.ran.logs));
    }
    if (outcome.error) {
        // What the one engine would have kept: nothing from the failing event on.
        const qint64 at = outcome.error->position;
        std::erase_if(outcome.emitted, [at](const EmittedEvent &e) { return e.sourcePosition >= at; });
        std::erase_if(outcome.logs, [at](const ProjectionLog &l) { return l.sourcePosition >= at; });
    }
    if (!sharded) {
        Shard &only = shards.front();
        outcome.states = std::move(only.ran.states);
        outcome.results = std::move(only.ran.results);
        outcome.sharedState = std::move(only.ran.sharedState);
    } else {
        // The partitions in the order the one engine would have created them. (The objects are
        // ordered maps: they are built by appending, never looked up by key.)
        struct Created
        {
            qint64 position;
            size_t shard;
            size_t index;
        };
        std::vector<Created> order;
        for (size_t i = 0; i < shards.size(); ++i) {
            size_t index = 0;
            for (auto it = shards[i].ran.states.begin(); it != shards[i].ran.states.end(); ++it, ++index) {
                const qint64 position = shards[i].created.value(QString::fromStdString(it.key()), std::numeric_limits<qint64>::max());
                order.push_back({position, i, index});
            }
        }
        std::stable_sort(order.begin(), order.end(), [](const Created &a, const Created &b) { return a.position < b.position; });
        auto &states = entries(outcome.states);
        auto &results = entries(outcome.results);
        for (const Created &c : order) {
            auto &from = entries(shards[c.shard].ran.states)[c.index];
            states.emplace_back(from.first, std::move(from.second));
            // A shard's results list its partitions in the order of its states.
            auto &fromResults = entries(shards[c.shard].ran.results);
            if (c.index < fromResults.size() && fromResults[c.index].first == from.first)
                results.emplace_back(from.first, std::move(fromResults[c.index].second));
        }
    }
    if (!outcome.error && !outcome.cancelled) {
        // Events left unread (outside the projection's category or stream) count as skipped.
        outcome.eventCount = store.count(query);
        outcome.position = lastPosition(store, query);
    }
    return outcome;
}

} // namespace eventlens

#pragma once

#include "event.h"
#include "projectionerror.h"
#include "projectionstep.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace eventlens {

// What a projection script defines, read after the script ran once.
struct ProjectionDefinition
{
    enum class Source { All, Streams, Categories, StreamsMatching };
    enum class Partitioning { None, ByStream, ByFunction };

    Source source = Source::All;
    QStringList streams;     // fromStream / fromStreams
    QStringList categories;  // fromCategory / fromCategories
    Partitioning partitioning = Partitioning::None;
    QStringList handlers;    // the names given to when(), in order, including $init, $any...
    bool biState = false;    // $initShared is defined (or options({biState: true})):
                             // handlers receive [state, sharedState]
    int transformCount = 0;  // transformBy and filterBy calls
    bool outputState = false;
    nlohmann::ordered_json options = nlohmann::ordered_json::object();

    bool isPartitioned() const { return partitioning != Partitioning::None; }
    bool hasResult() const { return transformCount > 0 || outputState; }
    bool handles(const QString &type) const; // a handler for the type or $any
    // Whether the source selects the stream (always true for StreamsMatching: its function
    // is asked per event).
    bool selects(const QString &stream) const;
};

// One KurrentDB / EventStoreDB user-defined projection (DESIGN.md §4), run locally in a
// QJSEngine of its own.
//
// The API: fromAll(), fromStream(s), fromStreams([s...] | s, ...), fromCategory(c, ...),
// fromCategories([c...]), fromStreamsMatching(fn); then foreachStream() or partitionBy(fn)
// (a null/undefined partition skips the event); when({$init, $initShared, $created, $any,
// $deleted, <type>: fn(state, event)}); transformBy(fn), filterBy(fn) (the result is null
// unless fn returns the boolean true), outputState(), outputTo(); emit(stream, type, body,
// metadata), linkTo(stream, event, metadata), log(...), options({...}) (resultStreamName,
// $includeLinks, reorderEvents, processingLag, biState; any other option is an error).
//
// Semantics: the event object has eventType, streamId, sequenceNumber, data and body (the
// parsed data), bodyRaw, metadata, metadataRaw, isJson, partition, created (ISO 8601), eventId,
// category, position. A handler that returns undefined keeps the (possibly mutated) state; any
// other value replaces it. No $init: the state starts as {}. With $initShared the handlers get
// [state, sharedState] and may return such a pair. An event of type "$streamDeleted" runs
// $deleted. Events are skipped, with a reason, when their stream is not selected, their data is
// not JSON, no handler takes their type, or partitionBy gives no partition. States are kept as
// JSON values between events, as KurrentDB persists them.
//
// Time budget: every call into the script (an event, the definition, a condition) is
// interrupted after timeBudgetMs of CPU time and reported as a Timeout error; nothing hangs.
//
// Results are cumulative over what was fed; checkpoint() and restore() save and bring back
// the whole run (states, shared state, position) in a compact text. Emitted events and logs are
// kept per source position and survive restore(): replaying an event already seen does not
// record them twice, so emitted(upTo) is right after any restore and replay.
//
// Threads: create, use and destroy a Projection on one thread (its QJSEngine lives there).
class Projection final
{
public:
    using Json = nlohmann::ordered_json;
    static constexpr int DefaultTimeBudgetMs = 5000;
    static constexpr qint64 End = std::numeric_limits<qint64>::max();

    explicit Projection(const QString &script, const QString &fileName = QStringLiteral("projection.js"),
                        int timeBudgetMs = DefaultTimeBudgetMs);
    ~Projection();
    Projection(const Projection &) = delete;
    Projection &operator=(const Projection &) = delete;

    // Compiles the script without keeping an engine: nullopt when it defines a projection.
    static std::optional<ProjectionError> check(const QString &script);

    QString script() const;
    QString fileName() const;
    int timeBudgetMs() const;
    bool isValid() const;                       // compiled and defined a projection
    std::optional<ProjectionError> error() const; // why not (nullopt when valid)
    const ProjectionDefinition &definition() const;

    // Processes one event with every detail. On error the run keeps the state before the event.
    ProjectionStep step(const Event &event);

    // The fast path: processes events in order until the end, an error or (with
    // stopAtBreakpoint) the first event that hits a breakpoint.
    struct FeedResult
    {
        qsizetype consumed = 0;      // events processed or skipped (including the breakpoint's)
        bool breakpointHit = false;  // events[consumed - 1] hit a breakpoint
        std::optional<ProjectionError> error; // events[consumed] failed; the run is faulted:
                                              // restore() a checkpoint before going on
    };
    FeedResult feed(std::span<const Event> events, bool stopAtBreakpoint = false);
    // Whether feed() hands the event to the script: false when the projection certainly skips
    // it (not selected, non-JSON, no handler). For a projection partitioned by stream (and not
    // fromStreamsMatching) true means the event is processed, unless it fails.
    bool mayProcess(const Event &event);

    // Breakpoints for step() (ProjectionStep::breakpointHit) and feed(). A condition that does
    // not compile is returned as a Syntax error and no breakpoint is set.
    std::optional<ProjectionError> setBreakpoints(const std::vector<ProjectionBreakpoint> &breakpoints);

    // The run so far.
    qint64 position() const;        // of the last event fed (0: none)
    qint64 eventCount() const;      // events fed (processed or skipped)
    qint64 processedCount() const;
    QStringList partitions() const; // in order of creation ("" for an unpartitioned projection
                                    // once it processed an event)
    Json state(const QString &partition = {}) const; // null when the partition does not exist
    Json states() const;            // {partition: state, ...}
    Json sharedState() const;       // null without $initShared
    Json result(const QString &partition = {}) const; // the transforms applied to the state
    Json results() const;           // {partition: result, ...}
    // The partitions events touched since the last call (or restore()), in the order they were
    // first touched: [[partition, state, result], ...] (result null without transforms); for
    // read models and for comparing two runs without reading every partition.
    Json takeTouched();
    // {state, result} of one partition as [state, result]; null when it does not exist.
    Json entry(const QString &partition) const;
    // For comparing two runs event by event: while on, each processed event records its
    // position, partition, [state, result] and shared state as JSON texts; takeDigests() returns
    // them as a flat array [position, partition, text, sharedText, ...] and starts anew.
    void setRecordingDigests(bool on);
    Json takeDigests();
    std::vector<EmittedEvent> emitted(qint64 upToPosition = End) const;
    std::vector<ProjectionLog> logs(qint64 upToPosition = End) const;

    // Undo records: while on, every event fed or stepped keeps what it changed (the last few
    // thousand), and undoTo() goes back to the state after an earlier event without a replay
    // (stepping back). Events fed while off clear the records. Off by default: it costs a
    // serialisation of the touched state per event.
    void setUndoRecording(bool on);
    // Back to the state after `event` (its position) when the undo records reach it, with the
    // event's step as step() gave it (*step, breakpointHit false); false (nothing changed) when
    // they do not.
    bool undoTo(const Event &event, ProjectionStep *step);

    QByteArray checkpoint() const;
    void restore(const QByteArray &checkpoint);
    void reset(); // back to before the first event; forgets emitted events and logs

    // The state a new partition starts with ($init's, {} without it). Throws StateError.
    Json initialState();

    // A stream's state as an aggregate (the state pane's state function): `state` with `event`
    // applied by the handler the event selects, outside of the run (nothing is recorded; the
    // event's partition is its stream; with $initShared, the shared state starts afresh).
    // Events the projection would skip leave the state as it is. Throws StateError.
    Json apply(const Json &state, const Event &event);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace eventlens

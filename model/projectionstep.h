#pragma once

#include "event.h"
#include "projectionerror.h"

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace eventlens {

// Why a projection did not process an event.
enum class SkipReason {
    None,        // processed
    NotSelected, // the event's stream is not in the projection's source (fromStream, fromCategory...)
    NonJson,     // the event's data is not JSON
    Unhandled,   // no handler for the event's type and no $any
    NoPartition, // partitionBy returned null or undefined
};

// "not selected", "non-JSON", "unhandled", "no partition" ("" for None)
QString skipReasonText(SkipReason reason);
// "notSelected", "nonJson", "unhandled", "noPartition" ("" for None): the CLI's JSON keys
QString skipReasonKey(SkipReason reason);

// An event a projection emitted with emit() or linkTo(). Never written to a store.
struct EmittedEvent
{
    qint64 sourcePosition = 0; // the position of the event being processed when it was emitted
    QString stream;
    QString type;              // "$>" for linkTo
    nlohmann::ordered_json data;     // linkTo: "<sequenceNumber>@<streamId>"
    nlohmann::ordered_json metadata; // an object (empty when none was given)

    bool isLink() const { return type == QStringLiteral("$>"); }
    // {"stream":..., "type":..., "data":..., "metadata":...}
    nlohmann::ordered_json toJson() const;
    bool operator==(const EmittedEvent &other) const = default;
};

// A line a projection logged with log().
struct ProjectionLog
{
    qint64 sourcePosition = 0;
    QString text;
    bool operator==(const ProjectionLog &other) const = default;
};

// What one event did in a projection (Projection::step()).
struct ProjectionStep
{
    using Json = nlohmann::ordered_json;

    Event event;                    // the event (position 0: there was no event)
    bool processed = false;
    SkipReason skipReason = SkipReason::None;
    QString handler;                // the handler that ran: the event type, "$any" or "$deleted"
    QString partition;              // the partition ("" when the projection is not partitioned)
    bool partitionCreated = false;  // the event created its partition ($init ran)
    Json stateBefore;               // the partition's state before the event (null: did not exist)
    Json state;                     // its state after the event (null when skipped)
    Json sharedState;               // the shared state after the event (null without $initShared)
    Json result;                    // the partition's result after the event: transformBy/filterBy
                                    // applied to the state (null when filtered out or none)
    std::vector<EmittedEvent> emitted; // what this event emitted
    std::vector<ProjectionLog> logs;   // what this event logged
    bool breakpointHit = false;     // a breakpoint matched this event (Projection::setBreakpoints)
    std::optional<ProjectionError> error; // the event failed: the state is the one before it
};

// Where "Run to breakpoint" stops: after an event that matches any enabled breakpoint.
struct ProjectionBreakpoint
{
    enum class Kind {
        EventType,     // text: an event type, matched exactly
        StreamPattern, // text: a glob on the stream name (* ? [...]), as in the filter bar
        Condition,     // text: a JavaScript expression over state, shared, event (alias e), partition;
                       // checked after each event, true when truthy; an error counts as false
    };
    Kind kind = Kind::Condition;
    QString text;
    bool enabled = true;
    bool operator==(const ProjectionBreakpoint &other) const = default;
};

} // namespace eventlens

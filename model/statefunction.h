#pragma once

#include "event.h"
#include "stateerror.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <string>

namespace eventlens {

// How an aggregate's state follows from its events: the "evolve" half of the Decider pattern,
// as AggregateHistory uses it. The default is MergeStateFunction; deciders and JavaScript
// projections plug in as other implementations.
//
// An implementation is a pure function of its inputs: the same state and event always give the
// same result (AggregateHistory caches states at checkpoints and replays from them). It may
// throw (preferably StateError with a message for the GUI); AggregateHistory reports what it
// throws as a StateError naming the event.
//
// Threads: the const functions are called from whichever thread uses the AggregateHistory at
// the time (one at a time, but not always the same one: a history is built on a worker and then
// used from the GUI thread). An implementation holding thread-affine resources (a QJSEngine)
// creates them per thread.
class StateFunction
{
public:
    using Json = nlohmann::ordered_json;

    virtual ~StateFunction() = default;

    // A short name for the GUI ("JSON merge", "Decider: bank account").
    virtual QString name() const = 0;

    // The state before the first event (at version -1). Default: an empty object.
    virtual Json initialState() const { return Json::object(); }

    // The state after `event`, given the state before it.
    virtual Json evolve(const Json &state, const Event &event) const = 0;

    // The same as `state = evolve(state, event)`, which is what the default does; AggregateHistory
    // calls this one. `data` is the event's data already parsed (parsedData()): the JSON value
    // when the event has JSON data (null for empty data), otherwise a JSON string, the text
    // Event::rawDataText() gives (the text when it is UTF-8, else "base64:..."; also for JSON
    // data that does not parse). Implementations override it to avoid
    // copying the state and parsing the data again; the result must equal evolve()'s.
    virtual void evolveInPlace(Json &state, const Event &event, const Json &data) const
    {
        Q_UNUSED(data);
        state = evolve(state, event);
    }

    // The `data` evolveInPlace() receives for an event (see there).
    static Json parsedData(const Event &event)
    {
        if (event.dataIsJson) {
            if (event.data.isEmpty())
                return Json();
            Json parsed = Json::parse(event.data.constBegin(), event.data.constEnd(), nullptr, false);
            if (!parsed.is_discarded())
                return parsed;
        }
        const QByteArray text = Event::rawDataText(event.data);
        return Json(std::string(text.constData(), size_t(text.size())));
    }

protected:
    StateFunction() = default;
    StateFunction(const StateFunction &) = default;
    StateFunction &operator=(const StateFunction &) = default;
};

} // namespace eventlens

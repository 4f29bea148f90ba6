#pragma once

#include "statefunction.h"

namespace eventlens {

// The default state function: the state is the JSON Merge Patch (RFC 7386) of every event's
// data, in order, starting from an empty object, plus two members the function sets after each
// event (overwriting data members of the same names):
//   "_version"        the version of the last event applied
//   "_lastEventType"  its type
// These two come first in the state's member order; data members follow in the order they
// first appeared.
//
// Data that is not a JSON object cannot be merged member by member; it is kept whole under
// "_data", replacing the previous "_data" (the rest of the state stays):
//   - a JSON array, string, number, boolean or null (also empty data, which is null);
//   - non-JSON (raw) data or invalid JSON text: a string, the text when it is valid UTF-8,
//     otherwise "base64:" followed by the bytes in base64 (as Event::rawDataText() gives).
// As in any merge patch, a null member in an object removes that member from the state.
class MergeStateFunction final : public StateFunction
{
public:
    QString name() const override;
    Json initialState() const override;
    Json evolve(const Json &state, const Event &event) const override;
    void evolveInPlace(Json &state, const Event &event, const Json &data) const override;
};

} // namespace eventlens

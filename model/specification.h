#pragma once

#include "decider.h"
#include "event.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace eventlens {

// A given/when/then test of a decider: given these events of a stream, when this command comes,
// then these events are decided (or this domain error is raised). Made from a stream's history in
// the GUI or the CLI (spec export), run by `eventlens-cli spec run` and the GUI.
//
// JSON (one object, an array of them, or {"specifications": [...]}):
//   {"name": "...", "domain": "bank" | "decider": "file.js" (relative to the spec file),
//    "stream": "account-1",
//    "given": [{"type": "AccountOpened", "data": {...}, "metadata": {...}}, ...],
//    "when": {"type": "Withdraw", "data": {...}},
//    "then": [{"type": "Withdrawn", "data": {...}}, ...]  |  "thenError": "insufficient funds: ..."}
// The decided events must match `then` in number, order, type and data (JSON equality); metadata
// is compared only for the keys a `then` event gives.
struct Specification
{
    using Json = nlohmann::ordered_json;

    struct ExpectedEvent
    {
        QString type;
        Json data = Json::object();
        Json metadata; // null: not compared
    };

    QString name;
    QString domain;      // a bundled domain, or empty with deciderFile
    QString deciderFile; // as written in the file
    QString stream;
    std::vector<Event> given;
    DeciderCommand when;
    std::optional<std::vector<ExpectedEvent>> then;
    std::optional<QString> thenError;

    // The specifications of a file's text; throws std::runtime_error naming the specification
    // (its index and name) and the field that is wrong.
    static std::vector<Specification> parse(const QByteArray &json);
    Json toJson() const;

    // A specification from history: `given` (a stream's events, in order), the command, and
    // what the decider decides now as the expectation. Throws DeciderError.
    static Specification fromHistory(Decider &decider, const QString &domain, const QString &stream,
                                     std::vector<Event> given, const DeciderCommand &when, const QString &name = {});

    struct Result
    {
        bool passed = false;
        QString message;               // why it failed (empty when it passed)
        std::vector<NewEvent> events;  // what was decided
        std::optional<QString> error;  // the domain error raised
    };
    // Runs it against a decider (in memory: nothing is written anywhere).
    Result run(Decider &decider) const;
};

} // namespace eventlens

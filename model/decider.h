#pragma once

#include "event.h"
#include "projectionerror.h"

#include <QByteArray>
#include <QJSValue>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

namespace eventlens {

// A failure of a decider's script (not a domain error): a syntax error, a script that defines
// no decider, a TypeError in evolve(), a time-out. error() says where.
class DeciderError : public std::runtime_error
{
public:
    explicit DeciderError(const ProjectionError &error)
        : std::runtime_error(error.toString().toStdString()), m_error(error) {}
    const ProjectionError &error() const { return m_error; }

private:
    ProjectionError m_error;
};

// A command for a decider: its type, the target stream, and its data (a JSON object).
struct DeciderCommand
{
    QString type;
    QString stream;
    nlohmann::ordered_json data = nlohmann::ordered_json::object();
    nlohmann::ordered_json metadata = nlohmann::ordered_json::object();
};

// An aggregate defined in JavaScript in the shape of the Decider pattern (DESIGN.md §4):
//
//   function initialState() { return {...}; }
//   function evolve(state, event) { ...; return state; } // event: {type, data, metadata,
//                                        // streamId, version, position, time (ISO 8601)}
//   function decide(command, state) {    // command: {type, stream, data, metadata}
//       if (...) throw new Error("insufficient funds");   // a domain error: the command is rejected
//       return [{type: "Deposited", data: {...}}];         // the new events (or one, or none)
//   }
//
// Optional: `var commands = {Type: {template data}, ...}` lists the command types (with the data
// a new command starts from), and `var upcasters = {EventType: [fn, ...]}` evolves old event
// schemas on read: an event's schema version is metadata.schemaVersion (1 when missing), and
// upcasters[type][i](data, metadata) turns version i + 1 into i + 2. New events of an upcast
// type are written at the current version.
//
// evolve() may mutate the state it gets (returning undefined keeps it); decide() must not.
// A throw of an Error (or a subclass of its own), or of a string, from decide() is a domain
// error; TypeError, ReferenceError, RangeError, SyntaxError, EvalError and URIError are bugs of
// the script and raise DeciderError with the line and column, like every other failure.
//
// States live in the decider's engine as State values; stateJson() converts one for display or
// a snapshot. Threads: create, use and destroy a Decider (and its States) on one thread.
class Decider final
{
public:
    using Json = nlohmann::ordered_json;
    static constexpr int DefaultTimeBudgetMs = 5000;

    explicit Decider(const QString &script, const QString &fileName = QStringLiteral("decider.js"),
                     int timeBudgetMs = DefaultTimeBudgetMs);
    ~Decider();
    Decider(const Decider &) = delete;
    Decider &operator=(const Decider &) = delete;

    // The bundled domains ("bank", "order") and their scripts (empty for an unknown name).
    static QStringList bundledDomains();
    static QString bundledScript(const QString &domain);
    // The bundled domain whose streams look like `stream` (account-* → bank, order-* → order);
    // empty when none.
    static QString bundledDomainForStream(const QString &stream);
    // A bundled domain's decider; throws DeciderError for an unknown name.
    static std::unique_ptr<Decider> bundled(const QString &domain, int timeBudgetMs = DefaultTimeBudgetMs);
    // A decider from a file; throws DeciderError when it cannot be read.
    static std::unique_ptr<Decider> fromFile(const QString &path, int timeBudgetMs = DefaultTimeBudgetMs);

    QString script() const;
    QString fileName() const;
    // The domain's name: a bundled domain's name, else the file name without ".js".
    QString name() const;
    // SHA-256 of the script, hex: snapshots are kept per script, since another script may
    // build another state from the same events.
    QString scriptHash() const;
    bool isValid() const;
    std::optional<ProjectionError> error() const;

    QStringList commandTypes() const;             // from `commands`, in the script's order
    Json commandTemplate(const QString &type) const; // {} when the type has none
    int schemaVersion(const QString &eventType) const; // current version (1 without upcasters)

    // An aggregate's state inside the engine, at a version of its stream (-1: no events).
    class State
    {
    public:
        qint64 version() const { return m_version; }
        bool isNull() const { return m_value.isUndefined(); }

    private:
        friend class Decider;
        QJSValue m_value;
        qint64 m_version = -1;
    };

    // All throw DeciderError on a failure of the script.
    State initialState();
    // Applies the events (the stream's next ones, in order, upcast first) to the state.
    void evolve(State &state, std::span<const Event> events);
    Json stateJson(const State &state);
    State stateFromJson(const Json &json, qint64 version);

    struct Decision
    {
        std::vector<NewEvent> events;      // empty when rejected (or when nothing happens)
        std::optional<QString> rejection;  // the domain error's message
    };
    Decision decide(const DeciderCommand &command, const State &state);

    // The event as evolve() sees it: upcast to its type's current schema (data and metadata
    // changed, metadata.schemaVersion set) when it is older; unchanged otherwise.
    Event upcast(const Event &event);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace eventlens

#pragma once

#include <QString>
#include <QtGlobal>

#include <memory>
#include <optional>

namespace eventlens {

struct Event;

// Where and why a predicate does not compile. line and column are 1-based and refer to the
// predicate text as the user wrote it (column 0: unknown).
struct PredicateSyntaxError
{
    int line = 0;
    int column = 0;
    QString message;

    // "syntax error at line 1, column 18: Expected token `numeric literal'"
    QString toString() const;
};

// A JavaScript predicate on an event (DESIGN.md §4, §6), compiled once in a QJSEngine of its own.
//
// The source is one of
//   * an expression over `e`:            e.data.amount > 100 && e.metadata.userId == "user-7"
//   * a function or an arrow function:   function (e) { return e.type == "Deposited"; }
//                                        (e) => e.version == 0        ({data}) => data.qty > 2
//   * a function body with `return`:    if (e.isJson) return e.data.amount > 100; return false;
// Its result counts as a match when it is truthy.
//
// The event object `e` has position, stream, category, version, id, type, time (ISO 8601 text,
// "2024-01-01T08:00:00.000Z"), timeMs (UTC ms since the epoch), data (the parsed JSON value when
// isJson, else the raw text; `body` is the same), metadata (the parsed JSON object), isJson,
// dataRaw and metadataRaw (the stored text). data, metadata, category and time are computed
// on first access, so a predicate that never reads them never pays for them. The fields named
// `$…` on the object are the implementation's.
//
// Sandbox: the engine has no extension installed (no console, no modules, no file or network
// access), and every evaluation runs under a watchdog that interrupts it once it has used more
// than timeBudgetMs() of CPU time (wall time where the platform has no per-thread CPU clock).
//
// Thread affinity: create, use and destroy an EventPredicate on one thread (its QJSEngine lives
// there). Errors at run time never throw: they are counted and the event does not match.
class EventPredicate final
{
public:
    static constexpr int DefaultTimeBudgetMs = 250;

    enum class Outcome {
        Match,
        NoMatch,
        RuntimeError,  // the predicate threw; counted, see runtimeErrorCount()
        Interrupted,   // the predicate ran longer than the time budget; see interruption()
        Invalid,       // the predicate did not compile; see error()
    };

    explicit EventPredicate(const QString &source, int timeBudgetMs = DefaultTimeBudgetMs);
    ~EventPredicate();
    EventPredicate(const EventPredicate &) = delete;
    EventPredicate &operator=(const EventPredicate &) = delete;

    // Checks the syntax without running the predicate: nullopt when it compiles, else a message
    // with line and column ("syntax error at line 2, column 7: Unexpected token `identifier'").
    static std::optional<QString> check(const QString &source);
    static std::optional<PredicateSyntaxError> syntaxError(const QString &source);

    QString source() const;
    bool isValid() const;
    // Why the predicate did not compile (empty when valid).
    QString error() const;
    std::optional<PredicateSyntaxError> compileError() const;

    int timeBudgetMs() const;

    bool matches(const Event &event);
    Outcome evaluate(const Event &event);

    // Runtime errors (exceptions thrown by the predicate) since construction.
    qint64 runtimeErrorCount() const;
    // The first one: "TypeError: Cannot read property 'y' of undefined (line 1) at position 17".
    QString firstRuntimeError() const;
    qint64 firstRuntimeErrorPosition() const; // 0 when none
    // The most recent one, in the same form.
    QString lastRuntimeError() const;

    // The last interruption: "predicate interrupted: took longer than 250 ms at position 17"
    // (empty when none). An interrupted evaluation counts as no match.
    QString interruption() const;
    qint64 interruptedPosition() const; // 0 when none

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace eventlens

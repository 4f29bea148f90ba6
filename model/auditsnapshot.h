#pragma once

#include "eventstore.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <vector>

namespace eventlens {

// Which aggregates (streams) an audit snapshot holds.
struct AuditScope
{
    enum class Kind { All, Categories, Pattern, Streams };
    Kind kind = Kind::All;
    QStringList values; // the categories, the GLOB patterns (SQLite GLOB, like `events`), or the stream names

    static AuditScope all() { return {}; }
    static AuditScope categories(QStringList names) { return {Kind::Categories, std::move(names)}; }
    static AuditScope pattern(QString glob) { return {Kind::Pattern, {std::move(glob)}}; }
    static AuditScope streams(QStringList names) { return {Kind::Streams, std::move(names)}; }

    QString describe() const;             // "all streams", "streams matching account-*", ...
    nlohmann::json toJson() const;        // {"kind": "all|categories|pattern|streams", "values": [...]}
    static AuditScope fromJson(const nlohmann::json &json); // throws AuditError
    bool operator==(const AuditScope &) const = default;
};

// A projection whose state at the point goes into the snapshot. The script is kept in the
// snapshot so that verification can run it again.
struct AuditProjection
{
    QString name;   // a label, usually the file name
    QString script; // the JavaScript source
};

// What to snapshot: a point (a position, or a time: the last event at or before it), a scope
// and projections.
struct AuditRequest
{
    std::optional<qint64> atPosition;
    std::optional<qint64> atTimeMs;
    AuditScope scope;
    std::vector<AuditProjection> projections;
    QString storeName; // shown in the snapshot and the report (the store's file name)
};

// A snapshot or a verification could not be made (bad request, script error, not a snapshot).
class AuditError : public std::runtime_error
{
public:
    explicit AuditError(const QString &message) : std::runtime_error(message.toStdString()), m_message(message) {}
    const QString &message() const { return m_message; }

private:
    QString m_message;
};

// Progress of a long audit job, on a fixed scale of `total` (events); return false to cancel.
// A cancelled build or verification throws AuditCancelled.
class AuditCancelled : public AuditError
{
public:
    AuditCancelled() : AuditError(QStringLiteral("cancelled")) {}
};

// An audit snapshot: what the system looked like at a point of the log, as canonical JSON.
//
// {
//   "format": "eventlens-audit-snapshot", "formatVersion": 1,
//   "generator": {"tool": "eventlens", "version": ..., "generatedAt": ISO time},   (not digested)
//   "store": {"name": file name},
//   "point": {"position": P, "time": time of event P, "requested": {"position"|"time": ...}},
//   "range": {"firstPosition", "lastPosition", "events"},       the events covered (1..P)
//   "chain": {"algorithm": "SHA-256", "headHash": hash of event P},
//   "scope": AuditScope::toJson(), "stateFunction": "JSON merge",
//   "aggregates": {stream: {"category", "version", "events", "firstPosition", "lastPosition",
//                           "lastTime", "lastHash", "state"}},
//   "projections": {name: {"scriptSha256", "script", "eventsProcessed", "partitioned", "state",
//                          ["partitions"], ["sharedState"], ["result"], ["results"]}},
//   "digest": {"algorithm": "SHA-256", "value": hex of the canonical text of everything above
//              except "generator" and "digest"}
// }
//
// Canonical: keys sorted, numbers in nlohmann's shortest round-trip form, UTF-8, two-space
// indentation: two exports of the same point differ only in generator.generatedAt.
class AuditSnapshot
{
public:
    using Json = nlohmann::json; // std::map objects: keys always sorted

    // Replays the store up to the point (one pass over the log, read-only). Throws AuditError
    // (bad point, empty store, a projection failing), AuditCancelled.
    static AuditSnapshot build(const EventStore &store, const AuditRequest &request, const ProgressFn &progress = {});
    // Reads snapshot text; throws AuditError naming what is wrong (not JSON, not a snapshot).
    static AuditSnapshot fromText(const QByteArray &text, const QString &fileName = {});

    const Json &json() const { return m_json; }
    QByteArray text() const;                  // canonical JSON text, newline-terminated
    QByteArray csv() const;                   // one row per aggregate
    QString digest() const;                   // digest.value as stored
    QString computeDigest() const;            // recomputed from the content
    qint64 position() const;
    qint64 timeMs() const;
    QString storeName() const;
    AuditRequest request() const;             // the request that rebuilds this snapshot (position, scope, projections)

private:
    explicit AuditSnapshot(Json json) : m_json(std::move(json)) {}
    Json m_json;
};

// One difference between a snapshot and the store.
struct AuditDifference
{
    QString path;          // "chain.headHash", "aggregates/account-3/state", "projections/x.js/state", ...
    QString message;       // what differs, in words
    qint64 position = 0;   // the log position it points at (0: none in particular)
};

struct AuditVerification
{
    bool ok = false;                          // the snapshot matches the store
    bool digestOk = false;                    // the snapshot's own digest matches its content
    qint64 position = 0;                      // the snapshot's point
    int aggregates = 0;                       // in the snapshot
    int projections = 0;
    qint64 checked = 0;                       // events whose hash chain was checked (1..P)
    qint64 firstBadPosition = 0;              // the first position that does not verify, 0: none
    std::vector<AuditDifference> differences; // ordered: digest, chain, range, aggregates, projections
    QString summary() const;                  // one line: "matches: ..." / "does not match: ..."
    nlohmann::ordered_json toJson() const;    // {"ok", "digestOk", "checked", "firstBadPosition", "differences": [{"path","message","position"}]}
};

// Verifies a snapshot against a store: its digest, the store's hash chain up to the point, and
// every aggregate and projection state recomputed from the store. Throws AuditError when the
// snapshot cannot be recomputed (a projection script fails), AuditCancelled.
AuditVerification verifyAuditSnapshot(const EventStore &store, const AuditSnapshot &snapshot, const ProgressFn &progress = {});

} // namespace eventlens

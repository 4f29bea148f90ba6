#include "auditsnapshot.h"

#include "event.h"
#include "eventprefetcher.h"
#include "eventquery.h"
#include "jsonpatch.h"
#include "jsonutil.h"
#include "mergestatefunction.h"
#include "projection.h"
#include "timeutil.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QHash>
#include <QSet>

#include <cstdint>
#include <map>
#include <set>
#include <memory>

namespace eventlens {

namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr const char *kFormat = "eventlens-audit-snapshot";
constexpr int kFormatVersion = 1;
constexpr qsizetype kBatchSize = 256;

std::string toStd(const QString &s)
{
    return jsonutil::toStd(s);
}

QString fromStd(const std::string &s)
{
    return jsonutil::toQString(s);
}

QByteArray dumpBytes(const Json &value, int indent = -1)
{
    const std::string text = value.dump(indent, ' ', false, Json::error_handler_t::replace);
    return QByteArray(text.data(), qsizetype(text.size()));
}

// The same JSON value in another object layout: insertion-ordered to canonical (key-sorted)
// and back, without going through text.
template <typename To, typename From>
To convertJson(const From &value)
{
    switch (value.type()) {
    case nlohmann::json::value_t::object: {
        To out = To::object();
        for (auto it = value.begin(); it != value.end(); ++it)
            out[it.key()] = convertJson<To>(it.value());
        return out;
    }
    case nlohmann::json::value_t::array: {
        To out = To::array();
        for (const From &element : value)
            out.push_back(convertJson<To>(element));
        return out;
    }
    case nlohmann::json::value_t::string:
        return To(value.template get_ref<const std::string &>());
    case nlohmann::json::value_t::boolean:
        return To(value.template get<bool>());
    case nlohmann::json::value_t::number_integer:
        return To(value.template get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
        return To(value.template get<std::uint64_t>());
    case nlohmann::json::value_t::number_float:
        return To(value.template get<double>());
    case nlohmann::json::value_t::binary:
        return To::binary(value.get_binary());
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
        break;
    }
    return To();
}

Json canonical(const OrderedJson &value)
{
    return convertJson<Json>(value);
}

OrderedJson ordered(const Json &value)
{
    return convertJson<OrderedJson>(value);
}

QString sha256Hex(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QString hashHex(const QByteArray &hash)
{
    return QString::fromLatin1(hash.toHex());
}

const char *scopeKindName(AuditScope::Kind kind)
{
    switch (kind) {
    case AuditScope::Kind::All:
        return "all";
    case AuditScope::Kind::Categories:
        return "categories";
    case AuditScope::Kind::Pattern:
        return "pattern";
    case AuditScope::Kind::Streams:
        return "streams";
    }
    return "all";
}

// The event at `position`, or the last one before it (foreign stores may have gaps).
std::optional<Event> lastEventAtOrBefore(const EventStore &store, qint64 position)
{
    EventQuery q;
    q.fromPosition = position;
    q.backward = true;
    q.limit = 1;
    std::vector<Event> found = store.read(q);
    if (found.empty())
        return std::nullopt;
    return std::move(found.front());
}

Event resolvePoint(const EventStore &store, const AuditRequest &request)
{
    const qint64 head = store.headPosition();
    if (head <= 0)
        throw AuditError(QStringLiteral("the store has no events"));
    if (request.atPosition.has_value() == request.atTimeMs.has_value())
        throw AuditError(QStringLiteral("give exactly one point: a position or a time"));
    if (request.atPosition) {
        const qint64 p = *request.atPosition;
        if (p < 1)
            throw AuditError(QStringLiteral("position %1 is not a position (positions start at 1)").arg(p));
        if (p > head)
            throw AuditError(QStringLiteral("position %1 is past the end of the log (the last position is %2)").arg(p).arg(head));
        if (auto e = lastEventAtOrBefore(store, p))
            return *e;
        throw AuditError(QStringLiteral("there is no event at or before position %1").arg(p));
    }
    const qint64 t = *request.atTimeMs;
    EventQuery q;
    q.untilMs = t + 1;
    q.backward = true;
    q.limit = 1;
    std::vector<Event> found = store.read(q);
    if (found.empty()) {
        QString first;
        if (auto e = store.eventAt(1))
            first = QStringLiteral(" (the log starts at %1)").arg(timeutil::formatIsoString(e->timeMs));
        throw AuditError(QStringLiteral("there is no event at or before %1%2").arg(timeutil::formatIsoString(t), first));
    }
    return std::move(found.front());
}

struct AggregateEntry
{
    OrderedJson state;
    qint64 version = -1;
    qint64 events = 0;
    qint64 firstPosition = 0;
    qint64 lastPosition = 0;
    qint64 lastTime = 0;
    QByteArray lastHash;
};

// Decides whether a stream is in the scope.
class ScopeFilter
{
public:
    ScopeFilter(const EventStore &store, const AuditScope &scope) : m_kind(scope.kind)
    {
        switch (scope.kind) {
        case AuditScope::Kind::All:
            break;
        case AuditScope::Kind::Categories:
            for (const QString &c : scope.values)
                m_names.insert(c);
            break;
        case AuditScope::Kind::Pattern:
            // The store's own GLOB, so the scope means what `events --stream-glob` means.
            for (const QString &glob : scope.values) {
                for (const StreamInfo &s : store.streams({}, glob))
                    m_names.insert(s.name);
            }
            break;
        case AuditScope::Kind::Streams:
            for (const QString &s : scope.values)
                m_names.insert(s);
            break;
        }
    }

    bool contains(const QString &stream) const
    {
        switch (m_kind) {
        case AuditScope::Kind::All:
            return true;
        case AuditScope::Kind::Categories:
            return m_names.contains(Event::categoryOf(stream));
        case AuditScope::Kind::Pattern:
        case AuditScope::Kind::Streams:
            return m_names.contains(stream);
        }
        return false;
    }

    // A narrower read of the log when the aggregates are all that is needed.
    EventQuery query(qint64 upTo, const AuditScope &scope) const
    {
        EventQuery q;
        q.toPosition = upTo;
        if (scope.values.size() == 1) {
            if (scope.kind == AuditScope::Kind::Categories)
                q.category = scope.values.constFirst();
            else if (scope.kind == AuditScope::Kind::Pattern)
                q.streamGlob = scope.values.constFirst();
            else if (scope.kind == AuditScope::Kind::Streams)
                q.stream = scope.values.constFirst();
        }
        return q;
    }

private:
    AuditScope::Kind m_kind;
    QSet<QString> m_names;
};

QString projectionFailure(const AuditProjection &p, const ProjectionError &error)
{
    return QStringLiteral("projection %1: %2").arg(p.name, error.toString());
}

Json projectionJson(const AuditProjection &source, const Projection &projection)
{
    const ProjectionDefinition &definition = projection.definition();
    OrderedJson out = OrderedJson::object();
    out["script"] = toStd(source.script);
    out["scriptSha256"] = toStd(sha256Hex(source.script.toUtf8()));
    out["eventsProcessed"] = projection.processedCount();
    out["partitioned"] = definition.isPartitioned();
    out["state"] = projection.state();
    if (definition.isPartitioned())
        out["partitions"] = projection.states();
    if (definition.biState)
        out["sharedState"] = projection.sharedState();
    if (definition.hasResult()) {
        out["result"] = projection.result();
        if (definition.isPartitioned())
            out["results"] = projection.results();
    }
    return canonical(out);
}

const Json &member(const Json &object, const char *key, const QString &where)
{
    if (!object.is_object() || !object.contains(key))
        throw AuditError(QStringLiteral("%1: the field '%2' is missing").arg(where, QString::fromLatin1(key)));
    return object.at(key);
}

qint64 integerMember(const Json &object, const char *key, const QString &where)
{
    const Json &v = member(object, key, where);
    if (!v.is_number_integer())
        throw AuditError(QStringLiteral("%1: the field '%2' is not an integer").arg(where, QString::fromLatin1(key)));
    return v.get<qint64>();
}

QString stringMember(const Json &object, const char *key, const QString &where)
{
    const Json &v = member(object, key, where);
    if (!v.is_string())
        throw AuditError(QStringLiteral("%1: the field '%2' is not a string").arg(where, QString::fromLatin1(key)));
    return fromStd(v.get<std::string>());
}

QByteArray csvField(const QByteArray &value)
{
    if (!value.contains(',') && !value.contains('"') && !value.contains('\n') && !value.contains('\r'))
        return value;
    QByteArray quoted = value;
    quoted.replace('"', "\"\"");
    return '"' + quoted + '"';
}

QByteArray jsonScalarText(const Json &value)
{
    if (value.is_string()) {
        const std::string &s = value.get_ref<const std::string &>();
        return QByteArray(s.data(), qsizetype(s.size()));
    }
    return dumpBytes(value);
}

} // namespace

// ---- AuditScope ---------------------------------------------------------------------------

QString AuditScope::describe() const
{
    const QString list = values.join(QStringLiteral(", "));
    switch (kind) {
    case Kind::All:
        return QStringLiteral("all streams");
    case Kind::Categories:
        return (values.size() == 1 ? QStringLiteral("category ") : QStringLiteral("categories ")) + list;
    case Kind::Pattern:
        return QStringLiteral("streams matching ") + list;
    case Kind::Streams:
        return (values.size() == 1 ? QStringLiteral("stream ") : QStringLiteral("streams ")) + list;
    }
    return {};
}

nlohmann::json AuditScope::toJson() const
{
    Json out = Json::object();
    out["kind"] = scopeKindName(kind);
    Json list = Json::array();
    for (const QString &v : values)
        list.push_back(toStd(v));
    out["values"] = std::move(list);
    return out;
}

AuditScope AuditScope::fromJson(const nlohmann::json &json)
{
    const QString where = QStringLiteral("scope");
    const QString kindName = stringMember(json, "kind", where);
    AuditScope scope;
    bool known = false;
    for (Kind k : {Kind::All, Kind::Categories, Kind::Pattern, Kind::Streams}) {
        if (kindName == QLatin1String(scopeKindName(k))) {
            scope.kind = k;
            known = true;
        }
    }
    if (!known)
        throw AuditError(QStringLiteral("scope: unknown kind '%1'").arg(kindName));
    const Json &values = member(json, "values", where);
    if (!values.is_array())
        throw AuditError(QStringLiteral("scope: the field 'values' is not an array"));
    for (const Json &v : values) {
        if (!v.is_string())
            throw AuditError(QStringLiteral("scope: a value is not a string"));
        scope.values.append(fromStd(v.get<std::string>()));
    }
    if (scope.kind != Kind::All && scope.values.isEmpty())
        throw AuditError(QStringLiteral("scope: %1 without values").arg(kindName));
    return scope;
}

// ---- AuditSnapshot ------------------------------------------------------------------------

AuditSnapshot AuditSnapshot::build(const EventStore &store, const AuditRequest &request, const ProgressFn &progress)
{
    if (request.scope.kind != AuditScope::Kind::All && request.scope.values.isEmpty())
        throw AuditError(QStringLiteral("the scope (%1) names nothing").arg(QString::fromLatin1(scopeKindName(request.scope.kind))));
    const Event point = resolvePoint(store, request);
    const qint64 upTo = point.position;

    std::vector<std::unique_ptr<Projection>> projections;
    QSet<QString> projectionNames;
    for (const AuditProjection &p : request.projections) {
        if (p.name.isEmpty())
            throw AuditError(QStringLiteral("a projection has no name"));
        if (projectionNames.contains(p.name))
            throw AuditError(QStringLiteral("two projections are named %1").arg(p.name));
        projectionNames.insert(p.name);
        auto projection = std::make_unique<Projection>(p.script, p.name);
        if (!projection->isValid())
            throw AuditError(projectionFailure(p, *projection->error()));
        projections.push_back(std::move(projection));
    }

    const ScopeFilter scope(store, request.scope);
    const MergeStateFunction stateFunction;
    QHash<QString, AggregateEntry> aggregates;
    const bool fullScan = !projections.empty() || request.scope.kind == AuditScope::Kind::All
                          || request.scope.values.size() != 1;
    EventQuery query = fullScan ? EventQuery{} : scope.query(upTo, request.scope);
    query.toPosition = upTo;

    qint64 firstPosition = 0;
    qint64 eventCount = 0;
    EventPrefetcher reader(store, query, kBatchSize);
    for (std::vector<Event> batch = reader.next(); !batch.empty(); batch = reader.next()) {
        for (const Event &e : batch) {
            if (firstPosition == 0)
                firstPosition = e.position;
            ++eventCount;
            if (!scope.contains(e.stream))
                continue;
            auto it = aggregates.find(e.stream);
            const bool created = it == aggregates.end();
            if (created)
                it = aggregates.insert(e.stream, AggregateEntry());
            AggregateEntry &a = it.value();
            if (created) {
                a.state = stateFunction.initialState();
                a.firstPosition = e.position;
            }
            stateFunction.evolveInPlace(a.state, e, StateFunction::parsedData(e));
            a.version = e.version;
            ++a.events;
            a.lastPosition = e.position;
            a.lastTime = e.timeMs;
            a.lastHash = e.hash;
        }
        for (size_t i = 0; i < projections.size(); ++i) {
            const Projection::FeedResult r = projections[i]->feed(batch);
            if (r.error)
                throw AuditError(projectionFailure(request.projections[i], *r.error));
        }
        if (progress && !progress(batch.back().position, upTo))
            throw AuditCancelled();
    }
    if (!fullScan) {
        EventQuery all;
        all.toPosition = upTo;
        eventCount = store.count(all);
        if (auto first = store.eventAt(1))
            firstPosition = first->position;
        else
            firstPosition = 1;
    }

    Json out = Json::object();
    out["format"] = kFormat;
    out["formatVersion"] = kFormatVersion;
    Json generator = Json::object();
    generator["tool"] = "eventlens";
    generator["version"] = EVENTLENS_VERSION;
    generator["generatedAt"] = timeutil::formatIso(QDateTime::currentMSecsSinceEpoch()).toStdString();
    out["generator"] = std::move(generator);
    out["store"] = Json{{"name", toStd(request.storeName)}};
    Json requested = Json::object();
    if (request.atPosition)
        requested["position"] = *request.atPosition;
    else
        requested["time"] = timeutil::formatIso(*request.atTimeMs).toStdString();
    out["point"] = Json{{"position", upTo}, {"time", timeutil::formatIso(point.timeMs).toStdString()}, {"requested", requested}};
    out["range"] = Json{{"firstPosition", firstPosition}, {"lastPosition", upTo}, {"events", eventCount}};
    out["chain"] = Json{{"algorithm", "SHA-256"}, {"headHash", toStd(hashHex(point.hash))}};
    out["scope"] = request.scope.toJson();
    out["stateFunction"] = toStd(stateFunction.name());
    Json aggregateJson = Json::object();
    for (auto it = aggregates.cbegin(); it != aggregates.cend(); ++it) {
        const QString &stream = it.key();
        const AggregateEntry &a = it.value();
        Json entry = Json::object();
        entry["category"] = toStd(Event::categoryOf(stream));
        entry["version"] = a.version;
        entry["events"] = a.events;
        entry["firstPosition"] = a.firstPosition;
        entry["lastPosition"] = a.lastPosition;
        entry["lastTime"] = timeutil::formatIso(a.lastTime).toStdString();
        entry["lastHash"] = toStd(hashHex(a.lastHash));
        entry["state"] = canonical(a.state);
        aggregateJson[toStd(stream)] = std::move(entry);
    }
    out["aggregates"] = std::move(aggregateJson);
    Json projectionJsonAll = Json::object();
    for (size_t i = 0; i < projections.size(); ++i)
        projectionJsonAll[toStd(request.projections[i].name)] = projectionJson(request.projections[i], *projections[i]);
    out["projections"] = std::move(projectionJsonAll);

    AuditSnapshot snapshot(std::move(out));
    snapshot.m_json["digest"] = Json{{"algorithm", "SHA-256"}, {"value", toStd(snapshot.computeDigest())}};
    return snapshot;
}

AuditSnapshot AuditSnapshot::fromText(const QByteArray &text, const QString &fileName)
{
    const QString where = fileName.isEmpty() ? QStringLiteral("snapshot") : fileName;
    QString error;
    std::optional<Json> parsed = jsonutil::parse(text, &error);
    if (!parsed)
        throw AuditError(QStringLiteral("%1: not JSON: %2").arg(where, error));
    const Json &json = *parsed;
    if (!json.is_object() || !json.contains("format") || json.at("format") != kFormat)
        throw AuditError(QStringLiteral("%1: not an eventlens audit snapshot (the field 'format' is not \"%2\")").arg(where, QString::fromLatin1(kFormat)));
    const qint64 version = integerMember(json, "formatVersion", where);
    if (version != kFormatVersion)
        throw AuditError(QStringLiteral("%1: snapshot format version %2 is not supported (this eventlens reads version %3)")
                             .arg(where)
                             .arg(version)
                             .arg(kFormatVersion));
    integerMember(member(json, "point", where), "position", where + QStringLiteral(": point"));
    AuditScope::fromJson(member(json, "scope", where));
    for (const char *key : {"aggregates", "projections"}) {
        if (!member(json, key, where).is_object())
            throw AuditError(QStringLiteral("%1: the field '%2' is not an object").arg(where, QString::fromLatin1(key)));
    }
    for (const auto &[name, p] : json.at("projections").items()) {
        stringMember(p, "script", QStringLiteral("%1: projection %2").arg(where, fromStd(name)));
    }
    stringMember(member(json, "digest", where), "value", where + QStringLiteral(": digest"));
    stringMember(member(json, "chain", where), "headHash", where + QStringLiteral(": chain"));
    return AuditSnapshot(std::move(*parsed));
}

QByteArray AuditSnapshot::text() const
{
    return dumpBytes(m_json, 2) + '\n';
}

QByteArray AuditSnapshot::csv() const
{
    QByteArray out = "stream,category,version,events,first_position,last_position,last_time,last_hash,state\r\n";
    for (const auto &[stream, a] : m_json.at("aggregates").items()) {
        const QList<QByteArray> fields = {
            QByteArray::fromStdString(stream),
            jsonScalarText(a.value("category", Json())),
            jsonScalarText(a.value("version", Json())),
            jsonScalarText(a.value("events", Json())),
            jsonScalarText(a.value("firstPosition", Json())),
            jsonScalarText(a.value("lastPosition", Json())),
            jsonScalarText(a.value("lastTime", Json())),
            jsonScalarText(a.value("lastHash", Json())),
            dumpBytes(a.value("state", Json())),
        };
        for (qsizetype i = 0; i < fields.size(); ++i) {
            if (i > 0)
                out += ',';
            out += csvField(fields.at(i));
        }
        out += "\r\n";
    }
    return out;
}

QString AuditSnapshot::digest() const
{
    return fromStd(m_json.at("digest").value("value", std::string()));
}

QString AuditSnapshot::computeDigest() const
{
    // The compact text of the snapshot without "generator" and "digest", written member by
    // member as dump() would write the object (no copy of a snapshot that may be big).
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData("{");
    bool first = true;
    for (auto it = m_json.begin(); it != m_json.end(); ++it) {
        if (it.key() == "generator" || it.key() == "digest")
            continue;
        if (!first)
            hash.addData(",");
        first = false;
        hash.addData(dumpBytes(Json(it.key())));
        hash.addData(":");
        hash.addData(dumpBytes(it.value()));
    }
    hash.addData("}");
    return QString::fromLatin1(hash.result().toHex());
}

qint64 AuditSnapshot::position() const
{
    return m_json.at("point").at("position").get<qint64>();
}

qint64 AuditSnapshot::timeMs() const
{
    const std::string t = m_json.at("point").value("time", std::string());
    return timeutil::parseIso(QByteArray::fromStdString(t)).value_or(0);
}

QString AuditSnapshot::storeName() const
{
    return fromStd(m_json.value("store", Json::object()).value("name", std::string()));
}

AuditRequest AuditSnapshot::request() const
{
    AuditRequest r;
    r.atPosition = position();
    r.scope = AuditScope::fromJson(m_json.at("scope"));
    r.storeName = storeName();
    for (const auto &[name, p] : m_json.at("projections").items())
        r.projections.push_back({fromStd(name), fromStd(p.at("script").get<std::string>())});
    return r;
}

// ---- verification ---------------------------------------------------------------------------

QString AuditVerification::summary() const
{
    if (ok)
        return QStringLiteral("matches: %1 events verified up to position %2, %3 and %4 recomputed")
            .arg(checked)
            .arg(position)
            .arg(QString::number(aggregates) + (aggregates == 1 ? QStringLiteral(" aggregate") : QStringLiteral(" aggregates")),
                 QString::number(projections) + (projections == 1 ? QStringLiteral(" projection") : QStringLiteral(" projections")));
    QString text = QStringLiteral("does not match: %1 %2").arg(differences.size()).arg(differences.size() == 1 ? QStringLiteral("difference") : QStringLiteral("differences"));
    if (firstBadPosition > 0)
        text += QStringLiteral("; the first bad position is %1").arg(firstBadPosition);
    else if (!differences.empty() && differences.front().position > 0)
        text += QStringLiteral("; first at position %1").arg(differences.front().position);
    return text;
}

nlohmann::ordered_json AuditVerification::toJson() const
{
    OrderedJson out = OrderedJson::object();
    out["ok"] = ok;
    out["digestOk"] = digestOk;
    out["position"] = position;
    out["checked"] = checked;
    out["firstBadPosition"] = firstBadPosition;
    OrderedJson list = OrderedJson::array();
    for (const AuditDifference &d : differences)
        list.push_back(OrderedJson{{"path", toStd(d.path)}, {"message", toStd(d.message)}, {"position", d.position}});
    out["differences"] = std::move(list);
    return out;
}

namespace {

QString shortJson(const Json &value)
{
    QString text = QString::fromUtf8(dumpBytes(value));
    if (text.size() > 120)
        text = text.left(117) + QStringLiteral("...");
    return text;
}

// "at /balance: 120 in the snapshot, 150 in the store; ..." (the first few changes).
QString stateChanges(const Json &expected, const Json &actual)
{
    const std::vector<JsonChange> changes = JsonPatch::changes(ordered(expected), ordered(actual));
    QStringList parts;
    for (const JsonChange &c : changes) {
        const QString path = c.path.isEmpty() ? QStringLiteral("/") : c.path;
        switch (c.kind) {
        case JsonChange::Kind::Added:
            parts << QStringLiteral("%1 only in the store (%2)").arg(path, shortJson(canonical(c.newValue)));
            break;
        case JsonChange::Kind::Removed:
            parts << QStringLiteral("%1 only in the snapshot (%2)").arg(path, shortJson(canonical(c.oldValue)));
            break;
        case JsonChange::Kind::Changed:
            parts << QStringLiteral("%1: %2 in the snapshot, %3 in the store").arg(path, shortJson(canonical(c.oldValue)), shortJson(canonical(c.newValue)));
            break;
        }
        if (parts.size() == 3)
            break;
    }
    if (changes.size() > 3)
        parts << QStringLiteral("%1 more").arg(changes.size() - 3);
    return parts.join(QStringLiteral("; "));
}

class Comparer
{
public:
    Comparer(AuditVerification &result, qint64 firstBad) : m_result(result), m_firstBad(firstBad) {}

    void add(const QString &path, const QString &message, qint64 position = 0)
    {
        m_result.differences.push_back({path, message, position});
    }

    void compareAggregates(const Json &expected, const Json &actual)
    {
        std::map<std::string, std::pair<const Json *, const Json *>> all;
        for (const auto &[k, v] : expected.items())
            all[k].first = &v;
        for (const auto &[k, v] : actual.items())
            all[k].second = &v;
        for (const auto &[key, pair] : all) {
            const QString stream = fromStd(key);
            const QString path = QStringLiteral("aggregates/") + stream;
            const Json *e = pair.first;
            const Json *a = pair.second;
            if (!a) {
                add(path, QStringLiteral("stream %1 is in the snapshot (version %2) but has no events up to the point in the store")
                              .arg(stream, shortJson(e->value("version", Json()))),
                    e->value("lastPosition", qint64(0)));
                continue;
            }
            if (!e) {
                add(path, QStringLiteral("stream %1 has events up to the point in the store (version %2) but is not in the snapshot")
                              .arg(stream, shortJson(a->value("version", Json()))),
                    a->value("firstPosition", qint64(0)));
                continue;
            }
            const qint64 lastPosition = a->value("lastPosition", qint64(0));
            // The first bad position of the chain when it lies in this aggregate's range.
            const qint64 where = (m_firstBad > 0 && m_firstBad <= lastPosition) ? m_firstBad : lastPosition;
            for (const char *field : {"version", "events", "firstPosition", "lastPosition", "lastTime", "lastHash"}) {
                const Json ev = e->value(field, Json());
                const Json av = a->value(field, Json());
                if (ev != av)
                    add(path + u'/' + QString::fromLatin1(field),
                        QStringLiteral("stream %1: %2 is %3 in the snapshot, %4 in the store").arg(stream, QString::fromLatin1(field), shortJson(ev), shortJson(av)),
                        where);
            }
            const Json es = e->value("state", Json());
            const Json as = a->value("state", Json());
            if (es != as)
                add(path + QStringLiteral("/state"), QStringLiteral("stream %1: the state differs at %2").arg(stream, stateChanges(es, as)), where);
        }
    }

    void compareProjections(const Json &expected, const Json &actual)
    {
        for (const auto &[key, e] : expected.items()) {
            const QString name = fromStd(key);
            const QString path = QStringLiteral("projections/") + name;
            if (!actual.contains(key)) {
                add(path, QStringLiteral("projection %1 was not recomputed").arg(name));
                continue;
            }
            const Json &a = actual.at(key);
            std::set<std::string> fields;
            for (const auto &[f, v] : e.items())
                fields.insert(f);
            for (const auto &[f, v] : a.items())
                fields.insert(f);
            for (const std::string &f : fields) {
                const Json ev = e.value(f, Json());
                const Json av = a.value(f, Json());
                if (ev == av)
                    continue;
                const QString field = fromStd(f);
                const QString what = (f == "state" || f == "partitions" || f == "result" || f == "results" || f == "sharedState")
                                         ? stateChanges(ev, av)
                                         : QStringLiteral("%1 in the snapshot, %2 in the store").arg(shortJson(ev), shortJson(av));
                add(path + u'/' + field, QStringLiteral("projection %1: %2 differs: %3").arg(name, field, what), m_firstBad);
            }
        }
    }

private:
    AuditVerification &m_result;
    qint64 m_firstBad;
};

} // namespace

AuditVerification verifyAuditSnapshot(const EventStore &store, const AuditSnapshot &snapshot, const ProgressFn &progress)
{
    AuditVerification result;
    const Json &expected = snapshot.json();
    const qint64 point = snapshot.position();
    result.position = point;
    result.aggregates = int(expected.at("aggregates").size());
    result.projections = int(expected.at("projections").size());
    Comparer compare(result, 0);

    result.digestOk = snapshot.computeDigest() == snapshot.digest();
    if (!result.digestOk)
        compare.add(QStringLiteral("digest"), QStringLiteral("the snapshot's content does not match its digest: the snapshot file was changed after it was made"));

    // 1. The hash chain up to the point: every event behind the snapshot is what was appended.
    const qint64 head = store.headPosition();
    const qint64 total = 2 * std::max<qint64>(point, 1);
    const VerifyResult chain = store.verify(
        [&](qint64 done, qint64) { return !progress || progress(done, total); }, point);
    if (chain.firstBadPosition == 0 && !chain.ok)
        throw AuditCancelled();
    result.checked = chain.checked;
    if (!chain.ok) {
        result.firstBadPosition = chain.firstBadPosition;
        compare.add(QStringLiteral("chain"), chain.message, chain.firstBadPosition);
    }
    if (head < point) {
        compare.add(QStringLiteral("range.lastPosition"),
                    QStringLiteral("the store ends at position %1, before the snapshot's point %2: events were removed").arg(head).arg(point),
                    head + 1);
        if (result.firstBadPosition == 0)
            result.firstBadPosition = head + 1;
        result.ok = false;
        return result;
    }

    // 2. The states, recomputed from the store.
    AuditRequest request = snapshot.request();
    const AuditSnapshot actual = AuditSnapshot::build(store, request, [&](qint64 done, qint64) {
        return !progress || progress(point + done, total);
    });
    const Json &now = actual.json();
    Comparer states(result, result.firstBadPosition);
    if (expected.at("chain").at("headHash") != now.at("chain").at("headHash"))
        states.add(QStringLiteral("chain.headHash"),
                   QStringLiteral("the hash of the event at position %1 is %2 in the snapshot, %3 in the store")
                       .arg(point)
                       .arg(fromStd(expected.at("chain").at("headHash").get<std::string>()), fromStd(now.at("chain").at("headHash").get<std::string>())),
                   result.firstBadPosition > 0 ? result.firstBadPosition : point);
    for (const char *field : {"firstPosition", "lastPosition", "events"}) {
        const Json ev = expected.value("range", Json::object()).value(field, Json());
        const Json av = now.at("range").value(field, Json());
        if (ev != av)
            states.add(QStringLiteral("range.") + QString::fromLatin1(field),
                       QStringLiteral("range %1 is %2 in the snapshot, %3 in the store").arg(QString::fromLatin1(field), shortJson(ev), shortJson(av)));
    }
    if (expected.value("stateFunction", Json()) != now.at("stateFunction"))
        states.add(QStringLiteral("stateFunction"), QStringLiteral("the snapshot's states were made with %1, this eventlens uses %2")
                                                        .arg(shortJson(expected.value("stateFunction", Json())), shortJson(now.at("stateFunction"))));
    states.compareAggregates(expected.at("aggregates"), now.at("aggregates"));
    states.compareProjections(expected.at("projections"), now.at("projections"));
    result.ok = result.differences.empty();
    if (progress)
        progress(total, total);
    return result;
}

} // namespace eventlens

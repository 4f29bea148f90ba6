#include "genericjsonparser.h"

#include "jsonfields.h"
#include "jsonheadsniffer.h"
#include "typecache.h"

#include <array>
#include <cstring>

namespace eventlens {

namespace {

enum class Field : quint8 { Stream, Type, Data, Metadata, Version, Id, Time, Ignored, Unknown };
constexpr int kFieldCount = 7;

struct Synonym
{
    const char *name;
    qsizetype length;
    Field field;
    quint8 rank;
};

#define EVENTLENS_SYNONYM(name, field, rank) {name, sizeof(name) - 1, field, rank}

constexpr Synonym kSynonyms[] = {
    EVENTLENS_SYNONYM("stream", Field::Stream, 0),
    EVENTLENS_SYNONYM("streamId", Field::Stream, 1),
    EVENTLENS_SYNONYM("stream_name", Field::Stream, 2),
    EVENTLENS_SYNONYM("streamName", Field::Stream, 3),
    EVENTLENS_SYNONYM("aggregateId", Field::Stream, 4),
    EVENTLENS_SYNONYM("aggregate_id", Field::Stream, 5),
    EVENTLENS_SYNONYM("originator_id", Field::Stream, 6),
    EVENTLENS_SYNONYM("stream_id", Field::Stream, 7),
    EVENTLENS_SYNONYM("eventStreamId", Field::Stream, 8),
    EVENTLENS_SYNONYM("type", Field::Type, 0),
    EVENTLENS_SYNONYM("eventType", Field::Type, 1),
    EVENTLENS_SYNONYM("event_type", Field::Type, 2),
    EVENTLENS_SYNONYM("data", Field::Data, 0),
    EVENTLENS_SYNONYM("payload", Field::Data, 1),
    EVENTLENS_SYNONYM("body", Field::Data, 2),
    EVENTLENS_SYNONYM("metadata", Field::Metadata, 0),
    EVENTLENS_SYNONYM("meta", Field::Metadata, 1),
    EVENTLENS_SYNONYM("metaData", Field::Metadata, 2),
    EVENTLENS_SYNONYM("version", Field::Version, 0),
    EVENTLENS_SYNONYM("eventNumber", Field::Version, 1),
    EVENTLENS_SYNONYM("sequenceNumber", Field::Version, 2),
    EVENTLENS_SYNONYM("stream_position", Field::Version, 3),
    EVENTLENS_SYNONYM("id", Field::Id, 0),
    EVENTLENS_SYNONYM("eventId", Field::Id, 1),
    EVENTLENS_SYNONYM("event_id", Field::Id, 2),
    EVENTLENS_SYNONYM("time", Field::Time, 0),
    EVENTLENS_SYNONYM("timestamp", Field::Time, 1),
    EVENTLENS_SYNONYM("created", Field::Time, 2),
    EVENTLENS_SYNONYM("occurredAt", Field::Time, 3),
    EVENTLENS_SYNONYM("occurred_at", Field::Time, 4),
    EVENTLENS_SYNONYM("created_at", Field::Time, 5),
    EVENTLENS_SYNONYM("position", Field::Ignored, 0),
};
#undef EVENTLENS_SYNONYM

Field classify(QByteArrayView key, quint8 &rank)
{
    if (key.isEmpty())
        return Field::Unknown;
    for (const Synonym &s : kSynonyms) {
        if (s.length == key.size() && s.name[0] == key[0]
            && std::memcmp(s.name, key.data(), static_cast<size_t>(s.length)) == 0) {
            rank = s.rank;
            return s.field;
        }
    }
    return Field::Unknown;
}

QString canonicalName(Field f)
{
    switch (f) {
    case Field::Stream: return QStringLiteral("stream");
    case Field::Type: return QStringLiteral("type");
    case Field::Data: return QStringLiteral("data");
    case Field::Metadata: return QStringLiteral("metadata");
    case Field::Version: return QStringLiteral("version");
    case Field::Id: return QStringLiteral("id");
    case Field::Time: return QStringLiteral("time");
    default: return {};
    }
}

} // namespace

bool GenericJsonParser::hasEventFields(const JsonHead &head)
{
    bool stream = false, type = false;
    for (const QByteArray &key : head.keys) {
        quint8 rank = 0;
        const Field f = classify(key, rank);
        stream = stream || f == Field::Stream;
        type = type || f == Field::Type;
    }
    return stream && type;
}

GenericJsonParser::GenericJsonParser(Container container)
    : JsonRecordParser(container)
{
}

void GenericJsonParser::reset()
{
    m_lastStream.clear();
    m_lastStreamRaw.clear();
}

bool GenericJsonParser::mapObject(const Element &element)
{
    const qint64 index = takeIndex();
    std::array<const JsonMember *, kFieldCount> found{};
    std::array<quint8, kFieldCount> foundRank{};
    bool hasUnknown = false;
    for (const JsonMember &m : element.members) {
        quint8 rank = 0;
        const Field f = m.keyEscaped ? classify(m.decodedKey(), rank) : classify(m.key, rank);
        if (f == Field::Unknown) {
            hasUnknown = true;
            continue;
        }
        if (f == Field::Ignored)
            continue;
        const auto i = static_cast<size_t>(f);
        if (!found[i] || rank < foundRank[i]) {
            if (found[i])
                hasUnknown = true; // the loser is kept in the metadata
            found[i] = &m;
            foundRank[i] = rank;
        } else {
            hasUnknown = true;
        }
    }
    auto fail = [&](Field f, const QString &reason) {
        const JsonMember *m = found[static_cast<size_t>(f)];
        const QString name = m ? QString::fromUtf8(m->decodedKey()) : canonicalName(f);
        return emitIssue(element.line, index, name, reason);
    };
    auto member = [&](Field f) { return found[static_cast<size_t>(f)]; };

    ImportRecord record;
    record.line = element.line;
    record.index = index;
    QString reason;

    const JsonMember *stream = member(Field::Stream);
    if (!stream || stream->value.isNull())
        return fail(Field::Stream, QStringLiteral("missing"));
    if (stream->value.isString() && !stream->value.hasEscapes && stream->value.size > 2
        && QByteArrayView(stream->value.begin + 1, stream->value.size - 2) == m_lastStreamRaw) {
        record.stream = m_lastStream;
    } else {
        if (!JsonFields::text(stream->value, record.stream, reason, true))
            return fail(Field::Stream, reason);
        m_lastStream = record.stream;
        if (stream->value.isString() && !stream->value.hasEscapes)
            m_lastStreamRaw = QByteArray(stream->value.begin + 1, stream->value.size - 2);
        else
            m_lastStreamRaw.clear();
    }

    const JsonMember *type = member(Field::Type);
    if (!type || type->value.isNull())
        return fail(Field::Type, QStringLiteral("missing"));
    if (type->value.isString() && !type->value.hasEscapes && type->value.size > 2) {
        record.event.type = m_types.intern(QByteArrayView(type->value.begin + 1, type->value.size - 2));
    } else if (!JsonFields::text(type->value, record.event.type, reason)) {
        return fail(Field::Type, reason);
    }

    if (const JsonMember *version = member(Field::Version); version && !version->value.isNull()) {
        qint64 v = 0;
        if (!JsonFields::version(version->value, v, reason))
            return fail(Field::Version, reason);
        record.version = v;
    }
    if (const JsonMember *id = member(Field::Id); id && !id->value.isNull()
        && !(id->value.isString() && id->value.size == 2)) {
        if (!JsonFields::text(id->value, record.event.id, reason, true))
            return fail(Field::Id, reason);
    }
    if (const JsonMember *time = member(Field::Time)) {
        if (!JsonFields::time(time->value, record.event.timeMs, reason))
            return fail(Field::Time, reason);
    }
    if (const JsonMember *data = member(Field::Data))
        JsonFields::data(data->value, record.event.data, true);
    if (const JsonMember *metadata = member(Field::Metadata)) {
        if (!JsonFields::metadata(metadata->value, record.event.metadata, reason))
            return fail(Field::Metadata, reason);
    }
    if (hasUnknown) {
        // keep every other member in the metadata (the metadata's own members win)
        std::vector<JsonMember> meta;
        JsonScanError error;
        JsonScanner::scanObject(record.event.metadata, meta, error);
        QByteArray out;
        out.reserve(record.event.metadata.size() + 64);
        out.append('{');
        bool first = true;
        for (const JsonMember &m : meta) {
            if (!first)
                out.append(',');
            first = false;
            JsonScanner::appendMember(out, m);
        }
        for (const JsonMember &m : element.members) {
            bool used = false;
            for (const JsonMember *f : found)
                used = used || f == &m;
            if (used || m.keyIs("position"))
                continue;
            bool duplicate = false;
            for (const JsonMember &k : meta)
                duplicate = duplicate || k.decodedKey() == m.decodedKey();
            if (duplicate)
                continue;
            if (!first)
                out.append(',');
            first = false;
            JsonScanner::appendMember(out, m);
        }
        out.append('}');
        record.event.metadata = std::move(out);
    }
    return emitRecord(std::move(record));
}

} // namespace eventlens

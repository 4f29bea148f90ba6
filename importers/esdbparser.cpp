#include "esdbparser.h"

#include "jsonfields.h"
#include "jsonheadsniffer.h"
#include "jsonutil.h"
#include "timeutil.h"

#include <QHash>

#include <algorithm>

namespace eventlens {

namespace {

const JsonMember *find(const std::vector<JsonMember> &members, QByteArrayView key)
{
    for (const JsonMember &m : members) {
        if (m.keyIs(key))
            return &m;
    }
    return nullptr;
}

} // namespace

EsdbParser::EsdbParser()
    : JsonRecordParser(Container::Auto)
{
}

QString EsdbParser::formatName() const
{
    return QStringLiteral("esdb");
}

QString EsdbParser::description() const
{
    return QStringLiteral("EventStoreDB / KurrentDB HTTP API event JSON: entries, arrays or an Atom feed");
}

int EsdbParser::detect(const QByteArray &head, const QString &fileName) const
{
    Q_UNUSED(fileName);
    const JsonHead h = JsonHeadSniffer::sniff(head);
    if (!h.isJson)
        return 0;
    if (h.has("entries")
        && (h.has("headOfStream") || h.has("selfUrl") || h.has("eTag") || h.has("streamId")
            || h.hasNested("eventType") || h.hasNested("eventNumber")))
        return 95;
    if (h.has("content") && (h.hasNested("eventStreamId") || h.hasNested("eventType")))
        return 92;
    if (h.has("eventType")
        && (h.has("eventNumber") || h.has("eventStreamId") || h.has("isJson") || h.has("positionEventNumber")
            || h.has("metaData")))
        return 90;
    if (h.has("eventType") && h.has("eventId"))
        return h.has("streamId") ? 85 : 60;
    return 0;
}

void EsdbParser::reset()
{
    m_types.clear();
}

bool EsdbParser::mapEvent(const std::vector<JsonMember> &top, const QString &fallbackStream, ImportRecord &record,
                          QString &field, QString &reason)
{
    // an Atom entry carries the event in "content"; its members win over the entry's
    std::vector<JsonMember> content;
    const JsonMember *contentMember = find(top, "content");
    if (contentMember && contentMember->value.isObject())
        content = JsonScanner::members(contentMember->value);
    auto get = [&](QByteArrayView key) -> const JsonMember * {
        if (const JsonMember *m = find(content, key); m && !m->value.isNull())
            return m;
        const JsonMember *m = find(top, key);
        return m && !m->value.isNull() ? m : nullptr;
    };
    auto fail = [&](const JsonMember *m, const char *name, const QString &why) {
        field = m ? QString::fromUtf8(m->decodedKey()) : QString::fromLatin1(name);
        reason = why;
        return false;
    };

    // stream
    const JsonMember *stream = get("streamId");
    if (!stream)
        stream = get("eventStreamId");
    if (!stream)
        stream = get("positionStreamId");
    if (stream) {
        if (!JsonFields::text(stream->value, record.stream, reason))
            return fail(stream, "streamId", reason);
    } else if (const JsonMember *title = get("title"); title && title->value.isString()) {
        // "0@account-1"
        const QString t = JsonScanner::toQString(title->value);
        const qsizetype at = t.indexOf(u'@');
        if (at > 0)
            record.stream = t.mid(at + 1);
    }
    if (record.stream.isEmpty())
        record.stream = fallbackStream;
    if (record.stream.isEmpty())
        return fail(nullptr, "streamId", QStringLiteral("missing"));

    // type
    const JsonMember *type = get("eventType");
    if (!type)
        type = get("summary");
    if (!type)
        return fail(nullptr, "eventType", QStringLiteral("missing"));
    if (type->value.isString() && !type->value.hasEscapes && type->value.size > 2)
        record.event.type = m_types.intern(QByteArrayView(type->value.begin + 1, type->value.size - 2));
    else if (!JsonFields::text(type->value, record.event.type, reason))
        return fail(type, "eventType", reason);

    if (const JsonMember *id = get("eventId")) {
        if (!JsonFields::text(id->value, record.event.id, reason))
            return fail(id, "eventId", reason);
    }
    if (const JsonMember *number = get("eventNumber")) {
        qint64 v = 0;
        if (!JsonFields::version(number->value, v, reason))
            return fail(number, "eventNumber", reason);
        record.version = v;
    }
    const JsonMember *time = get("updated");
    if (!time)
        time = get("created");
    if (time && !JsonFields::time(time->value, record.event.timeMs, reason))
        return fail(time, "updated", reason);

    // data: an object, or a string (JSON text when isJson, raw otherwise)
    bool isJson = true;
    if (const JsonMember *flag = get("isJson"))
        isJson = flag->value.kind != JsonValue::Kind::False;
    const JsonMember *data = get("data");
    if (!data) {
        const JsonMember *raw = find(content, "data");
        if (!raw)
            raw = find(top, "data");
        if (!raw)
            return fail(nullptr, "data", QStringLiteral("missing (read Atom feeds with ?embed=body)"));
        record.event.data = QByteArrayLiteral("null");
    } else if (data->value.isString()) {
        const QByteArray text = JsonScanner::decodeString(data->value);
        std::optional<QByteArray> json;
        if (isJson && !text.trimmed().isEmpty())
            json = JsonFields::compactText(text);
        if (json) {
            record.event.data = std::move(*json);
        } else {
            record.event.data = text;
            record.event.dataIsJson = false;
        }
    } else {
        record.event.data = JsonScanner::compact(data->value);
    }

    // metadata: metaData or metadata, an object or a JSON string; other text is kept as {"raw": text}
    const JsonMember *meta = get("metaData");
    if (!meta)
        meta = get("metadata");
    if (meta) {
        if (!JsonFields::metadata(meta->value, record.event.metadata, reason)) {
            if (!meta->value.isString())
                return fail(meta, "metaData", reason);
            QByteArray wrapped = QByteArrayLiteral("{\"raw\":");
            jsonutil::appendString(wrapped, JsonScanner::decodeString(meta->value));
            wrapped.append('}');
            record.event.metadata = std::move(wrapped);
        }
    }
    return true;
}

bool EsdbParser::mapObject(const Element &element)
{
    const JsonMember *entries = find(element.members, "entries");
    if (!entries || !entries->value.isArray()) {
        const qint64 index = takeIndex();
        ImportRecord record;
        record.line = element.line;
        record.index = index;
        QString field, reason;
        if (!mapEvent(element.members, {}, record, field, reason))
            return emitIssue(element.line, index, field, reason);
        return emitRecord(std::move(record));
    }

    // An Atom feed page: newest first. Its records are collected (a page is small) and
    // delivered oldest first.
    QString feedStream;
    if (const JsonMember *s = find(element.members, "streamId"); s && s->value.isString())
        feedStream = JsonScanner::toQString(s->value);
    struct Item
    {
        ImportRecord record;
        ImportIssue issue;
        bool ok = false;
    };
    std::vector<Item> items;
    const std::vector<JsonValue> values = JsonScanner::elements(entries->value);
    items.reserve(values.size());
    for (const JsonValue &value : values) {
        Item item;
        const qint64 line = lineAt(element, value.begin);
        item.record.line = line;
        if (!value.isObject()) {
            item.issue = ImportIssue{fileName(), line, -1, {}, QStringLiteral("feed entry is not a JSON object (found %1)").arg(value.kindName())};
        } else {
            QString field, reason;
            const std::vector<JsonMember> members = JsonScanner::members(value);
            item.ok = mapEvent(members, feedStream, item.record, field, reason);
            if (!item.ok)
                item.issue = ImportIssue{fileName(), line, -1, field, reason};
        }
        items.push_back(std::move(item));
    }
    // Atom feeds list entries newest first; a stream whose event numbers go up says otherwise
    bool descending = true;
    QHash<QString, qint64> last;
    for (const Item &item : items) {
        if (!item.ok || !item.record.version)
            continue;
        auto it = last.find(item.record.stream);
        if (it != last.end()) {
            descending = *item.record.version < *it;
            break;
        }
        last.insert(item.record.stream, *item.record.version);
    }
    if (descending)
        std::reverse(items.begin(), items.end());
    for (Item &item : items) {
        const qint64 index = takeIndex();
        if (item.ok) {
            item.record.index = index;
            if (!emitRecord(std::move(item.record)))
                return false;
        } else if (!emitIssue(item.issue.line, index, item.issue.field, item.issue.reason)) {
            return false;
        }
    }
    return true;
}

} // namespace eventlens

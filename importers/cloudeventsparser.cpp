#include "cloudeventsparser.h"

#include "jsonfields.h"
#include "jsonheadsniffer.h"
#include "timeutil.h"

namespace eventlens {

namespace {

bool isJsonContentType(const QByteArray &contentType)
{
    if (contentType.isEmpty())
        return true;
    QByteArray t = contentType;
    const qsizetype semicolon = t.indexOf(';');
    if (semicolon >= 0)
        t.truncate(semicolon);
    t = t.trimmed().toLower();
    return t == "application/json" || t == "text/json" || t.endsWith("+json");
}

} // namespace

CloudEventsParser::CloudEventsParser()
    : JsonRecordParser(Container::Auto)
{
}

QString CloudEventsParser::formatName() const
{
    return QStringLiteral("cloudevents");
}

QString CloudEventsParser::description() const
{
    return QStringLiteral("CloudEvents 1.0 JSON: one event, JSON Lines of events, or a batch array");
}

int CloudEventsParser::detect(const QByteArray &head, const QString &fileName) const
{
    Q_UNUSED(fileName);
    const JsonHead h = JsonHeadSniffer::sniff(head);
    if (!h.isJson || !h.has("specversion"))
        return 0;
    return h.has("type") || h.has("source") ? 95 : 80;
}

void CloudEventsParser::reset()
{
    m_types.clear();
}

bool CloudEventsParser::mapObject(const Element &element)
{
    const qint64 index = takeIndex();
    const JsonMember *specversion = nullptr, *id = nullptr, *source = nullptr, *type = nullptr, *subject = nullptr,
                     *time = nullptr, *data = nullptr, *dataBase64 = nullptr, *contentType = nullptr,
                     *streamVersion = nullptr, *eventMetadata = nullptr, *dataSchema = nullptr;
    for (const JsonMember &m : element.members) {
        const QByteArray key = m.keyEscaped ? m.decodedKey() : QByteArray();
        const QByteArrayView k = m.keyEscaped ? QByteArrayView(key) : m.key;
        if (k == "specversion")
            specversion = &m;
        else if (k == "id")
            id = &m;
        else if (k == "source")
            source = &m;
        else if (k == "type")
            type = &m;
        else if (k == "subject")
            subject = &m;
        else if (k == "time")
            time = &m;
        else if (k == "data")
            data = &m;
        else if (k == "data_base64")
            dataBase64 = &m;
        else if (k == "datacontenttype")
            contentType = &m;
        else if (k == "dataschema")
            dataSchema = &m;
        else if (k == "eventlensversion")
            streamVersion = &m;
        else if (k == "eventlensmetadata")
            eventMetadata = &m;
    }
    auto fail = [&](const char *field, const QString &reason) {
        return emitIssue(element.line, index, QString::fromLatin1(field), reason);
    };
    QString reason;
    ImportRecord record;
    record.line = element.line;
    record.index = index;

    if (!specversion || specversion->value.isNull())
        return fail("specversion", QStringLiteral("missing"));
    if (!specversion->value.isString() || !JsonScanner::decodeString(specversion->value).startsWith("1."))
        return fail("specversion", QStringLiteral("unsupported CloudEvents version %1 (expected \"1.0\")")
                                       .arg(QString::fromUtf8(specversion->value.raw())));
    if (!id || id->value.isNull())
        return fail("id", QStringLiteral("missing"));
    if (!JsonFields::text(id->value, record.event.id, reason))
        return fail("id", reason);
    if (!source || source->value.isNull())
        return fail("source", QStringLiteral("missing"));
    QString sourceText;
    if (!JsonFields::text(source->value, sourceText, reason))
        return fail("source", reason);
    if (!type || type->value.isNull())
        return fail("type", QStringLiteral("missing"));
    if (type->value.isString() && !type->value.hasEscapes && type->value.size > 2)
        record.event.type = m_types.intern(QByteArrayView(type->value.begin + 1, type->value.size - 2));
    else if (!JsonFields::text(type->value, record.event.type, reason))
        return fail("type", reason);
    if (subject && !subject->value.isNull()) {
        if (!JsonFields::text(subject->value, record.stream, reason))
            return fail("subject", reason);
    } else {
        record.stream = sourceText;
    }
    if (streamVersion && !streamVersion->value.isNull()) {
        qint64 v = 0;
        if (!JsonFields::version(streamVersion->value, v, reason))
            return fail("eventlensversion", reason);
        record.version = v;
    }
    if (time && !time->value.isNull()) {
        if (!time->value.isString() || !(record.event.timeMs = timeutil::parseIso(JsonScanner::decodeString(time->value))))
            return fail("time", QStringLiteral("not a valid RFC 3339 time: %1").arg(QString::fromUtf8(time->value.raw())));
    }
    QByteArray contentTypeText;
    if (contentType && !contentType->value.isNull()) {
        if (!contentType->value.isString())
            return fail("datacontenttype", QStringLiteral("must be a string, not %1").arg(contentType->value.kindName()));
        contentTypeText = JsonScanner::decodeString(contentType->value);
    }
    const bool jsonType = isJsonContentType(contentTypeText);
    if (data && dataBase64 && !dataBase64->value.isNull() && !data->value.isNull())
        return fail("data_base64", QStringLiteral("data and data_base64 are both present"));
    if (dataBase64 && !dataBase64->value.isNull()) {
        if (!dataBase64->value.isString())
            return fail("data_base64", QStringLiteral("must be a base64 string, not %1").arg(dataBase64->value.kindName()));
        const auto decoded = QByteArray::fromBase64Encoding(JsonScanner::decodeString(dataBase64->value),
                                                            QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            return fail("data_base64", QStringLiteral("invalid base64"));
        std::optional<QByteArray> json;
        if (jsonType)
            json = JsonFields::compactText(*decoded);
        if (json) {
            record.event.data = std::move(*json);
        } else {
            record.event.data = *decoded;
            record.event.dataIsJson = false;
        }
    } else if (data && !data->value.isNull()) {
        if (!jsonType && data->value.isString()) {
            record.event.data = JsonScanner::decodeString(data->value);
            record.event.dataIsJson = false;
        } else {
            record.event.data = JsonScanner::compact(data->value);
        }
    } else {
        record.event.data = QByteArrayLiteral("null");
    }

    // metadata: every context attribute except the ones mapped to event fields; with
    // eventlensmetadata, that object and the extension attributes not in it
    QByteArray meta;
    meta.reserve(128);
    meta.append('{');
    QByteArray ownText; // the members in `own` point into it
    std::vector<JsonMember> own;
    if (eventMetadata) {
        if (!JsonFields::metadata(eventMetadata->value, ownText, reason))
            return fail("eventlensmetadata", reason);
        JsonScanError error;
        JsonScanner::scanObject(ownText, own, error);
        for (const JsonMember &m : own) {
            if (meta.size() > 1)
                meta.append(',');
            JsonScanner::appendMember(meta, m);
        }
    }
    for (const JsonMember &m : element.members) {
        if (&m == id || &m == type || &m == subject || &m == time || &m == data || &m == dataBase64
            || &m == streamVersion || &m == eventMetadata)
            continue;
        if (eventMetadata) {
            if (&m == specversion || &m == source || &m == contentType || &m == dataSchema)
                continue;
            bool duplicate = false;
            for (const JsonMember &o : own)
                duplicate = duplicate || o.decodedKey() == m.decodedKey();
            if (duplicate)
                continue;
        }
        if (meta.size() > 1)
            meta.append(',');
        JsonScanner::appendMember(meta, m);
    }
    meta.append('}');
    record.event.metadata = std::move(meta);
    return emitRecord(std::move(record));
}

} // namespace eventlens

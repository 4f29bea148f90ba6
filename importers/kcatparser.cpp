#include "kcatparser.h"

#include "jsonfields.h"
#include "jsonheadsniffer.h"
#include "jsonutil.h"

#include <QUuid>

namespace eventlens {

namespace {

// Namespace of the name-based ids of Kafka records.
const QUuid kKafkaNamespace(0x3d5b2f0e, 0x8a41, 0x4f7c, 0x9b, 0x1e, 0x6c, 0x2a, 0x51, 0x7d, 0x0e, 0x93);

bool headersToObject(const JsonValue &headers, QByteArray &out, QString &reason)
{
    if (headers.isNull()) {
        out.clear();
        return true;
    }
    if (headers.isObject()) {
        out = JsonScanner::compact(headers);
        return true;
    }
    if (!headers.isArray()) {
        reason = QStringLiteral("must be a [name, value, ...] array, not %1").arg(headers.kindName());
        return false;
    }
    const std::vector<JsonValue> items = JsonScanner::elements(headers);
    if (items.size() % 2 != 0) {
        reason = QStringLiteral("must be a [name, value, ...] array (found %1 items)").arg(items.size());
        return false;
    }
    std::vector<QByteArray> names;
    for (size_t i = 0; i < items.size(); i += 2) {
        if (!items[i].isString()) {
            reason = QStringLiteral("header name %1 must be a string, not %2").arg(i / 2 + 1).arg(items[i].kindName());
            return false;
        }
        names.push_back(JsonScanner::decodeString(items[i]));
    }
    out.clear();
    out.append('{');
    std::vector<bool> done(names.size(), false);
    for (size_t i = 0; i < names.size(); ++i) {
        if (done[i])
            continue;
        if (out.size() > 1)
            out.append(',');
        jsonutil::appendString(out, names[i]);
        out.append(':');
        size_t count = 0;
        for (size_t j = i; j < names.size(); ++j)
            count += names[j] == names[i];
        if (count == 1) {
            JsonScanner::appendCompact(out, items[2 * i + 1]);
        } else {
            // a repeated header keeps all its values, in order
            out.append('[');
            bool first = true;
            for (size_t j = i; j < names.size(); ++j) {
                if (names[j] != names[i])
                    continue;
                done[j] = true;
                if (!first)
                    out.append(',');
                first = false;
                JsonScanner::appendCompact(out, items[2 * j + 1]);
            }
            out.append(']');
        }
    }
    out.append('}');
    return true;
}

} // namespace

KcatParser::KcatParser()
    : JsonRecordParser(Container::Auto)
{
}

QString KcatParser::formatName() const
{
    return QStringLiteral("kcat");
}

QString KcatParser::description() const
{
    return QStringLiteral("kcat -J envelopes (Kafka records: key is the stream, payload the data)");
}

int KcatParser::detect(const QByteArray &head, const QString &fileName) const
{
    Q_UNUSED(fileName);
    const JsonHead h = JsonHeadSniffer::sniff(head);
    if (!h.isJson || !h.has("topic") || !h.has("partition") || !h.has("offset"))
        return 0;
    return h.has("payload") || h.has("key") ? 95 : 75;
}

void KcatParser::reset()
{
    m_types.clear();
    m_lastOffset.clear();
}

bool KcatParser::mapObject(const Element &element)
{
    const qint64 index = takeIndex();
    const JsonMember *topic = nullptr, *partition = nullptr, *offset = nullptr, *ts = nullptr, *headers = nullptr,
                     *key = nullptr, *payload = nullptr;
    for (const JsonMember &m : element.members) {
        if (m.keyIs("topic"))
            topic = &m;
        else if (m.keyIs("partition"))
            partition = &m;
        else if (m.keyIs("offset"))
            offset = &m;
        else if (m.keyIs("ts"))
            ts = &m;
        else if (m.keyIs("headers"))
            headers = &m;
        else if (m.keyIs("key"))
            key = &m;
        else if (m.keyIs("payload"))
            payload = &m;
    }
    auto fail = [&](const char *field, const QString &reason) {
        return emitIssue(element.line, index, QString::fromLatin1(field), reason);
    };
    QString reason;
    ImportRecord record;
    record.line = element.line;
    record.index = index;

    if (!topic || topic->value.isNull())
        return fail("topic", QStringLiteral("missing"));
    QString topicName;
    if (!JsonFields::text(topic->value, topicName, reason))
        return fail("topic", reason);
    if (!partition || partition->value.isNull())
        return fail("partition", QStringLiteral("missing"));
    const auto partitionNumber = JsonScanner::toInt64(partition->value);
    if (!partitionNumber || *partitionNumber < 0)
        return fail("partition", QStringLiteral("must be a non-negative integer, not %1").arg(QString::fromUtf8(partition->value.raw())));
    if (!offset || offset->value.isNull())
        return fail("offset", QStringLiteral("missing"));
    const auto offsetNumber = JsonScanner::toInt64(offset->value);
    if (!offsetNumber || *offsetNumber < 0)
        return fail("offset", QStringLiteral("must be a non-negative integer, not %1").arg(QString::fromUtf8(offset->value.raw())));

    // stream: the key, else <topic>-<partition>
    if (key && key->value.isString() && key->value.size > 2)
        record.stream = JsonScanner::toQString(key->value);
    else if (key && !key->value.isNull() && !key->value.isString())
        record.stream = QString::fromUtf8(JsonScanner::compact(key->value));
    else
        record.stream = topicName + u'-' + QString::number(*partitionNumber);

    // payload: JSON when it is JSON, else raw bytes
    record.event.data = QByteArrayLiteral("null");
    JsonValue payloadJson;
    bool payloadIsJson = false;
    QByteArray decodedPayload;
    if (payload && payload->value.isString()) {
        decodedPayload = JsonScanner::decodeString(payload->value);
        JsonScanError error;
        if (JsonScanner::scanValue(decodedPayload, payloadJson, error) == JsonScanner::Status::Ok) {
            record.event.data = JsonScanner::compact(payloadJson);
            payloadIsJson = true;
        } else {
            record.event.data = decodedPayload;
            record.event.dataIsJson = false;
        }
    } else if (payload && !payload->value.isNull()) {
        payloadJson = payload->value; // deserialized by kcat (-s avro): already JSON
        record.event.data = JsonScanner::compact(payloadJson);
        payloadIsJson = true;
    }
    if (payloadIsJson && payloadJson.isObject()) {
        for (const JsonMember &m : JsonScanner::members(payloadJson)) {
            if ((m.keyIs("type") || m.keyIs("eventType")) && m.value.isString() && m.value.size > 2) {
                record.event.type = m_types.intern(JsonScanner::decodeString(m.value));
                break;
            }
        }
    }
    if (record.event.type.isEmpty())
        record.event.type = topicName;

    if (ts && !ts->value.isNull()) {
        const auto ms = JsonScanner::toInt64(ts->value);
        if (!ms)
            return fail("ts", QStringLiteral("must be a timestamp in milliseconds, not %1").arg(QString::fromUtf8(ts->value.raw())));
        if (*ms > 0)
            record.event.timeMs = *ms;
    }

    QByteArray headerObject;
    if (headers && !headersToObject(headers->value, headerObject, reason))
        return fail("headers", reason);

    // offsets of one stream (within its partition) must increase
    const QString offsetKey = record.stream + QChar(u'\x1f') + topicName + QChar(u'\x1f') + QString::number(*partitionNumber);
    auto it = m_lastOffset.find(offsetKey);
    if (it != m_lastOffset.end() && *offsetNumber < *it) {
        return fail("offset", QStringLiteral("offset %1 comes after offset %2 of stream '%3' in %4-%5: the dump is not "
                                             "in offset order")
                                  .arg(*offsetNumber)
                                  .arg(*it)
                                  .arg(record.stream, topicName)
                                  .arg(*partitionNumber));
    }
    if (it == m_lastOffset.end())
        m_lastOffset.insert(offsetKey, *offsetNumber);
    else
        *it = *offsetNumber;

    record.event.id = QUuid::createUuidV5(kKafkaNamespace, topicName.toUtf8() + '/' + QByteArray::number(*partitionNumber)
                                                               + '/' + QByteArray::number(*offsetNumber))
                          .toString(QUuid::WithoutBraces);

    QByteArray meta;
    meta.reserve(64 + headerObject.size());
    meta.append("{\"topic\":");
    jsonutil::appendString(meta, topicName.toUtf8());
    meta.append(",\"partition\":");
    meta.append(QByteArray::number(*partitionNumber));
    meta.append(",\"offset\":");
    meta.append(QByteArray::number(*offsetNumber));
    if (!headerObject.isEmpty()) {
        meta.append(",\"headers\":");
        meta.append(headerObject);
    }
    meta.append('}');
    record.event.metadata = std::move(meta);
    return emitRecord(std::move(record));
}

} // namespace eventlens

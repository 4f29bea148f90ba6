#include "csvparser.h"

#include "chunkreader.h"
#include "csvreader.h"
#include "jsonfields.h"
#include "jsonscanner.h"
#include "jsonutil.h"
#include "timeutil.h"

#include <QIODevice>

namespace eventlens {

namespace {

QByteArray normalized(QByteArrayView cell)
{
    QByteArray out;
    out.reserve(cell.size());
    for (const char c : cell) {
        if (c == ' ' || c == '\t' || c == '_' || c == '-' || c == '\r')
            continue;
        out.append(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return out;
}

// Splits the first line of a head into header cells (quotes respected, no line breaks).
std::vector<QByteArray> headerCells(const QByteArray &head)
{
    std::vector<QByteArray> cells;
    QByteArray cell;
    bool quoted = false;
    qsizetype i = head.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    for (; i < head.size(); ++i) {
        const char c = head[i];
        if (quoted) {
            if (c == '"' && i + 1 < head.size() && head[i + 1] == '"') {
                cell.append('"');
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell.append(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            cells.push_back(cell);
            cell.clear();
        } else if (c == '\n') {
            break;
        } else {
            cell.append(c);
        }
    }
    cells.push_back(cell);
    return cells;
}

} // namespace

CsvParser::Column CsvParser::classify(QByteArrayView headerCell)
{
    const QByteArray n = normalized(headerCell);
    static const struct
    {
        const char *name;
        Column column;
    } names[] = {
        {"aggregateid", Column::Stream}, {"stream", Column::Stream}, {"streamid", Column::Stream},
        {"streamname", Column::Stream}, {"aggregate", Column::Stream}, {"originatorid", Column::Stream},
        {"eventstreamid", Column::Stream},
        {"eventtype", Column::Type}, {"type", Column::Type},
        {"payload", Column::Data}, {"data", Column::Data}, {"body", Column::Data},
        {"metadata", Column::Metadata}, {"meta", Column::Metadata},
        {"version", Column::Version}, {"eventnumber", Column::Version}, {"sequencenumber", Column::Version},
        {"streamposition", Column::Version}, {"aggregateversion", Column::Version},
        {"eventid", Column::Id}, {"id", Column::Id},
        {"timestamp", Column::Time}, {"time", Column::Time}, {"created", Column::Time},
        {"occurredat", Column::Time}, {"createdat", Column::Time},
        {"dataencoding", Column::DataEncoding},
    };
    for (const auto &entry : names) {
        if (n == entry.name)
            return entry.column;
    }
    return Column::Other;
}

QString CsvParser::formatName() const
{
    return QStringLiteral("csv");
}

QString CsvParser::description() const
{
    return QStringLiteral("CSV with a header row: Event ID, Aggregate ID, Event Type, Payload, Timestamp");
}

int CsvParser::detect(const QByteArray &head, const QString &fileName) const
{
    const bool extension = fileName.endsWith(u".csv", Qt::CaseInsensitive);
    qsizetype i = head.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        ++i;
    if (i < head.size() && (head[i] == '{' || head[i] == '['))
        return 0;
    const std::vector<QByteArray> cells = headerCells(head.mid(i));
    if (cells.size() < 2)
        return 0;
    bool stream = false, type = false;
    for (const QByteArray &cell : cells) {
        const Column c = classify(cell);
        stream = stream || c == Column::Stream;
        type = type || c == Column::Type;
    }
    if (stream && type)
        return extension ? 95 : 90;
    return extension ? 40 : 0;
}

ParseResult CsvParser::parse(QIODevice &device, const QString &fileName, const RecordFn &onRecord,
                             const IssueFn &onIssue, const ParseProgressFn &progress,
                             const std::atomic_bool *cancel)
{
    m_columns.clear();
    m_encodingColumn = -1;
    m_headers.clear();
    m_headerKeys.clear();
    m_types.clear();
    m_lastStream.clear();
    m_lastStreamRaw.clear();

    ParseResult result;
    ChunkReader reader(device, progress, cancel);
    reader.skipBom();
    CsvReader csv(reader);
    bool stopped = false;
    auto issue = [&](qint64 line, qint64 index, const QString &field, const QString &reason, IssueSeverity severity) {
        ++result.issues;
        if (!onIssue(ImportIssue{fileName, line, index, field, reason}, severity))
            stopped = true;
    };
    auto done = [&](ParseResult::Status status) {
        result.status = stopped && status == ParseResult::Status::Completed ? ParseResult::Status::Stopped : status;
        result.bytesRead = reader.bytesRead();
        return result;
    };

    // header
    CsvReader::Result r;
    do {
        r = csv.next();
    } while (r == CsvReader::Result::Record && csv.isBlank());
    if (r != CsvReader::Result::Record) {
        issue(csv.line(), -1, {}, r == CsvReader::Result::Error ? csv.errorMessage() : QStringLiteral("no header row"),
              IssueSeverity::File);
        return done(ParseResult::Status::Failed);
    }
    const qint64 headerLine = csv.line();
    bool hasStream = false, hasType = false;
    for (const QByteArrayView cell : csv.fields()) {
        Column c = classify(cell);
        // the first column of a kind wins; later duplicates are kept in the metadata
        for (const Column existing : m_columns) {
            if (c != Column::Other && existing == c)
                c = Column::Other;
        }
        if (c == Column::DataEncoding)
            m_encodingColumn = static_cast<qsizetype>(m_columns.size());
        m_columns.push_back(c);
        m_headers.append(QString::fromUtf8(cell));
        QByteArray key;
        jsonutil::appendString(key, cell.toByteArray());
        m_headerKeys.push_back(key);
        hasStream = hasStream || c == Column::Stream;
        hasType = hasType || c == Column::Type;
    }
    if (!hasStream || !hasType) {
        issue(headerLine, -1, {},
              QStringLiteral("header row has no %1 column (expected a header like \"Event ID, Aggregate ID, "
                             "Event Type, Payload, Timestamp\")")
                  .arg(!hasStream ? QStringLiteral("stream ('Aggregate ID')") : QStringLiteral("type ('Event Type')")),
              IssueSeverity::File);
        return done(ParseResult::Status::Failed);
    }

    qint64 index = 0;
    for (;;) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return done(ParseResult::Status::Cancelled);
        r = csv.next();
        if (r == CsvReader::Result::End)
            break;
        if (r == CsvReader::Result::Error) {
            issue(csv.line(), index, {}, csv.errorMessage(), IssueSeverity::Fatal);
            return done(ParseResult::Status::Failed);
        }
        if (csv.isBlank())
            continue;
        ImportRecord record;
        QString field, reason;
        const qint64 i = index++;
        if (mapRecord(csv, i, record, field, reason)) {
            ++result.records;
            if (!onRecord(std::move(record)))
                stopped = true;
        } else {
            issue(csv.line(), i, field, reason, IssueSeverity::Record);
        }
        if (stopped)
            break;
    }
    if (reader.hasError() && !stopped) {
        issue(csv.line(), -1, {}, QStringLiteral("read error: %1").arg(reader.errorString()), IssueSeverity::Fatal);
        return done(ParseResult::Status::Failed);
    }
    return done(ParseResult::Status::Completed);
}

bool CsvParser::mapRecord(const CsvReader &csv, qint64 index, ImportRecord &record, QString &field, QString &reason)
{
    const std::vector<QByteArrayView> &fields = csv.fields();
    if (!csv.fieldError().isEmpty()) {
        reason = csv.fieldError();
        return false;
    }
    if (fields.size() != m_columns.size()) {
        reason = QStringLiteral("expected %1 fields (as in the header), found %2").arg(m_columns.size()).arg(fields.size());
        return false;
    }
    record.line = csv.line();
    record.index = index;
    enum class Encoding { Auto, Json, Text, Base64 } encoding = Encoding::Auto;
    if (m_encodingColumn >= 0) {
        const QByteArray name = fields[static_cast<size_t>(m_encodingColumn)].toByteArray().toLower();
        if (name == "json") {
            encoding = Encoding::Json;
        } else if (name == "text") {
            encoding = Encoding::Text;
        } else if (name == "base64") {
            encoding = Encoding::Base64;
        } else if (!name.isEmpty()) {
            field = m_headers.at(m_encodingColumn);
            reason = QStringLiteral("must be json, text or base64, not '%1'").arg(QString::fromUtf8(name));
            return false;
        }
    }
    std::vector<size_t> otherColumns;
    QByteArrayView metadataText;
    size_t metadataColumn = 0;
    for (size_t c = 0; c < fields.size(); ++c) {
        const QByteArrayView value = fields[c];
        auto fail = [&](const QString &why) {
            field = m_headers.at(static_cast<qsizetype>(c));
            reason = why;
            return false;
        };
        switch (m_columns[c]) {
        case Column::Stream:
            if (value.isEmpty())
                return fail(QStringLiteral("missing"));
            if (value == m_lastStreamRaw) {
                record.stream = m_lastStream;
            } else {
                record.stream = QString::fromUtf8(value);
                m_lastStream = record.stream;
                m_lastStreamRaw = value.toByteArray();
            }
            break;
        case Column::Type:
            if (value.isEmpty())
                return fail(QStringLiteral("missing"));
            record.event.type = m_types.intern(value);
            break;
        case Column::Id:
            if (!value.isEmpty())
                record.event.id = QString::fromUtf8(value);
            break;
        case Column::Version:
            if (!value.isEmpty()) {
                bool ok = false;
                const qint64 v = value.toLongLong(&ok);
                if (!ok || v < 0)
                    return fail(QStringLiteral("must be a non-negative integer, not '%1'").arg(QString::fromUtf8(value)));
                record.version = v;
            }
            break;
        case Column::Time:
            if (!value.isEmpty()) {
                record.event.timeMs = timeutil::parseIso(QByteArray::fromRawData(value.data(), value.size()));
                if (!record.event.timeMs)
                    record.event.timeMs = timeutil::parseTimeValue(QString::fromUtf8(value));
                if (!record.event.timeMs)
                    return fail(QStringLiteral("not a valid time: '%1' (expected ISO 8601 or Unix seconds/milliseconds)")
                                    .arg(QString::fromUtf8(value)));
            }
            break;
        case Column::Data:
            if (encoding == Encoding::Text) {
                record.event.data = value.toByteArray(); // the cell as it is, kept as raw bytes
                record.event.dataIsJson = false;
                break;
            }
            if (encoding == Encoding::Base64) {
                const auto decoded = QByteArray::fromBase64Encoding(value.toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
                if (!decoded)
                    return fail(QStringLiteral("invalid base64"));
                record.event.data = *decoded;
                record.event.dataIsJson = false;
                break;
            }
            if (value.isEmpty())
                break;
            {
                JsonValue json;
                JsonScanError error;
                if (JsonScanner::scanValue(value, json, error) == JsonScanner::Status::Ok) {
                    record.event.data = JsonScanner::compact(json);
                } else if (encoding == Encoding::Json || JsonFields::looksLikeContainer(value) || value.startsWith('"')) {
                    return fail(QStringLiteral("invalid JSON: %1")
                                    .arg(JsonScanner::describe(value, error, value.contains('\n'))));
                } else {
                    record.event.data = value.toByteArray(); // not JSON: kept as raw bytes
                    record.event.dataIsJson = false;
                }
            }
            break;
        case Column::Metadata:
            if (!value.isEmpty()) {
                JsonValue json;
                JsonScanError error;
                const JsonScanner::Status status = JsonScanner::scanValue(value, json, error);
                if (status != JsonScanner::Status::Ok)
                    return fail(QStringLiteral("invalid JSON: %1")
                                    .arg(JsonScanner::describe(value, error, value.contains('\n'))));
                if (!json.isObject())
                    return fail(QStringLiteral("must be a JSON object, not %1").arg(json.kindName()));
                metadataText = value;
                metadataColumn = c + 1;
            }
            break;
        case Column::DataEncoding:
            break;
        case Column::Other:
            if (!value.isEmpty())
                otherColumns.push_back(c);
            break;
        }
    }
    std::vector<JsonMember> metaMembers;
    if (metadataColumn) {
        JsonScanError error;
        JsonScanner::scanObject(metadataText, metaMembers, error);
        JsonValue json;
        JsonScanner::scanValue(metadataText, json, error);
        record.event.metadata = JsonScanner::compact(json);
    }
    QByteArray others;
    for (const size_t c : otherColumns) {
        const QByteArray name = m_headers.at(static_cast<qsizetype>(c)).toUtf8();
        bool duplicate = false;
        for (const JsonMember &m : metaMembers)
            duplicate = duplicate || m.decodedKey() == name;
        if (duplicate)
            continue;
        if (!others.isEmpty())
            others.append(',');
        others.append(m_headerKeys[c]);
        others.append(':');
        jsonutil::appendString(others, fields[c].toByteArray());
    }
    if (!others.isEmpty()) {
        QByteArray &meta = record.event.metadata;
        if (meta.size() <= 2) {
            meta = '{' + others + '}';
        } else {
            meta.chop(1);
            meta.append(',');
            meta.append(others);
            meta.append('}');
        }
    }
    return true;
}

} // namespace eventlens

#pragma once

#include "eventparser.h"
#include "typecache.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace eventlens {

class CsvReader;

// CSV with a header row, as in "Event ID, Aggregate ID, Event Type, Payload, Timestamp".
// Header names are matched without regard to case, spaces, '_' and '-', and the JSON field
// names are accepted too (stream, type, data, metadata, version, id, time and their synonyms).
// Payload is JSON text (a payload that is not JSON and does not look like JSON is kept as raw
// bytes); Timestamp is ISO 8601 or Unix seconds (below 10^11) or milliseconds; an empty
// cell is a missing value. An optional data_encoding column says how to read the payload:
// json (it must be JSON), text (raw bytes, the cell as it is, even when it looks like JSON or
// is empty) or base64 (raw bytes, base64-encoded); an empty cell reads it as described above.
// Other columns are kept in the metadata as strings.
class CsvParser final : public EventParser
{
public:
    QString formatName() const override;
    QString description() const override;
    int detect(const QByteArray &head, const QString &fileName) const override;
    ParseResult parse(QIODevice &device, const QString &fileName, const RecordFn &onRecord,
                      const IssueFn &onIssue, const ParseProgressFn &progress = {},
                      const std::atomic_bool *cancel = nullptr) override;

    enum class Column { Stream, Type, Data, Metadata, Version, Id, Time, DataEncoding, Other };
    // The field a header cell names.
    static Column classify(QByteArrayView headerCell);

private:
    bool mapRecord(const CsvReader &csv, qint64 index, ImportRecord &record, QString &field, QString &reason);

    std::vector<Column> m_columns;
    qsizetype m_encodingColumn = -1; // the data_encoding column, -1 when none
    QStringList m_headers;
    std::vector<QByteArray> m_headerKeys; // JSON-escaped header names for the metadata
    TypeCache m_types;
    QString m_lastStream;
    QByteArray m_lastStreamRaw;
};

} // namespace eventlens

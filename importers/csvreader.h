#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QtGlobal>

#include <vector>

namespace eventlens {

class ChunkReader;

// Streaming RFC 4180 record reader: fields separated by ',', records by LF or CRLF, fields
// optionally quoted with '"' (a doubled quote inside is one quote; commas and line breaks
// inside quotes belong to the field). Whitespace around fields is trimmed (quoted content is
// kept as is). Reads one record at a time from a ChunkReader.
class CsvReader final
{
public:
    enum class Result { Record, End, Error };

    explicit CsvReader(ChunkReader &reader);

    // The next record. Its fields stay valid until the next call. On Error (unterminated
    // quote, record too large) errorMessage() says why; nothing after it can be read.
    Result next();

    const std::vector<QByteArrayView> &fields() const { return m_fields; }
    qint64 line() const { return m_recordLine; }       // line where the record starts
    bool isBlank() const;                               // an empty line
    // Non-empty when a field had text after its closing quote: "field 3: ..."
    const QString &fieldError() const { return m_fieldError; }
    QString errorMessage() const { return m_error; }

private:
    ChunkReader &m_reader;
    QByteArray m_storage;
    std::vector<qsizetype> m_bounds;   // start offsets of the fields in m_storage, then the end
    std::vector<QByteArrayView> m_fields;
    qint64 m_line = 1;
    qint64 m_recordLine = 1;
    QString m_fieldError;
    QString m_error;
    bool m_done = false;
};

} // namespace eventlens

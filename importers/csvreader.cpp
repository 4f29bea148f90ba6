#include "csvreader.h"

#include "chunkreader.h"

namespace eventlens {

CsvReader::CsvReader(ChunkReader &reader)
    : m_reader(reader)
{
}

bool CsvReader::isBlank() const
{
    return m_fields.size() == 1 && m_fields.front().isEmpty() && m_fieldError.isEmpty();
}

CsvReader::Result CsvReader::next()
{
    enum class State { FieldStart, Unquoted, Quoted, QuoteInQuoted, AfterQuoted };
    if (m_done)
        return Result::End;
    m_storage.clear();
    m_bounds.clear();
    m_fields.clear();
    m_fieldError.clear();
    m_recordLine = m_line;

    State state = State::FieldStart;
    qsizetype fieldStart = 0;     // in m_storage
    qsizetype unquotedEnd = 0;    // end of the last non-space byte of an unquoted field
    qint64 quoteLine = m_line;
    bool any = false;             // the record has at least one byte
    m_bounds.push_back(0);

    auto endField = [&]() {
        if (state == State::Unquoted)
            m_storage.truncate(unquotedEnd); // trailing spaces of an unquoted field
        m_bounds.push_back(m_storage.size());
        fieldStart = m_storage.size();
    };
    auto finishRecord = [&]() {
        // trailing '\r' of a CRLF line ending in an unquoted field was trimmed as space? handle here
        endField();
        for (size_t i = 0; i + 1 < m_bounds.size(); ++i)
            m_fields.emplace_back(m_storage.constData() + m_bounds[i], m_bounds[i + 1] - m_bounds[i]);
        return Result::Record;
    };

    for (;;) {
        if (m_reader.size() == 0 && !m_reader.readMore()) {
            if (m_reader.hasError()) {
                m_error = QStringLiteral("read error: %1").arg(m_reader.errorString());
                m_done = true;
                return Result::Error;
            }
            m_done = true;
            if (state == State::Quoted) {
                m_error = QStringLiteral("unterminated quoted field: the quote opened on line %1 is never closed")
                              .arg(quoteLine);
                return Result::Error;
            }
            if (!any)
                return Result::End;
            return finishRecord();
        }
        const char *d = m_reader.data();
        const qsizetype n = m_reader.size();
        qsizetype i = 0;
        for (; i < n; ++i) {
            const char c = d[i];
            switch (state) {
            case State::FieldStart:
                any = true;
                if (c == ' ' || c == '\t' || c == '\r') {
                    break;
                } else if (c == '"') {
                    state = State::Quoted;
                    quoteLine = m_line;
                } else if (c == ',') {
                    endField();
                } else if (c == '\n') {
                    m_reader.consume(i + 1);
                    ++m_line;
                    return finishRecord();
                } else {
                    state = State::Unquoted;
                    m_storage.append(c);
                    unquotedEnd = m_storage.size();
                }
                break;
            case State::Unquoted: {
                // copy a run of plain bytes at once
                qsizetype j = i;
                while (j < n && d[j] != ',' && d[j] != '\n')
                    ++j;
                for (qsizetype k = i; k < j; ++k) {
                    m_storage.append(d[k]);
                    if (d[k] != ' ' && d[k] != '\t' && d[k] != '\r')
                        unquotedEnd = m_storage.size();
                }
                i = j;
                if (i >= n)
                    break;
                if (d[i] == ',') {
                    endField();
                    state = State::FieldStart;
                } else {
                    m_reader.consume(i + 1);
                    ++m_line;
                    return finishRecord();
                }
                break;
            }
            case State::Quoted: {
                qsizetype j = i;
                while (j < n && d[j] != '"') {
                    if (d[j] == '\n')
                        ++m_line;
                    ++j;
                }
                m_storage.append(d + i, j - i);
                i = j;
                if (i < n)
                    state = State::QuoteInQuoted;
                break;
            }
            case State::QuoteInQuoted:
                if (c == '"') {
                    m_storage.append('"');
                    state = State::Quoted;
                } else if (c == ',') {
                    endField();
                    state = State::FieldStart;
                } else if (c == '\n') {
                    m_reader.consume(i + 1);
                    ++m_line;
                    state = State::AfterQuoted;
                    return finishRecord();
                } else if (c == ' ' || c == '\t' || c == '\r') {
                    state = State::AfterQuoted;
                } else {
                    state = State::AfterQuoted;
                    if (m_fieldError.isEmpty())
                        m_fieldError = QStringLiteral("field %1: text after the closing quote").arg(m_bounds.size());
                }
                break;
            case State::AfterQuoted:
                if (c == ',') {
                    endField();
                    state = State::FieldStart;
                } else if (c == '\n') {
                    m_reader.consume(i + 1);
                    ++m_line;
                    return finishRecord();
                } else if (c != ' ' && c != '\t' && c != '\r' && m_fieldError.isEmpty()) {
                    m_fieldError = QStringLiteral("field %1: text after the closing quote").arg(m_bounds.size());
                }
                break;
            }
        }
        m_reader.consume(n);
        if (m_storage.size() > ChunkReader::MaxRecordSize) {
            m_done = true;
            m_error = state == State::Quoted
                ? QStringLiteral("unterminated quoted field: the quote opened on line %1 is never closed").arg(quoteLine)
                : QStringLiteral("record is larger than %1 MiB").arg(ChunkReader::MaxRecordSize >> 20);
            return Result::Error;
        }
    }
}

} // namespace eventlens

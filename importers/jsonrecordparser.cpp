#include "jsonrecordparser.h"

#include "chunkreader.h"
#include "jsonvaluesplitter.h"

#include <QIODevice>

namespace eventlens {

namespace {

bool isBlank(QByteArrayView line)
{
    for (const char c : line) {
        if (c != ' ' && c != '\t' && c != '\r')
            return false;
    }
    return true;
}

// Whether the first line holds one complete object (string-aware brace depth returns to 0).
bool firstLineIsWholeObject(QByteArrayView line)
{
    int depth = 0;
    bool inString = false;
    bool started = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
            started = true;
        } else if (c == '}' || c == ']') {
            if (--depth == 0 && started) {
                for (qsizetype k = i + 1; k < line.size(); ++k) {
                    if (line[k] != ' ' && line[k] != '\t' && line[k] != '\r')
                        return false; // more on the same line: a sequence, not JSON Lines
                }
                return true;
            }
        }
    }
    return false;
}

// JSON Lines when the first non-blank line holds one whole object; looks ahead without consuming.
bool startsWithJsonLines(ChunkReader &reader)
{
    qsizetype i = 0;
    for (;;) {
        while (i < reader.size()) {
            const char c = reader.data()[i];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
                break;
            ++i;
        }
        if (i < reader.size())
            break;
        if (i > ChunkReader::MaxRecordSize || !reader.readMore())
            return false;
    }
    if (reader.data()[i] != '{')
        return false;
    qsizetype end = i;
    for (;;) {
        while (end < reader.size() && reader.data()[end] != '\n')
            ++end;
        if (end < reader.size() || end - i > ChunkReader::MaxRecordSize || !reader.readMore())
            break;
    }
    return firstLineIsWholeObject(QByteArrayView(reader.data() + i, end - i));
}

} // namespace

JsonRecordParser::Container JsonRecordParser::chooseContainer(ChunkReader &reader)
{
    return startsWithJsonLines(reader) ? Container::Lines : Container::Values;
}

JsonRecordParser::JsonRecordParser(Container container)
    : m_container(container)
{
}

bool JsonRecordParser::isCancelled() const
{
    return m_cancel && m_cancel->load(std::memory_order_relaxed);
}

bool JsonRecordParser::emitRecord(ImportRecord &&record)
{
    ++m_records;
    if (!(*m_onRecord)(std::move(record)))
        m_stopped = true;
    return !m_stopped;
}

bool JsonRecordParser::emitIssue(qint64 line, qint64 index, const QString &field, const QString &reason,
                                 IssueSeverity severity)
{
    ++m_issues;
    if (severity != IssueSeverity::Record)
        m_failed = true;
    ImportIssue issue{m_fileName, line, index, field, reason};
    if (!(*m_onIssue)(issue, severity))
        m_stopped = true;
    return !m_stopped && severity == IssueSeverity::Record;
}

qint64 JsonRecordParser::lineAt(const Element &element, const char *at)
{
    qint64 line = element.line;
    for (const char *p = element.text.data(); p < at; ++p) {
        if (*p == '\n')
            ++line;
    }
    return line;
}

bool JsonRecordParser::handleElement(QByteArrayView text, qint64 line, bool lineMode)
{
    JsonScanError error;
    const JsonScanner::Status status = JsonScanner::scanObject(text, m_members, error);
    if (status == JsonScanner::Status::Ok)
        return mapObject(Element{text, m_members, line});
    const qint64 index = takeIndex();
    if (status == JsonScanner::Status::SyntaxError) {
        qint64 l = 0, column = 0;
        JsonScanner::position(text, error.offset, l, column);
        Q_UNUSED(lineMode);
        return emitIssue(line + l - 1, index, {},
                         QStringLiteral("JSON syntax error at column %1: %2").arg(column).arg(error.message));
    }
    JsonValue value;
    JsonScanner::scanValue(text, value, error);
    return emitIssue(line, index, {}, QStringLiteral("not a JSON object (found %1)").arg(value.kindName()));
}

ParseResult JsonRecordParser::finishResult(ParseResult::Status status, const ChunkReader &reader)
{
    ParseResult result;
    result.status = status;
    result.records = m_records;
    result.issues = m_issues;
    result.bytesRead = reader.bytesRead();
    return result;
}

ParseResult JsonRecordParser::parseLines(ChunkReader &reader)
{
    QByteArrayView line;
    for (;;) {
        if (isCancelled())
            return finishResult(ParseResult::Status::Cancelled, reader);
        const ChunkReader::LineStatus status = reader.nextLine(line);
        if (status == ChunkReader::LineStatus::End)
            break;
        if (status == ChunkReader::LineStatus::TooLong) {
            emitIssue(reader.lineNumber() + 1, takeIndex(), {},
                      QStringLiteral("line is longer than %1 MiB (is this really JSON Lines?)")
                          .arg(ChunkReader::MaxRecordSize >> 20),
                      IssueSeverity::Fatal);
            return finishResult(ParseResult::Status::Failed, reader);
        }
        if (isBlank(line))
            continue;
        if (!handleElement(line, reader.lineNumber(), true))
            break;
    }
    if (reader.hasError() && !m_stopped) {
        emitIssue(reader.lineNumber(), -1, {}, QStringLiteral("read error: %1").arg(reader.errorString()),
                  IssueSeverity::Fatal);
    }
    if (!m_stopped && !m_failed)
        finish();
    if (m_failed)
        return finishResult(ParseResult::Status::Failed, reader);
    return finishResult(m_stopped ? ParseResult::Status::Stopped : ParseResult::Status::Completed, reader);
}

ParseResult JsonRecordParser::parseValues(ChunkReader &reader)
{
    JsonValueSplitter splitter(reader);
    QByteArrayView text;
    qint64 line = 0;
    for (;;) {
        if (isCancelled())
            return finishResult(ParseResult::Status::Cancelled, reader);
        const JsonValueSplitter::Result result = splitter.next(text, line);
        if (result == JsonValueSplitter::Result::End)
            break;
        if (result == JsonValueSplitter::Result::Error) {
            emitIssue(splitter.errorLine(), -1, {}, splitter.errorMessage(), IssueSeverity::Fatal);
            break;
        }
        if (!handleElement(text, line, false))
            break;
    }
    if (!m_stopped && !m_failed)
        finish();
    if (m_failed)
        return finishResult(ParseResult::Status::Failed, reader);
    return finishResult(m_stopped ? ParseResult::Status::Stopped : ParseResult::Status::Completed, reader);
}

ParseResult JsonRecordParser::parse(QIODevice &device, const QString &fileName, const RecordFn &onRecord,
                                    const IssueFn &onIssue, const ParseProgressFn &progress,
                                    const std::atomic_bool *cancel)
{
    m_fileName = fileName;
    m_onRecord = &onRecord;
    m_onIssue = &onIssue;
    m_cancel = cancel;
    m_nextIndex = 0;
    m_records = 0;
    m_issues = 0;
    m_stopped = false;
    m_failed = false;
    reset();

    ChunkReader reader(device, progress, cancel);
    reader.skipBom();
    Container container = m_container;
    if (container == Container::Auto)
        container = chooseContainer(reader);
    ParseResult result = container == Container::Lines ? parseLines(reader) : parseValues(reader);
    m_onRecord = nullptr;
    m_onIssue = nullptr;
    return result;
}

} // namespace eventlens

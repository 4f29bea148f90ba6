#include "jsonvaluesplitter.h"

#include "chunkreader.h"

#include <array>

namespace eventlens {

namespace {

QString describeByte(char ch)
{
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f)
        return QStringLiteral("'%1'").arg(QLatin1Char(static_cast<char>(c)));
    return QStringLiteral("byte 0x%1").arg(c, 2, 16, QChar(u'0'));
}

inline bool isDelimiter(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}' || c == '['
        || c == '{' || c == '"';
}

} // namespace

JsonValueSplitter::JsonValueSplitter(ChunkReader &reader)
    : m_reader(reader)
{
}

JsonValueSplitter::Result JsonValueSplitter::fail(const QString &message)
{
    m_errorLine = m_line;
    m_errorMessage = message;
    m_state = State::Finished;
    return Result::Error;
}

qsizetype JsonValueSplitter::scanValue()
{
    // Resumable over reads: all offsets are relative to the window start, which does not
    // move while the value is scanned (nothing is consumed).
    // Bytes that matter inside a string / inside a container outside strings.
    static constexpr auto stringStops = [] {
        std::array<bool, 256> t{};
        t['"'] = t['\\'] = t['\n'] = true;
        return t;
    }();
    static constexpr auto structureStops = [] {
        std::array<bool, 256> t{};
        t['"'] = t['{'] = t['}'] = t['['] = t[']'] = t['\n'] = true;
        return t;
    }();
    int depth = 0;
    bool inString = false;
    qsizetype i = 0;
    const char first = m_reader.data()[0];
    const bool container = first == '{' || first == '[';
    const bool string = first == '"';
    for (;;) {
        const char *d = m_reader.data();
        const qsizetype n = m_reader.size();
        while (i < n) {
            if (inString) {
                while (i < n && !stringStops[static_cast<unsigned char>(d[i])])
                    ++i;
                if (i >= n)
                    break;
                const char c = d[i];
                if (c == '"') {
                    inString = false;
                    ++i;
                    if (string)
                        return i;
                    continue;
                }
                if (c == '\\') {
                    if (i + 1 >= n)
                        break; // need the escaped byte
                    i += 2;
                    continue;
                }
                ++m_line; // '\n' (invalid in a string; validation reports it)
                ++i;
                continue;
            }
            if (!container && !string) {
                if (isDelimiter(d[i]))
                    return i;
                ++i;
                continue;
            }
            while (i < n && !structureStops[static_cast<unsigned char>(d[i])])
                ++i;
            if (i >= n)
                break;
            switch (d[i]) {
            case '"':
                inString = true;
                break;
            case '{':
            case '[':
                ++depth;
                break;
            case '}':
            case ']':
                if (--depth == 0)
                    return i + 1;
                break;
            default: // '\n'
                ++m_line;
                break;
            }
            ++i;
        }
        if (n > ChunkReader::MaxRecordSize)
            return -2;
        if (!m_reader.readMore())
            return !container && !string && n > 0 ? n : -1;
    }
}

JsonValueSplitter::Result JsonValueSplitter::next(QByteArrayView &text, qint64 &line)
{
    if (m_pendingConsume) {
        m_reader.consume(m_pendingConsume);
        m_pendingConsume = 0;
    }
    for (;;) {
        if (m_state == State::Finished)
            return Result::End;
        if (m_reader.size() == 0 && !m_reader.readMore()) {
            if (m_reader.hasError())
                return fail(QStringLiteral("read error: %1").arg(m_reader.errorString()));
            switch (m_state) {
            case State::ArrayFirst:
            case State::ArrayAfterValue:
            case State::ArrayNeedValue:
                return fail(QStringLiteral("unexpected end of file: the array is not closed (missing ']')"));
            default:
                m_state = State::Finished;
                return Result::End;
            }
        }
        const char c = m_reader.data()[0];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (c == '\n')
                ++m_line;
            m_reader.consume(1);
            continue;
        }
        switch (m_state) {
        case State::Start:
            if (c == '[') {
                m_array = true;
                m_state = State::ArrayFirst;
                m_reader.consume(1);
                continue;
            }
            m_state = State::Sequence;
            break;
        case State::ArrayFirst:
            if (c == ']') {
                m_state = State::Done;
                m_reader.consume(1);
                continue;
            }
            break;
        case State::ArrayAfterValue:
            if (c == ',') {
                m_state = State::ArrayNeedValue;
                m_reader.consume(1);
                continue;
            }
            if (c == ']') {
                m_state = State::Done;
                m_reader.consume(1);
                continue;
            }
            return fail(QStringLiteral("expected ',' or ']' after element %1 of the array, found %2")
                            .arg(m_elements)
                            .arg(describeByte(c)));
        case State::ArrayNeedValue:
            if (c == ']')
                return fail(QStringLiteral("trailing comma before ']' (no element after ',')"));
            if (c == ',')
                return fail(QStringLiteral("unexpected ',' (empty element in the array)"));
            break;
        case State::Done:
            return fail(QStringLiteral("unexpected %1 after the closing ']' of the array").arg(describeByte(c)));
        case State::Sequence:
            break;
        case State::Finished:
            return Result::End;
        }
        // a value starts here
        if (c == ',' || c == ']' || c == '}' || c == ':')
            return fail(QStringLiteral("unexpected %1 where a value should start").arg(describeByte(c)));
        line = m_line;
        const qint64 startLine = m_line;
        const qsizetype length = scanValue();
        if (length == -2) {
            m_line = startLine;
            return fail(QStringLiteral("element %1 is larger than %2 MiB (not a record?)")
                            .arg(m_elements + 1)
                            .arg(ChunkReader::MaxRecordSize >> 20));
        }
        ++m_elements;
        if (length == -1) {
            // incomplete: hand over what there is, the caller's validation names the problem
            text = m_reader.window();
            m_pendingConsume = m_reader.size();
            m_state = State::Finished;
            return Result::Value;
        }
        text = QByteArrayView(m_reader.data(), length);
        m_pendingConsume = length;
        if (m_state != State::Sequence)
            m_state = State::ArrayAfterValue;
        return Result::Value;
    }
}

} // namespace eventlens

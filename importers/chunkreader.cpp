#include "chunkreader.h"

#include <QIODevice>

#include <cstring>

namespace eventlens {

ChunkReader::ChunkReader(QIODevice &device, const ParseProgressFn &progress, const std::atomic_bool *cancel,
                         qsizetype chunkSize)
    : m_device(device)
    , m_progress(progress)
    , m_cancel(cancel)
    , m_chunkSize(chunkSize > 0 ? chunkSize : DefaultChunkSize)
{
    if (!device.isSequential())
        m_total = device.size();
}

bool ChunkReader::readMore()
{
    if (m_atEnd)
        return false;
    if (m_start > 0) {
        // drop consumed bytes; the buffer keeps its capacity
        const qsizetype remaining = m_buffer.size() - m_start;
        if (remaining > 0)
            std::memmove(m_buffer.data(), m_buffer.constData() + m_start, static_cast<size_t>(remaining));
        m_buffer.truncate(remaining);
        m_start = 0;
    }
    const qsizetype old = m_buffer.size();
    m_buffer.resize(old + m_chunkSize);
    const qint64 n = m_device.read(m_buffer.data() + old, m_chunkSize);
    if (n < 0) {
        m_buffer.truncate(old);
        m_error = m_device.errorString();
        if (m_error.isEmpty())
            m_error = QStringLiteral("read error");
        m_atEnd = true;
        return false;
    }
    m_buffer.truncate(old + static_cast<qsizetype>(n));
    if (m_buffer.size() > m_peak)
        m_peak = m_buffer.size();
    if (n == 0) {
        m_atEnd = true;
        return false;
    }
    m_bytesRead += n;
    if (m_progress)
        m_progress(m_bytesRead, m_total);
    return true;
}

void ChunkReader::skipBom()
{
    while (size() < 3 && readMore()) {
    }
    if (size() >= 3 && std::memcmp(data(), "\xEF\xBB\xBF", 3) == 0)
        consume(3);
}

ChunkReader::LineStatus ChunkReader::findLine(qsizetype &length)
{
    for (;;) {
        const qsizetype n = size();
        if (m_lineScan < n) {
            const void *nl = std::memchr(data() + m_lineScan, '\n', static_cast<size_t>(n - m_lineScan));
            if (nl) {
                length = static_cast<const char *>(nl) - data();
                return LineStatus::Ok;
            }
        }
        m_lineScan = n;
        if (n > MaxRecordSize)
            return LineStatus::TooLong;
        if (!readMore()) {
            length = size();
            return length == 0 ? LineStatus::End : LineStatus::Ok;
        }
    }
}

ChunkReader::LineStatus ChunkReader::peekLine(QByteArrayView &line)
{
    qsizetype length = 0;
    const LineStatus status = findLine(length);
    if (status != LineStatus::Ok)
        return status;
    qsizetype len = length;
    if (len > 0 && data()[len - 1] == '\r')
        --len;
    line = QByteArrayView(data(), len);
    return LineStatus::Ok;
}

ChunkReader::LineStatus ChunkReader::nextLine(QByteArrayView &line)
{
    qsizetype length = 0;
    const LineStatus status = findLine(length);
    if (status != LineStatus::Ok)
        return status;
    const bool hasNewline = length < size();
    qsizetype len = length;
    if (len > 0 && data()[len - 1] == '\r')
        --len;
    line = QByteArrayView(data(), len);
    consume(hasNewline ? length + 1 : length);
    m_lineScan = 0;
    ++m_line;
    return LineStatus::Ok;
}

} // namespace eventlens

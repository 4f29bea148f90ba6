#pragma once

#include "eventparser.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <atomic>

class QIODevice;

namespace eventlens {

// Reads a QIODevice in bounded chunks into a sliding window. Bytes before the consumed
// position are dropped when more data is read, so memory stays at about one chunk plus
// the largest record. Reports progress after each read and exposes the cancel flag.
class ChunkReader final
{
public:
    static constexpr qsizetype DefaultChunkSize = qsizetype(1) << 20;   // 1 MiB per read
    static constexpr qsizetype MaxRecordSize = qsizetype(64) << 20;     // one record or line

    ChunkReader(QIODevice &device, const ParseProgressFn &progress, const std::atomic_bool *cancel,
                qsizetype chunkSize = DefaultChunkSize);

    // Unconsumed bytes currently in memory.
    const char *data() const { return m_buffer.constData() + m_start; }
    qsizetype size() const { return m_buffer.size() - m_start; }
    QByteArrayView window() const { return QByteArrayView(data(), size()); }
    void consume(qsizetype n) { m_start += n; }

    // Reads one more chunk behind the window (views into the window become invalid).
    // Returns false at the end of the input or on a read error (see errorString()).
    bool readMore();
    bool atEnd() const { return m_atEnd; }
    bool hasError() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }

    bool cancelled() const { return m_cancel && m_cancel->load(std::memory_order_relaxed); }
    qint64 bytesRead() const { return m_bytesRead; }
    qint64 totalBytes() const { return m_total; }
    // The largest window held so far (for tests of bounded memory).
    qsizetype peakWindow() const { return m_peak; }

    // Removes a UTF-8 byte order mark at the start of the input.
    void skipBom();

    enum class LineStatus { Ok, End, TooLong };
    // The next line without "\n" / "\r\n"; the view is valid until the next call.
    LineStatus nextLine(QByteArrayView &line);
    // The 1-based number of the line returned last.
    qint64 lineNumber() const { return m_line; }
    // The next line without consuming it (Ok or End or TooLong).
    LineStatus peekLine(QByteArrayView &line);

private:
    LineStatus findLine(qsizetype &length);

    QIODevice &m_device;
    const ParseProgressFn &m_progress;
    const std::atomic_bool *m_cancel;
    qsizetype m_chunkSize;
    QByteArray m_buffer;
    qsizetype m_start = 0;
    qsizetype m_lineScan = 0;
    qint64 m_bytesRead = 0;
    qint64 m_total = 0;
    qint64 m_line = 0;
    qsizetype m_peak = 0;
    bool m_atEnd = false;
    QString m_error;
};

} // namespace eventlens

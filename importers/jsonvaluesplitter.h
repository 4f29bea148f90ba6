#pragma once

#include <QByteArrayView>
#include <QString>
#include <QtGlobal>

namespace eventlens {

class ChunkReader;

// Incrementally splits a JSON text into its records without parsing them: the elements of
// a top-level array, or a sequence of top-level values (one value, JSON Lines, or values
// separated by whitespace). It tracks strings, escapes, nesting depth and line numbers, and
// hands each element's text and start line to the caller; the caller validates the element.
// Only the current element (plus one read chunk) is held in memory.
class JsonValueSplitter final
{
public:
    enum class Result { Value, End, Error };

    explicit JsonValueSplitter(ChunkReader &reader);

    // The next element; `text` stays valid until the next call. On Error, errorLine() and
    // errorMessage() say what is wrong with the structure (nothing after it can be read).
    Result next(QByteArrayView &text, qint64 &line);

    bool isArray() const { return m_array; }
    qint64 errorLine() const { return m_errorLine; }
    QString errorMessage() const { return m_errorMessage; }

private:
    enum class State { Start, ArrayFirst, ArrayAfterValue, ArrayNeedValue, Sequence, Done, Finished };
    Result fail(const QString &message);
    // Scans the value at the window start; returns its length, or -1 at the end of input
    // (value incomplete: its text is everything that is left), -2 when it is too large.
    qsizetype scanValue();

    ChunkReader &m_reader;
    State m_state = State::Start;
    bool m_array = false;
    qint64 m_line = 1;
    qint64 m_elements = 0;
    qsizetype m_pendingConsume = 0;
    qint64 m_errorLine = 0;
    QString m_errorMessage;
};

} // namespace eventlens

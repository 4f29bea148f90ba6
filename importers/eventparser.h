#pragma once

#include "importrecord.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <atomic>
#include <functional>

class QIODevice;

namespace eventlens {

// How bad an issue reported by a parser is.
enum class IssueSeverity {
    Record, // one record is bad; parsing continues with the next record
    Fatal,  // the rest of the file cannot be read (truncated array, unterminated quote...)
    File,   // the file is unusable as a whole (wrong format, missing CSV columns...)
};

// Receives each good record; return false to stop parsing.
using RecordFn = std::function<bool(ImportRecord &&record)>;
// Receives each problem; return false to stop parsing.
using IssueFn = std::function<bool(const ImportIssue &issue, IssueSeverity severity)>;
// Bytes read so far and the size of the input (0 when unknown); called once per chunk read.
using ParseProgressFn = std::function<void(qint64 bytesRead, qint64 totalBytes)>;

struct ParseResult
{
    enum class Status {
        Completed, // the whole input was read
        Stopped,   // a callback returned false
        Cancelled, // the cancel flag was set
        Failed,    // a Fatal or File issue ended parsing (it was reported through onIssue)
    };
    Status status = Status::Completed;
    qint64 records = 0;   // records delivered through onRecord
    qint64 issues = 0;    // issues delivered through onIssue
    qint64 bytesRead = 0;
};

// One source file format. A parser reads its input as a stream, in bounded chunks, and
// never holds more than one record (plus one read chunk) in memory.
//
// Records carry what the file says: the stream, the optional explicit version and the
// event. An event without id keeps an empty id (the store generates a UUID), an event
// without time keeps an empty timeMs (the importer uses the import time).
class EventParser
{
public:
    virtual ~EventParser() = default;

    // The --format name: "jsonl", "json", "csv", "cloudevents", "kcat", "esdb".
    virtual QString formatName() const = 0;
    // One line for --help and the GUI's format list.
    virtual QString description() const = 0;
    // How sure the parser is that `head` (the first bytes of the file, leading whitespace and
    // BOM removed) is its format: 0 (no) to 100 (certain). The file name is a hint only.
    virtual int detect(const QByteArray &head, const QString &fileName) const = 0;
    // Parses the device from its current position. fileName is used in issues.
    virtual ParseResult parse(QIODevice &device, const QString &fileName, const RecordFn &onRecord,
                              const IssueFn &onIssue, const ParseProgressFn &progress = {},
                              const std::atomic_bool *cancel = nullptr) = 0;
};

} // namespace eventlens

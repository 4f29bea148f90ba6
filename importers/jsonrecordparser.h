#pragma once

#include "eventparser.h"
#include "jsonscanner.h"

#include <QByteArrayView>
#include <QString>

#include <vector>

namespace eventlens {

class ChunkReader;

// Base of the JSON-based parsers. It handles the containers (JSON Lines, a top-level array,
// one object or a sequence of objects), validation with line and column, progress and
// cancel; a subclass maps one top-level object to records.
class JsonRecordParser : public EventParser
{
public:
    ParseResult parse(QIODevice &device, const QString &fileName, const RecordFn &onRecord,
                      const IssueFn &onIssue, const ParseProgressFn &progress = {},
                      const std::atomic_bool *cancel = nullptr) final;

protected:
    enum class Container {
        Auto,   // JSON Lines when the first object ends on its first line, else Values
        Lines,  // one JSON object per line
        Values, // a top-level array of objects, or one or more whitespace-separated objects
    };
    explicit JsonRecordParser(Container container);

    struct Element
    {
        QByteArrayView text;                  // the object's text
        const std::vector<JsonMember> &members; // its top-level members
        qint64 line;                          // line where the object starts
    };

    // Called at the start of each parse.
    virtual void reset() {}
    // Maps one top-level object: calls takeIndex() once per record it produces, then
    // emitRecord() or emitIssue(). Returns false to stop.
    virtual bool mapObject(const Element &element) = 0;
    // Called after the last element (for parsers that buffer); returns false to stop.
    virtual bool finish() { return true; }

    qint64 takeIndex() { return m_nextIndex++; }
    bool emitRecord(ImportRecord &&record);
    bool emitIssue(qint64 line, qint64 index, const QString &field, const QString &reason,
                   IssueSeverity severity = IssueSeverity::Record);
    const QString &fileName() const { return m_fileName; }
    bool isCancelled() const;
    // The line of a byte offset inside an element (for nested records).
    static qint64 lineAt(const Element &element, const char *at);

private:
    static Container chooseContainer(ChunkReader &reader);
    bool handleElement(QByteArrayView text, qint64 line, bool lineMode);
    ParseResult parseLines(ChunkReader &reader);
    ParseResult parseValues(ChunkReader &reader);
    ParseResult finishResult(ParseResult::Status status, const ChunkReader &reader);

    Container m_container;
    QString m_fileName;
    const RecordFn *m_onRecord = nullptr;
    const IssueFn *m_onIssue = nullptr;
    const std::atomic_bool *m_cancel = nullptr;
    std::vector<JsonMember> m_members;
    qint64 m_nextIndex = 0;
    qint64 m_records = 0;
    qint64 m_issues = 0;
    bool m_stopped = false;
    bool m_failed = false;
};

} // namespace eventlens

#pragma once

#include "eventquery.h"
#include "eventstore.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <atomic>
#include <optional>

namespace eventlens {

// The result of EventWriter::write().
struct ExportResult
{
    enum class Status {
        Ok,        // the file is in place with every event of the query
        Failed,    // nothing written: see error
        Cancelled, // nothing written
    };
    Status status = Status::Ok;
    qint64 written = 0;   // events written (Ok); events written before the stop otherwise
    QString error;        // what went wrong (Failed)

    bool ok() const { return status == Status::Ok; }
};

// Writes the events of a store to a file in one of the formats the importers read back to the
// same events (stream, version, id, type, data, metadata, time), for the CLI (export-events)
// and for a GUI worker thread (give it its own connection: store->openAnother(ReadOnly)).
//
// - JsonLines: one Event::toJsonLine() per line (the canonical keys; position is ignored on
//   import). Non-JSON data is a JSON string there (its text, or "base64:..."), so it comes back
//   as that JSON string: the canonical line is the same, the raw flag is not kept.
// - Csv: RFC 4180 with the header stream,version,id,type,time,data_encoding,data,metadata and
//   CRLF line ends; data and metadata are JSON text in their cells. data_encoding says how the
//   data cell reads: json, text (non-JSON data that is UTF-8 text) or base64 (other bytes).
// - CloudEvents: structured-mode CloudEvents 1.0 JSON, one event per line (JSON Lines):
//   specversion, id, source, type, subject (the stream), time, datacontenttype, the extension
//   attributes eventlensversion (the stream version) and eventlensmetadata (the metadata as JSON
//   text), and data (JSON data as JSON, UTF-8 text as a string with text/plain) or data_base64
//   (other bytes, application/octet-stream).
//
// The file is written atomically (QSaveFile): a failed or cancelled export leaves no file and
// never touches a file that was at the destination before. Events are streamed with
// EventStore::forEach (constant memory). The export covers the log as it was when it started:
// events appended meanwhile are left out. Runs on the calling thread.
class EventWriter final
{
public:
    enum class Format { JsonLines, Csv, CloudEvents };

    // "jsonl" (also "ndjson"), "csv", "cloudevents"; case-insensitive. nullopt when unknown.
    static std::optional<Format> formatFromName(const QString &name);
    static QString formatName(Format format);
    // The names formatFromName() takes, in the order of Format: jsonl, csv, cloudevents.
    static QStringList formatNames();
    // The usual file suffix, without dot: jsonl, csv, jsonl.
    static QString fileSuffix(Format format);

    struct Options
    {
        Format format = Format::JsonLines;
        // The CloudEvents source attribute (a URI-reference) of every event.
        QString source = QStringLiteral("urn:eventlens");
        // Events written and the total (EventStore::count() of the query): once before the
        // first event, every few hundred events and after the last. Return false to cancel.
        ProgressFn progress;
        // Set from any thread to cancel.
        const std::atomic_bool *cancel = nullptr;
    };

    EventWriter();
    explicit EventWriter(Options options);

    // Writes the events `query` selects, in its order, to `path`. Throws nothing: a store
    // error, a write error or a bad destination (a folder, the store itself, a missing folder)
    // is a Failed result with a message naming the file.
    ExportResult write(const EventStore &store, const EventQuery &query, const QString &path);

    // The pieces, for other sinks: what goes before the first event (the CSV header line,
    // empty otherwise) and one event's line, each with its line end.
    QByteArray header() const;
    QByteArray line(const Event &event) const;

private:
    Options m_options;
    QByteArray m_source; // JSON string literal of the CloudEvents source
};

} // namespace eventlens

#include "eventwriter.h"

#include "event.h"
#include "jsonutil.h"
#include "storeerror.h"
#include "timeutil.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>
#include <exception>
#include <limits>

namespace eventlens {

namespace {

constexpr qint64 kProgressEvery = 512;        // events between two progress calls
constexpr qsizetype kFlushBytes = 1 << 20;    // bytes buffered before a write

// Non-JSON data that can travel as text: valid UTF-8 without control characters other than
// tab and line breaks (a file full of those would look binary to the importers).
bool isPlainText(const QByteArray &data)
{
    for (const char ch : data) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return false;
    }
    return QString::fromUtf8(data).toUtf8() == data;
}

QByteArray jsonData(const Event &event)
{
    return event.data.isEmpty() ? QByteArrayLiteral("null") : event.data;
}

QByteArray metadataOf(const Event &event)
{
    return event.metadata.isEmpty() ? QByteArrayLiteral("{}") : event.metadata;
}

// One RFC 4180 cell: quoted when it holds a separator, a quote or a line break, or begins or
// ends with white space (which the CSV reader trims from unquoted cells).
void appendCsvCell(QByteArray &out, const QByteArray &cell)
{
    bool quote = false;
    for (const char c : cell) {
        if (c == ',' || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote && !cell.isEmpty()) {
        const char first = cell.front();
        const char last = cell.back();
        quote = first == ' ' || first == '\t' || last == ' ' || last == '\t';
    }
    if (!quote) {
        out.append(cell);
        return;
    }
    out.append('"');
    for (const char c : cell) {
        if (c == '"')
            out.append('"');
        out.append(c);
    }
    out.append('"');
}

} // namespace

std::optional<EventWriter::Format> EventWriter::formatFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == u"jsonl" || n == u"ndjson")
        return Format::JsonLines;
    if (n == u"csv")
        return Format::Csv;
    if (n == u"cloudevents")
        return Format::CloudEvents;
    return std::nullopt;
}

QString EventWriter::formatName(Format format)
{
    switch (format) {
    case Format::JsonLines: return QStringLiteral("jsonl");
    case Format::Csv: return QStringLiteral("csv");
    case Format::CloudEvents: return QStringLiteral("cloudevents");
    }
    return {};
}

QStringList EventWriter::formatNames()
{
    return {formatName(Format::JsonLines), formatName(Format::Csv), formatName(Format::CloudEvents)};
}

QString EventWriter::fileSuffix(Format format)
{
    return format == Format::Csv ? QStringLiteral("csv") : QStringLiteral("jsonl");
}

EventWriter::EventWriter()
    : EventWriter(Options())
{
}

EventWriter::EventWriter(Options options)
    : m_options(std::move(options))
{
    jsonutil::appendString(m_source, m_options.source.isEmpty() ? QStringLiteral("urn:eventlens") : m_options.source);
}

QByteArray EventWriter::header() const
{
    if (m_options.format == Format::Csv)
        return QByteArrayLiteral("stream,version,id,type,time,data_encoding,data,metadata\r\n");
    return {};
}

QByteArray EventWriter::line(const Event &event) const
{
    QByteArray out;
    switch (m_options.format) {
    case Format::JsonLines:
        out = event.toJsonLine();
        out.append('\n');
        break;
    case Format::Csv: {
        out.reserve(128 + event.data.size() + event.metadata.size());
        appendCsvCell(out, event.stream.toUtf8());
        out.append(',');
        out.append(QByteArray::number(event.version));
        out.append(',');
        appendCsvCell(out, event.id.toUtf8());
        out.append(',');
        appendCsvCell(out, event.type.toUtf8());
        out.append(',');
        out.append(timeutil::formatIso(event.timeMs));
        if (event.dataIsJson) {
            out.append(",json,");
            appendCsvCell(out, jsonData(event));
        } else if (isPlainText(event.data)) {
            out.append(",text,");
            appendCsvCell(out, event.data);
        } else {
            out.append(",base64,");
            out.append(event.data.toBase64());
        }
        out.append(',');
        appendCsvCell(out, metadataOf(event));
        out.append("\r\n");
        break;
    }
    case Format::CloudEvents: {
        const QByteArray metadata = metadataOf(event);
        out.reserve(256 + event.data.size() + metadata.size() * 2);
        out.append("{\"specversion\":\"1.0\",\"id\":");
        jsonutil::appendString(out, event.id);
        out.append(",\"source\":");
        out.append(m_source);
        out.append(",\"type\":");
        jsonutil::appendString(out, event.type);
        out.append(",\"subject\":");
        jsonutil::appendString(out, event.stream);
        out.append(",\"time\":\"");
        out.append(timeutil::formatIso(event.timeMs));
        out.append("\",\"datacontenttype\":");
        if (event.dataIsJson)
            out.append("\"application/json\"");
        else if (isPlainText(event.data))
            out.append("\"text/plain; charset=utf-8\"");
        else
            out.append("\"application/octet-stream\"");
        // CloudEvents integers are 32-bit; a larger version travels as a string of digits
        out.append(",\"eventlensversion\":");
        if (event.version <= std::numeric_limits<qint32>::max()) {
            out.append(QByteArray::number(event.version));
        } else {
            out.append('"');
            out.append(QByteArray::number(event.version));
            out.append('"');
        }
        out.append(",\"eventlensmetadata\":");
        jsonutil::appendString(out, metadata);
        if (event.dataIsJson) {
            out.append(",\"data\":");
            out.append(jsonData(event));
        } else if (isPlainText(event.data)) {
            out.append(",\"data\":");
            jsonutil::appendString(out, event.data);
        } else {
            out.append(",\"data_base64\":\"");
            out.append(event.data.toBase64());
            out.append('"');
        }
        out.append("}\n");
        break;
    }
    }
    return out;
}

ExportResult EventWriter::write(const EventStore &store, const EventQuery &query, const QString &path)
{
    ExportResult result;
    auto fail = [&result](const QString &message) {
        result.status = ExportResult::Status::Failed;
        result.error = message;
        return result;
    };
    if (path.isEmpty())
        return fail(QStringLiteral("no file name given"));
    const QFileInfo target(path);
    if (target.isDir())
        return fail(QStringLiteral("%1 is a folder, not a file").arg(path));
    if (!target.absoluteDir().exists())
        return fail(QStringLiteral("cannot write %1: the folder %2 does not exist").arg(path, target.absolutePath()));
    if (target.exists() && target.canonicalFilePath() == QFileInfo(store.path()).canonicalFilePath())
        return fail(QStringLiteral("cannot write %1: it is the store being exported").arg(path));

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));

    auto cancelled = [this]() { return m_options.cancel && m_options.cancel->load(std::memory_order_relaxed); };
    bool stop = false;
    QString writeError;
    QByteArray buffer;
    auto flush = [&]() {
        if (!buffer.isEmpty() && file.write(buffer) != buffer.size()) {
            writeError = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
            return false;
        }
        buffer.clear();
        return true;
    };

    try {
        // The log as it is now: events appended while the export runs are left out, so the
        // total holds and the file is one consistent cut of the log.
        EventQuery q = query;
        const qint64 head = store.headPosition();
        if (q.backward)
            q.fromPosition = std::min(q.fromPosition.value_or(head), head);
        else
            q.toPosition = std::min(q.toPosition.value_or(head), head);
        const qint64 total = q.limit == 0 ? 0 : store.count(q);
        auto report = [&](qint64 done) { return !m_options.progress || m_options.progress(done, total); };

        if (cancelled() || !report(0)) {
            result.status = ExportResult::Status::Cancelled;
            return result;
        }
        buffer = header();
        buffer.reserve(kFlushBytes + (64 << 10));
        if (q.limit != 0) {
            store.forEach(q, [&](const Event &event) {
                if (cancelled()) {
                    stop = true;
                    return false;
                }
                buffer.append(line(event));
                ++result.written;
                if (buffer.size() >= kFlushBytes && !flush())
                    return false;
                if (result.written % kProgressEvery == 0 && !report(result.written)) {
                    stop = true;
                    return false;
                }
                return q.limit < 0 || result.written < q.limit;
            });
        }
        if (!writeError.isEmpty())
            return fail(writeError);
        if (stop || cancelled() || !report(result.written)) {
            result.status = ExportResult::Status::Cancelled;
            return result;
        }
        if (!flush())
            return fail(writeError);
    } catch (const StoreError &e) {
        return fail(e.message());
    } catch (const std::exception &e) {
        return fail(QString::fromUtf8(e.what()));
    }
    if (!file.commit())
        return fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return result;
}

} // namespace eventlens

#include "importer.h"

#include "eventparser.h"
#include "eventstore.h"
#include "formatdetector.h"
#include "parsepipeline.h"
#include "timeutil.h"

#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <memory>
#include <span>

namespace eventlens {

namespace {

ExpectedVersion expectedFor(const ImportRecord &record)
{
    return record.version ? ExpectedVersion::exact(*record.version - 1) : ExpectedVersion::any();
}

} // namespace

std::optional<OnError> ImportOptions::parseOnError(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t == u"abort")
        return OnError::Abort;
    if (t == u"skip")
        return OnError::Skip;
    return std::nullopt;
}

struct Importer::Run
{
    EventStore::Batch *batch = nullptr;
    const ImportOptions &options;
    qint64 importTime = 0;

    FileImportReport *file = nullptr;
    int fileOrdinal = 0;
    // The streams of this file, by the preparer's stream number: fileOf[key] is the ordinal + 1
    // of the last file whose events went to that stream.
    std::vector<int> fileOf;
    QStringList fileStreams;

    bool failed = false;
    std::optional<ImportIssue> failure;
    std::vector<std::pair<int, ImportIssue>> skipped;

    explicit Run(const ImportOptions &o) : options(o) {}

    bool cancelled() const { return options.cancel && options.cancel->load(std::memory_order_relaxed); }

    // A bad record: fails the import (Abort) or is listed (Skip). Returns whether to go on.
    bool badRecord(const ImportIssue &issue)
    {
        if (options.onError == OnError::Abort) {
            if (!failed) {
                failed = true;
                failure = issue;
            }
            return false;
        }
        ++file->skipped;
        skipped.emplace_back(fileOrdinal, issue);
        return true;
    }

    ImportIssue storeIssue(const PreparedEvent &event, const ParsePipeline::RecordInfo &record, const StoreError &error) const
    {
        ImportIssue issue{file->file, record.line, record.index, {}, error.message()};
        if (const auto *conflict = dynamic_cast<const ConcurrencyError *>(&error)) {
            issue.field = QStringLiteral("version");
            if (record.version) {
                const qint64 v = *record.version;
                const qint64 actual = conflict->actual();
                if (actual < v - 1) {
                    issue.reason = actual < 0
                        ? QStringLiteral("version %1 leaves a gap: stream '%2' does not exist yet (expected version %3 first)")
                              .arg(v)
                              .arg(event.stream)
                              .arg(0)
                        : QStringLiteral("version %1 leaves a gap: stream '%2' is at version %3")
                              .arg(v)
                              .arg(event.stream)
                              .arg(actual);
                } else {
                    issue.reason = QStringLiteral("version %1 of stream '%2' is already taken by another event "
                                                  "(the stream is at version %3)")
                                       .arg(v)
                                       .arg(event.stream)
                                       .arg(actual);
                }
            }
        } else if (error.message().contains(u"event id '") || error.message().contains(u"duplicate event id")) {
            // "duplicate event id 'x'" / "event id 'x' already exists at position N in stream 'y'"
            issue.field = QStringLiteral("id");
        }
        return issue;
    }

    // The streams of events [from, to), which are in the store now.
    void account(const ParsePipeline::Chunk &chunk, size_t from, size_t to, const EventStore::Batch::PreparedResult &result)
    {
        file->imported += result.appended;
        file->unchanged += result.unchanged;
        const int mark = fileOrdinal + 1;
        for (size_t i = from; i < to; ++i) {
            const PreparedEvent &e = chunk.events[i];
            const auto key = static_cast<size_t>(e.streamKey);
            if (key >= fileOf.size())
                fileOf.resize(key + 1, 0);
            if (fileOf[key] != mark) {
                fileOf[key] = mark;
                fileStreams.push_back(e.stream);
            }
        }
    }

    // Appends the chunk's events [from, to), one at a time in the store's terms (an explicit
    // version v is expected version v-1, no version is "any"); a store error is a bad record.
    // Returns whether to go on.
    bool appendRecords(const ParsePipeline::Chunk &chunk, size_t from, size_t to)
    {
        if (from >= to)
            return !failed;
        if (failed || cancelled())
            return false;
        file->read += static_cast<qint64>(to - from);
        const std::span<const PreparedEvent> events(chunk.events);
        while (from < to) {
            EventStore::Batch::PreparedResult result;
            try {
                batch->appendPrepared(events.subspan(from, to - from), result);
                account(chunk, from, to, result);
                from = to;
            } catch (const StoreError &error) {
                const size_t bad = from + result.done;
                account(chunk, from, bad, result);
                if (!badRecord(storeIssue(chunk.events[bad], chunk.records[bad], error)))
                    return false;
                from = bad + 1;
            }
        }
        return !failed;
    }

    bool onIssue(const ImportIssue &issue, IssueSeverity severity)
    {
        if (failed)
            return false;
        if (severity == IssueSeverity::File) {
            failed = true;
            failure = issue;
            return false;
        }
        if (issue.index >= 0)
            ++file->read;
        if (severity == IssueSeverity::Fatal && options.onError != OnError::Abort) {
            // The rest of the file cannot be read: listed, and counted when it is a record.
            if (issue.index >= 0)
                ++file->skipped;
            skipped.emplace_back(fileOrdinal, issue);
            return false;
        }
        return badRecord(issue);
    }

    // The records and issues of a chunk, in order. Returns whether to go on.
    bool onChunk(const ParsePipeline::Chunk &chunk)
    {
        size_t done = 0;
        for (const ParsePipeline::IssueItem &item : chunk.issues) {
            // earlier records go first: a store error among them is the first bad record
            if (!appendRecords(chunk, done, item.before))
                return false;
            done = item.before;
            if (!onIssue(item.issue, item.severity))
                return false;
        }
        return appendRecords(chunk, done, chunk.events.size());
    }
};

Importer::Importer(EventStore &store, ImportOptions options)
    : m_store(store)
    , m_options(std::move(options))
{
}

ImportReport Importer::run(const QStringList &files)
{
    ImportReport report;
    auto fail = [&](const QString &file, const QString &reason) {
        report.status = ImportReport::Status::Failed;
        report.error = ImportIssue{file, 0, -1, {}, reason};
        return report;
    };

    // 1. Check every file and resolve its format before touching the store.
    struct Source
    {
        std::unique_ptr<QFile> file;
        std::unique_ptr<EventParser> parser;
        qint64 size = 0;
    };
    std::vector<Source> sources;
    qint64 totalBytes = 0;
    const bool autoFormat = m_options.format.isEmpty() || m_options.format.compare(u"auto", Qt::CaseInsensitive) == 0;
    if (!autoFormat && !FormatDetector::createParser(m_options.format))
        return fail({}, QStringLiteral("unknown format '%1' (expected auto, %2)")
                            .arg(m_options.format, FormatDetector::formats().join(QStringLiteral(", "))));
    for (const QString &path : files) {
        auto file = std::make_unique<QFile>(path);
        if (QFileInfo(path).isDir())
            return fail(path, QStringLiteral("is a directory, not an event file"));
        if (!file->open(QIODevice::ReadOnly))
            return fail(path, QStringLiteral("cannot open: %1").arg(file->errorString()));
        QString problem;
        const QByteArray head = FormatDetector::headOf(*file, &problem);
        if (!problem.isEmpty())
            return fail(path, problem);
        if (!file->seek(0))
            return fail(path, QStringLiteral("cannot read: %1").arg(file->errorString()));
        QString format = m_options.format.toLower();
        if (autoFormat) {
            format = FormatDetector::detect(head, path).format;
            if (format.isEmpty())
                return fail(path, QStringLiteral("cannot detect the format (not JSON Lines, JSON, CSV with a header, "
                                                 "CloudEvents, kcat -J or EventStoreDB JSON); use --format"));
        }
        Source source;
        source.parser = FormatDetector::createParser(format);
        source.size = file->size();
        source.file = std::move(file);
        totalBytes += source.size;
        FileImportReport fileReport;
        fileReport.file = path;
        fileReport.format = source.parser->formatName();
        report.files.push_back(fileReport);
        sources.push_back(std::move(source));
    }

    // 2. One transaction for all files.
    Run run(m_options);
    run.importTime = timeutil::nowMs();
    try {
        EventStore::Batch batch = m_store.beginBatch();
        run.batch = &batch;
        // Used by one parser thread at a time, for all files (stream numbers and the ids seen
        // carry over from one file to the next).
        const std::unique_ptr<EventStore::Preparer> preparer = batch.preparer();
        const qint64 importTime = run.importTime;
        const auto convert = [importTime](ImportRecord &&record, PreparedEvent &event) {
            event.stream = std::move(record.stream);
            event.expected = expectedFor(record);
            event.event = std::move(record.event);
            if (!event.event.timeMs)
                event.event.timeMs = importTime;
        };
        const auto prepare = [&preparer](std::span<PreparedEvent> events) { preparer->prepare(events); };
        qint64 doneBytes = 0;
        bool cancelled = false;
        for (size_t i = 0; i < sources.size() && !run.failed && !cancelled; ++i) {
            Source &source = sources[i];
            run.file = &report.files[i];
            run.fileOrdinal = static_cast<int>(i);
            run.fileStreams.clear();
            // The parser runs on its own thread, some chunks of records ahead of the store.
            ParsePipeline pipeline(*source.parser, *source.file, run.file->file, m_options.cancel, convert, prepare);
            ParsePipeline::Chunk chunk;
            bool goOn = true;
            while (goOn && pipeline.next(chunk)) {
                goOn = run.onChunk(chunk);
                if (m_options.progress)
                    m_options.progress(doneBytes + pipeline.bytesRead(), totalBytes);
            }
            const ParseResult result = pipeline.finish();
            if (result.status == ParseResult::Status::Cancelled || run.cancelled()) {
                cancelled = true;
                break;
            }
            QStringList streams = run.fileStreams;
            streams.sort();
            run.file->streams = streams;
            doneBytes += source.size;
            source.file->close();
        }
        if (cancelled || run.cancelled()) {
            batch.rollback();
            report.status = ImportReport::Status::Cancelled;
        } else if (run.failed) {
            batch.rollback();
            report.status = ImportReport::Status::Failed;
            report.error = run.failure;
        } else if (m_options.onError == OnError::Review && !run.skipped.empty()) {
            batch.rollback();
            report.status = ImportReport::Status::Failed;
            const qsizetype bad = qsizetype(run.skipped.size());
            report.error = ImportIssue{{}, 0, -1, {}, bad == 1 ? QStringLiteral("1 bad record; nothing was imported")
                                                              : QStringLiteral("%1 bad records; nothing was imported").arg(bad)};
        } else {
            batch.commit();
            if (m_options.progress)
                m_options.progress(totalBytes, totalBytes);
        }
    } catch (const StoreError &error) {
        report.status = ImportReport::Status::Failed;
        report.error = ImportIssue{run.file ? run.file->file : QString(), 0, -1, {},
                                   QStringLiteral("store error: %1").arg(error.message())};
    } catch (const std::exception &error) {
        // e.g. out of memory: the batch was rolled back by its destructor
        report.status = ImportReport::Status::Failed;
        report.error = ImportIssue{run.file ? run.file->file : QString(), 0, -1, {},
                                   QStringLiteral("import error: %1").arg(QString::fromUtf8(error.what()))};
    }

    std::stable_sort(run.skipped.begin(), run.skipped.end(), [](const auto &a, const auto &b) {
        if (a.first != b.first)
            return a.first < b.first;
        return a.second.line < b.second.line;
    });
    if (report.ok() || m_options.onError == OnError::Review) {
        for (auto &entry : run.skipped)
            report.skipped.push_back(std::move(entry.second));
    }
    if (!report.ok()) {
        for (FileImportReport &f : report.files) {
            f.imported = 0;
            f.unchanged = 0;
            f.streams.clear();
        }
    }
    return report;
}

} // namespace eventlens

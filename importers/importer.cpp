#include "importer.h"

#include "eventparser.h"
#include "eventstore.h"
#include "formatdetector.h"
#include "parsepipeline.h"
#include "timeutil.h"

#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <algorithm>
#include <memory>

namespace eventlens {

namespace {

constexpr size_t kMaxGroup = 1000; // events per append call

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
    QSet<QString> streams;
    QString lastStream; // the last stream added to streams
    std::vector<ImportRecord> pending;
    std::vector<NewEvent> events;

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

    ImportIssue storeIssue(const ImportRecord &record, const StoreError &error) const
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
                              .arg(record.stream)
                              .arg(0)
                        : QStringLiteral("version %1 leaves a gap: stream '%2' is at version %3")
                              .arg(v)
                              .arg(record.stream)
                              .arg(actual);
                } else {
                    issue.reason = QStringLiteral("version %1 of stream '%2' is already taken by another event "
                                                  "(the stream is at version %3)")
                                       .arg(v)
                                       .arg(record.stream)
                                       .arg(actual);
                }
            }
        } else if (error.message().contains(u"event id '") || error.message().contains(u"duplicate event id")) {
            // "duplicate event id 'x'" / "event id 'x' already exists at position N in stream 'y'"
            issue.field = QStringLiteral("id");
        }
        return issue;
    }

    void account(const ImportRecord &first, qint64 count, const AppendResult &result)
    {
        file->imported += result.appended;
        file->unchanged += count - result.appended;
        if (first.stream != lastStream) {
            streams.insert(first.stream);
            lastStream = first.stream;
        }
    }

    // Appends the pending group of one stream; on a store error retries record by record to
    // name the bad one(s). Returns whether to go on.
    bool flush()
    {
        if (pending.empty())
            return !failed;
        const ImportRecord &first = pending.front();
        events.clear();
        events.reserve(pending.size());
        for (const ImportRecord &r : pending)
            events.push_back(r.event);
        bool ok = true;
        try {
            const AppendResult result = batch->append(first.stream, expectedFor(first), events);
            account(first, static_cast<qint64>(events.size()), result);
        } catch (const StoreError &groupError) {
            if (pending.size() == 1) {
                ok = badRecord(storeIssue(first, groupError));
            } else {
                for (const ImportRecord &r : pending) {
                    try {
                        const AppendResult result = batch->append(r.stream, expectedFor(r), {r.event});
                        account(r, 1, result);
                    } catch (const StoreError &error) {
                        if (!badRecord(storeIssue(r, error))) {
                            ok = false;
                            break;
                        }
                    }
                }
            }
        }
        pending.clear();
        return ok && !failed;
    }

    bool canJoin(const ImportRecord &record) const
    {
        if (pending.empty())
            return true;
        const ImportRecord &last = pending.back();
        if (pending.size() >= kMaxGroup || last.stream != record.stream)
            return false;
        if (!record.version)
            return true;
        return last.version && *record.version == *last.version + 1;
    }

    bool onRecord(ImportRecord &&record)
    {
        if (failed || cancelled())
            return false;
        ++file->read;
        if (!record.event.timeMs)
            record.event.timeMs = importTime;
        if (!canJoin(record) && !flush())
            return false;
        pending.push_back(std::move(record));
        return true;
    }

    bool onIssue(const ImportIssue &issue, IssueSeverity severity)
    {
        if (failed)
            return false;
        // earlier records go first: a store error among them is the first bad record
        if (!flush())
            return false;
        if (severity == IssueSeverity::File) {
            failed = true;
            failure = issue;
            return false;
        }
        if (issue.index >= 0)
            ++file->read;
        if (severity == IssueSeverity::Fatal && options.onError != OnError::Abort) {
            skipped.emplace_back(fileOrdinal, issue);
            return false;
        }
        return badRecord(issue);
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
        qint64 doneBytes = 0;
        bool cancelled = false;
        for (size_t i = 0; i < sources.size() && !run.failed && !cancelled; ++i) {
            Source &source = sources[i];
            run.file = &report.files[i];
            run.fileOrdinal = static_cast<int>(i);
            run.streams.clear();
            run.lastStream.clear();
            // The parser runs on its own thread, one chunk of records ahead of the store.
            ParsePipeline pipeline(*source.parser, *source.file, run.file->file, m_options.cancel);
            std::vector<ParsePipeline::Item> chunk;
            bool goOn = true;
            while (goOn && pipeline.next(chunk)) {
                for (ParsePipeline::Item &item : chunk) {
                    goOn = item.isIssue ? run.onIssue(item.issue, item.severity) : run.onRecord(std::move(item.record));
                    if (!goOn)
                        break;
                }
                if (m_options.progress)
                    m_options.progress(doneBytes + pipeline.bytesRead(), totalBytes);
            }
            const ParseResult result = pipeline.finish();
            if (result.status == ParseResult::Status::Cancelled || run.cancelled()) {
                cancelled = true;
                break;
            }
            run.flush();
            QStringList streams(run.streams.cbegin(), run.streams.cend());
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

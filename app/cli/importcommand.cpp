#include "cli.h"

#include "formatdetector.h"
#include "importer.h"
#include "jsonutil.h"
#include "storebuilder.h"

#include <QFile>
#include <QFileInfo>

#include <atomic>

namespace eventlens::cli {

namespace {

nlohmann::ordered_json issueJson(const ImportIssue &issue)
{
    nlohmann::ordered_json o;
    o["file"] = jsonutil::toStd(issue.file);
    o["line"] = issue.line;
    o["record"] = issue.index >= 0 ? nlohmann::ordered_json(issue.index + 1) : nlohmann::ordered_json(nullptr);
    o["field"] = issue.field.isEmpty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(jsonutil::toStd(issue.field));
    o["reason"] = jsonutil::toStd(issue.reason);
    o["message"] = jsonutil::toStd(issue.toString());
    return o;
}

} // namespace

int runImport(const QStringList &args)
{
    const QString formats = QStringLiteral("auto|") + FormatDetector::formats().join(u'|');
    CommandLine cl(QStringLiteral("import"),
                   QStringLiteral("FILE... --into STORE [--format %1] [--on-error abort|skip] [--json] [--quiet]").arg(formats),
                   QStringLiteral("Imports event files into an embedded store (created when missing) in one transaction.\n"
                                  "Formats: JSON Lines and JSON arrays of event objects (common field names recognised),\n"
                                  "CSV with a header row, CloudEvents 1.0, kcat -J envelopes, EventStoreDB/KurrentDB HTTP\n"
                                  "JSON. With --on-error abort (the default) the first bad record stops the import with\n"
                                  "its file, line and reason, and the store is left unchanged. With --on-error skip the\n"
                                  "good records are imported and every skipped record is listed as file:line: reason.\n"
                                  "Source files are never modified. Records with explicit versions and ids are idempotent:\n"
                                  "importing a file twice adds nothing the second time."));
    cl.addPositional(QStringLiteral("FILE"), QStringLiteral("Event files to import, in order."), QStringLiteral("FILE..."));
    const QCommandLineOption into(QStringLiteral("into"), QStringLiteral("The store to import into (created when missing)."), QStringLiteral("STORE"));
    const QCommandLineOption format(QStringLiteral("format"),
                                    QStringLiteral("File format: %1 (default auto: detected per file).").arg(formats.split(u'|').join(QStringLiteral(", "))),
                                    QStringLiteral("FORMAT"), QStringLiteral("auto"));
    const QCommandLineOption onError(QStringLiteral("on-error"),
                                     QStringLiteral("abort (default): stop at the first bad record, import nothing; skip: import the good\n"
                                                    "records and list the bad ones."),
                                     QStringLiteral("MODE"), QStringLiteral("abort"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the report as one JSON object."));
    const QCommandLineOption quiet({QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No progress on stderr."));
    for (const auto &o : {into, format, onError, json, quiet})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;

    const QStringList files = cl.positional();
    if (files.isEmpty())
        throw UsageError(QStringLiteral("missing FILE: name at least one file to import"));
    const QString store = cl.required(into);
    ImportOptions options;
    options.format = cl.value(format).trimmed().toLower();
    if (options.format != u"auto" && !FormatDetector::formats().contains(options.format))
        throw UsageError(QStringLiteral("unknown --format '%1': expected one of %2").arg(cl.value(format), formats));
    const auto mode = ImportOptions::parseOnError(cl.value(onError));
    if (!mode)
        throw UsageError(QStringLiteral("invalid --on-error '%1': expected abort or skip").arg(cl.value(onError)));
    options.onError = *mode;

    // Missing inputs fail before the store is created or opened.
    for (const QString &file : files) {
        const QFileInfo fi(file);
        if (file.isEmpty())
            throw UsageError(QStringLiteral("empty FILE argument"));
        if (!fi.exists())
            throw CommandError(QStringLiteral("file not found: %1").arg(file));
        if (fi.isDir())
            throw CommandError(QStringLiteral("%1 is a folder, not an event file").arg(file));
        if (!fi.isReadable())
            throw CommandError(QStringLiteral("cannot read %1: permission denied").arg(file));
        if (fi.absoluteFilePath() == QFileInfo(store).absoluteFilePath())
            throw CommandError(QStringLiteral("%1 is the store itself").arg(file));
    }

    // A new store is built next to its path and appears there only when the import succeeded.
    const bool created = !QFileInfo::exists(store);
    std::unique_ptr<StoreBuilder> builder;
    std::unique_ptr<EventStore> existing;
    if (created) {
        checkStoreFolder(store);
        builder = std::make_unique<StoreBuilder>(store);
    } else {
        existing = openOrCreateStore(store);
    }
    EventStore &eventStore = builder ? builder->store() : *existing;

    installInterruptHandler();
    std::atomic_bool cancel{false};
    Progress progress(QStringLiteral("importing"), cl.isSet(quiet));
    options.cancel = &cancel;
    options.progress = [&](qint64 done, qint64 total) {
        progress.update(done, total);
        if (interrupted())
            cancel.store(true);
    };
    const ImportReport report = Importer(eventStore, options).run(files);
    if (report.ok() && builder)
        builder->finish();
    progress.finish();
    if (!report.ok()) {
        // Nothing was imported; a store being built for this import is deleted with its builder.
        if (report.status == ImportReport::Status::Cancelled)
            throw CommandError(QStringLiteral("interrupted; nothing imported"));
        throw CommandError(QStringLiteral("import failed, nothing imported: %1")
                               .arg(report.error ? report.error->toString() : QStringLiteral("unknown error")));
    }

    if (cl.isSet(json)) {
        nlohmann::ordered_json out;
        out["store"] = jsonutil::toStd(store);
        out["read"] = report.totalRead();
        out["imported"] = report.totalImported();
        out["unchanged"] = report.totalUnchanged();
        out["skipped"] = report.totalSkipped();
        out["files"] = nlohmann::ordered_json::array();
        for (const FileImportReport &f : report.files) {
            nlohmann::ordered_json o;
            o["file"] = jsonutil::toStd(f.file);
            o["format"] = jsonutil::toStd(f.format);
            o["read"] = f.read;
            o["imported"] = f.imported;
            o["unchanged"] = f.unchanged;
            o["skipped"] = f.skipped;
            o["streams"] = nlohmann::ordered_json::array();
            for (const QString &s : f.streams)
                o["streams"].push_back(jsonutil::toStd(s));
            out["files"].push_back(std::move(o));
        }
        out["skipped_records"] = nlohmann::ordered_json::array();
        for (const ImportIssue &issue : report.skipped)
            out["skipped_records"].push_back(issueJson(issue));
        writeOut(QByteArray::fromStdString(out.dump()) + '\n');
        return ExitOk;
    }

    QString text = QStringLiteral("imported %1 into %2 from %3 (%4 already present, %5 skipped)\n")
                       .arg(counted(report.totalImported(), "event", "events"), store, counted(qint64(report.files.size()), "file", "files"),
                            QString::number(report.totalUnchanged()), QString::number(report.totalSkipped()));
    for (const FileImportReport &f : report.files) {
        text += QStringLiteral("  %1 (%2): %3 read, %4 imported, %5 already present, %6 skipped, %7\n")
                    .arg(f.file, f.format, QString::number(f.read), QString::number(f.imported), QString::number(f.unchanged),
                         QString::number(f.skipped), counted(qint64(f.streams.size()), "stream", "streams"));
    }
    if (!report.skipped.empty()) {
        text += QStringLiteral("skipped %1:\n").arg(counted(qint64(report.skipped.size()), "record", "records"));
        for (const ImportIssue &issue : report.skipped)
            text += issue.toString() + u'\n';
    }
    writeOut(text);
    return ExitOk;
}

} // namespace eventlens::cli

#include "cli.h"

#include "eventwriter.h"

namespace eventlens::cli {

int runExportEvents(const QStringList &args)
{
    const QString formats = EventWriter::formatNames().join(u'|');
    CommandLine cl(QStringLiteral("export-events"),
                   QStringLiteral("STORE ") + EventFilterOptions::synopsis()
                       + QStringLiteral(" --out FILE [--format %1] [--quiet]").arg(formats),
                   QStringLiteral("Writes the events of a store (opened read-only) to a file that 'import' reads back to the\n"
                                  "same events: stream, version, id, type, data (JSON or raw bytes), metadata and time.\n"
                                  "The filters are those of 'events' and combine with AND; the events keep their order.\n"
                                  "Formats: jsonl (one canonical event per line, as 'events --json'), csv (a header row,\n"
                                  "RFC 4180 quoting, data and metadata as JSON text, a data_encoding column for data that\n"
                                  "is not JSON) and cloudevents (CloudEvents 1.0 JSON, one event per line, the stream as\n"
                                  "subject and the version and metadata in the extension attributes eventlensversion and\n"
                                  "eventlensmetadata). The file is written atomically: it appears only when the whole\n"
                                  "export succeeded (a file already there is replaced then); a failed or interrupted\n"
                                  "export (Ctrl-C) leaves no file and an existing file unchanged. Importing into a new\n"
                                  "store needs whole streams from version 0 in forward order (no --type, --since, --from\n"
                                  "or --limit cutting a stream, no --backward): versions are kept."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file."));
    const EventFilterOptions filters;
    filters.addTo(cl);
    const QCommandLineOption out({QStringLiteral("o"), QStringLiteral("out")},
                                 QStringLiteral("The file to write (required; '-' is not allowed: the export is written atomically)."),
                                 QStringLiteral("FILE"));
    const QCommandLineOption format(QStringLiteral("format"),
                                    QStringLiteral("File format: %1. Default: csv when FILE ends in .csv, else jsonl.")
                                        .arg(EventWriter::formatNames().join(QStringLiteral(", "))),
                                    QStringLiteral("FORMAT"));
    const QCommandLineOption quiet({QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No progress on stderr."));
    for (const auto &o : {out, format, quiet})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;

    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();
    const EventQuery query = filters.query(cl);
    const QString file = cl.required(out);
    if (file == u"-")
        throw UsageError(QStringLiteral("--out - is not supported: the export is written atomically to a file; name one"));
    EventWriter::Options options;
    if (cl.isSet(format)) {
        const auto f = EventWriter::formatFromName(cl.value(format));
        if (!f)
            throw UsageError(QStringLiteral("unknown --format '%1': expected one of %2").arg(cl.value(format), formats));
        options.format = *f;
    } else {
        options.format = file.endsWith(u".csv", Qt::CaseInsensitive) ? EventWriter::Format::Csv : EventWriter::Format::JsonLines;
    }

    auto store = openExistingStore(path, EventStore::OpenMode::ReadOnly);

    installInterruptHandler();
    Progress progress(QStringLiteral("exporting"), cl.isSet(quiet));
    options.progress = [&progress](qint64 done, qint64 total) {
        progress.update(done, total);
        return !interrupted();
    };
    const ExportResult result = EventWriter(options).write(*store, query, file);
    progress.finish();
    switch (result.status) {
    case ExportResult::Status::Ok:
        break;
    case ExportResult::Status::Cancelled:
        throw CommandError(QStringLiteral("interrupted; nothing exported, nothing written to %1").arg(file));
    case ExportResult::Status::Failed:
        throw CommandError(QStringLiteral("export failed, nothing written: %1").arg(result.error));
    }
    writeOut(QStringLiteral("exported %1 to %2 (%3)\n")
                 .arg(counted(result.written, "event", "events"), file, EventWriter::formatName(options.format)));
    return ExitOk;
}

} // namespace eventlens::cli

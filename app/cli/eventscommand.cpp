#include "cli.h"

#include "eventquery.h"
#include "timeutil.h"

namespace eventlens::cli {

namespace {

constexpr qsizetype kPreviewChars = 100;
constexpr qsizetype kWidthSampleRows = 1000;   // rows buffered to fix the column widths

} // namespace

int runEvents(const QStringList &args)
{
    CommandLine cl(QStringLiteral("events"), QStringLiteral("STORE ") + EventFilterOptions::synopsis() + QStringLiteral(" [--json]"),
                   QStringLiteral("Reads the log of a store (opened read-only), filtered, in position order. Filters combine\n"
                                  "with AND. Events are streamed page by page, so any store size works. Plain output is an\n"
                                  "aligned table with a data preview; --json prints every event in full as one JSON line\n"
                                  "with exactly the keys position, stream, version, id, type, data, metadata, time."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file."));
    const EventFilterOptions filters;
    filters.addTo(cl);
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON Lines, one canonical event per line."));
    cl.addOption(json);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();
    const EventQuery query = filters.query(cl);

    auto store = openExistingStore(path, EventStore::OpenMode::ReadOnly);
    if (query.limit == 0)
        return ExitOk;

    qint64 written = 0;
    if (cl.isSet(json)) {
        QByteArray line;
        store->forEach(query, [&](const Event &e) {
            line = e.toJsonLine();
            line += '\n';
            writeOut(line);
            ++written;
            return query.limit < 0 || written < query.limit;
        });
        return ExitOk;
    }

    Table table({QStringLiteral("POSITION"), QStringLiteral("TIME"), QStringLiteral("STREAM"), QStringLiteral("VERSION"), QStringLiteral("TYPE"),
                 QStringLiteral("DATA")},
                {true, false, false, true, false, false});
    store->forEach(query, [&](const Event &e) {
        table.addRow({QString::number(e.position), timeutil::formatIsoString(e.timeMs), e.stream, QString::number(e.version), e.type,
                      payloadPreview(e.data, e.dataIsJson, kPreviewChars)});
        if (!table.flushed() && table.rowCount() >= kWidthSampleRows)
            table.flush();
        ++written;
        return query.limit < 0 || written < query.limit;
    });
    if (written == 0) {
        writeOut(QStringLiteral("(no events)\n"));
        return ExitOk;
    }
    table.flush();
    return ExitOk;
}

} // namespace eventlens::cli

#include "cli.h"

#include "eventquery.h"
#include "timeutil.h"

#include <limits>

namespace eventlens::cli {

namespace {

constexpr qsizetype kPreviewChars = 100;
constexpr qsizetype kWidthSampleRows = 1000;   // rows buffered to fix the column widths

} // namespace

int runEvents(const QStringList &args)
{
    CommandLine cl(QStringLiteral("events"),
                   QStringLiteral("STORE [--stream S] [--category C] [--type T]... [--from P] [--to P] [--since TIME] [--until TIME] "
                                  "[--limit N] [--backward] [--json]"),
                   QStringLiteral("Reads the log of a store (opened read-only), filtered, in position order. Filters combine\n"
                                  "with AND. Events are streamed page by page, so any store size works. Plain output is an\n"
                                  "aligned table with a data preview; --json prints every event in full as one JSON line\n"
                                  "with exactly the keys position, stream, version, id, type, data, metadata, time."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file."));
    const QCommandLineOption stream(QStringLiteral("stream"), QStringLiteral("Only this stream (exact name)."), QStringLiteral("S"));
    const QCommandLineOption category(QStringLiteral("category"), QStringLiteral("Only streams of this category."), QStringLiteral("C"));
    const QCommandLineOption type(QStringLiteral("type"), QStringLiteral("Only this event type; repeat it (or separate with commas) for several."),
                                  QStringLiteral("T"));
    const QCommandLineOption from(QStringLiteral("from"),
                                  QStringLiteral("Start at this global position (inclusive). With --backward the highest position read."),
                                  QStringLiteral("P"));
    const QCommandLineOption to(QStringLiteral("to"),
                                QStringLiteral("Stop at this global position (inclusive). With --backward the lowest position read."),
                                QStringLiteral("P"));
    const QCommandLineOption since(QStringLiteral("since"), QStringLiteral("Only events at or after this time (ISO 8601 or Unix time)."),
                                   QStringLiteral("TIME"));
    const QCommandLineOption until(QStringLiteral("until"), QStringLiteral("Only events before this time (exclusive)."), QStringLiteral("TIME"));
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("At most N events."), QStringLiteral("N"));
    const QCommandLineOption backward(QStringLiteral("backward"), QStringLiteral("Newest first."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON Lines, one canonical event per line."));
    for (const auto &o : {stream, category, type, from, to, since, until, limit, backward, json})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();

    constexpr qint64 maxInt = std::numeric_limits<qint64>::max();
    EventQuery query;
    query.stream = cl.value(stream);
    query.category = cl.value(category);
    query.types = cl.list(type);
    query.fromPosition = cl.integer(from, 0, maxInt);
    query.toPosition = cl.integer(to, 0, maxInt);
    query.sinceMs = cl.time(since);
    query.untilMs = cl.time(until);
    query.limit = cl.integer(limit, 0, maxInt).value_or(-1);
    query.backward = cl.isSet(backward);
    if (cl.isSet(stream) && query.stream.isEmpty())
        throw UsageError(QStringLiteral("--stream must not be empty"));
    if (cl.isSet(category) && query.category.isEmpty())
        throw UsageError(QStringLiteral("--category must not be empty"));
    if (cl.isSet(type) && query.types.isEmpty())
        throw UsageError(QStringLiteral("--type must not be empty"));

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

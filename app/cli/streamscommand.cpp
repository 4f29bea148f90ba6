#include "cli.h"

#include "jsonutil.h"
#include "timeutil.h"

namespace eventlens::cli {

int runStreams(const QStringList &args)
{
    CommandLine cl(QStringLiteral("streams"), QStringLiteral("STORE [--category C] [--match GLOB] [--json]"),
                   QStringLiteral("Lists the streams of a store (opened read-only) with their number of events, current\n"
                                  "version, last position and the time of their last event."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file."));
    const QCommandLineOption category(QStringLiteral("category"), QStringLiteral("Only streams of this category (the part of the name before the first '-')."),
                                      QStringLiteral("C"));
    const QCommandLineOption match(QStringLiteral("match"), QStringLiteral("Only stream names matching this glob (* ? [...], case-sensitive)."),
                                   QStringLiteral("GLOB"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("JSON Lines: one object per stream with stream, category, version, events,\n"
                                                 "last_position, last_time."));
    cl.addOption(category);
    cl.addOption(match);
    cl.addOption(json);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();

    auto store = openExistingStore(path, EventStore::OpenMode::ReadOnly);
    const std::vector<StreamInfo> streams = store->streams(cl.value(category), cl.value(match));

    if (cl.isSet(json)) {
        QByteArray out;
        for (const StreamInfo &s : streams) {
            out.clear();
            out += "{\"stream\":";
            jsonutil::appendString(out, s.name);
            out += ",\"category\":";
            jsonutil::appendString(out, s.category);
            out += ",\"version\":" + QByteArray::number(s.version);
            out += ",\"events\":" + QByteArray::number(s.count());
            out += ",\"last_position\":" + QByteArray::number(s.lastPosition);
            out += ",\"last_time\":\"" + timeutil::formatIso(s.lastTimeMs) + "\"}\n";
            writeOut(out);
        }
        return ExitOk;
    }

    if (streams.empty()) {
        writeOut(QStringLiteral("(no streams)\n"));
        return ExitOk;
    }
    Table table({QStringLiteral("STREAM"), QStringLiteral("EVENTS"), QStringLiteral("VERSION"), QStringLiteral("LAST POSITION"),
                 QStringLiteral("LAST EVENT")},
                {false, true, true, true, false});
    for (const StreamInfo &s : streams) {
        table.addRow({s.name, QString::number(s.count()), QString::number(s.version), QString::number(s.lastPosition),
                      timeutil::formatIsoString(s.lastTimeMs)});
    }
    table.flush();
    writeOut(counted(qint64(streams.size()), "stream", "streams") + u'\n');
    return ExitOk;
}

} // namespace eventlens::cli

#include "cli.h"

#include "jsonutil.h"
#include "timeutil.h"

namespace eventlens::cli {

int runInfo(const QStringList &args)
{
    CommandLine cl(QStringLiteral("info"), QStringLiteral("STORE [--json]"),
                   QStringLiteral("Summarises a store (opened read-only): number of events and streams, events per\n"
                                  "category and per type, the time of the first and last event and the hash of the\n"
                                  "head of the hash chain."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print one JSON object: events, streams, head_position, categories, types,\n"
                                                 "first_time, last_time, head_hash (times and hash null when empty)."));
    cl.addOption(json);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();

    auto store = openExistingStore(path, EventStore::OpenMode::ReadOnly);
    const StoreInfo info = store->info();
    const QString hash = QString::fromLatin1(info.headHash.toHex());

    if (cl.isSet(json)) {
        nlohmann::ordered_json out;
        out["store"] = jsonutil::toStd(path);
        out["events"] = info.events;
        out["streams"] = info.streams;
        out["head_position"] = info.headPosition;
        auto counts = [](const QMap<QString, qint64> &map) {
            nlohmann::ordered_json o = nlohmann::ordered_json::object();
            for (auto it = map.cbegin(); it != map.cend(); ++it)
                o[jsonutil::toStd(it.key())] = it.value();
            return o;
        };
        out["categories"] = counts(info.categories);
        out["types"] = counts(info.types);
        out["first_time"] = info.firstTimeMs ? nlohmann::ordered_json(timeutil::formatIso(*info.firstTimeMs).toStdString()) : nullptr;
        out["last_time"] = info.lastTimeMs ? nlohmann::ordered_json(timeutil::formatIso(*info.lastTimeMs).toStdString()) : nullptr;
        out["head_hash"] = hash.isEmpty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(jsonutil::toStd(hash));
        writeOut(QByteArray::fromStdString(out.dump()) + '\n');
        return ExitOk;
    }

    auto label = [](const char *text) { return QString::fromLatin1(text).leftJustified(14); };
    QString text;
    text += label("Store:") + path + u'\n';
    text += label("Events:") + groupDigits(info.events) + u'\n';
    text += label("Streams:") + groupDigits(info.streams) + u'\n';
    text += label("Head:") + QStringLiteral("position %1").arg(info.headPosition) + u'\n';
    text += label("Head hash:") + (hash.isEmpty() ? QStringLiteral("-") : hash) + u'\n';
    text += label("First event:") + (info.firstTimeMs ? timeutil::formatIsoString(*info.firstTimeMs) : QStringLiteral("-")) + u'\n';
    text += label("Last event:") + (info.lastTimeMs ? timeutil::formatIsoString(*info.lastTimeMs) : QStringLiteral("-")) + u'\n';
    writeOut(text);
    auto section = [](const char *title, const QMap<QString, qint64> &map) {
        if (map.isEmpty())
            return;
        writeOut(QStringLiteral("\n%1 (%2):\n").arg(QString::fromLatin1(title)).arg(map.size()));
        qsizetype width = 0;
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            width = std::max(width, it.key().size());
        QString lines;
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            lines += QStringLiteral("  ") + it.key().leftJustified(width) + QStringLiteral("  ") + groupDigits(it.value()).rightJustified(13) + u'\n';
        writeOut(lines);
    };
    section("Categories", info.categories);
    section("Types", info.types);
    return ExitOk;
}

} // namespace eventlens::cli

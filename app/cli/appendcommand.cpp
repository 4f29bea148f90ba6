#include "cli.h"

#include "expectedversion.h"
#include "jsonscanner.h"
#include "jsonutil.h"

#include <QUuid>

namespace eventlens::cli {

namespace {

// The JSON text of an option, validated and compacted by the importers' scanner, so that
// append stores exactly the bytes an import of the same value stores: numbers keep their
// digits, members their order (duplicates included), strings their escapes.
QByteArray compactJsonOption(const QString &option, const QString &text, bool objectRequired)
{
    const QByteArray utf8 = text.toUtf8();
    JsonValue value;
    JsonScanError error;
    if (JsonScanner::scanValue(utf8, value, error) != JsonScanner::Status::Ok) {
        qint64 line = 0;
        qint64 column = 0;
        JsonScanner::position(utf8, error.offset, line, column);
        const QString where = utf8.contains('\n') ? QStringLiteral("line %1, column %2").arg(line).arg(column)
                                                  : QStringLiteral("column %1").arg(column);
        throw UsageError(QStringLiteral("%1 is not valid JSON at %2: %3").arg(option, where, error.message));
    }
    if (objectRequired && !value.isObject())
        throw UsageError(QStringLiteral("%1 must be a JSON object, not %2").arg(option, value.kindName()));
    return JsonScanner::compact(value);
}

} // namespace

int runAppend(const QStringList &args)
{
    CommandLine cl(QStringLiteral("append"),
                   QStringLiteral("STORE --stream S --type T --data JSON [--metadata JSON] [--id UUID] [--expected-version V] [--time TIME] [--json]"),
                   QStringLiteral("Appends one event to a stream of an embedded store (created when missing), in its own\n"
                                  "durable transaction, and prints its position and version. With --expected-version the\n"
                                  "append only happens when the stream is at that version; otherwise nothing is appended\n"
                                  "and the command exits with code 3 naming the stream, the expected and the actual\n"
                                  "version. Re-appending the same --id with the same expectation is idempotent."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file (created when missing)."));
    const QCommandLineOption stream(QStringLiteral("stream"), QStringLiteral("Stream to append to, e.g. account-42."), QStringLiteral("S"));
    const QCommandLineOption type(QStringLiteral("type"), QStringLiteral("Event type, e.g. Deposited."), QStringLiteral("T"));
    const QCommandLineOption data(QStringLiteral("data"), QStringLiteral("Event data as JSON text."), QStringLiteral("JSON"));
    const QCommandLineOption metadata(QStringLiteral("metadata"), QStringLiteral("Metadata as a JSON object (default {})."), QStringLiteral("JSON"));
    const QCommandLineOption id(QStringLiteral("id"), QStringLiteral("Event id (default: a new time-ordered UUID, version 7)."), QStringLiteral("UUID"));
    const QCommandLineOption expected(QStringLiteral("expected-version"),
                                      QStringLiteral("any (default), no-stream, exists, or the exact current version N (0-based)."),
                                      QStringLiteral("V"), QStringLiteral("any"));
    const QCommandLineOption time(QStringLiteral("time"), QStringLiteral("Event time, ISO 8601 or Unix time (default: now)."), QStringLiteral("TIME"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the result as a JSON object."));
    for (const auto &o : {stream, type, data, metadata, id, expected, time, json})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();

    const QString streamName = cl.required(stream);
    NewEvent event;
    event.type = cl.required(type);
    if (!cl.isSet(data))
        throw UsageError(QStringLiteral("missing required option --data"));
    event.data = compactJsonOption(QStringLiteral("--data"), cl.value(data), false);
    if (cl.isSet(metadata))
        event.metadata = compactJsonOption(QStringLiteral("--metadata"), cl.value(metadata), true);
    if (cl.isSet(id)) {
        const QUuid uuid = QUuid::fromString(cl.value(id).trimmed());
        if (uuid.isNull())
            throw UsageError(QStringLiteral("invalid --id '%1': expected a UUID such as 3f2504e0-4f89-41d3-9a0c-0305e82c3301").arg(cl.value(id)));
        event.id = uuid.toString(QUuid::WithoutBraces);
    } else {
        event.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    }
    const auto expectedVersion = ExpectedVersion::parse(cl.value(expected));
    if (!expectedVersion)
        throw UsageError(QStringLiteral("invalid --expected-version '%1': expected any, no-stream, exists or a version >= -1").arg(cl.value(expected)));
    event.timeMs = cl.time(time);

    auto store = openOrCreateStore(path);
    const AppendResult result = store->append(streamName, *expectedVersion, {event});

    qint64 position = result.lastPosition;
    qint64 version = result.lastVersion;
    if (result.idempotent || result.appended == 0) {
        if (const auto existing = store->eventById(event.id)) {
            position = existing->position;
            version = existing->version;
        }
    }
    if (cl.isSet(json)) {
        nlohmann::ordered_json out;
        out["position"] = position;
        out["stream"] = jsonutil::toStd(streamName);
        out["version"] = version;
        out["id"] = jsonutil::toStd(event.id);
        out["idempotent"] = result.idempotent;
        writeOut(QByteArray::fromStdString(out.dump()) + '\n');
    } else if (result.idempotent) {
        writeOut(QStringLiteral("already appended (idempotent, nothing written): %1 at position %2, version %3, id %4\n")
                     .arg(streamName, QString::number(position), QString::number(version), event.id));
    } else {
        writeOut(QStringLiteral("appended %1 to %2 at position %3, version %4, id %5\n")
                     .arg(event.type, streamName, QString::number(position), QString::number(version), event.id));
    }
    return ExitOk;
}

} // namespace eventlens::cli

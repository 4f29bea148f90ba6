#include "cli.h"

#include "jsonutil.h"
#include "projection.h"
#include "projector.h"
#include "readdatabase.h"
#include "readmodel.h"
#include "timeutil.h"

#include <QFileInfo>

#include <limits>

namespace eventlens::cli {

namespace {

using Json = nlohmann::ordered_json;

QCommandLineOption readDbOption()
{
    return QCommandLineOption(QStringLiteral("read-db"),
                              QStringLiteral("The read database (default: STORE.read, next to the store)."), QStringLiteral("PATH"));
}

QString readDbPath(const CommandLine &cl, const QCommandLineOption &option, const QString &storePath)
{
    if (!cl.isSet(option))
        return ReadDatabase::defaultPath(storePath);
    const QString path = cl.value(option);
    if (path.isEmpty())
        throw UsageError(QStringLiteral("%1 must not be empty").arg(optionName(option)));
    const QFileInfo fi(path);
    if (fi.isDir())
        throw CommandError(QStringLiteral("%1 is a folder, not a read database").arg(path));
    if (!fi.exists() && !fi.absoluteDir().exists())
        throw CommandError(QStringLiteral("cannot create the read database %1: the folder %2 does not exist").arg(path, fi.absolutePath()));
    return path;
}

// The records of an existing read database (none when it does not exist yet).
std::vector<ReadModelRecord> existingRecords(const QString &path)
{
    if (!QFileInfo::exists(path))
        return {};
    ReadDatabase db(path, ReadDatabase::OpenMode::ReadOnly);
    return db.models();
}

QStringList knownNames(const std::vector<ReadModelRecord> &records)
{
    QStringList names = ReadModelDefinition::bundledNames();
    for (const ReadModelRecord &r : records) {
        if (!names.contains(r.name) && !r.script.isEmpty())
            names.append(r.name);
    }
    return names;
}

// 850 -> "850 ms", 4200 -> "4.2 s", 192000 -> "3 min 12 s", 7500000 -> "2 h 5 min", 3 days -> "3 d 0 h"
QString durationText(qint64 ms)
{
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    const qint64 s = ms / 1000;
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    if (s < 86400)
        return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    return QStringLiteral("%1 d %2 h").arg(s / 86400).arg((s % 86400) / 3600);
}

Json entryJson(const ReadEntry &entry)
{
    return entry.json();
}

} // namespace

int runQuery(const QStringList &args)
{
    CommandLine cl(QStringLiteral("query"),
                   QStringLiteral("STORE --read-model NAME [--key K | --where FILTER...] [--limit N] [--json] [--read-db PATH]\n"
                                  "       [--read-model-script FILE.js] [--rebuild]"),
                   QStringLiteral("Brings a read model up to date with the store's log, then answers a query on it.\n"
                                  "\n"
                                  "A read model is a KurrentDB-style projection (see 'project') kept by a projector in a read\n"
                                  "database, a SQLite file of its own (STORE.read by default; created when missing): one entry per\n"
                                  "partition (foreachStream or partitionBy), keyed by the partition, its value the partition's\n"
                                  "result with transformBy/outputState, else its state. The model remembers the last event it\n"
                                  "processed (its checkpoint): a query only processes the events appended since, and a changed\n"
                                  "script rebuilds the model from scratch. The store is opened read-only and never written.\n"
                                  "\n"
                                  "Bundled models: balance (per account stream account-*: owner, currency, status, balance,\n"
                                  "lastChangedAt) and orders (per order stream order-*: customer, currency, status, items, total,\n"
                                  "lastChangedAt). Money is summed in cents: exact to the cent. Your own model: --read-model NAME\n"
                                  "--read-model-script FILE.js; it is kept in the read database, so later queries need only NAME.\n"
                                  "\n"
                                  "--key K prints the entry's value as one line of JSON (with --json: {\"key\", \"value\",\n"
                                  "\"position\" (the last event that changed it), \"checkpoint\"}); an absent key exits 1.\n"
                                  "--where FIELD OP VALUE (repeatable, all must hold; OP one of = != < <= > >= ~) filters the\n"
                                  "entries on their JSON value: FIELD is a dotted path (owner, items.0.sku; $key and $position\n"
                                  "are the entry's key and position); a number compares numerically, \"quoted\" text is always a\n"
                                  "string, true/false/null match those JSON values, ~ is a case-insensitive 'contains'. Matches\n"
                                  "are printed in key order as JSON Lines {\"key\", \"value\"} (with --json also \"position\" and\n"
                                  "\"checkpoint\"). Without --key or --where every entry is printed.\n"
                                  "\n"
                                  "Examples:\n"
                                  "  eventlens-cli query demo.eventlens --read-model balance --key account-42\n"
                                  "  eventlens-cli query demo.eventlens --read-model balance --where 'balance>1000' --where status=open\n"
                                  "  eventlens-cli query demo.eventlens --read-model orders --where 'items~keyboard' --limit 5\n"
                                  "\n"
                                  "A script error stops the model at the last good checkpoint and exits 1 with its position."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file (opened read-only)."));
    const QCommandLineOption model(QStringLiteral("read-model"), QStringLiteral("The read model (balance, orders, or your own)."),
                                   QStringLiteral("NAME"));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("Print the entry with this key (partition), e.g. account-42."),
                                 QStringLiteral("K"));
    const QCommandLineOption where(QStringList{QStringLiteral("where"), QStringLiteral("filter")},
                                   QStringLiteral("Only entries whose value matches FIELD OP VALUE (repeatable; e.g. 'balance>100')."),
                                   QStringLiteral("FILTER"));
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("Print at most N entries."), QStringLiteral("N"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Also print position and checkpoint (see above)."));
    const QCommandLineOption readDb = readDbOption();
    const QCommandLineOption script(QStringLiteral("read-model-script"),
                                    QStringLiteral("Your own read model: this projection script, under the name --read-model."),
                                    QStringLiteral("FILE.js"));
    const QCommandLineOption rebuild(QStringLiteral("rebuild"), QStringLiteral("Drop the model's entries and replay the whole log first."));
    for (const auto &o : {model, key, where, limit, json, readDb, script, rebuild})
        cl.addOption(o);
    if (auto code = cl.parse(args))
        return *code;
    const QString storePath = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();
    const QString name = cl.required(model);
    if (cl.isSet(key) && cl.isSet(where))
        throw UsageError(QStringLiteral("give either --key or --where, not both"));
    if (cl.isSet(key) && cl.isSet(limit))
        throw UsageError(QStringLiteral("--limit applies to --where, not to --key"));
    std::vector<ReadFilter> filters;
    for (const QString &text : cl.values(where)) {
        QString error;
        const std::optional<ReadFilter> f = ReadFilter::parse(text, &error);
        if (!f)
            throw UsageError(QStringLiteral("--where: %1").arg(error));
        filters.push_back(*f);
    }
    const qint64 maxEntries = cl.integer(limit, 0, std::numeric_limits<qint64>::max()).value_or(-1);

    auto store = openExistingStore(storePath, EventStore::OpenMode::ReadOnly);
    const QString dbPath = readDbPath(cl, readDb, storePath);

    // Which model.
    std::optional<ReadModelDefinition> definition;
    if (cl.isSet(script)) {
        if (ReadModelDefinition::bundledModel(name))
            throw UsageError(QStringLiteral("'%1' is a bundled read model: give your own model another name").arg(name));
        QString error;
        definition = ReadModelDefinition::fromFile(name, cl.value(script), &error);
        if (!definition)
            throw CommandError(error);
        if (const std::optional<ProjectionError> e = Projection::check(definition->script))
            throw CommandError(cl.value(script) + QStringLiteral(": ") + e->toString());
    } else {
        definition = ReadModelDefinition::bundledModel(name);
    }
    if (!definition) {
        const std::vector<ReadModelRecord> records = existingRecords(dbPath);
        for (const ReadModelRecord &r : records) {
            if (r.name == name && !r.script.isEmpty())
                definition = ReadModelDefinition::fromScript(r.name, r.script, r.fileName);
        }
        if (!definition) {
            throw CommandError(QStringLiteral("unknown read model '%1'; known: %2 (or give your own with --read-model-script FILE.js)")
                                   .arg(name, knownNames(records).join(QStringLiteral(", "))));
        }
    }

    // Up to date with the log.
    {
        Projector projector(*store, *definition, dbPath);
        if (cl.isSet(rebuild))
            projector.rebuild();
        const qint64 head = store->headPosition();
        installInterruptHandler();
        Progress progress(QStringLiteral("updating %1").arg(name), false);
        projector.start();
        while (!projector.waitUntilCaughtUp(head, std::chrono::milliseconds(100))) {
            const ProjectorStatus s = projector.status();
            if (s.state == ProjectorStatus::State::Faulted) {
                throw CommandError(QStringLiteral("read model %1 faulted: %2 (it stays at position %3)")
                                       .arg(name, s.error, QString::number(s.checkpoint)));
            }
            if (s.state == ProjectorStatus::State::Stopped)
                throw CommandError(QStringLiteral("read model %1 stopped at position %2").arg(name, QString::number(s.checkpoint)));
            if (interrupted()) {
                projector.stop();
                throw CommandError(QStringLiteral("interrupted; read model %1 is at position %2 of %3")
                                       .arg(name, QString::number(projector.status().checkpoint), QString::number(head)));
            }
            progress.update(s.checkpoint, head);
        }
        progress.finish();
        projector.stop();
    }

    ReadDatabase db(dbPath, ReadDatabase::OpenMode::ReadOnly);
    const qint64 checkpoint = db.model(name).value_or(ReadModelRecord()).checkpoint;
    const bool full = cl.isSet(json);
    if (cl.isSet(key)) {
        const QString k = cl.value(key);
        const std::optional<ReadEntry> entry = db.get(name, k);
        if (!entry) {
            throw CommandError(QStringLiteral("no entry '%1' in read model %2 (%3 at position %4)")
                                   .arg(k, name, counted(db.entryCount(name), "entry", "entries"), QString::number(checkpoint)));
        }
        if (!full) {
            writeOut(entry->value + '\n');
            return ExitOk;
        }
        Json out = Json::object();
        out["key"] = jsonutil::toStd(entry->key);
        out["value"] = entryJson(*entry);
        out["position"] = entry->position;
        out["checkpoint"] = checkpoint;
        writeOut(jsonText(out) + u'\n');
        return ExitOk;
    }
    for (const ReadEntry &entry : db.query(name, filters, maxEntries)) {
        Json out = Json::object();
        out["key"] = jsonutil::toStd(entry.key);
        out["value"] = entryJson(entry);
        if (full) {
            out["position"] = entry.position;
            out["checkpoint"] = checkpoint;
        }
        writeOut(jsonText(out) + u'\n');
    }
    return ExitOk;
}

int runReadModels(const QStringList &args)
{
    CommandLine cl(QStringLiteral("read-models"), QStringLiteral("STORE [--read-db PATH] [--json]"),
                   QStringLiteral("Lists the read models of a store's read database (STORE.read by default): the bundled ones\n"
                                  "and your own, each with its checkpoint (the last event it reflects), its entries and its lag\n"
                                  "behind the log, in events and in time (time of the head event - time of the checkpoint\n"
                                  "event). Nothing is updated or created: 'query' brings a model up to date.\n"
                                  "\n"
                                  "state: not built (never queried), up to date, behind, rebuild due (its script changed or\n"
                                  "the read database belongs to another store: the next query rebuilds it).\n"
                                  "--json prints one JSON line per model: name, title, bundled, state, checkpoint, head,\n"
                                  "lag_events, lag_ms, entries, updated_at (null when never built)."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file (opened read-only)."));
    const QCommandLineOption readDb = readDbOption();
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("JSON Lines output (see above)."));
    cl.addOption(readDb);
    cl.addOption(json);
    if (auto code = cl.parse(args))
        return *code;
    const QString storePath = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();
    auto store = openExistingStore(storePath, EventStore::OpenMode::ReadOnly);
    const QString dbPath = readDbPath(cl, readDb, storePath);
    const qint64 head = store->headPosition();
    qint64 headTimeMs = 0;
    if (head > 0) {
        if (const std::optional<Event> e = store->eventAt(head))
            headTimeMs = e->timeMs;
    }

    std::unique_ptr<ReadDatabase> db;
    if (QFileInfo::exists(dbPath))
        db = std::make_unique<ReadDatabase>(dbPath, ReadDatabase::OpenMode::ReadOnly);
    const std::vector<ReadModelRecord> records = db ? db->models() : std::vector<ReadModelRecord>();

    struct Row
    {
        QString name;
        QString title;
        bool bundled = false;
        std::optional<ReadModelRecord> record;
        qint64 entries = 0;
        QString state;
        qint64 lagEvents = 0;
        qint64 lagMs = 0;
    };
    std::vector<Row> rows;
    const auto findRecord = [&](const QString &name) -> std::optional<ReadModelRecord> {
        for (const ReadModelRecord &r : records) {
            if (r.name == name)
                return r;
        }
        return std::nullopt;
    };
    for (const ReadModelDefinition &d : ReadModelDefinition::bundledModels())
        rows.push_back({d.name, d.title, true, findRecord(d.name), 0, {}, 0, 0});
    for (const ReadModelRecord &r : records) {
        if (!ReadModelDefinition::bundledModel(r.name))
            rows.push_back({r.name, r.name, false, r, 0, {}, 0, 0});
    }
    for (Row &row : rows) {
        if (!row.record) {
            row.state = QStringLiteral("not built");
            row.lagEvents = head;
            continue;
        }
        const ReadModelRecord &r = *row.record;
        row.entries = db->entryCount(row.name);
        bool rebuildDue = false;
        if (row.bundled)
            rebuildDue = ReadModelDefinition::bundledModel(row.name)->scriptSha256() != r.scriptSha256;
        if (r.checkpoint > 0) {
            const std::optional<Event> at = store->eventAt(r.checkpoint);
            rebuildDue = rebuildDue || !at || at->id != r.checkpointEventId;
        }
        row.lagEvents = std::max<qint64>(0, head - r.checkpoint);
        row.lagMs = row.lagEvents > 0 && r.checkpointTimeMs > 0 ? std::max<qint64>(0, headTimeMs - r.checkpointTimeMs) : 0;
        row.state = rebuildDue ? QStringLiteral("rebuild due") : row.lagEvents == 0 ? QStringLiteral("up to date") : QStringLiteral("behind");
    }

    if (cl.isSet(json)) {
        for (const Row &row : rows) {
            Json out = Json::object();
            out["name"] = jsonutil::toStd(row.name);
            out["title"] = jsonutil::toStd(row.title);
            out["bundled"] = row.bundled;
            out["state"] = jsonutil::toStd(row.state);
            out["checkpoint"] = row.record ? row.record->checkpoint : 0;
            out["head"] = head;
            out["lag_events"] = row.lagEvents;
            out["lag_ms"] = row.lagMs;
            out["entries"] = row.entries;
            out["updated_at"] = row.record && row.record->updatedAtMs > 0 ? Json(timeutil::formatIso(row.record->updatedAtMs).toStdString())
                                                                         : Json(nullptr);
            writeOut(jsonText(out) + u'\n');
        }
        return ExitOk;
    }
    Table table({QStringLiteral("MODEL"), QStringLiteral("CHECKPOINT"), QStringLiteral("ENTRIES"), QStringLiteral("LAG (EVENTS)"),
                 QStringLiteral("LAG (TIME)"), QStringLiteral("STATE"), QStringLiteral("TITLE")},
                {false, true, true, true, true, false, false});
    for (const Row &row : rows) {
        table.addRow({row.name, row.record ? QString::number(row.record->checkpoint) : QStringLiteral("-"), QString::number(row.entries),
                      QString::number(row.lagEvents), row.lagMs > 0 ? durationText(row.lagMs) : QStringLiteral("-"), row.state, row.title});
    }
    table.flush();
    writeOut(QStringLiteral("head position %1; read database %2%3\n")
                 .arg(QString::number(head), dbPath, db ? QString() : QStringLiteral(" (not created yet)")));
    return ExitOk;
}

} // namespace eventlens::cli

#include "readdatabase.h"

#include "jsonutil.h"

#include "sqlitedb.h"
#include "sqlitestatement.h"
#include "storeerror.h"
#include "timeutil.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <sqlite3.h>

#include <cmath>

namespace eventlens {

namespace {

constexpr int kEventStoreApplicationId = 0x45564c4e; // "EVLN" (eventstore.cpp)

const char kSchema[] = R"SQL(
CREATE TABLE read_models(
    name TEXT PRIMARY KEY,
    script_sha256 TEXT NOT NULL,
    checkpoint INTEGER NOT NULL DEFAULT 0,
    checkpoint_time_ms INTEGER NOT NULL DEFAULT 0,
    updated_at_ms INTEGER NOT NULL DEFAULT 0,
    checkpoint_event_id TEXT NOT NULL DEFAULT '',
    script TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL DEFAULT ''
);
CREATE TABLE entries(
    model TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY(model, key)
) WITHOUT ROWID;
CREATE TABLE projector_states(
    model TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    state BLOB NOT NULL,
    saved_at_ms INTEGER NOT NULL
);
)SQL";

QString openError(const QString &path, const QString &why)
{
    return QStringLiteral("cannot open read database '%1': %2").arg(path, why);
}

// Checks the file before SQLite touches it: a missing or empty file is new (ReadWrite only);
// anything else must be a SQLite file with the read database's application_id. Returns true
// for a new file.
bool checkHeader(const QString &path, ReadDatabase::OpenMode mode)
{
    const QFileInfo fi(path);
    if (!fi.exists()) {
        if (mode == ReadDatabase::OpenMode::ReadOnly)
            throw StoreError(openError(path, QStringLiteral("no such file")));
        if (!fi.absoluteDir().exists())
            throw StoreError(openError(path, QStringLiteral("the folder does not exist")));
        return true;
    }
    if (!fi.isFile())
        throw StoreError(openError(path, QStringLiteral("not a file")));
    if (fi.size() == 0) {
        if (mode == ReadDatabase::OpenMode::ReadOnly)
            throw StoreError(openError(path, QStringLiteral("not a read database (empty file)")));
        // An empty database whose content is still in a write-ahead log belongs to someone else.
        if (QFileInfo(path + QStringLiteral("-wal")).size() > 0)
            throw StoreError(openError(path, QStringLiteral("not a read database (an empty file with a write-ahead log)")));
        return true;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        throw StoreError(openError(path, file.errorString()));
    const QByteArray header = file.read(100);
    static const QByteArray magic("SQLite format 3\0", 16);
    if (header.size() < 100 || !header.startsWith(magic))
        throw StoreError(openError(path, QStringLiteral("not a read database (not a SQLite file)")));
    const auto byte = [&](int i) { return quint32(quint8(header.at(i))); };
    const int appId = int(byte(68) << 24 | byte(69) << 16 | byte(70) << 8 | byte(71));
    if (appId == kEventStoreApplicationId)
        throw StoreError(openError(path, QStringLiteral("it is an eventlens event store, not a read database")));
    if (appId != ReadDatabase::ApplicationId)
        throw StoreError(openError(path, QStringLiteral("not a read database (a SQLite file of another application)")));
    return false;
}

// eventlens_icontains(haystack, needle): case-insensitive containment (Unicode, unlike LIKE).
void icontains(sqlite3_context *context, int, sqlite3_value **argv)
{
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
        sqlite3_result_null(context);
        return;
    }
    const auto text = [](sqlite3_value *v) {
        const auto *p = reinterpret_cast<const char *>(sqlite3_value_text(v));
        return QString::fromUtf8(p, sqlite3_value_bytes(v));
    };
    sqlite3_result_int(context, text(argv[0]).contains(text(argv[1]), Qt::CaseInsensitive) ? 1 : 0);
}

// A dotted field as a SQLite JSON path: a.b.0 -> $."a"."b"[0]; "$" is the whole value.
std::optional<QByteArray> jsonPath(const QString &field, QString *error)
{
    if (field == u"$")
        return QByteArray("$");
    QByteArray path("$");
    const QStringList segments = field.split(u'.');
    for (const QString &segment : segments) {
        if (segment.isEmpty()) {
            *error = QStringLiteral("field '%1' has an empty part").arg(field);
            return std::nullopt;
        }
        if (segment.contains(u'"')) {
            *error = QStringLiteral("field '%1' contains a double quote").arg(field);
            return std::nullopt;
        }
        bool isIndex = true;
        for (QChar c : segment)
            isIndex = isIndex && c.isDigit() && c.unicode() < 128;
        if (isIndex)
            path += '[' + segment.toLatin1() + ']';
        else
            path += ".\"" + segment.toUtf8() + '"';
    }
    return path;
}

const char *sqlOp(ReadFilter::Op op)
{
    switch (op) {
    case ReadFilter::Op::Equal: return "=";
    case ReadFilter::Op::NotEqual: return "<>";
    case ReadFilter::Op::Less: return "<";
    case ReadFilter::Op::LessEqual: return "<=";
    case ReadFilter::Op::Greater: return ">";
    case ReadFilter::Op::GreaterEqual: return ">=";
    case ReadFilter::Op::Contains: return "~";
    }
    return "=";
}

} // namespace

// ---- ReadEntry ------------------------------------------------------------------------------

nlohmann::ordered_json ReadEntry::json() const
{
    return jsonutil::parseStringified(value.constData(), value.constData() + value.size());
}

// ---- ReadFilter -----------------------------------------------------------------------------

std::optional<ReadFilter> ReadFilter::parse(const QString &text, QString *error)
{
    QString ignored;
    QString &why = error ? *error : ignored;
    qsizetype at = -1;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == u'=' || c == u'!' || c == u'<' || c == u'>' || c == u'~') {
            at = i;
            break;
        }
    }
    if (at < 0) {
        why = QStringLiteral("'%1' is not a filter: expected FIELD OP VALUE with OP one of = != < <= > >= ~").arg(text);
        return std::nullopt;
    }
    ReadFilter f;
    f.field = text.left(at).trimmed();
    const QChar c = text.at(at);
    const bool nextIsEqual = at + 1 < text.size() && text.at(at + 1) == u'=';
    qsizetype valueStart = at + 1;
    if (c == u'=') {
        f.op = Op::Equal;
        if (nextIsEqual)
            ++valueStart; // "==" is "="
    } else if (c == u'!') {
        if (!nextIsEqual) {
            why = QStringLiteral("'%1' is not a filter: '!' must be followed by '='").arg(text);
            return std::nullopt;
        }
        f.op = Op::NotEqual;
        ++valueStart;
    } else if (c == u'<') {
        f.op = nextIsEqual ? Op::LessEqual : Op::Less;
        valueStart += nextIsEqual ? 1 : 0;
    } else if (c == u'>') {
        f.op = nextIsEqual ? Op::GreaterEqual : Op::Greater;
        valueStart += nextIsEqual ? 1 : 0;
    } else {
        f.op = Op::Contains;
    }
    if (f.field.isEmpty()) {
        why = QStringLiteral("'%1' is not a filter: the field is missing").arg(text);
        return std::nullopt;
    }
    if (f.field != u"$key" && f.field != u"$position") {
        if (!jsonPath(f.field, &why))
            return std::nullopt;
    }
    const QString raw = text.mid(valueStart).trimmed();
    f.value = raw;
    static const QRegularExpression numberPattern(QStringLiteral("^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?$"));
    if (raw.size() >= 2 && raw.startsWith(u'"') && raw.endsWith(u'"')) {
        const std::string utf8 = raw.toStdString();
        const auto parsed = nlohmann::json::parse(utf8, nullptr, false);
        f.value = parsed.is_string() ? QString::fromStdString(parsed.get<std::string>()) : raw.mid(1, raw.size() - 2);
        f.kind = Kind::String;
    } else if (f.op == Op::Contains) {
        f.kind = Kind::String;
    } else if (raw == u"true" || raw == u"false") {
        f.kind = Kind::Boolean;
        f.boolean = raw == u"true";
    } else if (raw == u"null") {
        f.kind = Kind::Null;
    } else if (numberPattern.match(raw).hasMatch()) {
        bool ok = false;
        f.number = raw.toDouble(&ok);
        f.kind = ok && std::isfinite(f.number) ? Kind::Number : Kind::String;
    }
    if ((f.kind == Kind::Boolean || f.kind == Kind::Null) && f.op != Op::Equal && f.op != Op::NotEqual) {
        why = QStringLiteral("'%1': only = and != compare with %2").arg(text, raw);
        return std::nullopt;
    }
    return f;
}

QString ReadFilter::opText(Op op)
{
    switch (op) {
    case Op::Equal: return QStringLiteral("=");
    case Op::NotEqual: return QStringLiteral("!=");
    case Op::Less: return QStringLiteral("<");
    case Op::LessEqual: return QStringLiteral("<=");
    case Op::Greater: return QStringLiteral(">");
    case Op::GreaterEqual: return QStringLiteral(">=");
    case Op::Contains: return QStringLiteral("~");
    }
    return {};
}

QString ReadFilter::toString() const
{
    return field + opText(op) + value;
}

// ---- ReadDatabase ---------------------------------------------------------------------------

QString ReadDatabase::defaultPath(const QString &storePath)
{
    return storePath + QStringLiteral(".read");
}

bool ReadDatabase::removeFiles(const QString &path)
{
    return SqliteDb::removeFiles(path);
}

ReadDatabase::ReadDatabase(const QString &path, OpenMode mode)
    : m_path(path)
    , m_readOnly(mode == OpenMode::ReadOnly)
{
    const bool fresh = checkHeader(path, mode);
    try {
        m_db = std::make_unique<SqliteDb>(path, m_readOnly);
    } catch (const StoreError &e) {
        throw StoreError(openError(path, e.message()));
    }
    SqliteDb &db = *m_db;
    int appId = 0;
    qint64 tables = 0;
    try {
        SqliteStatement st(db, "PRAGMA application_id");
        if (st.step())
            appId = int(st.int64(0));
        SqliteStatement count(db, "SELECT count(*) FROM sqlite_master");
        if (count.step())
            tables = count.int64(0);
    } catch (const StoreError &e) {
        throw StoreError(openError(path, e.message()));
    }
    if (tables > 0 && (appId != ApplicationId || !db.tableExists("entries")))
        throw StoreError(openError(path, QStringLiteral("not a read database (a SQLite file without the read database's schema)")));
    if (tables == 0 && !fresh)
        throw StoreError(openError(path, QStringLiteral("not a read database (no tables)")));
    try {
        if (m_readOnly) {
            db.exec("PRAGMA query_only=ON; PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;");
        } else {
            if (tables == 0) {
                // The schema and the application_id are committed in rollback-journal mode, so
                // that they are in the main file (and its header) before WAL mode starts.
                db.exec("PRAGMA page_size=16384");
                db.exec("BEGIN IMMEDIATE");
                try {
                    if (!db.tableExists("entries")) {
                        db.exec(kSchema);
                        db.exec(QByteArray("PRAGMA application_id=" + QByteArray::number(ApplicationId) + ";PRAGMA user_version="
                                           + QByteArray::number(SchemaVersion))
                                    .constData());
                    }
                    db.exec("COMMIT");
                } catch (...) {
                    db.exec("ROLLBACK");
                    throw;
                }
            }
            // A read store can always be rebuilt from the log: no fsync per commit
            // (synchronous=NORMAL in WAL mode keeps it consistent, only the newest commits may be
            // lost on a power cut, and the projectors then catch up from their checkpoint).
            db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;");
        }
        SqliteStatement ver(db, "PRAGMA user_version");
        if (ver.step() && ver.int64(0) > SchemaVersion)
            throw StoreError(QStringLiteral("made by a newer eventlens (schema %1)").arg(ver.int64(0)));
    } catch (const StoreError &e) {
        throw StoreError(openError(path, e.message()));
    }
    if (sqlite3_create_function_v2(db.handle(), "eventlens_icontains", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                   &icontains, nullptr, nullptr, nullptr)
        != SQLITE_OK)
        db.fail(openError(path, QStringLiteral("cannot register a function")));
}

ReadDatabase::~ReadDatabase()
{
    // Statements before the connection.
    m_get.reset();
    m_insert.reset();
    m_update.reset();
    m_delete.reset();
    m_checkpoint.reset();
}

QString ReadDatabase::path() const
{
    return m_path;
}

bool ReadDatabase::isReadOnly() const
{
    return m_readOnly;
}

void ReadDatabase::exec(const char *sql)
{
    m_db->exec(sql);
}

SqliteStatement &ReadDatabase::statement(std::unique_ptr<SqliteStatement> &slot, const char *sql)
{
    if (!slot)
        slot = std::make_unique<SqliteStatement>(*m_db, sql);
    return *slot;
}

std::optional<ReadEntry> ReadDatabase::get(const QString &model, const QString &key)
{
    SqliteStatement &st = statement(m_get, "SELECT value, position FROM entries WHERE model=?1 AND key=?2");
    st.bind(1, model);
    st.bind(2, key);
    std::optional<ReadEntry> out;
    try {
        if (st.step()) {
            out.emplace();
            out->key = key;
            out->value = st.bytes(0);
            out->position = st.int64(1);
        }
    } catch (...) {
        st.reset();
        throw;
    }
    st.reset();
    return out;
}

std::vector<ReadEntry> ReadDatabase::query(const QString &model, const std::vector<ReadFilter> &filters, qint64 limit)
{
    QByteArray sql("SELECT key, value, position FROM entries WHERE model=?1");
    struct Binding
    {
        int index;
        QByteArray text;
    };
    std::vector<Binding> bindings;
    int next = 2;
    const auto param = [&](const QByteArray &text) {
        bindings.push_back({next, text});
        return QByteArray("?" + QByteArray::number(next++));
    };
    for (const ReadFilter &f : filters) {
        QByteArray type;
        QByteArray value;
        if (f.field == u"$key") {
            type = "'text'";
            value = "key";
        } else if (f.field == u"$position") {
            type = "'integer'";
            value = "position";
        } else {
            QString error;
            const std::optional<QByteArray> path = jsonPath(f.field, &error);
            if (!path)
                throw StoreError(error);
            const QByteArray p = param(*path);
            type = "json_type(value, " + p + ')';
            value = "json_extract(value, " + p + ')';
        }
        const QByteArray op(sqlOp(f.op));
        QByteArray cond;
        switch (f.kind) {
        case ReadFilter::Kind::Number: {
            const QByteArray v = param(f.value.toUtf8());
            const QByteArray equal = "((" + type + " IN ('integer','real') AND " + value + " = CAST(" + v + " AS NUMERIC)) OR (" + type
                + " = 'text' AND " + value + " = " + v + "))";
            if (f.op == ReadFilter::Op::Equal)
                cond = equal;
            else if (f.op == ReadFilter::Op::NotEqual)
                cond = '(' + type + " IS NOT NULL AND NOT " + equal + ')';
            else
                cond = '(' + type + " IN ('integer','real') AND " + value + ' ' + op + " CAST(" + v + " AS NUMERIC))";
            break;
        }
        case ReadFilter::Kind::String: {
            const QByteArray v = param(f.value.toUtf8());
            if (f.op == ReadFilter::Op::Contains) {
                cond = '(' + type + " IS NOT NULL AND eventlens_icontains(CASE " + type
                    + " WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' ELSE " + value + " END, " + v + "))";
            } else if (f.op == ReadFilter::Op::NotEqual) {
                cond = '(' + type + " IS NOT NULL AND NOT (" + type + " = 'text' AND " + value + " = " + v + "))";
            } else {
                cond = '(' + type + " = 'text' AND " + value + ' ' + op + ' ' + v + ')';
            }
            break;
        }
        case ReadFilter::Kind::Boolean:
        case ReadFilter::Kind::Null: {
            const QByteArray literal = f.kind == ReadFilter::Kind::Null ? "'null'" : f.boolean ? "'true'" : "'false'";
            if (f.op == ReadFilter::Op::Equal)
                cond = '(' + type + " = " + literal + ')';
            else
                cond = '(' + type + " IS NOT NULL AND " + type + " <> " + literal + ')';
            break;
        }
        }
        sql += " AND " + cond;
    }
    sql += " ORDER BY key";
    if (limit >= 0)
        sql += " LIMIT " + QByteArray::number(limit);
    SqliteStatement st(*m_db, sql);
    st.bind(1, model);
    for (const Binding &b : bindings)
        st.bindText(b.index, b.text);
    std::vector<ReadEntry> out;
    while (st.step())
        out.push_back({st.text(0), st.bytes(1), st.int64(2)});
    return out;
}

qint64 ReadDatabase::entryCount(const QString &model)
{
    SqliteStatement st(*m_db, "SELECT count(*) FROM entries WHERE model=?1");
    st.bind(1, model);
    return st.step() ? st.int64(0) : 0;
}

std::vector<ReadEntry> ReadDatabase::entries(const QString &model)
{
    return query(model, {}, -1);
}

namespace {
ReadModelRecord recordOf(const SqliteStatement &st)
{
    ReadModelRecord r;
    r.name = st.text(0);
    r.scriptSha256 = st.text(1);
    r.checkpoint = st.int64(2);
    r.checkpointTimeMs = st.int64(3);
    r.updatedAtMs = st.int64(4);
    r.checkpointEventId = st.text(5);
    r.script = st.text(6);
    r.fileName = st.text(7);
    return r;
}
constexpr const char *kRecordColumns =
    "SELECT name, script_sha256, checkpoint, checkpoint_time_ms, updated_at_ms, checkpoint_event_id, script, file_name FROM read_models";
} // namespace

std::optional<ReadModelRecord> ReadDatabase::model(const QString &name)
{
    SqliteStatement st(*m_db, QByteArray(kRecordColumns) + " WHERE name=?1");
    st.bind(1, name);
    if (!st.step())
        return std::nullopt;
    return recordOf(st);
}

std::vector<ReadModelRecord> ReadDatabase::models()
{
    SqliteStatement st(*m_db, QByteArray(kRecordColumns) + " ORDER BY name");
    std::vector<ReadModelRecord> out;
    while (st.step())
        out.push_back(recordOf(st));
    return out;
}

// ---- writes ---------------------------------------------------------------------------------

ReadDatabase::Transaction::Transaction(ReadDatabase *db)
    : m_db(db)
{
    m_db->exec("BEGIN IMMEDIATE");
}

ReadDatabase::Transaction::Transaction(Transaction &&other) noexcept
    : m_db(other.m_db)
{
    other.m_db = nullptr;
}

ReadDatabase::Transaction::~Transaction()
{
    if (!m_db)
        return;
    try {
        m_db->exec("ROLLBACK");
    } catch (...) {
        // The transaction is gone either way.
    }
}

void ReadDatabase::Transaction::commit()
{
    if (!m_db)
        return;
    ReadDatabase *db = m_db;
    m_db = nullptr;
    try {
        db->exec("COMMIT");
    } catch (...) {
        try {
            db->exec("ROLLBACK");
        } catch (...) {
        }
        throw;
    }
}

ReadDatabase::Transaction ReadDatabase::begin()
{
    return Transaction(this);
}

void ReadDatabase::registerModel(const QString &name, const QString &scriptSha256, const QString &script, const QString &fileName)
{
    SqliteStatement st(*m_db,
                       "INSERT INTO read_models(name, script_sha256, script, file_name, updated_at_ms) VALUES(?1, ?2, ?3, ?4, ?5) "
                       "ON CONFLICT(name) DO UPDATE SET script_sha256=excluded.script_sha256, script=excluded.script, "
                       "file_name=excluded.file_name");
    st.bind(1, name);
    st.bind(2, scriptSha256);
    st.bind(3, script);
    st.bind(4, fileName);
    st.bind(5, timeutil::nowMs());
    st.run();
}

void ReadDatabase::resetModel(const QString &name, const QString &scriptSha256, const QString &script, const QString &fileName)
{
    const bool own = sqlite3_get_autocommit(m_db->handle()) != 0;
    std::optional<Transaction> tx;
    if (own)
        tx.emplace(begin());
    {
        SqliteStatement del(*m_db, "DELETE FROM entries WHERE model=?1");
        del.bind(1, name);
        del.run();
        SqliteStatement state(*m_db, "DELETE FROM projector_states WHERE model=?1");
        state.bind(1, name);
        state.run();
        SqliteStatement st(*m_db,
                           "INSERT INTO read_models(name, script_sha256, script, file_name, checkpoint, checkpoint_time_ms, "
                           "checkpoint_event_id, updated_at_ms) VALUES(?1, ?2, ?3, ?4, 0, 0, '', ?5) "
                           "ON CONFLICT(name) DO UPDATE SET script_sha256=excluded.script_sha256, script=excluded.script, "
                           "file_name=excluded.file_name, checkpoint=0, checkpoint_time_ms=0, checkpoint_event_id='', "
                           "updated_at_ms=excluded.updated_at_ms");
        st.bind(1, name);
        st.bind(2, scriptSha256);
        st.bind(3, script);
        st.bind(4, fileName);
        st.bind(5, timeutil::nowMs());
        st.run();
    }
    if (tx)
        tx->commit();
}

void ReadDatabase::dropModel(const QString &name)
{
    const bool own = sqlite3_get_autocommit(m_db->handle()) != 0;
    std::optional<Transaction> tx;
    if (own)
        tx.emplace(begin());
    for (const char *sql : {"DELETE FROM entries WHERE model=?1", "DELETE FROM projector_states WHERE model=?1",
                            "DELETE FROM read_models WHERE name=?1"}) {
        SqliteStatement st(*m_db, sql);
        st.bind(1, name);
        st.run();
    }
    if (tx)
        tx->commit();
}

bool ReadDatabase::putEntry(const QString &model, const QString &key, QByteArrayView valueJson, qint64 position)
{
    const QByteArray modelUtf8 = model.toUtf8();
    const QByteArray keyUtf8 = key.toUtf8();
    SqliteStatement &insert = statement(m_insert, "INSERT OR IGNORE INTO entries(model, key, value, position) VALUES(?1, ?2, ?3, ?4)");
    insert.bindTextView(1, modelUtf8);
    insert.bindTextView(2, keyUtf8);
    insert.bindTextView(3, valueJson);
    insert.bind(4, position);
    insert.run();
    if (sqlite3_changes(m_db->handle()) > 0)
        return true;
    SqliteStatement &update = statement(m_update, "UPDATE entries SET value=?3, position=?4 WHERE model=?1 AND key=?2");
    update.bindTextView(1, modelUtf8);
    update.bindTextView(2, keyUtf8);
    update.bindTextView(3, valueJson);
    update.bind(4, position);
    update.run();
    return false;
}

bool ReadDatabase::removeEntry(const QString &model, const QString &key)
{
    SqliteStatement &st = statement(m_delete, "DELETE FROM entries WHERE model=?1 AND key=?2");
    st.bind(1, model);
    st.bind(2, key);
    st.run();
    return sqlite3_changes(m_db->handle()) > 0;
}

void ReadDatabase::setCheckpoint(const QString &model, qint64 position, qint64 timeMs, const QString &eventId)
{
    SqliteStatement &st = statement(m_checkpoint,
                                    "UPDATE read_models SET checkpoint=?2, checkpoint_time_ms=?3, checkpoint_event_id=?4, "
                                    "updated_at_ms=?5 WHERE name=?1");
    st.bind(1, model);
    st.bind(2, position);
    st.bind(3, timeMs);
    st.bind(4, eventId);
    st.bind(5, timeutil::nowMs());
    st.run();
}

void ReadDatabase::saveState(const QString &model, qint64 position, const QByteArray &state)
{
    SqliteStatement st(*m_db, "INSERT OR REPLACE INTO projector_states(model, position, state, saved_at_ms) VALUES(?1, ?2, ?3, ?4)");
    st.bind(1, model);
    st.bind(2, position);
    st.bindBlobView(3, state);
    st.bind(4, timeutil::nowMs());
    st.run();
}

std::optional<ReadDatabase::SavedState> ReadDatabase::loadState(const QString &model)
{
    SqliteStatement st(*m_db, "SELECT position, state FROM projector_states WHERE model=?1");
    st.bind(1, model);
    if (!st.step())
        return std::nullopt;
    return SavedState{st.int64(0), st.bytes(1)};
}

} // namespace eventlens

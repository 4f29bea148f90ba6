#include "sqlitedb.h"
#include "sqlitestatement.h"

#include "storeerror.h"

#include <QFile>

#include <sqlite3.h>

namespace eventlens {

bool SqliteDb::removeFiles(const QString &path)
{
    for (const char *suffix : {"-wal", "-shm", "-journal"})
        QFile::remove(path + QLatin1StringView(suffix));
    return QFile::remove(path) || !QFile::exists(path);
}

SqliteDb::SqliteDb(const QString &path, bool readOnly)
{
    // Memory statistics cost a global mutex on every allocation; the store never reads them.
    // Only possible before SQLite initialises (otherwise it stays on, which is harmless).
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    Q_UNUSED(configured);
    const int flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
                      | SQLITE_OPEN_NOMUTEX;
    const QByteArray utf8 = path.toUtf8();
    const int rc = sqlite3_open_v2(utf8.constData(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        const QString msg = m_db ? QString::fromUtf8(sqlite3_errmsg(m_db)) : QStringLiteral("out of memory");
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw StoreError(QStringLiteral("cannot open store '%1': %2").arg(path, msg));
    }
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, 30000);
}

SqliteDb::~SqliteDb()
{
    sqlite3_close_v2(m_db);
}

void SqliteDb::exec(const char *sql)
{
    char *err = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        const QString msg = QString::fromUtf8(err ? err : "unknown error");
        sqlite3_free(err);
        throw StoreError(msg);
    }
}

QString SqliteDb::errorMessage() const
{
    return QString::fromUtf8(sqlite3_errmsg(m_db));
}

void SqliteDb::fail(const QString &what) const
{
    throw StoreError(what + u": " + errorMessage());
}

bool SqliteDb::tableExists(const char *name)
{
    SqliteStatement st(*this, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
    st.bindText(1, QByteArray(name));
    return st.step();
}

SqliteStatement::SqliteStatement(SqliteDb &db, const char *sql)
    : m_db(&db)
{
    if (sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &m_stmt, nullptr) != SQLITE_OK)
        db.fail(QStringLiteral("cannot prepare '%1'").arg(QString::fromUtf8(sql)));
}

SqliteStatement::SqliteStatement(SqliteDb &db, const QByteArray &sql)
    : SqliteStatement(db, sql.constData())
{
}

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_stmt);
}

SqliteStatement::SqliteStatement(SqliteStatement &&other) noexcept
    : m_db(other.m_db), m_stmt(other.m_stmt), m_lastCode(other.m_lastCode)
{
    other.m_stmt = nullptr;
}

SqliteStatement &SqliteStatement::operator=(SqliteStatement &&other) noexcept
{
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_db = other.m_db;
        m_stmt = other.m_stmt;
        m_lastCode = other.m_lastCode;
        other.m_stmt = nullptr;
    }
    return *this;
}

void SqliteStatement::bind(int index, qint64 value)
{
    sqlite3_bind_int64(m_stmt, index, value);
}

void SqliteStatement::bind(int index, const QString &value)
{
    bindText(index, value.toUtf8());
}

void SqliteStatement::bindText(int index, const QByteArray &utf8)
{
    sqlite3_bind_text(m_stmt, index, utf8.constData(), static_cast<int>(utf8.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::bindBlob(int index, const QByteArray &value)
{
    sqlite3_bind_blob(m_stmt, index, value.constData(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::bindTextView(int index, QByteArrayView utf8)
{
    sqlite3_bind_text(m_stmt, index, utf8.data(), static_cast<int>(utf8.size()), SQLITE_STATIC);
}

void SqliteStatement::bindBlobView(int index, QByteArrayView bytes)
{
    // A null pointer would bind SQL NULL: an empty view binds an empty blob.
    sqlite3_bind_blob(m_stmt, index, bytes.data() ? bytes.data() : "", static_cast<int>(bytes.size()), SQLITE_STATIC);
}

void SqliteStatement::bind(const char *name, qint64 value)
{
    bind(sqlite3_bind_parameter_index(m_stmt, name), value);
}

void SqliteStatement::bind(const char *name, const QString &value)
{
    bind(sqlite3_bind_parameter_index(m_stmt, name), value);
}

void SqliteStatement::bindNull(int index)
{
    sqlite3_bind_null(m_stmt, index);
}

bool SqliteStatement::step()
{
    m_lastCode = sqlite3_step(m_stmt);
    if (m_lastCode == SQLITE_ROW)
        return true;
    if (m_lastCode == SQLITE_DONE)
        return false;
    const QString msg = m_db->errorMessage();
    sqlite3_reset(m_stmt);
    throw StoreError(msg);
}

void SqliteStatement::run()
{
    step();
    reset();
}

void SqliteStatement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

qint64 SqliteStatement::int64(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

QString SqliteStatement::text(int column) const
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    return QString::fromUtf8(p, sqlite3_column_bytes(m_stmt, column));
}

QByteArray SqliteStatement::bytes(int column) const
{
    const auto *p = static_cast<const char *>(sqlite3_column_blob(m_stmt, column));
    return QByteArray(p, sqlite3_column_bytes(m_stmt, column));
}

bool SqliteStatement::isBlob(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_BLOB;
}

bool SqliteStatement::isNull(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

} // namespace eventlens

#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

struct sqlite3_stmt;

namespace eventlens {

class SqliteDb;

class SqliteStatement
{
public:
    SqliteStatement() = default;
    SqliteStatement(SqliteDb &db, const char *sql);
    SqliteStatement(SqliteDb &db, const QByteArray &sql);
    ~SqliteStatement();
    SqliteStatement(SqliteStatement &&other) noexcept;
    SqliteStatement &operator=(SqliteStatement &&other) noexcept;
    SqliteStatement(const SqliteStatement &) = delete;
    SqliteStatement &operator=(const SqliteStatement &) = delete;

    void bind(int index, qint64 value);
    void bind(int index, const QString &value);
    void bindText(int index, const QByteArray &utf8);
    void bindBlob(int index, const QByteArray &value);
    void bindNull(int index);
    // Bind without copying: the bytes must stay valid and unchanged until the statement has been
    // stepped (the append path binds, runs and rebinds every row).
    void bindTextView(int index, QByteArrayView utf8);
    void bindBlobView(int index, QByteArrayView bytes);
    // Named parameters (":name"); a name used several times in the SQL is bound once.
    void bind(const char *name, qint64 value);
    void bind(const char *name, const QString &value);
    // true while a row is available; false when done. Throws on error.
    bool step();
    // Runs a statement that returns no rows (or ignores them).
    void run();
    void reset();
    // Resets a kept statement when the scope ends, also when reading a row throws (a statement
    // left on a row keeps its read transaction open).
    class ResetOnExit
    {
    public:
        explicit ResetOnExit(SqliteStatement &statement) : m_statement(statement) {}
        ~ResetOnExit() { m_statement.reset(); }
        ResetOnExit(const ResetOnExit &) = delete;
        ResetOnExit &operator=(const ResetOnExit &) = delete;

    private:
        SqliteStatement &m_statement;
    };

    qint64 int64(int column) const;
    QString text(int column) const;
    QByteArray bytes(int column) const;
    bool isNull(int column) const;
    bool isBlob(int column) const;
    int extendedError() const { return m_lastCode; }
    bool isPrepared() const { return m_stmt != nullptr; }

private:
    SqliteDb *m_db = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
    int m_lastCode = 0;
};

} // namespace eventlens

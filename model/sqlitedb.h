#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

struct sqlite3;

namespace eventlens {

// A thin RAII wrapper over one sqlite3 connection. Errors throw StoreError.
class SqliteDb
{
public:
    SqliteDb(const QString &path, bool readOnly);
    ~SqliteDb();
    SqliteDb(const SqliteDb &) = delete;
    SqliteDb &operator=(const SqliteDb &) = delete;

    // Deletes a database file and SQLite's side files (-wal, -shm, -journal); true when no
    // main file is left.
    static bool removeFiles(const QString &path);

    sqlite3 *handle() const { return m_db; }
    void exec(const char *sql);
    // Throws StoreError with `what` and SQLite's message.
    [[noreturn]] void fail(const QString &what) const;
    QString errorMessage() const;
    bool tableExists(const char *name);

private:
    sqlite3 *m_db = nullptr;
};

} // namespace eventlens

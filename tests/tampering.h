#pragma once

// Alters a store behind eventlens's back, with the SQLite library directly: the way a tamper
// test changes a copy of a store. The triggers that forbid UPDATE and DELETE are dropped first.

#include <QByteArray>
#include <QString>

#include <sqlite3.h>

namespace eventlens::testing {

// Runs `sql` on the store file; returns the rows changed by its last statement, or -1 with
// *error set.
inline int tamperStore(const QString &path, const QString &sql, QString *error = nullptr)
{
    sqlite3 *db = nullptr;
    if (sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        if (error)
            *error = QString::fromUtf8(sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    char *message = nullptr;
    const QByteArray script = "DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete; " + sql.toUtf8() + ";";
    const int rc = sqlite3_exec(db, script.constData(), nullptr, nullptr, &message);
    const int changed = sqlite3_changes(db);
    if (rc != SQLITE_OK && error)
        *error = message ? QString::fromUtf8(message) : QStringLiteral("error %1").arg(rc);
    sqlite3_free(message);
    sqlite3_close(db);
    return rc == SQLITE_OK ? changed : -1;
}

} // namespace eventlens::testing

#pragma once

#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <optional>

namespace eventlens {

// A read of the global log: filters combine with AND; paging is by keyset on position.
struct EventQuery
{
    QString stream;                 // exact stream name
    QString category;               // part of the stream name before the first '-'
    QStringList types;              // any of these types
    QString streamGlob;             // SQLite GLOB pattern on the stream name (* ? [..])
    std::optional<qint64> fromPosition; // inclusive lower bound (forward) / upper bound (backward)
    std::optional<qint64> toPosition;   // inclusive upper bound (forward) / lower bound (backward)
    std::optional<qint64> sinceMs;  // inclusive, UTC ms
    std::optional<qint64> untilMs;  // exclusive, UTC ms
    qint64 limit = -1;              // -1: no limit
    bool backward = false;
};

} // namespace eventlens

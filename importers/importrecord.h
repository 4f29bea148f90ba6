#pragma once

#include "event.h"

#include <QString>
#include <QtGlobal>

#include <optional>
#include <stdexcept>

namespace eventlens {

// One event read from a file, before it is appended to a store.
struct ImportRecord
{
    QString stream;
    std::optional<qint64> version; // 0-based; empty: assigned in file order per stream
    NewEvent event;
    qint64 line = 0;               // 1-based line where the record starts
    qint64 index = 0;              // 0-based record index in the file
};

// What is wrong with one record (or with the file), and where.
struct ImportIssue
{
    QString file;
    qint64 line = 0;               // 0 when unknown
    qint64 index = -1;             // record index, -1 when not a record
    QString field;                 // empty when not about one field
    QString reason;
    // "file:line: record N, field 'x': reason"
    QString toString() const;
};

} // namespace eventlens

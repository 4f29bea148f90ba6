#pragma once

#include "importrecord.h"

#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <optional>
#include <vector>

namespace eventlens {

// What happened to one file of an import.
struct FileImportReport
{
    QString file;
    QString format;           // the format used (detected or given)
    qint64 read = 0;          // records read (good and bad)
    qint64 imported = 0;      // events appended
    qint64 unchanged = 0;     // events already in the store (idempotent re-import)
    qint64 skipped = 0;       // bad records skipped (--on-error skip)
    QStringList streams;      // streams the file's events went to, sorted
};

// The result of Importer::run().
struct ImportReport
{
    enum class Status {
        Ok,        // committed
        Failed,    // nothing imported: see error
        Cancelled, // nothing imported
    };
    Status status = Status::Ok;
    std::optional<ImportIssue> error;     // the problem that stopped a failed import
    std::vector<FileImportReport> files;  // one per file, in order
    std::vector<ImportIssue> skipped;     // every skipped record (skip mode), in order

    bool ok() const { return status == Status::Ok; }
    qint64 totalRead() const;
    qint64 totalImported() const;
    qint64 totalUnchanged() const;
    qint64 totalSkipped() const;
    // A few lines for people: per file "events.jsonl (jsonl): 120 read, 118 imported, ..."
    QString summary() const;
};

} // namespace eventlens

#pragma once

#include "importer.h"

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace eventlens {

class EventStore;

// Event files imported into a new store of their own, in a temporary folder that is deleted
// with the object: what a projection or the inspector reads when it is given "any importable
// file directly, no store needed" (eventlens-cli --input FILE).
//
// The files are imported with Importer (one transaction, formats detected per file unless
// options.format says otherwise, OnError::Abort by default) into a store built without a
// journal, then opened read-only. Positions are 1.. in file order (files in the order given);
// source files are never modified. The store must be used from the thread that created it;
// workers open their own connection with store().openAnother(EventStore::OpenMode::ReadOnly).
class TemporaryStore final
{
public:
    // nullptr on failure with *error (when given) saying why, with file and line as the importer
    // reports them ("orders.jsonl:2: record 2, field 'type': missing"); a cancelled import
    // (options.cancel) fails with "import cancelled".
    static std::unique_ptr<TemporaryStore> create(const QStringList &files, const ImportOptions &options = {},
                                                  QString *error = nullptr);
    ~TemporaryStore();
    TemporaryStore(const TemporaryStore &) = delete;
    TemporaryStore &operator=(const TemporaryStore &) = delete;

    EventStore &store();
    const EventStore &store() const;
    QString path() const;              // the store file (inside the temporary folder)
    const ImportReport &report() const; // what the import read and appended

private:
    TemporaryStore() = default;

    QTemporaryDir m_dir;
    QString m_path;
    ImportReport m_report;
    std::unique_ptr<EventStore> m_store;
};

} // namespace eventlens

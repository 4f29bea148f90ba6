#include "temporarystore.h"

#include "eventstore.h"
#include "storebuilder.h"

#include <QFileInfo>

#include <exception>

namespace eventlens {

namespace {

void setError(QString *error, const QString &message)
{
    if (error)
        *error = message;
}

} // namespace

std::unique_ptr<TemporaryStore> TemporaryStore::create(const QStringList &files, const ImportOptions &options, QString *error)
{
    if (files.isEmpty()) {
        setError(error, QStringLiteral("no event file given"));
        return nullptr;
    }
    std::unique_ptr<TemporaryStore> ts(new TemporaryStore);
    if (!ts->m_dir.isValid()) {
        setError(error, QStringLiteral("cannot create a temporary folder: %1").arg(ts->m_dir.errorString()));
        return nullptr;
    }
    ts->m_path = ts->m_dir.filePath(QStringLiteral("events.eventlens"));
    try {
        {
            // Built out of sight without a journal, then made durable and moved into place: the
            // fastest way into a new store (the temporary folder goes away with the object anyway).
            StoreBuilder builder(ts->m_path);
            ts->m_report = Importer(builder.store(), options).run(files);
            if (!ts->m_report.ok()) {
                if (ts->m_report.status == ImportReport::Status::Cancelled)
                    setError(error, QStringLiteral("import cancelled"));
                else
                    setError(error, ts->m_report.error ? ts->m_report.error->toString() : QStringLiteral("import failed"));
                return nullptr;
            }
            builder.finish();
        }
        ts->m_store = EventStore::open(ts->m_path, EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        // StoreError, ImportError and the like: their what() is the message.
        setError(error, QString::fromUtf8(e.what()));
        return nullptr;
    }
    return ts;
}

TemporaryStore::~TemporaryStore()
{
    m_store.reset(); // close the connection before the folder is removed
}

EventStore &TemporaryStore::store()
{
    return *m_store;
}

const EventStore &TemporaryStore::store() const
{
    return *m_store;
}

QString TemporaryStore::path() const
{
    return m_path;
}

const ImportReport &TemporaryStore::report() const
{
    return m_report;
}

} // namespace eventlens

#include "storebuilder.h"

#include "eventstore.h"
#include "storeerror.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>

#include <fcntl.h>
#include <unistd.h>

namespace eventlens {

namespace {

void syncPath(const QString &path, bool directory)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        throw StoreError(QStringLiteral("cannot open '%1' to make it durable").arg(path));
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0)
        throw StoreError(QStringLiteral("cannot make '%1' durable (fsync failed)").arg(path));
}

} // namespace

StoreBuilder::StoreBuilder(const QString &targetPath)
    : m_target(QFileInfo(targetPath).absoluteFilePath())
{
    const QFileInfo target(m_target);
    if (target.exists() || target.isSymLink())
        throw StoreError(QStringLiteral("cannot create store '%1': the file exists").arg(targetPath));
    const QDir dir = target.absoluteDir();
    if (!dir.exists())
        throw StoreError(QStringLiteral("cannot create store '%1': the folder '%2' does not exist").arg(targetPath, dir.path()));
    m_temp = dir.filePath(QStringLiteral(".%1.building-%2")
                              .arg(target.fileName())
                              .arg(QRandomGenerator::system()->generate64(), 16, 16, QLatin1Char('0')));
    m_store = EventStore::open(m_temp, EventStore::OpenMode::Build);
}

StoreBuilder::~StoreBuilder()
{
    if (m_finished)
        return;
    m_store.reset();
    EventStore::removeFiles(m_temp);
}

EventStore &StoreBuilder::store()
{
    if (!m_store)
        throw StoreError(QStringLiteral("store '%1' is finished").arg(m_target));
    return *m_store;
}

void StoreBuilder::finish()
{
    if (m_finished)
        return;
    // Refused while a batch is open: nothing is torn down, the caller can still end the batch.
    store().finishBuild();
    try {
        m_store.reset(); // closes the connection: every page is in the file
        syncPath(m_temp, false);
        // QFile::rename never replaces an existing file.
        if (!QFile::rename(m_temp, m_target)) {
            if (QFileInfo::exists(m_target))
                throw StoreError(QStringLiteral("cannot create store '%1': the file appeared while the store was built").arg(m_target));
            throw StoreError(QStringLiteral("cannot move the new store into place at '%1'").arg(m_target));
        }
        m_finished = true;
        syncPath(QFileInfo(m_target).absolutePath(), true);
    } catch (...) {
        if (!m_finished) {
            m_store.reset();
            EventStore::removeFiles(m_temp);
            m_finished = true;
        }
        throw;
    }
}

} // namespace eventlens

// A fuzz target for imports into real stores: whatever the bytes, an import is all or nothing
// (DESIGN.md §3, issue 2). Each input is written to a file and imported twice:
// - into a new, empty store with --on-error abort (the bulk path that builds the indexes at
//   the end): either everything it read went in, or the store is still empty;
// - into a store that already holds events of the streams and ids the test data uses, with
//   --on-error skip: the good records go in after what was there, every bad one is listed.
// Either way the hash chain verifies, the store's head moved by exactly what the report says it
// imported, and the source file is unchanged.
//
// Built as a libFuzzer program (eventlens-fuzz-store-import) and as a test that replays files
// (tst_fuzz_store_import): see fuzz.cmake and replay.cpp.

#include "eventstore.h"
#include "importer.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

using namespace eventlens;

namespace {

[[noreturn]] void broken(const char *what, const QString &detail = {})
{
    std::fprintf(stderr, "fuzz_store_import: %s %s\n", what, qPrintable(detail));
    std::abort();
}

QTemporaryDir &workDir()
{
    // In memory where the machine has /dev/shm: a store per input is then cheap.
    static QTemporaryDir dir(QDir(QDir(QStringLiteral("/dev/shm")).exists() ? QStringLiteral("/dev/shm") : QDir::tempPath())
                                 .filePath(QStringLiteral("eventlens-fuzz-XXXXXX")));
    if (!dir.isValid())
        broken("cannot make a work folder");
    return dir;
}

// A store with events of the streams and ids that the test data and the samples use, so that
// an input can meet version conflicts, duplicate ids and idempotent re-imports.
QString seededStore()
{
    const QString path = workDir().filePath(QStringLiteral("seed.eventlens"));
    if (QFile::exists(path))
        return path;
    auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
    const auto event = [](const char *id, const char *type) {
        NewEvent e;
        e.id = QString::fromLatin1(id);
        e.type = QString::fromLatin1(type);
        e.data = QByteArrayLiteral("{\"amount\":1}");
        e.timeMs = 1700000000000;
        return e;
    };
    store->append(QStringLiteral("account-1"), ExpectedVersion::noStream(),
                  {event("6f1c3a52-1d2e-4b8a-9a51-0e6f7c1d2a01", "AccountOpened"), event("1", "Deposited")});
    store->append(QStringLiteral("s-1"), ExpectedVersion::noStream(), {event("x", "T")});
    store->append(QStringLiteral("order-1"), ExpectedVersion::noStream(), {event("a-1", "OrderPlaced")});
    return path;
}

QByteArray digest(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        broken("cannot read the input file back");
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

void importInto(const QString &storePath, const QString &inputPath, OnError onError)
{
    auto store = EventStore::open(storePath, EventStore::OpenMode::ReadWrite);
    const qint64 before = store->headPosition();
    ImportOptions options;
    options.onError = onError;
    const ImportReport report = Importer(*store, options).run({inputPath});
    const qint64 after = store->headPosition();
    if (report.ok()) {
        if (after != before + report.totalImported())
            broken("the head moved by other than what was imported:", report.summary());
        // Every skipped record is counted and listed; what cannot be read after a fatal error
        // (a truncated array, say) is listed without a record index.
        qint64 listedRecords = 0;
        for (const ImportIssue &issue : report.skipped)
            listedRecords += issue.index >= 0 ? 1 : 0;
        if (report.totalSkipped() != listedRecords)
            broken("skipped records are not both counted and listed:", report.summary());
        if (onError == OnError::Abort && report.totalSkipped() != 0)
            broken("records skipped without --on-error skip:", report.summary());
    } else {
        if (after != before)
            broken("a failed import changed the store:", report.error ? report.error->toString() : QString());
        if (!report.error || report.error->reason.isEmpty())
            broken("a failed import that does not say why");
    }
    const VerifyResult verified = store->verify();
    if (!verified.ok)
        broken("the store does not verify after an import:", verified.message);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QTemporaryDir &dir = workDir();
    const QString input = dir.filePath(QStringLiteral("input"));
    {
        QFile file(input);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || file.write(reinterpret_cast<const char *>(data), qint64(size)) != qint64(size))
            broken("cannot write the input file");
    }
    const QByteArray sourceDigest = digest(input);

    const QString empty = dir.filePath(QStringLiteral("empty.eventlens"));
    EventStore::removeFiles(empty);
    importInto(empty, input, OnError::Abort);
    EventStore::removeFiles(empty);

    const QString seeded = dir.filePath(QStringLiteral("seeded.eventlens"));
    EventStore::removeFiles(seeded);
    if (!QFile::copy(seededStore(), seeded))
        broken("cannot copy the seeded store");
    importInto(seeded, input, OnError::Skip);
    EventStore::removeFiles(seeded);

    if (digest(input) != sourceDigest)
        broken("the import changed its source file");
    return 0;
}

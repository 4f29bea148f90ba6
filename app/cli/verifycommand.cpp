#include "cli.h"

namespace eventlens::cli {

int runVerify(const QStringList &args)
{
    CommandLine cl(QStringLiteral("verify"), QStringLiteral("STORE [--quiet]"),
                   QStringLiteral("Recomputes the SHA-256 hash chain of a store (opened read-only). Exits 0 when every\n"
                                  "event verifies; otherwise exits 1 with a message naming the first position that does\n"
                                  "not verify."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file."));
    const QCommandLineOption quiet({QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No progress on stderr."));
    cl.addOption(quiet);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();

    auto store = openExistingStore(path, EventStore::OpenMode::ReadOnly);
    installInterruptHandler();
    Progress progress(QStringLiteral("verifying"), cl.isSet(quiet));
    const VerifyResult result = store->verify([&progress](qint64 done, qint64 total) {
        progress.update(done, total);
        return !interrupted();
    });
    progress.finish();
    if (interrupted())
        throw CommandError(QStringLiteral("interrupted after %1 events; the store was not fully verified").arg(result.checked));
    if (!result.ok) {
        QString message = QStringLiteral("verification failed at position %1").arg(result.firstBadPosition);
        if (!result.message.isEmpty())
            message += QStringLiteral(": ") + result.message;
        throw CommandError(message);
    }
    QString hash;
    if (const auto head = store->eventAt(store->headPosition()))
        hash = QString::fromLatin1(head->hash.toHex());
    writeOut(QStringLiteral("ok: %1 events verified, head hash %2\n").arg(QString::number(result.checked), hash.isEmpty() ? QStringLiteral("-") : hash));
    return ExitOk;
}

} // namespace eventlens::cli

#include "cli.h"

#include "demogenerator.h"
#include "eventquery.h"

#include <QDir>
#include <QFileInfo>

namespace eventlens::cli {

int runDemo(const QStringList &args)
{
    CommandLine cl(QStringLiteral("demo"), QStringLiteral("STORE [--events N] [--accounts N] [--seed S] [--quiet]"),
                   QStringLiteral("Creates a realistic, deterministic demo store: bank accounts (streams account-<n>:\n"
                                  "AccountOpened, Deposited, Withdrawn, AccountClosed; balances never negative) and\n"
                                  "orders (streams order-<n>: OrderPlaced, ItemAdded, OrderPaid, OrderShipped,\n"
                                  "OrderCancelled), with correlationId, causationId and userId in the metadata and times\n"
                                  "spread over eight weeks from 2024-01-01. The same options give identical events, ids\n"
                                  "and times. STORE must not exist (it is written to STORE.partial and renamed when\n"
                                  "complete) or be an empty store."));
    cl.addPositional(QStringLiteral("STORE"), QStringLiteral("The store file to create."));
    const QCommandLineOption events(QStringLiteral("events"), QStringLiteral("Number of events (default 20000)."), QStringLiteral("N"));
    const QCommandLineOption accounts(QStringLiteral("accounts"), QStringLiteral("Number of bank accounts (default: events / 50)."), QStringLiteral("N"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Random seed (default 42)."), QStringLiteral("S"));
    const QCommandLineOption quiet({QStringLiteral("q"), QStringLiteral("quiet")}, QStringLiteral("No progress on stderr."));
    cl.addOption(events);
    cl.addOption(accounts);
    cl.addOption(seed);
    cl.addOption(quiet);
    if (auto code = cl.parse(args))
        return *code;
    const QString path = cl.requirePositional(1, QStringLiteral("STORE")).constFirst();

    DemoOptions options;
    options.events = cl.integer(events, 1, 2'000'000'000).value_or(options.events);
    options.accounts = cl.integer(accounts, 1, 100'000'000).value_or(0);
    options.seed = cl.unsignedInteger(seed).value_or(options.seed);

    installInterruptHandler();
    Progress progress(QStringLiteral("generating"), cl.isSet(quiet));
    const ProgressFn onProgress = [&progress](qint64 done, qint64 total) {
        progress.update(done, total);
        return !interrupted();
    };

    DemoResult result;
    const QFileInfo info(path);
    const bool existed = info.exists();
    if (existed) {
        // An existing, empty store (e.g. just created by the GUI) is filled in place.
        auto store = openExistingStore(path, EventStore::OpenMode::ReadWrite);
        const qint64 existing = store->headPosition();
        if (existing > 0) {
            throw CommandError(QStringLiteral("%1 already contains %2 events; the demo needs a new or empty store")
                                   .arg(path, QString::number(existing)));
        }
        result = DemoGenerator(options).generate(*store, onProgress);
    } else {
        if (!info.absoluteDir().exists())
            throw CommandError(QStringLiteral("cannot create %1: the folder %2 does not exist").arg(path, info.absolutePath()));
        result = DemoGenerator::createStore(path, options, onProgress);
    }
    progress.finish();
    if (result.cancelled) {
        throw CommandError(existed ? QStringLiteral("interrupted; %1 events were committed to %2").arg(QString::number(result.events), path)
                                         : QStringLiteral("interrupted; %1 was not created").arg(path));
    }
    writeOut(QStringLiteral("created demo store %1: %2 in %3 (%4, %5), seed %6\n")
                 .arg(path, counted(result.events, "event", "events"), counted(result.streams(), "stream", "streams"),
                      counted(result.accounts, "account", "accounts"), counted(result.orders, "order", "orders"), QString::number(options.seed)));
    return ExitOk;
}

} // namespace eventlens::cli

// The command handler on a real store file: outcomes, optimistic concurrency with and without an
// expected version, many threads on one stream, snapshots against full replays.

#include "commandhandler.h"
#include "eventstore.h"

#include <QTemporaryDir>
#include <QtTest>

#include <thread>

using namespace eventlens;
using Json = nlohmann::ordered_json;

namespace {

Command command(const char *stream, const char *type, const char *data = "{}")
{
    Command c;
    c.stream = QLatin1String(stream);
    c.type = QLatin1String(type);
    c.data = Json::parse(data);
    return c;
}

} // namespace

class TestCommandHandler : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString storePath(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

private slots:
    void appendsRejectsAndReports()
    {
        auto store = EventStore::open(storePath("bank.eventlens"));
        auto bank = Decider::bundled(QStringLiteral("bank"));
        CommandHandler::Options options;
        options.withStates = true;
        CommandHandler handler(*store, *bank, options);

        CommandOutcome opened = handler.handle(command("account-1", "OpenAccount", R"({"owner":"Ada"})"));
        QCOMPARE(opened.kind, CommandOutcome::Kind::Appended);
        QCOMPARE(opened.events.size(), size_t(1));
        const Event &e = opened.events[0];
        QCOMPARE(e.position, 1);
        QCOMPARE(e.version, 0);
        QCOMPARE(e.type, QStringLiteral("AccountOpened"));
        const Json metadata = Json::parse(e.metadata.toStdString());
        QCOMPARE(metadata["causationId"], opened.commandId.toStdString());
        QCOMPARE(metadata["correlationId"], opened.commandId.toStdString());
        QCOMPARE(metadata["command"], "OpenAccount");
        QCOMPARE(metadata["schemaVersion"], 2);
        // What the outcome reports is what the store holds.
        const std::optional<Event> stored = store->eventAt(1);
        QVERIFY(stored);
        QCOMPARE(stored->id, e.id);
        QCOMPARE(stored->data, e.data);
        QCOMPARE(stored->metadata, e.metadata);
        QCOMPARE(stored->timeMs, e.timeMs);
        QCOMPARE(opened.loadedVersion, -1);
        QCOMPARE(opened.stateBefore["status"], "new");
        QCOMPARE(opened.stateAfter["status"], "open");

        CommandOutcome deposited = handler.handle(command("account-1", "Deposit", R"({"amount":25.5})"));
        QCOMPARE(deposited.kind, CommandOutcome::Kind::Appended);
        QCOMPARE(deposited.loadedVersion, 0);
        QCOMPARE(deposited.replayed, 0); // the state held since the last command was current
        QCOMPARE(deposited.stateAfter["balance"], 25.5);

        CommandOutcome overdrawn = handler.handle(command("account-1", "Withdraw", R"({"amount":30})"));
        QCOMPARE(overdrawn.kind, CommandOutcome::Kind::Rejected);
        QCOMPARE(overdrawn.message, QStringLiteral("insufficient funds: balance 25.50, requested 30.00"));
        QVERIFY(overdrawn.events.empty());
        QCOMPARE(store->headPosition(), 2);

        const Json json = overdrawn.toJson();
        QCOMPARE(json["outcome"], "rejected");
        QCOMPARE(json["message"], "insufficient funds: balance 25.50, requested 30.00");
        QCOMPARE(deposited.toJson()["events"][0]["type"], "Deposited");
        QCOMPARE(deposited.toJson()["events"][0]["version"], 1);

        // Another writer appends behind the handler's back: the held state catches up.
        auto other = store->openAnother(EventStore::OpenMode::ReadWrite);
        NewEvent more;
        more.type = QStringLiteral("Deposited");
        more.data = R"({"amount":4.5,"currency":"EUR"})";
        other->append(QStringLiteral("account-1"), ExpectedVersion::exact(1), {more});
        CommandOutcome withdrawn = handler.handle(command("account-1", "Withdraw", R"({"amount":30})"));
        QCOMPARE(withdrawn.kind, CommandOutcome::Kind::Appended);
        QCOMPARE(withdrawn.replayed, 1);
        QCOMPARE(withdrawn.loadedVersion, 2);
        QCOMPARE(withdrawn.stateAfter["balanceCents"], 0);
        QCOMPARE(handler.handle(command("account-1", "CloseAccount")).kind, CommandOutcome::Kind::Appended);
        QCOMPARE(handler.load(QStringLiteral("account-1")).state, handler.replayState(QStringLiteral("account-1")));
    }

    void expectedVersionConflicts()
    {
        auto store = EventStore::open(storePath("conflict.eventlens"));
        auto bank = Decider::bundled(QStringLiteral("bank"));
        CommandHandler handler(*store, *bank);
        QCOMPARE(handler.handle(command("account-1", "OpenAccount", R"({"owner":"Ada"})")).kind, CommandOutcome::Kind::Appended);

        Command stale = command("account-1", "Deposit", R"({"amount":5})");
        stale.expected = ExpectedVersion::noStream();
        CommandOutcome conflict = handler.handle(stale);
        QCOMPARE(conflict.kind, CommandOutcome::Kind::Conflict);
        QCOMPARE(conflict.expected, QStringLiteral("no-stream"));
        QCOMPARE(conflict.actualVersion, 0);
        QVERIFY2(conflict.message.contains(QStringLiteral("account-1")), qPrintable(conflict.message));
        QCOMPARE(conflict.toJson()["outcome"], "conflict");
        QCOMPARE(conflict.toJson()["actual"], 0);
        QCOMPARE(store->headPosition(), 1);

        Command exact = command("account-1", "Deposit", R"({"amount":5})");
        exact.expected = ExpectedVersion::exact(0);
        QCOMPARE(handler.handle(exact).kind, CommandOutcome::Kind::Appended);
        // The same expected version again: the stream has moved on.
        const CommandOutcome again = handler.handle(exact);
        QCOMPARE(again.kind, CommandOutcome::Kind::Conflict);
        QCOMPARE(again.actualVersion, 1);
        QCOMPARE(again.attempts, 1); // a given expected version is never retried

        Command any = command("account-1", "Deposit", R"({"amount":1})");
        any.expected = ExpectedVersion::any();
        QCOMPARE(handler.handle(any).kind, CommandOutcome::Kind::Appended);
        QCOMPARE(store->streamVersion(QStringLiteral("account-1")), 2);
    }

    // Eight clients deposit into one account at once, each with its own connection, decider and
    // handler, without giving an expected version: conflicts are retried with a fresh load, so no
    // deposit is lost or counted twice and the versions stay gapless.
    void concurrentClientsLoseNoUpdate()
    {
        const QString path = storePath("race.eventlens");
        auto store = EventStore::open(path);
        {
            auto bank = Decider::bundled(QStringLiteral("bank"));
            CommandHandler handler(*store, *bank);
            QCOMPARE(handler.handle(command("account-1", "OpenAccount", R"({"owner":"Ada"})")).kind, CommandOutcome::Kind::Appended);
        }
        constexpr int kClients = 8;
        constexpr int kCommands = 40;
        std::vector<int> appended(kClients, 0);
        std::vector<int> conflicts(kClients, 0);
        std::vector<int> retried(kClients, 0);
        std::vector<QString> failures(kClients);
        std::vector<std::thread> threads;
        for (int t = 0; t < kClients; ++t) {
            threads.emplace_back([&, t] {
                auto connection = store->openAnother(EventStore::OpenMode::ReadWrite);
                auto bank = Decider::bundled(QStringLiteral("bank"));
                CommandHandler::Options options;
                options.maxRetries = 50;
                CommandHandler handler(*connection, *bank, options);
                for (int i = 0; i < kCommands; ++i) {
                    const CommandOutcome out = handler.handle(command("account-1", "Deposit", R"({"amount":1})"));
                    if (out.kind == CommandOutcome::Kind::Appended)
                        appended[size_t(t)] += 1;
                    else if (out.kind == CommandOutcome::Kind::Conflict)
                        conflicts[size_t(t)] += 1;
                    else
                        failures[size_t(t)] = out.message;
                    retried[size_t(t)] += out.attempts - 1;
                }
            });
        }
        for (std::thread &t : threads)
            t.join();
        int total = 0;
        int totalConflicts = 0;
        for (int t = 0; t < kClients; ++t) {
            QVERIFY2(failures[size_t(t)].isEmpty(), qPrintable(failures[size_t(t)]));
            total += appended[size_t(t)];
            totalConflicts += conflicts[size_t(t)];
        }
        QCOMPARE(total + totalConflicts, kClients * kCommands);
        QCOMPARE(store->streamVersion(QStringLiteral("account-1")), total); // open + one event per deposit
        const std::vector<Event> events = store->readStream(QStringLiteral("account-1"), 0);
        for (size_t i = 0; i < events.size(); ++i)
            QCOMPARE(events[i].version, qint64(i));
        auto bank = Decider::bundled(QStringLiteral("bank"));
        CommandHandler check(*store, *bank);
        QCOMPARE(check.replayState(QStringLiteral("account-1"))["balanceCents"], total * 100);
        QVERIFY(store->verify().ok);
        qInfo("%d deposits appended, %d gave up after retries, %d retries", total, totalConflicts,
              std::accumulate(retried.begin(), retried.end(), 0));
    }

    void snapshotsEqualFullReplays()
    {
        auto store = EventStore::open(storePath("snapshots.eventlens"));
        auto bank = Decider::bundled(QStringLiteral("bank"));
        CommandHandler::Options options;
        options.snapshotEvery = 5;
        CommandHandler handler(*store, *bank, options);
        QCOMPARE(handler.handle(command("account-1", "OpenAccount", R"({"owner":"Ada"})")).kind, CommandOutcome::Kind::Appended);
        int saved = 0;
        for (int i = 1; i <= 23; ++i) {
            const CommandOutcome out = handler.handle(command("account-1", "Deposit", QByteArray("{\"amount\":" + QByteArray::number(i) + '}').constData()));
            QCOMPARE(out.kind, CommandOutcome::Kind::Appended);
            saved += out.snapshotSaved ? 1 : 0;
        }
        QCOMPARE(saved, 4);
        const std::vector<AggregateSnapshot> snapshots = store->snapshots(QStringLiteral("account-1"));
        QCOMPARE(snapshots.size(), size_t(4));
        QCOMPARE(snapshots[0].version, 4);
        QCOMPARE(snapshots[3].version, 19);
        QCOMPARE(snapshots[3].deciderName, QStringLiteral("bank"));
        QCOMPARE(snapshots[3].decider, bank->scriptHash());
        QCOMPARE(store->snapshotCount(), 4);

        // Every snapshot equals a replay of the events up to its version.
        for (const AggregateSnapshot &s : snapshots) {
            Decider::State state = bank->initialState();
            bank->evolve(state, store->readStream(QStringLiteral("account-1"), 0, s.version + 1));
            QCOMPARE(Json::parse(s.state.toStdString()), bank->stateJson(state));
        }

        // A fresh handler starts from the newest snapshot and replays only the rest.
        auto fresh = Decider::bundled(QStringLiteral("bank"));
        CommandHandler other(*store, *fresh, options);
        const CommandHandler::Loaded loaded = other.load(QStringLiteral("account-1"));
        QCOMPARE(loaded.snapshotVersion, 19);
        QCOMPARE(loaded.replayed, 4);
        QCOMPARE(loaded.version, 23);
        QCOMPARE(loaded.state, other.replayState(QStringLiteral("account-1")));
        QCOMPARE(loaded.state["balanceCents"], 27600); // 1 + 2 + ... + 23 = 276

        // Another script's snapshots are not used.
        Decider changed(bank->script() + QStringLiteral("\n// changed\n"), QStringLiteral("bank-changed.js"));
        CommandHandler third(*store, changed, options);
        const CommandHandler::Loaded replayed = third.load(QStringLiteral("account-1"));
        QCOMPARE(replayed.snapshotVersion, -1);
        QCOMPARE(replayed.replayed, 24);
        QCOMPARE(replayed.state, loaded.state);

        // A read-only store without snapshots has none.
        auto empty = EventStore::open(storePath("nosnapshots.eventlens"));
        QVERIFY(empty->snapshots(QStringLiteral("account-1")).empty());
        QVERIFY(!empty->latestSnapshot(QStringLiteral("account-1"), bank->scriptHash()));
    }

    // Snapshots saved by one connection are found by another, also one that looked before the
    // first snapshot made the table; saves take turns with group commits of other threads.
    void snapshotsAcrossConnections()
    {
        auto store = EventStore::open(storePath("snapshots-shared.eventlens"));
        auto other = store->openAnother(EventStore::OpenMode::ReadWrite);
        auto bank = Decider::bundled(QStringLiteral("bank"));
        const QString account = QStringLiteral("account-1");
        QVERIFY(!other->latestSnapshot(account, bank->scriptHash()));

        AggregateSnapshot snapshot;
        snapshot.stream = account;
        snapshot.decider = bank->scriptHash();
        snapshot.deciderName = QStringLiteral("bank");
        snapshot.version = 0;
        snapshot.state = QByteArrayLiteral(R"({"balanceCents":0})");
        store->saveSnapshot(snapshot);
        std::optional<AggregateSnapshot> found = other->latestSnapshot(account, bank->scriptHash());
        QVERIFY(found);
        QCOMPARE(found->version, 0);
        QCOMPARE(found->state, snapshot.state);

        std::thread appender([&store] {
            auto connection = store->openAnother(EventStore::OpenMode::ReadWrite);
            NewEvent e;
            e.type = QStringLiteral("Noted");
            for (int i = 0; i < 200; ++i)
                connection->append(QStringLiteral("log-1"), ExpectedVersion::any(), {e});
        });
        for (int v = 1; v <= 50; ++v) {
            snapshot.version = v;
            snapshot.state = QByteArray(R"({"balanceCents":)" + QByteArray::number(v * 100) + '}');
            other->saveSnapshot(snapshot);
        }
        appender.join();
        QCOMPARE(store->streamVersion(QStringLiteral("log-1")), 199);
        found = store->latestSnapshot(account, bank->scriptHash());
        QVERIFY(found);
        QCOMPARE(found->version, 50);
        QCOMPARE(found->state, QByteArray(R"({"balanceCents":5000})"));
        found = other->latestSnapshot(account, bank->scriptHash(), 10);
        QVERIFY(found);
        QCOMPARE(found->version, 10);
        QVERIFY(!other->latestSnapshot(account, QStringLiteral("another-script")));
        QCOMPARE(store->snapshotCount(), 51);
    }

    void scriptFailuresFail()
    {
        auto store = EventStore::open(storePath("failures.eventlens"));
        Decider broken(QStringLiteral("function initialState() { return {}; }\n"
                                      "function evolve(s, e) { return s; }\n"
                                      "function decide(c, s) { return nothing.here; }\n"),
                       QStringLiteral("broken.js"));
        CommandHandler handler(*store, broken);
        const CommandOutcome out = handler.handle(command("x-1", "Do"));
        QCOMPARE(out.kind, CommandOutcome::Kind::Failed);
        QVERIFY2(out.message.contains(QStringLiteral("ReferenceError")), qPrintable(out.message));
        QVERIFY2(out.message.contains(QStringLiteral("line 3")), qPrintable(out.message));
        QCOMPARE(store->headPosition(), 0);
        QCOMPARE(handler.handle(command("", "Do")).message, QStringLiteral("the command names no stream"));

        auto readOnly = EventStore::open(storePath("failures.eventlens"), EventStore::OpenMode::ReadOnly);
        auto bank = Decider::bundled(QStringLiteral("bank"));
        CommandHandler reader(*readOnly, *bank);
        const CommandOutcome refused = reader.handle(command("account-1", "OpenAccount", R"({"owner":"A"})"));
        QCOMPARE(refused.kind, CommandOutcome::Kind::Failed);
        QVERIFY2(refused.message.contains(QStringLiteral("read-only")), qPrintable(refused.message));
    }

    void orderFlow()
    {
        auto store = EventStore::open(storePath("orders.eventlens"));
        auto order = Decider::bundled(QStringLiteral("order"));
        CommandHandler handler(*store, *order);
        QCOMPARE(handler.handle(command("order-1", "PlaceOrder", R"({"customer":"account-1"})")).kind, CommandOutcome::Kind::Appended);
        QCOMPARE(handler.handle(command("order-1", "Ship")).message, QStringLiteral("cannot ship before payment"));
        QCOMPARE(handler.handle(command("order-1", "AddItem", R"({"sku":"A","qty":2,"price":3.25})")).kind, CommandOutcome::Kind::Appended);
        QCOMPARE(handler.handle(command("order-1", "Pay")).kind, CommandOutcome::Kind::Appended);
        QCOMPARE(handler.handle(command("order-1", "AddItem", R"({"sku":"B","qty":1,"price":1})")).message,
                 QStringLiteral("cannot add items after payment"));
        QCOMPARE(handler.handle(command("order-1", "Ship")).kind, CommandOutcome::Kind::Appended);
        QCOMPARE(handler.handle(command("order-1", "Cancel")).message, QStringLiteral("cannot cancel after shipping"));
        const Json state = handler.load(QStringLiteral("order-1")).state;
        QCOMPARE(state["status"], "shipped");
        QCOMPARE(state["total"], 6.5);
        QCOMPARE(store->streamVersion(QStringLiteral("order-1")), 3);
    }
};

QTEST_GUILESS_MAIN(TestCommandHandler)
#include "tst_commandhandler.moc"

// CommandSession on real store files: commands run on the session's thread and end in exactly
// one finished() each; outcomes, the concurrency demo (one append, one conflict, every time),
// the live counters, deciders loaded from files, read-only stores, streams, states, snapshots.

#include "projectiontesting.h"
#include "commandsession.h"
#include "eventstore.h"

#include <QFile>
#include <QHash>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace eventlens;
using Json = nlohmann::ordered_json;
using Kind = CommandOutcome::Kind;

namespace {

constexpr int Timeout = 120000; // generous: sanitizer builds on a busy machine

// Collects every result of a session by request id.
class Results : public QObject
{
public:
    explicit Results(CommandSession &session)
    {
        QObject::connect(&session, &CommandSession::finished, this, [this](quint64 request, const CommandSessionResult &result) {
            m_count[request] += 1;
            m_results.insert(request, result);
        });
    }
    bool has(quint64 request) const { return m_results.contains(request); }
    CommandSessionResult get(quint64 request) const { return m_results.value(request); }
    int deliveries(quint64 request) const { return m_count.value(request); }

private:
    QHash<quint64, CommandSessionResult> m_results;
    QHash<quint64, int> m_count;
};

} // namespace

// Waits for a request's result and binds it to `var`.
#define AWAIT(var, results, request)                                                                                   \
    const quint64 var##Request = (request);                                                                              \
    QTRY_VERIFY_WITH_TIMEOUT((results).has(var##Request), Timeout);                                                    \
    const CommandSessionResult var = (results).get(var##Request)

class TestCommandSession : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_stores = 0;

    // A new store with account-1 (Ada, balance 100) and account-2 (Bob, balance 0).
    QString newStore()
    {
        const QString path = m_dir.filePath(QStringLiteral("store-%1.eventlens").arg(++m_stores));
        testing::createCommandBankStore(path);
        return path;
    }

    QString writeFile(const char *name, const QString &text)
    {
        const QString path = m_dir.filePath(QLatin1String(name));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        file.write(text.toUtf8());
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
    }

    void sendAppendsRejectsAndConflicts()
    {
        const QString path = newStore();
        CommandSession session;
        Results results(session);
        QSignalSpy busy(&session, &CommandSession::busyChanged);
        AWAIT(set, results, session.setStore(path));
        QVERIFY2(set.ok(), qPrintable(set.message));
        QVERIFY(set.writable);
        QCOMPARE(set.headPosition, 3);

        // Opened: the event is in the store, with the state before and after.
        AWAIT(opened, results, session.send(QStringLiteral("bank"), QStringLiteral("account-3"), QStringLiteral("OpenAccount"),
                                            Json::parse(R"({"owner":"Grace"})")));
        QVERIFY(opened.ok());
        QCOMPARE(opened.kind, CommandSessionResult::Kind::Send);
        QCOMPARE(opened.domain, QStringLiteral("bank"));
        QCOMPARE(opened.stream, QStringLiteral("account-3"));
        QCOMPARE(opened.type, QStringLiteral("OpenAccount"));
        QCOMPARE(opened.expected, QStringLiteral("current"));
        QVERIFY(opened.durationUs > 0);
        QCOMPARE(opened.outcome.kind, Kind::Appended);
        QCOMPARE(opened.outcome.events.size(), size_t(1));
        QCOMPARE(opened.outcome.events[0].type, QStringLiteral("AccountOpened"));
        QCOMPARE(opened.outcome.events[0].position, 4);
        QCOMPARE(opened.outcome.events[0].version, 0);
        QCOMPARE(opened.outcome.stateBefore["status"], "new");
        QCOMPARE(opened.outcome.stateAfter["status"], "open");
        QCOMPARE(opened.outcome.stateAfter["owner"], "Grace");
        QCOMPARE(opened.stoppedAt, CommandStage::EventStore);
        QCOMPARE(opened.headPosition, 4);
        {
            auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
            const std::optional<Event> stored = store->eventAt(4);
            QVERIFY(stored);
            QCOMPARE(stored->stream, QStringLiteral("account-3"));
            QCOMPARE(stored->id, opened.outcome.events[0].id);
        }

        // A domain error: rejected at the aggregate, nothing appended.
        AWAIT(overdrawn, results, session.send(QStringLiteral("bank"), QStringLiteral("account-1"), QStringLiteral("Withdraw"),
                                               Json::parse(R"({"amount":150})")));
        QCOMPARE(overdrawn.outcome.kind, Kind::Rejected);
        QCOMPARE(overdrawn.outcome.message, QStringLiteral("insufficient funds: balance 100.00, requested 150.00"));
        QCOMPARE(overdrawn.stoppedAt, CommandStage::Aggregate);
        QCOMPARE(overdrawn.headPosition, 4);

        // An exact expected version the stream has left: a conflict with both versions.
        AWAIT(stale, results, session.send(QStringLiteral("bank"), QStringLiteral("account-1"), QStringLiteral("Deposit"),
                                           Json::parse(R"({"amount":5})"), ExpectedVersion::exact(0)));
        QCOMPARE(stale.expected, QStringLiteral("0"));
        QCOMPARE(stale.outcome.kind, Kind::Conflict);
        QCOMPARE(stale.outcome.expected, QStringLiteral("0"));
        QCOMPARE(stale.outcome.actualVersion, 1);
        QCOMPARE(stale.stoppedAt, CommandStage::EventStore);

        // The right one appends; "any" appends whatever the version.
        AWAIT(exact, results, session.send(QStringLiteral("bank"), QStringLiteral("account-1"), QStringLiteral("Deposit"),
                                           Json::parse(R"({"amount":5})"), ExpectedVersion::exact(1)));
        QCOMPARE(exact.outcome.kind, Kind::Appended);
        QCOMPARE(exact.outcome.stateAfter["balance"], 105);
        AWAIT(any, results, session.send(QStringLiteral("bank"), QStringLiteral("account-1"), QStringLiteral("Deposit"),
                                         Json::parse(R"({"amount":1})"), ExpectedVersion::any()));
        QCOMPARE(any.expected, QStringLiteral("any"));
        QCOMPARE(any.outcome.kind, Kind::Appended);
        QCOMPARE(any.outcome.events[0].version, 3);

        // An unknown command type: the decider's domain error.
        AWAIT(unknown, results, session.send(QStringLiteral("bank"), QStringLiteral("account-1"), QStringLiteral("Teleport"), Json::object()));
        QCOMPARE(unknown.outcome.kind, Kind::Rejected);
        QVERIFY(unknown.outcome.message.contains(QStringLiteral("unknown command")));
        // No stream: refused by the handler.
        AWAIT(nameless, results, session.send(QStringLiteral("bank"), QString(), QStringLiteral("Deposit"), Json::object()));
        QCOMPARE(nameless.outcome.kind, Kind::Failed);
        QCOMPARE(nameless.stoppedAt, CommandStage::CommandHandler);

        // Every request ended in exactly one finished(); busy went on and off.
        for (quint64 r = 1; r <= session.lastRequest(); ++r)
            QCOMPARE(results.deliveries(r), 1);
        QTRY_VERIFY(!session.isBusy());
        QVERIFY(busy.count() >= 2);
        QCOMPARE(busy.last().at(0).toBool(), false);
    }

    void countersFollowOutcomes()
    {
        const QString path = newStore();
        CommandSession session;
        Results results(session);
        QSignalSpy counters(&session, &CommandSession::countersChanged);
        AWAIT(snap, results, session.setSnapshotEvery(3));
        QCOMPARE(session.snapshotEvery(), 3);
        AWAIT(set, results, session.setStore(path));
        QCOMPARE(session.counters().headPosition, 3);
        QVERIFY(!session.counters().hasLast);
        QVERIFY(session.counters().lastPath().empty());

        // Received counts at once, the rest when the outcome comes.
        const quint64 deposit = session.send(QStringLiteral("bank"), QStringLiteral("account-1"), QStringLiteral("Deposit"),
                                             Json::parse(R"({"amount":10})"));
        QCOMPARE(session.counters().received, 1);
        QCOMPARE(session.counters().accepted, 0);
        QTRY_VERIFY_WITH_TIMEOUT(results.has(deposit), Timeout);
        CommandCounters c = session.counters();
        QCOMPARE(c.accepted, 1);
        QCOMPARE(c.eventsAppended, 1);
        QCOMPARE(c.snapshotsTaken, 1); // account-1 went from 2 to 3 events: a snapshot at version 2
        QCOMPARE(c.headPosition, 4);
        QVERIFY(c.hasLast);
        QCOMPARE(c.lastKind, Kind::Appended);
        QCOMPARE(c.lastStage, CommandStage::EventStore);
        QCOMPARE(c.lastCommand, QStringLiteral("Deposit → account-1"));
        QCOMPARE(c.lastPath().size(), size_t(4));
        QCOMPARE(results.get(deposit).outcome.snapshotSaved, true);

        AWAIT(rejected, results, session.send(QStringLiteral("bank"), QStringLiteral("account-2"), QStringLiteral("Withdraw"),
                                              Json::parse(R"({"amount":10})")));
        c = session.counters();
        QCOMPARE(c.rejected, 1);
        QCOMPARE(c.lastKind, Kind::Rejected);
        QCOMPARE(c.lastStage, CommandStage::Aggregate);
        QCOMPARE(c.lastMessage, QStringLiteral("insufficient funds: balance 0.00, requested 10.00"));
        QCOMPARE(c.lastPath(), (std::vector<CommandStage>{CommandStage::Commands, CommandStage::CommandHandler, CommandStage::Aggregate}));

        AWAIT(conflict, results, session.send(QStringLiteral("bank"), QStringLiteral("account-2"), QStringLiteral("Deposit"),
                                              Json::parse(R"({"amount":10})"), ExpectedVersion::noStream()));
        AWAIT(broken, results, session.send(QStringLiteral("nosuchdomain"), QStringLiteral("x-1"), QStringLiteral("Do"), Json::object()));
        QCOMPARE(broken.outcome.kind, Kind::Failed);
        QVERIFY2(broken.outcome.message.contains(QStringLiteral("unknown domain")), qPrintable(broken.outcome.message));
        c = session.counters();
        QCOMPARE(c.received, 4);
        QCOMPARE(c.accepted, 1);
        QCOMPARE(c.rejected, 1);
        QCOMPARE(c.conflicts, 1);
        QCOMPARE(c.failed, 1);
        QCOMPARE(c.eventsAppended, 1);
        QCOMPARE(c.lastKind, Kind::Failed);
        QVERIFY(counters.count() >= 8); // each send: once when sent, once when done
        QCOMPARE(counters.last().at(0).value<CommandCounters>().failed, 1);

        // The snapshot is in the store, and the state view lists it.
        AWAIT(state, results, session.streamState(QStringLiteral("bank"), QStringLiteral("account-1")));
        QVERIFY2(state.ok(), qPrintable(state.message));
        QCOMPARE(state.version, 2);
        QCOMPARE(state.state["balance"], 110);
        QCOMPARE(state.snapshotVersion, 2);
        QCOMPARE(state.replayed, 0);
        QCOMPARE(state.snapshots.size(), size_t(1));
        QCOMPARE(state.snapshots[0].version, 2);
        QCOMPARE(state.snapshots[0].deciderName, QStringLiteral("bank"));
        AWAIT(list, results, session.snapshots(QStringLiteral("account-1")));
        QCOMPARE(list.snapshots.size(), size_t(1));
        QCOMPARE(Json::parse(list.snapshots[0].state.toStdString())["balance"], 110);

        session.resetCounters();
        QCOMPARE(session.counters().received, 0);
        QCOMPARE(session.counters().headPosition, 4);
    }

    // Two clients load the same version, both decide, then both append expecting it: one
    // appends, the other conflicts with expected N and actual N + 1 — every time.
    void raceHasOneWinnerEveryTime()
    {
        const QString path = newStore();
        CommandSession session;
        Results results(session);
        AWAIT(set, results, session.setStore(path));
        qint64 version = 1; // account-1: opened, deposited 100
        int winsA = 0;
        for (int round = 0; round < 20; ++round) {
            const std::vector<RaceCommand> commands = {
                {QStringLiteral("Withdraw"), Json::parse(R"({"amount":1})")},
                {QStringLiteral("Withdraw"), Json::parse(R"({"amount":2})")},
            };
            AWAIT(race, results, session.sendConcurrently(QStringLiteral("bank"), QStringLiteral("account-1"), commands));
            QCOMPARE(race.kind, CommandSessionResult::Kind::Race);
            QCOMPARE(race.raceVersion, version);
            QCOMPARE(race.raceOutcomes.size(), size_t(2));
            QCOMPARE(race.raceDurationsUs.size(), size_t(2));
            int appended = 0;
            int conflicts = 0;
            for (size_t i = 0; i < 2; ++i) {
                const CommandOutcome &o = race.raceOutcomes[i];
                // Both decided against the same version and state.
                QCOMPARE(o.loadedVersion, version);
                QCOMPARE(o.stateBefore, race.raceOutcomes[1 - i].stateBefore);
                if (o.kind == Kind::Appended) {
                    appended += 1;
                    QCOMPARE(o.events.size(), size_t(1));
                    QCOMPARE(o.events[0].version, version + 1);
                    QCOMPARE(o.events[0].type, QStringLiteral("Withdrawn"));
                    QCOMPARE(race.raceStoppedAt[i], CommandStage::EventStore);
                    winsA += i == 0 ? 1 : 0;
                } else {
                    QCOMPARE(o.kind, Kind::Conflict);
                    conflicts += 1;
                    QCOMPARE(o.expected, QString::number(version));
                    QCOMPARE(o.actualVersion, version + 1);
                    QVERIFY(o.events.empty());
                    QCOMPARE(race.raceStoppedAt[i], CommandStage::EventStore);
                }
            }
            QCOMPARE(appended, 1);
            QCOMPARE(conflicts, 1);
            version += 1;
        }
        {
            auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
            QCOMPARE(store->streamVersion(QStringLiteral("account-1")), version);
            QVERIFY(store->verify().ok);
        }
        const CommandCounters &c = session.counters();
        QCOMPARE(c.received, 40);
        QCOMPARE(c.accepted, 20);
        QCOMPARE(c.conflicts, 20);
        QCOMPARE(c.lastKind, Kind::Conflict);
        QVERIFY(c.lastCommand.startsWith(QStringLiteral("race: Withdraw")));
        qInfo("client A won %d of 20 races", winsA);

        // A given expected version that is already stale: both conflict before deciding.
        AWAIT(late, results, session.sendConcurrently(QStringLiteral("bank"), QStringLiteral("account-1"),
                                                      {{QStringLiteral("Deposit"), Json::parse(R"({"amount":1})")},
                                                       {QStringLiteral("Deposit"), Json::parse(R"({"amount":1})")}},
                                                      version - 1));
        QCOMPARE(late.raceOutcomes[0].kind, Kind::Conflict);
        QCOMPARE(late.raceOutcomes[1].kind, Kind::Conflict);
        QCOMPARE(late.raceOutcomes[0].actualVersion, version);
        // A rejected command does not race: the other appends.
        AWAIT(mixed, results, session.sendConcurrently(QStringLiteral("bank"), QStringLiteral("account-1"),
                                                       {{QStringLiteral("Withdraw"), Json::parse(R"({"amount":100000})")},
                                                        {QStringLiteral("Deposit"), Json::parse(R"({"amount":1})")}}));
        QCOMPARE(mixed.raceOutcomes[0].kind, Kind::Rejected);
        QCOMPARE(mixed.raceOutcomes[1].kind, Kind::Appended);
        QCOMPARE(mixed.raceStoppedAt[0], CommandStage::Aggregate);
    }

    void deciderFromFile()
    {
        const QString path = newStore();
        CommandSession session;
        Results results(session);
        QSignalSpy domains(&session, &CommandSession::domainsChanged);
        AWAIT(set, results, session.setStore(path));

        // A syntax error: reported with its line and column; no domain added.
        const QString broken = writeFile("broken.js", QStringLiteral("function initialState() { return {n: 0}; }\n"
                                                                     "function evolve(s, e) { s.n += 1; return s; }\n"
                                                                     "function decide(c, s) { return [ }\n"));
        AWAIT(bad, results, session.loadDecider(broken));
        QVERIFY(!bad.ok());
        QVERIFY(bad.error);
        QCOMPARE(bad.error->kind, ProjectionError::Kind::Syntax);
        QCOMPARE(bad.error->line, 3);
        QVERIFY2(bad.message.contains(QStringLiteral("line 3")), qPrintable(bad.message));
        QCOMPARE(domains.count(), 0);
        QCOMPARE(session.domains(), QStringList({QStringLiteral("bank"), QStringLiteral("order")}));

        // A missing file.
        AWAIT(missing, results, session.loadDecider(m_dir.filePath(QStringLiteral("nope.js"))));
        QVERIFY(!missing.ok());
        QVERIFY(missing.message.contains(QStringLiteral("cannot read")));

        // A counter domain: listed with its command types and templates, and it takes commands.
        const QString counter = writeFile("counter.js", QStringLiteral(
            "var commands = { Increment: { by: 1 }, Reset: {} };\n"
            "function initialState() { return { n: 0 }; }\n"
            "function evolve(s, e) { if (e.type === 'Incremented') s.n += e.data.by; else s.n = 0; return s; }\n"
            "function decide(c, s) {\n"
            "    if (c.type === 'Increment') {\n"
            "        if (c.data.by > 10) throw new Error('too much');\n"
            "        return [{ type: 'Incremented', data: { by: c.data.by } }];\n"
            "    }\n"
            "    if (c.type === 'Reset') return [{ type: 'WasReset', data: {} }];\n"
            "    return s.n.foo.bar;\n"
            "}\n"));
        AWAIT(loaded, results, session.loadDecider(counter));
        QVERIFY2(loaded.ok(), qPrintable(loaded.message));
        QCOMPARE(loaded.domain, QStringLiteral("counter"));
        QCOMPARE(domains.count(), 1);
        QCOMPARE(session.domains().last(), QStringLiteral("counter"));
        QVERIFY(!session.isBundled(QStringLiteral("counter")));
        QCOMPARE(session.deciderFile(QStringLiteral("counter")), counter);
        QCOMPARE(session.commandTypes(QStringLiteral("counter")), QStringList({QStringLiteral("Increment"), QStringLiteral("Reset")}));
        QCOMPARE(session.commandTemplate(QStringLiteral("counter"), QStringLiteral("Increment")), Json::parse(R"({"by":1})"));
        QCOMPARE(CommandSession::categoryOf(QStringLiteral("counter")), QStringLiteral("counter"));
        AWAIT(inc, results, session.send(QStringLiteral("counter"), QStringLiteral("counter-1"), QStringLiteral("Increment"),
                                         Json::parse(R"({"by":3})")));
        QCOMPARE(inc.outcome.kind, Kind::Appended);
        QCOMPARE(inc.outcome.stateAfter["n"], 3);
        AWAIT(much, results, session.send(QStringLiteral("counter"), QStringLiteral("counter-1"), QStringLiteral("Increment"),
                                          Json::parse(R"({"by":30})")));
        QCOMPARE(much.outcome.kind, Kind::Rejected);
        QCOMPARE(much.outcome.message, QStringLiteral("too much"));
        // A TypeError in decide(): a failure of the script, with its line, at the aggregate.
        AWAIT(typeError, results, session.send(QStringLiteral("counter"), QStringLiteral("counter-1"), QStringLiteral("Other"), Json::object()));
        QCOMPARE(typeError.outcome.kind, Kind::Failed);
        QVERIFY2(typeError.outcome.message.contains(QStringLiteral("line 10")), qPrintable(typeError.outcome.message));
        QCOMPARE(typeError.stoppedAt, CommandStage::Aggregate);
        // Its own streams race too (clients compile the file's script).
        AWAIT(race, results, session.sendConcurrently(QStringLiteral("counter"), QStringLiteral("counter-1"),
                                                      {{QStringLiteral("Increment"), Json::parse(R"({"by":1})")},
                                                       {QStringLiteral("Increment"), Json::parse(R"({"by":2})")}}));
        QCOMPARE(int(race.raceOutcomes[0].kind == Kind::Appended) + int(race.raceOutcomes[1].kind == Kind::Appended), 1);

        // Loading it again replaces it; a file named like a bundled domain gets its own name and
        // works on that domain's streams.
        AWAIT(again, results, session.loadDecider(counter));
        QCOMPARE(again.domain, QStringLiteral("counter"));
        QCOMPARE(session.domains().count(QStringLiteral("counter")), 1);
        QFile bundled(QStringLiteral(":/eventlens/deciders/bank.js"));
        QVERIFY(bundled.open(QIODevice::ReadOnly));
        const QString bank = writeFile("bank.js", QString::fromUtf8(bundled.readAll()));
        AWAIT(bankFile, results, session.loadDecider(bank));
        QVERIFY2(bankFile.ok(), qPrintable(bankFile.message));
        QCOMPARE(bankFile.domain, QStringLiteral("bank (file)"));
        QCOMPARE(CommandSession::categoryOf(bankFile.domain), QStringLiteral("account"));
        AWAIT(viaFile, results, session.send(bankFile.domain, QStringLiteral("account-1"), QStringLiteral("Deposit"), Json::parse(R"({"amount":2})")));
        QCOMPARE(viaFile.outcome.kind, Kind::Appended);
        QCOMPARE(viaFile.outcome.stateAfter["balance"], 102);
    }

    void readOnlyStoreRefusesCommands()
    {
        const QString path = newStore();
        CommandSession session;
        Results results(session);
        AWAIT(set, results, session.setStore(path, true));
        QVERIFY(!set.writable);
        QVERIFY2(set.message.contains(QStringLiteral("read-only")), qPrintable(set.message));
        QCOMPARE(set.headPosition, 3);
        AWAIT(sent, results, session.send(QStringLiteral("bank"), QStringLiteral("account-1"), QStringLiteral("Deposit"),
                                          Json::parse(R"({"amount":1})")));
        QCOMPARE(sent.outcome.kind, Kind::Failed);
        QVERIFY2(sent.outcome.message.contains(QStringLiteral("read-only")), qPrintable(sent.outcome.message));
        QCOMPARE(sent.stoppedAt, CommandStage::CommandHandler);
        AWAIT(race, results, session.sendConcurrently(QStringLiteral("bank"), QStringLiteral("account-1"),
                                                      {{QStringLiteral("Deposit"), Json::parse(R"({"amount":1})")},
                                                       {QStringLiteral("Deposit"), Json::parse(R"({"amount":1})")}}));
        QCOMPARE(race.raceOutcomes[0].kind, Kind::Failed);
        QCOMPARE(race.raceOutcomes[1].kind, Kind::Failed);
        // Reading still works.
        AWAIT(state, results, session.streamState(QStringLiteral("bank"), QStringLiteral("account-1")));
        QVERIFY(state.ok());
        QCOMPARE(state.state["balance"], 100);
        {
            auto store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
            QCOMPARE(store->headPosition(), 3);
        }

        // No store at all, and a missing file (never created).
        CommandSession none;
        Results noneResults(none);
        AWAIT(nothing, noneResults, none.send(QStringLiteral("bank"), QStringLiteral("account-1"), QStringLiteral("Deposit"), Json::object()));
        QCOMPARE(nothing.outcome.kind, Kind::Failed);
        QCOMPARE(nothing.outcome.message, QStringLiteral("no store is open"));
        const QString missing = m_dir.filePath(QStringLiteral("missing.eventlens"));
        AWAIT(gone, noneResults, none.setStore(missing));
        QVERIFY(!gone.ok());
        QVERIFY(!QFile::exists(missing));
    }

    void streamsStatesAndStaleResults()
    {
        const QString path = newStore();
        {
            auto store = EventStore::open(path, EventStore::OpenMode::ReadWrite);
            NewEvent e;
            e.type = QStringLiteral("AccountOpened");
            e.data = R"({"owner":"Cy"})";
            store->append(QStringLiteral("account-10"), ExpectedVersion::any(), {e});
            e.type = QStringLiteral("OrderPlaced");
            store->append(QStringLiteral("order-7"), ExpectedVersion::any(), {e});
        }
        CommandSession session;
        Results results(session);
        AWAIT(set, results, session.setStore(path));
        AWAIT(accounts, results, session.streams(QStringLiteral("account")));
        QVERIFY2(accounts.ok(), qPrintable(accounts.message));
        QCOMPARE(accounts.streams, QStringList({QStringLiteral("account-1"), QStringLiteral("account-2"), QStringLiteral("account-10")}));
        QCOMPARE(accounts.streamCount, 3);
        QCOMPARE(accounts.nextStream, QStringLiteral("account-11"));
        AWAIT(limited, results, session.streams(QStringLiteral("account"), 2));
        QCOMPARE(limited.streams.size(), 2);
        QCOMPARE(limited.streamCount, 3);
        AWAIT(orders, results, session.streams(QStringLiteral("order")));
        QCOMPARE(orders.streams, QStringList({QStringLiteral("order-7")}));
        QCOMPARE(orders.nextStream, QStringLiteral("order-8"));
        AWAIT(empty, results, session.streams(QStringLiteral("counter")));
        QCOMPARE(empty.streamCount, 0);
        QCOMPARE(empty.nextStream, QStringLiteral("counter-1"));

        AWAIT(state, results, session.streamState(QStringLiteral("bank"), QStringLiteral("account-1")));
        QCOMPARE(state.version, 1);
        QCOMPARE(state.state["owner"], "Ada");
        QCOMPARE(state.state["balance"], 100);
        QCOMPARE(state.replayed, 2);
        AWAIT(fresh, results, session.streamState(QStringLiteral("bank"), QStringLiteral("account-99")));
        QCOMPARE(fresh.version, -1);
        QCOMPARE(fresh.state["status"], "new");

        // A list asked for before another store was set describes the old store: stale.
        const QString other = newStore();
        const quint64 old = session.streams(QStringLiteral("account"));
        const quint64 next = session.setStore(other);
        const quint64 current = session.streams(QStringLiteral("account"));
        QTRY_VERIFY_WITH_TIMEOUT(results.has(current), Timeout);
        QVERIFY(results.get(old).stale);
        QVERIFY(!results.get(next).stale);
        QVERIFY(!results.get(current).stale);
        QCOMPARE(results.get(current).streamCount, 2);
        QCOMPARE(session.storePath(), other);
    }
};

QTEST_GUILESS_MAIN(TestCommandSession)
#include "tst_commandsession.moc"

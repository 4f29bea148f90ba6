#include "aggregatehistory.h"
#include "eventstore.h"
#include "projectionstatefunction.h"
#include "stateerror.h"

#include <QTemporaryDir>
#include <QTest>

#include <thread>

using namespace eventlens;
using Json = nlohmann::ordered_json;

namespace {

const char kBalances[] = R"JS(
fromCategory('account').foreachStream().when({
    $init: function () { return { balance: 0, deposits: 0 }; },
    Deposited: function (state, event) {
        state.balance += event.data.amount;
        state.deposits += 1;
        emit('audit', 'Seen', { stream: event.streamId });
        log('deposit', event.data.amount);
    },
    Withdrawn: function (state, event) {
        return { balance: state.balance - event.data.amount, deposits: state.deposits, last: event.sequenceNumber };
    },
    Broken: function (state, event) {
        return state.missing.value;
    }
});
)JS";

NewEvent newEvent(const char *type, const QByteArray &data, bool json = true)
{
    NewEvent e;
    e.type = QString::fromLatin1(type);
    e.data = data;
    e.dataIsJson = json;
    return e;
}

} // namespace

class TestProjectionStateFunction : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void statesFollowTheHandlers();
    void skipsAndRawData();
    void errorsNameTheLine();
    void invalidScriptThrows();
    void worksFromAnotherThread();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<EventStore> m_store;
};

void TestProjectionStateFunction::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_store = EventStore::open(m_dir.filePath(QStringLiteral("state.eventlens")));
    m_store->append(QStringLiteral("account-1"), ExpectedVersion::noStream(),
                    {newEvent("Deposited", R"({"amount":100})"), newEvent("Deposited", R"({"amount":50})"),
                     newEvent("Renamed", R"({"owner":"Bo"})"), newEvent("Withdrawn", R"({"amount":30})"),
                     newEvent("Deposited", "not json", false), newEvent("Deposited", R"({"amount":5})")});
    m_store->append(QStringLiteral("account-2"), ExpectedVersion::noStream(), {newEvent("Broken", R"({})")});
    m_store->append(QStringLiteral("order-1"), ExpectedVersion::noStream(), {newEvent("Deposited", R"({"amount":1})")});
}

void TestProjectionStateFunction::statesFollowTheHandlers()
{
    auto function = std::make_shared<ProjectionStateFunction>(QString::fromUtf8(kBalances), QStringLiteral("balances.js"));
    QCOMPARE(function->name(), QStringLiteral("balances.js"));
    QCOMPARE(function->initialState().dump(), std::string(R"({"balance":0,"deposits":0})"));
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("account-1"), function);
    QCOMPARE(history->stateAt(-1).dump(), std::string(R"({"balance":0,"deposits":0})"));
    QCOMPARE(history->stateAt(0).dump(), std::string(R"({"balance":100,"deposits":1})"));
    QCOMPARE(history->stateAt(1).dump(), std::string(R"({"balance":150,"deposits":2})"));
    // Renamed has no handler: the state stays.
    QCOMPARE(history->stateAt(2).dump(), std::string(R"({"balance":150,"deposits":2})"));
    // A returned value replaces the state.
    QCOMPARE(history->stateAt(3).dump(), std::string(R"({"balance":120,"deposits":2,"last":3})"));
    // Non-JSON data is skipped by projections.
    QCOMPARE(history->stateAt(4).dump(), std::string(R"({"balance":120,"deposits":2,"last":3})"));
    QCOMPARE(history->stateAt(5).dump(), std::string(R"({"balance":125,"deposits":3,"last":3})"));
}

void TestProjectionStateFunction::skipsAndRawData()
{
    auto function = std::make_shared<ProjectionStateFunction>(QString::fromUtf8(kBalances));
    auto history = AggregateHistory::load(*m_store, QStringLiteral("account-1"), function);
    history->setSkipped(0, true);
    QCOMPARE(history->stateAt(5).dump(), std::string(R"({"balance":25,"deposits":2,"last":3})"));
    // A stream the projection does not select keeps its initial state.
    history = AggregateHistory::load(*m_store, QStringLiteral("order-1"), function);
    QCOMPARE(history->stateAt(0).dump(), std::string(R"({"balance":0,"deposits":0})"));
}

void TestProjectionStateFunction::errorsNameTheLine()
{
    auto function = std::make_shared<ProjectionStateFunction>(QString::fromUtf8(kBalances));
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("account-2"), function);
    try {
        history->stateAt(0);
        QFAIL("no error");
    } catch (const StateError &e) {
        QVERIFY2(e.message().contains(QStringLiteral("line 14")), qPrintable(e.message()));
        QVERIFY2(e.message().contains(QStringLiteral("TypeError")), qPrintable(e.message()));
    }
}

void TestProjectionStateFunction::invalidScriptThrows()
{
    QVERIFY_THROWS_EXCEPTION(StateError, ProjectionStateFunction(QStringLiteral("fromAll().when({ A: function (s) { s.x = ; } })")));
    QVERIFY_THROWS_EXCEPTION(StateError, ProjectionStateFunction(QStringLiteral("var nothing = 1;")));
}

void TestProjectionStateFunction::worksFromAnotherThread()
{
    auto function = std::make_shared<ProjectionStateFunction>(QString::fromUtf8(kBalances));
    std::unique_ptr<AggregateHistory> history;
    std::thread worker([&] { history = AggregateHistory::load(*m_store, QStringLiteral("account-1"), function); });
    worker.join();
    QCOMPARE(history->stateAt(5)["balance"].get<double>(), 125.0);
    QCOMPARE(function->evolve(Json::object({{"balance", 1}}), Event{0, QStringLiteral("account-9"), 0, QStringLiteral("id"),
                                                                     QStringLiteral("Withdrawn"), R"({"amount":3})"})
                 .dump(),
             std::string(R"({"balance":-2,"last":0})"));
}

QTEST_GUILESS_MAIN(TestProjectionStateFunction)
#include "tst_projectionstatefunction.moc"

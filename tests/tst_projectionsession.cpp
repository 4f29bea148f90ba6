#include "demogenerator.h"
#include "eventstore.h"
#include "jsonpatch.h"
#include "projectionsession.h"

#include <QFile>
#include <QHash>
#include <QSignalSpy>
#include <QTemporaryDir>
#include "projectiontesting.h"

#include <QTest>

#include <nlohmann/json.hpp>

using namespace eventlens;

namespace {

constexpr int Timeout = 120000; // generous: sanitizer builds on a busy machine
using Json = nlohmann::ordered_json;

using testing::createBankStore;
const QString &Balances = testing::balancesScript();

// Every result the session delivered, by request, with the signal that carried it.
struct Collector
{
    explicit Collector(ProjectionSession &session)
        : finished(&session, &ProjectionSession::finished)
        , failed(&session, &ProjectionSession::failed)
    {
        QObject::connect(&session, &ProjectionSession::finished, &session, [this](quint64 id, const ProjectionSessionResult &r) {
            QVERIFY2(!results.contains(id), "a second result for one request");
            results.insert(id, {true, r});
        });
        QObject::connect(&session, &ProjectionSession::failed, &session, [this](quint64 id, const ProjectionSessionResult &r) {
            QVERIFY2(!results.contains(id), "a second result for one request");
            results.insert(id, {false, r});
        });
    }

    struct Entry
    {
        bool ok = false;
        ProjectionSessionResult result;
    };

    // Waits for the request's result.
    Entry wait(quint64 id)
    {
        [&] { QTRY_VERIFY_WITH_TIMEOUT(results.contains(id), Timeout); }();
        return results.value(id);
    }

    QSignalSpy finished;
    QSignalSpy failed;
    QHash<quint64, Entry> results;
};

Json parse(const char *text)
{
    return Json::parse(text);
}

// JSON equality (members in any order), with both documents in the message.
#define JSON_COMPARE(actual, expected)                                                                     \
    do {                                                                                                   \
        const Json a_ = (actual);                                                                          \
        const Json e_ = (expected);                                                                        \
        QVERIFY2(JsonPatch::equal(a_, e_), (a_.dump() + " != " + e_.dump()).c_str());                      \
    } while (false)

} // namespace

class TestProjectionSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void stepAndStepBack();
    void runToEndRunToAndSeek();
    void breakpoints();
    void badBreakpointCondition();
    void syntaxErrorFailsWithLine();
    void runtimeErrorStopsBeforeTheEvent();
    void statesAtTwoPositions();
    void compareWithAnotherVersion();
    void newScriptCancelsEarlierRequests();
    void cancelBeforeTheRunStarts();
    void noStoreNoScript();
    void positionRange();
    void bundledScriptOnDemoStoreWithProgress();

private:
    QTemporaryDir m_dir;
    QString m_path;
};

void TestProjectionSession::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(QStringLiteral("bank.eventlens"));
    createBankStore(m_path);
}

void TestProjectionSession::stepAndStepBack()
{
    ProjectionSession session;
    Collector c(session);
    QCOMPARE(c.wait(session.setStore(m_path)).ok, true);
    const auto set = c.wait(session.setScript(Balances));
    QVERIFY2(set.ok, qPrintable(set.result.message));
    QVERIFY(set.result.hasSnapshot);
    QCOMPARE(set.result.position, qint64(0));
    QCOMPARE(set.result.firstPosition, qint64(1));
    QCOMPARE(set.result.lastPosition, qint64(8));
    QVERIFY(set.result.definition.isPartitioned());

    session.step();
    session.step();
    const auto third = c.wait(session.step());
    QVERIFY(third.ok);
    QCOMPARE(third.result.kind, ProjectionSessionResult::Kind::Step);
    QCOMPARE(third.result.position, qint64(3));
    QCOMPARE(third.result.step.event.position, qint64(3));
    QCOMPARE(third.result.step.event.type, QStringLiteral("Deposited"));
    QVERIFY(third.result.step.processed);
    QCOMPARE(third.result.step.partition, QStringLiteral("account-1"));
    JSON_COMPARE(third.result.step.stateBefore, parse(R"({"balance":0,"owner":"ada"})"));
    JSON_COMPARE(third.result.step.state, parse(R"({"balance":100,"owner":"ada"})"));
    JSON_COMPARE(third.result.states, parse(R"({"account-1":{"balance":100,"owner":"ada"},"account-2":{"balance":0,"owner":"bob"}})"));
    QCOMPARE(third.result.partitions, QStringList({QStringLiteral("account-1"), QStringLiteral("account-2")}));

    const auto back = c.wait(session.stepBack());
    QVERIFY(back.ok);
    QCOMPARE(back.result.position, qint64(2));
    QCOMPARE(back.result.step.event.position, qint64(2));
    JSON_COMPARE(back.result.states, parse(R"({"account-1":{"balance":0,"owner":"ada"},"account-2":{"balance":0,"owner":"bob"}})"));

    // Forward again gives the same step.
    const auto again = c.wait(session.step());
    QCOMPARE(again.result.position, qint64(3));
    JSON_COMPARE(again.result.step.state, parse(R"({"balance":100,"owner":"ada"})"));

    // The order's event is not selected.
    const auto end = c.wait(session.runTo(7));
    QCOMPARE(end.result.position, qint64(7));
    const auto order = c.wait(session.step());
    QVERIFY(order.ok);
    QCOMPARE(order.result.position, qint64(8));
    QVERIFY(!order.result.step.processed);
    QCOMPARE(order.result.step.skipReason, SkipReason::NotSelected);
    QVERIFY(order.result.atEnd);
    // Stepping past the end stays at the end.
    const auto past = c.wait(session.step());
    QCOMPARE(past.result.position, qint64(8));
    QCOMPARE(c.finished.count() + c.failed.count(), int(session.lastRequest()));
    QVERIFY(!session.isBusy());
}

void TestProjectionSession::runToEndRunToAndSeek()
{
    ProjectionSession session;
    Collector c(session);
    session.setStore(m_path);
    session.setScript(Balances);
    const auto end = c.wait(session.runToEnd());
    QVERIFY(end.ok);
    QCOMPARE(end.result.kind, ProjectionSessionResult::Kind::RunToEnd);
    QCOMPARE(end.result.position, qint64(8));
    QVERIFY(end.result.atEnd);
    JSON_COMPARE(end.result.states, parse(R"({"account-1":{"balance":80,"owner":"ada"},"account-2":{"balance":-30,"owner":"bob"}})"));
    // The step at the position is there after a run too.
    QCOMPARE(end.result.step.event.position, qint64(8));
    QCOMPARE(end.result.eventCount, qint64(8));
    QCOMPARE(end.result.processedCount, qint64(7));

    const auto seek = c.wait(session.seek(4));
    QCOMPARE(seek.result.position, qint64(4));
    QCOMPARE(seek.result.step.event.position, qint64(4));
    JSON_COMPARE(seek.result.states, parse(R"({"account-1":{"balance":100,"owner":"ada"},"account-2":{"balance":50,"owner":"bob"}})"));

    const auto reset = c.wait(session.reset());
    QVERIFY(reset.ok);
    QCOMPARE(reset.result.position, qint64(0));
    JSON_COMPARE(reset.result.states, Json::object());
    QCOMPARE(reset.result.step.event.position, qint64(0));

    const auto to = c.wait(session.runTo(5));
    QCOMPARE(to.result.position, qint64(5));
    JSON_COMPARE(to.result.states["account-1"]["balance"], Json(70));
}

void TestProjectionSession::breakpoints()
{
    ProjectionSession session;
    Collector c(session);
    session.setStore(m_path);
    session.setScript(Balances);
    ProjectionBreakpoint negative;
    negative.kind = ProjectionBreakpoint::Kind::Condition;
    negative.text = QStringLiteral("state.balance < 0");
    QVERIFY(c.wait(session.setBreakpoints({negative})).ok);
    const auto hit = c.wait(session.runToBreakpoint());
    QVERIFY2(hit.ok, qPrintable(hit.result.message));
    QVERIFY(hit.result.breakpointHit);
    QCOMPARE(hit.result.position, qint64(6));
    QCOMPARE(hit.result.step.event.position, qint64(6));
    QVERIFY(hit.result.step.breakpointHit);
    JSON_COMPARE(hit.result.step.state["balance"], Json(-30));
    // No other event makes a balance negative: on to the end.
    const auto rest = c.wait(session.runToBreakpoint());
    QVERIFY(!rest.result.breakpointHit);
    QCOMPARE(rest.result.position, qint64(8));

    // A new script keeps the breakpoints; a disabled one does not stop the run.
    ProjectionBreakpoint withdrawn;
    withdrawn.kind = ProjectionBreakpoint::Kind::EventType;
    withdrawn.text = QStringLiteral("Withdrawn");
    negative.enabled = false;
    session.setBreakpoints({negative, withdrawn});
    session.setScript(Balances + QStringLiteral("\n// edited\n"));
    const auto first = c.wait(session.runToBreakpoint());
    QVERIFY(first.result.breakpointHit);
    QCOMPARE(first.result.position, qint64(5));
    const auto second = c.wait(session.runToBreakpoint());
    QCOMPARE(second.result.position, qint64(6));

    ProjectionBreakpoint stream;
    stream.kind = ProjectionBreakpoint::Kind::StreamPattern;
    stream.text = QStringLiteral("account-2*");
    session.setBreakpoints({stream});
    session.reset();
    const auto third = c.wait(session.runToBreakpoint());
    QCOMPARE(third.result.position, qint64(2));
}

void TestProjectionSession::badBreakpointCondition()
{
    ProjectionSession session;
    Collector c(session);
    session.setStore(m_path);
    session.setScript(Balances);
    ProjectionBreakpoint bad;
    bad.text = QStringLiteral("state.balance <");
    const auto set = c.wait(session.setBreakpoints({bad}));
    QVERIFY(!set.ok);
    QVERIFY(set.result.error);
    QCOMPARE(set.result.error->kind, ProjectionError::Kind::Syntax);
    // None is set: the run goes to the end.
    const auto run = c.wait(session.runToBreakpoint());
    QVERIFY(!run.result.breakpointHit);
    QCOMPARE(run.result.position, qint64(8));
}

void TestProjectionSession::syntaxErrorFailsWithLine()
{
    ProjectionSession session;
    Collector c(session);
    session.setStore(m_path);
    const QString script = QStringLiteral("fromAll().when({\n    $any: function (s, e) {\n        s.x = ;\n    }\n});\n");
    const auto set = c.wait(session.setScript(script));
    QVERIFY(!set.ok);
    QVERIFY(set.result.error);
    QCOMPARE(set.result.error->kind, ProjectionError::Kind::Syntax);
    QCOMPARE(set.result.error->line, 3);
    QVERIFY(!set.result.scriptValid);
    QVERIFY(!set.result.message.isEmpty());
    // Stepping reports the same error.
    const auto step = c.wait(session.step());
    QVERIFY(!step.ok);
    QVERIFY(step.result.error);
    QCOMPARE(step.result.error->line, 3);

    // Without a store the script is compiled too.
    ProjectionSession bare;
    Collector b(bare);
    const auto compiled = b.wait(bare.setScript(script));
    QVERIFY(!compiled.ok);
    QCOMPARE(compiled.result.error->line, 3);
    const auto valid = b.wait(bare.setScript(Balances));
    QVERIFY(valid.ok);
    QVERIFY(valid.result.scriptValid);
    QVERIFY(valid.result.definition.isPartitioned());
    QVERIFY(!valid.result.hasSnapshot);
}

void TestProjectionSession::runtimeErrorStopsBeforeTheEvent()
{
    ProjectionSession session;
    Collector c(session);
    session.setStore(m_path);
    session.setScript(QStringLiteral("fromCategory('account').foreachStream().when({\n"
                                     "    $init: function () { return { balance: 0 }; },\n"
                                     "    Deposited: function (s, e) { s.balance += e.data.amount; },\n"
                                     "    Withdrawn: function (s, e) {\n"
                                     "        if (e.data.amount > 50) throw new Error('too much');\n"
                                     "        s.balance -= e.data.amount;\n"
                                     "    }\n"
                                     "});\n"));
    const auto run = c.wait(session.runToEnd());
    QVERIFY(!run.ok);
    QVERIFY(run.result.error);
    QCOMPARE(run.result.error->kind, ProjectionError::Kind::Runtime);
    QCOMPARE(run.result.error->position, qint64(6));
    QCOMPARE(run.result.error->line, 5);
    QVERIFY(run.result.hasSnapshot);
    QCOMPARE(run.result.position, qint64(5));
    JSON_COMPARE(run.result.states["account-2"]["balance"], Json(50));
    // A step fails at the same event and stays.
    const auto step = c.wait(session.step());
    QVERIFY(!step.ok);
    QCOMPARE(step.result.error->position, qint64(6));
    QCOMPARE(step.result.position, qint64(5));
    // Back and forth before the failing event works.
    const auto back = c.wait(session.stepBack());
    QVERIFY(back.ok);
    QCOMPARE(back.result.position, qint64(4));
}

void TestProjectionSession::statesAtTwoPositions()
{
    ProjectionSession session;
    Collector c(session);
    session.setStore(m_path);
    session.setScript(Balances);
    session.runTo(2);
    const auto diff = c.wait(session.statesAt(3, 5));
    QVERIFY2(diff.ok, qPrintable(diff.result.message));
    QCOMPARE(diff.result.kind, ProjectionSessionResult::Kind::StatesAt);
    QCOMPARE(diff.result.positionA, qint64(3));
    QCOMPARE(diff.result.positionB, qint64(5));
    JSON_COMPARE(diff.result.statesA["account-1"]["balance"], Json(100));
    JSON_COMPARE(diff.result.statesB["account-1"]["balance"], Json(70));
    JSON_COMPARE(diff.result.patches, parse(R"({"account-1":[{"op":"replace","path":"/balance","value":70}],)"
                                            R"("account-2":[{"op":"replace","path":"/balance","value":50}]})"));
    // The run stays where it was.
    QCOMPARE(diff.result.position, qint64(2));
    const auto step = c.wait(session.step());
    QCOMPARE(step.result.position, qint64(3));
}

void TestProjectionSession::compareWithAnotherVersion()
{
    ProjectionSession session;
    Collector c(session);
    session.setStore(m_path);
    session.setScript(Balances);
    QString doubled = Balances;
    doubled.replace(QStringLiteral("s.balance -= e.data.amount;"), QStringLiteral("s.balance -= 2 * e.data.amount;"));
    QVERIFY(doubled != Balances);
    const auto cmp = c.wait(session.compareWith(doubled));
    QVERIFY2(cmp.ok, qPrintable(cmp.result.message));
    QVERIFY(cmp.result.comparison);
    const ProjectionComparison &result = *cmp.result.comparison;
    QVERIFY(!result.equal);
    QCOMPARE(result.firstDivergentPosition, qint64(5));
    QCOMPARE(result.firstDivergentPartition, QStringLiteral("account-1"));
    QCOMPARE(result.firstDivergentEvent.type, QStringLiteral("Withdrawn"));
    JSON_COMPARE(result.patches, parse(R"({"account-1":[{"op":"replace","path":"/balance","value":50}],)"
                                   R"("account-2":[{"op":"replace","path":"/balance","value":-110}]})"));

    const auto same = c.wait(session.compareWith(Balances));
    QVERIFY(same.result.comparison->equal);
    QCOMPARE(same.result.comparison->firstDivergentPosition, qint64(0));

    const auto broken = c.wait(session.compareWith(QStringLiteral("fromAll(")));
    QVERIFY(!broken.ok);
    QVERIFY(broken.result.comparison && broken.result.comparison->errorB);
}

void TestProjectionSession::newScriptCancelsEarlierRequests()
{
    ProjectionSession session;
    Collector c(session);
    QSignalSpy busy(&session, &ProjectionSession::busyChanged);
    session.setStore(m_path);
    session.setScript(Balances);
    const quint64 run = session.runToEnd();
    const quint64 step = session.step();
    const quint64 replaced = session.setScript(QStringLiteral("fromAll().when({ $any: function (s, e) { s.n = (s.n || 0) + 1; } });"));
    const quint64 after = session.step();
    const auto last = c.wait(after);
    QVERIFY(last.ok);
    QCOMPARE(last.result.position, qint64(1));
    JSON_COMPARE(last.result.states, parse(R"({"":{"n":1}})"));
    // The requests before the new script ended as cancelled, each once.
    for (const quint64 id : {run, step}) {
        const auto entry = c.wait(id);
        QVERIFY(!entry.ok);
        QVERIFY(entry.result.cancelled);
    }
    QVERIFY(c.wait(replaced).ok);
    QCOMPARE(c.finished.count() + c.failed.count(), int(session.lastRequest()));
    QTRY_VERIFY_WITH_TIMEOUT(!session.isBusy(), Timeout);
    QCOMPARE(busy.count(), 2);
    QCOMPARE(busy.at(0).at(0).toBool(), true);
    QCOMPARE(busy.at(1).at(0).toBool(), false);
}

void TestProjectionSession::cancelBeforeTheRunStarts()
{
    ProjectionSession session;
    Collector c(session);
    session.setStore(m_path);
    session.setScript(Balances);
    const quint64 run = session.runToEnd();
    session.cancel();
    const auto cancelled = c.wait(run);
    QVERIFY(!cancelled.ok);
    QVERIFY(cancelled.result.cancelled);
    // The session goes on with the next request.
    const auto step = c.wait(session.step());
    QVERIFY(step.ok);
    QVERIFY(step.result.position >= 1);
}

void TestProjectionSession::noStoreNoScript()
{
    ProjectionSession session;
    Collector c(session);
    const auto step = c.wait(session.step());
    QVERIFY(!step.ok);
    QVERIFY(!step.result.message.isEmpty());
    QVERIFY(!step.result.hasStore);
    const auto missing = c.wait(session.setStore(m_dir.filePath(QStringLiteral("missing.eventlens"))));
    QVERIFY(!missing.ok);
    QVERIFY(!missing.result.message.isEmpty());
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("missing.eventlens")))); // read-only: nothing created
    session.setStore(m_path);
    const auto noScript = c.wait(session.step());
    QVERIFY(!noScript.ok);
    QVERIFY(noScript.result.hasStore);
}

void TestProjectionSession::positionRange()
{
    ProjectionSession session;
    Collector c(session);
    session.setStore(m_path, 3, 6);
    const auto set = c.wait(session.setScript(Balances));
    QCOMPARE(set.result.firstPosition, qint64(3));
    QCOMPARE(set.result.lastPosition, qint64(6));
    const auto first = c.wait(session.step());
    QCOMPARE(first.result.position, qint64(3));
    // Without its AccountOpened, account-1 starts from $init.
    JSON_COMPARE(first.result.states, parse(R"({"account-1":{"balance":100}})"));
    const auto end = c.wait(session.runToEnd());
    QCOMPARE(end.result.position, qint64(6));
    QVERIFY(end.result.atEnd);
}

void TestProjectionSession::bundledScriptOnDemoStoreWithProgress()
{
    // The bundled example over a demo store big enough for progress reports (every 64 Ki events).
    const QString path = m_dir.filePath(QStringLiteral("demo.eventlens"));
    DemoOptions options;
    options.events = 70000;
    DemoGenerator::createStore(path, options);
    QFile file(QStringLiteral(EVENTLENS_TEST_DATA "/../../resources/projections/account-balances.js"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString script = QString::fromUtf8(file.readAll());

    ProjectionSession session;
    Collector c(session);
    QSignalSpy progress(&session, &ProjectionSession::progress);
    session.setStore(path);
    session.setScript(script, QStringLiteral("account-balances.js"));
    const quint64 id = session.runToEnd();
    const auto end = c.wait(id);
    QVERIFY2(end.ok, qPrintable(end.result.message));
    QCOMPARE(end.result.position, qint64(70000));
    QVERIFY(end.result.partitions.size() > 100);
    QVERIFY(!progress.isEmpty());
    int last = -1;
    for (const QList<QVariant> &signal : std::as_const(progress)) {
        QCOMPARE(signal.at(0).toULongLong(), id);
        const int done = signal.at(1).toInt();
        QCOMPARE(signal.at(2).toInt(), ProjectionSession::ProgressScale);
        QVERIFY(done >= 0 && done <= ProjectionSession::ProgressScale);
        QVERIFY(done > last);
        last = done;
    }
    // Every balance agrees with the events (balances are never negative in the demo).
    for (auto it = end.result.states.begin(); it != end.result.states.end(); ++it)
        QVERIFY2(it.value()["balance"].get<double>() >= 0, it.key().c_str());
}

QTEST_GUILESS_MAIN(TestProjectionSession)
#include "tst_projectionsession.moc"

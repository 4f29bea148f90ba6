// ProjectionReplay over a real store (a few thousand events of a bank domain, built in a
// temporary directory): stepping forward and back, seek, runTo with breakpoints, checkpoint
// thinning, statesAt; and the store-level tools compareProjections, bisectProjection and
// projectionStateDiff. Every expectation is checked against a plain C++ simulation of the
// balance projection.

#include "eventstore.h"
#include "jsonpatch.h"
#include "projectioncomparison.h"
#include "projectionreplay.h"

#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <cstring>
#include <map>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace eventlens;
using Json = nlohmann::ordered_json;

namespace {

constexpr qint64 BaseTime = 1704067200000; // 2024-01-01T00:00:00.000Z
constexpr int EventCount = 3000;
constexpr int Accounts = 20;

const char *const BalanceScript = R"JS(fromCategory('account').foreachStream().when({
    $init: function () { return { balance: 0, count: 0 }; },
    AccountOpened: function (s, e) { s.owner = e.data.owner; },
    Deposited: function (s, e) { s.balance += e.data.amount; s.count += 1; },
    Withdrawn: function (s, e) { s.balance -= e.data.amount; s.count += 1; },
    AccountClosed: function (s, e) { s.closed = true; }
});
)JS";

QString S(const char *text)
{
    return QString::fromUtf8(text);
}

QString S(const std::string &text)
{
    return QString::fromStdString(text);
}

std::string mismatch(const std::string &what, const Json &actual, const Json &expected)
{
    return what + "\n   actual: " + actual.dump() + "\n expected: " + expected.dump();
}

} // namespace

// No error, or the error's text in the failure message.
#define VERIFY_NO_ERROR(error)                                                                     \
    QVERIFY2(!(error).has_value(), (error) ? qPrintable((error)->toString()) : "")

#define COMPARE_JSON(actual, expected)                                                             \
    do {                                                                                           \
        const Json actual_ = (actual);                                                             \
        const Json expected_ = (expected);                                                         \
        QVERIFY2(JsonPatch::equal(actual_, expected_), mismatch(#actual, actual_, expected_).c_str()); \
    } while (false)

class TestProjectionReplay : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void steppingMatchesSimulation();
    void seekMatchesStepping();
    void stepBackAndEnds();
    void runToPosition();
    void runToBreakpoints_data();
    void runToBreakpoints();
    void runToCancelled();
    void checkpointThinning();
    void statesAtLeavesPosition();
    void rangeOptions();
    void runtimeErrorInReplay();
    void prefetchedRunsMatchPlainOnes();
    void compareEqual();
    void compareChangedScript();
    void compareTransientDivergence();
    void compareResults();
    void compareErrorsAndRange();
    void bisectFound();
    void bisectNotFoundAndErrors();
    void stateDiff();

private:
    // Runs of more than 200 events read ahead on a thread (the default is 8,192), so that both
    // ways of reading serve these tests: the reader thread the long runs, the connection the
    // short ones and the last kUndoTail events of a run.
    ProjectionReplay::Options options(int interval = 16, qint64 prefetchFrom = 200) const
    {
        ProjectionReplay::Options o;
        o.checkpointInterval = interval;
        o.prefetchFrom = prefetchFrom;
        return o;
    }
    // Positions of the events matching fn, in order.
    QList<qint64> positionsWhere(const std::function<bool(const Event &, size_t index)> &fn) const
    {
        QList<qint64> out;
        for (size_t i = 0; i < m_events.size(); ++i) {
            if (fn(m_events[i], i))
                out.append(m_events[i].position);
        }
        return out;
    }
    bool processedBySim(const Event &e) const
    {
        static const QSet<QString> handled = {QStringLiteral("AccountOpened"), QStringLiteral("Deposited"),
                                              QStringLiteral("Withdrawn"), QStringLiteral("AccountClosed")};
        return e.stream.startsWith(QLatin1String("account-")) && e.dataIsJson && handled.contains(e.type);
    }

    QTemporaryDir m_dir;
    std::unique_ptr<EventStore> m_store;
    std::vector<Event> m_events;   // as read back from the store
    std::vector<Json> m_sim;       // m_sim[p]: {partition: state} after position p (p = 0..N)
    qint64 m_last = 0;
};

void TestProjectionReplay::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_store = EventStore::open(m_dir.filePath(QStringLiteral("replay.db")));
    std::mt19937 rng(20240101);
    std::set<int> opened;
    {
        auto batch = m_store->beginBatch();
        for (int i = 0; i < EventCount; ++i) {
            const int r = int(rng() % 100);
            NewEvent e;
            e.timeMs = BaseTime + qint64(i) * 1000;
            QString stream;
            if (r < 3) {
                stream = QStringLiteral("order-%1").arg(rng() % 5 + 1);
                e.type = QStringLiteral("OrderPlaced");
            } else {
                const int k = int(rng() % Accounts) + 1;
                stream = QStringLiteral("account-%1").arg(k);
                if (!opened.count(k)) {
                    opened.insert(k);
                    e.type = QStringLiteral("AccountOpened");
                    e.data = QStringLiteral("{\"owner\":\"owner-%1\"}").arg(k).toUtf8();
                } else if (r < 5) {
                    e.type = QStringLiteral("Note");
                    e.data = QByteArrayLiteral("plain text, not JSON");
                    e.dataIsJson = false;
                } else if (r < 7) {
                    e.type = QStringLiteral("AccountClosed");
                } else if (r < 55) {
                    e.type = QStringLiteral("Deposited");
                    e.data = QStringLiteral("{\"amount\":%1}").arg(rng() % 100 + 1).toUtf8();
                } else {
                    e.type = QStringLiteral("Withdrawn");
                    e.data = QStringLiteral("{\"amount\":%1}").arg(rng() % 120 + 1).toUtf8();
                }
            }
            batch.append(stream, ExpectedVersion::any(), {e});
        }
        batch.commit();
    }
    m_events = m_store->read(EventQuery());
    QCOMPARE(qsizetype(m_events.size()), qsizetype(EventCount));
    m_last = m_events.back().position;
    QCOMPARE(m_last, qint64(EventCount));

    // The simulation of BalanceScript.
    Json states = Json::object();
    m_sim.assign(size_t(m_last + 1), Json::object());
    for (const Event &e : m_events) {
        if (processedBySim(e)) {
            const std::string key = e.stream.toStdString();
            if (!states.contains(key))
                states[key] = Json{{"balance", 0}, {"count", 0}};
            Json &s = states[key];
            const Json data = Json::parse(e.data.constBegin(), e.data.constEnd());
            if (e.type == QLatin1String("AccountOpened")) {
                s["owner"] = data["owner"];
            } else if (e.type == QLatin1String("Deposited")) {
                s["balance"] = s["balance"].get<qint64>() + data["amount"].get<qint64>();
                s["count"] = s["count"].get<qint64>() + 1;
            } else if (e.type == QLatin1String("Withdrawn")) {
                s["balance"] = s["balance"].get<qint64>() - data["amount"].get<qint64>();
                s["count"] = s["count"].get<qint64>() + 1;
            } else {
                s["closed"] = true;
            }
        }
        m_sim[size_t(e.position)] = states;
    }
    // The data must exercise what the tests look for.
    QVERIFY(positionsWhere([](const Event &e, size_t) { return !e.dataIsJson; }).size() > 20);
    QVERIFY(positionsWhere([](const Event &e, size_t) { return e.type == QLatin1String("AccountClosed"); }).size() > 20);
}

void TestProjectionReplay::steppingMatchesSimulation()
{
    ProjectionReplay replay(*m_store, S(BalanceScript), options());
    QVERIFY(replay.isValid());
    QCOMPARE(replay.position(), qint64(0));
    QCOMPARE(replay.firstPosition(), qint64(1));
    QCOMPARE(replay.lastPosition(), m_last);
    QVERIFY(!replay.atEnd());
    QCOMPARE(replay.currentStep().event.position, qint64(0));
    for (const Event &e : m_events) {
        const ProjectionStep step = replay.stepForward();
        QCOMPARE(step.event, e);
        VERIFY_NO_ERROR(step.error);
        QCOMPARE(step.processed, processedBySim(e));
        if (step.processed) {
            QCOMPARE(step.partition, e.stream);
            COMPARE_JSON(step.state, m_sim[size_t(e.position)][e.stream.toStdString()]);
        } else {
            QCOMPARE(step.skipReason, !e.stream.startsWith(QLatin1String("account-")) ? SkipReason::NotSelected
                                      : !e.dataIsJson                               ? SkipReason::NonJson
                                                                                    : SkipReason::Unhandled);
        }
        QCOMPARE(replay.position(), e.position);
        const Json states = replay.projection().states();
        QVERIFY2(JsonPatch::equal(states, m_sim[size_t(e.position)]),
                 mismatch("at " + std::to_string(e.position), states, m_sim[size_t(e.position)]).c_str());
    }
    QVERIFY(replay.atEnd());
    QCOMPARE(replay.stepForward().event.position, qint64(0)); // nothing after the end
    QCOMPARE(replay.position(), m_last);
    QVERIFY(replay.checkpointCount() > 0);
    QVERIFY(replay.checkpointBytes() > 0);
}

// seek(p) gives the state stepping gave at p, for random p, in random order.
void TestProjectionReplay::seekMatchesStepping()
{
    ProjectionReplay replay(*m_store, S(BalanceScript), options());
    // Step to the end first, so that the checkpoints exist, then jump around.
    QCOMPARE(replay.runTo(Projection::End).position, m_last);
    std::mt19937 rng(7);
    std::vector<qint64> targets{0, 1, 2, m_last, m_last - 1, 15, 16, 17, 32, 33};
    for (int i = 0; i < 60; ++i)
        targets.push_back(qint64(rng() % quint32(m_last + 1)));
    for (const qint64 p : targets) {
        const ProjectionStep step = replay.seek(p);
        QCOMPARE(replay.position(), p);
        QCOMPARE(step.event.position, p);
        VERIFY_NO_ERROR(step.error);
        const Json states = replay.projection().states();
        QVERIFY2(JsonPatch::equal(states, m_sim[size_t(p)]), mismatch("seek " + std::to_string(p), states, m_sim[size_t(p)]).c_str());
        if (p > 0) {
            const Event &e = m_events[size_t(p - 1)];
            QCOMPARE(step.event, e);
            QCOMPARE(step.processed, processedBySim(e));
            if (step.processed) {
                COMPARE_JSON(step.state, m_sim[size_t(p)][e.stream.toStdString()]);
                const Json before = m_sim[size_t(p - 1)].value(e.stream.toStdString(), Json());
                COMPARE_JSON(step.stateBefore, before);
                QCOMPARE(step.partitionCreated, before.is_null());
            }
            // currentStep() gives the same step again.
            const ProjectionStep again = replay.currentStep();
            QCOMPARE(again.event.position, p);
            COMPARE_JSON(again.state, step.state);
        }
        // One step on from there continues the run.
        if (p < m_last) {
            const ProjectionStep next = replay.stepForward();
            QCOMPARE(next.event.position, p + 1);
            COMPARE_JSON(replay.projection().states(), m_sim[size_t(p + 1)]);
        }
    }
    // Seeking from a fresh replay (no checkpoints ahead) gives the same.
    ProjectionReplay fresh(*m_store, S(BalanceScript), options());
    for (int i = 0; i < 10; ++i) {
        const qint64 p = qint64(rng() % quint32(m_last + 1));
        fresh.seek(p);
        QCOMPARE(fresh.position(), p);
        COMPARE_JSON(fresh.projection().states(), m_sim[size_t(p)]);
    }
    // Seeking past the end stops at the last event.
    replay.seek(m_last + 100);
    QCOMPARE(replay.position(), m_last);
}

void TestProjectionReplay::stepBackAndEnds()
{
    ProjectionReplay replay(*m_store, S(BalanceScript), options());
    QCOMPARE(replay.stepBack().event.position, qint64(0)); // nothing before the start
    QCOMPARE(replay.position(), qint64(0));
    replay.runTo(300);
    QCOMPARE(replay.position(), qint64(300));
    for (qint64 p = 299; p >= 0; --p) {
        const ProjectionStep step = replay.stepBack();
        QCOMPARE(replay.position(), p);
        QCOMPARE(step.event.position, p);
        const Json states = replay.projection().states();
        QVERIFY2(JsonPatch::equal(states, m_sim[size_t(p)]), mismatch("back to " + std::to_string(p), states, m_sim[size_t(p)]).c_str());
    }
    QVERIFY(replay.projection().states().empty());
    QCOMPARE(replay.stepBack().event.position, qint64(0));
    QCOMPARE(replay.position(), qint64(0));
    // Forward again after going back.
    for (qint64 p = 1; p <= 40; ++p)
        QCOMPARE(replay.stepForward().event.position, p);
    COMPARE_JSON(replay.projection().states(), m_sim[40]);
    // reset() goes back to 0.
    replay.reset();
    QCOMPARE(replay.position(), qint64(0));
    QVERIFY(replay.projection().states().empty());
    QCOMPARE(replay.stepForward().event.position, qint64(1));
}

void TestProjectionReplay::runToPosition()
{
    ProjectionReplay replay(*m_store, S(BalanceScript), options());
    qint64 expected = 0;
    for (const qint64 p : {qint64(10), qint64(500), qint64(499), qint64(2000), qint64(3)}) {
        const ProjectionReplay::RunResult r = replay.runTo(p);
        VERIFY_NO_ERROR(r.error);
        QVERIFY(!r.breakpointHit);
        QVERIFY(!r.cancelled);
        // runTo only runs forward.
        expected = std::max(expected, p);
        QCOMPARE(r.position, expected);
        QCOMPARE(replay.position(), r.position);
        COMPARE_JSON(replay.projection().states(), m_sim[size_t(r.position)]);
    }
    const ProjectionReplay::RunResult end = replay.runTo(Projection::End);
    QCOMPARE(end.position, m_last);
    QVERIFY(replay.atEnd());
    COMPARE_JSON(replay.projection().states(), m_sim[size_t(m_last)]);
}

void TestProjectionReplay::runToBreakpoints_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("text");
    QTest::newRow("event type") << int(ProjectionBreakpoint::Kind::EventType) << QStringLiteral("AccountClosed");
    QTest::newRow("stream pattern") << int(ProjectionBreakpoint::Kind::StreamPattern) << QStringLiteral("account-1[0-9]");
    QTest::newRow("condition") << int(ProjectionBreakpoint::Kind::Condition) << QStringLiteral("state.balance < 0");
    QTest::newRow("condition on event") << int(ProjectionBreakpoint::Kind::Condition)
                                        << QStringLiteral("e.eventType === 'Withdrawn' && e.data.amount > 115");
}

// runTo(End, true) stops at each matching event in turn.
void TestProjectionReplay::runToBreakpoints()
{
    QFETCH(int, kind);
    QFETCH(QString, text);
    QList<qint64> expected;
    if (kind == int(ProjectionBreakpoint::Kind::EventType)) {
        expected = positionsWhere([&](const Event &e, size_t) { return e.type == text; });
    } else if (kind == int(ProjectionBreakpoint::Kind::StreamPattern)) {
        expected = positionsWhere([](const Event &e, size_t) {
            return e.stream.size() == 10 && e.stream.startsWith(QLatin1String("account-1"));
        });
    } else if (text.contains(QLatin1String("balance"))) {
        expected = positionsWhere([&](const Event &e, size_t) {
            return processedBySim(e) && m_sim[size_t(e.position)][e.stream.toStdString()]["balance"].get<qint64>() < 0;
        });
    } else {
        expected = positionsWhere([](const Event &e, size_t) {
            return e.type == QLatin1String("Withdrawn")
                && Json::parse(e.data.constBegin(), e.data.constEnd())["amount"].get<int>() > 115;
        });
    }
    QVERIFY(expected.size() >= 3);
    if (expected.size() > 12)
        expected = expected.first(12);

    ProjectionReplay replay(*m_store, S(BalanceScript), options());
    QVERIFY(!replay.setBreakpoints({{ProjectionBreakpoint::Kind(kind), text}}));
    QList<qint64> stops;
    while (stops.size() < expected.size()) {
        const ProjectionReplay::RunResult r = replay.runTo(Projection::End, true);
        VERIFY_NO_ERROR(r.error);
        if (!r.breakpointHit)
            break;
        QCOMPARE(r.position, replay.position());
        QCOMPARE(r.step.event.position, r.position);
        QVERIFY(r.step.breakpointHit);
        COMPARE_JSON(replay.projection().states(), m_sim[size_t(r.position)]);
        stops.append(r.position);
    }
    QCOMPARE(stops, expected);
    // Without stopAtBreakpoint, the run goes to the end.
    const ProjectionReplay::RunResult rest = replay.runTo(Projection::End, false);
    QVERIFY(!rest.breakpointHit);
    QCOMPARE(rest.position, m_last);
}

void TestProjectionReplay::runToCancelled()
{
    std::atomic_bool cancel{true};
    ProjectionReplay::Options o = options();
    o.cancel = &cancel;
    ProjectionReplay replay(*m_store, S(BalanceScript), o);
    const ProjectionReplay::RunResult r = replay.runTo(Projection::End);
    QVERIFY(r.cancelled);
    QVERIFY(r.position < m_last);
    QCOMPARE(replay.position(), r.position);
    COMPARE_JSON(replay.projection().states(), m_sim[size_t(r.position)]);
    cancel = false;
    const ProjectionReplay::RunResult again = replay.runTo(Projection::End);
    QVERIFY(!again.cancelled);
    QCOMPARE(again.position, m_last);
}

// A small maxCheckpointBytes: checkpoints are thinned, the interval doubles, seeking stays right.
void TestProjectionReplay::checkpointThinning()
{
    ProjectionReplay::Options o = options(16);
    o.maxCheckpointBytes = 8 * 1024;
    ProjectionReplay replay(*m_store, S(BalanceScript), o);
    QCOMPARE(replay.checkpointInterval(), 16);
    QCOMPARE(replay.runTo(Projection::End).position, m_last);
    QVERIFY2(replay.checkpointBytes() <= o.maxCheckpointBytes, qPrintable(QString::number(replay.checkpointBytes())));
    QVERIFY(replay.checkpointCount() >= 1);
    const int interval = replay.checkpointInterval();
    QVERIFY2(interval > 16, qPrintable(QString::number(interval)));
    QVERIFY2((interval & (interval - 1)) == 0, qPrintable(QString::number(interval))); // 16 * 2^k
    // Each checkpoint holds about a full set of states (> 100 bytes): without thinning there
    // would be EventCount / 16 of them, far more than 8 KiB.
    QVERIFY(replay.checkpointCount() < EventCount / 16);

    std::mt19937 rng(11);
    for (int i = 0; i < 25; ++i) {
        const qint64 p = qint64(rng() % quint32(m_last + 1));
        replay.seek(p);
        QCOMPARE(replay.position(), p);
        COMPARE_JSON(replay.projection().states(), m_sim[size_t(p)]);
    }
    for (int i = 0; i < 20; ++i) {
        const qint64 p = replay.position();
        if (p == 0)
            break;
        replay.stepBack();
        QCOMPARE(replay.position(), p - 1);
        COMPARE_JSON(replay.projection().states(), m_sim[size_t(p - 1)]);
    }

    // A generous budget keeps them all (one per interval).
    ProjectionReplay roomy(*m_store, S(BalanceScript), options(64));
    roomy.runTo(Projection::End);
    QVERIFY(roomy.checkpointCount() >= 1);
    QVERIFY(roomy.checkpointCount() <= EventCount / 64);
    QVERIFY(roomy.checkpointBytes() > 0);
}

void TestProjectionReplay::statesAtLeavesPosition()
{
    ProjectionReplay replay(*m_store, S(BalanceScript), options());
    replay.seek(1234);
    const ProjectionStep current = replay.currentStep();
    QCOMPARE(current.event.position, qint64(1234));
    for (const qint64 p : {qint64(0), qint64(5), qint64(1233), qint64(1234), qint64(1235), qint64(2999), qint64(3000), qint64(100)}) {
        const Json states = replay.statesAt(p);
        QVERIFY2(JsonPatch::equal(states, m_sim[size_t(p)]), mismatch("statesAt " + std::to_string(p), states, m_sim[size_t(p)]).c_str());
        QCOMPARE(replay.position(), qint64(1234));
        COMPARE_JSON(replay.projection().states(), m_sim[1234]);
    }
    QCOMPARE(replay.currentStep().event.position, qint64(1234));
    COMPARE_JSON(replay.currentStep().state, current.state);
    QCOMPARE(replay.stepForward().event.position, qint64(1235));
    COMPARE_JSON(replay.projection().states(), m_sim[1235]);
}

void TestProjectionReplay::rangeOptions()
{
    ProjectionReplay::Options o = options();
    o.fromPosition = 100;
    o.toPosition = 200;
    ProjectionReplay replay(*m_store, S(BalanceScript), o);
    QCOMPARE(replay.firstPosition(), qint64(100));
    QCOMPARE(replay.lastPosition(), qint64(200));
    QCOMPARE(replay.stepForward().event.position, qint64(100));
    QCOMPARE(replay.runTo(Projection::End).position, qint64(200));
    QVERIFY(replay.atEnd());
    QCOMPARE(replay.stepForward().event.position, qint64(0));

    // The same as a projection fed only those events.
    Projection reference(S(BalanceScript));
    reference.feed(std::span<const Event>(m_events).subspan(99, 101));
    COMPARE_JSON(replay.projection().states(), reference.states());
    replay.seek(50);
    QCOMPARE(replay.position(), qint64(0));
    QVERIFY(replay.projection().states().empty());
    replay.seek(150);
    QCOMPARE(replay.position(), qint64(150));

    ProjectionReplay::Options empty = options();
    empty.fromPosition = m_last + 1;
    ProjectionReplay none(*m_store, S(BalanceScript), empty);
    QCOMPARE(none.firstPosition(), qint64(0));
    QCOMPARE(none.lastPosition(), qint64(0));
    QVERIFY(none.atEnd());
    QCOMPARE(none.stepForward().event.position, qint64(0));
    QCOMPARE(none.runTo(Projection::End).position, qint64(0));
}

// A script that fails at one event: runTo stops before it with the error, the replay stays usable.
void TestProjectionReplay::runtimeErrorInReplay()
{
    // The 5th Withdrawn of account-3 fails.
    const QList<qint64> withdrawn3 = positionsWhere([](const Event &e, size_t) {
        return e.stream == QLatin1String("account-3") && e.type == QLatin1String("Withdrawn");
    });
    QVERIFY(withdrawn3.size() > 5);
    const qint64 failing = withdrawn3[4];
    std::string script = BalanceScript;
    const std::string handler = "Withdrawn: function (s, e) { ";
    script.replace(script.find(handler), handler.size(),
                   handler + "if (e.position === " + std::to_string(failing) + ") throw new Error('refused'); ");
    ProjectionReplay replay(*m_store, S(script), options());
    QVERIFY2(replay.isValid(), replay.projection().error() ? qPrintable(replay.projection().error()->toString()) : "");
    const ProjectionReplay::RunResult r = replay.runTo(Projection::End);
    QVERIFY(r.error.has_value());
    QCOMPARE(r.error->kind, ProjectionError::Kind::Runtime);
    QCOMPARE(r.error->position, failing);
    QCOMPARE(r.error->line, 5);
    QVERIFY(r.error->message.contains(QStringLiteral("refused")));
    QCOMPARE(r.position, failing - 1);
    QCOMPARE(replay.position(), failing - 1);
    QCOMPARE(r.step.event.position, failing);
    QVERIFY(r.step.error.has_value());
    COMPARE_JSON(replay.projection().states(), m_sim[size_t(failing - 1)]);

    // Stepping onto the failing event reports the error and stays before it.
    const ProjectionStep step = replay.stepForward();
    QVERIFY(step.error.has_value());
    QCOMPARE(step.error->position, failing);
    QCOMPARE(replay.position(), failing - 1);
    COMPARE_JSON(replay.projection().states(), m_sim[size_t(failing - 1)]);
    // Going back and reading states still works.
    replay.seek(failing - 20);
    QCOMPARE(replay.position(), failing - 20);
    COMPARE_JSON(replay.projection().states(), m_sim[size_t(failing - 20)]);
    COMPARE_JSON(replay.statesAt(failing - 1), m_sim[size_t(failing - 1)]);
    QCOMPARE(replay.position(), failing - 20);
    // Seeking beyond the failing event reports it.
    const ProjectionStep beyond = replay.seek(failing + 10);
    QVERIFY(beyond.error.has_value());
    QCOMPARE(beyond.error->position, failing);
}

// The reader thread changes nothing but the speed: runs, breakpoint stops, checkpoints and an
// error in the middle come out as they do when the replay reads the store itself.
void TestProjectionReplay::prefetchedRunsMatchPlainOnes()
{
    const qint64 never = std::numeric_limits<qint64>::max();
    for (const qint64 prefetchFrom : {qint64(0), qint64(500), never}) {
        ProjectionReplay replay(*m_store, S(BalanceScript), options(16, prefetchFrom));
        const ProjectionReplay::RunResult half = replay.runTo(m_last / 2);
        VERIFY_NO_ERROR(half.error);
        QCOMPARE(replay.position(), m_last / 2);
        COMPARE_JSON(replay.projection().states(), m_sim[size_t(m_last / 2)]);
        QCOMPARE(replay.runTo(Projection::End).position, m_last);
        COMPARE_JSON(replay.projection().states(), m_sim[size_t(m_last)]);
        QVERIFY(replay.checkpointCount() > 2);
        // Every checkpoint holds the states of its position.
        for (const qint64 p : {qint64(100), m_last / 3, m_last - 1})
            COMPARE_JSON(replay.statesAt(p), m_sim[size_t(p)]);

        // Breakpoints stop where reading one event at a time would.
        ProjectionReplay stops(*m_store, S(BalanceScript), options(16, prefetchFrom));
        QVERIFY(!stops.setBreakpoints({{ProjectionBreakpoint::Kind::EventType, QStringLiteral("AccountClosed")}}));
        const QList<qint64> closed = positionsWhere([](const Event &e, size_t) { return e.type == QLatin1String("AccountClosed"); });
        for (int k = 0; k < 5; ++k) {
            const ProjectionReplay::RunResult r = stops.runTo(Projection::End, true);
            QVERIFY(r.breakpointHit);
            QCOMPARE(r.position, closed[k]);
            COMPARE_JSON(stops.projection().states(), m_sim[size_t(r.position)]);
        }
    }
    // An error in a run read ahead: the run stops before it, as it does without the reader.
    const QList<qint64> deposits = positionsWhere([this](const Event &e, size_t) {
        return e.position > m_last / 2 && processedBySim(e) && e.type == QLatin1String("Deposited");
    });
    QVERIFY(!deposits.isEmpty());
    const qint64 failing = deposits.first();
    std::string script = BalanceScript;
    const std::string handler = "Deposited: function (s, e) { ";
    script.replace(script.find(handler), handler.size(),
                   handler + "if (e.position > " + std::to_string(m_last / 2) + ") throw new Error('refused'); ");
    for (const qint64 prefetchFrom : {qint64(0), never}) {
        ProjectionReplay replay(*m_store, S(script), options(16, prefetchFrom));
        QVERIFY(replay.isValid());
        const ProjectionReplay::RunResult r = replay.runTo(Projection::End);
        QVERIFY(r.error.has_value());
        QCOMPARE(r.error->position, failing);
        QCOMPARE(replay.position(), failing - 1);
        COMPARE_JSON(replay.projection().states(), m_sim[size_t(failing - 1)]);
    }
}

void TestProjectionReplay::compareEqual()
{
    const ProjectionComparison c = compareProjections(*m_store, S(BalanceScript), S(BalanceScript));
    QVERIFY(c.equal);
    QVERIFY(!c.cancelled);
    QCOMPARE(c.firstDivergentPosition, qint64(0));
    QVERIFY(c.firstDivergentPartition.isEmpty());
    QVERIFY(!c.errorA && !c.errorB);
    COMPARE_JSON(c.statesA, m_sim[size_t(m_last)]);
    COMPARE_JSON(c.statesB, m_sim[size_t(m_last)]);
    COMPARE_JSON(c.patches, Json::object());
    COMPARE_JSON(c.sharedPatch, Json::array());
}

// B flags account-3's withdrawals: the runs diverge at the first of them, in that partition only.
void TestProjectionReplay::compareChangedScript()
{
    std::string b = BalanceScript;
    const std::string from = "s.balance -= e.data.amount;";
    b.replace(b.find(from), from.size(), from + " if (e.streamId === 'account-3') s.audited = true;");
    const QList<qint64> withdrawn3 = positionsWhere([](const Event &e, size_t) {
        return e.stream == QLatin1String("account-3") && e.type == QLatin1String("Withdrawn");
    });
    QVERIFY(!withdrawn3.isEmpty());

    const ProjectionComparison c = compareProjections(*m_store, S(BalanceScript), S(b));
    QVERIFY(!c.errorA && !c.errorB);
    QVERIFY(!c.equal);
    QCOMPARE(c.firstDivergentPosition, withdrawn3.first());
    QCOMPARE(c.firstDivergentPartition, QStringLiteral("account-3"));
    QCOMPARE(c.firstDivergentEvent, m_events[size_t(withdrawn3.first() - 1)]);
    COMPARE_JSON(c.statesA, m_sim[size_t(m_last)]);
    Json expectedB = m_sim[size_t(m_last)];
    expectedB["account-3"]["audited"] = true;
    COMPARE_JSON(c.statesB, expectedB);
    COMPARE_JSON(c.patches, Json::parse(R"({"account-3": [{"op": "add", "path": "/audited", "value": true}]})"));
    COMPARE_JSON(c.patches, projectionStateDiff(c.statesA, c.statesB));
    COMPARE_JSON(c.sharedPatch, Json::array());

    // And the other way round.
    const ProjectionComparison r = compareProjections(*m_store, S(b), S(BalanceScript));
    QCOMPARE(r.firstDivergentPosition, withdrawn3.first());
    COMPARE_JSON(r.patches, Json::parse(R"({"account-3": [{"op": "remove", "path": "/audited"}]})"));
}

// B differs from A for a while and then agrees again: the first divergence is still reported.
void TestProjectionReplay::compareTransientDivergence()
{
    // The first Withdrawn of account-3 that another processed account-3 event follows in the
    // same chunk of 1024 events (so that the states agree again at the chunk's end).
    qint64 first = 0;
    qint64 next = 0;
    for (size_t i = 0; i < m_events.size() && !first; ++i) {
        const Event &e = m_events[i];
        if (e.stream != QLatin1String("account-3") || e.type != QLatin1String("Withdrawn"))
            continue;
        for (size_t j = i + 1; j < m_events.size(); ++j) {
            if (m_events[j].stream == e.stream && processedBySim(m_events[j])) {
                if ((m_events[j].position - 1) / 1024 == (e.position - 1) / 1024) {
                    first = e.position;
                    next = m_events[j].position;
                }
                break;
            }
        }
    }
    QVERIFY(first > 0);
    // B equals A except that account-3 carries a mark from `first` until its next event.
    std::string b = BalanceScript;
    for (const char *handler : {"AccountOpened: function (s, e) { ", "Deposited: function (s, e) { ",
                                "Withdrawn: function (s, e) { ", "AccountClosed: function (s, e) { "})
        b.replace(b.find(handler), strlen(handler), std::string(handler) + "delete s.tmp; ");
    const std::string withdrawn = "s.balance -= e.data.amount;";
    b.replace(b.find(withdrawn), withdrawn.size(),
              withdrawn + " if (e.position === " + std::to_string(first) + ") s.tmp = 1;");
    ProjectionRunOptions range;
    range.toPosition = next - 1;
    const ProjectionComparison whileMarked = compareProjections(*m_store, S(BalanceScript), S(b), range);
    QVERIFY(!whileMarked.equal);
    QCOMPARE(whileMarked.firstDivergentPosition, first);
    COMPARE_JSON(whileMarked.patches, Json::parse(R"({"account-3": [{"op": "add", "path": "/tmp", "value": 1}]})"));

    const ProjectionComparison c = compareProjections(*m_store, S(BalanceScript), S(b));
    QVERIFY(!c.errorA && !c.errorB);
    COMPARE_JSON(c.patches, Json::object()); // the same at the end
    QCOMPARE(c.firstDivergentPosition, first);
    QCOMPARE(c.firstDivergentPartition, QStringLiteral("account-3"));
    QVERIFY(!c.equal);
}

// Scripts that differ only in transformBy: the results differ, the states do not.
void TestProjectionReplay::compareResults()
{
    const std::string a = std::string(BalanceScript).substr(0, std::string(BalanceScript).rfind(';'))
        + ".transformBy(function (s) { return s.balance; });";
    const std::string b = std::string(BalanceScript).substr(0, std::string(BalanceScript).rfind(';'))
        + ".transformBy(function (s) { return s.owner === 'owner-5' ? s.balance + 1 : s.balance; });";
    const QList<qint64> account5 = positionsWhere([this](const Event &e, size_t) {
        return e.stream == QLatin1String("account-5") && processedBySim(e);
    });
    QVERIFY(!account5.isEmpty());
    const ProjectionComparison c = compareProjections(*m_store, S(a), S(b));
    QVERIFY(!c.errorA && !c.errorB);
    QVERIFY(!c.equal);
    QCOMPARE(c.firstDivergentPosition, account5.first());
    QCOMPARE(c.firstDivergentPartition, QStringLiteral("account-5"));
    COMPARE_JSON(c.patches, Json::object());
    const qint64 balance = m_sim[size_t(m_last)]["account-5"]["balance"].get<qint64>();
    COMPARE_JSON(c.resultPatches,
                 Json::parse("{\"account-5\": [{\"op\": \"replace\", \"path\": \"\", \"value\": " + std::to_string(balance + 1) + "}]}"));
}

void TestProjectionReplay::compareErrorsAndRange()
{
    const ProjectionComparison syntax = compareProjections(*m_store, S(BalanceScript), S("fromAll().when({"));
    QVERIFY(!syntax.equal);
    QVERIFY(!syntax.errorA);
    QVERIFY(syntax.errorB.has_value());
    QCOMPARE(syntax.errorB->kind, ProjectionError::Kind::Syntax);

    // A runtime error in A at a known event.
    const QList<qint64> closed = positionsWhere([](const Event &e, size_t) { return e.type == QLatin1String("AccountClosed"); });
    std::string failing = BalanceScript;
    const std::string from = "s.closed = true;";
    failing.replace(failing.find(from), from.size(), "throw new Error('closed');");
    const ProjectionComparison runtime = compareProjections(*m_store, S(failing), S(BalanceScript));
    QVERIFY(!runtime.equal);
    QVERIFY(runtime.errorA.has_value());
    QCOMPARE(runtime.errorA->kind, ProjectionError::Kind::Runtime);
    QCOMPARE(runtime.errorA->position, closed.first());
    QVERIFY(!runtime.errorB);

    // The range ends before the divergence: equal.
    std::string b = BalanceScript;
    const std::string withdrawn = "s.balance -= e.data.amount;";
    b.replace(b.find(withdrawn), withdrawn.size(), withdrawn + " if (e.streamId === 'account-3') s.audited = true;");
    const QList<qint64> withdrawn3 = positionsWhere([](const Event &e, size_t) {
        return e.stream == QLatin1String("account-3") && e.type == QLatin1String("Withdrawn");
    });
    ProjectionRunOptions range;
    range.toPosition = withdrawn3.first() - 1;
    const ProjectionComparison before = compareProjections(*m_store, S(BalanceScript), S(b), range);
    QVERIFY(before.equal);
    QCOMPARE(before.firstDivergentPosition, qint64(0));
    COMPARE_JSON(before.statesA, m_sim[size_t(withdrawn3.first() - 1)]);
    range.toPosition = withdrawn3.first();
    const ProjectionComparison at = compareProjections(*m_store, S(BalanceScript), S(b), range);
    QVERIFY(!at.equal);
    QCOMPARE(at.firstDivergentPosition, withdrawn3.first());
}

void TestProjectionReplay::bisectFound()
{
    const QList<qint64> negative = positionsWhere([this](const Event &e, size_t) {
        return processedBySim(e) && m_sim[size_t(e.position)][e.stream.toStdString()]["balance"].get<qint64>() < 0;
    });
    QVERIFY(!negative.isEmpty());
    const qint64 p = negative.first();
    const Event &event = m_events[size_t(p - 1)];
    const ProjectionBisection b = bisectProjection(*m_store, S(BalanceScript), QStringLiteral("state.balance < 0"));
    VERIFY_NO_ERROR(b.error);
    QVERIFY(b.found);
    QVERIFY(!b.cancelled);
    QCOMPARE(b.position, p);
    QCOMPARE(b.event, event);
    QCOMPARE(b.partition, event.stream);
    COMPARE_JSON(b.state, m_sim[size_t(p)][event.stream.toStdString()]);
    COMPARE_JSON(b.stateBefore, m_sim[size_t(p - 1)].value(event.stream.toStdString(), Json()));
    QVERIFY(b.stateBefore["balance"].get<qint64>() >= 0);

    // A condition on the event, and a range that starts after the first hit.
    const QList<qint64> closed = positionsWhere([](const Event &e, size_t) { return e.type == QLatin1String("AccountClosed"); });
    const ProjectionBisection c = bisectProjection(*m_store, S(BalanceScript), QStringLiteral("e.eventType === 'AccountClosed'"));
    QVERIFY(c.found);
    QCOMPARE(c.position, closed.first());
    ProjectionRunOptions range;
    range.fromPosition = closed.first() + 1;
    const ProjectionBisection later = bisectProjection(*m_store, S(BalanceScript), QStringLiteral("e.eventType === 'AccountClosed'"), range);
    QVERIFY(later.found);
    QCOMPARE(later.position, closed[1]);
}

void TestProjectionReplay::bisectNotFoundAndErrors()
{
    const ProjectionBisection none = bisectProjection(*m_store, S(BalanceScript), QStringLiteral("state.balance < -1e12"));
    QVERIFY(!none.found);
    VERIFY_NO_ERROR(none.error);
    QCOMPARE(none.position, qint64(0));

    const ProjectionBisection condition = bisectProjection(*m_store, S(BalanceScript), QStringLiteral("state.balance <"));
    QVERIFY(!condition.found);
    QVERIFY(condition.error.has_value());
    QCOMPARE(condition.error->kind, ProjectionError::Kind::Syntax);

    const ProjectionBisection script = bisectProjection(*m_store, S("fromAll().when({ $any: function (s, e) { s.x = ; } });"),
                                                        QStringLiteral("true"));
    QVERIFY(!script.found);
    QVERIFY(script.error.has_value());
    QCOMPARE(script.error->kind, ProjectionError::Kind::Syntax);
}

void TestProjectionReplay::stateDiff()
{
    const Json a = Json::parse(R"({"x": {"n": 1, "k": [1, 2]}, "y": {"n": 2}, "gone": {"n": 0}})");
    const Json b = Json::parse(R"({"x": {"n": 1, "k": [1, 2]}, "y": {"n": 3, "m": true}, "new": 5})");
    const Json diff = projectionStateDiff(a, b);
    COMPARE_JSON(diff, Json::parse(R"({
        "y": [{"op": "replace", "path": "/n", "value": 3}, {"op": "add", "path": "/m", "value": true}],
        "gone": [{"op": "replace", "path": "", "value": null}],
        "new": [{"op": "replace", "path": "", "value": 5}]})"));
    // Each patch turns A's partition into B's.
    for (auto it = diff.begin(); it != diff.end(); ++it) {
        const Json from = a.value(it.key(), Json());
        const Json to = b.value(it.key(), Json());
        COMPARE_JSON(JsonPatch::apply(from, *it), to);
    }
    COMPARE_JSON(projectionStateDiff(a, a), Json::object());
    COMPARE_JSON(projectionStateDiff(Json::object(), Json::object()), Json::object());
}

QTEST_GUILESS_MAIN(TestProjectionReplay)
#include "tst_projectionreplay.moc"

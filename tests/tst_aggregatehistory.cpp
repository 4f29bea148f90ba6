#include "aggregatehistory.h"
#include "eventstore.h"
#include "jsonpatch.h"
#include "mergestatefunction.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

using namespace eventlens;
using Json = nlohmann::ordered_json;

namespace {

constexpr qint64 BaseTime = 1704067200000; // 2024-01-01T00:00:00.000Z

Json J(const char *text)
{
    return Json::parse(text);
}

std::string mismatch(const Json &actual, const Json &expected)
{
    return "\n   actual: " + actual.dump() + "\n expected: " + expected.dump();
}

} // namespace

// Exact equality, member order included.
#define COMPARE_DUMP(actual, expected)                                                             \
    do {                                                                                           \
        const Json actual_ = (actual);                                                             \
        const Json expected_ = (expected);                                                         \
        QVERIFY2(actual_.dump() == expected_.dump(), mismatch(actual_, expected_).c_str());        \
    } while (false)

namespace {

struct Spec
{
    const char *type;
    QByteArray data;
    bool json = true;
};

NewEvent newEvent(const QString &type, const QByteArray &data, bool json = true)
{
    static int counter = 0;
    NewEvent e;
    e.type = type;
    e.data = data;
    e.dataIsJson = json;
    e.timeMs = BaseTime + 1000 * ++counter;
    return e;
}

void appendAll(EventStore &store, const QString &stream, const std::vector<Spec> &specs)
{
    auto batch = store.beginBatch();
    for (const Spec &s : specs)
        batch.append(stream, ExpectedVersion::any(), {newEvent(QString::fromLatin1(s.type), s.data, s.json)});
    batch.commit();
}

std::shared_ptr<const StateFunction> merge()
{
    return std::make_shared<MergeStateFunction>();
}

Json withoutVersion(Json state)
{
    state.erase("_version");
    return state;
}

// The account of the examples: every kind of merge the default state function does.
std::vector<Spec> accountSpecs()
{
    return {
        {"AccountOpened", R"({"owner":"Ann","balance":0,"currency":"EUR"})"},
        {"Deposited", R"({"balance":100,"lastDeposit":{"amount":100,"ref":"r1"}})"},
        {"Withdrawn", R"({"balance":70})"},
        {"OwnerRenamed", R"({"owner":"Bo","lastDeposit":{"ref":null}})"},
        {"AddressChanged", R"({"address":{"city":"Oslo","zip":"0150"}})"},
        {"Tagged", R"(["vip","new"])"},
        {"CurrencyDropped", R"({"currency":null})"},
        {"Deposited", R"({"balance":95,"lastDeposit":{"amount":25}})"},
    };
}

// A state function of another kind: sums "amount", only through evolve() (the default
// evolveInPlace forwards to it), and fails on events of type "Boom".
class SumFunction final : public StateFunction
{
public:
    QString name() const override { return QStringLiteral("sum"); }
    Json initialState() const override { return J(R"({"sum":0,"events":0})"); }
    Json evolve(const Json &state, const Event &event) const override
    {
        if (event.type == QLatin1String("Boom"))
            throw StateError(QStringLiteral("boom!"));
        if (event.type == QLatin1String("Throw"))
            throw std::runtime_error("plain exception");
        const Json data = Json::parse(event.data.constBegin(), event.data.constEnd());
        Json next = state;
        const qint64 amount = data.is_object() ? data.value("amount", qint64(0)) : 0;
        next["sum"] = state["sum"].get<qint64>() + amount;
        next["events"] = state["events"].get<qint64>() + 1;
        return next;
    }
};

class SlowFunction final : public StateFunction
{
public:
    QString name() const override { return QStringLiteral("slow"); }
    Json evolve(const Json &state, const Event &event) const override
    {
        std::this_thread::sleep_for(std::chrono::microseconds(400));
        Json next = state;
        next["n"] = event.version;
        return next;
    }
};

// Random but deterministic event data that exercises the merge: nested objects, nulls that
// remove members, arrays, now and then data that is not an object.
QByteArray randomData(std::mt19937 &rng)
{
    static const char *const cities[] = {"Oslo", "Bergen", "Lyon", "Graz"};
    Json data = Json::object();
    const unsigned kind = rng() % 20;
    if (kind == 0)
        return QByteArray("[") + QByteArray::number(int(rng() % 100)) + "]";
    if (kind == 1)
        return QByteArray::number(int(rng() % 1000));
    if (rng() % 2)
        data["balance"] = int(rng() % 10000);
    if (rng() % 4 == 0)
        data["owner"] = std::string("owner-") + std::to_string(rng() % 50);
    if (rng() % 5 == 0)
        data["address"] = {{"city", cities[rng() % 4]}, {"zip", rng() % 3 ? Json(std::to_string(rng() % 9999)) : Json(nullptr)}};
    if (rng() % 7 == 0)
        data["owner"] = nullptr;
    if (rng() % 6 == 0)
        data["items"] = Json::array({int(rng() % 5), int(rng() % 5)});
    if (rng() % 9 == 0)
        data[std::string("k").append(std::to_string(rng() % 30))] = rng() % 2 ? Json(int(rng() % 7)) : Json(nullptr);
    const std::string text = data.dump();
    return QByteArray(text.data(), qsizetype(text.size()));
}

} // namespace

class TestAggregateHistory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void statesAtVersions();
    void dataThatIsNotAnObject();
    void transitions();
    void steppingReusesTheLastState();
    void skipIsAsIfNeverAppended();
    void skipFirstAndLastAndSeveral();
    void checkpointsMatchFullReplay();
    void skipThatWashesOutIsCheap();
    void randomSkipsAgainstFullReplay();
    void stateFunctionErrors();
    void customStateFunction();
    void adaptiveIntervalForSlowFunctions();
    void fromEventsValidation();
    void emptyStream();
    void progressAndCancel();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<EventStore> m_store;
};

void TestAggregateHistory::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_store = EventStore::open(m_dir.filePath(QStringLiteral("state.eventlens")));
    // Two accounts interleaved with another stream, so the stream's positions have gaps.
    const auto specs = accountSpecs();
    auto batch = m_store->beginBatch();
    for (size_t i = 0; i < specs.size(); ++i) {
        batch.append(QStringLiteral("account-1"), ExpectedVersion::exact(qint64(i) - 1),
                     {newEvent(QString::fromLatin1(specs[i].type), specs[i].data)});
        batch.append(QStringLiteral("order-1"), ExpectedVersion::any(),
                     {newEvent(QStringLiteral("ItemAdded"), R"({"sku":"x","balance":-1})")});
    }
    batch.commit();
}

void TestAggregateHistory::statesAtVersions()
{
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("account-1"), merge());
    QVERIFY(history);
    QCOMPARE(history->stream(), QStringLiteral("account-1"));
    QCOMPARE(history->count(), 8);
    QCOMPARE(history->firstVersion(), 0);
    QCOMPARE(history->lastVersion(), 7);
    QCOMPARE(history->event(2).type, QStringLiteral("Withdrawn"));
    QCOMPARE(history->stateFunction().name(), QStringLiteral("JSON merge"));

    COMPARE_DUMP(history->stateAt(-1), J("{}"));
    COMPARE_DUMP(history->stateAt(0), J(R"({"_version":0,"_lastEventType":"AccountOpened","owner":"Ann","balance":0,"currency":"EUR"})"));
    COMPARE_DUMP(history->stateAt(1), J(R"({"_version":1,"_lastEventType":"Deposited","owner":"Ann","balance":100,"currency":"EUR",
                                            "lastDeposit":{"amount":100,"ref":"r1"}})"));
    COMPARE_DUMP(history->stateAt(3), J(R"({"_version":3,"_lastEventType":"OwnerRenamed","owner":"Bo","balance":70,"currency":"EUR",
                                            "lastDeposit":{"amount":100}})"));
    COMPARE_DUMP(history->stateAt(5), J(R"({"_version":5,"_lastEventType":"Tagged","owner":"Bo","balance":70,"currency":"EUR",
                                            "lastDeposit":{"amount":100},"address":{"city":"Oslo","zip":"0150"},"_data":["vip","new"]})"));
    COMPARE_DUMP(history->stateAt(7), J(R"({"_version":7,"_lastEventType":"Deposited","owner":"Bo","balance":95,
                                            "lastDeposit":{"amount":25},"address":{"city":"Oslo","zip":"0150"},"_data":["vip","new"]})"));
    // Asking again, or out of order, gives the same.
    COMPARE_DUMP(history->stateAt(1), history->stateAt(1));
    COMPARE_DUMP(history->stateAt(3)["balance"], Json(70));

    QVERIFY_THROWS_EXCEPTION(std::out_of_range, history->stateAt(8));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, history->stateAt(-2));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, history->event(8));
}

void TestAggregateHistory::dataThatIsNotAnObject()
{
    appendAll(*m_store, QStringLiteral("misc-1"),
              {{"Opened", R"({"a":1})"},
               {"Number", "42"},
               {"Text", R"("hello")"},
               {"Null", "null"},
               {"Raw", "plain text", false},
               {"Binary", QByteArray("\xff\x00\x01", 3), false},
               {"Object", R"({"a":2,"_data":null})"}});
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("misc-1"), merge());
    QCOMPARE(history->count(), 7);
    COMPARE_DUMP(history->stateAt(1)["_data"], Json(42));
    COMPARE_DUMP(history->stateAt(2)["_data"], Json("hello"));
    QVERIFY(history->stateAt(3).contains("_data"));
    QVERIFY(history->stateAt(3)["_data"].is_null());
    COMPARE_DUMP(history->stateAt(4)["_data"], Json("plain text"));
    COMPARE_DUMP(history->stateAt(5)["_data"], Json("base64:/wAB"));
    // The other members stay while _data changes; an object merges again.
    COMPARE_DUMP(history->stateAt(5)["a"], Json(1));
    COMPARE_DUMP(history->stateAt(6), J(R"({"_version":6,"_lastEventType":"Object","a":2})"));

    // The same through evolve() (what a caller without parsed data uses).
    MergeStateFunction function;
    Json state = function.initialState();
    for (const Event &e : history->events())
        state = function.evolve(state, e);
    COMPARE_DUMP(state, history->stateAt(6));

    // Empty data and JSON text that does not parse, from events not read from a store.
    Event empty;
    empty.stream = QStringLiteral("x-1");
    empty.version = 0;
    empty.type = QStringLiteral("Empty");
    empty.data = QByteArray();
    Event broken = empty;
    broken.version = 1;
    broken.type = QStringLiteral("Broken");
    broken.data = "{\"a\":";
    const auto other = AggregateHistory::fromEvents({empty, broken}, merge());
    COMPARE_DUMP(other->stateAt(0), J(R"({"_version":0,"_lastEventType":"Empty","_data":null})"));
    COMPARE_DUMP(other->stateAt(1), J(R"({"_version":1,"_lastEventType":"Broken","_data":"{\"a\":"})"));
}

void TestAggregateHistory::transitions()
{
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("account-1"), merge());
    for (qint64 v = 0; v <= history->lastVersion(); ++v) {
        const StateTransition t = history->transition(v);
        QCOMPARE(t.version, v);
        QVERIFY(!t.skipped);
        COMPARE_DUMP(t.before, history->stateAt(v - 1));
        COMPARE_DUMP(t.after, history->stateAt(v));
        COMPARE_DUMP(JsonPatch::apply(t.before, t.patch), t.after);
        QCOMPARE(t.changes.size(), t.patch.size());
    }

    const StateTransition first = history->transition(0);
    COMPARE_DUMP(first.before, J("{}"));
    COMPARE_DUMP(first.patch, J(R"([{"op":"add","path":"/_version","value":0},{"op":"add","path":"/_lastEventType","value":"AccountOpened"},
                                    {"op":"add","path":"/owner","value":"Ann"},{"op":"add","path":"/balance","value":0},
                                    {"op":"add","path":"/currency","value":"EUR"}])"));

    // OwnerRenamed: a changed member and a removed nested member.
    const StateTransition renamed = history->transition(3);
    COMPARE_DUMP(renamed.patch, J(R"([{"op":"replace","path":"/_version","value":3},
                                      {"op":"replace","path":"/_lastEventType","value":"OwnerRenamed"},
                                      {"op":"replace","path":"/owner","value":"Bo"},
                                      {"op":"remove","path":"/lastDeposit/ref"}])"));
    QCOMPARE(renamed.changes.size(), size_t(4));
    QCOMPARE(renamed.changes[2].kind, JsonChange::Kind::Changed);
    QCOMPARE(renamed.changes[2].path, QStringLiteral("/owner"));
    COMPARE_DUMP(renamed.changes[2].oldValue, Json("Ann"));
    COMPARE_DUMP(renamed.changes[2].newValue, Json("Bo"));
    QCOMPARE(renamed.changes[3].kind, JsonChange::Kind::Removed);
    QCOMPARE(renamed.changes[3].tokens, (QStringList{QStringLiteral("lastDeposit"), QStringLiteral("ref")}));
    COMPARE_DUMP(renamed.changes[3].oldValue, Json("r1"));

    // CurrencyDropped: a removed member; AddressChanged: an added object.
    const StateTransition dropped = history->transition(6);
    COMPARE_DUMP(dropped.patch, J(R"([{"op":"remove","path":"/currency"},{"op":"replace","path":"/_version","value":6},
                                      {"op":"replace","path":"/_lastEventType","value":"CurrencyDropped"}])"));
    QCOMPARE(dropped.changes.front().kind, JsonChange::Kind::Removed);
    QCOMPARE(dropped.changes.front().path, QStringLiteral("/currency"));
    COMPARE_DUMP(dropped.changes.front().oldValue, Json("EUR"));
    const StateTransition address = history->transition(4);
    QCOMPARE(address.changes.back().kind, JsonChange::Kind::Added);
    QCOMPARE(address.changes.back().path, QStringLiteral("/address"));
    COMPARE_DUMP(address.changes.back().newValue, J(R"({"city":"Oslo","zip":"0150"})"));

    QVERIFY_THROWS_EXCEPTION(std::out_of_range, history->transition(-1));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, history->transition(8));
}

void TestAggregateHistory::steppingReusesTheLastState()
{
    appendAll(*m_store, QStringLiteral("step-1"), [] {
        std::vector<Spec> specs;
        for (int i = 0; i < 100; ++i)
            specs.push_back({"Counted", "{\"n\":" + QByteArray::number(i) + "}"});
        return specs;
    }());
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("step-1"), merge());
    history->setCheckpointInterval(64);
    QVERIFY(history->computeCheckpoints());
    // Stepping forward through the events costs one evolve per step, not a replay from the
    // checkpoint each time.
    (void)history->transition(0);
    for (qint64 v = 1; v < 100; ++v) {
        const qint64 before = history->evolveCount();
        const StateTransition t = history->transition(v);
        QCOMPARE(history->evolveCount() - before, 1);
        COMPARE_DUMP(t.after["n"], Json(v));
    }
    // Going back starts from the checkpoint at or below: at most interval - 1 evolves.
    const qint64 before = history->evolveCount();
    COMPARE_DUMP(history->stateAt(62)["n"], Json(62));
    QCOMPARE(history->evolveCount() - before, 63);
}

void TestAggregateHistory::skipIsAsIfNeverAppended()
{
    // Stream A has every event, stream B the same without event `skippedVersion`.
    constexpr int Count = 40;
    constexpr qint64 Skipped = 10;
    std::mt19937 rng(7);
    std::vector<Spec> all;
    for (int i = 0; i < Count; ++i)
        all.push_back({i % 3 ? "Changed" : "Other", randomData(rng)});
    // Event 10 matters: it sets members that later events do not all overwrite.
    all[Skipped] = {"Special", R"({"owner":"skipped-owner","special":{"x":1},"balance":-5})"};
    std::vector<Spec> without = all;
    without.erase(without.begin() + Skipped);
    appendAll(*m_store, QStringLiteral("skip-a"), all);
    appendAll(*m_store, QStringLiteral("skip-b"), without);

    const auto a = AggregateHistory::load(*m_store, QStringLiteral("skip-a"), merge());
    const auto b = AggregateHistory::load(*m_store, QStringLiteral("skip-b"), merge());
    a->setCheckpointInterval(4);
    QVERIFY(a->computeCheckpoints());
    QCOMPARE(a->checkpointCount(), Count / 4 + 1);

    std::vector<Json> original;
    for (qint64 v = -1; v < Count; ++v)
        original.push_back(a->stateAt(v)); // also leaves the last-state cache at the end
    QVERIFY(original.back().contains("special"));

    a->setSkipped(Skipped, true);
    QVERIFY(a->isSkipped(Skipped));
    QVERIFY(!a->isSkipped(Skipped + 1));
    QCOMPARE(a->skipped(), std::vector<qint64>{Skipped});
    // The checkpoints after the event are dropped (those up to it stay) and come back lazily.
    QCOMPARE(a->checkpointCount(), Skipped / 4 + 1);

    // Later states first (while the checkpoints are being recomputed), then every version.
    COMPARE_DUMP(withoutVersion(a->stateAt(Count - 1)), withoutVersion(b->stateAt(Count - 2)));
    QVERIFY(!a->stateAt(Count - 1).contains("special"));
    COMPARE_DUMP(a->stateAt(Count - 1)["_version"], Json(Count - 1));
    QCOMPARE(a->checkpointCount(), Count / 4 + 1);
    for (qint64 v = -1; v < Count; ++v) {
        const Json state = a->stateAt(v);
        if (v < Skipped) {
            COMPARE_DUMP(state, original[size_t(v + 1)]);
            COMPARE_DUMP(state, b->stateAt(v));
        } else if (v == Skipped) {
            COMPARE_DUMP(state, a->stateAt(v - 1)); // nothing happened
        } else {
            // The same state as in the stream without the event, except _version, which is the
            // version in A of the last event applied.
            COMPARE_DUMP(withoutVersion(state), withoutVersion(b->stateAt(v - 1)));
            COMPARE_DUMP(state["_version"], Json(v));
        }
    }

    const StateTransition t = a->transition(Skipped);
    QVERIFY(t.skipped);
    COMPARE_DUMP(t.before, t.after);
    QVERIFY(t.patch.empty());
    QVERIFY(t.changes.empty());
    const StateTransition next = a->transition(Skipped + 1);
    QVERIFY(!next.skipped);
    COMPARE_DUMP(next.before, a->stateAt(Skipped - 1));

    // Unskipping restores every state.
    a->setSkipped(Skipped, false);
    QVERIFY(a->skipped().empty());
    for (qint64 v = Count - 1; v >= -1; --v)
        COMPARE_DUMP(a->stateAt(v), original[size_t(v + 1)]);

    QVERIFY_THROWS_EXCEPTION(std::out_of_range, a->setSkipped(Count, true));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, a->isSkipped(-1));
}

void TestAggregateHistory::skipFirstAndLastAndSeveral()
{
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("account-1"), merge());
    history->setCheckpointInterval(2);
    const Json last = history->stateAt(7);

    // Skipping the first event: the stream as if it had started with the second.
    history->setSkipped(0, true);
    COMPARE_DUMP(history->stateAt(0), J("{}"));
    COMPARE_DUMP(history->stateAt(1), J(R"({"_version":1,"_lastEventType":"Deposited","balance":100,"lastDeposit":{"amount":100,"ref":"r1"}})"));

    // Skipping the last one too, and one in the middle.
    history->setSkipped(7, true);
    history->setSkipped(2, true);
    QCOMPARE(history->skipped(), (std::vector<qint64>{0, 2, 7}));
    COMPARE_DUMP(history->stateAt(7), history->stateAt(6));
    COMPARE_DUMP(history->stateAt(7)["balance"], Json(100)); // Withdrawn (2) and the last Deposited skipped
    COMPARE_DUMP(history->stateAt(7), J(R"({"_version":6,"_lastEventType":"CurrencyDropped","balance":100,"lastDeposit":{"amount":100},
                                            "owner":"Bo","address":{"city":"Oslo","zip":"0150"},"_data":["vip","new"]})"));

    // Setting a skip twice changes nothing; clearing restores.
    history->setSkipped(2, true);
    QCOMPARE(history->skipped().size(), size_t(3));
    history->clearSkipped();
    QVERIFY(history->skipped().empty());
    COMPARE_DUMP(history->stateAt(7), last);
}

void TestAggregateHistory::checkpointsMatchFullReplay()
{
    constexpr int Count = 5000;
    std::mt19937 rng(42);
    std::vector<Spec> specs;
    static const char *const types[] = {"Opened", "Deposited", "Withdrawn", "Moved", "Tagged"};
    for (int i = 0; i < Count; ++i)
        specs.push_back({types[rng() % 5], randomData(rng)});
    appendAll(*m_store, QStringLiteral("big-1"), specs);

    const auto history = AggregateHistory::load(*m_store, QStringLiteral("big-1"), merge());
    QCOMPARE(history->count(), Count);
    // Every checkpoint is computed at load (the interval is 256 unless evolving is slow here).
    QCOMPARE(history->checkpointCount(), Count / history->checkpointInterval() + 1);

    // A full replay through the plain evolve(), honouring the skips, at the sampled versions.
    const MergeStateFunction function;
    const auto fullReplay = [&](const std::set<qint64> &skips, const std::vector<qint64> &versions) {
        std::vector<Json> states(versions.size());
        std::vector<size_t> order(versions.size());
        for (size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return versions[x] < versions[y]; });
        Json state = function.initialState();
        qint64 applied = -1;
        for (const size_t i : order) {
            while (applied < versions[i]) {
                ++applied;
                if (!skips.count(applied))
                    state = function.evolve(state, history->event(applied));
            }
            states[i] = state;
        }
        return states;
    };

    const auto check = [&](const std::set<qint64> &skips, int interval) {
        if (interval > 0)
            history->setCheckpointInterval(interval);
        history->clearSkipped();
        for (const qint64 v : skips)
            history->setSkipped(v, true);
        std::vector<qint64> versions{-1, 0, Count - 1};
        std::uniform_int_distribution<qint64> pick(-1, Count - 1);
        for (int i = 0; i < 150; ++i)
            versions.push_back(pick(rng));
        const std::vector<Json> expected = fullReplay(skips, versions);
        for (size_t i = 0; i < versions.size(); ++i) {
            const Json actual = history->stateAt(versions[i]);
            QVERIFY2(actual == expected[i], ("version " + std::to_string(versions[i]) + mismatch(actual, expected[i])).c_str());
        }
        // With the checkpoints in place, a state costs at most interval - 1 evolves.
        QVERIFY(history->computeCheckpoints());
        for (int i = 0; i < 20; ++i) {
            const qint64 before = history->evolveCount();
            (void)history->stateAt(pick(rng));
            QVERIFY(history->evolveCount() - before <= history->checkpointInterval() - 1);
        }
    };

    check({}, 0);
    check({3, 1000, 4999}, 0);
    check({0}, 7);
    check({17, 2500, 2501, 4000}, 1);
    check({1234}, 100000); // one checkpoint: the initial state
    check({}, 256);
}

void TestAggregateHistory::skipThatWashesOutIsCheap()
{
    // Every event sets the same members, so skipping one stops mattering at the next event.
    std::vector<Spec> specs;
    for (int i = 0; i < 2000; ++i)
        specs.push_back({"Set", "{\"n\":" + QByteArray::number(i) + ",\"parity\":" + (i % 2 ? "\"odd\"" : "\"even\"") + "}"});
    specs[1500].data = R"({"n":-1,"once":true})"; // this one's member stays
    appendAll(*m_store, QStringLiteral("wash-1"), specs);
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("wash-1"), merge());
    history->setCheckpointInterval(16);
    QVERIFY(history->computeCheckpoints());
    const Json last = history->stateAt(1999);

    history->setSkipped(20, true);
    QCOMPARE(history->checkpointCount(), 2); // checkpoints 0 and 1 (16) are before the event
    qint64 before = history->evolveCount();
    COMPARE_DUMP(history->stateAt(1999), last);
    // Recomputing checkpoint 2 (32) finds it unchanged: the rest are valid again. Without that,
    // this would be a replay of 1,980 events.
    QVERIFY2(history->evolveCount() - before <= 2 * 16 + 15, std::to_string(history->evolveCount() - before).c_str());
    QCOMPARE(history->checkpointCount(), 2000 / 16 + 1);
    COMPARE_DUMP(history->stateAt(20), history->stateAt(19));
    COMPARE_DUMP(history->stateAt(21)["n"], Json(21));

    // A skip whose effect stays (the only event setting "once") recomputes to the end, once.
    history->setSkipped(1500, true);
    before = history->evolveCount();
    QVERIFY(!history->stateAt(1999).contains("once"));
    QVERIFY(history->evolveCount() - before >= 1999 - 1500 - 16);
    before = history->evolveCount();
    QVERIFY(!history->stateAt(1998).contains("once"));
    QVERIFY(history->evolveCount() - before <= 15);
    history->setSkipped(1500, false);
    QVERIFY(history->stateAt(1999).contains("once"));
}

void TestAggregateHistory::randomSkipsAgainstFullReplay()
{
    // Random skip toggles, states and recomputations against a full replay each time, with data
    // that often washes out (so stale checkpoints are found valid again, partly or wholly) and
    // sometimes does not.
    std::mt19937 rng(99);
    std::vector<Event> events;
    for (int i = 0; i < 300; ++i) {
        Event e;
        e.stream = QStringLiteral("r-1");
        e.version = i;
        e.position = i + 1;
        e.type = i % 5 ? QStringLiteral("Set") : QStringLiteral("Mark");
        Json data = Json::object();
        data[rng() % 2 ? "a" : "b"] = int(rng() % 3);
        if (rng() % 25 == 0)
            data[std::string("c").append(std::to_string(rng() % 4))] = int(rng() % 2);
        if (rng() % 40 == 0)
            data["b"] = nullptr;
        e.data = QByteArray::fromStdString(data.dump());
        events.push_back(e);
    }
    const MergeStateFunction function;
    std::set<qint64> skips;
    const auto replay = [&](qint64 version) {
        Json state = function.initialState();
        for (qint64 v = 0; v <= version; ++v) {
            if (!skips.count(v))
                state = function.evolve(state, events[size_t(v)]);
        }
        return state;
    };

    for (const int interval : {1, 3, 8, 32}) {
        const auto history = AggregateHistory::fromEvents(events, merge());
        history->setCheckpointInterval(interval);
        skips.clear();
        for (int step = 0; step < 400; ++step) {
            const unsigned action = rng() % 10;
            if (action < 3) {
                const qint64 v = qint64(rng() % 300);
                const bool skip = !skips.count(v);
                history->setSkipped(v, skip);
                if (skip)
                    skips.insert(v);
                else
                    skips.erase(v);
            } else if (action == 3) {
                QVERIFY(history->computeCheckpoints());
                QCOMPARE(history->checkpointCount(), 300 / interval + 1);
            } else if (action == 4 && !skips.empty()) {
                history->clearSkipped();
                skips.clear();
            } else {
                const qint64 v = qint64(rng() % 301) - 1;
                const Json actual = history->stateAt(v);
                const Json expected = replay(v);
                QVERIFY2(actual.dump() == expected.dump(),
                         ("interval " + std::to_string(interval) + ", step " + std::to_string(step) + ", version "
                          + std::to_string(v) + mismatch(actual, expected))
                             .c_str());
            }
        }
        QCOMPARE(history->skipped(), std::vector<qint64>(skips.begin(), skips.end()));
    }
}

void TestAggregateHistory::stateFunctionErrors()
{
    appendAll(*m_store, QStringLiteral("boom-1"),
              {{"Added", R"({"amount":5})"},
               {"Added", R"({"amount":7})"},
               {"Boom", R"({})"},
               {"Added", R"({"amount":1})"},
               {"Throw", R"({})"},
               {"Added", R"({"amount":2})"}});
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("boom-1"), std::make_shared<SumFunction>());
    QVERIFY(history); // loading does not fail for it
    history->setCheckpointInterval(2);
    COMPARE_DUMP(history->stateAt(1)["sum"], Json(12));
    try {
        (void)history->stateAt(3);
        QFAIL("no StateError");
    } catch (const StateError &e) {
        QCOMPARE(e.version(), 2);
        QCOMPARE(e.message(), QStringLiteral("event 2 (Boom): boom!"));
    }
    QVERIFY_THROWS_EXCEPTION(StateError, history->stateAt(2));
    QVERIFY_THROWS_EXCEPTION(StateError, history->transition(2));
    // The transition into the failing event still has its "before" through stateAt().
    COMPARE_DUMP(history->stateAt(1)["events"], Json(2));

    history->setSkipped(2, true);
    COMPARE_DUMP(history->stateAt(3)["sum"], Json(13));
    try {
        (void)history->stateAt(5);
        QFAIL("no StateError");
    } catch (const StateError &e) {
        QCOMPARE(e.version(), 4);
        QCOMPARE(e.message(), QStringLiteral("event 4 (Throw): plain exception"));
    }
    history->setSkipped(4, true);
    COMPARE_DUMP(history->stateAt(5), J(R"({"sum":15,"events":4})"));
    history->setSkipped(2, false);
    QVERIFY_THROWS_EXCEPTION(StateError, history->stateAt(5));
}

void TestAggregateHistory::customStateFunction()
{
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("account-1"), std::make_shared<SumFunction>());
    QCOMPARE(history->stateFunction().name(), QStringLiteral("sum"));
    COMPARE_DUMP(history->stateAt(-1), J(R"({"sum":0,"events":0})"));
    COMPARE_DUMP(history->stateAt(7), J(R"({"sum":0,"events":8})"));
    const StateTransition t = history->transition(7);
    COMPARE_DUMP(t.patch, J(R"([{"op":"replace","path":"/events","value":8}])"));
}

void TestAggregateHistory::adaptiveIntervalForSlowFunctions()
{
    // Each evolve sleeps 0.4 ms: 256 of them would take over 100 ms, so the interval shrinks to
    // keep a replay near 8 ms (a sleep only errs on the slow side, so this holds on any machine).
    std::vector<Spec> specs(100, Spec{"Tick", "{}"});
    appendAll(*m_store, QStringLiteral("slow-1"), specs);
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("slow-1"), std::make_shared<SlowFunction>());
    QVERIFY(history->checkpointInterval() <= 32);
    QVERIFY(history->checkpointInterval() >= AggregateHistory::MinimumAdaptiveInterval);
    COMPARE_DUMP(history->stateAt(99)["n"], Json(99));
    COMPARE_DUMP(history->stateAt(50)["n"], Json(50));
}

void TestAggregateHistory::fromEventsValidation()
{
    auto events = m_store->readStream(QStringLiteral("account-1"), 3);
    QCOMPARE(events.size(), size_t(5));
    const auto tail = AggregateHistory::fromEvents(events, merge());
    QCOMPARE(tail->firstVersion(), 3);
    QCOMPARE(tail->lastVersion(), 7);
    COMPARE_DUMP(tail->stateAt(2), J("{}"));
    COMPARE_DUMP(tail->stateAt(3), J(R"({"_version":3,"_lastEventType":"OwnerRenamed","owner":"Bo","lastDeposit":{}})"));
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, tail->stateAt(1));
    QVERIFY(!tail->hasVersion(2));
    QVERIFY(tail->hasVersion(7));

    auto gap = events;
    gap.erase(gap.begin() + 2);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, AggregateHistory::fromEvents(gap, merge()));
    auto mixed = events;
    mixed.push_back(m_store->readStream(QStringLiteral("order-1"), 0, 1).front());
    mixed.back().version = 8;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, AggregateHistory::fromEvents(mixed, merge()));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, AggregateHistory::fromEvents(events, nullptr));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, tail->setCheckpointInterval(0));
}

void TestAggregateHistory::emptyStream()
{
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("no-such-stream"), merge());
    QVERIFY(history);
    QVERIFY(history->isEmpty());
    QCOMPARE(history->count(), 0);
    QCOMPARE(history->lastVersion(), -1);
    COMPARE_DUMP(history->stateAt(-1), J("{}"));
    QVERIFY(history->skipped().empty());
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, history->stateAt(0));
    const auto none = AggregateHistory::fromEvents({}, merge());
    QCOMPARE(none->count(), 0);
}

void TestAggregateHistory::progressAndCancel()
{
    appendAll(*m_store, QStringLiteral("progress-1"), std::vector<Spec>(10000, Spec{"Tick", R"({"a":1})"}));
    std::vector<std::pair<qint64, qint64>> calls;
    const auto history = AggregateHistory::load(*m_store, QStringLiteral("progress-1"), merge(), [&](qint64 done, qint64 total) {
        calls.emplace_back(done, total);
        return true;
    });
    QVERIFY(history);
    QVERIFY(calls.size() >= 3);
    for (size_t i = 0; i < calls.size(); ++i) {
        QCOMPARE(calls[i].second, 20000); // one fixed scale: reading, then the checkpoints
        QVERIFY(calls[i].first >= 0 && calls[i].first <= 20000);
        if (i > 0)
            QVERIFY(calls[i].first >= calls[i - 1].first);
    }
    QCOMPARE(calls.back().first, 20000);

    // Cancelling while reading, and while computing the checkpoints.
    for (const qint64 stopAt : {qint64(1), qint64(10001)}) {
        const auto cancelled = AggregateHistory::load(*m_store, QStringLiteral("progress-1"), merge(),
                                                      [&](qint64 done, qint64) { return done < stopAt; });
        QVERIFY(!cancelled);
    }
}

QTEST_GUILESS_MAIN(TestAggregateHistory)
#include "tst_aggregatehistory.moc"

// Conformance suite of the projection engine (issue 4): many small cases, each a script, the
// events it is fed and what every step and the whole run must give (state, partitions, shared
// state, result, emitted events, logs, skip reasons, errors). The same cases are run through
// step() and feed() and through checkpoint()/restore(); breakpoints, apply(), check() and the
// error texts have tests of their own.

#include "jsonpatch.h"
#include "projection.h"
#include "stateerror.h"

#include <QFile>
#include <QHash>
#include <QTest>

#include <functional>
#include <span>
#include <string>
#include <vector>

using namespace eventlens;
using Json = nlohmann::ordered_json;
using Events = std::vector<Event>;

Q_DECLARE_METATYPE(Events)

namespace {

constexpr qint64 BaseTime = 1704067200000; // 2024-01-01T00:00:00.000Z

// One event of a case: the position is the one after the previous event unless given, the
// version counts per stream from 0, the id and the time follow from the position.
struct E
{
    const char *stream;
    const char *type;
    const char *data = "{}";
    const char *metadata = "{}";
    bool json = true;
    qint64 position = 0;
};

QString eventId(qint64 position)
{
    return QStringLiteral("e0000000-0000-4000-8000-%1").arg(position, 12, 10, QLatin1Char('0'));
}

Events events(std::initializer_list<E> specs)
{
    Events out;
    QHash<QString, qint64> versions;
    qint64 position = 0;
    for (const E &s : specs) {
        position = s.position ? s.position : position + 1;
        Event e;
        e.position = position;
        e.stream = QString::fromUtf8(s.stream);
        const auto it = versions.constFind(e.stream);
        e.version = it == versions.constEnd() ? 0 : *it + 1;
        versions.insert(e.stream, e.version);
        e.id = eventId(position);
        e.type = QString::fromUtf8(s.type);
        e.data = QByteArray(s.data);
        e.metadata = QByteArray(s.metadata);
        e.dataIsJson = s.json;
        e.timeMs = BaseTime + position * 1001;
        out.push_back(e);
    }
    return out;
}

Json J(const QByteArray &text)
{
    return Json::parse(text.constBegin(), text.constEnd());
}

Json toJson(const QStringList &list)
{
    Json out = Json::array();
    for (const QString &s : list)
        out.push_back(s.toStdString());
    return out;
}

Json errorJson(const std::optional<ProjectionError> &error)
{
    if (!error)
        return nullptr;
    return Json{{"kind", ProjectionError::kindName(error->kind).toStdString()},
                {"message", error->message.toStdString()},
                {"line", error->line},
                {"column", error->column},
                {"position", error->position}};
}

Json emittedJson(const std::vector<EmittedEvent> &emitted)
{
    Json out = Json::array();
    for (const EmittedEvent &e : emitted)
        out.push_back(e.toJson());
    return out;
}

Json emittedAt(const std::vector<EmittedEvent> &emitted)
{
    Json out = Json::array();
    for (const EmittedEvent &e : emitted)
        out.push_back(e.sourcePosition);
    return out;
}

Json logsJson(const std::vector<ProjectionLog> &logs)
{
    Json out = Json::array();
    for (const ProjectionLog &l : logs)
        out.push_back(l.text.toStdString());
    return out;
}

Json logsAt(const std::vector<ProjectionLog> &logs)
{
    Json out = Json::array();
    for (const ProjectionLog &l : logs)
        out.push_back(l.sourcePosition);
    return out;
}

Json stepJson(const ProjectionStep &s, const Projection &p)
{
    return Json{{"position", s.event.position},
                {"p", s.processed},
                {"skip", skipReasonKey(s.skipReason).toStdString()},
                {"handler", s.handler.toStdString()},
                {"partition", s.partition.toStdString()},
                {"created", s.partitionCreated},
                {"before", s.stateBefore},
                {"state", s.state},
                {"shared", s.sharedState},
                {"result", s.result},
                {"emitted", emittedJson(s.emitted)},
                {"logs", logsJson(s.logs)},
                {"bp", s.breakpointHit},
                {"error", errorJson(s.error)},
                {"now", p.states()},
                {"nowShared", p.sharedState()}};
}

Json definitionJson(const ProjectionDefinition &d)
{
    static const char *const sources[] = {"all", "streams", "categories", "matching"};
    static const char *const partitionings[] = {"none", "stream", "function"};
    return Json{{"source", sources[int(d.source)]},
                {"streams", toJson(d.streams)},
                {"categories", toJson(d.categories)},
                {"partitioning", partitionings[int(d.partitioning)]},
                {"handlers", toJson(d.handlers)},
                {"biState", d.biState},
                {"transformCount", d.transformCount},
                {"outputState", d.outputState},
                {"options", d.options}};
}

// Everything the run gives at its end.
Json runJson(const Projection &p)
{
    return Json{{"state", p.state()},
                {"states", p.states()},
                {"partitions", toJson(p.partitions())},
                {"shared", p.sharedState()},
                {"result", p.result()},
                {"results", p.results()},
                {"emitted", emittedJson(p.emitted())},
                {"emittedAt", emittedAt(p.emitted())},
                {"logs", logsJson(p.logs())},
                {"logsAt", logsAt(p.logs())},
                {"position", p.position()},
                {"eventCount", p.eventCount()},
                {"processedCount", p.processedCount()}};
}

// The parts of a run that checkpoint()/restore() bring back.
Json restorableJson(const Projection &p)
{
    return Json{{"states", p.states()},
                {"partitions", toJson(p.partitions())},
                {"shared", p.sharedState()},
                {"results", p.results()},
                {"position", p.position()}};
}

std::string mismatch(const std::string &what, const Json &actual, const Json &expected)
{
    return what + "\n   actual: " + actual.dump() + "\n expected: " + expected.dump();
}

// Whether `actual` (an errorJson) matches `expected`: the keys given must be equal, except
// "message", which must be contained in the actual message.
bool errorMatches(const Json &actual, const Json &expected)
{
    if (expected.is_null() || actual.is_null())
        return expected.is_null() == actual.is_null();
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        if (it.key() == "message") {
            if (actual["message"].get<std::string>().find(it.value().get<std::string>()) == std::string::npos)
                return false;
        } else if (!JsonPatch::equal(actual[it.key()], it.value())) {
            return false;
        }
    }
    return true;
}

// The keys of `expected` that differ in `actual` (JSON equality, members in any order), as a
// message; empty when all match.
std::string diffKeys(const std::string &what, const Json &actual, const Json &expected)
{
    std::string out;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        if (!actual.contains(it.key())) {
            out += what + ": no key " + it.key() + "\n";
            continue;
        }
        const Json &a = actual[it.key()];
        const bool ok = it.key() == "error" ? errorMatches(a, it.value()) : JsonPatch::equal(a, it.value());
        if (!ok)
            out += mismatch(what + " " + it.key() + ":", a, it.value()) + "\n";
    }
    return out;
}

// The one row whose run differs after a restore, by design: states are live objects between
// events and JSON in checkpoints (README, Projections: differences from KurrentDB).
const char kLiveStates[] = "states stay live objects between events";

bool hasErrors(const Json &expected)
{
    if (expected.contains("error"))
        return true;
    if (expected.contains("steps")) {
        for (const Json &s : expected["steps"]) {
            if (s.is_object() && s.contains("error"))
                return true;
        }
    }
    return false;
}

int budgetOf(const Json &expected)
{
    return expected.contains("budget") ? expected["budget"].get<int>() : Projection::DefaultTimeBudgetMs;
}

// The keys of `expected` that describe the whole run.
Json finalKeys(const Json &expected)
{
    Json out = Json::object();
    for (auto it = expected.begin(); it != expected.end(); ++it) {
        if (it.key() != "steps" && it.key() != "error" && it.key() != "definition" && it.key() != "budget")
            out[it.key()] = it.value();
    }
    return out;
}

QString S(const char *text)
{
    return QString::fromUtf8(text);
}

// The account script used by several tests.
const char *const AccountScript = R"JS(fromAll().foreachStream().when({
    $init: function () { return { balance: 0 }; },
    Deposited: function (s, e) { s.balance += e.data.amount; },
    Withdrawn: function (s, e) { s.balance -= e.data.amount; },
    Fail: function (s, e) { throw new Error('failed on purpose'); }
});
)JS";

Events breakpointEvents()
{
    return events({
        {"account-1", "Deposited", R"({"amount":10})"},
        {"order-1", "Placed"},
        {"account-2", "Deposited", R"({"amount":5})"},
        {"account-1", "Withdrawn", R"({"amount":20})"},
        {"order-2", "Placed"},
        {"account-2", "Withdrawn", R"({"amount":10})"},
        {"account-1", "Deposited", R"({"amount":50})"},
    });
}

} // namespace

// JSON equality (members in any order, numbers by value), both values in the failure message.
#define COMPARE_JSON(actual, expected)                                                             \
    do {                                                                                           \
        const Json actual_ = (actual);                                                             \
        const Json expected_ = (expected);                                                         \
        QVERIFY2(JsonPatch::equal(actual_, expected_), mismatch("", actual_, expected_).c_str());  \
    } while (false)

// Exact equality of two texts (JSON dumps: member order included).
#define COMPARE_DUMP(actual, expected)                                                             \
    do {                                                                                           \
        const std::string actual_ = (actual);                                                      \
        const std::string expected_ = (expected);                                                  \
        QVERIFY2(actual_ == expected_, ("\n   actual: " + actual_ + "\n expected: " + expected_).c_str()); \
    } while (false)

class TestProjection : public QObject
{
    Q_OBJECT

private slots:
    void conformance_data();
    void conformance();
    void feedMatchesStep_data() { conformance_data(); }
    void feedMatchesStep();
    void checkpointRoundTrip_data() { conformance_data(); }
    void checkpointRoundTrip();
    void resetForgetsTheRun();
    void undoRecordsStepBack();
    void feedStopsAtErrorAndRestoreRecovers();
    void timeoutLeavesEngineUsable();
    void breakpoints_data();
    void breakpoints();
    void payloadsAsValues();
    void breakpointConditionSyntaxError();
    void breakpointsCanBeCleared();
    void applyIsOutsideTheRun();
    void applySkipsAndErrors();
    void checkStatic();
    void definitionHelpers();
    void errorTexts();
    void bundledExamples();

private:
    void addCase(const char *name, const char *script, const Events &input, const char *expected);
};

void TestProjection::addCase(const char *name, const char *script, const Events &input, const char *expected)
{
    QTest::newRow(name) << S(script) << input << QByteArray(expected);
}

void TestProjection::conformance_data()
{
    QTest::addColumn<QString>("script");
    QTest::addColumn<Events>("input");
    QTest::addColumn<QByteArray>("expected");

    // ---- selectors -----------------------------------------------------------------------
    addCase("fromAll", R"JS(fromAll().when({
    $init: function () { return { n: 0, streams: [] }; },
    $any: function (s, e) { s.n += 1; s.streams.push(e.streamId); }
});)JS",
            events({{"account-1", "Deposited", R"({"amount":1})"}, {"order-1", "OrderPlaced"}, {"solo", "Ping"}}),
            R"({"steps": [
                  {"p": true, "skip": "", "handler": "$any", "partition": "", "created": true, "before": null,
                   "state": {"n": 1, "streams": ["account-1"]}, "result": null, "shared": null,
                   "emitted": [], "logs": [], "error": null},
                  {"p": true, "created": false, "before": {"n": 1, "streams": ["account-1"]},
                   "state": {"n": 2, "streams": ["account-1", "order-1"]}},
                  {"p": true, "state": {"n": 3, "streams": ["account-1", "order-1", "solo"]}}],
                "state": {"n": 3, "streams": ["account-1", "order-1", "solo"]},
                "states": {"": {"n": 3, "streams": ["account-1", "order-1", "solo"]}},
                "partitions": [""], "shared": null, "result": null, "emitted": [], "logs": [],
                "position": 3, "eventCount": 3, "processedCount": 3,
                "definition": {"source": "all", "streams": [], "categories": [], "partitioning": "none",
                               "handlers": ["$init", "$any"], "biState": false, "transformCount": 0,
                               "outputState": false}})");

    addCase("fromStream", R"JS(fromStream('account-1').when({
    $any: function (s, e) { s.seen = (s.seen || []).concat([e.sequenceNumber]); }
});)JS",
            events({{"account-1", "A"}, {"account-2", "A"}, {"account-1", "B"}, {"account-11", "A"}}),
            R"({"steps": [
                  {"p": true, "state": {"seen": [0]}},
                  {"p": false, "skip": "notSelected", "state": null, "now": {"": {"seen": [0]}}},
                  {"p": true, "state": {"seen": [0, 1]}},
                  {"p": false, "skip": "notSelected"}],
                "state": {"seen": [0, 1]}, "position": 4, "eventCount": 4, "processedCount": 2,
                "definition": {"source": "streams", "streams": ["account-1"], "partitioning": "none"}})");

    const Events twoStreams = events({{"account-1", "X"}, {"account-2", "X"}, {"order-1", "Y"}, {"order-2", "Y"},
                                      {"account-1", "Z"}});
    const char *twoStreamsExpected = R"({"steps": [
                  {"p": true}, {"p": false, "skip": "notSelected"}, {"p": true}, {"p": false, "skip": "notSelected"},
                  {"p": true}],
                "state": {"account-1": 2, "order-1": 1}, "processedCount": 3,
                "definition": {"source": "streams", "streams": ["account-1", "order-1"]}})";
    addCase("fromStreams array", R"JS(fromStreams(['account-1', 'order-1']).when({
    $any: function (s, e) { s[e.streamId] = (s[e.streamId] || 0) + 1; }
});)JS",
            twoStreams, twoStreamsExpected);
    addCase("fromStreams arguments", R"JS(fromStreams('account-1', 'order-1').when({
    $any: function (s, e) { s[e.streamId] = (s[e.streamId] || 0) + 1; }
});)JS",
            twoStreams, twoStreamsExpected);

    addCase("fromCategory one", R"JS(fromCategory('account').when({
    $any: function (s, e) { s[e.streamId] = (s[e.streamId] || 0) + 1; }
});)JS",
            events({{"account-1", "X"}, {"order-1", "X"}, {"account-2", "X"}, {"accounts-1", "X"},
                    {"account-3-x", "X"}}),
            R"({"steps": [
                  {"p": true}, {"p": false, "skip": "notSelected"}, {"p": true}, {"p": false, "skip": "notSelected"},
                  {"p": true}],
                "state": {"account-1": 1, "account-2": 1, "account-3-x": 1}, "processedCount": 3,
                "definition": {"source": "categories", "categories": ["account"], "streams": []}})");

    const Events threeCategories = events({{"account-1", "X"}, {"order-1", "X"}, {"cart-1", "X"}});
    const char *threeCategoriesExpected = R"({"steps": [
                  {"p": true}, {"p": true}, {"p": false, "skip": "notSelected"}],
                "state": {"account-1": 1, "order-1": 1},
                "definition": {"source": "categories", "categories": ["account", "order"]}})";
    addCase("fromCategory several", R"JS(fromCategory('account', 'order').when({
    $any: function (s, e) { s[e.streamId] = (s[e.streamId] || 0) + 1; }
});)JS",
            threeCategories, threeCategoriesExpected);
    addCase("fromCategories", R"JS(fromCategories(['account', 'order']).when({
    $any: function (s, e) { s[e.streamId] = (s[e.streamId] || 0) + 1; }
});)JS",
            threeCategories, threeCategoriesExpected);

    addCase("fromStreamsMatching", R"JS(fromStreamsMatching(function (streamId) {
    return streamId.indexOf('vip') >= 0;
}).when({
    $any: function (s, e) { s[e.streamId] = (s[e.streamId] || 0) + 1; }
});)JS",
            events({{"account-vip1", "X"}, {"account-2", "X"}, {"order-vip2", "X"}, {"account-vip1", "X"}}),
            R"({"steps": [
                  {"p": true}, {"p": false, "skip": "notSelected"}, {"p": true}, {"p": true}],
                "state": {"account-vip1": 2, "order-vip2": 1},
                "definition": {"source": "matching"}})");

    // ---- partitioning --------------------------------------------------------------------
    addCase("foreachStream", R"JS(fromCategory('account').foreachStream().when({
    $init: function () { return { balance: 0 }; },
    Deposited: function (s, e) { s.balance += e.data.amount; },
    Withdrawn: function (s, e) { s.balance -= e.data.amount; }
});)JS",
            events({{"account-1", "Deposited", R"({"amount":10})"},
                    {"account-2", "Deposited", R"({"amount":5})"},
                    {"account-1", "Withdrawn", R"({"amount":3})"},
                    {"account-2", "Renamed"},
                    {"order-1", "Deposited", R"({"amount":1})"}}),
            R"({"steps": [
                  {"p": true, "handler": "Deposited", "partition": "account-1", "created": true, "before": null,
                   "state": {"balance": 10}},
                  {"p": true, "partition": "account-2", "created": true, "before": null, "state": {"balance": 5}},
                  {"p": true, "handler": "Withdrawn", "partition": "account-1", "created": false,
                   "before": {"balance": 10}, "state": {"balance": 7}},
                  {"p": false, "skip": "unhandled", "state": null},
                  {"p": false, "skip": "notSelected", "state": null}],
                "partitions": ["account-1", "account-2"],
                "states": {"account-1": {"balance": 7}, "account-2": {"balance": 5}},
                "state": null, "processedCount": 3, "eventCount": 5,
                "definition": {"source": "categories", "partitioning": "stream",
                               "handlers": ["$init", "Deposited", "Withdrawn"]}})");

    addCase("partitionBy", R"JS(fromAll().partitionBy(function (e) { return e.data.region; }).when({
    $init: function () { return { n: 0 }; },
    $any: function (s, e) { s.n += 1; s.last = e.partition; }
});)JS",
            events({{"sale-1", "Sale", R"({"region":"eu"})"},
                    {"sale-2", "Sale", R"({"region":"us"})"},
                    {"sale-3", "Sale", R"({})"},
                    {"sale-4", "Sale", R"({"region":null})"},
                    {"sale-5", "Sale", R"({"region":"eu"})"}}),
            R"({"steps": [
                  {"p": true, "partition": "eu", "created": true, "state": {"n": 1, "last": "eu"}},
                  {"p": true, "partition": "us", "created": true, "state": {"n": 1, "last": "us"}},
                  {"p": false, "skip": "noPartition", "state": null},
                  {"p": false, "skip": "noPartition", "state": null},
                  {"p": true, "partition": "eu", "created": false, "before": {"n": 1, "last": "eu"},
                   "state": {"n": 2, "last": "eu"}}],
                "partitions": ["eu", "us"],
                "states": {"eu": {"n": 2, "last": "eu"}, "us": {"n": 1, "last": "us"}},
                "processedCount": 3, "eventCount": 5,
                "definition": {"source": "all", "partitioning": "function"}})");

    addCase("partitionBy number key", R"JS(fromAll().partitionBy(function (e) { return e.data.k; }).when({
    $any: function (s, e) { s.p = e.partition; }
});)JS",
            events({{"x-1", "X", R"({"k":7})"}}),
            R"({"steps": [{"p": true, "partition": "7", "state": {"p": "7"}}], "partitions": ["7"]})");

    addCase("unhandled before partitionBy", R"JS(fromAll().partitionBy(function (e) { return e.data.k.toString(); }).when({
    Handled: function (s, e) { s.n = (s.n || 0) + 1; }
});)JS",
            events({{"x-1", "Other", R"({})"}, {"x-1", "Handled", R"({"k":"a"})"}}),
            R"({"steps": [{"p": false, "skip": "unhandled", "error": null}, {"p": true, "partition": "a"}],
                "states": {"a": {"n": 1}}})");

    // ---- handlers ------------------------------------------------------------------------
    addCase("$init absent gives {}", R"JS(fromAll().when({
    Ping: function (s, e) { s.pings = (s.pings || 0) + 1; },
    Noop: function (s, e) { }
});)JS",
            events({{"x-1", "Noop"}, {"x-1", "Ping"}, {"x-1", "Pong"}, {"x-1", "Ping"}}),
            R"({"steps": [
                  {"p": true, "handler": "Noop", "before": null, "state": {}},
                  {"p": true, "handler": "Ping", "before": {}, "state": {"pings": 1}},
                  {"p": false, "skip": "unhandled", "state": null, "now": {"": {"pings": 1}}},
                  {"p": true, "state": {"pings": 2}}],
                "state": {"pings": 2}, "processedCount": 3})");

    addCase("$initShared", R"JS(fromCategory('account').foreachStream().when({
    $init: function () { return { n: 0 }; },
    $initShared: function () { return { total: 0 }; },
    $any: function (s, e) { s[0].n += 1; s[1].total += e.data.amount; }
});)JS",
            events({{"account-1", "D", R"({"amount":1})"},
                    {"account-2", "D", R"({"amount":2})"},
                    {"account-1", "D", R"({"amount":4})"}}),
            R"({"steps": [
                  {"p": true, "partition": "account-1", "state": {"n": 1}, "shared": {"total": 1}},
                  {"p": true, "partition": "account-2", "state": {"n": 1}, "shared": {"total": 3}},
                  {"p": true, "partition": "account-1", "before": {"n": 1}, "state": {"n": 2},
                   "shared": {"total": 7}, "nowShared": {"total": 7}}],
                "states": {"account-1": {"n": 2}, "account-2": {"n": 1}}, "shared": {"total": 7},
                "definition": {"biState": true, "partitioning": "stream",
                               "handlers": ["$init", "$initShared", "$any"]}})");

    addCase("$initShared returns a pair", R"JS(fromAll().when({
    $init: function () { return 0; },
    $initShared: function () { return []; },
    $any: function (s, e) { return [s[0] + 1, s[1].concat([e.eventType])]; }
});)JS",
            events({{"x-1", "A"}, {"x-2", "B"}}),
            R"({"steps": [{"state": 1, "shared": ["A"]}, {"state": 2, "shared": ["A", "B"]}],
                "state": 2, "shared": ["A", "B"], "definition": {"biState": true}})");

    addCase("biState option", R"JS(options({ biState: true });
fromAll().when({
    $init: function () { return { n: 0 }; },
    $any: function (s, e) { s[0].n += 1; }
});)JS",
            events({{"x-1", "A"}, {"x-1", "B"}}),
            R"({"state": {"n": 2}, "definition": {"biState": true, "options": {"biState": true}}})");

    addCase("$created", R"JS(fromAll().foreachStream().when({
    $init: function () { return { n: 0, created: [] }; },
    $created: function (s, e) { s.created.push(e.sequenceNumber); },
    $any: function (s, e) { s.n += 1; }
});)JS",
            events({{"a-1", "X"}, {"a-1", "X"}, {"b-1", "X"}}),
            R"({"steps": [
                  {"p": true, "partition": "a-1", "created": true, "handler": "$any", "state": {"n": 1, "created": [0]}},
                  {"p": true, "partition": "a-1", "created": false, "state": {"n": 2, "created": [0]}},
                  {"p": true, "partition": "b-1", "created": true, "state": {"n": 1, "created": [0]}}],
                "states": {"a-1": {"n": 2, "created": [0]}, "b-1": {"n": 1, "created": [0]}}})");

    addCase("type handler wins over $any", R"JS(fromAll().when({
    $init: function () { return { any: [], deposits: 0 }; },
    Deposited: function (s, e) { s.deposits += 1; },
    $any: function (s, e) { s.any.push(e.eventType); }
});)JS",
            events({{"a-1", "Deposited"}, {"a-1", "Withdrawn"}, {"a-1", "Deposited"}}),
            R"({"steps": [{"handler": "Deposited"}, {"handler": "$any"}, {"handler": "Deposited"}],
                "state": {"any": ["Withdrawn"], "deposits": 2}})");

    addCase("$deleted", R"JS(fromCategory('account').foreachStream().when({
    $init: function () { return { n: 0, deleted: false }; },
    $any: function (s, e) { s.n += 1; },
    $deleted: function (s, e) { s.deleted = true; }
});)JS",
            events({{"account-1", "Opened"}, {"account-2", "Opened"}, {"account-1", "$streamDeleted"}}),
            R"({"steps": [{"handler": "$any"}, {"handler": "$any"},
                  {"p": true, "handler": "$deleted", "partition": "account-1", "state": {"n": 1, "deleted": true}}],
                "states": {"account-1": {"n": 1, "deleted": true}, "account-2": {"n": 1, "deleted": false}}})");

    addCase("$streamDeleted without $deleted is unhandled", R"JS(fromAll().when({
    Opened: function (s, e) { s.n = 1; }
});)JS",
            events({{"account-1", "Opened"}, {"account-1", "$streamDeleted"}}),
            R"({"steps": [{"p": true}, {"p": false, "skip": "unhandled"}], "state": {"n": 1}})");

    addCase("$streamDeleted is not taken by $any", R"JS(fromAll().when({
    $any: function (s, e) { s.n = (s.n || 0) + 1; }
});)JS",
            events({{"account-1", "Opened"}, {"account-1", "$streamDeleted"}}),
            R"({"steps": [{"p": true}, {"p": false, "skip": "unhandled"}], "state": {"n": 1}})");

    addCase("a type named like a reserved handler only runs $any", R"JS(fromCategory('account').foreachStream().when({
    $init: function () { return { n: 0 }; },
    $created: function (s, e) { s.created = e.eventType; }
});)JS",
            events({{"account-1", "$init"}, {"account-2", "$created"}}),
            R"({"steps": [{"p": false, "skip": "unhandled"}, {"p": false, "skip": "unhandled"}], "states": {}})");

    // ---- return semantics and state values ------------------------------------------------
    addCase("undefined keeps, a value replaces", R"JS(fromAll().when({
    $init: function () { return { n: 0 }; },
    Inc: function (s, e) { s.n += 1; },
    Replace: function (s, e) { return { replaced: s.n }; },
    Keep: function (s, e) { s.n = 100; return undefined; }
});)JS",
            events({{"x-1", "Inc"}, {"x-1", "Inc"}, {"x-1", "Replace"}, {"x-1", "Keep"}}),
            R"({"steps": [{"state": {"n": 1}}, {"state": {"n": 2}}, {"state": {"replaced": 2}},
                          {"before": {"replaced": 2}, "state": {"replaced": 2, "n": 100}}],
                "state": {"replaced": 2, "n": 100}})");

    addCase("number state", R"JS(fromAll().when({
    $init: function () { return 0; },
    $any: function (s, e) { return s + e.data.x; }
});)JS",
            events({{"x-1", "A", R"({"x":2})"}, {"x-1", "A", R"({"x":3.5})"}}),
            R"({"steps": [{"before": null, "state": 2}, {"before": 2, "state": 5.5}], "state": 5.5})");

    addCase("number state is not mutated by assignment", R"JS(fromAll().when({
    $init: function () { return 7; },
    $any: function (s, e) { s = s + 1; }
});)JS",
            events({{"x-1", "A"}, {"x-1", "A"}}),
            R"({"steps": [{"state": 7}, {"state": 7}], "state": 7})");

    addCase("string state", R"JS(fromAll().when({
    $init: function () { return ''; },
    $any: function (s, e) { return s + e.eventType.charAt(0); }
});)JS",
            events({{"x-1", "Alpha"}, {"x-1", "Beta"}, {"x-1", "Gamma"}}),
            R"({"steps": [{"state": "A"}, {"state": "AB"}, {"state": "ABG"}], "state": "ABG"})");

    addCase("array state mutated", R"JS(fromAll().when({
    $init: function () { return []; },
    $any: function (s, e) { s.push(e.sequenceNumber); }
});)JS",
            events({{"x-1", "A"}, {"x-1", "B"}, {"x-1", "C"}}),
            R"({"steps": [{"state": [0]}, {"state": [0, 1]}, {"state": [0, 1, 2]}], "state": [0, 1, 2]})");

    addCase("returned array replaces object", R"JS(fromAll().when({
    $any: function (s, e) { return [e.eventType]; }
});)JS",
            events({{"x-1", "A"}, {"x-1", "B"}}),
            R"({"steps": [{"before": null, "state": ["A"]}, {"before": ["A"], "state": ["B"]}], "state": ["B"]})");

    addCase("boolean state", R"JS(fromAll().when({
    $init: function () { return false; },
    $any: function (s, e) { return !s; }
});)JS",
            events({{"x-1", "A"}, {"x-1", "B"}, {"x-1", "C"}}),
            R"({"steps": [{"state": true}, {"state": false}, {"state": true}], "state": true})");

    addCase(kLiveStates, R"JS(fromAll().when({
    First: function (s, e) { s.date = new Date(0); s.fn = function () {}; s.undef = undefined; s.nan = NaN; },
    Second: function (s, e) { s.dateType = typeof s.date; s.hasFn = 'fn' in s; s.hasUndef = 'undef' in s; }
});)JS",
            events({{"x-1", "First"}, {"x-1", "Second"}}),
            R"({"steps": [{"state": {"date": "1970-01-01T00:00:00.000Z", "nan": null}}],
                "state": {"date": "1970-01-01T00:00:00.000Z", "nan": null, "dateType": "object",
                          "hasFn": true, "hasUndef": true}})");

    // ---- transformBy, filterBy, outputState ------------------------------------------------
    const char *counter = R"JS(fromAll().when({
    $init: function () { return { n: 0 }; },
    $any: function (s, e) { s.n += 1; }
}))JS";
    const Events two = events({{"x-1", "A"}, {"x-1", "B"}});
    static const std::string transformChain = std::string(counter) + R"JS(
.transformBy(function (s) { return { total: s.n }; })
.transformBy(function (r) { return r.total * 10; });)JS";
    addCase("transformBy chain", transformChain.c_str(), two,
            R"({"steps": [{"state": {"n": 1}, "result": 10}, {"state": {"n": 2}, "result": 20}],
                "state": {"n": 2}, "result": 20, "results": {"": 20},
                "definition": {"transformCount": 2, "outputState": false}})");
    static const std::string filterTrue = std::string(counter) + R"JS(
.filterBy(function (s) { return s.n > 1; });)JS";
    addCase("filterBy true", filterTrue.c_str(), two,
            R"({"steps": [{"state": {"n": 1}, "result": null}, {"state": {"n": 2}, "result": {"n": 2}}],
                "result": {"n": 2}, "definition": {"transformCount": 1}})");
    static const std::string filterOne = std::string(counter) + R"JS(
.filterBy(function (s) { return 1; });)JS";
    addCase("filterBy 1 gives null", filterOne.c_str(), two,
            R"({"steps": [{"state": {"n": 1}, "result": null}, {"state": {"n": 2}, "result": null}],
                "state": {"n": 2}, "result": null})");
    static const std::string filterYes = std::string(counter) + R"JS(
.filterBy(function (s) { return 'yes'; });)JS";
    addCase("filterBy yes gives null", filterYes.c_str(), two, R"({"steps": [{"result": null}, {"result": null}],
                "result": null})");
    static const std::string transformFilter = std::string(counter) + R"JS(
.transformBy(function (s) { return { total: s.n }; })
.filterBy(function (r) { return r.total >= 2; });)JS";
    addCase("transformBy then filterBy", transformFilter.c_str(), two,
            R"({"steps": [{"result": null}, {"result": {"total": 2}}], "state": {"n": 2}, "result": {"total": 2},
                "definition": {"transformCount": 2}})");
    static const std::string output = std::string(counter) + R"JS(
.outputState();)JS";
    addCase("outputState", output.c_str(), two,
            R"({"steps": [{"result": {"n": 1}}, {"result": {"n": 2}}], "result": {"n": 2},
                "definition": {"outputState": true, "transformCount": 0}})");
    addCase("partitioned transformBy", R"JS(fromAll().foreachStream().when({
    $init: function () { return { n: 0 }; },
    $any: function (s, e) { s.n += 1; }
}).transformBy(function (s) { return s.n * 100; });)JS",
            events({{"a-1", "X"}, {"b-1", "X"}, {"a-1", "X"}}),
            R"({"steps": [{"partition": "a-1", "result": 100}, {"partition": "b-1", "result": 100},
                          {"partition": "a-1", "result": 200}],
                "results": {"a-1": 200, "b-1": 100}, "states": {"a-1": {"n": 2}, "b-1": {"n": 1}}})");

    // ---- emit, linkTo, log ----------------------------------------------------------------
    addCase("emit and linkTo", R"JS(fromAll().when({
    Deposited: function (s, e) {
        emit('audit-' + e.streamId, 'Audited', { amount: e.data.amount }, { by: 'projection' });
        linkTo('deposits', e);
        linkTo('big', e, { reason: 'x' });
    },
    Withdrawn: function (s, e) { emit('audit', 'Out', { a: 1 }); }
});)JS",
            events({{"account-1", "Deposited", R"({"amount":5})"},
                     {"account-1", "Withdrawn"},
                     {"account-2", "Deposited", R"({"amount":7})"}}),
            R"({"steps": [
                  {"emitted": [
                     {"stream": "audit-account-1", "type": "Audited", "data": {"amount": 5}, "metadata": {"by": "projection"}},
                     {"stream": "deposits", "type": "$>", "data": "0@account-1", "metadata": {}},
                     {"stream": "big", "type": "$>", "data": "0@account-1", "metadata": {"reason": "x"}}]},
                  {"emitted": [{"stream": "audit", "type": "Out", "data": {"a": 1}, "metadata": {}}]},
                  {"emitted": [
                     {"stream": "audit-account-2", "type": "Audited", "data": {"amount": 7}, "metadata": {"by": "projection"}},
                     {"stream": "deposits", "type": "$>", "data": "0@account-2", "metadata": {}},
                     {"stream": "big", "type": "$>", "data": "0@account-2", "metadata": {"reason": "x"}}]}],
                "emitted": [
                     {"stream": "audit-account-1", "type": "Audited", "data": {"amount": 5}, "metadata": {"by": "projection"}},
                     {"stream": "deposits", "type": "$>", "data": "0@account-1", "metadata": {}},
                     {"stream": "big", "type": "$>", "data": "0@account-1", "metadata": {"reason": "x"}},
                     {"stream": "audit", "type": "Out", "data": {"a": 1}, "metadata": {}},
                     {"stream": "audit-account-2", "type": "Audited", "data": {"amount": 7}, "metadata": {"by": "projection"}},
                     {"stream": "deposits", "type": "$>", "data": "0@account-2", "metadata": {}},
                     {"stream": "big", "type": "$>", "data": "0@account-2", "metadata": {"reason": "x"}}],
                "emittedAt": [1, 1, 1, 2, 3, 3, 3], "logs": []})");

    addCase("linkTo sequence number", R"JS(fromAll().when({
    $any: function (s, e) { linkTo('all-links', e); }
});)JS",
            events({{"a-1", "X"}, {"a-1", "X"}, {"b-1", "X"}, {"a-1", "X", "{}", "{}", true, 20}}),
            R"({"emitted": [
                  {"stream": "all-links", "type": "$>", "data": "0@a-1", "metadata": {}},
                  {"stream": "all-links", "type": "$>", "data": "1@a-1", "metadata": {}},
                  {"stream": "all-links", "type": "$>", "data": "0@b-1", "metadata": {}},
                  {"stream": "all-links", "type": "$>", "data": "2@a-1", "metadata": {}}],
                "emittedAt": [1, 2, 3, 20], "position": 20})");

    addCase("log", R"JS(fromAll().when({
    $any: function (s, e) { log('seen ' + e.eventType + ' at ' + e.sequenceNumber); }
});)JS",
            events({{"x-1", "A"}, {"x-1", "B"}, {"y-1", "Other", "nope", "{}", false}}),
            R"({"steps": [{"logs": ["seen A at 0"]}, {"logs": ["seen B at 1"]}, {"logs": [], "skip": "nonJson"}],
                "logs": ["seen A at 0", "seen B at 1"], "logsAt": [1, 2], "emitted": []})");

    // ---- options ----------------------------------------------------------------------------
    addCase("known options", R"JS(options({ resultStreamName: 'out', $includeLinks: false, reorderEvents: false, processingLag: 0 });
fromAll().when({ $any: function (s, e) { s.n = 1; } });)JS",
            events({{"x-1", "A"}}),
            R"({"state": {"n": 1},
                "definition": {"options": {"resultStreamName": "out", "$includeLinks": false,
                                           "reorderEvents": false, "processingLag": 0}}})");
    addCase("unknown option", R"JS(options({ fooBar: 1 });
fromAll().when({ $any: function (s, e) { s.n = 1; } });)JS",
            events({{"x-1", "A"}}), R"({"error": {"kind": "definition", "message": "fooBar"}})");

    // ---- the event object -----------------------------------------------------------------
    const char *fieldsScript = R"JS(fromAll().when({
    $any: function (s, e) {
        return {
            eventType: e.eventType, streamId: e.streamId, sequenceNumber: e.sequenceNumber,
            data: e.data, body: e.body, bodyRaw: e.bodyRaw, metadata: e.metadata,
            metadataRaw: e.metadataRaw, isJson: e.isJson, partition: e.partition,
            created: e.created, eventId: e.eventId, category: e.category, position: e.position
        };
    }
});)JS";
    addCase("event object fields", fieldsScript,
            events({{"account-1", "Opened", R"({"owner":"ann"})", "{}", true, 3},
                    {"account-1", "Deposited", R"({"amount":5,"note":"x"})", R"({"$correlationId":"c1"})", true, 7}}),
            R"({"steps": [{"state": {"eventType": "Opened", "streamId": "account-1", "sequenceNumber": 0,
                                     "data": {"owner": "ann"}, "body": {"owner": "ann"}, "bodyRaw": "{\"owner\":\"ann\"}",
                                     "metadata": {}, "metadataRaw": "{}", "isJson": true, "partition": "",
                                     "created": "2024-01-01T00:00:03.003Z",
                                     "eventId": "e0000000-0000-4000-8000-000000000003", "category": "account",
                                     "position": 3}}],
                "state": {"eventType": "Deposited", "streamId": "account-1", "sequenceNumber": 1,
                          "data": {"amount": 5, "note": "x"}, "body": {"amount": 5, "note": "x"},
                          "bodyRaw": "{\"amount\":5,\"note\":\"x\"}", "metadata": {"$correlationId": "c1"},
                          "metadataRaw": "{\"$correlationId\":\"c1\"}", "isJson": true, "partition": "",
                          "created": "2024-01-01T00:00:07.007Z", "eventId": "e0000000-0000-4000-8000-000000000007",
                          "category": "account", "position": 7},
                "position": 7})");
    addCase("event object partition and category", R"JS(fromAll().foreachStream().when({
    $any: function (s, e) { return { partition: e.partition, category: e.category, isJson: e.isJson }; }
});)JS",
            events({{"order-9-b", "X"}, {"cart-2", "X"}}),
            R"({"states": {"order-9-b": {"partition": "order-9-b", "category": "order", "isJson": true},
                           "cart-2": {"partition": "cart-2", "category": "cart", "isJson": true}}})");

    addCase("non-JSON events skipped", R"JS(fromAll().when({
    $any: function (s, e) { s.n = (s.n || 0) + 1; }
});)JS",
            events({{"a-1", "Blob", "not json", "{}", false}, {"a-1", "X"}, {"a-1", "Blob", "\x01\x02", "{}", false}}),
            R"({"steps": [{"p": false, "skip": "nonJson", "state": null, "error": null},
                          {"p": true, "state": {"n": 1}},
                          {"p": false, "skip": "nonJson", "state": null}],
                "state": {"n": 1}, "processedCount": 1, "eventCount": 3, "position": 3})");

    // ---- errors -----------------------------------------------------------------------------
    addCase("syntax error", R"JS(fromAll().when({
    $any: function (s, e) {
        s.n = s.n +;
    }
});)JS",
            events({{"x-1", "A"}}), R"({"error": {"kind": "syntax", "line": 3, "column": 20, "position": 0}})");

    addCase("runtime error keeps state", R"JS(fromAll().when({
    $init: function () { return { n: 0 }; },
    Inc: function (s, e) { s.n += 1; },
    Boom: function (s, e) {
        s.n = 999;
        emit('x', 'Y', {});
        log('before boom');
        throw new Error('boom at ' + e.sequenceNumber);
    }
});)JS",
            events({{"x-1", "Inc"}, {"x-1", "Boom"}, {"x-1", "Inc"}}),
            R"({"steps": [{"state": {"n": 1}},
                          {"error": {"kind": "runtime", "line": 8, "position": 2, "message": "boom at 1"},
                           "now": {"": {"n": 1}}},
                          {"p": true, "error": null, "before": {"n": 1}, "state": {"n": 2}}],
                "state": {"n": 2}, "emitted": [], "processedCount": 2})");

    addCase("runtime TypeError", R"JS(fromAll().when({
    $any: function (s, e) {
        s.x = e.data.missing.deep;
    }
});)JS",
            events({{"x-1", "A", R"({"a":1})", "{}", true, 5}}),
            R"({"steps": [{"error": {"kind": "runtime", "line": 3, "position": 5, "message": "TypeError"},
                           "now": {}}]})");

    addCase("partitionBy throws", R"JS(fromAll().partitionBy(function (e) {
    return e.data.k.toUpperCase();
}).when({ $any: function (s, e) { s.n = 1; } });)JS",
            events({{"x-1", "A", R"({"k":"a"})"}, {"x-1", "A", R"({})"}}),
            R"({"steps": [{"p": true, "partition": "A"},
                          {"error": {"kind": "runtime", "line": 2, "position": 2}, "now": {"A": {"n": 1}}}]})");

    static const std::string transformThrows = std::string(counter) + R"JS(
.transformBy(function (s) {
    if (s.n > 1) throw new Error('too many');
    return s.n;
});)JS";
    addCase("transformBy throws", transformThrows.c_str(), two,
            R"({"steps": [{"result": 1},
                          {"error": {"kind": "runtime", "line": 6, "position": 2, "message": "too many"},
                           "now": {"": {"n": 1}}}]})");

    addCase("timeout", R"JS(fromAll().when({
    $init: function () { return { n: 0 }; },
    Spin: function (s, e) { while (true) {} },
    Tick: function (s, e) { s.n += 1; }
});)JS",
            events({{"x-1", "Tick"}, {"x-1", "Spin"}, {"x-1", "Tick"}}),
            R"({"budget": 200,
                "steps": [{"state": {"n": 1}},
                          {"error": {"kind": "timeout", "position": 2}, "now": {"": {"n": 1}}},
                          {"p": true, "error": null, "state": {"n": 2}}],
                "state": {"n": 2}})");

    addCase("definition timeout", R"JS(while (true) {}
fromAll().when({ $any: function (s, e) {} });)JS",
            events({{"x-1", "A"}}), R"({"budget": 200, "error": {"kind": "timeout", "position": 0}})");

    addCase("no selector", R"JS(var x = 1;)JS", events({{"x-1", "A"}}), R"({"error": {"kind": "definition"}})");
    addCase("when without selector", R"JS(when({ $any: function (s, e) {} });)JS", events({{"x-1", "A"}}),
            R"({"error": {"kind": "definition"}})");
    addCase("no when", R"JS(fromAll();)JS", events({{"x-1", "A"}}), R"({"error": {"kind": "definition"}})");
    addCase("no when after foreachStream", R"JS(fromCategory('a').foreachStream();)JS", events({{"x-1", "A"}}),
            R"({"error": {"kind": "definition"}})");
    addCase("selector twice", R"JS(fromAll();
fromStream('a-1').when({ $any: function (s, e) {} });)JS",
            events({{"x-1", "A"}}), R"({"error": {"kind": "definition"}})");
    addCase("throws while defining", R"JS(fromAll().when({ $any: function (s, e) {} });
throw new Error('nope');)JS",
            events({{"x-1", "A"}}), R"({"error": {"kind": "definition", "message": "nope"}})");
}

void TestProjection::conformance()
{
    QFETCH(QString, script);
    QFETCH(Events, input);
    QFETCH(QByteArray, expected);
    const Json want = J(expected);

    Projection p(script, QStringLiteral("projection.js"), budgetOf(want));
    if (want.contains("error")) {
        QVERIFY(!p.isValid());
        QVERIFY(p.error().has_value());
        const std::string diff = diffKeys("construction", Json{{"error", errorJson(p.error())}}, Json{{"error", want["error"]}});
        QVERIFY2(diff.empty(), diff.c_str());
        const auto checked = Projection::check(script);
        if (want["error"]["kind"] != "timeout") {
            QVERIFY(checked.has_value());
            QCOMPARE(checked->kind, p.error()->kind);
        }
        return;
    }
    QVERIFY2(p.isValid(), p.error() ? qPrintable(p.error()->toString()) : "invalid without error");
    QVERIFY(!p.error().has_value());
    if (want.contains("definition")) {
        const std::string diff = diffKeys("definition", definitionJson(p.definition()), want["definition"]);
        QVERIFY2(diff.empty(), diff.c_str());
    }

    const Json steps = want.value("steps", Json::array());
    for (size_t i = 0; i < input.size(); ++i) {
        const ProjectionStep s = p.step(input[i]);
        QCOMPARE(s.event, input[i]);
        // mayProcess() never says no to an event the script processes, and for a projection
        // partitioned by stream (not fromStreamsMatching) it says exactly which it processes.
        if (!s.error) {
            const bool exact = p.definition().partitioning == ProjectionDefinition::Partitioning::ByStream
                               && p.definition().source != ProjectionDefinition::Source::StreamsMatching;
            QVERIFY2(p.mayProcess(input[i]) || !s.processed, "mayProcess() skipped a processed event");
            if (exact)
                QCOMPARE(p.mayProcess(input[i]), s.processed);
        }
        if (i < steps.size() && steps[i].is_object()) {
            const std::string diff = diffKeys("step " + std::to_string(i + 1), stepJson(s, p), steps[i]);
            QVERIFY2(diff.empty(), diff.c_str());
        }
    }
    const std::string diff = diffKeys("run", runJson(p), finalKeys(want));
    QVERIFY2(diff.empty(), diff.c_str());
}

// feed() on a fresh projection gives what step() gives; it stops at the first error.
void TestProjection::feedMatchesStep()
{
    QFETCH(QString, script);
    QFETCH(Events, input);
    QFETCH(QByteArray, expected);
    const Json want = J(expected);
    if (want.contains("error"))
        return; // nothing to run

    Projection stepped(script, QStringLiteral("projection.js"), budgetOf(want));
    QVERIFY(stepped.isValid());
    qsizetype firstError = -1;
    std::optional<ProjectionError> stepError;
    for (size_t i = 0; i < input.size(); ++i) {
        const ProjectionStep s = stepped.step(input[i]);
        if (s.error) {
            firstError = qsizetype(i);
            stepError = s.error;
            break;
        }
    }

    Projection fed(script, QStringLiteral("projection.js"), budgetOf(want));
    if (firstError < 0) {
        const Projection::FeedResult r = fed.feed(input);
        QCOMPARE(r.breakpointHit, false);
        QCOMPARE(r.consumed, qsizetype(input.size()));
        QVERIFY(!r.error.has_value());
        const Json a = runJson(fed);
        const Json b = runJson(stepped);
        QVERIFY2(a.dump() == b.dump(), mismatch("feed vs step:", a, b).c_str());
        return;
    }
    // Up to the event that failed, feed gives what step gave; then it stops at that event
    // with the same error (the run is faulted then: its state is not looked at).
    const std::span<const Event> all(input);
    const Projection::FeedResult before = fed.feed(all.first(size_t(firstError)));
    QCOMPARE(before.consumed, firstError);
    QVERIFY(!before.error.has_value());
    const Json a = restorableJson(fed);
    const Json b = restorableJson(stepped);
    QVERIFY2(a.dump() == b.dump(), mismatch("feed vs step before the error:", a, b).c_str());
    const Projection::FeedResult r = fed.feed(all.subspan(size_t(firstError)));
    QVERIFY2(r.error.has_value(), "feed() reported no error where step() did");
    QCOMPARE(r.consumed, 0);
    QCOMPARE(r.error->kind, stepError->kind);
    QCOMPARE(r.error->line, stepError->line);
    QCOMPARE(r.error->position, stepError->position);
    QCOMPARE(r.error->message, stepError->message);
}

// Checkpoints at every event: restoring into a fresh projection and feeding the rest gives the
// full run; restoring the same projection and replaying does not record emitted events or logs
// twice.
void TestProjection::checkpointRoundTrip()
{
    QFETCH(QString, script);
    QFETCH(Events, input);
    QFETCH(QByteArray, expected);
    const Json want = J(expected);
    if (hasErrors(want))
        return;
    const int budget = budgetOf(want);

    Projection full(script, QStringLiteral("projection.js"), budget);
    QVERIFY(full.isValid());
    std::vector<QByteArray> checkpoints{full.checkpoint()};
    std::vector<Json> restorables{restorableJson(full)};
    for (const Event &e : input) {
        QVERIFY(!full.step(e).error);
        checkpoints.push_back(full.checkpoint());
        restorables.push_back(restorableJson(full));
    }
    const Json fullRun = runJson(full);
    const std::span<const Event> all(input);

    for (size_t k = 0; k <= input.size(); ++k) {
        const std::string at = "checkpoint after " + std::to_string(k) + " events: ";
        Projection fresh(script, QStringLiteral("projection.js"), budget);
        fresh.restore(checkpoints[k]);
        const Json restored = restorableJson(fresh);
        QVERIFY2(restored.dump() == restorables[k].dump(), mismatch(at + "restored", restored, restorables[k]).c_str());
        QCOMPARE(fresh.feed(all.subspan(k)).consumed, qsizetype(input.size() - k));
        const Json after = restorableJson(fresh);
        if (QByteArray(QTest::currentDataTag()) == kLiveStates && k == 1) {
            // A restore between the two events hands the second one a JSON copy of the state: a
            // string instead of the Date, no function, no undefined member.
            QCOMPARE(after["states"][""]["dateType"].get<std::string>(), std::string("string"));
            QCOMPARE(after["states"][""]["hasFn"].get<bool>(), false);
            continue;
        }
        QVERIFY2(after.dump() == restorables.back().dump(), mismatch(at + "continued", after, restorables.back()).c_str());

        // The same projection: back to k, then the rest again.
        full.restore(checkpoints[k]);
        QVERIFY2(restorableJson(full).dump() == restorables[k].dump(), (at + "same-object restore").c_str());
        const qint64 upTo = k == 0 ? 0 : input[k - 1].position;
        Json expectedEmitted = Json::array();
        for (size_t i = 0; i < fullRun["emitted"].size(); ++i) {
            if (fullRun["emittedAt"][i].get<qint64>() <= upTo)
                expectedEmitted.push_back(fullRun["emitted"][i]);
        }
        const Json emittedNow = emittedJson(full.emitted(upTo));
        QVERIFY2(emittedNow == expectedEmitted, mismatch(at + "emitted(upTo)", emittedNow, expectedEmitted).c_str());
        QCOMPARE(full.feed(all.subspan(k)).consumed, qsizetype(input.size() - k));
        const Json again = runJson(full);
        QVERIFY2(again.dump() == fullRun.dump(), mismatch(at + "replayed", again, fullRun).c_str());
        if (QTest::currentTestFailed())
            return;
    }
}

void TestProjection::resetForgetsTheRun()
{
    const Events input = events({{"a-1", "Deposited", R"({"amount":5})"}, {"a-2", "Deposited", R"({"amount":7})"}});
    Projection p(S(R"JS(fromAll().foreachStream().when({
    $init: function () { return { b: 0 }; },
    Deposited: function (s, e) { s.b += e.data.amount; emit('out', 'D', {}); log('d'); }
});)JS"));
    QVERIFY(p.isValid());
    QCOMPARE(p.position(), 0);
    QCOMPARE(p.partitions(), QStringList());
    QVERIFY(p.states().empty());
    p.feed(input);
    const Json first = runJson(p);
    QCOMPARE(first["emitted"].size(), size_t(2));
    p.reset();
    QCOMPARE(p.position(), 0);
    QCOMPARE(p.eventCount(), 0);
    QCOMPARE(p.processedCount(), 0);
    QCOMPARE(p.partitions(), QStringList());
    QVERIFY(p.states().empty());
    QVERIFY(p.state(QStringLiteral("a-1")).is_null());
    QVERIFY(p.emitted().empty());
    QVERIFY(p.logs().empty());
    p.feed(input);
    COMPARE_DUMP(runJson(p).dump(), first.dump());
}

// With undo records on, undoTo() brings back the state after any earlier event that the records
// reach, exactly as a run stopped there has it, and describes that event's step; without
// records (or beyond them) it changes nothing.
void TestProjection::undoRecordsStepBack()
{
    const QString script = S(R"JS(fromAll().foreachStream().when({
    $init: function () { return { b: 0, n: 0 }; },
    $initShared: function () { return { total: 0 }; },
    Deposited: function (s, e) { s[0].b += e.data.amount; s[0].n += 1; s[1].total += e.data.amount; emit('out', 'D', { a: e.data.amount }); },
    Closed: function (s, e) { return [{ closed: true }, s[1]]; }
});)JS");
    const Events input = events({{"a-1", "Deposited", R"({"amount":5})"}, {"a-2", "Deposited", R"({"amount":7})"},
                                 {"x-1", "Other", R"({})"}, {"a-1", "Deposited", R"({"amount":1})"},
                                 {"a-3", "Deposited", R"({"amount":2})"}, {"a-1", "Closed", R"({})"},
                                 {"a-2", "Deposited", R"({"amount":4})"}});
    // The expected state after each prefix, from fresh runs.
    std::vector<Json> expected;
    for (size_t k = 0; k <= input.size(); ++k) {
        Projection fresh(script);
        fresh.feed(std::span<const Event>(input).first(k));
        expected.push_back(restorableJson(fresh));
    }
    Projection p(script);
    ProjectionStep step;
    QVERIFY(!p.undoTo(input[0], &step)); // no records
    p.setUndoRecording(true);
    p.feed(std::span<const Event>(input).first(3));
    for (size_t i = 3; i < input.size(); ++i)
        QVERIFY(!p.step(input[i]).error);
    COMPARE_DUMP(restorableJson(p).dump(), expected.back().dump());
    QVERIFY(!p.undoTo(input.back(), &step)); // not before the current position
    for (size_t k = input.size() - 1; k >= 1; --k) {
        QVERIFY2(p.undoTo(input[k - 1], &step), qPrintable(QString::number(k)));
        COMPARE_DUMP(restorableJson(p).dump(), expected[k].dump());
        QCOMPARE(step.event.position, input[k - 1].position);
        // The step of that event as it was taken.
        Projection fresh(script);
        fresh.feed(std::span<const Event>(input).first(k - 1));
        const ProjectionStep original = fresh.step(input[k - 1]);
        QCOMPARE(step.processed, original.processed);
        QCOMPARE(step.skipReason, original.skipReason);
        QCOMPARE(step.partition, original.partition);
        COMPARE_DUMP(step.stateBefore.dump(), original.stateBefore.dump());
        COMPARE_DUMP(step.state.dump(), original.state.dump());
        COMPARE_DUMP(step.sharedState.dump(), original.sharedState.dump());
        QCOMPARE(step.emitted.size(), original.emitted.size());
    }
    // Forward again from the first event: nothing is recorded twice.
    for (size_t i = 1; i < input.size(); ++i)
        QVERIFY(!p.step(input[i]).error);
    COMPARE_DUMP(restorableJson(p).dump(), expected.back().dump());
    QCOMPARE(p.emitted().size(), size_t(5));
    // A feed without records clears them.
    p.setUndoRecording(false);
    p.reset();
    p.feed(input);
    QVERIFY(!p.undoTo(input[2], &step));
}

void TestProjection::feedStopsAtErrorAndRestoreRecovers()
{
    const Events input = events({{"account-1", "Deposited", R"({"amount":10})"},
                                 {"account-1", "Deposited", R"({"amount":5})"},
                                 {"account-1", "Fail"},
                                 {"account-1", "Withdrawn", R"({"amount":1})"}});
    Projection p(S(AccountScript));
    QVERIFY(p.isValid());
    const std::span<const Event> all(input);
    QCOMPARE(p.feed(all.first(2)).consumed, 2);
    const QByteArray cp = p.checkpoint();
    const Projection::FeedResult r = p.feed(all.subspan(2));
    QCOMPARE(r.consumed, 0);
    QVERIFY(r.error.has_value());
    QCOMPARE(r.error->kind, ProjectionError::Kind::Runtime);
    QCOMPARE(r.error->position, 3);
    QCOMPARE(r.error->line, 5);
    QVERIFY(r.error->message.contains(QStringLiteral("failed on purpose")));
    // The run is faulted now (its state is unspecified) until a checkpoint is restored.

    p.restore(cp);
    QCOMPARE(p.feed(all.subspan(3)).consumed, 1);
    COMPARE_JSON(p.state(QStringLiteral("account-1")), Json({{"balance", 14}}));
    QCOMPARE(p.position(), 4);
}

void TestProjection::timeoutLeavesEngineUsable()
{
    Projection p(S(R"JS(fromAll().when({
    $init: function () { return { n: 0 }; },
    Spin: function (s, e) { s.n = -1; for (;;) {} },
    Tick: function (s, e) { s.n += 1; }
});)JS"),
                 QStringLiteral("spin.js"), 200);
    QVERIFY(p.isValid());
    QCOMPARE(p.timeBudgetMs(), 200);
    QCOMPARE(p.fileName(), QStringLiteral("spin.js"));
    const Events input = events({{"x-1", "Tick"}, {"x-1", "Spin"}, {"x-1", "Tick"}, {"x-1", "Spin"}, {"x-1", "Tick"}});
    const std::span<const Event> all(input);

    QCOMPARE(p.feed(all.first(1)).consumed, 1);
    const QByteArray cp = p.checkpoint();
    const Projection::FeedResult r = p.feed(all.subspan(1));
    QCOMPARE(r.consumed, 0);
    QVERIFY(r.error.has_value());
    QCOMPARE(r.error->kind, ProjectionError::Kind::Timeout);
    QCOMPARE(r.error->position, 2);
    QVERIFY2(r.error->toString().startsWith(QStringLiteral("timeout at position 2")), qPrintable(r.error->toString()));
    QVERIFY2(r.error->toString().contains(QStringLiteral("200 ms")), qPrintable(r.error->toString()));

    p.restore(cp);
    const ProjectionStep tick = p.step(input[2]);
    QVERIFY(!tick.error);
    COMPARE_JSON(tick.state, Json({{"n", 2}}));
    // A second time-out, through step(), then the engine still answers.
    const ProjectionStep spin = p.step(input[3]);
    QVERIFY(spin.error.has_value());
    QCOMPARE(spin.error->kind, ProjectionError::Kind::Timeout);
    QCOMPARE(spin.error->position, 4);
    COMPARE_JSON(p.state(), Json({{"n", 2}}));
    const ProjectionStep last = p.step(input[4]);
    QVERIFY(!last.error);
    COMPARE_JSON(last.state, Json({{"n", 3}}));
    // A condition that loops is interrupted too and reported as a time-out at the event (which
    // is then not applied); without it the event goes through.
    QVERIFY(!p.setBreakpoints({{ProjectionBreakpoint::Kind::Condition, QStringLiteral("(function () { for (;;) {} })()")}}));
    const Events more = events({{"x-1", "Tick", "{}", "{}", true, 6}});
    const ProjectionStep looping = p.step(more[0]);
    QVERIFY(looping.error.has_value());
    QCOMPARE(looping.error->kind, ProjectionError::Kind::Timeout);
    QCOMPARE(looping.error->position, 6);
    COMPARE_JSON(p.state(), Json({{"n", 3}}));
    QVERIFY(!p.setBreakpoints({}));
    const ProjectionStep after = p.step(more[0]);
    QVERIFY(!after.error);
    QCOMPARE(after.breakpointHit, false);
    COMPARE_JSON(after.state, Json({{"n", 4}}));
    QCOMPARE(p.position(), 6);
}

void TestProjection::breakpoints_data()
{
    QTest::addColumn<QByteArray>("breakpoints");
    QTest::addColumn<QList<int>>("hits"); // 1-based indexes of the events that hit

    QTest::newRow("event type") << QByteArray(R"([{"kind": "type", "text": "Withdrawn"}])") << QList<int>{4, 6};
    QTest::newRow("stream glob *") << QByteArray(R"([{"kind": "stream", "text": "order-*"}])") << QList<int>{2, 5};
    QTest::newRow("stream glob ?") << QByteArray(R"([{"kind": "stream", "text": "order-?"}])") << QList<int>{2, 5};
    QTest::newRow("stream glob []") << QByteArray(R"([{"kind": "stream", "text": "account-[2]"}])") << QList<int>{3, 6};
    QTest::newRow("stream exact") << QByteArray(R"([{"kind": "stream", "text": "account-1"}])") << QList<int>{1, 4, 7};
    QTest::newRow("condition on state") << QByteArray(R"([{"kind": "condition", "text": "state.balance < 0"}])")
                                        << QList<int>{4, 6};
    QTest::newRow("condition on e") << QByteArray(R"([{"kind": "condition", "text": "e.data.amount >= 20"}])")
                                    << QList<int>{4, 7};
    QTest::newRow("condition on event and partition")
        << QByteArray(R"([{"kind": "condition", "text": "event.streamId == 'account-2' && partition == 'account-2'"}])")
        << QList<int>{3, 6};
    QTest::newRow("condition error is false")
        << QByteArray(R"([{"kind": "condition", "text": "state.nope.deeper > 0"}])") << QList<int>{};
    QTest::newRow("disabled") << QByteArray(R"([{"kind": "type", "text": "Withdrawn", "enabled": false}])")
                              << QList<int>{};
    QTest::newRow("several") << QByteArray(R"([{"kind": "type", "text": "Placed"},
                                              {"kind": "condition", "text": "state.balance > 30"},
                                              {"kind": "type", "text": "Withdrawn", "enabled": false}])")
                             << QList<int>{2, 5, 7};
    QTest::newRow("type is exact") << QByteArray(R"([{"kind": "type", "text": "withdrawn"}])") << QList<int>{};
}

// step() flags the events that hit; feed(stopAtBreakpoint) stops right after each of them.
// Event data reaches handlers as the values nlohmann reads from it: escapes, surrogate pairs,
// raw UTF-8, numbers of every form (a minus zero integer is 0), deep nesting; text that is not
// JSON gives null.
void TestProjection::payloadsAsValues()
{
    // Nesting: 500 levels are read; beyond the scanner's 512 (which imports refuse too), null.
    const auto nested = [](int pairs) {
        QByteArray text;
        for (int i = 0; i < pairs; ++i)
            text += "{\"k\":[";
        text += "1";
        for (int i = 0; i < pairs; ++i)
            text += "]}";
        return text;
    };
    const QByteArray deep = nested(250);
    const QByteArray tooDeep = nested(300);
    const QByteArray payloads[] = {
        R"({"s":"a\"b\\c\/d\b\f\n\r\t","u":"\u00e9\u4e2d\ud83d\ude00","raw":"é中😀","empty":""})",
        R"({"n":[0,-0,1,-1,0.5,-1.5E-7,1e3,2E+2,12345678901234567890,9007199254740993,-9223372036854775808,1.7976931348623157e308]})",
        R"({"t":true,"f":false,"z":null,"o":{},"a":[],"nested":{"x":[{"y":[1,[2,[3]]]}]}})",
        " \t\r\n { \"spaced\" : [ 1 , 2 ] , \"k\" : \"v\" } \n",
        R"({"2":"two","b":"bee","1":"one","long":"a string longer than forty-eight bytes, so it is not cached at all"})",
        R"(["top","level",1])", R"("just a string")", "42", "null",
        deep,
    };
    const QString script = QStringLiteral("fromAll().when({ $any: function (s, e) {"
                                          " s.data = e.data; s.kind = typeof e.data;"
                                          " s.negativeZero = e.data !== null && typeof e.data === 'object' && Array.isArray(e.data.n)"
                                          "     && 1 / e.data.n[1] < 0; } });");
    // The state after one event with the payload (null when the projection failed).
    const auto stateAfter = [&script](const QByteArray &payload) {
        Projection p(script);
        Event e;
        e.position = 1;
        e.stream = QStringLiteral("x-1");
        e.type = QStringLiteral("Any");
        e.data = payload;
        e.dataIsJson = true;
        return p.feed(std::span<const Event>(&e, 1)).error ? Json() : p.state();
    };
    for (const QByteArray &payload : payloads) {
        const Json state = stateAfter(payload);
        QVERIFY(state.is_object());
        // JavaScript numbers are doubles.
        const std::function<Json(const Json &)> asDoubles = [&asDoubles](const Json &v) -> Json {
            if (v.is_number())
                return Json(v.get<double>());
            Json out = v;
            if (v.is_structured()) {
                for (auto it = out.begin(); it != out.end(); ++it)
                    *it = asDoubles(*it);
            }
            return out;
        };
        const Json want = asDoubles(Json::parse(payload.constBegin(), payload.constEnd()));
        QVERIFY2(JsonPatch::equal(state["data"], want), (payload.left(200).toStdString() + "\n got: " + state["data"].dump().substr(0, 200)).c_str());
        QCOMPARE(state["negativeZero"].get<bool>(), false);
    }
    // Text flagged as JSON that is not: null, as before.
    for (const QByteArray &bad : {QByteArray("{"), QByteArray("{\"a\":1,}"), QByteArray("[1 2]"), QByteArray("\"\\x\""),
                                  QByteArray("\"\\ud800\""), QByteArray("01"), QByteArray("1."), QByteArray("-"), QByteArray("tru"),
                                  QByteArray("{} {}"), QByteArray("\"\xff\""), tooDeep}) {
        const Json state = stateAfter(bad);
        QVERIFY(state.is_object());
        QVERIFY2(state["data"].is_null(), bad.left(40).constData());
    }
}

void TestProjection::breakpoints()
{
    QFETCH(QByteArray, breakpoints);
    QFETCH(QList<int>, hits);
    std::vector<ProjectionBreakpoint> list;
    for (const Json &b : J(breakpoints)) {
        ProjectionBreakpoint bp;
        const std::string kind = b["kind"];
        bp.kind = kind == "type"     ? ProjectionBreakpoint::Kind::EventType
                  : kind == "stream" ? ProjectionBreakpoint::Kind::StreamPattern
                                     : ProjectionBreakpoint::Kind::Condition;
        bp.text = QString::fromStdString(b["text"].get<std::string>());
        bp.enabled = b.value("enabled", true);
        list.push_back(bp);
    }
    const Events input = breakpointEvents();

    Projection stepped(S(AccountScript));
    QVERIFY(stepped.isValid());
    QVERIFY(!stepped.setBreakpoints(list));
    QList<int> stepHits;
    for (size_t i = 0; i < input.size(); ++i) {
        const ProjectionStep s = stepped.step(input[i]);
        QVERIFY(!s.error);
        if (s.breakpointHit)
            stepHits.append(int(i) + 1);
    }
    QCOMPARE(stepHits, hits);

    Projection fed(S(AccountScript));
    QVERIFY(!fed.setBreakpoints(list));
    const std::span<const Event> all(input);
    QList<int> feedStops;
    qsizetype offset = 0;
    for (int guard = 0; guard < 20; ++guard) {
        const Projection::FeedResult r = fed.feed(all.subspan(size_t(offset)), true);
        QVERIFY(!r.error);
        offset += r.consumed;
        QCOMPARE(fed.position(), offset ? input[size_t(offset - 1)].position : 0);
        if (!r.breakpointHit) {
            QCOMPARE(offset, qsizetype(input.size()));
            break;
        }
        QVERIFY(r.consumed > 0);
        feedStops.append(int(offset));
        if (offset == qsizetype(input.size()))
            break;
    }
    QCOMPARE(feedStops, hits);
    COMPARE_DUMP(fed.states().dump(), stepped.states().dump());

    // Without stopAtBreakpoint, feed runs through.
    Projection through(S(AccountScript));
    QVERIFY(!through.setBreakpoints(list));
    QCOMPARE(through.feed(input).consumed, qsizetype(input.size()));
}

void TestProjection::breakpointConditionSyntaxError()
{
    Projection p(S(AccountScript));
    QVERIFY(p.isValid());
    const auto error = p.setBreakpoints({{ProjectionBreakpoint::Kind::Condition, QStringLiteral("state.balance <")},
                                         {ProjectionBreakpoint::Kind::EventType, QStringLiteral("Withdrawn")}});
    QVERIFY(error.has_value());
    QCOMPARE(error->kind, ProjectionError::Kind::Syntax);
    // No breakpoint was set, not even the valid one.
    const Events input = breakpointEvents();
    const Projection::FeedResult r = p.feed(input, true);
    QCOMPARE(r.consumed, qsizetype(input.size()));
    QVERIFY(!r.breakpointHit);
}

void TestProjection::breakpointsCanBeCleared()
{
    Projection p(S(AccountScript));
    QVERIFY(!p.setBreakpoints({{ProjectionBreakpoint::Kind::EventType, QStringLiteral("Placed")}}));
    const Events input = breakpointEvents();
    const std::span<const Event> all(input);
    Projection::FeedResult r = p.feed(all, true);
    QVERIFY(r.breakpointHit);
    QCOMPARE(r.consumed, 2);
    QVERIFY(!p.setBreakpoints({}));
    r = p.feed(all.subspan(2), true);
    QVERIFY(!r.breakpointHit);
    QCOMPARE(r.consumed, qsizetype(input.size() - 2));
}

void TestProjection::applyIsOutsideTheRun()
{
    Projection p(S(AccountScript));
    QVERIFY(p.isValid());
    const Events input = breakpointEvents();
    QCOMPARE(p.feed(std::span<const Event>(input).first(3)).consumed, 3);
    const Json before = runJson(p);

    // input[3]: account-1 Withdrawn 20
    COMPARE_JSON(p.apply(Json({{"balance", 100}}), input[3]), Json({{"balance", 80}}));
    COMPARE_JSON(p.apply(Json({{"balance", 1}, {"owner", "ann"}}), input[0]), Json({{"balance", 11}, {"owner", "ann"}}));
    COMPARE_DUMP(runJson(p).dump(), before.dump());

    // The run goes on as if apply() had not been called.
    p.feed(std::span<const Event>(input).subspan(3));
    Projection reference(S(AccountScript));
    reference.feed(input);
    COMPARE_DUMP(runJson(p).dump(), runJson(reference).dump());

    // Replacing and non-object states.
    Projection counter(S(R"JS(fromAll().foreachStream().when({
    $init: function () { return 0; },
    Add: function (s, e) { return s + e.data.n; },
    Wrap: function (s, e) { return { was: s, partition: e.partition }; }
});)JS"));
    QVERIFY(counter.isValid());
    const Events add = events({{"c-1", "Add", R"({"n":4})"}, {"c-9", "Wrap"}});
    COMPARE_JSON(counter.apply(Json(3), add[0]), Json(7));
    COMPARE_JSON(counter.apply(Json(5), add[1]), Json({{"was", 5}, {"partition", "c-9"}}));
    QCOMPARE(counter.position(), 0);
    QVERIFY(counter.partitions().isEmpty());
}

void TestProjection::applySkipsAndErrors()
{
    Projection p(S(R"JS(fromCategory('account').when({
    Deposited: function (s, e) { s.balance += e.data.amount; },
    Fail: function (s, e) { throw new Error('no way'); }
});)JS"));
    QVERIFY(p.isValid());
    const Events input = events({{"account-1", "Renamed"},
                                 {"order-1", "Deposited", R"({"amount":1})"},
                                 {"account-1", "Deposited", "garbage", "{}", false},
                                 {"account-1", "Fail"},
                                 {"account-1", "Deposited", R"({"amount":2})"}});
    const Json state = {{"balance", 10}};
    COMPARE_JSON(p.apply(state, input[0]), state); // unhandled
    COMPARE_JSON(p.apply(state, input[1]), state); // not selected
    COMPARE_JSON(p.apply(state, input[2]), state); // non-JSON
    bool thrown = false;
    try {
        p.apply(state, input[3]);
    } catch (const StateError &error) {
        thrown = true;
        QVERIFY2(error.message().contains(QStringLiteral("no way")), qPrintable(error.message()));
    }
    QVERIFY(thrown);
    // Still usable after the error.
    COMPARE_JSON(p.apply(state, input[4]), Json({{"balance", 12}}));
    QCOMPARE(p.eventCount(), 0);
    QVERIFY(p.emitted().empty());
}

void TestProjection::checkStatic()
{
    QVERIFY(!Projection::check(S(AccountScript)).has_value());
    const auto syntax = Projection::check(S("fromAll().when({\n  $any: function (s, e) { s.n = ; }\n});"));
    QVERIFY(syntax.has_value());
    QCOMPARE(syntax->kind, ProjectionError::Kind::Syntax);
    QCOMPARE(syntax->line, 2);
    QVERIFY(syntax->column > 0);
    const auto definition = Projection::check(S("fromAll();"));
    QVERIFY(definition.has_value());
    QCOMPARE(definition->kind, ProjectionError::Kind::Definition);
    const auto option = Projection::check(S("options({ nope: true }); fromAll().when({ $any: function () {} });"));
    QVERIFY(option.has_value());
    QCOMPARE(option->kind, ProjectionError::Kind::Definition);

    // The projection's own error is the same one.
    Projection p(S("fromAll().when({\n  $any: function (s, e) { s.n = ; }\n});"), QStringLiteral("bad.js"));
    QVERIFY(!p.isValid());
    QCOMPARE(p.error()->kind, ProjectionError::Kind::Syntax);
    QCOMPARE(p.error()->line, 2);
    QCOMPARE(p.error()->column, syntax->column);
    QCOMPARE(p.script(), S("fromAll().when({\n  $any: function (s, e) { s.n = ; }\n});"));
    QCOMPARE(p.fileName(), QStringLiteral("bad.js"));
}

void TestProjection::definitionHelpers()
{
    Projection p(S(R"JS(fromCategory('account', 'order').when({
    $init: function () { return {}; },
    Deposited: function (s, e) {}
});)JS"));
    QVERIFY(p.isValid());
    const ProjectionDefinition &d = p.definition();
    QVERIFY(d.handles(QStringLiteral("Deposited")));
    QVERIFY(!d.handles(QStringLiteral("Withdrawn")));
    QVERIFY(d.selects(QStringLiteral("account-1")));
    QVERIFY(d.selects(QStringLiteral("order-7")));
    QVERIFY(!d.selects(QStringLiteral("cart-1")));
    QVERIFY(!d.isPartitioned());
    QVERIFY(!d.hasResult());

    Projection any(S(R"JS(fromStreams('a-1', 'b-1').foreachStream().when({ $any: function (s, e) {} }).outputState();)JS"));
    QVERIFY(any.isValid());
    QVERIFY(any.definition().handles(QStringLiteral("Whatever")));
    QVERIFY(any.definition().selects(QStringLiteral("a-1")));
    QVERIFY(!any.definition().selects(QStringLiteral("a-2")));
    QVERIFY(any.definition().isPartitioned());
    QVERIFY(any.definition().hasResult());

    Projection matching(S(R"JS(fromStreamsMatching(function (s) { return false; }).when({ $any: function (s, e) {} });)JS"));
    QVERIFY(matching.isValid());
    QVERIFY(matching.definition().selects(QStringLiteral("anything")));
}

void TestProjection::errorTexts()
{
    QCOMPARE(ProjectionError::kindName(ProjectionError::Kind::Syntax), QStringLiteral("syntax"));
    QCOMPARE(ProjectionError::kindName(ProjectionError::Kind::Definition), QStringLiteral("definition"));
    QCOMPARE(ProjectionError::kindName(ProjectionError::Kind::Runtime), QStringLiteral("runtime"));
    QCOMPARE(ProjectionError::kindName(ProjectionError::Kind::Timeout), QStringLiteral("timeout"));
    ProjectionError syntax{ProjectionError::Kind::Syntax, QStringLiteral("Unexpected token `}'"), 3, 7, 0};
    QCOMPARE(syntax.toString(), QStringLiteral("syntax error at line 3, column 7: Unexpected token `}'"));
    ProjectionError runtime{ProjectionError::Kind::Runtime, QStringLiteral("TypeError: x"), 4, 9, 17};
    QCOMPARE(runtime.toString(), QStringLiteral("runtime error at position 17 (line 4, column 9): TypeError: x"));

    QCOMPARE(skipReasonText(SkipReason::None), QString());
    QCOMPARE(skipReasonText(SkipReason::NotSelected), QStringLiteral("not selected"));
    QCOMPARE(skipReasonText(SkipReason::NonJson), QStringLiteral("non-JSON"));
    QCOMPARE(skipReasonText(SkipReason::Unhandled), QStringLiteral("unhandled"));
    QCOMPARE(skipReasonText(SkipReason::NoPartition), QStringLiteral("no partition"));
    QCOMPARE(skipReasonKey(SkipReason::None), QString());
    QCOMPARE(skipReasonKey(SkipReason::NotSelected), QStringLiteral("notSelected"));
    QCOMPARE(skipReasonKey(SkipReason::NonJson), QStringLiteral("nonJson"));
    QCOMPARE(skipReasonKey(SkipReason::Unhandled), QStringLiteral("unhandled"));
    QCOMPARE(skipReasonKey(SkipReason::NoPartition), QStringLiteral("noPartition"));

    EmittedEvent link;
    link.stream = QStringLiteral("s");
    link.type = QStringLiteral("$>");
    link.data = "0@a-1";
    link.metadata = Json::object();
    QVERIFY(link.isLink());
    COMPARE_DUMP(link.toJson().dump(), std::string(R"({"stream":"s","type":"$>","data":"0@a-1","metadata":{}})"));

    // A real runtime error names the position, line and message.
    Projection p(S(AccountScript));
    const Events input = events({{"account-1", "Fail", "{}", "{}", true, 42}});
    const ProjectionStep s = p.step(input[0]);
    QVERIFY(s.error.has_value());
    QVERIFY2(s.error->toString().startsWith(QStringLiteral("runtime error at position 42 (line 5")),
             qPrintable(s.error->toString()));
    QVERIFY(s.error->toString().contains(QStringLiteral("failed on purpose")));
}

// The bundled examples compile and give the expected figures on a handful of demo-like events.
void TestProjection::bundledExamples()
{
    const QString dir = QStringLiteral(EVENTLENS_TEST_DATA "/../../resources/projections/");
    auto load = [&](const char *name) {
        QFile f(dir + QLatin1String(name));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    };
    const Events input = events({
        {"account-1", "AccountOpened", R"({"owner":"ann","currency":"EUR"})"},
        {"account-1", "Deposited", R"({"amount":10.25,"currency":"EUR","source":"cash"})"},
        {"order-1", "OrderPlaced", R"({})"},
        {"account-1", "Withdrawn", R"({"amount":0.1})"},
        {"order-1", "OrderPaid", R"({})"},
        {"order-2", "OrderPlaced", R"({})"},
        {"order-2", "OrderCancelled", R"({})"},
        {"account-1", "AccountClosed", R"({})"},
    });

    Projection balances(load("account-balances.js"), QStringLiteral("account-balances.js"));
    QVERIFY2(balances.isValid(), balances.error() ? qPrintable(balances.error()->toString()) : "no script");
    QCOMPARE(balances.feed(input).consumed, qsizetype(input.size()));
    COMPARE_DUMP(balances.states().dump(),
             Json::parse(R"({"account-1":{"owner":"ann","currency":"EUR","balance":1015,"deposits":1,"withdrawals":1,"open":false}})").dump());

    Projection orders(load("orders-by-status.js"), QStringLiteral("orders-by-status.js"));
    QVERIFY(orders.isValid());
    orders.feed(input);
    COMPARE_DUMP(orders.result().dump(), Json::parse(R"({"placed":0,"paid":1,"shipped":0,"cancelled":1})").dump());

    Projection counts(load("event-counts.js"), QStringLiteral("event-counts.js"));
    QVERIFY(counts.isValid());
    counts.feed(input);
    COMPARE_DUMP(counts.state().dump(),
             Json::parse(R"({"total":8,"AccountOpened":1,"Deposited":1,"OrderPlaced":2,"Withdrawn":1,"OrderPaid":1,"OrderCancelled":1,"AccountClosed":1})").dump());
}

QTEST_GUILESS_MAIN(TestProjection)
#include "tst_projection.moc"

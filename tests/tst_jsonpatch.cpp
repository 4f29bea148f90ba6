#include "jsonpatch.h"

#include <QTest>

#include <iterator>
#include <random>
#include <string>

using namespace eventlens;
using Json = nlohmann::ordered_json;

namespace {

Json J(const QByteArray &text)
{
    return Json::parse(text.constBegin(), text.constEnd());
}

std::string dump(const Json &value)
{
    return value.dump();
}

std::string mismatch(const Json &actual, const Json &expected)
{
    return "\n   actual: " + dump(actual) + "\n expected: " + dump(expected);
}

} // namespace

// JSON equality (members in any order) with both values in the failure message.
#define COMPARE_JSON(actual, expected)                                                             \
    do {                                                                                           \
        const Json actual_ = (actual);                                                             \
        const Json expected_ = (expected);                                                         \
        QVERIFY2(JsonPatch::equal(actual_, expected_), mismatch(actual_, expected_).c_str());      \
    } while (false)

// Exact equality, member order included.
#define COMPARE_DUMP(actual, expected)                                                             \
    do {                                                                                           \
        const Json actual_ = (actual);                                                             \
        const Json expected_ = (expected);                                                         \
        QVERIFY2(dump(actual_) == dump(expected_), mismatch(actual_, expected_).c_str());          \
    } while (false)

class TestJsonPatch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mergePatchRfcAppendix_data();
    void mergePatchRfcAppendix();
    void mergePatchRfcExample();
    void mergePatchInPlaceKeepsOrder();

    void roundTrip_data();
    void roundTrip();
    void minimalPatches_data();
    void minimalPatches();
    void changesList();
    void randomRoundTrips();

    void applyRfcAppendix_data();
    void applyRfcAppendix();
    void applyErrors_data();
    void applyErrors();
    void applyLeavesInputAlone();

    void equality();
    void pointers();
};

// ---------------------------------------------------------------------------------------------
// RFC 7386

void TestJsonPatch::mergePatchRfcAppendix_data()
{
    QTest::addColumn<QByteArray>("original");
    QTest::addColumn<QByteArray>("patch");
    QTest::addColumn<QByteArray>("result");
    // RFC 7386, Appendix A, every row.
    QTest::newRow("1") << QByteArray(R"({"a":"b"})") << QByteArray(R"({"a":"c"})") << QByteArray(R"({"a":"c"})");
    QTest::newRow("2") << QByteArray(R"({"a":"b"})") << QByteArray(R"({"b":"c"})") << QByteArray(R"({"a":"b","b":"c"})");
    QTest::newRow("3") << QByteArray(R"({"a":"b"})") << QByteArray(R"({"a":null})") << QByteArray(R"({})");
    QTest::newRow("4") << QByteArray(R"({"a":"b","b":"c"})") << QByteArray(R"({"a":null})") << QByteArray(R"({"b":"c"})");
    QTest::newRow("5") << QByteArray(R"({"a":["b"]})") << QByteArray(R"({"a":"c"})") << QByteArray(R"({"a":"c"})");
    QTest::newRow("6") << QByteArray(R"({"a":"c"})") << QByteArray(R"({"a":["b"]})") << QByteArray(R"({"a":["b"]})");
    QTest::newRow("7") << QByteArray(R"({"a":{"b":"c"}})") << QByteArray(R"({"a":{"b":"d","c":null}})") << QByteArray(R"({"a":{"b":"d"}})");
    QTest::newRow("8") << QByteArray(R"({"a":[{"b":"c"}]})") << QByteArray(R"({"a":[1]})") << QByteArray(R"({"a":[1]})");
    QTest::newRow("9") << QByteArray(R"(["a","b"])") << QByteArray(R"(["c","d"])") << QByteArray(R"(["c","d"])");
    QTest::newRow("10") << QByteArray(R"({"a":"b"})") << QByteArray(R"(["c"])") << QByteArray(R"(["c"])");
    QTest::newRow("11") << QByteArray(R"({"a":"foo"})") << QByteArray("null") << QByteArray("null");
    QTest::newRow("12") << QByteArray(R"({"a":"foo"})") << QByteArray(R"("bar")") << QByteArray(R"("bar")");
    QTest::newRow("13") << QByteArray(R"({"e":null})") << QByteArray(R"({"a":1})") << QByteArray(R"({"e":null,"a":1})");
    QTest::newRow("14") << QByteArray(R"([1,2])") << QByteArray(R"({"a":"b","c":null})") << QByteArray(R"({"a":"b"})");
    QTest::newRow("15") << QByteArray(R"({})") << QByteArray(R"({"a":{"bb":{"ccc":null}}})") << QByteArray(R"({"a":{"bb":{}}})");
}

void TestJsonPatch::mergePatchRfcAppendix()
{
    QFETCH(QByteArray, original);
    QFETCH(QByteArray, patch);
    QFETCH(QByteArray, result);
    COMPARE_DUMP(JsonPatch::mergePatch(J(original), J(patch)), J(result));
    Json inPlace = J(original);
    JsonPatch::mergePatchInPlace(inPlace, J(patch));
    COMPARE_DUMP(inPlace, J(result));
}

void TestJsonPatch::mergePatchRfcExample()
{
    // RFC 7386, section 3.
    const Json target = J(R"({"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},
                              "tags":["example","sample"],"content":"This will be unchanged"})");
    const Json patch = J(R"({"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]})");
    COMPARE_DUMP(JsonPatch::mergePatch(target, patch),
                 J(R"({"title":"Hello!","author":{"givenName":"John"},"tags":["example"],
                       "content":"This will be unchanged","phoneNumber":"+01-123-456-7890"})"));
}

void TestJsonPatch::mergePatchInPlaceKeepsOrder()
{
    Json state = J(R"({"z":1,"a":{"y":1,"b":2},"m":3})");
    JsonPatch::mergePatchInPlace(state, J(R"({"a":{"b":20,"new":true},"z":null,"k":"v"})"));
    COMPARE_DUMP(state, J(R"({"a":{"y":1,"b":20,"new":true},"m":3,"k":"v"})"));
    // A non-object member replaces an object member whole, and an object replaces a scalar.
    JsonPatch::mergePatchInPlace(state, J(R"({"a":5,"m":{"x":null,"y":1}})"));
    COMPARE_DUMP(state, J(R"({"a":5,"m":{"y":1},"k":"v"})"));
}

// ---------------------------------------------------------------------------------------------
// RFC 6902 diff + apply

void TestJsonPatch::roundTrip_data()
{
    QTest::addColumn<QByteArray>("before");
    QTest::addColumn<QByteArray>("after");
    const auto row = [](const char *name, const char *before, const char *after) {
        QTest::newRow(name) << QByteArray(before) << QByteArray(after);
    };
    row("equal", R"({"a":1,"b":[1,2,{"c":null}]})", R"({"a":1,"b":[1,2,{"c":null}]})");
    row("scalar", "1", "2");
    row("root type", R"({"a":1})", R"([1])");
    row("root null", R"({"a":1})", "null");
    row("member changed", R"({"a":1,"b":2})", R"({"a":1,"b":3})");
    row("member added", R"({"a":1})", R"({"a":1,"b":{"c":[1]}})");
    row("member removed", R"({"a":1,"b":2})", R"({"b":2})");
    row("nested", R"({"a":{"b":{"c":{"d":1,"e":2}},"f":[1]}})", R"({"a":{"b":{"c":{"d":1,"e":3,"g":4}},"f":[1]}})");
    row("nested removal", R"({"a":{"b":{"c":1,"d":2}}})", R"({"a":{"b":{"d":2}}})");
    row("array append", R"({"l":[1,2]})", R"({"l":[1,2,3,4]})");
    row("array truncate", R"({"l":[1,2,3,4]})", R"({"l":[1]})");
    row("array prepend", R"([1,2,3])", R"([0,1,2,3])");
    row("array insert middle", R"([1,2,3])", R"([1,9,8,2,3])");
    row("array remove middle", R"([1,2,3,4,5])", R"([1,5])");
    row("array change in place", R"([1,2,3])", R"([1,20,3])");
    row("array replaced", R"([1,2,3])", R"(["x","y"])");
    row("array of objects", R"({"items":[{"sku":"a","qty":1},{"sku":"b","qty":1}]})", R"({"items":[{"sku":"a","qty":1},{"sku":"b","qty":2}]})");
    row("array empty to full", R"([])", R"([[1],{"a":null}])");
    row("array full to empty", R"([[1],{"a":null}])", R"([])");
    row("array reversed", R"([1,2,3,4])", R"([4,3,2,1])");
    row("array repeated values", R"([1,1,1,2,1,1])", R"([1,1,2,1])");
    row("nested arrays", R"([[1,2],[3,[4,5]]])", R"([[1,2],[3,[4,6,7]]])");
    row("escaping", R"({"a/b":1,"m~n":2,"":3,"~1":4,"x":{"/":{"~":5}}})", R"({"a/b":10,"m~n":20,"":30,"~1":40,"x":{"/":{"~":50}}})");
    row("escaping add remove", R"({"a/b":1,"~0":{}})", R"({"~0":{"/~/":[]},"c~/d":true})");
    row("number to string", R"({"a":1})", R"({"a":"1"})");
    row("object to array", R"({"a":{"b":1}})", R"({"a":[{"b":1}]})");
    row("array to object", R"({"a":[1]})", R"({"a":{"0":1}})");
    row("string to object", R"({"a":"x"})", R"({"a":{"x":null}})");
    row("bool flip", R"({"a":true})", R"({"a":false})");
    row("null to value", R"({"a":null})", R"({"a":{"b":null}})");
    row("value to null", R"({"a":{"b":1}})", R"({"a":null})");
    row("null member added", R"({})", R"({"a":null})");
    row("null member removed", R"({"a":null})", R"({})");
    row("unicode keys", R"({"clé":"é","日本":[1]})", R"({"clé":"è","日本":[1,2],"😀":0})");
    row("integer to float", R"({"a":1})", R"({"a":1.5})");
    row("big object", R"({"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17})",
        R"({"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":70,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k18":18})");
}

void TestJsonPatch::roundTrip()
{
    QFETCH(QByteArray, before);
    QFETCH(QByteArray, after);
    const Json a = J(before);
    const Json b = J(after);
    const Json forward = JsonPatch::diff(a, b);
    QVERIFY(forward.is_array());
    COMPARE_JSON(JsonPatch::apply(a, forward), b);
    // Applied in order, the patch gives b with its member order too (additions are appended).
    COMPARE_DUMP(JsonPatch::apply(a, forward), b);
    const Json backward = JsonPatch::diff(b, a);
    COMPARE_JSON(JsonPatch::apply(b, backward), a);
    QCOMPARE(forward.empty(), JsonPatch::equal(a, b));
    // Only the three operations of a diff, each with a string path.
    for (const Json &op : forward) {
        const std::string name = op.at("op").get<std::string>();
        QVERIFY(name == "add" || name == "remove" || name == "replace");
        QVERIFY(op.at("path").is_string());
        QCOMPARE(op.contains("value"), name != "remove");
    }
}

void TestJsonPatch::minimalPatches_data()
{
    QTest::addColumn<QByteArray>("before");
    QTest::addColumn<QByteArray>("after");
    QTest::addColumn<QByteArray>("patch");
    const auto row = [](const char *name, const char *before, const char *after, const char *patch) {
        QTest::newRow(name) << QByteArray(before) << QByteArray(after) << QByteArray(patch);
    };
    row("equal", R"({"a":[1,{"b":2}]})", R"({"a":[1,{"b":2}]})", "[]");
    row("members in another order are equal", R"({"a":1,"b":2})", R"({"b":2,"a":1})", "[]");
    row("int and float equal", R"({"a":1})", R"({"a":1.0})", "[]");
    row("one deep member", R"({"a":{"b":{"c":1,"d":2},"e":3}})", R"({"a":{"b":{"c":1,"d":5},"e":3}})",
        R"([{"op":"replace","path":"/a/b/d","value":5}])");
    row("removed, changed, added", R"({"x":1,"y":2,"z":3})", R"({"y":2,"z":4,"w":5})",
        R"([{"op":"remove","path":"/x"},{"op":"replace","path":"/z","value":4},{"op":"add","path":"/w","value":5}])");
    row("append", R"({"l":[1,2]})", R"({"l":[1,2,3]})", R"([{"op":"add","path":"/l/2","value":3}])");
    row("prepend", R"([1,2])", R"([0,1,2])", R"([{"op":"add","path":"/0","value":0}])");
    row("insert", R"([1,2,4])", R"([1,2,3,4])", R"([{"op":"add","path":"/2","value":3}])");
    row("remove middle", R"([1,2,3])", R"([1,3])", R"([{"op":"remove","path":"/1"}])");
    row("remove tail, highest first", R"([1,2,3,4])", R"([1,2])",
        R"([{"op":"remove","path":"/3"},{"op":"remove","path":"/2"}])");
    row("add two", R"([1])", R"([1,2,3])", R"([{"op":"add","path":"/1","value":2},{"op":"add","path":"/2","value":3}])");
    row("element member", R"({"items":[{"sku":"a","qty":1},{"sku":"b","qty":1}]})",
        R"({"items":[{"sku":"a","qty":1},{"sku":"b","qty":2}]})", R"([{"op":"replace","path":"/items/1/qty","value":2}])");
    row("pairs then surplus", R"([1,2,3])", R"([7,8])",
        R"([{"op":"replace","path":"/0","value":7},{"op":"replace","path":"/1","value":8},{"op":"remove","path":"/2"}])");
    row("escaped paths", R"({"a/b":{"m~n":1}})", R"({"a/b":{"m~n":2}})", R"([{"op":"replace","path":"/a~1b/m~0n","value":2}])");
    row("empty key", R"({"":1})", R"({"":2})", R"([{"op":"replace","path":"/","value":2}])");
    row("type change replaces", R"({"a":{"b":1}})", R"({"a":[1]})", R"([{"op":"replace","path":"/a","value":[1]}])");
    row("root replaced", R"({"a":1})", R"("x")", R"([{"op":"replace","path":"","value":"x"}])");
    row("to null", R"({"a":1})", R"({"a":null})", R"([{"op":"replace","path":"/a","value":null}])");
    row("null added", R"({})", R"({"a":null})", R"([{"op":"add","path":"/a","value":null}])");
}

void TestJsonPatch::minimalPatches()
{
    QFETCH(QByteArray, before);
    QFETCH(QByteArray, after);
    QFETCH(QByteArray, patch);
    const Json p = JsonPatch::diff(J(before), J(after));
    COMPARE_DUMP(p, J(patch));
    COMPARE_JSON(JsonPatch::apply(J(before), p), J(after));
}

void TestJsonPatch::changesList()
{
    const Json before = J(R"({"name":"Ann","address":{"city":"Oslo","zip":"0150"},"tags":["a","b","c"],"old":true})");
    const Json after = J(R"({"name":"Ann","address":{"city":"Bergen","zip":"0150"},"tags":["a","c"],"x/y":{"n":1}})");
    std::vector<JsonChange> fromDiff;
    const Json patch = JsonPatch::diff(before, after, &fromDiff);
    const std::vector<JsonChange> changes = JsonPatch::changes(before, after);
    QCOMPARE(changes.size(), size_t(4));
    QVERIFY(changes == fromDiff);
    QCOMPARE(patch.size(), changes.size());

    QCOMPARE(changes[0].kind, JsonChange::Kind::Removed);
    QCOMPARE(changes[0].path, QStringLiteral("/old"));
    QCOMPARE(changes[0].tokens, QStringList{QStringLiteral("old")});
    COMPARE_JSON(changes[0].oldValue, Json(true));
    QVERIFY(changes[0].newValue.is_null());

    QCOMPARE(changes[1].kind, JsonChange::Kind::Changed);
    QCOMPARE(changes[1].path, QStringLiteral("/address/city"));
    QCOMPARE(changes[1].tokens, (QStringList{QStringLiteral("address"), QStringLiteral("city")}));
    COMPARE_JSON(changes[1].oldValue, Json("Oslo"));
    COMPARE_JSON(changes[1].newValue, Json("Bergen"));

    QCOMPARE(changes[2].kind, JsonChange::Kind::Removed);
    QCOMPARE(changes[2].path, QStringLiteral("/tags/1"));
    QCOMPARE(changes[2].tokens, (QStringList{QStringLiteral("tags"), QStringLiteral("1")}));
    COMPARE_JSON(changes[2].oldValue, Json("b"));

    QCOMPARE(changes[3].kind, JsonChange::Kind::Added);
    QCOMPARE(changes[3].path, QStringLiteral("/x~1y"));
    QCOMPARE(changes[3].tokens, QStringList{QStringLiteral("x/y")});
    COMPARE_JSON(changes[3].newValue, J(R"({"n":1})"));
    QVERIFY(changes[3].oldValue.is_null());

    // Each change's path matches its patch operation.
    for (size_t i = 0; i < changes.size(); ++i)
        QCOMPARE(QString::fromStdString(patch[i].at("path").get<std::string>()), changes[i].path);

    QVERIFY(JsonPatch::changes(before, before).empty());
    const auto root = JsonPatch::changes(J("[1]"), J("{}"));
    QCOMPARE(root.size(), size_t(1));
    QCOMPARE(root[0].kind, JsonChange::Kind::Changed);
    QCOMPARE(root[0].path, QString());
    QVERIFY(root[0].tokens.isEmpty());
}

namespace {

// A random JSON value, at most `depth` levels deep, with awkward keys.
Json randomJson(std::mt19937 &rng, int depth)
{
    static const char *const keys[] = {"a", "b", "c", "a/b", "m~n", "", "~1", "long key", "é"};
    const int kind = int(rng() % (depth > 0 ? 7 : 5));
    switch (kind) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return int(rng() % 5);
    case 3: return double(rng() % 7) / 2.0;
    case 4: return std::string(1, char('p' + rng() % 4));
    case 5: {
        Json object = Json::object();
        const int n = int(rng() % 5);
        for (int i = 0; i < n; ++i)
            object[keys[rng() % std::size(keys)]] = randomJson(rng, depth - 1);
        return object;
    }
    default: {
        Json array = Json::array();
        const int n = int(rng() % 6);
        for (int i = 0; i < n; ++i)
            array.push_back(randomJson(rng, depth - 1));
        return array;
    }
    }
}

// A copy of `value` with a few random edits (so the two share structure, as states do).
Json mutate(std::mt19937 &rng, const Json &value, int depth)
{
    if (rng() % 6 == 0)
        return randomJson(rng, depth);
    if (value.is_object()) {
        Json result = Json::object();
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (rng() % 5 != 0)
                result[it.key()] = rng() % 3 == 0 ? mutate(rng, it.value(), depth - 1) : it.value();
        }
        if (rng() % 3 == 0)
            result["added"] = randomJson(rng, depth - 1);
        return result;
    }
    if (value.is_array()) {
        Json result = Json::array();
        for (const Json &element : value) {
            if (rng() % 6 == 0)
                result.push_back(randomJson(rng, depth - 1));
            if (rng() % 5 != 0)
                result.push_back(rng() % 3 == 0 ? mutate(rng, element, depth - 1) : element);
        }
        if (rng() % 3 == 0)
            result.push_back(randomJson(rng, depth - 1));
        return result;
    }
    return value;
}

} // namespace

void TestJsonPatch::randomRoundTrips()
{
    std::mt19937 rng(20240601);
    for (int i = 0; i < 3000; ++i) {
        const Json before = randomJson(rng, 4);
        const Json after = mutate(rng, before, 4);
        std::vector<JsonChange> changes;
        const Json patch = JsonPatch::diff(before, after, &changes);
        const Json applied = JsonPatch::apply(before, patch);
        QVERIFY2(JsonPatch::equal(applied, after), (mismatch(applied, after) + "\n before: " + dump(before) + "\n patch: " + dump(patch)).c_str());
        QCOMPARE(changes.size(), patch.size());
        QCOMPARE(patch.empty(), JsonPatch::equal(before, after));
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 6902 apply

void TestJsonPatch::applyRfcAppendix_data()
{
    QTest::addColumn<QByteArray>("doc");
    QTest::addColumn<QByteArray>("patch");
    QTest::addColumn<QByteArray>("result");
    const auto row = [](const char *name, const char *doc, const char *patch, const char *result) {
        QTest::newRow(name) << QByteArray(doc) << QByteArray(patch) << QByteArray(result);
    };
    // RFC 6902, Appendix A (the examples that succeed).
    row("A.1 add member", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])", R"({"foo":"bar","baz":"qux"})");
    row("A.2 add element", R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])", R"({"foo":["bar","qux","baz"]})");
    row("A.3 remove member", R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])", R"({"foo":"bar"})");
    row("A.4 remove element", R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])", R"({"foo":["bar","baz"]})");
    row("A.5 replace", R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])", R"({"baz":"boo","foo":"bar"})");
    row("A.6 move member", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
        R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])", R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})");
    row("A.7 move element", R"({"foo":["all","grass","cows","eat"]})", R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
        R"({"foo":["all","cows","eat","grass"]})");
    row("A.8 test", R"({"baz":"qux","foo":["a",2,"c"]})", R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
        R"({"baz":"qux","foo":["a",2,"c"]})");
    row("A.10 add nested", R"({"foo":"bar"})", R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
        R"({"foo":"bar","child":{"grandchild":{}}})");
    row("A.11 unknown members ignored", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])",
        R"({"foo":"bar","baz":"qux"})");
    row("A.14 escape ordering", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])", R"({"/":9,"~1":10})");
    row("A.16 add array value", R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
        R"({"foo":["bar",["abc","def"]]})");
    // More.
    row("copy", R"({"a":{"b":[1]}})", R"([{"op":"copy","from":"/a/b","path":"/c"},{"op":"add","path":"/c/-","value":2}])",
        R"({"a":{"b":[1]},"c":[1,2]})");
    row("move to same place", R"({"a":1})", R"([{"op":"move","from":"/a","path":"/a"}])", R"({"a":1})");
    row("add replaces member in place", R"({"a":1,"b":2})", R"([{"op":"add","path":"/a","value":3}])", R"({"a":3,"b":2})");
    row("replace root", R"({"a":1})", R"([{"op":"replace","path":"","value":[1]}])", "[1]");
    row("add root", R"({"a":1})", R"([{"op":"add","path":"","value":{"b":2}}])", R"({"b":2})");
    row("test object any order", R"({"a":{"x":1,"y":[1,{"z":2}]}})", R"([{"op":"test","path":"/a","value":{"y":[1,{"z":2.0}],"x":1}}])",
        R"({"a":{"x":1,"y":[1,{"z":2}]}})");
    row("empty key", R"({"":{"":1}})", R"([{"op":"replace","path":"//","value":2}])", R"({"":{"":2}})");
    row("append at length", R"([1,2])", R"([{"op":"add","path":"/2","value":3}])", "[1,2,3]");
    row("empty patch", R"({"a":1})", "[]", R"({"a":1})");
}

void TestJsonPatch::applyRfcAppendix()
{
    QFETCH(QByteArray, doc);
    QFETCH(QByteArray, patch);
    QFETCH(QByteArray, result);
    COMPARE_DUMP(JsonPatch::apply(J(doc), J(patch)), J(result));
}

void TestJsonPatch::applyErrors_data()
{
    QTest::addColumn<QByteArray>("doc");
    QTest::addColumn<QByteArray>("patch");
    QTest::addColumn<int>("opIndex");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("message");
    const auto row = [](const char *name, const char *doc, const char *patch, int op, const char *path, const char *message) {
        QTest::newRow(name) << QByteArray(doc) << QByteArray(patch) << op << QString::fromUtf8(path) << QString::fromUtf8(message);
    };
    row("A.9 test fails", R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])", 0, "/baz",
        R"(JSON Patch operation 0 (test) at '/baz': test failed: the value is "qux", expected "bar")");
    row("A.12 add to missing parent", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])", 0, "/baz/bat",
        R"(JSON Patch operation 0 (add) at '/baz/bat': no member 'baz' in the object at '')");
    row("A.15 string is not number", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":"10"}])", 0, "/~01",
        R"(JSON Patch operation 0 (test) at '/~01': test failed: the value is 10, expected "10")");
    row("second op fails", R"({"a":{"b":1}})", R"([{"op":"remove","path":"/a/b"},{"op":"remove","path":"/a/b"}])", 1, "/a/b",
        R"(JSON Patch operation 1 (remove) at '/a/b': no member 'b' in the object at '/a')");
    row("index out of range", R"({"l":[1,2]})", R"([{"op":"replace","path":"/l/2","value":0}])", 0, "/l/2",
        R"(JSON Patch operation 0 (replace) at '/l/2': index 2 is out of range (the array at '/l' has 2 elements))");
    row("add past the end", R"({"l":[1,2]})", R"([{"op":"add","path":"/l/3","value":0}])", 0, "/l/3",
        R"(JSON Patch operation 0 (add) at '/l/3': index 3 is out of range (the array at '/l' has 2 elements))");
    row("leading zero", R"({"l":[1,2]})", R"([{"op":"remove","path":"/l/01"}])", 0, "/l/01",
        R"(JSON Patch operation 0 (remove) at '/l/01': '01' is not an array index (at '/l'))");
    row("dash outside add", R"({"l":[1]})", R"([{"op":"remove","path":"/l/-"}])", 0, "/l/-",
        R"(JSON Patch operation 0 (remove) at '/l/-': '-' (past the end of the array at '/l') names no element)");
    row("into a scalar", R"({"a":1})", R"([{"op":"add","path":"/a/b","value":0}])", 0, "/a/b",
        R"(JSON Patch operation 0 (add) at '/a/b': the value at '/a' is a number, not an object or array)");
    row("unknown op", R"({})", R"([{"op":"merge","path":"/a"}])", 0, "/a",
        R"(JSON Patch operation 0 (merge) at '/a': unknown operation 'merge' (expected add, remove, replace, move, copy or test))");
    row("missing value", R"({})", R"([{"op":"add","path":"/a"}])", 0, "/a",
        R"(JSON Patch operation 0 (add) at '/a': missing member 'value')");
    row("missing path", R"({})", R"([{"op":"add","value":1}])", 0, "", R"(JSON Patch operation 0 (add) at '': missing member 'path')");
    row("missing op", R"({})", R"([{"path":"/a","value":1}])", 0, "/a", R"(JSON Patch operation 0 at '/a': missing member 'op')");
    row("bad pointer", R"({})", R"([{"op":"add","path":"a","value":1}])", 0, "a",
        R"(JSON Patch operation 0 (add) at 'a': 'path' is not a valid JSON Pointer (a): a JSON Pointer must be empty or start with '/')");
    row("bad escape", R"({})", R"([{"op":"add","path":"/a~2","value":1}])", 0, "/a~2",
        R"(JSON Patch operation 0 (add) at '/a~2': 'path' is not a valid JSON Pointer (/a~2): '~' must be followed by '0' or '1' in a JSON Pointer)");
    row("move into child", R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])", 0, "/a/b/c",
        R"(JSON Patch operation 0 (move) at '/a/b/c': cannot move '/a' into its own child)");
    row("missing from", R"({"a":1})", R"([{"op":"copy","from":"/x","path":"/b"}])", 0, "/b",
        R"(JSON Patch operation 0 (copy) at '/b': no member 'x' in the object at '')");
    row("remove root", R"({"a":1})", R"([{"op":"remove","path":""}])", 0, "",
        R"(JSON Patch operation 0 (remove) at '': the whole document cannot be removed)");
    row("op not an object", R"({})", R"([1])", 0, "", R"(JSON Patch operation 0 at '': an operation must be an object, not 1)");
    row("patch not an array", R"({})", R"({"op":"add"})", -1, "", R"(a JSON Patch must be an array of operations, not an object)");
}

void TestJsonPatch::applyErrors()
{
    QFETCH(QByteArray, doc);
    QFETCH(QByteArray, patch);
    QFETCH(int, opIndex);
    QFETCH(QString, path);
    QFETCH(QString, message);
    try {
        const Json result = JsonPatch::apply(J(doc), J(patch));
        QFAIL(("no error; result " + dump(result)).c_str());
    } catch (const JsonPatchError &e) {
        QCOMPARE(e.message(), message);
        QCOMPARE(e.opIndex(), opIndex);
        QCOMPARE(e.path(), path);
        QCOMPARE(QString::fromUtf8(e.what()), message);
    }
}

void TestJsonPatch::applyLeavesInputAlone()
{
    const Json doc = J(R"({"a":[1,2],"b":{"c":1}})");
    const Json copy = doc;
    // The first two operations succeed, the third fails: nothing of it reaches the input.
    QVERIFY_THROWS_EXCEPTION(JsonPatchError,
                             JsonPatch::apply(doc, J(R"([{"op":"remove","path":"/a/0"},{"op":"add","path":"/b/d","value":2},
                                                         {"op":"test","path":"/b/c","value":2}])")));
    COMPARE_DUMP(doc, copy);
}

void TestJsonPatch::equality()
{
    QVERIFY(JsonPatch::equal(J(R"({"a":1,"b":[1,{"c":2,"d":3}]})"), J(R"({"b":[1,{"d":3,"c":2}],"a":1})")));
    QVERIFY(JsonPatch::equal(J("1"), J("1.0")));
    QVERIFY(JsonPatch::equal(J("-1"), J("-1.0")));
    QVERIFY(!JsonPatch::equal(J("1"), J(R"("1")")));
    QVERIFY(!JsonPatch::equal(J("[1,2]"), J("[2,1]")));
    QVERIFY(!JsonPatch::equal(J(R"({"a":1})"), J(R"({"a":1,"b":null})")));
    QVERIFY(!JsonPatch::equal(J("null"), J("false")));
    QVERIFY(!JsonPatch::equal(J("{}"), J("[]")));
}

void TestJsonPatch::pointers()
{
    QCOMPARE(JsonPatch::parsePointer(QString()), QStringList());
    QCOMPARE(JsonPatch::parsePointer(QStringLiteral("/")), QStringList{QString()});
    QCOMPARE(JsonPatch::parsePointer(QStringLiteral("/a~1b/m~0n/~01/0")),
             (QStringList{QStringLiteral("a/b"), QStringLiteral("m~n"), QStringLiteral("~1"), QStringLiteral("0")}));
    QCOMPARE(JsonPatch::pointer({QStringLiteral("a/b"), QStringLiteral("m~n"), QStringLiteral("~1"), QString()}),
             QStringLiteral("/a~1b/m~0n/~01/"));
    QCOMPARE(JsonPatch::escapeToken(QStringLiteral("~/")), QStringLiteral("~0~1"));
    QCOMPARE(JsonPatch::pointer({}), QString());
    const QStringList tokens{QStringLiteral("é/"), QStringLiteral("~~"), QStringLiteral("x")};
    QCOMPARE(JsonPatch::parsePointer(JsonPatch::pointer(tokens)), tokens);
    QVERIFY_THROWS_EXCEPTION(JsonPatchError, JsonPatch::parsePointer(QStringLiteral("a")));
    QVERIFY_THROWS_EXCEPTION(JsonPatchError, JsonPatch::parsePointer(QStringLiteral("/a~")));
    QVERIFY_THROWS_EXCEPTION(JsonPatchError, JsonPatch::parsePointer(QStringLiteral("/a~x")));
}

QTEST_GUILESS_MAIN(TestJsonPatch)
#include "tst_jsonpatch.moc"

#include "jsontreemodel.h"

#include "modeltesting.h"

#include <QSignalSpy>
#include <QTest>

using namespace eventlens;

using Diff = JsonTreeModel::Diff;
using NodeType = JsonTreeModel::NodeType;

Q_DECLARE_METATYPE(JsonTreeModel::NodeType)

namespace {

using testing::attachTester;

// The node at a path of keys ("a", "[0]", ...) from the top level, by walking rows.
QModelIndex node(const QAbstractItemModel &model, const QStringList &keys)
{
    QModelIndex parent;
    for (const QString &key : keys) {
        QModelIndex found;
        for (int row = 0; row < model.rowCount(parent) && !found.isValid(); ++row) {
            const QModelIndex index = model.index(row, 0, parent);
            if (index.data(JsonTreeModel::KeyRole).toString() == key)
                found = index;
        }
        if (!found.isValid())
            return {};
        parent = found;
    }
    return parent;
}

QStringList keysOf(const QAbstractItemModel &model, const QModelIndex &parent = {})
{
    QStringList keys;
    for (int row = 0; row < model.rowCount(parent); ++row)
        keys.append(model.index(row, 0, parent).data(JsonTreeModel::KeyRole).toString());
    return keys;
}

Diff diffOf(const QModelIndex &index)
{
    return index.data(JsonTreeModel::DiffRole).value<Diff>();
}

NodeType typeOf(const QModelIndex &index)
{
    return index.data(JsonTreeModel::TypeRole).value<NodeType>();
}

QStringList pathsOf(const QModelIndexList &indexes)
{
    QStringList paths;
    for (const QModelIndex &index : indexes)
        paths.append(index.data(JsonTreeModel::PathRole).toString());
    return paths;
}

} // namespace

class TestJsonTreeModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyModel();
    void nestedDocumentKeepsOrder();
    void rolesAndColumns();
    void scalarDocuments();
    void pathsAreEscapedJsonPointers();
    void rawAndInvalidJson();
    void fromOrderedJson();
    void diffMarksAddedChangedAndRemoved();
    void diffRemovedPlacement();
    void diffTypeChangesAndMissingBefore();
    void diffArraysAndScalars();
    void findKeysAndValues();
    void matchOnKeysAndValues();
    void resetOnEveryUpdate();
    void largeDocument();
    void headerAndRoleNames();
};

void TestJsonTreeModel::emptyModel()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(JsonTreeModel::ColumnCount));
    QVERIFY(model.isEmpty());
    QVERIFY(model.isValidJson());
    QVERIFY(model.find(QStringLiteral("a")).isEmpty());
    QCOMPARE(model.documentJson(), QString());
    QVERIFY(!model.index(0, 0).isValid());

    model.setDocument(QByteArray("{}"));
    QCOMPARE(model.rowCount(), 0);
    model.setDocument(QByteArray("[]"));
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.documentJson(), QStringLiteral("[]"));
}

void TestJsonTreeModel::nestedDocumentKeepsOrder()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    model.setDocument(QByteArray(R"({"zeta": 1, "alpha": {"items": [{"sku": "A-1", "qty": 2}, {"sku": "B-2"}], "empty": {}}, "mid": [], "last": null})"));

    QCOMPARE(keysOf(model), (QStringList{QStringLiteral("zeta"), QStringLiteral("alpha"), QStringLiteral("mid"), QStringLiteral("last")}));
    const QModelIndex alpha = node(model, {QStringLiteral("alpha")});
    QCOMPARE(keysOf(model, alpha), (QStringList{QStringLiteral("items"), QStringLiteral("empty")}));
    const QModelIndex items = node(model, {QStringLiteral("alpha"), QStringLiteral("items")});
    QCOMPARE(keysOf(model, items), (QStringList{QStringLiteral("[0]"), QStringLiteral("[1]")}));
    const QModelIndex first = model.index(0, 0, items);
    QCOMPARE(keysOf(model, first), (QStringList{QStringLiteral("sku"), QStringLiteral("qty")}));

    // Parents point back up the tree, at every column.
    const QModelIndex sku = model.index(0, JsonTreeModel::ValueColumn, first);
    QCOMPARE(sku.parent(), first);
    QCOMPARE(first.parent(), items);
    QCOMPARE(items.parent(), alpha);
    QVERIFY(!alpha.parent().isValid());
    QCOMPARE(sku.data(Qt::DisplayRole), QVariant(QStringLiteral("A-1")));

    // Only the first column has children; empty containers have none.
    QCOMPARE(model.rowCount(alpha.siblingAtColumn(JsonTreeModel::ValueColumn)), 0);
    QVERIFY(!model.hasChildren(node(model, {QStringLiteral("alpha"), QStringLiteral("empty")})));
    QVERIFY(!model.hasChildren(node(model, {QStringLiteral("mid")})));
    QVERIFY(model.hasChildren(items));
    QCOMPARE(model.nodeCount(), 4 + 2 + 2 + 3);
    QCOMPARE(model.documentJson(),
             QStringLiteral(R"({"zeta":1,"alpha":{"items":[{"sku":"A-1","qty":2},{"sku":"B-2"}],"empty":{}},"mid":[],"last":null})"));
}

void TestJsonTreeModel::rolesAndColumns()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    model.setDocument(QByteArray(R"({"i": -42, "big": 18446744073709551615, "f": 0.1, "t": true, "s": "héllo \"q\"", "n": null, "o": {"k": [1, 2]}, "a": [1, 2, 3]})"));

    const QModelIndex i = node(model, {QStringLiteral("i")});
    QCOMPARE(i.data(JsonTreeModel::ValueRole).userType(), QMetaType::LongLong);
    QCOMPARE(i.data(JsonTreeModel::ValueRole).toLongLong(), qint64(-42));
    QCOMPARE(typeOf(i), NodeType::Number);
    QCOMPARE(i.data(JsonTreeModel::RawJsonRole).toString(), QStringLiteral("-42"));

    const QModelIndex big = node(model, {QStringLiteral("big")});
    QCOMPARE(big.data(JsonTreeModel::ValueRole).userType(), QMetaType::Double);
    QCOMPARE(big.data(JsonTreeModel::RawJsonRole).toString(), QStringLiteral("18446744073709551615"));

    const QModelIndex f = node(model, {QStringLiteral("f")});
    QCOMPARE(f.data(JsonTreeModel::ValueRole).userType(), QMetaType::Double);
    QCOMPARE(f.data(JsonTreeModel::ValueRole).toDouble(), 0.1);
    QCOMPARE(f.data(JsonTreeModel::RawJsonRole).toString(), QStringLiteral("0.1"));

    const QModelIndex t = node(model, {QStringLiteral("t")});
    QCOMPARE(t.data(JsonTreeModel::ValueRole).userType(), QMetaType::Bool);
    QCOMPARE(t.data(JsonTreeModel::ValueRole).toBool(), true);
    QCOMPARE(typeOf(t), NodeType::Bool);

    const QModelIndex s = node(model, {QStringLiteral("s")});
    QCOMPARE(s.data(JsonTreeModel::ValueRole), QVariant(QStringLiteral("héllo \"q\"")));
    QCOMPARE(s.data(JsonTreeModel::RawJsonRole).toString(), QStringLiteral("\"héllo \\\"q\\\"\""));
    QCOMPARE(typeOf(s), NodeType::String);

    const QModelIndex n = node(model, {QStringLiteral("n")});
    QCOMPARE(n.data(JsonTreeModel::ValueRole).userType(), QMetaType::Nullptr);
    QVERIFY(n.data(JsonTreeModel::ValueRole).isValid());
    QCOMPARE(typeOf(n), NodeType::Null);
    QCOMPARE(n.data(JsonTreeModel::ChildCountRole).toInt(), 0);

    const QModelIndex o = node(model, {QStringLiteral("o")});
    QCOMPARE(typeOf(o), NodeType::Object);
    QVERIFY(!o.data(JsonTreeModel::ValueRole).isValid());
    QCOMPARE(o.data(JsonTreeModel::ChildCountRole).toInt(), 1);
    QCOMPARE(o.data(JsonTreeModel::RawJsonRole).toString(), QStringLiteral(R"({"k":[1,2]})"));
    const QModelIndex a = node(model, {QStringLiteral("a")});
    QCOMPARE(typeOf(a), NodeType::Array);
    QCOMPARE(a.data(JsonTreeModel::ChildCountRole).toInt(), 3);
    QCOMPARE(model.index(2, 0, a).data(JsonTreeModel::KeyRole).toString(), QStringLiteral("[2]"));

    // DisplayRole is the raw value of each column; named roles are the same on every column.
    QCOMPARE(i.siblingAtColumn(JsonTreeModel::KeyColumn).data(), QVariant(QStringLiteral("i")));
    QCOMPARE(i.siblingAtColumn(JsonTreeModel::ValueColumn).data(), QVariant(qint64(-42)));
    QCOMPARE(i.siblingAtColumn(JsonTreeModel::TypeColumn).data().toInt(), int(NodeType::Number));
    QVERIFY(!o.siblingAtColumn(JsonTreeModel::ValueColumn).data().isValid());
    QCOMPARE(i.siblingAtColumn(JsonTreeModel::TypeColumn).data(JsonTreeModel::PathRole).toString(), QStringLiteral("/i"));
    QCOMPARE(diffOf(i), Diff::None);
    QVERIFY(i.data(JsonTreeModel::ErrorRole).toString().isEmpty());
    QVERIFY(i.data(JsonTreeModel::BeforeJsonRole).toString().isEmpty());
}

void TestJsonTreeModel::scalarDocuments()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    model.setDocument(QByteArray("42"));
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex row = model.index(0, 0);
    QCOMPARE(row.data(JsonTreeModel::KeyRole).toString(), QString());
    QCOMPARE(row.data(JsonTreeModel::ValueRole).toLongLong(), qint64(42));
    QCOMPARE(row.data(JsonTreeModel::PathRole).toString(), QString());
    QCOMPARE(model.indexForPath(QString()), row);
    QVERIFY(!model.hasChildren(row));

    model.setDocument(QByteArray(" \"just text\" "));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, 0).data(JsonTreeModel::ValueRole).toString(), QStringLiteral("just text"));
    QCOMPARE(typeOf(model.index(0, 0)), NodeType::String);
    QVERIFY(model.isValidJson());
    QCOMPARE(model.documentJson(), QStringLiteral("\"just text\""));
}

void TestJsonTreeModel::pathsAreEscapedJsonPointers()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    model.setDocument(QByteArray(R"({"items": [{"sku": "X"}], "a/b": {"m~n": 1, "~/": 2}, "": {"": 3}, "ünï": [[0, 5]]})"));

    const QModelIndex sku = node(model, {QStringLiteral("items"), QStringLiteral("[0]"), QStringLiteral("sku")});
    QCOMPARE(sku.data(JsonTreeModel::PathRole).toString(), QStringLiteral("/items/0/sku"));
    const QModelIndex slash = node(model, {QStringLiteral("a/b")});
    QCOMPARE(slash.data(JsonTreeModel::PathRole).toString(), QStringLiteral("/a~1b"));
    const QModelIndex tilde = node(model, {QStringLiteral("a/b"), QStringLiteral("m~n")});
    QCOMPARE(tilde.data(JsonTreeModel::PathRole).toString(), QStringLiteral("/a~1b/m~0n"));
    const QModelIndex both = node(model, {QStringLiteral("a/b"), QStringLiteral("~/")});
    QCOMPARE(both.data(JsonTreeModel::PathRole).toString(), QStringLiteral("/a~1b/~0~1"));
    const QModelIndex emptyKeys = node(model, {QString(), QString()});
    QCOMPARE(emptyKeys.data(JsonTreeModel::PathRole).toString(), QStringLiteral("//"));
    const QModelIndex nested = node(model, {QStringLiteral("ünï"), QStringLiteral("[0]"), QStringLiteral("[1]")});
    QCOMPARE(nested.data(JsonTreeModel::PathRole).toString(), QStringLiteral("/ünï/0/1"));

    // And back: every path finds its node.
    for (const QModelIndex &index : {sku, slash, tilde, both, emptyKeys, nested})
        QCOMPARE(model.indexForPath(index.data(JsonTreeModel::PathRole).toString()), index);
    QCOMPARE(model.indexForPath(QStringLiteral("/")), node(model, {QString()}));
    QVERIFY(!model.indexForPath(QStringLiteral("/items/00")).isValid());
    QVERIFY(!model.indexForPath(QStringLiteral("/items/1")).isValid());
    QVERIFY(!model.indexForPath(QStringLiteral("/nope")).isValid());
    QVERIFY(!model.indexForPath(QStringLiteral("items")).isValid());
}

void TestJsonTreeModel::rawAndInvalidJson()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    const QByteArray broken = R"({"a": 1, "b": )";
    model.setDocument(broken);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(!model.isValidJson());
    QVERIFY(!model.errorString().isEmpty());
    const QModelIndex row = model.index(0, 0);
    QCOMPARE(typeOf(row), NodeType::Raw);
    QCOMPARE(row.data(JsonTreeModel::ValueRole).toString(), QString::fromUtf8(broken));
    QCOMPARE(row.data(JsonTreeModel::RawJsonRole).toString(), QString::fromUtf8(broken));
    QCOMPARE(row.data(JsonTreeModel::ErrorRole).toString(), model.errorString());
    QVERIFY2(model.errorString().contains(QStringLiteral("unexpected")), qPrintable(model.errorString()));
    QVERIFY(!model.hasChildren(row));
    QCOMPARE(model.documentJson(), QString::fromUtf8(broken));
    QCOMPARE(model.find(QStringLiteral("\"B\"")).size(), 1);

    // Bytes known not to be JSON, even when they would parse.
    model.setRawData(QByteArray("123"));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(typeOf(model.index(0, 0)), NodeType::Raw);
    QCOMPARE(model.index(0, 0).data(JsonTreeModel::ValueRole).toString(), QStringLiteral("123"));
    QVERIFY(!model.index(0, 0).data(JsonTreeModel::ErrorRole).toString().isEmpty());

    model.setRawData(QByteArray("\x00\x01\xffraw", 6), QStringLiteral("binary"));
    QCOMPARE(model.errorString(), QStringLiteral("binary"));
    QVERIFY(model.index(0, 0).data(JsonTreeModel::ValueRole).toString().endsWith(QStringLiteral("raw")));

    // Back to JSON: the error is gone.
    model.setDocument(QByteArray(R"({"ok": true})"));
    QVERIFY(model.isValidJson());
    QCOMPARE(typeOf(model.index(0, 0)), NodeType::Bool);
    QVERIFY(model.index(0, 0).data(JsonTreeModel::ErrorRole).toString().isEmpty());

    // An invalid `after` in a diff is shown raw.
    model.setDocumentWithDiff(QByteArray("nope"), QByteArray("{}"));
    QVERIFY(!model.isValidJson());
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(diffOf(model.index(0, 0)), Diff::None);
}

void TestJsonTreeModel::fromOrderedJson()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    nlohmann::ordered_json doc;
    doc["b"] = 1;
    doc["a"] = nlohmann::ordered_json::array({true, nullptr});
    model.setDocument(doc);
    QCOMPARE(keysOf(model), (QStringList{QStringLiteral("b"), QStringLiteral("a")}));
    QCOMPARE(model.documentJson(), QStringLiteral(R"({"b":1,"a":[true,null]})"));

    nlohmann::ordered_json before = doc;
    doc["b"] = 2;
    model.setDocumentWithDiff(doc, before);
    QCOMPARE(diffOf(node(model, {QStringLiteral("b")})), Diff::Changed);
    QCOMPARE(diffOf(node(model, {QStringLiteral("a")})), Diff::None);
}

void TestJsonTreeModel::diffMarksAddedChangedAndRemoved()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    const QByteArray before = R"({"a": 1, "b": 2, "c": {"x": 1, "y": 2}, "arr": [1, 2, 3], "gone": {"deep": true}, "same": {"k": [1]}})";
    const QByteArray after = R"({"a": 1, "b": 3, "c": {"x": 1, "z": 5}, "arr": [1, 9], "same": {"k": [1]}, "new": "n"})";
    model.setDocumentWithDiff(after, before);
    QVERIFY(model.hasDiff());

    QCOMPARE(keysOf(model), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("arr"),
                                         QStringLiteral("gone"), QStringLiteral("same"), QStringLiteral("new")}));
    QCOMPARE(diffOf(node(model, {QStringLiteral("a")})), Diff::None);
    const QModelIndex b = node(model, {QStringLiteral("b")});
    QCOMPARE(diffOf(b), Diff::Changed);
    QCOMPARE(b.data(JsonTreeModel::ValueRole).toLongLong(), qint64(3));
    QCOMPARE(b.data(JsonTreeModel::BeforeJsonRole).toString(), QStringLiteral("2"));

    // A changed object: its own rows plus the removed member, right after the one before it.
    const QModelIndex c = node(model, {QStringLiteral("c")});
    QCOMPARE(diffOf(c), Diff::Changed);
    QCOMPARE(keysOf(model, c), (QStringList{QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z")}));
    QCOMPARE(diffOf(model.index(0, 0, c)), Diff::None);
    const QModelIndex y = model.index(1, 0, c);
    QCOMPARE(diffOf(y), Diff::Removed);
    QCOMPARE(y.data(JsonTreeModel::ValueRole).toLongLong(), qint64(2));
    QCOMPARE(y.data(JsonTreeModel::PathRole).toString(), QStringLiteral("/c/y"));
    QCOMPARE(diffOf(model.index(2, 0, c)), Diff::Added);
    QCOMPARE(c.data(JsonTreeModel::ChildCountRole).toInt(), 2); // members of the document
    QCOMPARE(model.rowCount(c), 3);                                // rows, with the removed one
    QCOMPARE(c.data(JsonTreeModel::RawJsonRole).toString(), QStringLiteral(R"({"x":1,"z":5})"));
    QCOMPARE(c.data(JsonTreeModel::BeforeJsonRole).toString(), QStringLiteral(R"({"x":1,"y":2})"));

    // A removed subtree is shown whole, every node Removed.
    const QModelIndex gone = node(model, {QStringLiteral("gone")});
    QCOMPARE(diffOf(gone), Diff::Removed);
    QCOMPARE(gone.data(JsonTreeModel::RawJsonRole).toString(), QStringLiteral(R"({"deep":true})"));
    const QModelIndex deep = model.index(0, 0, gone);
    QCOMPARE(deep.data(JsonTreeModel::KeyRole).toString(), QStringLiteral("deep"));
    QCOMPARE(diffOf(deep), Diff::Removed);
    QCOMPARE(deep.data(JsonTreeModel::PathRole).toString(), QStringLiteral("/gone/deep"));
    QCOMPARE(model.indexForPath(QStringLiteral("/gone/deep")), deep);

    // Unchanged containers stay unmarked, all the way down.
    const QModelIndex same = node(model, {QStringLiteral("same")});
    QCOMPARE(diffOf(same), Diff::None);
    QCOMPARE(diffOf(node(model, {QStringLiteral("same"), QStringLiteral("k"), QStringLiteral("[0]")})), Diff::None);

    const QModelIndex added = node(model, {QStringLiteral("new")});
    QCOMPARE(diffOf(added), Diff::Added);
    QVERIFY(added.data(JsonTreeModel::BeforeJsonRole).toString().isEmpty());

    // The whole document is the new one.
    QCOMPARE(model.documentJson(), QStringLiteral(R"({"a":1,"b":3,"c":{"x":1,"z":5},"arr":[1,9],"same":{"k":[1]},"new":"n"})"));

    // A plain setDocument() clears every mark.
    model.setDocument(after);
    QVERIFY(!model.hasDiff());
    QCOMPARE(keysOf(model).size(), 6);
    QCOMPARE(diffOf(node(model, {QStringLiteral("b")})), Diff::None);
}

void TestJsonTreeModel::diffRemovedPlacement()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    // Removed members go after the member that preceded them in `before` (first when none did),
    // several in a row keep their order.
    model.setDocumentWithDiff(QByteArray(R"({"b": 1, "d": 1, "e": 1})"),
                              QByteArray(R"({"a0": 0, "a1": 0, "b": 1, "c0": 0, "c1": 0, "d": 1, "e": 1, "f": 0})"));
    QCOMPARE(keysOf(model), (QStringList{QStringLiteral("a0"), QStringLiteral("a1"), QStringLiteral("b"), QStringLiteral("c0"),
                                         QStringLiteral("c1"), QStringLiteral("d"), QStringLiteral("e"), QStringLiteral("f")}));
    const QList<Diff> expected = {Diff::Removed, Diff::Removed, Diff::None, Diff::Removed,
                                  Diff::Removed, Diff::None, Diff::None, Diff::Removed};
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(diffOf(model.index(row, 0)), expected.at(row));

    // Reordered members are not changes.
    model.setDocumentWithDiff(QByteArray(R"({"y": 2, "x": 1})"), QByteArray(R"({"x": 1, "y": 2})"));
    QCOMPARE(keysOf(model), (QStringList{QStringLiteral("y"), QStringLiteral("x")}));
    QCOMPARE(diffOf(model.index(0, 0)), Diff::None);
    QCOMPARE(diffOf(model.index(1, 0)), Diff::None);
}

void TestJsonTreeModel::diffTypeChangesAndMissingBefore()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    model.setDocumentWithDiff(QByteArray(R"({"v": {"k": 1}, "w": [1], "n": 1.0, "s": "1"})"),
                              QByteArray(R"({"v": 1, "w": {"0": 1}, "n": 1, "s": 1})"));
    const QModelIndex v = node(model, {QStringLiteral("v")});
    QCOMPARE(diffOf(v), Diff::Changed);
    QCOMPARE(v.data(JsonTreeModel::BeforeJsonRole).toString(), QStringLiteral("1"));
    QCOMPARE(diffOf(model.index(0, 0, v)), Diff::Added);
    const QModelIndex w = node(model, {QStringLiteral("w")});
    QCOMPARE(diffOf(w), Diff::Changed);
    QCOMPARE(model.rowCount(w), 1);
    QCOMPARE(diffOf(model.index(0, 0, w)), Diff::Added);
    QCOMPARE(diffOf(node(model, {QStringLiteral("n")})), Diff::None);    // 1.0 == 1
    QCOMPARE(diffOf(node(model, {QStringLiteral("s")})), Diff::Changed); // "1" != 1

    // No state before (empty or not JSON): everything is new.
    for (const QByteArray &nothing : {QByteArray(), QByteArray("  "), QByteArray("{oops")}) {
        model.setDocumentWithDiff(QByteArray(R"({"a": {"b": 1}, "c": 2})"), nothing);
        QVERIFY(model.isValidJson());
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(diffOf(model.index(0, 0)), Diff::Added);
        QCOMPARE(diffOf(model.index(0, 0, model.index(0, 0))), Diff::Added);
        QCOMPARE(diffOf(model.index(1, 0)), Diff::Added);
    }
    model.setDocumentWithDiff(QByteArray("5"), QByteArray());
    QCOMPARE(diffOf(model.index(0, 0)), Diff::Added);
    model.setDocumentWithDiff(QByteArray("5"), QByteArray("4"));
    QCOMPARE(diffOf(model.index(0, 0)), Diff::Changed);
    model.setDocumentWithDiff(QByteArray("5"), QByteArray("5"));
    QCOMPARE(diffOf(model.index(0, 0)), Diff::None);

    // Everything removed: the old members are the only rows.
    model.setDocumentWithDiff(QByteArray("{}"), QByteArray(R"({"a": [1, 2]})"));
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex a = model.index(0, 0);
    QCOMPARE(diffOf(a), Diff::Removed);
    QCOMPARE(model.rowCount(a), 2);
    QCOMPARE(diffOf(model.index(1, 0, a)), Diff::Removed);
    QCOMPARE(model.index(1, 0, a).data(JsonTreeModel::PathRole).toString(), QStringLiteral("/a/1"));
}

void TestJsonTreeModel::diffArraysAndScalars()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    model.setDocumentWithDiff(QByteArray(R"({"arr": [1, {"p": 2}, 3], "deep": {"l1": {"l2": {"l3": "new"}}}})"),
                              QByteArray(R"({"arr": [1, {"p": 1}, 3, 4, 5], "deep": {"l1": {"l2": {"l3": "old"}}}})"));
    const QModelIndex arr = node(model, {QStringLiteral("arr")});
    QCOMPARE(diffOf(arr), Diff::Changed);
    QCOMPARE(keysOf(model, arr), (QStringList{QStringLiteral("[0]"), QStringLiteral("[1]"), QStringLiteral("[2]"),
                                              QStringLiteral("[3]"), QStringLiteral("[4]")}));
    QCOMPARE(diffOf(model.index(0, 0, arr)), Diff::None);
    QCOMPARE(diffOf(model.index(1, 0, arr)), Diff::Changed); // its member p changed
    QCOMPARE(diffOf(model.index(0, 0, model.index(1, 0, arr))), Diff::Changed);
    QCOMPARE(diffOf(model.index(2, 0, arr)), Diff::None);
    QCOMPARE(diffOf(model.index(3, 0, arr)), Diff::Removed);
    QCOMPARE(model.index(4, 0, arr).data(JsonTreeModel::ValueRole).toLongLong(), qint64(5));
    QCOMPARE(model.index(4, 0, arr).data(JsonTreeModel::PathRole).toString(), QStringLiteral("/arr/4"));

    // Every ancestor of a change is Changed.
    const QModelIndex l3 = node(model, {QStringLiteral("deep"), QStringLiteral("l1"), QStringLiteral("l2"), QStringLiteral("l3")});
    QCOMPARE(diffOf(l3), Diff::Changed);
    QCOMPARE(l3.data(JsonTreeModel::BeforeJsonRole).toString(), QStringLiteral("\"old\""));
    for (QModelIndex p = l3.parent(); p.isValid(); p = p.parent())
        QCOMPARE(diffOf(p), Diff::Changed);

    // Elements added at the end.
    model.setDocumentWithDiff(QByteArray("[1, 2, [3]]"), QByteArray("[1]"));
    QCOMPARE(diffOf(model.index(0, 0)), Diff::None);
    QCOMPARE(diffOf(model.index(1, 0)), Diff::Added);
    QCOMPARE(diffOf(model.index(2, 0)), Diff::Added);
    QCOMPARE(diffOf(model.index(0, 0, model.index(2, 0))), Diff::Added);
}

void TestJsonTreeModel::findKeysAndValues()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    model.setDocument(QByteArray(R"({"Customer": {"name": "Ann SKU-Lover", "id": 1234}, "items": [{"sku": "A-1", "price": 12.5}, {"sku": "b-2", "gift": true, "note": null}], "skus": 2})"));

    // Keys and string values, case-insensitive, in document order (a node before its children).
    QCOMPARE(pathsOf(model.find(QStringLiteral("sku"))),
             (QStringList{QStringLiteral("/Customer/name"), QStringLiteral("/items/0/sku"), QStringLiteral("/items/1/sku"),
                          QStringLiteral("/skus")}));
    QCOMPARE(pathsOf(model.find(QStringLiteral("CUSTOMER"))), (QStringList{QStringLiteral("/Customer")}));
    // Numbers as written, booleans and null by name.
    QCOMPARE(pathsOf(model.find(QStringLiteral("23"))), (QStringList{QStringLiteral("/Customer/id")}));
    QCOMPARE(pathsOf(model.find(QStringLiteral("12.5"))), (QStringList{QStringLiteral("/items/0/price")}));
    QCOMPARE(pathsOf(model.find(QStringLiteral("true"))), (QStringList{QStringLiteral("/items/1/gift")}));
    QCOMPARE(pathsOf(model.find(QStringLiteral("null"))), (QStringList{QStringLiteral("/items/1/note")}));
    // Array positions are not keys.
    QVERIFY(model.find(QStringLiteral("[1]")).isEmpty());
    QVERIFY(model.find(QStringLiteral("nothing here")).isEmpty());
    QVERIFY(model.find(QString()).isEmpty());

    // The indexes are of the key column, and they work with the model.
    const QModelIndexList found = model.find(QStringLiteral("b-2"));
    QCOMPARE(found.size(), 1);
    QCOMPARE(found.first().column(), int(JsonTreeModel::KeyColumn));
    QCOMPARE(found.first().data(JsonTreeModel::KeyRole).toString(), QStringLiteral("sku"));
    QCOMPARE(found.first().parent().data(JsonTreeModel::KeyRole).toString(), QStringLiteral("[1]"));

    // Removed rows of a diff are found too, in their place.
    model.setDocumentWithDiff(QByteArray(R"({"a": 1, "c": 3})"), QByteArray(R"({"a": 1, "bee": 2, "c": 3})"));
    QCOMPARE(pathsOf(model.find(QStringLiteral("bee"))), (QStringList{QStringLiteral("/bee")}));
    QCOMPARE(pathsOf(model.find(QStringLiteral("2"))), (QStringList{QStringLiteral("/bee")}));
}

void TestJsonTreeModel::matchOnKeysAndValues()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    model.setDocument(QByteArray(R"({"order": {"sku": "X-9", "lines": [{"sku": "Y-1", "qty": 3}]}, "qty": 7})"));

    const auto flags = Qt::MatchRecursive | Qt::MatchFixedString;
    // Keys: the key column's DisplayRole (or KeyRole), anywhere in the tree.
    QModelIndexList keys = model.match(model.index(0, JsonTreeModel::KeyColumn), Qt::DisplayRole, QStringLiteral("SKU"), -1, flags);
    QCOMPARE(pathsOf(keys), (QStringList{QStringLiteral("/order/sku"), QStringLiteral("/order/lines/0/sku")}));
    keys = model.match(model.index(0, 0), JsonTreeModel::KeyRole, QStringLiteral("qty"), -1, flags | Qt::MatchCaseSensitive);
    QCOMPARE(pathsOf(keys), (QStringList{QStringLiteral("/order/lines/0/qty"), QStringLiteral("/qty")}));

    // Values: the value column, by text or by the raw value.
    const QModelIndexList values = model.match(model.index(0, JsonTreeModel::ValueColumn), Qt::DisplayRole,
                                               QStringLiteral("-"), -1, Qt::MatchRecursive | Qt::MatchContains);
    QCOMPARE(pathsOf(values), (QStringList{QStringLiteral("/order/sku"), QStringLiteral("/order/lines/0/sku")}));
    QCOMPARE(values.first().column(), int(JsonTreeModel::ValueColumn));
    const QModelIndexList seven = model.match(model.index(0, 0), JsonTreeModel::ValueRole, qint64(7), -1,
                                              Qt::MatchRecursive | Qt::MatchExactly);
    QCOMPARE(pathsOf(seven), (QStringList{QStringLiteral("/qty")}));
}

void TestJsonTreeModel::resetOnEveryUpdate()
{
    JsonTreeModel model;
    const auto tester = attachTester(model);
    QSignalSpy aboutToReset(&model, &QAbstractItemModel::modelAboutToBeReset);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    model.setDocument(QByteArray(R"({"a": [1, 2]})"));
    QCOMPARE(reset.count(), 1);
    const QPersistentModelIndex old(model.index(0, 0));
    QVERIFY(old.isValid());

    model.setDocument(QByteArray(R"({"b": 1, "c": 2})"));
    QCOMPARE(reset.count(), 2);
    QVERIFY(!old.isValid());
    QCOMPARE(keysOf(model), (QStringList{QStringLiteral("b"), QStringLiteral("c")}));

    model.setDocumentWithDiff(QByteArray("[1]"), QByteArray("[]"));
    model.setDocument(QByteArray("not json"));
    model.setRawData(QByteArray("x"));
    model.clear();
    QCOMPARE(reset.count(), 6);
    QCOMPARE(aboutToReset.count(), 6);
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.isEmpty());
    QVERIFY(!model.hasDiff());
}

void TestJsonTreeModel::largeDocument()
{
    // 10,000 members, each an object; a diff with one change, one removal and one addition.
    constexpr int Keys = 10000;
    nlohmann::ordered_json before = nlohmann::ordered_json::object();
    for (int i = 0; i < Keys; ++i)
        before["key" + std::to_string(i)] = {{"value", i}, {"tag", i % 7 == 0 ? "seven" : "other"}};
    nlohmann::ordered_json after = before;
    after["key5000"]["value"] = -1;
    after.erase("key9002"); // a multiple of 7: one "seven" less
    after["extra"] = true;

    JsonTreeModel model;
    const auto tester = attachTester(model);
    model.setDocument(after);
    QCOMPARE(model.rowCount(), Keys);
    QCOMPARE(model.nodeCount(), (Keys - 1) * 3 + 1);
    QCOMPARE(model.find(QStringLiteral("seven")).size(), (Keys + 6) / 7 - 1); 
    QCOMPARE(model.indexForPath(QStringLiteral("/key9999/tag")).data(JsonTreeModel::ValueRole).toString(), QStringLiteral("other"));

    model.setDocumentWithDiff(after, before);
    QCOMPARE(model.rowCount(), Keys + 1);
    int changed = 0, removed = 0, added = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        switch (diffOf(model.index(row, 0))) {
        case Diff::Changed: ++changed; break;
        case Diff::Removed: ++removed; break;
        case Diff::Added: ++added; break;
        case Diff::None: break;
        }
    }
    QCOMPARE(changed, 1);
    QCOMPARE(removed, 1);
    QCOMPARE(added, 1);
    QCOMPARE(model.index(9002, 0).data(JsonTreeModel::KeyRole).toString(), QStringLiteral("key9002"));
    QCOMPARE(diffOf(model.index(9002, 0)), Diff::Removed);
    QCOMPARE(diffOf(model.indexForPath(QStringLiteral("/key5000/value"))), Diff::Changed);
}

void TestJsonTreeModel::headerAndRoleNames()
{
    JsonTreeModel model;
    QCOMPARE(model.headerData(JsonTreeModel::KeyColumn, Qt::Horizontal).toString(), QStringLiteral("Key"));
    QCOMPARE(model.headerData(JsonTreeModel::ValueColumn, Qt::Horizontal).toString(), QStringLiteral("Value"));
    QCOMPARE(model.headerData(JsonTreeModel::TypeColumn, Qt::Horizontal).toString(), QStringLiteral("Type"));
    const QHash<int, QByteArray> names = model.roleNames();
    QCOMPARE(names.value(JsonTreeModel::KeyRole), QByteArray("key"));
    QCOMPARE(names.value(JsonTreeModel::PathRole), QByteArray("path"));
    QCOMPARE(names.value(JsonTreeModel::DiffRole), QByteArray("diff"));
    QCOMPARE(names.value(JsonTreeModel::RawJsonRole), QByteArray("rawJson"));
    QCOMPARE(names.value(Qt::DisplayRole), QByteArray("display"));
}

QTEST_GUILESS_MAIN(TestJsonTreeModel)
#include "tst_jsontreemodel.moc"

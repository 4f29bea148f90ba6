#pragma once

#include <QAbstractItemModel>
#include <QByteArray>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace eventlens {

// One JSON document as a tree (Qt Core only): the members of the top-level object (or the
// elements of the top-level array) are the top-level rows; a document that is a single scalar is
// one row with an empty key; text that is not JSON is one row of type Raw holding the text, with
// the parse error in ErrorRole. Member order is kept as written.
//
// Raw typed values come through the named roles; DisplayRole is the raw value of the cell's
// column (Key: KeyRole, Value: ValueRole for scalars and nothing for containers, Type: TypeRole as
// an int). Text, fonts and colours are left to the views (JsonTreeDelegate).
//
// Diff: setDocumentWithDiff(after, before) marks what changed from `before` to `after`. Members
// and elements only in `after` are Added; scalars whose value (or any node whose type) differs
// are Changed; members and elements only in `before` appear as extra rows marked Removed (a
// removed member right after the member that preceded it in `before`, removed array elements at
// the end), with their whole subtree; every ancestor of a marked node is Changed.
//
// The tree is built once per document in O(n) (member lookups by hash); every update is a model
// reset.
class JsonTreeModel final : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column {
        KeyColumn,   // QString
        ValueColumn, // raw scalar (as ValueRole); nothing for objects and arrays
        TypeColumn,  // int (NodeType)
        ColumnCount
    };
    Q_ENUM(Column)

    enum class NodeType { Object, Array, String, Number, Bool, Null, Raw };
    Q_ENUM(NodeType)

    enum class Diff { None, Added, Removed, Changed };
    Q_ENUM(Diff)

    enum Role {
        KeyRole = Qt::UserRole + 1, // QString: member name, "[3]" for array element 3, "" for a root scalar or raw text
        ValueRole,                  // QVariant: qint64, double, bool, QString, nullptr (JSON null); invalid for containers; QString for Raw
        TypeRole,                   // NodeType
        PathRole,                   // QString: RFC 6901 JSON Pointer ("/items/0/sku"; "" for the root)
        ChildCountRole,             // int: members or elements (0 for scalars)
        DiffRole,                   // Diff
        RawJsonRole,                // QString: compact JSON of the subtree (the raw text for Raw)
        BeforeJsonRole,             // QString: compact JSON of the value in `before` for Changed nodes, else empty
        ErrorRole,                  // QString: why the text is not JSON (Raw rows only)
    };
    Q_ENUM(Role)

    explicit JsonTreeModel(QObject *parent = nullptr);
    ~JsonTreeModel() override;

    // Parses JSON text; text that is not JSON becomes one Raw row with the parse error.
    void setDocument(const QByteArray &json);
    void setDocument(nlohmann::ordered_json document);
    // Bytes known not to be JSON (an event's raw payload): one Raw row, as text (invalid UTF-8
    // is replaced).
    void setRawData(const QByteArray &bytes, const QString &reason = {});
    // The document `after`, marked against `before`. An empty or invalid `before` counts as
    // nothing: everything is Added. An invalid `after` is shown as with setDocument().
    void setDocumentWithDiff(const QByteArray &after, const QByteArray &before);
    void setDocumentWithDiff(nlohmann::ordered_json after, nlohmann::ordered_json before);
    void clear();

    // True when there is no document (a new or cleared model); "{}" is a document.
    bool isEmpty() const { return !m_nodes[0].value && m_nodes[0].childCount == 0; }
    bool hasDiff() const { return m_diff; }
    // True when the document is JSON (also for an empty model).
    bool isValidJson() const { return m_rawError.isEmpty(); }
    // The parse error, or the reason given to setRawData(); empty for JSON.
    QString errorString() const { return m_rawError; }
    // Compact JSON of the whole document (the raw text when it is not JSON).
    QString documentJson() const;
    // Nodes of the tree (rows at every level, removed rows included).
    int nodeCount() const { return m_nodes.empty() ? 0 : int(m_nodes.size()) - 1; }

    // Every node (its KeyColumn index) whose key or scalar value contains text, case-insensitive,
    // in document order (a node before its children, members in order). Values are compared as
    // shown: strings without quotes, numbers, true/false, null.
    QModelIndexList find(const QString &text) const;
    // The node at a JSON Pointer (its KeyColumn index); invalid when there is none. A removed
    // node is found by its path in `before` when no node of `after` has that path.
    QModelIndex indexForPath(const QString &path) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    using Json = nlohmann::ordered_json;

    struct Node
    {
        const Json *value = nullptr;  // the node's value (in m_before for Removed nodes)
        const Json *before = nullptr; // the matching value in m_before (diff only), else null
        QString key;                  // member name; empty for array elements and the root
        int arrayIndex = -1;          // element index, -1 for members
        int parent = -1;
        int row = 0;
        int firstChild = 0;           // children are contiguous (the tree is laid out breadth-first)
        int childCount = 0;
        Diff diff = Diff::None;
    };

    void setDiffDocuments(Json after, std::optional<Json> before);
    void setRawText(const QByteArray &bytes, const QString &error);
    void rebuild();
    void appendChildren(int nodeId);
    void appendChild(int parentId, const Json *value, const Json *before, QString key, int arrayIndex, Diff diff);
    const Node *nodeOf(const QModelIndex &index) const;
    QString pathOf(int nodeId) const;
    QString keyText(const Node &node) const;
    static NodeType typeOf(const Json &value);
    static QVariant scalarValue(const Json &value);
    static QString searchText(const Json &value);
    static Diff compare(const Json &after, const Json &before);

    Json m_after;
    Json m_before;
    bool m_diff = false;
    bool m_beforeMissing = false; // diff against nothing: everything is Added
    QString m_raw;      // the text shown when the document is not JSON
    QString m_rawError; // non-empty when the document is not JSON
    // m_nodes[0] is the invisible root (the document when it is an object or array, else a holder
    // of one row for the scalar or raw text).
    std::vector<Node> m_nodes;
};

} // namespace eventlens

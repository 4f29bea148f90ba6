#include "jsontreemodel.h"

#include "jsonutil.h"

#include <QStringList>

#include <cstdint>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace eventlens {

namespace {

QString toQString(const std::string &s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

QString compactJson(const nlohmann::ordered_json &value)
{
    return toQString(value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

std::optional<nlohmann::ordered_json> parseJson(const QByteArray &text, QString *error)
{
    try {
        return nlohmann::ordered_json::parse(text.constBegin(), text.constEnd());
    } catch (const nlohmann::ordered_json::parse_error &e) {
        if (error)
            *error = jsonutil::parseErrorText(e);
        return std::nullopt;
    }
}

// One reference token of a JSON Pointer (RFC 6901 §3: "~" as "~0", "/" as "~1").
QString escapeToken(const QString &token)
{
    if (!token.contains(QLatin1Char('~')) && !token.contains(QLatin1Char('/')))
        return token;
    QString out = token;
    out.replace(QLatin1Char('~'), QLatin1String("~0"));
    out.replace(QLatin1Char('/'), QLatin1String("~1"));
    return out;
}

QString unescapeToken(QString token)
{
    token.replace(QLatin1String("~1"), QLatin1String("/"));
    token.replace(QLatin1String("~0"), QLatin1String("~"));
    return token;
}

} // namespace

JsonTreeModel::JsonTreeModel(QObject *parent)
    : QAbstractItemModel(parent)
{
    m_nodes.emplace_back();
}

JsonTreeModel::~JsonTreeModel() = default;

void JsonTreeModel::setDocument(const QByteArray &json)
{
    QString error;
    std::optional<Json> document = parseJson(json, &error);
    if (!document) {
        setRawText(json, error);
        return;
    }
    setDocument(std::move(*document));
}

void JsonTreeModel::setDocument(Json document)
{
    beginResetModel();
    m_after = std::move(document);
    m_before = Json();
    m_diff = false;
    m_beforeMissing = false;
    m_raw.clear();
    m_rawError.clear();
    rebuild();
    endResetModel();
}

void JsonTreeModel::setRawData(const QByteArray &bytes, const QString &reason)
{
    setRawText(bytes, reason.isEmpty() ? tr("not JSON (raw bytes)") : reason);
}

void JsonTreeModel::setRawText(const QByteArray &bytes, const QString &error)
{
    beginResetModel();
    m_after = Json();
    m_before = Json();
    m_diff = false;
    m_beforeMissing = false;
    m_raw = QString::fromUtf8(bytes);
    m_rawError = error.isEmpty() ? tr("not JSON") : error;
    rebuild();
    endResetModel();
}

void JsonTreeModel::setDocumentWithDiff(const QByteArray &after, const QByteArray &before)
{
    QString error;
    std::optional<Json> afterDoc = parseJson(after, &error);
    if (!afterDoc) {
        setRawText(after, error);
        return;
    }
    setDiffDocuments(std::move(*afterDoc), before.trimmed().isEmpty() ? std::nullopt : parseJson(before, nullptr));
}

void JsonTreeModel::setDocumentWithDiff(Json after, Json before)
{
    setDiffDocuments(std::move(after), std::optional<Json>(std::move(before)));
}

void JsonTreeModel::setDiffDocuments(Json after, std::optional<Json> before)
{
    beginResetModel();
    m_after = std::move(after);
    m_beforeMissing = !before.has_value();
    m_before = before ? std::move(*before) : Json();
    m_diff = true;
    m_raw.clear();
    m_rawError.clear();
    rebuild();
    endResetModel();
}

void JsonTreeModel::clear()
{
    beginResetModel();
    m_after = Json();
    m_before = Json();
    m_diff = false;
    m_beforeMissing = false;
    m_raw.clear();
    m_rawError.clear();
    m_nodes.clear();
    m_nodes.emplace_back();
    endResetModel();
}

QString JsonTreeModel::documentJson() const
{
    if (!m_rawError.isEmpty())
        return m_raw;
    if (isEmpty())
        return {};
    return compactJson(m_after);
}

// ---- building ----------------------------------------------------------------------------

JsonTreeModel::NodeType JsonTreeModel::typeOf(const Json &value)
{
    switch (value.type()) {
    case Json::value_t::object:
        return NodeType::Object;
    case Json::value_t::array:
        return NodeType::Array;
    case Json::value_t::string:
        return NodeType::String;
    case Json::value_t::boolean:
        return NodeType::Bool;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
        return NodeType::Number;
    default:
        return NodeType::Null;
    }
}

JsonTreeModel::Diff JsonTreeModel::compare(const Json &after, const Json &before)
{
    if (typeOf(after) != typeOf(before))
        return Diff::Changed;
    if (after.is_structured())
        return Diff::None; // marked Changed later when anything inside is marked
    return after == before ? Diff::None : Diff::Changed;
}

void JsonTreeModel::rebuild()
{
    m_nodes.clear();
    m_nodes.emplace_back();
    if (!m_rawError.isEmpty()) {
        // One row holding the text (value null marks it as Raw).
        appendChild(0, nullptr, nullptr, {}, -1, Diff::None);
        m_nodes[0].firstChild = 1;
        m_nodes[0].childCount = 1;
        return;
    }
    if (!m_after.is_structured()) {
        // A scalar document: one row with an empty key.
        Diff diff = Diff::None;
        if (m_diff)
            diff = m_beforeMissing ? Diff::Added : compare(m_after, m_before);
        appendChild(0, &m_after, m_diff && !m_beforeMissing ? &m_before : nullptr, {}, -1, diff);
        m_nodes[0].firstChild = 1;
        m_nodes[0].childCount = 1;
        return;
    }

    m_nodes[0].value = &m_after;
    m_nodes[0].before = m_diff && !m_beforeMissing ? &m_before : nullptr;
    // Breadth-first: the children of a node are appended together, so they are contiguous, and
    // every node comes after its parent.
    for (size_t id = 0; id < m_nodes.size(); ++id)
        appendChildren(static_cast<int>(id));

    if (m_diff) {
        for (size_t id = m_nodes.size() - 1; id > 0; --id) {
            const Node &node = m_nodes[id];
            Node &parent = m_nodes[static_cast<size_t>(node.parent)];
            if (node.diff != Diff::None && parent.diff == Diff::None)
                parent.diff = Diff::Changed;
        }
        m_nodes[0].diff = Diff::None;
    }
}

void JsonTreeModel::appendChild(int parentId, const Json *value, const Json *before, QString key, int arrayIndex, Diff diff)
{
    Node node;
    node.value = value;
    node.before = before;
    node.key = std::move(key);
    node.arrayIndex = arrayIndex;
    node.parent = parentId;
    node.row = m_nodes[static_cast<size_t>(parentId)].childCount++;
    node.diff = diff;
    m_nodes.push_back(std::move(node));
}

void JsonTreeModel::appendChildren(int nodeId)
{
    // Copies: m_nodes grows below.
    const Node node = m_nodes[static_cast<size_t>(nodeId)];
    const Json *value = node.value;
    if (!value || !value->is_structured())
        return;

    // How the children are marked when they are not compared one by one.
    Diff inherited = Diff::None;
    const Json *before = node.before;
    if (m_diff) {
        if (node.diff == Diff::Removed || node.diff == Diff::Added)
            inherited = node.diff;
        else if (!before || typeOf(*before) != typeOf(*value))
            inherited = Diff::Added;
    }
    // An empty container has no rows, unless it lost members or elements in a diff.
    if (value->empty() && (inherited != Diff::None || !before || before->empty()))
        return;
    m_nodes[static_cast<size_t>(nodeId)].firstChild = static_cast<int>(m_nodes.size());

    if (value->is_array()) {
        const size_t n = value->size();
        const bool compared = m_diff && inherited == Diff::None;
        for (size_t i = 0; i < n; ++i) {
            const Json &child = (*value)[i];
            const Json *was = compared && i < before->size() ? &(*before)[i] : nullptr;
            const Diff diff = !compared ? inherited : (was ? compare(child, *was) : Diff::Added);
            appendChild(nodeId, &child, was, {}, static_cast<int>(i), diff);
        }
        if (compared) {
            for (size_t i = n; i < before->size(); ++i)
                appendChild(nodeId, &(*before)[i], nullptr, {}, static_cast<int>(i), Diff::Removed);
        }
        return;
    }

    if (!m_diff || inherited != Diff::None) {
        for (const auto &member : value->items())
            appendChild(nodeId, &member.value(), nullptr, toQString(member.key()), -1, inherited);
        return;
    }

    // Both objects: match members by name through hashes (ordered_json's find is linear).
    std::unordered_map<std::string_view, const Json *> beforeMembers;
    beforeMembers.reserve(before->size());
    for (const auto &member : before->items())
        beforeMembers.emplace(member.key(), &member.value());
    std::unordered_set<std::string_view> afterKeys;
    afterKeys.reserve(value->size());
    for (const auto &member : value->items())
        afterKeys.emplace(member.key());

    // A removed member goes right after the member that preceded it in `before` and is still
    // there (or first, when none did).
    using Removed = std::pair<const std::string *, const Json *>;
    std::vector<Removed> leading;
    std::unordered_map<std::string_view, std::vector<Removed>> following;
    const std::string *lastKept = nullptr;
    for (const auto &member : before->items()) {
        if (afterKeys.count(member.key())) {
            lastKept = &member.key();
        } else if (lastKept) {
            following[*lastKept].emplace_back(&member.key(), &member.value());
        } else {
            leading.emplace_back(&member.key(), &member.value());
        }
    }
    const auto appendRemoved = [&](const std::vector<Removed> &removed) {
        for (const auto &[key, was] : removed)
            appendChild(nodeId, was, nullptr, toQString(*key), -1, Diff::Removed);
    };

    appendRemoved(leading);
    for (const auto &member : value->items()) {
        const auto it = beforeMembers.find(member.key());
        const Json *was = it == beforeMembers.end() ? nullptr : it->second;
        appendChild(nodeId, &member.value(), was, toQString(member.key()), -1,
                    was ? compare(member.value(), *was) : Diff::Added);
        if (!following.empty()) {
            const auto removed = following.find(member.key());
            if (removed != following.end())
                appendRemoved(removed->second);
        }
    }
}

// ---- reading ----------------------------------------------------------------------------

const JsonTreeModel::Node *JsonTreeModel::nodeOf(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return nullptr;
    const auto id = static_cast<size_t>(index.internalId());
    if (id == 0 || id >= m_nodes.size())
        return nullptr;
    return &m_nodes[id];
}

QString JsonTreeModel::keyText(const Node &node) const
{
    if (node.arrayIndex >= 0)
        return QLatin1Char('[') % QString::number(node.arrayIndex) % QLatin1Char(']');
    return node.key;
}

QString JsonTreeModel::pathOf(int nodeId) const
{
    // The root of an object or array document is "", and so is the row of a scalar document.
    QStringList tokens;
    for (int id = nodeId; id > 0; id = m_nodes[static_cast<size_t>(id)].parent) {
        const Node &node = m_nodes[static_cast<size_t>(id)];
        if (node.arrayIndex >= 0)
            tokens.append(QString::number(node.arrayIndex));
        else if (node.parent == 0 && !m_nodes[0].value)
            break; // the single row of a scalar or raw document
        else
            tokens.append(escapeToken(node.key));
    }
    QString path;
    for (qsizetype i = tokens.size() - 1; i >= 0; --i)
        path += QLatin1Char('/') % tokens.at(i);
    return path;
}

QVariant JsonTreeModel::scalarValue(const Json &value)
{
    switch (value.type()) {
    case Json::value_t::string:
        return toQString(value.get_ref<const std::string &>());
    case Json::value_t::boolean:
        return value.get<bool>();
    case Json::value_t::number_integer:
        return static_cast<qint64>(value.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
        const auto u = value.get<std::uint64_t>();
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<qint64>::max()))
            return static_cast<qint64>(u);
        return static_cast<double>(u); // beyond qint64: RawJsonRole keeps the exact digits
    }
    case Json::value_t::number_float:
        return value.get<double>();
    case Json::value_t::null:
        return QVariant::fromValue(nullptr);
    default:
        return {};
    }
}

QString JsonTreeModel::searchText(const Json &value)
{
    switch (value.type()) {
    case Json::value_t::string:
        return toQString(value.get_ref<const std::string &>());
    case Json::value_t::object:
    case Json::value_t::array:
        return {};
    default:
        return compactJson(value); // numbers as written, true, false, null
    }
}

QModelIndex JsonTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (parent.isValid() && (parent.model() != this || parent.column() != 0))
        return {};
    const auto parentId = parent.isValid() ? static_cast<size_t>(parent.internalId()) : size_t(0);
    if (parentId >= m_nodes.size())
        return {};
    const Node &p = m_nodes[parentId];
    if (row >= p.childCount)
        return {};
    return createIndex(row, column, quintptr(p.firstChild + row));
}

QModelIndex JsonTreeModel::parent(const QModelIndex &child) const
{
    const Node *node = nodeOf(child);
    if (!node || node->parent <= 0)
        return {};
    const Node &p = m_nodes[static_cast<size_t>(node->parent)];
    return createIndex(p.row, 0, quintptr(node->parent));
}

int JsonTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return m_nodes.empty() ? 0 : m_nodes[0].childCount;
    if (parent.column() != 0)
        return 0;
    const Node *node = nodeOf(parent);
    return node ? node->childCount : 0;
}

int JsonTreeModel::columnCount(const QModelIndex &parent) const
{
    Q_UNUSED(parent)
    return ColumnCount;
}

bool JsonTreeModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

QVariant JsonTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node *node = nodeOf(index);
    if (!node)
        return {};
    const Json *value = node->value;

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case KeyColumn:
            return keyText(*node);
        case ValueColumn:
            return data(index, ValueRole);
        case TypeColumn:
            return static_cast<int>(value ? typeOf(*value) : NodeType::Raw);
        default:
            return {};
        }
    case KeyRole:
        return keyText(*node);
    case ValueRole:
        if (!value)
            return m_raw;
        return scalarValue(*value);
    case TypeRole:
        return QVariant::fromValue(value ? typeOf(*value) : NodeType::Raw);
    case PathRole:
        return pathOf(static_cast<int>(index.internalId()));
    case ChildCountRole:
        return value && value->is_structured() ? static_cast<int>(value->size()) : 0;
    case DiffRole:
        return QVariant::fromValue(node->diff);
    case RawJsonRole:
        return value ? compactJson(*value) : m_raw;
    case BeforeJsonRole:
        if (node->diff == Diff::Changed && node->before)
            return compactJson(*node->before);
        return QString();
    case ErrorRole:
        return value ? QString() : m_rawError;
    default:
        return {};
    }
}

QVariant JsonTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (section) {
    case KeyColumn:
        return tr("Key");
    case ValueColumn:
        return tr("Value");
    case TypeColumn:
        return tr("Type");
    default:
        return {};
    }
}

QHash<int, QByteArray> JsonTreeModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractItemModel::roleNames();
    names.insert(KeyRole, QByteArrayLiteral("key"));
    names.insert(ValueRole, QByteArrayLiteral("value"));
    names.insert(TypeRole, QByteArrayLiteral("type"));
    names.insert(PathRole, QByteArrayLiteral("path"));
    names.insert(ChildCountRole, QByteArrayLiteral("childCount"));
    names.insert(DiffRole, QByteArrayLiteral("diff"));
    names.insert(RawJsonRole, QByteArrayLiteral("rawJson"));
    names.insert(BeforeJsonRole, QByteArrayLiteral("beforeJson"));
    names.insert(ErrorRole, QByteArrayLiteral("error"));
    return names;
}

// ---- searching --------------------------------------------------------------------------

QModelIndexList JsonTreeModel::find(const QString &text) const
{
    QModelIndexList found;
    if (text.isEmpty() || m_nodes.empty())
        return found;
    // Depth-first, children in row order: document order.
    std::vector<int> stack;
    const auto pushChildren = [&](int id) {
        const Node &node = m_nodes[static_cast<size_t>(id)];
        for (int i = node.childCount - 1; i >= 0; --i)
            stack.push_back(node.firstChild + i);
    };
    pushChildren(0);
    while (!stack.empty()) {
        const int id = stack.back();
        stack.pop_back();
        const Node &node = m_nodes[static_cast<size_t>(id)];
        bool hit = node.arrayIndex < 0 && node.key.contains(text, Qt::CaseInsensitive);
        if (!hit) {
            const QString value = node.value ? searchText(*node.value) : m_raw;
            hit = value.contains(text, Qt::CaseInsensitive);
        }
        if (hit)
            found.append(createIndex(node.row, KeyColumn, quintptr(id)));
        pushChildren(id);
    }
    return found;
}

QModelIndex JsonTreeModel::indexForPath(const QString &path) const
{
    if (m_nodes.empty() || m_nodes[0].childCount == 0)
        return {};
    if (path.isEmpty()) {
        // The row of a scalar or raw document; an object or array root has no row.
        if (!m_nodes[0].value)
            return createIndex(0, KeyColumn, quintptr(1));
        return {};
    }
    if (!path.startsWith(QLatin1Char('/')) || !m_nodes[0].value)
        return {};
    const QStringList tokens = path.mid(1).split(QLatin1Char('/'));
    int id = 0;
    for (const QString &escaped : tokens) {
        const QString token = unescapeToken(escaped);
        const Node &node = m_nodes[static_cast<size_t>(id)];
        int next = -1;
        for (int i = 0; i < node.childCount && next < 0; ++i) {
            const Node &child = m_nodes[static_cast<size_t>(node.firstChild + i)];
            if (child.arrayIndex >= 0) {
                if (token == QString::number(child.arrayIndex)) // no leading zeros or signs
                    next = node.firstChild + i;
            } else if (child.key == token) {
                next = node.firstChild + i;
            }
        }
        if (next < 0)
            return {};
        id = next;
    }
    return createIndex(m_nodes[static_cast<size_t>(id)].row, KeyColumn, quintptr(id));
}

} // namespace eventlens

#include "jsonpatch.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace eventlens {

namespace {

using ojson = nlohmann::ordered_json;
using Tokens = std::vector<std::string>;

QString toQ(const std::string &s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

// Member lookup in an object. ordered_json keeps members in a vector (linear find), so large
// objects get a hash index once instead of a linear search per member.
class MemberLookup
{
public:
    explicit MemberLookup(const ojson &object)
        : m_object(object)
    {
        if (object.size() > 16) {
            m_index.reserve(object.size());
            for (auto it = object.begin(); it != object.end(); ++it)
                m_index.emplace(std::string_view(it.key()), &it.value());
        }
    }

    const ojson *find(const std::string &key) const
    {
        if (m_index.empty()) {
            const auto it = m_object.find(key);
            return it == m_object.end() ? nullptr : &*it;
        }
        const auto it = m_index.find(std::string_view(key));
        return it == m_index.end() ? nullptr : it->second;
    }

private:
    const ojson &m_object;
    std::unordered_map<std::string_view, const ojson *> m_index;
};

bool jsonEqual(const ojson &a, const ojson &b)
{
    if (a.is_number() && b.is_number())
        return a == b; // numeric comparison across integer / unsigned / float
    if (a.type() != b.type())
        return false;
    if (a.is_object()) {
        if (a.size() != b.size())
            return false;
        const MemberLookup lookup(b);
        for (auto it = a.begin(); it != a.end(); ++it) {
            const ojson *other = lookup.find(it.key());
            if (!other || !jsonEqual(it.value(), *other))
                return false;
        }
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size())
            return false;
        for (size_t i = 0; i < a.size(); ++i) {
            if (!jsonEqual(a[i], b[i]))
                return false;
        }
        return true;
    }
    return a == b;
}

void appendEscaped(std::string &path, const std::string &token)
{
    path += '/';
    for (const char c : token) {
        if (c == '~')
            path += "~0";
        else if (c == '/')
            path += "~1";
        else
            path += c;
    }
}

// Parses an RFC 6901 pointer; nullopt with *error set when malformed.
std::optional<Tokens> splitPointer(const std::string &pointer, QString *error)
{
    Tokens tokens;
    if (pointer.empty())
        return tokens;
    if (pointer.front() != '/') {
        *error = QStringLiteral("a JSON Pointer must be empty or start with '/'");
        return std::nullopt;
    }
    std::string token;
    for (size_t i = 1; i <= pointer.size(); ++i) {
        if (i == pointer.size() || pointer[i] == '/') {
            tokens.push_back(std::move(token));
            token.clear();
            continue;
        }
        const char c = pointer[i];
        if (c == '~') {
            const char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
            if (next != '0' && next != '1') {
                *error = QStringLiteral("'~' must be followed by '0' or '1' in a JSON Pointer");
                return std::nullopt;
            }
            token += next == '0' ? '~' : '/';
            ++i;
        } else {
            token += c;
        }
    }
    return tokens;
}

std::string joinPointer(const Tokens &tokens, size_t count)
{
    std::string path;
    for (size_t i = 0; i < count; ++i)
        appendEscaped(path, tokens[i]);
    return path;
}

QString shortDump(const ojson &value)
{
    std::string s = value.dump(-1, ' ', false, ojson::error_handler_t::replace);
    if (s.size() > 80)
        s = s.substr(0, 77) + "...";
    return toQ(s);
}

QString kindName(const ojson &value)
{
    switch (value.type()) {
    case ojson::value_t::object: return QStringLiteral("an object");
    case ojson::value_t::array: return QStringLiteral("an array");
    case ojson::value_t::string: return QStringLiteral("a string");
    case ojson::value_t::boolean: return QStringLiteral("a boolean");
    case ojson::value_t::null: return QStringLiteral("null");
    default: return QStringLiteral("a number");
    }
}

// --- diff ------------------------------------------------------------------------------------

class Differ
{
public:
    explicit Differ(std::vector<JsonChange> *changes)
        : m_changes(changes) {}

    void value(const ojson &a, const ojson &b, std::string &path)
    {
        if (a.is_object() && b.is_object())
            object(a, b, path);
        else if (a.is_array() && b.is_array())
            array(a, b, path);
        else if (!jsonEqual(a, b))
            record(JsonChange::Kind::Changed, path, &a, &b);
    }

    ojson patch = ojson::array();

private:
    void object(const ojson &a, const ojson &b, std::string &path)
    {
        const size_t length = path.size();
        const MemberLookup inB(b);
        // Removed members first, then changed ones: a removal never shifts anything, and
        // keeping them apart reads better.
        for (auto it = a.begin(); it != a.end(); ++it) {
            if (!inB.find(it.key())) {
                appendEscaped(path, it.key());
                record(JsonChange::Kind::Removed, path, &it.value(), nullptr);
                path.resize(length);
            }
        }
        for (auto it = a.begin(); it != a.end(); ++it) {
            if (const ojson *other = inB.find(it.key())) {
                appendEscaped(path, it.key());
                value(it.value(), *other, path);
                path.resize(length);
            }
        }
        const MemberLookup inA(a);
        for (auto it = b.begin(); it != b.end(); ++it) {
            if (!inA.find(it.key())) {
                appendEscaped(path, it.key());
                record(JsonChange::Kind::Added, path, nullptr, &it.value());
                path.resize(length);
            }
        }
    }

    void array(const ojson &a, const ojson &b, std::string &path)
    {
        const size_t length = path.size();
        const size_t na = a.size();
        const size_t nb = b.size();
        const size_t shorter = std::min(na, nb);
        size_t prefix = 0;
        while (prefix < shorter && jsonEqual(a[prefix], b[prefix]))
            ++prefix;
        size_t suffix = 0;
        while (suffix < shorter - prefix && jsonEqual(a[na - 1 - suffix], b[nb - 1 - suffix]))
            ++suffix;
        const size_t middleA = na - prefix - suffix;
        const size_t middleB = nb - prefix - suffix;
        const size_t paired = std::min(middleA, middleB);
        const auto withIndex = [&](size_t index) {
            path.resize(length);
            path += '/';
            path += std::to_string(index);
        };
        for (size_t i = prefix; i < prefix + paired; ++i) {
            withIndex(i);
            value(a[i], b[i], path);
        }
        // Surplus of `a`: removed from the highest index down, so each path is also the
        // element's index in `a`.
        for (size_t i = prefix + middleA; i-- > prefix + paired;) {
            withIndex(i);
            record(JsonChange::Kind::Removed, path, &a[i], nullptr);
        }
        // Surplus of `b`: inserted from the lowest index up, so each path is the index in `b`.
        for (size_t i = prefix + paired; i < prefix + middleB; ++i) {
            withIndex(i);
            record(JsonChange::Kind::Added, path, nullptr, &b[i]);
        }
        path.resize(length);
    }

    void record(JsonChange::Kind kind, const std::string &path, const ojson *oldValue, const ojson *newValue)
    {
        ojson op = ojson::object();
        op["op"] = kind == JsonChange::Kind::Added ? "add" : kind == JsonChange::Kind::Removed ? "remove" : "replace";
        op["path"] = path;
        if (newValue)
            op["value"] = *newValue;
        patch.push_back(std::move(op));
        if (m_changes) {
            JsonChange change;
            change.kind = kind;
            change.path = toQ(path);
            QString error;
            const auto tokens = splitPointer(path, &error);
            for (const std::string &t : *tokens)
                change.tokens.append(toQ(t));
            if (oldValue)
                change.oldValue = *oldValue;
            if (newValue)
                change.newValue = *newValue;
            m_changes->push_back(std::move(change));
        }
    }

    std::vector<JsonChange> *m_changes;
};

// --- apply -----------------------------------------------------------------------------------

class Applier
{
public:
    Applier(int index, QString opName, QString path)
        : m_index(index), m_opName(std::move(opName)), m_path(std::move(path)) {}

    [[noreturn]] void fail(const QString &message) const
    {
        const QString op = m_opName.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(m_opName);
        throw JsonPatchError(m_index, m_path,
                             QStringLiteral("JSON Patch operation %1%2 at '%3': %4").arg(QString::number(m_index), op, m_path, message));
    }

    Tokens tokens(const std::string &pointer, const char *member) const
    {
        QString error;
        auto t = splitPointer(pointer, &error);
        if (!t)
            fail(QStringLiteral("'%1' is not a valid JSON Pointer (%2): %3").arg(QLatin1String(member), toQ(pointer), error));
        return *t;
    }

    // The array index a token names; "-" (one past the end) only when allowEnd.
    size_t arrayIndex(const ojson &array, const Tokens &tokens, size_t at, bool allowEnd) const
    {
        const std::string &token = tokens[at];
        if (token == "-") {
            if (allowEnd)
                return array.size();
            fail(QStringLiteral("'-' (past the end of the array at '%1') names no element").arg(toQ(joinPointer(tokens, at))));
        }
        const bool digits = !token.empty() && token.size() <= 18
            && std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || (token.size() > 1 && token.front() == '0'))
            fail(QStringLiteral("'%1' is not an array index (at '%2')").arg(toQ(token), toQ(joinPointer(tokens, at))));
        const size_t index = std::stoull(token);
        if (allowEnd ? index > array.size() : index >= array.size())
            fail(QStringLiteral("index %1 is out of range (the array at '%2' has %3 elements)")
                     .arg(QString::number(index), toQ(joinPointer(tokens, at)), QString::number(array.size())));
        return index;
    }

    // The value the first `count` tokens name; fails when it does not exist.
    ojson &resolve(ojson &doc, const Tokens &tokens, size_t count) const
    {
        ojson *current = &doc;
        for (size_t i = 0; i < count; ++i) {
            if (current->is_object()) {
                const auto it = current->find(tokens[i]);
                if (it == current->end())
                    fail(QStringLiteral("no member '%1' in the object at '%2'").arg(toQ(tokens[i]), toQ(joinPointer(tokens, i))));
                current = &*it;
            } else if (current->is_array()) {
                current = &(*current)[arrayIndex(*current, tokens, i, false)];
            } else {
                fail(QStringLiteral("the value at '%1' is %2, not an object or array")
                         .arg(toQ(joinPointer(tokens, i)), kindName(*current)));
            }
        }
        return *current;
    }

    void add(ojson &doc, const Tokens &tokens, ojson value) const
    {
        if (tokens.empty()) {
            doc = std::move(value);
            return;
        }
        ojson &parent = resolve(doc, tokens, tokens.size() - 1);
        const std::string &last = tokens.back();
        if (parent.is_object()) {
            parent[last] = std::move(value);
        } else if (parent.is_array()) {
            const size_t index = arrayIndex(parent, tokens, tokens.size() - 1, true);
            parent.insert(parent.begin() + std::ptrdiff_t(index), std::move(value));
        } else {
            fail(QStringLiteral("the value at '%1' is %2, not an object or array")
                     .arg(toQ(joinPointer(tokens, tokens.size() - 1)), kindName(parent)));
        }
    }

    ojson remove(ojson &doc, const Tokens &tokens) const
    {
        if (tokens.empty())
            fail(QStringLiteral("the whole document cannot be removed"));
        ojson &parent = resolve(doc, tokens, tokens.size() - 1);
        ojson removed;
        if (parent.is_object()) {
            const auto it = parent.find(tokens.back());
            if (it == parent.end())
                fail(QStringLiteral("no member '%1' in the object at '%2'")
                         .arg(toQ(tokens.back()), toQ(joinPointer(tokens, tokens.size() - 1))));
            removed = std::move(*it);
            parent.erase(it);
        } else if (parent.is_array()) {
            const size_t index = arrayIndex(parent, tokens, tokens.size() - 1, false);
            removed = std::move(parent[index]);
            parent.erase(parent.begin() + std::ptrdiff_t(index));
        } else {
            fail(QStringLiteral("the value at '%1' is %2, not an object or array")
                     .arg(toQ(joinPointer(tokens, tokens.size() - 1)), kindName(parent)));
        }
        return removed;
    }

private:
    int m_index;
    QString m_opName;
    QString m_path;
};

const ojson &member(const Applier &applier, const ojson &op, const char *name)
{
    const auto it = op.find(name);
    if (it == op.end())
        applier.fail(QStringLiteral("missing member '%1'").arg(QLatin1String(name)));
    return *it;
}

const std::string &stringMember(const Applier &applier, const ojson &op, const char *name)
{
    const ojson &value = member(applier, op, name);
    if (!value.is_string())
        applier.fail(QStringLiteral("member '%1' must be a string").arg(QLatin1String(name)));
    return value.get_ref<const std::string &>();
}

void applyOperation(ojson &doc, const ojson &op, int index)
{
    if (!op.is_object())
        Applier(index, {}, {}).fail(QStringLiteral("an operation must be an object, not %1").arg(shortDump(op)));
    const auto pathIt = op.find("path");
    const auto opIt = op.find("op");
    const QString opName = opIt != op.end() && opIt->is_string() ? toQ(opIt->get<std::string>()) : QString();
    const QString pathText = pathIt != op.end() && pathIt->is_string() ? toQ(pathIt->get<std::string>()) : QString();
    const Applier applier(index, opName, pathText);
    const std::string &name = stringMember(applier, op, "op");
    const Tokens path = applier.tokens(stringMember(applier, op, "path"), "path");

    if (name == "add") {
        applier.add(doc, path, member(applier, op, "value"));
    } else if (name == "remove") {
        applier.remove(doc, path);
    } else if (name == "replace") {
        const ojson &value = member(applier, op, "value");
        applier.resolve(doc, path, path.size()) = value;
    } else if (name == "move" || name == "copy") {
        const std::string &fromText = stringMember(applier, op, "from");
        const Tokens from = applier.tokens(fromText, "from");
        if (name == "move") {
            if (from == path) {
                applier.resolve(doc, from, from.size()); // must exist
                return;
            }
            if (path.size() > from.size() && std::equal(from.begin(), from.end(), path.begin()))
                applier.fail(QStringLiteral("cannot move '%1' into its own child").arg(toQ(fromText)));
            applier.add(doc, path, applier.remove(doc, from));
        } else {
            applier.add(doc, path, applier.resolve(doc, from, from.size()));
        }
    } else if (name == "test") {
        const ojson &expected = member(applier, op, "value");
        const ojson &actual = applier.resolve(doc, path, path.size());
        if (!jsonEqual(actual, expected))
            applier.fail(QStringLiteral("test failed: the value is %1, expected %2").arg(shortDump(actual), shortDump(expected)));
    } else {
        applier.fail(QStringLiteral("unknown operation '%1' (expected add, remove, replace, move, copy or test)").arg(toQ(name)));
    }
}

} // namespace

JsonPatch::Json JsonPatch::mergePatch(const Json &target, const Json &patch)
{
    Json result = target;
    mergePatchInPlace(result, patch);
    return result;
}

void JsonPatch::mergePatchInPlace(Json &target, const Json &patch)
{
    if (!patch.is_object()) {
        target = patch;
        return;
    }
    if (!target.is_object())
        target = Json::object();
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        const Json &value = it.value();
        if (value.is_null()) {
            target.erase(it.key());
        } else if (value.is_object()) {
            // A missing member starts as null, which the recursion turns into an object
            // (so the nulls of a new nested object are dropped, as RFC 7386 says).
            mergePatchInPlace(target[it.key()], value);
        } else {
            const auto found = target.find(it.key());
            if (found == target.end())
                target[it.key()] = value;
            else if (found->is_string() && value.is_string())
                found->get_ref<std::string &>() = value.get_ref<const std::string &>(); // reuses the string
            else
                *found = value;
        }
    }
}

JsonPatch::Json JsonPatch::diff(const Json &before, const Json &after)
{
    return diff(before, after, nullptr);
}

std::vector<JsonChange> JsonPatch::changes(const Json &before, const Json &after)
{
    std::vector<JsonChange> result;
    diff(before, after, &result);
    return result;
}

JsonPatch::Json JsonPatch::diff(const Json &before, const Json &after, std::vector<JsonChange> *changes)
{
    Differ differ(changes);
    std::string path;
    differ.value(before, after, path);
    return std::move(differ.patch);
}

JsonPatch::Json JsonPatch::apply(const Json &doc, const Json &patch)
{
    if (!patch.is_array())
        throw JsonPatchError(-1, QString(), QStringLiteral("a JSON Patch must be an array of operations, not %1").arg(kindName(patch)));
    Json result = doc;
    int index = 0;
    for (const Json &op : patch)
        applyOperation(result, op, index++);
    return result;
}

bool JsonPatch::equal(const Json &a, const Json &b)
{
    return jsonEqual(a, b);
}

QStringList JsonPatch::parsePointer(const QString &pointer)
{
    QString error;
    const auto tokens = splitPointer(pointer.toStdString(), &error);
    if (!tokens)
        throw JsonPatchError(-1, pointer, QStringLiteral("'%1' is not a valid JSON Pointer: %2").arg(pointer, error));
    QStringList result;
    result.reserve(qsizetype(tokens->size()));
    for (const std::string &t : *tokens)
        result.append(toQ(t));
    return result;
}

QString JsonPatch::escapeToken(const QString &token)
{
    QString escaped = token;
    escaped.replace(QLatin1Char('~'), QLatin1String("~0"));
    escaped.replace(QLatin1Char('/'), QLatin1String("~1"));
    return escaped;
}

QString JsonPatch::pointer(const QStringList &tokens)
{
    QString result;
    for (const QString &t : tokens)
        result += QLatin1Char('/') + escapeToken(t);
    return result;
}

} // namespace eventlens

#pragma once

#include "jsonpatcherror.h"

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <vector>

namespace eventlens {

// One changed place between two JSON documents, for highlighting tree nodes.
struct JsonChange
{
    enum class Kind { Added, Removed, Changed };

    Kind kind = Kind::Changed;
    // JSON Pointer (RFC 6901) of the changed value: for Added and Changed a place in the new
    // document, for Removed a place in the old one ("" is the whole document).
    QString path;
    // The same path as unescaped tokens (object keys or array indexes in decimal).
    QStringList tokens;
    nlohmann::ordered_json oldValue; // null for Added
    nlohmann::ordered_json newValue; // null for Removed

    bool operator==(const JsonChange &other) const = default;
};

// JSON Merge Patch (RFC 7386), JSON Patch (RFC 6902) and JSON Pointer (RFC 6901) on
// nlohmann::ordered_json, which keeps the order of object members.
//
// Equality of JSON values is the JSON one throughout (RFC 6902 §4.6): the order of object
// members does not matter, numbers are equal when their values are (1 == 1.0).
class JsonPatch final
{
public:
    using Json = nlohmann::ordered_json;

    JsonPatch() = delete;

    // RFC 7386: a null member of the patch removes the member, an object patch is merged
    // recursively, any other patch replaces the target. New members are appended.
    static Json mergePatch(const Json &target, const Json &patch);
    static void mergePatchInPlace(Json &target, const Json &patch);

    // A patch (RFC 6902 array of add / remove / replace operations) that turns `before` into
    // `after`, so that apply(before, diff(before, after)) equals after.
    // - Objects are compared member by member, recursively: changing one member gives one
    //   operation on that member, never a replace of the object. Removed members come first (in
    //   before's order), then changed ones, then added ones (in after's order).
    // - Arrays are compared by index after trimming the equal elements at both ends: the common
    //   prefix and suffix give no operation, the elements left in the middle are compared pairwise
    //   (recursively), and the surplus is removed (highest index first) or added (lowest index
    //   first). So appending, removing or inserting one element, or changing one element in
    //   place, is a single operation; a reordering shows as element-wise changes.
    // - A value whose type changes (object to array, number to string...) is replaced whole.
    // Paths of "remove" are places in `before`, paths of "add"/"replace" places in `after`;
    // applied in order, every path is valid.
    static Json diff(const Json &before, const Json &after);
    // The same comparison as a flat list, one entry per operation of diff(), in the same order.
    static std::vector<JsonChange> changes(const Json &before, const Json &after);
    // Both at once.
    static Json diff(const Json &before, const Json &after, std::vector<JsonChange> *changes);

    // Applies an RFC 6902 patch (add, remove, replace, move, copy, test) to a copy of doc.
    // Throws JsonPatchError naming the operation's index and path when an operation is malformed
    // or cannot be applied (missing member, index out of range, failed test...); doc is unchanged.
    static Json apply(const Json &doc, const Json &patch);

    // JSON equality: members in any order, numbers by value.
    static bool equal(const Json &a, const Json &b);

    // RFC 6901: "/a~1b/0" <-> {"a/b", "0"}. parsePointer throws JsonPatchError (op index -1)
    // on a pointer that does not start with '/' or has a '~' not followed by '0' or '1'.
    static QStringList parsePointer(const QString &pointer);
    static QString pointer(const QStringList &tokens);
    static QString escapeToken(const QString &token);
};

} // namespace eventlens

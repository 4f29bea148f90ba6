#pragma once

#include "jsonscanner.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace eventlens {

// Conversions of scanned JSON values to event fields, shared by the JSON-based parsers.
// Each returns false and a reason ("must be a non-empty string") when the value is unusable.
class JsonFields final
{
public:
    // A non-empty string; integers are accepted as their text when allowNumber is set.
    static bool text(const JsonValue &value, QString &out, QString &reason, bool allowNumber = false);
    // A non-negative integer, or a string of digits.
    static bool version(const JsonValue &value, qint64 &out, QString &reason);
    // ISO 8601 text, Unix seconds (below 10^11) or milliseconds as a number or numeric text.
    // null leaves out empty.
    static bool time(const JsonValue &value, std::optional<qint64> &out, QString &reason);
    // JSON kept as compact text. With decodeJsonText, a string that holds a JSON object or
    // array ("{\"a\":1}") is decoded to that JSON.
    static void data(const JsonValue &value, QByteArray &out, bool decodeJsonText);
    // An object, a string holding a JSON object, or null ("{}"); anything else is an error.
    static bool metadata(const JsonValue &value, QByteArray &out, QString &reason);

    // Validates text as one JSON value and returns it compacted; nullopt (and *error) when not JSON.
    static std::optional<QByteArray> compactText(QByteArrayView text, QString *error = nullptr);
    // Whether text (after leading whitespace) starts like a JSON object or array.
    static bool looksLikeContainer(QByteArrayView text);
};

} // namespace eventlens

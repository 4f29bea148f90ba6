#include "jsonfields.h"

#include "timeutil.h"

namespace eventlens {

bool JsonFields::text(const JsonValue &value, QString &out, QString &reason, bool allowNumber)
{
    if (value.isString()) {
        if (value.size <= 2) {
            reason = QStringLiteral("empty");
            return false;
        }
        out = JsonScanner::toQString(value);
        return true;
    }
    if (allowNumber && value.isNumber() && JsonScanner::toInt64(value)) {
        out = QString::fromLatin1(value.begin, value.size);
        return true;
    }
    reason = QStringLiteral("must be a non-empty string, not %1").arg(value.kindName());
    return false;
}

bool JsonFields::version(const JsonValue &value, qint64 &out, QString &reason)
{
    std::optional<qint64> v;
    if (value.isNumber()) {
        v = JsonScanner::toInt64(value);
    } else if (value.isString() && !value.hasEscapes && value.size > 2) {
        bool ok = false;
        const qint64 n = QByteArrayView(value.begin + 1, value.size - 2).toLongLong(&ok);
        if (ok)
            v = n;
    }
    if (!v || *v < 0) {
        reason = QStringLiteral("must be a non-negative integer, not %1")
                     .arg(value.isString() || value.isNumber() ? QString::fromUtf8(value.begin, value.size)
                                                               : value.kindName());
        return false;
    }
    out = *v;
    return true;
}

bool JsonFields::time(const JsonValue &value, std::optional<qint64> &out, QString &reason)
{
    out.reset();
    if (value.isNull())
        return true;
    if (value.isNumber()) {
        if (const auto d = JsonScanner::toDouble(value))
            out = timeutil::fromUnixNumber(*d);
    } else if (value.isString()) {
        if (!value.hasEscapes)
            out = timeutil::parseIso(QByteArray::fromRawData(value.begin + 1, value.size - 2));
        if (!out)
            out = timeutil::parseTimeValue(JsonScanner::toQString(value));
    }
    if (!out) {
        reason = QStringLiteral("not a valid time: %1 (expected ISO 8601 or Unix seconds/milliseconds)")
                     .arg(value.isString() || value.isNumber() ? QString::fromUtf8(value.begin, value.size)
                                                               : value.kindName());
        return false;
    }
    return true;
}

void JsonFields::data(const JsonValue &value, QByteArray &out, bool decodeJsonText)
{
    if (decodeJsonText && value.isString() && value.size > 2) {
        const QByteArray decoded = JsonScanner::decodeString(value);
        if (looksLikeContainer(decoded)) {
            if (auto json = compactText(decoded)) {
                out = std::move(*json);
                return;
            }
        }
    }
    out = JsonScanner::compact(value);
}

bool JsonFields::metadata(const JsonValue &value, QByteArray &out, QString &reason)
{
    if (value.isObject()) {
        out = JsonScanner::compact(value);
        return true;
    }
    if (value.isNull()) {
        out = QByteArrayLiteral("{}");
        return true;
    }
    if (value.isString()) {
        const QByteArray decoded = JsonScanner::decodeString(value);
        if (decoded.trimmed().isEmpty()) {
            out = QByteArrayLiteral("{}");
            return true;
        }
        JsonValue inner;
        JsonScanError error;
        if (JsonScanner::scanValue(decoded, inner, error) == JsonScanner::Status::Ok && inner.isObject()) {
            out = JsonScanner::compact(inner);
            return true;
        }
        reason = QStringLiteral("must be a JSON object (or a string holding one)");
        return false;
    }
    reason = QStringLiteral("must be a JSON object, not %1").arg(value.kindName());
    return false;
}

std::optional<QByteArray> JsonFields::compactText(QByteArrayView text, QString *error)
{
    JsonValue value;
    JsonScanError scanError;
    if (JsonScanner::scanValue(text, value, scanError) != JsonScanner::Status::Ok) {
        if (error)
            *error = JsonScanner::describe(text, scanError, text.contains('\n'));
        return std::nullopt;
    }
    return JsonScanner::compact(value);
}

bool JsonFields::looksLikeContainer(QByteArrayView text)
{
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        return c == '{' || c == '[';
    }
    return false;
}

} // namespace eventlens

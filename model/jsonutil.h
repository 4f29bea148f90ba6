#pragma once

#include <QByteArray>
#include <QString>
#include <QStringView>

#include <nlohmann/json.hpp>

#include <optional>

namespace eventlens::jsonutil {

// Parses JSON text; on failure returns nullopt and, when given, sets *error to a
// message with the byte offset ("syntax error at byte 17: ...").
std::optional<nlohmann::json> parse(const QByteArray &text, QString *error = nullptr);

// Parses JSON text whose objects hold each key once, as JSON.stringify writes it, into an
// ordered_json in linear time (nlohmann's own ordered_json parser looks every key up among the
// members before it: quadratic in an object's size, seconds for 100,000 members). A key that
// does appear twice is kept twice. Null when the text is not JSON.
nlohmann::ordered_json parseStringified(const char *begin, const char *end);
nlohmann::ordered_json parseStringified(const QByteArray &text);

// Compact serialisation (nlohmann's dump()), as stored in the event store.
QByteArray dump(const nlohmann::json &value);

// Validates JSON text and returns it compacted, members in their original order;
// nullopt (and *error) when invalid.
std::optional<QByteArray> compact(const QByteArray &text, QString *error = nullptr);

// Appends `text` as a JSON string literal (with quotes and escapes) to out.
void appendString(QByteArray &out, QStringView text);
void appendString(QByteArray &out, const QByteArray &utf8);

QString toQString(const std::string &s);
// nlohmann's parse error without its "[json.exception.parse_error.101] " prefix (the same type
// for json and ordered_json).
QString parseErrorText(const nlohmann::json::parse_error &e);
std::string toStd(const QString &s);

} // namespace eventlens::jsonutil

#pragma once

#include <QByteArray>
#include <QString>
#include <QStringView>
#include <QtGlobal>

#include <optional>

namespace eventlens {

// UTC milliseconds since the Unix epoch <-> text, without QDateTime on the hot path.
namespace timeutil {

// "YYYY-MM-DDTHH:MM:SS.mmmZ"
QByteArray formatIso(qint64 ms);
QString formatIsoString(qint64 ms);

// ISO 8601 / RFC 3339: date, 'T' or ' ', time, optional fraction (any digits), 'Z' or ±HH:MM
// (no zone: UTC). A date alone is midnight UTC.
std::optional<qint64> parseIso(QStringView text);
std::optional<qint64> parseIso(const QByteArray &text);

// ISO 8601 text, or a Unix time: seconds when below 10^11, milliseconds otherwise.
std::optional<qint64> parseTimeValue(QStringView text);
std::optional<qint64> fromUnixNumber(double value);

qint64 nowMs();

} // namespace timeutil
} // namespace eventlens

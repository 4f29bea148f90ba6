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
// CPU time of the whole process (every thread, user and system), in seconds.
double processCpuSeconds();

// The instants that format as "YYYY-MM-DDTHH:MM:SS.mmmZ": years 0000 to 9999.
constexpr qint64 kMinMs = -62167219200000LL;  // 0000-01-01T00:00:00.000Z
constexpr qint64 kMaxMs = 253402300799999LL;  // 9999-12-31T23:59:59.999Z
constexpr bool inRange(qint64 ms) { return ms >= kMinMs && ms <= kMaxMs; }

} // namespace timeutil
} // namespace eventlens

#pragma once

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <optional>

namespace eventlens {

// The canonical event (DESIGN.md §2). Every source maps onto this value type.
struct Event
{
    qint64 position = 0;   // global position, 1-based
    QString stream;        // stream / aggregate id
    qint64 version = -1;   // 0-based version within the stream
    QString id;            // event id, unique
    QString type;
    QByteArray data;       // compact JSON text when dataIsJson, raw bytes otherwise
    QByteArray metadata;   // compact JSON object text ("{}" when empty)
    bool dataIsJson = true;
    qint64 timeMs = 0;     // UTC, milliseconds since the Unix epoch
    QByteArray hash;       // SHA-256 chained to the previous event (32 bytes), empty when unknown

    // Category: the part of the stream name before the first '-'.
    QString category() const;
    static QString categoryOf(const QString &stream);

    // One JSON Lines record with exactly the canonical keys
    // position, stream, version, id, type, data, metadata, time.
    // Non-JSON data appears as a JSON string: the text when it is valid UTF-8, otherwise
    // "base64:" followed by the bytes in base64.
    QByteArray toJsonLine() const;
    static QByteArray rawDataText(const QByteArray &data);

    bool operator==(const Event &other) const = default;
};

// An event to append: the store assigns position and version.
struct NewEvent
{
    QString id;            // empty: the store generates a UUID
    QString type;
    QByteArray data = QByteArrayLiteral("{}");
    QByteArray metadata = QByteArrayLiteral("{}");
    bool dataIsJson = true;
    std::optional<qint64> timeMs; // empty: the append time
};

} // namespace eventlens

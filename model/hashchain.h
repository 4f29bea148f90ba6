#pragma once

#include "event.h"

#include <QByteArray>

namespace eventlens::hashchain {

// SHA-256 over the previous event's hash (32 zero bytes before the first event) followed by
// the event's canonical serialisation: position (8 bytes, big-endian), stream, version
// (8 bytes), id, type, time in ms (8 bytes), one byte 1/0 for JSON/raw data, data and
// metadata; every text (UTF-8) or byte field is preceded by its length as 4 bytes big-endian.
QByteArray eventHash(const QByteArray &previousHash, const Event &event);

// The same over fields already in UTF-8 (the store's append path).
struct Fields
{
    qint64 position = 0;
    QByteArrayView stream;
    qint64 version = 0;
    QByteArrayView id;
    QByteArrayView type;
    qint64 timeMs = 0;
    bool dataIsJson = true;
    QByteArrayView data;
    QByteArrayView metadata;
};
QByteArray eventHash(const QByteArray &previousHash, const Fields &fields);
// The same, written to out (32 bytes) without allocating; previousHash is 32 bytes, or empty for
// the first event.
void eventHash(QByteArrayView previousHash, const Fields &fields, char *out);

QByteArray genesis();

} // namespace eventlens::hashchain

#pragma once

#include "event.h"

#include <QByteArray>

namespace eventlens::hashchain {

// SHA-256 over the previous event's hash (32 zero bytes before the first event) followed by
// the event's canonical serialisation: position (8 bytes, big-endian), stream, version
// (8 bytes), id, type, time in ms (8 bytes), one byte 1/0 for JSON/raw data, data and
// metadata; every text or byte field is preceded by its length as 4 bytes big-endian.
QByteArray eventHash(const QByteArray &previousHash, const Event &event);
QByteArray genesis();

} // namespace eventlens::hashchain

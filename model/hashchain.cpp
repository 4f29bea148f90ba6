#include "hashchain.h"

#include <QCryptographicHash>
#include <QtEndian>

namespace eventlens::hashchain {

namespace {

void putInt64(QByteArray &out, qint64 v)
{
    char buf[8];
    qToBigEndian<qint64>(v, buf);
    out.append(buf, 8);
}

void putBytes(QByteArray &out, const QByteArray &bytes)
{
    char buf[4];
    qToBigEndian<quint32>(static_cast<quint32>(bytes.size()), buf);
    out.append(buf, 4);
    out.append(bytes);
}

} // namespace

QByteArray genesis()
{
    return QByteArray(32, '\0');
}

QByteArray eventHash(const QByteArray &previousHash, const Event &event)
{
    QByteArray buf;
    buf.reserve(128 + event.data.size() + event.metadata.size());
    buf.append(previousHash.isEmpty() ? genesis() : previousHash);
    putInt64(buf, event.position);
    putBytes(buf, event.stream.toUtf8());
    putInt64(buf, event.version);
    putBytes(buf, event.id.toUtf8());
    putBytes(buf, event.type.toUtf8());
    putInt64(buf, event.timeMs);
    buf.append(event.dataIsJson ? '\1' : '\0');
    putBytes(buf, event.data);
    putBytes(buf, event.metadata);
    return QCryptographicHash::hash(buf, QCryptographicHash::Sha256);
}

} // namespace eventlens::hashchain

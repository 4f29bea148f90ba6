#include "hashchain.h"

#include <QtEndian>

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace eventlens::hashchain {

namespace {

// OpenSSL's SHA-256 uses the CPU's SHA extensions where present; one context per thread.
class Sha256
{
public:
    Sha256()
        : m_md(EVP_MD_fetch(nullptr, "SHA256", nullptr)), m_ctx(EVP_MD_CTX_new())
    {
    }
    ~Sha256()
    {
        EVP_MD_CTX_free(m_ctx);
        EVP_MD_free(m_md);
    }
    void begin() { EVP_DigestInit_ex2(m_ctx, m_md, nullptr); }
    void add(const void *p, size_t n) { EVP_DigestUpdate(m_ctx, p, n); }
    void finishTo(char *out)
    {
        unsigned int len = 0;
        EVP_DigestFinal_ex(m_ctx, reinterpret_cast<unsigned char *>(out), &len);
    }

private:
    EVP_MD *m_md;
    EVP_MD_CTX *m_ctx;
};

Sha256 &threadHasher()
{
    thread_local Sha256 hasher;
    return hasher;
}

} // namespace

QByteArray genesis()
{
    return QByteArray(32, '\0');
}

void eventHash(QByteArrayView previousHash, const Fields &f, char *out)
{
    // The canonical serialisation is assembled in one buffer and hashed in one call: much
    // cheaper than one digest update per field for events of a few hundred bytes.
    thread_local QByteArray buffer;
    const qsizetype size = (previousHash.isEmpty() ? 32 : previousHash.size()) + 8 + 4 + f.stream.size() + 8 + 4 + f.id.size() + 4 + f.type.size() + 8 + 1 + 4
        + f.data.size() + 4 + f.metadata.size();
    if (buffer.size() < size)
        buffer.resize(std::max<qsizetype>(size, 4096));
    char *p = buffer.data();
    const auto put = [&p](const void *bytes, qsizetype n) {
        if (n > 0)
            std::memcpy(p, bytes, static_cast<size_t>(n));
        p += n;
    };
    const auto putInt64 = [&p](qint64 v) {
        qToBigEndian<qint64>(v, p);
        p += 8;
    };
    const auto putBytes = [&](QByteArrayView bytes) {
        qToBigEndian<quint32>(static_cast<quint32>(bytes.size()), p);
        p += 4;
        put(bytes.data(), bytes.size());
    };
    if (previousHash.isEmpty()) {
        std::memset(p, 0, 32);
        p += 32;
    } else {
        put(previousHash.data(), previousHash.size());
    }
    putInt64(f.position);
    putBytes(f.stream);
    putInt64(f.version);
    putBytes(f.id);
    putBytes(f.type);
    putInt64(f.timeMs);
    *p++ = f.dataIsJson ? '\1' : '\0';
    putBytes(f.data);
    putBytes(f.metadata);
    Sha256 &h = threadHasher();
    h.begin();
    h.add(buffer.constData(), static_cast<size_t>(p - buffer.constData()));
    h.finishTo(out);
}

QByteArray eventHash(const QByteArray &previousHash, const Fields &f)
{
    QByteArray out(32, Qt::Uninitialized);
    eventHash(QByteArrayView(previousHash), f, out.data());
    return out;
}

QByteArray eventHash(const QByteArray &previousHash, const Event &event)
{
    const QByteArray stream = event.stream.toUtf8();
    const QByteArray id = event.id.toUtf8();
    const QByteArray type = event.type.toUtf8();
    return eventHash(previousHash, Fields{event.position, stream, event.version, id, type, event.timeMs, event.dataIsJson,
                                          event.data, event.metadata});
}

} // namespace eventlens::hashchain

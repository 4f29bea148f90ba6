#include "hashchain.h"

#include <QtEndian>

#include <openssl/evp.h>

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
    void addInt64(qint64 v)
    {
        char buf[8];
        qToBigEndian<qint64>(v, buf);
        add(buf, 8);
    }
    void addBytes(QByteArrayView bytes)
    {
        char buf[4];
        qToBigEndian<quint32>(static_cast<quint32>(bytes.size()), buf);
        add(buf, 4);
        add(bytes.data(), static_cast<size_t>(bytes.size()));
    }
    QByteArray finish()
    {
        QByteArray out(32, Qt::Uninitialized);
        unsigned int len = 0;
        EVP_DigestFinal_ex(m_ctx, reinterpret_cast<unsigned char *>(out.data()), &len);
        return out;
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

QByteArray eventHash(const QByteArray &previousHash, const Fields &f)
{
    Sha256 &h = threadHasher();
    h.begin();
    const QByteArray prev = previousHash.isEmpty() ? genesis() : previousHash;
    h.add(prev.constData(), static_cast<size_t>(prev.size()));
    h.addInt64(f.position);
    h.addBytes(f.stream);
    h.addInt64(f.version);
    h.addBytes(f.id);
    h.addBytes(f.type);
    h.addInt64(f.timeMs);
    const char json = f.dataIsJson ? '\1' : '\0';
    h.add(&json, 1);
    h.addBytes(f.data);
    h.addBytes(f.metadata);
    return h.finish();
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

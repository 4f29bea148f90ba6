#include "batchidindex.h"

namespace eventlens {

quint64 BatchIdIndex::fingerprint(QByteArrayView storedId)
{
    // FNV-1a over the bytes, then a 64-bit finaliser (splitmix64) to spread sequential ids.
    quint64 h = 0xcbf29ce484222325ULL;
    for (const char c : storedId) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

void BatchIdIndex::insert(quint64 fingerprint, qint64 position)
{
    if ((m_size + 1) * 10 > m_slots.size() * 7)
        grow();
    const quint64 key = fingerprint | 1;
    size_t i = key & m_mask;
    while (m_slots[i].key != 0)
        i = (i + 1) & m_mask;
    m_slots[i] = Slot{key, position};
    ++m_size;
}

bool BatchIdIndex::insertIfNew(quint64 fingerprint, qint64 position)
{
    if (!m_later.empty())
        insertPutAside();
    if ((m_size + 1) * 10 > m_slots.size() * 7)
        grow();
    const quint64 key = fingerprint | 1;
    size_t i = key & m_mask;
    while (m_slots[i].key != 0) {
        if (m_slots[i].key == key)
            return false;
        i = (i + 1) & m_mask;
    }
    m_slots[i] = Slot{key, position};
    ++m_size;
    return true;
}

void BatchIdIndex::insertPutAside()
{
    std::vector<Slot> later = std::move(m_later);
    m_later = {};
    for (const Slot &slot : later)
        insert(slot.key, slot.position);
}

void BatchIdIndex::grow()
{
    std::vector<Slot> old = std::move(m_slots);
    const size_t capacity = old.empty() ? 1024 : old.size() * 2;
    m_slots.assign(capacity, Slot{});
    m_mask = capacity - 1;
    for (const Slot &slot : old) {
        if (slot.key == 0)
            continue;
        size_t i = slot.key & m_mask;
        while (m_slots[i].key != 0)
            i = (i + 1) & m_mask;
        m_slots[i] = slot;
    }
}

void BatchIdIndex::clear()
{
    m_slots = {};
    m_later = {};
    m_mask = 0;
    m_size = 0;
}

} // namespace eventlens

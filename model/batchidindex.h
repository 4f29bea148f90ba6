#pragma once

#include <QByteArrayView>
#include <QtGlobal>

#include <vector>

namespace eventlens {

// The ids appended in a write batch whose UNIQUE(id) index is only built at commit (a batch that
// starts on an empty log). It maps a 64-bit fingerprint of each id to the event's position, in
// 16 bytes per slot. A fingerprint is not the id: the caller confirms every candidate against
// the stored event, so a collision costs one read and is never wrong, and an entry left behind
// by a rolled-back append is harmless (its position holds another event or none).
class BatchIdIndex final
{
public:
    static quint64 fingerprint(QByteArrayView storedId);

    void insert(quint64 fingerprint, qint64 position);
    // The same, put aside: the table is only built from these entries when findCandidate() is
    // called (a bulk import that never needs to look an id up never builds it).
    void insertLater(quint64 fingerprint, qint64 position) { m_later.push_back(Slot{fingerprint, position}); }
    // Calls fn(position) for every entry with this fingerprint until fn returns true; returns
    // whether it did.
    template<typename Fn>
    bool findCandidate(quint64 fingerprint, Fn &&fn)
    {
        if (!m_later.empty())
            insertPutAside();
        if (m_slots.empty())
            return false;
        const quint64 key = fingerprint | 1; // 0 marks an empty slot
        for (size_t i = key & m_mask;; i = (i + 1) & m_mask) {
            const Slot &slot = m_slots[i];
            if (slot.key == 0)
                return false;
            if (slot.key == key && fn(slot.position))
                return true;
        }
    }
    // For a set of fingerprints: inserts it unless an entry has it already; true when inserted.
    bool insertIfNew(quint64 fingerprint, qint64 position);
    // Asks the CPU to fetch the slot of this fingerprint (a later insert or lookup then finds it in
    // the cache).
    void prefetch(quint64 fingerprint) const
    {
        if (!m_slots.empty())
            __builtin_prefetch(&m_slots[(fingerprint | 1) & m_mask]);
    }
    void clear();
    qsizetype size() const { return static_cast<qsizetype>(m_size + m_later.size()); }

private:
    struct Slot
    {
        quint64 key = 0;
        qint64 position = 0;
    };
    void grow();
    void insertPutAside();

    std::vector<Slot> m_slots;
    std::vector<Slot> m_later; // fingerprint, position
    size_t m_mask = 0;
    size_t m_size = 0;
};

} // namespace eventlens

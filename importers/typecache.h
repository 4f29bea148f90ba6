#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <vector>

namespace eventlens {

// Interns the few distinct strings of a column (event types): repeated values share one
// QString instead of allocating one per record.
class TypeCache final
{
public:
    QString intern(QByteArrayView utf8);
    void clear() { m_entries.clear(); }

private:
    static constexpr size_t MaxEntries = 256;
    struct Entry
    {
        QByteArray key;
        QString value;
    };
    std::vector<Entry> m_entries;
    size_t m_last = 0;
};

} // namespace eventlens

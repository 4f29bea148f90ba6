#include "typecache.h"

namespace eventlens {

QString TypeCache::intern(QByteArrayView utf8)
{
    if (m_last < m_entries.size() && m_entries[m_last].key == utf8)
        return m_entries[m_last].value;
    for (size_t i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].key == utf8) {
            m_last = i;
            return m_entries[i].value;
        }
    }
    QString value = QString::fromUtf8(utf8);
    if (m_entries.size() < MaxEntries) {
        m_entries.push_back(Entry{utf8.toByteArray(), value});
        m_last = m_entries.size() - 1;
    }
    return value;
}

} // namespace eventlens

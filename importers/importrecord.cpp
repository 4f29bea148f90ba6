#include "importrecord.h"

namespace eventlens {

QString ImportIssue::toString() const
{
    QString out = file;
    if (line > 0)
        out += u':' + QString::number(line);
    out += u": ";
    if (index >= 0)
        out += QStringLiteral("record %1").arg(index + 1) + (field.isEmpty() ? u": " : u", ");
    if (!field.isEmpty())
        out += QStringLiteral("field '%1': ").arg(field);
    out += reason;
    return out;
}

} // namespace eventlens

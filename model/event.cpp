#include "event.h"

#include "jsonutil.h"
#include "timeutil.h"

namespace eventlens {

QString Event::categoryOf(const QString &stream)
{
    const qsizetype dash = stream.indexOf(u'-');
    return dash < 0 ? stream : stream.left(dash);
}

QString Event::category() const
{
    return categoryOf(stream);
}

QByteArray Event::rawDataText(const QByteArray &data)
{
    // Valid UTF-8 is shown as it is; other bytes as base64 behind a marker, so nothing is lost.
    if (QString::fromUtf8(data).toUtf8() == data)
        return data;
    return QByteArrayLiteral("base64:") + data.toBase64();
}

QByteArray Event::toJsonLine() const
{
    QByteArray out;
    out.reserve(160 + data.size() + metadata.size());
    out.append("{\"position\":");
    out.append(QByteArray::number(position));
    out.append(",\"stream\":");
    jsonutil::appendString(out, stream);
    out.append(",\"version\":");
    out.append(QByteArray::number(version));
    out.append(",\"id\":");
    jsonutil::appendString(out, id);
    out.append(",\"type\":");
    jsonutil::appendString(out, type);
    out.append(",\"data\":");
    if (dataIsJson)
        out.append(data.isEmpty() ? QByteArrayLiteral("null") : data);
    else
        jsonutil::appendString(out, rawDataText(data));
    out.append(",\"metadata\":");
    out.append(metadata.isEmpty() ? QByteArrayLiteral("{}") : metadata);
    out.append(",\"time\":\"");
    out.append(timeutil::formatIso(timeMs));
    out.append("\"}");
    return out;
}

} // namespace eventlens

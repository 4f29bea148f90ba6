#include "eventtableproxy.h"

#include <QDateTime>
#include <QFont>

#include "eventlistmodel.h"
#include "jsonformat.h"
#include "timeutil.h"

#include <QList>
#include <QStringDecoder>
#include <QStringList>
#include <QStringView>

#include <algorithm>

namespace eventlens {

namespace {

// Cuts at most maxBytes off the front of text without splitting a UTF-8 sequence (which is at
// most 4 bytes long: bytes that are not UTF-8 are cut at most 3 bytes short).
qsizetype utf8Cut(const QByteArray &text, qsizetype maxBytes)
{
    if (maxBytes >= text.size())
        return text.size();
    qsizetype n = maxBytes;
    while (n > 0 && n > maxBytes - 3 && (static_cast<uchar>(text.at(n)) & 0xC0) == 0x80)
        --n;
    return n;
}

} // namespace

EventTableProxy::EventTableProxy(QObject *parent)
    : QIdentityProxyModel(parent)
{
}

void EventTableProxy::setLocalTime(bool local)
{
    if (local == m_localTime)
        return;
    Q_EMIT layoutAboutToBeChanged();
    m_localTime = local;
    Q_EMIT layoutChanged();
}

void EventTableProxy::setSkippedPositions(const QSet<qint64> &positions)
{
    if (positions == m_skipped)
        return;
    Q_EMIT layoutAboutToBeChanged();
    m_skipped = positions;
    Q_EMIT layoutChanged();
}

QString EventTableProxy::formatTime(qint64 ms) const
{
    if (!m_localTime)
        return timeutil::formatIsoString(ms);
    return QDateTime::fromMSecsSinceEpoch(ms).toOffsetFromUtc(QDateTime::fromMSecsSinceEpoch(ms).offsetFromUtc())
        .toString(Qt::ISODateWithMs);
}

QVariant EventTableProxy::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || !sourceModel())
        return QIdentityProxyModel::data(index, role);
    const QModelIndex source = mapToSource(index);
    const int column = source.column();

    switch (role) {
    case Qt::DisplayRole: {
        const QVariant value = source.data(Qt::DisplayRole);
        if (!value.isValid()) {
            // A row whose page is still being read: a placeholder in its first column.
            if (column == EventListModel::PositionColumn && !source.data(EventListModel::LoadedRole).toBool())
                return QStringLiteral("…");
            return value;
        }
        switch (column) {
        case EventListModel::PositionColumn:
        case EventListModel::VersionColumn:
            return QString::number(value.toLongLong());
        case EventListModel::TimeColumn:
            return formatTime(value.toLongLong());
        case EventListModel::DataColumn:
            return dataPreview(value.toByteArray(), source.data(EventListModel::DataIsJsonRole).toBool());
        default:
            return value; // stream and type: text already
        }
    }
    case Qt::FontRole:
        if (!m_skipped.isEmpty() && m_skipped.contains(source.data(EventListModel::PositionRole).toLongLong())) {
            QFont font;
            font.setStrikeOut(true);
            return font;
        }
        break;
    case Qt::TextAlignmentRole:
        if (column == EventListModel::PositionColumn || column == EventListModel::VersionColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        break;
    case Qt::ToolTipRole:
        if (column == EventListModel::DataColumn) {
            const QString text = dataToolTip(source.data(EventListModel::DataRole).toByteArray(),
                                             source.data(EventListModel::DataIsJsonRole).toBool());
            if (text.isEmpty())
                return {};
            const QString html = QStringLiteral("<pre>") % text.toHtmlEscaped() % QStringLiteral("</pre>");
            return html;
        }
        break;
    default:
        break;
    }
    return QIdentityProxyModel::data(index, role);
}

QString EventTableProxy::dataPreview(const QByteArray &data, bool isJson, int maxChars)
{
    maxChars = std::max(1, maxChars);
    // Enough bytes for maxChars characters, whatever their UTF-8 length.
    const QByteArray head = data.left(utf8Cut(data, qsizetype(maxChars) * 4));

    if (isJson)
        return jsonformat::elide(jsonformat::oneLine(QString::fromUtf8(head)), maxChars);

    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(head);
    if (!decoder.hasError() && !head.contains('\0'))
        return jsonformat::elide(jsonformat::oneLine(std::move(text)), maxChars);
    // Binary: the size, then the first bytes in hex.
    const QString hex = QString::fromLatin1(data.left(maxChars / 3 + 1).toHex(' '));
    return jsonformat::elide(QStringLiteral("<%1 bytes> ").arg(data.size()) + hex, maxChars);
}

QString EventTableProxy::dataToolTip(const QByteArray &data, bool isJson)
{
    if (data.isEmpty())
        return {};
    const QByteArray head = data.left(utf8Cut(data, ToolTipBytes));
    bool cut = head.size() < data.size();

    QString text = isJson ? jsonformat::pretty(head) : jsonformat::rawBytes(head);
    text.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    for (QChar &c : text) {
        if (c != QLatin1Char('\n') && c != QLatin1Char('\t') && jsonformat::breaksLine(c))
            c = QLatin1Char(' ');
    }
    while (text.endsWith(QLatin1Char('\n')))
        text.chop(1);

    const QList<QStringView> lines = QStringView(text).split(QLatin1Char('\n'));
    QStringList shown;
    for (const QStringView line : lines) {
        if (shown.size() == ToolTipLines) {
            cut = true;
            break;
        }
        shown.append(jsonformat::elide(line.toString(), ToolTipLineLength));
    }
    if (cut)
        shown.append(QString(QChar(0x2026)));
    return shown.join(QLatin1Char('\n'));
}

} // namespace eventlens

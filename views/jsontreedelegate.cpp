#include "jsontreedelegate.h"

#include "jsonformat.h"

#include <QAbstractItemView>
#include <QHelpEvent>
#include <QPalette>
#include <QStringBuilder>
#include <QToolTip>

namespace eventlens {

namespace {

using NodeType = JsonTreeModel::NodeType;
using Diff = JsonTreeModel::Diff;

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightnessF() < 0.5;
}

QColor mix(const QColor &a, const QColor &b, qreal t)
{
    const QColor x = a.toRgb();
    const QColor y = b.toRgb();
    return QColor::fromRgbF(static_cast<float>(x.redF() * (1 - t) + y.redF() * t),
                            static_cast<float>(x.greenF() * (1 - t) + y.greenF() * t),
                            static_cast<float>(x.blueF() * (1 - t) + y.blueF() * t));
}

QColor accent(Diff diff, bool dark)
{
    switch (diff) {
    case Diff::Added:
        return dark ? QColor(0x66, 0xbb, 0x6a) : QColor(0x2e, 0x7d, 0x32);
    case Diff::Removed:
        return dark ? QColor(0xef, 0x53, 0x50) : QColor(0xc6, 0x28, 0x28);
    case Diff::Changed:
        return dark ? QColor(0xff, 0xb3, 0x00) : QColor(0xef, 0x8f, 0x00);
    case Diff::None:
        break;
    }
    return {};
}

// A string as a JSON literal: quoted, with the escapes JSON writes.
QString quoted(QStringView text, int maxChars)
{
    QString out;
    out.reserve(std::min<qsizetype>(text.size(), maxChars) + 2);
    out.append(QLatin1Char('"'));
    for (const QChar c : text) {
        if (out.size() > maxChars)
            break;
        switch (c.unicode()) {
        case '"': out.append(QLatin1String("\\\"")); break;
        case '\\': out.append(QLatin1String("\\\\")); break;
        case '\n': out.append(QLatin1String("\\n")); break;
        case '\r': out.append(QLatin1String("\\r")); break;
        case '\t': out.append(QLatin1String("\\t")); break;
        case '\b': out.append(QLatin1String("\\b")); break;
        case '\f': out.append(QLatin1String("\\f")); break;
        default:
            if (c.unicode() < 0x20)
                out.append(QStringLiteral("\\u%1").arg(c.unicode(), 4, 16, QLatin1Char('0')));
            else
                out.append(c);
        }
    }
    out.append(QLatin1Char('"'));
    return jsonformat::elide(std::move(out), maxChars);
}

// An element "[3]" has the path ".../3"; a member named "[3]" has ".../[3]".
bool isArrayElement(const QModelIndex &index)
{
    const QString key = index.data(JsonTreeModel::KeyRole).toString();
    if (key.size() < 3 || !key.startsWith(QLatin1Char('[')) || !key.endsWith(QLatin1Char(']')))
        return false;
    const QString path = index.data(JsonTreeModel::PathRole).toString();
    return path.endsWith(QLatin1Char('/') % QStringView(key).mid(1, key.size() - 2));
}

} // namespace

JsonTreeDelegate::JsonTreeDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

void JsonTreeDelegate::setSearchText(const QString &text)
{
    m_searchText = text;
}

QString JsonTreeDelegate::typeName(NodeType type)
{
    switch (type) {
    case NodeType::Object:
        return tr("object");
    case NodeType::Array:
        return tr("array");
    case NodeType::String:
        return tr("string");
    case NodeType::Number:
        return tr("number");
    case NodeType::Bool:
        return tr("bool");
    case NodeType::Null:
        return tr("null");
    case NodeType::Raw:
        return tr("raw");
    }
    return {};
}

QString JsonTreeDelegate::valueText(const QModelIndex &index, int maxChars)
{
    maxChars = std::max(2, maxChars);
    const auto type = index.data(JsonTreeModel::TypeRole).value<NodeType>();
    switch (type) {
    case NodeType::Object: {
        const int n = index.data(JsonTreeModel::ChildCountRole).toInt();
        return n == 1 ? tr("{1 key}") : tr("{%1 keys}").arg(n);
    }
    case NodeType::Array: {
        const int n = index.data(JsonTreeModel::ChildCountRole).toInt();
        return n == 1 ? tr("[1 item]") : tr("[%1 items]").arg(n);
    }
    case NodeType::String:
        return quoted(index.data(JsonTreeModel::ValueRole).toString(), maxChars);
    case NodeType::Raw:
        return jsonformat::elide(jsonformat::oneLine(index.data(JsonTreeModel::ValueRole).toString().left(maxChars + 1)), maxChars);
    case NodeType::Number:
    case NodeType::Bool:
    case NodeType::Null:
        // As written in the document (0.1 stays 0.1, big integers keep their digits).
        return jsonformat::elide(index.data(JsonTreeModel::RawJsonRole).toString(), maxChars);
    }
    return {};
}

QString JsonTreeDelegate::cellText(const QModelIndex &index)
{
    switch (index.column()) {
    case JsonTreeModel::KeyColumn:
        return jsonformat::oneLine(index.data(JsonTreeModel::KeyRole).toString());
    case JsonTreeModel::ValueColumn:
        return valueText(index);
    case JsonTreeModel::TypeColumn:
        return typeName(index.data(JsonTreeModel::TypeRole).value<NodeType>());
    default:
        return index.data(Qt::DisplayRole).toString();
    }
}

QColor JsonTreeDelegate::diffBackground(Diff diff, const QPalette &palette)
{
    if (diff == Diff::None)
        return {};
    const bool dark = isDark(palette);
    return mix(palette.color(QPalette::Base), accent(diff, dark), dark ? 0.35 : 0.22);
}

QColor JsonTreeDelegate::searchBackground(const QPalette &palette)
{
    return mix(palette.color(QPalette::Base), palette.color(QPalette::Highlight), isDark(palette) ? 0.45 : 0.3);
}

bool JsonTreeDelegate::matchesSearch(const QModelIndex &index) const
{
    if (m_searchText.isEmpty())
        return false;
    switch (index.column()) {
    case JsonTreeModel::KeyColumn:
        // Array positions are not keys: searching "1" should not light up every element [1].
        if (isArrayElement(index))
            return false;
        return index.data(JsonTreeModel::KeyRole).toString().contains(m_searchText, Qt::CaseInsensitive);
    case JsonTreeModel::ValueColumn: {
        const auto type = index.data(JsonTreeModel::TypeRole).value<NodeType>();
        if (type == NodeType::Object || type == NodeType::Array)
            return false;
        const QString value = type == NodeType::String || type == NodeType::Raw
            ? index.data(JsonTreeModel::ValueRole).toString()
            : index.data(JsonTreeModel::RawJsonRole).toString();
        return value.contains(m_searchText, Qt::CaseInsensitive);
    }
    default:
        return false;
    }
}

void JsonTreeDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    option->text = cellText(index);

    const auto type = index.data(JsonTreeModel::TypeRole).value<NodeType>();
    const auto diff = index.data(JsonTreeModel::DiffRole).value<Diff>();
    if (index.column() == JsonTreeModel::ValueColumn && type == NodeType::Null)
        option->font.setItalic(true);

    if (diff != Diff::None) {
        option->backgroundBrush = diffBackground(diff, option->palette);
        if (diff == Diff::Removed) {
            option->font.setStrikeOut(true);
            const QColor text = mix(option->palette.color(QPalette::Text), accent(diff, isDark(option->palette)), 0.45);
            option->palette.setColor(QPalette::Text, text);
        }
    }
    if (matchesSearch(index))
        option->backgroundBrush = searchBackground(option->palette);
}

QStyleOptionViewItem JsonTreeDelegate::styledOption(const QModelIndex &index, const QStyleOptionViewItem &base) const
{
    QStyleOptionViewItem option = base;
    initStyleOption(&option, index);
    return option;
}

bool JsonTreeDelegate::helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                                 const QModelIndex &index)
{
    if (!event || !view || event->type() != QEvent::ToolTip || !index.isValid())
        return QStyledItemDelegate::helpEvent(event, view, option, index);

    const QModelIndex row = index.siblingAtColumn(JsonTreeModel::KeyColumn);
    QString tip;
    const QString path = row.data(JsonTreeModel::PathRole).toString();
    const auto type = row.data(JsonTreeModel::TypeRole).value<NodeType>();
    if (type == NodeType::Raw) {
        tip = row.data(JsonTreeModel::ErrorRole).toString();
    } else {
        if (!path.isEmpty())
            tip = path % QLatin1Char('\n');
        tip += jsonformat::elide(row.data(JsonTreeModel::RawJsonRole).toString(), MaxToolTipChars);
        switch (row.data(JsonTreeModel::DiffRole).value<Diff>()) {
        case Diff::Added:
            tip += QLatin1Char('\n') % tr("added");
            break;
        case Diff::Removed:
            tip += QLatin1Char('\n') % tr("removed");
            break;
        case Diff::Changed: {
            const QString before = row.data(JsonTreeModel::BeforeJsonRole).toString();
            if (!before.isEmpty())
                tip += QLatin1Char('\n') % tr("before: %1").arg(jsonformat::elide(before, MaxToolTipChars));
            break;
        }
        case Diff::None:
            break;
        }
    }
    if (tip.isEmpty())
        return QStyledItemDelegate::helpEvent(event, view, option, index);
    // As plain text: JSON may well look like HTML.
    const QString html = QStringLiteral("<p style='white-space:pre-wrap'>") % tip.toHtmlEscaped() % QStringLiteral("</p>");
    QToolTip::showText(event->globalPos(), html, view->viewport(), option.rect);
    return true;
}

} // namespace eventlens

#include "streamtreedelegate.h"

#include "streamtreemodel.h"

namespace eventlens {

StreamTreeDelegate::StreamTreeDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

void StreamTreeDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    if (index.column() == StreamTreeModel::EventsColumn || index.column() == StreamTreeModel::VersionColumn)
        option->displayAlignment = Qt::AlignRight | Qt::AlignVCenter;
    if (index.column() == StreamTreeModel::NameColumn
        && index.data(StreamTreeModel::KindRole).value<StreamTreeModel::Kind>() == StreamTreeModel::Kind::Category)
        option->font.setBold(true);
}

} // namespace eventlens

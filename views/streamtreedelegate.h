#pragma once

#include <QStyledItemDelegate>

namespace eventlens {

// The presentation of a StreamTreeModel: counts and versions right-aligned and grouped by the
// locale (QStyledItemDelegate's number text), category names in bold.
class StreamTreeDelegate final : public QStyledItemDelegate
{
    Q_OBJECT

public:
    explicit StreamTreeDelegate(QObject *parent = nullptr);

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
};

} // namespace eventlens

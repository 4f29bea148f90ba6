#pragma once

#include "jsontreemodel.h"

#include <QColor>
#include <QStyledItemDelegate>

class QPalette;

namespace eventlens {

// The presentation of a JsonTreeModel: the model gives raw typed values, this delegate turns them
// into what a cell shows. Values as JSON writes them (strings quoted and escaped, numbers as
// written, true/false, null in italics), containers as "{3}" / "[5]" summaries, types by name,
// everything on one line and cut to MaxValueChars. Diff rows get a tint of the row background:
// added green, removed red and struck out, changed amber; the tints are mixed into the palette's
// base colour, so they suit light and dark themes alike. Cells containing the search text get a
// highlight tint. The tooltip of a value shows it whole (cut to MaxToolTipChars) and, for a changed
// node, its value before.
class JsonTreeDelegate final : public QStyledItemDelegate
{
    Q_OBJECT

public:
    static constexpr int MaxValueChars = 300;
    static constexpr int MaxToolTipChars = 2000;

    explicit JsonTreeDelegate(QObject *parent = nullptr);

    // Cells whose key or value contains text (case-insensitive) are highlighted; empty: none.
    void setSearchText(const QString &text);
    QString searchText() const { return m_searchText; }

    // The text of a cell (any column of a JsonTreeModel, or a proxy of one).
    static QString cellText(const QModelIndex &index);
    // A value as JSON writes it, on one line, at most maxChars characters.
    static QString valueText(const QModelIndex &index, int maxChars = MaxValueChars);
    static QString typeName(JsonTreeModel::NodeType type);
    // The background of a diff row in a palette (invalid for Diff::None).
    static QColor diffBackground(JsonTreeModel::Diff diff, const QPalette &palette);
    // The background of a cell matching the search.
    static QColor searchBackground(const QPalette &palette);

    // The style option a cell is painted with (text, font, colours), starting from `base` (which
    // carries the view's palette and font).
    QStyleOptionViewItem styledOption(const QModelIndex &index, const QStyleOptionViewItem &base) const;

    bool helpEvent(QHelpEvent *event, QAbstractItemView *view, const QStyleOptionViewItem &option,
                   const QModelIndex &index) override;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    bool matchesSearch(const QModelIndex &index) const;

    QString m_searchText;
};

} // namespace eventlens

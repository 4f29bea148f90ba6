#pragma once

#include <QTableView>

namespace eventlens {

// The log's table view. Typing in it does not search the rows (QAbstractItemView's keyboard
// search reads every row's text, which on a log of millions of events would load them all and
// freeze the window): the text is handed on through textTyped(), and the window puts it into the
// predicate filter.
class EventTableView final : public QTableView
{
    Q_OBJECT

public:
    explicit EventTableView(QWidget *parent = nullptr);
    void keyboardSearch(const QString &search) override;

Q_SIGNALS:
    void textTyped(const QString &text);
};

} // namespace eventlens

#include "eventtableview.h"

namespace eventlens {

EventTableView::EventTableView(QWidget *parent)
    : QTableView(parent)
{
}

void EventTableView::keyboardSearch(const QString &search)
{
    if (!search.isEmpty())
        Q_EMIT textTyped(search);
}

} // namespace eventlens

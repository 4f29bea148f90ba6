#include "jsontreeview.h"

#include "jsontreedelegate.h"
#include "jsontreemodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QStyle>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

namespace eventlens {

JsonTreeView::JsonTreeView(QWidget *parent)
    : QWidget(parent)
{
    m_model = new JsonTreeModel(this);
    m_delegate = new JsonTreeDelegate(this);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);

    m_toolBar = new QToolBar(this);
    m_toolBar->setObjectName(QStringLiteral("jsonToolBar"));
    m_toolBar->setIconSize(QSize(16, 16));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    layout->addWidget(m_toolBar);

    m_search = new QLineEdit(m_toolBar);
    m_search->setObjectName(QStringLiteral("jsonSearch"));
    m_search->setPlaceholderText(tr("Find key or value (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->installEventFilter(this);
    m_toolBar->addWidget(m_search);

    const auto makeAction = [this](const QString &text, const QString &objectName, const QString &toolTip) {
        auto *action = new QAction(text, this);
        action->setObjectName(objectName);
        action->setToolTip(toolTip);
        return action;
    };
    m_findPrevious = makeAction(tr("Previous"), QStringLiteral("findPrevious"), tr("Previous match (Shift+F3)"));
    m_findPrevious->setIcon(style()->standardIcon(QStyle::SP_ArrowUp));
    m_findPrevious->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F3));
    m_findNext = makeAction(tr("Next"), QStringLiteral("findNext"), tr("Next match (F3)"));
    m_findNext->setIcon(style()->standardIcon(QStyle::SP_ArrowDown));
    m_findNext->setShortcut(QKeySequence(Qt::Key_F3));
    m_focusSearch = makeAction(tr("Find"), QStringLiteral("focusSearch"), tr("Find (Ctrl+F)"));
    m_focusSearch->setShortcut(QKeySequence::Find);
    m_expandAll = makeAction(tr("Expand all"), QStringLiteral("expandAll"), tr("Expand every node"));
    m_collapseAll = makeAction(tr("Collapse all"), QStringLiteral("collapseAll"), tr("Collapse every node"));
    m_copy = makeAction(tr("Copy"), QStringLiteral("copyJson"),
                        tr("Copy the selected node's JSON, or the whole document when nothing is selected (Ctrl+C)"));
    for (QAction *action : {m_findPrevious, m_findNext, m_focusSearch}) {
        // Anywhere inside this widget (the search box, the tree), not in the rest of the window.
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(action);
    }

    m_matchLabel = new QLabel(m_toolBar);
    m_matchLabel->setObjectName(QStringLiteral("jsonMatchLabel"));
    m_matchLabel->setMinimumWidth(m_matchLabel->fontMetrics().horizontalAdvance(QStringLiteral("0000 of 0000")));
    m_toolBar->addAction(m_findPrevious);
    m_toolBar->addAction(m_findNext);
    m_toolBar->addWidget(m_matchLabel);
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_expandAll);
    m_toolBar->addAction(m_collapseAll);
    m_toolBar->addAction(m_copy);

    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("jsonTree"));
    m_tree->setModel(m_model);
    m_tree->setItemDelegate(m_delegate);
    m_tree->setUniformRowHeights(true);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tree->setTextElideMode(Qt::ElideRight);
    m_tree->installEventFilter(this);
    QHeaderView *header = m_tree->header();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(JsonTreeModel::KeyColumn, QHeaderView::Interactive);
    header->setSectionResizeMode(JsonTreeModel::ValueColumn, QHeaderView::Stretch);
    header->setSectionResizeMode(JsonTreeModel::TypeColumn, QHeaderView::Interactive);
    header->resizeSection(JsonTreeModel::KeyColumn, 180);
    header->resizeSection(JsonTreeModel::TypeColumn, 64);
    layout->addWidget(m_tree, 1);
    setFocusProxy(m_tree);

    connect(m_search, &QLineEdit::textChanged, this, &JsonTreeView::onSearchTextChanged);
    connect(m_findNext, &QAction::triggered, this, &JsonTreeView::findNext);
    connect(m_findPrevious, &QAction::triggered, this, &JsonTreeView::findPrevious);
    connect(m_focusSearch, &QAction::triggered, this, &JsonTreeView::focusSearch);
    connect(m_expandAll, &QAction::triggered, this, &JsonTreeView::expandAll);
    connect(m_collapseAll, &QAction::triggered, this, &JsonTreeView::collapseAll);
    connect(m_copy, &QAction::triggered, this, &JsonTreeView::copy);
    connect(m_model, &QAbstractItemModel::modelReset, this, &JsonTreeView::onModelReset);

    updateMatchLabel();
}

JsonTreeView::~JsonTreeView() = default;

QString JsonTreeView::searchText() const
{
    return m_search->text();
}

void JsonTreeView::setSearchText(const QString &text)
{
    m_search->setText(text);
}

void JsonTreeView::onSearchTextChanged(const QString &text)
{
    Q_UNUSED(text)
    updateMatches();
    if (m_matches.isEmpty()) {
        m_current = -1;
        updateMatchLabel();
    } else {
        goToMatch(0);
    }
}

void JsonTreeView::onModelReset()
{
    // The old matches are gone with the old document; count the new ones, leave the selection.
    updateMatches();
    m_current = -1;
    updateMatchLabel();
    m_tree->expandToDepth(0);
    if (m_model->hasDiff())
        expandChanges({});
}

void JsonTreeView::expandChanges(const QModelIndex &parent)
{
    const int rows = m_model->rowCount(parent);
    for (int row = 0; row < rows; ++row) {
        const QModelIndex index = m_model->index(row, JsonTreeModel::KeyColumn, parent);
        if (index.data(JsonTreeModel::DiffRole).value<JsonTreeModel::Diff>() != JsonTreeModel::Diff::Changed
            || !m_model->hasChildren(index))
            continue;
        m_tree->expand(index);
        expandChanges(index);
    }
}

void JsonTreeView::updateMatches()
{
    const QString text = m_search->text();
    m_matches = m_model->find(text);
    m_delegate->setSearchText(text);
    m_tree->viewport()->update();
}

void JsonTreeView::goToMatch(int match)
{
    if (match < 0 || match >= m_matches.size())
        return;
    m_current = match;
    const QModelIndex index = m_matches.at(match);
    for (QModelIndex parent = index.parent(); parent.isValid(); parent = parent.parent())
        m_tree->expand(parent);
    m_tree->setCurrentIndex(index); // selects its row
    m_tree->scrollTo(index, QAbstractItemView::EnsureVisible);
    updateMatchLabel();
}

void JsonTreeView::findNext()
{
    if (m_matches.isEmpty())
        return;
    goToMatch(m_current < 0 ? 0 : (m_current + 1) % int(m_matches.size()));
}

void JsonTreeView::findPrevious()
{
    if (m_matches.isEmpty())
        return;
    goToMatch(m_current <= 0 ? int(m_matches.size()) - 1 : m_current - 1);
}

QString JsonTreeView::matchLabelText() const
{
    return m_matchLabel->text();
}

void JsonTreeView::updateMatchLabel()
{
    const bool searching = !m_search->text().isEmpty();
    QString text;
    if (searching && m_matches.isEmpty())
        text = tr("No matches");
    else if (searching && m_current >= 0)
        text = tr("%1 of %2").arg(m_current + 1).arg(m_matches.size());
    else if (searching)
        text = m_matches.size() == 1 ? tr("1 match") : tr("%1 matches").arg(m_matches.size());
    m_matchLabel->setText(text);
    m_findNext->setEnabled(!m_matches.isEmpty());
    m_findPrevious->setEnabled(!m_matches.isEmpty());
}

void JsonTreeView::expandAll()
{
    m_tree->expandAll();
}

void JsonTreeView::collapseAll()
{
    m_tree->collapseAll();
}

QString JsonTreeView::copyText() const
{
    const QModelIndexList rows = m_tree->selectionModel()->selectedRows(JsonTreeModel::KeyColumn);
    if (!rows.isEmpty())
        return rows.first().data(JsonTreeModel::RawJsonRole).toString();
    return m_model->documentJson();
}

void JsonTreeView::copy()
{
    QApplication::clipboard()->setText(copyText());
}

void JsonTreeView::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

JsonTreeView::Command JsonTreeView::commandFor(const QObject *watched, const QKeyEvent *key) const
{
    const Qt::KeyboardModifiers modifiers = key->modifiers() & ~Qt::KeypadModifier;
    if (key->matches(QKeySequence::Find))
        return Command::FocusSearch;
    if ((key->key() == Qt::Key_F3 && modifiers == Qt::NoModifier) || key->matches(QKeySequence::FindNext))
        return Command::FindNext;
    if ((key->key() == Qt::Key_F3 && modifiers == Qt::ShiftModifier) || key->matches(QKeySequence::FindPrevious))
        return Command::FindPrevious;
    if (watched == m_tree && key->matches(QKeySequence::Copy))
        return Command::Copy; // the node's JSON rather than the item view's default (the cell's text)
    return Command::None;
}

bool JsonTreeView::eventFilter(QObject *watched, QEvent *event)
{
    if ((watched != m_search && watched != m_tree)
        || (event->type() != QEvent::KeyPress && event->type() != QEvent::ShortcutOverride))
        return QWidget::eventFilter(watched, event);
    auto *key = static_cast<QKeyEvent *>(event);

    const Command command = commandFor(watched, key);
    if (command != Command::None) {
        if (event->type() == QEvent::ShortcutOverride) {
            // Ours while the focus is in here, even when the window has a shortcut on the same
            // keys (which would make both ambiguous): the key press then comes to this filter.
            event->accept();
            return true;
        }
        switch (command) {
        case Command::FocusSearch:
            focusSearch();
            break;
        case Command::FindNext:
            findNext();
            break;
        case Command::FindPrevious:
            findPrevious();
            break;
        case Command::Copy:
            copy();
            break;
        case Command::None:
            break;
        }
        return true;
    }

    if (watched == m_search && event->type() == QEvent::KeyPress) {
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            if (key->modifiers() & Qt::ShiftModifier)
                findPrevious();
            else
                findNext();
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            if (m_search->text().isEmpty())
                m_tree->setFocus(Qt::OtherFocusReason);
            else
                m_search->clear();
            return true;
        }
        if (key->key() == Qt::Key_Down && key->modifiers() == Qt::NoModifier) {
            m_tree->setFocus(Qt::OtherFocusReason);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace eventlens

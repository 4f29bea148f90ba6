#pragma once

#include <QModelIndexList>
#include <QString>
#include <QWidget>

class QAction;
class QKeyEvent;
class QLabel;
class QLineEdit;
class QToolBar;
class QTreeView;

namespace eventlens {

class JsonTreeDelegate;
class JsonTreeModel;

// A JSON document as a tree (its own JsonTreeModel, drawn by JsonTreeDelegate) under a small
// toolbar: a search box with previous/next and an "n of m" count, Expand all, Collapse all, and
// Copy (the selected node's JSON, or the whole document when nothing is selected).
//
// Search: typing selects the first node whose key or value contains the text (case-insensitive,
// JsonTreeModel::find()), expanding its parents and scrolling to it, and tints every matching
// cell; Enter or F3 goes to the next match, Shift+Enter or Shift+F3 to the previous one (both
// wrap around). Ctrl+F anywhere in the widget focuses the search box, Escape in it clears it (or,
// when empty, returns to the tree), Down goes to the tree; Ctrl+C in the tree copies. While the
// focus is in the search box or the tree these keys are the widget's even when the window has
// shortcuts on them.
//
// A new document (a model reset) keeps the search text and counts its matches again without
// moving the selection; the top level and every changed node of a diff are expanded.
class JsonTreeView final : public QWidget
{
    Q_OBJECT

public:
    explicit JsonTreeView(QWidget *parent = nullptr);
    ~JsonTreeView() override;

    JsonTreeModel *model() const { return m_model; }
    QTreeView *treeView() const { return m_tree; }
    QLineEdit *searchEdit() const { return m_search; }
    JsonTreeDelegate *delegate() const { return m_delegate; }

    QString searchText() const;
    void setSearchText(const QString &text);
    int matchCount() const { return int(m_matches.size()); }
    // The match shown (0-based), -1 when none is.
    int currentMatch() const { return m_current; }
    // The text of the match label ("2 of 5", "5 matches", "No matches", or empty).
    QString matchLabelText() const;

    // What copy() puts on the clipboard: the compact JSON of the selected node, else of the
    // whole document (the text itself when it is not JSON).
    QString copyText() const;

public Q_SLOTS:
    void findNext();
    void findPrevious();
    void expandAll();
    void collapseAll();
    void copy();
    void focusSearch();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    enum class Command { None, FocusSearch, FindNext, FindPrevious, Copy };
    Command commandFor(const QObject *watched, const QKeyEvent *key) const;
    void onSearchTextChanged(const QString &text);
    void onModelReset();
    void updateMatches();
    void goToMatch(int match);
    void updateMatchLabel();
    void expandChanges(const QModelIndex &parent);

    JsonTreeModel *m_model = nullptr;
    JsonTreeDelegate *m_delegate = nullptr;
    QToolBar *m_toolBar = nullptr;
    QLineEdit *m_search = nullptr;
    QLabel *m_matchLabel = nullptr;
    QTreeView *m_tree = nullptr;
    QAction *m_findNext = nullptr;
    QAction *m_findPrevious = nullptr;
    QAction *m_expandAll = nullptr;
    QAction *m_collapseAll = nullptr;
    QAction *m_copy = nullptr;
    QAction *m_focusSearch = nullptr;

    QModelIndexList m_matches; // valid until the next reset, when they are searched again
    int m_current = -1;
};

} // namespace eventlens

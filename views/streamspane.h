#pragma once

#include <QSet>
#include <QString>
#include <QWidget>

#include <memory>

class QItemSelection;
class QLabel;
class QLineEdit;
class QToolButton;
class QTreeView;

namespace eventlens {

class EventStore;
class StreamTreeModel;

// Categories and streams of a store (its own StreamTreeModel) with a filter box: a glob by
// default (account-1*; text without wildcards matches anywhere in the name), a regular expression
// when the ".*" toggle is on; an invalid pattern is shown under the box and the tree stays as it
// was. Columns: Name, Events, Version. A summary line says what is shown (or that it is loading).
//
// Selecting a row emits categorySelected() or streamSelected() with its name, clearing the
// selection emits selectionCleared(); each only when the selection really changes. A reload or
// a filter keeps the selected row and the expanded categories when they are still shown (else
// selectionCleared()); a filter matching at most AutoExpandLimit streams expands their categories.
class StreamsPane final : public QWidget
{
    Q_OBJECT

public:
    static constexpr qint64 AutoExpandLimit = 1000;

    explicit StreamsPane(QWidget *parent = nullptr);
    ~StreamsPane() override;

    // The store whose streams are listed (null: none); loads in the background.
    void setStore(std::shared_ptr<const EventStore> store);
    // Reads the streams again (after appends or an import).
    void reload();

    StreamTreeModel *model() const { return m_model; }
    QTreeView *treeView() const { return m_tree; }
    QLineEdit *filterEdit() const { return m_filter; }
    QToolButton *regexToggle() const { return m_regex; }

    // The selected stream or category (empty when none, or when the other kind is selected).
    QString selectedStream() const;
    QString selectedCategory() const;
    // The summary line and the filter error shown (empty when none).
    QString summaryText() const;
    QString filterErrorText() const;

Q_SIGNALS:
    void categorySelected(const QString &category);
    void streamSelected(const QString &stream);
    void selectionCleared();

private:
    enum class Selected { None, Category, Stream };

    void applyFilter();
    void onFilterError(const QString &message);
    void onSelectionChanged();
    void onAboutToReset();
    void onReset();
    void updateSummary();

    StreamTreeModel *m_model = nullptr;
    QLineEdit *m_filter = nullptr;
    QToolButton *m_regex = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_summary = nullptr;
    QTreeView *m_tree = nullptr;

    // What the signals last said was selected.
    Selected m_selected = Selected::None;
    QString m_selectedName;
    QString m_selectedCategory;
    // Kept across a model reset.
    QSet<QString> m_expanded;
    bool m_restoring = false;
};

} // namespace eventlens

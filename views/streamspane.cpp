#include "streamspane.h"

#include "eventstore.h"
#include "streamtreedelegate.h"
#include "streamtreemodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace eventlens {

StreamsPane::StreamsPane(QWidget *parent)
    : QWidget(parent)
{
    m_model = new StreamTreeModel(this);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);

    auto *filterRow = new QHBoxLayout;
    filterRow->setSpacing(2);
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("streamFilter"));
    m_filter->setPlaceholderText(tr("Filter streams (glob, e.g. account-1*)"));
    m_filter->setClearButtonEnabled(true);
    filterRow->addWidget(m_filter, 1);
    m_regex = new QToolButton(this);
    m_regex->setObjectName(QStringLiteral("regexToggle"));
    m_regex->setText(QStringLiteral(".*"));
    m_regex->setCheckable(true);
    m_regex->setToolTip(tr("Regular expression (off: glob)"));
    m_regex->setAccessibleName(tr("Regular expression"));
    filterRow->addWidget(m_regex);
    layout->addLayout(filterRow);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("filterError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->hide();
    layout->addWidget(m_error);

    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("streamTree"));
    m_tree->setModel(m_model);
    m_tree->setItemDelegate(new StreamTreeDelegate(m_tree));
    m_tree->setUniformRowHeights(true);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tree->setAllColumnsShowFocus(true);
    QHeaderView *header = m_tree->header();
    header->setStretchLastSection(false);
    header->setSectionResizeMode(StreamTreeModel::NameColumn, QHeaderView::Stretch);
    header->setSectionResizeMode(StreamTreeModel::EventsColumn, QHeaderView::Interactive);
    header->setSectionResizeMode(StreamTreeModel::VersionColumn, QHeaderView::Interactive);
    const int numberWidth = fontMetrics().horizontalAdvance(QStringLiteral("00,000,000")) + 16;
    header->resizeSection(StreamTreeModel::EventsColumn, numberWidth);
    header->resizeSection(StreamTreeModel::VersionColumn, numberWidth);
    layout->addWidget(m_tree, 1);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("streamSummary"));
    m_summary->setEnabled(false);
    layout->addWidget(m_summary);

    setFocusProxy(m_filter);
    setTabOrder(m_filter, m_regex);
    setTabOrder(m_regex, m_tree);

    connect(m_filter, &QLineEdit::textChanged, this, &StreamsPane::applyFilter);
    connect(m_regex, &QToolButton::toggled, this, &StreamsPane::applyFilter);
    connect(m_model, &StreamTreeModel::filterErrorChanged, this, &StreamsPane::onFilterError);
    connect(m_model, &StreamTreeModel::busyChanged, this, &StreamsPane::updateSummary);
    connect(m_model, &StreamTreeModel::loadFailed, this, &StreamsPane::updateSummary);
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, &StreamsPane::onAboutToReset);
    connect(m_model, &QAbstractItemModel::modelReset, this, &StreamsPane::onReset);
    connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this, &StreamsPane::onSelectionChanged);
    updateSummary();
}

StreamsPane::~StreamsPane() = default;

void StreamsPane::setStore(std::shared_ptr<const EventStore> store)
{
    m_model->setStore(std::move(store));
    m_expanded.clear(); // the categories of another store
    updateSummary();
}

void StreamsPane::reload()
{
    m_model->reload();
    updateSummary();
}

void StreamsPane::applyFilter()
{
    m_model->setFilter(m_filter->text(), m_regex->isChecked());
    m_filter->setPlaceholderText(m_regex->isChecked() ? tr("Filter streams (regular expression)")
                                                      : tr("Filter streams (glob, e.g. account-1*)"));
}

void StreamsPane::onFilterError(const QString &message)
{
    if (message.isEmpty()) {
        m_error->clear();
        m_error->hide();
        m_filter->setToolTip({});
        return;
    }
    const QString text = m_regex->isChecked() ? tr("Invalid regular expression: %1").arg(message)
                                              : tr("Invalid pattern: %1").arg(message);
    // A red that reads on the pane's background, light or dark.
    const bool dark = palette().color(QPalette::Window).lightnessF() < 0.5;
    QPalette errorPalette = m_error->palette();
    errorPalette.setColor(QPalette::WindowText, dark ? QColor(0xef, 0x53, 0x50) : QColor(0xc6, 0x28, 0x28));
    m_error->setPalette(errorPalette);
    m_error->setText(text);
    m_error->show();
    m_filter->setToolTip(text);
}

QString StreamsPane::filterErrorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

QString StreamsPane::summaryText() const
{
    return m_summary->text();
}

void StreamsPane::updateSummary()
{
    QString text;
    const QLocale locale;
    if (m_model->isBusy()) {
        text = tr("Loading streams…");
    } else if (!m_model->lastError().isEmpty()) {
        text = tr("Could not read the streams: %1").arg(m_model->lastError());
    } else if (m_model->filterPattern().isEmpty()) {
        const qint64 streams = m_model->matchingStreamCount();
        text = tr("%1 streams in %2 categories, %3 events")
                   .arg(locale.toString(streams), locale.toString(m_model->rowCount()),
                        locale.toString(m_model->matchingEventCount()));
    } else {
        text = tr("%1 of %2 streams match, %3 events")
                   .arg(locale.toString(m_model->matchingStreamCount()), locale.toString(m_model->storeStreamCount()),
                        locale.toString(m_model->matchingEventCount()));
    }
    m_summary->setText(text);
    m_summary->setToolTip(text);
}

QString StreamsPane::selectedStream() const
{
    const QModelIndexList rows = m_tree->selectionModel()->selectedRows(StreamTreeModel::NameColumn);
    if (rows.isEmpty())
        return {};
    return rows.first().data(StreamTreeModel::StreamRole).toString();
}

QString StreamsPane::selectedCategory() const
{
    const QModelIndexList rows = m_tree->selectionModel()->selectedRows(StreamTreeModel::NameColumn);
    if (rows.isEmpty()
        || rows.first().data(StreamTreeModel::KindRole).value<StreamTreeModel::Kind>() != StreamTreeModel::Kind::Category)
        return {};
    return rows.first().data(StreamTreeModel::CategoryRole).toString();
}

void StreamsPane::onSelectionChanged()
{
    if (m_restoring)
        return;
    const QModelIndexList rows = m_tree->selectionModel()->selectedRows(StreamTreeModel::NameColumn);
    if (rows.isEmpty()) {
        if (m_selected != Selected::None) {
            m_selected = Selected::None;
            m_selectedName.clear();
            m_selectedCategory.clear();
            Q_EMIT selectionCleared();
        }
        return;
    }
    const QModelIndex row = rows.first();
    const bool isStream = row.data(StreamTreeModel::KindRole).value<StreamTreeModel::Kind>() == StreamTreeModel::Kind::Stream;
    const Selected kind = isStream ? Selected::Stream : Selected::Category;
    const QString name = row.data(StreamTreeModel::NameRole).toString();
    if (kind == m_selected && name == m_selectedName)
        return;
    m_selected = kind;
    m_selectedName = name;
    m_selectedCategory = row.data(StreamTreeModel::CategoryRole).toString();
    if (isStream)
        Q_EMIT streamSelected(name);
    else
        Q_EMIT categorySelected(name);
}

void StreamsPane::onAboutToReset()
{
    const int categories = m_model->rowCount();
    for (int row = 0; row < categories; ++row) {
        const QModelIndex index = m_model->index(row, 0);
        const QString name = index.data(StreamTreeModel::CategoryRole).toString();
        if (m_tree->isExpanded(index))
            m_expanded.insert(name);
        else
            m_expanded.remove(name);
    }
}

void StreamsPane::onReset()
{
    // The selection model forgot the selection without a signal; bring it back if it is still
    // shown, else say it is gone.
    m_restoring = true;
    const bool expandAll = !m_model->filterPattern().isEmpty() && m_model->matchingStreamCount() <= AutoExpandLimit;
    const int categories = m_model->rowCount();
    for (int row = 0; row < categories; ++row) {
        const QModelIndex index = m_model->index(row, 0);
        if (expandAll || m_expanded.contains(index.data(StreamTreeModel::CategoryRole).toString())) {
            m_tree->expand(index);
            // The view only stores the expansion while its layout is pending after the reset.
            if (m_model->canFetchMore(index))
                m_model->fetchMore(index);
        }
    }

    QModelIndex restored;
    if (m_selected == Selected::Stream)
        restored = m_model->streamIndex(m_selectedCategory, m_selectedName);
    else if (m_selected == Selected::Category)
        restored = m_model->categoryIndex(m_selectedName);
    if (restored.isValid()) {
        if (restored.parent().isValid())
            m_tree->expand(restored.parent());
        m_tree->selectionModel()->setCurrentIndex(restored, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_tree->scrollTo(restored);
    }
    m_restoring = false;
    updateSummary();

    if (!restored.isValid() && m_selected != Selected::None) {
        m_selected = Selected::None;
        m_selectedName.clear();
        m_selectedCategory.clear();
        Q_EMIT selectionCleared();
    }
}

} // namespace eventlens

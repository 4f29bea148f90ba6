#include "statepane.h"

#include "aggregatehistory.h"
#include "eventstore.h"
#include "jsontreemodel.h"
#include "jsontreeview.h"
#include "mergestatefunction.h"
#include "stateerror.h"

#include <QFontDatabase>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace eventlens {

namespace {

constexpr int VersionRole = Qt::UserRole + 1;

struct Loaded
{
    std::shared_ptr<AggregateHistory> history;
    QString error;
};

} // namespace

StatePane::StatePane(QWidget *parent)
    : QWidget(parent)
    , m_function(std::make_shared<MergeStateFunction>())
{
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("stateTitle"));
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_skipButton = new QPushButton(tr("Skip Event"), this);
    m_skipButton->setObjectName(QStringLiteral("skipButton"));
    m_skipButton->setCheckable(true);
    m_skipButton->setToolTip(tr("Recompute the state as if this event had never happened (S)"));
    m_skipButton->setEnabled(false);
    connect(m_skipButton, &QPushButton::clicked, this, &StatePane::toggleSkip);

    m_tree = new JsonTreeView(this);
    m_tree->setObjectName(QStringLiteral("stateTree"));
    m_patch = new QPlainTextEdit(this);
    m_patch->setObjectName(QStringLiteral("statePatch"));
    m_patch->setReadOnly(true);
    m_patch->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_patch->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(m_tree, tr("State"));
    m_tabs->addTab(m_patch, tr("JSON Patch"));

    m_skippedList = new QListWidget(this);
    m_skippedList->setObjectName(QStringLiteral("skippedList"));
    m_skippedList->setMaximumHeight(fontMetrics().height() * 5);
    m_skippedList->setToolTip(tr("Skipped events of this stream: double-click or Delete to restore one"));
    connect(m_skippedList, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        if (m_event)
            setSkipped(m_event->stream, item->data(VersionRole).toLongLong(), false);
    });
    auto *deleteKey = new QAction(m_skippedList);
    deleteKey->setShortcut(QKeySequence::Delete);
    deleteKey->setShortcutContext(Qt::WidgetShortcut);
    m_skippedList->addAction(deleteKey);
    connect(deleteKey, &QAction::triggered, this, [this] {
        if (QListWidgetItem *item = m_skippedList->currentItem(); item && m_event)
            setSkipped(m_event->stream, item->data(VersionRole).toLongLong(), false);
    });
    m_unskipAll = new QPushButton(tr("Unskip All"), this);
    m_unskipAll->setObjectName(QStringLiteral("unskipAll"));
    connect(m_unskipAll, &QPushButton::clicked, this, &StatePane::unskipAll);

    auto *top = new QHBoxLayout;
    top->addWidget(m_title, 1);
    top->addWidget(m_skipButton);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_skippedList, 1);
    bottom->addWidget(m_unskipAll, 0, Qt::AlignTop);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(bottom);
    clear();
}

StatePane::~StatePane()
{
    ++m_generation;
}

void StatePane::setStore(std::shared_ptr<const EventStore> store)
{
    m_store = std::move(store);
    m_skips.clear();
    clear();
    Q_EMIT skippedChanged();
}

void StatePane::setStateFunction(std::shared_ptr<const StateFunction> function)
{
    m_function = function ? std::move(function) : std::make_shared<MergeStateFunction>();
    m_history.reset();
    if (m_event)
        showEvent(*m_event);
}

void StatePane::clear()
{
    ++m_generation;
    m_loading = false;
    m_history.reset();
    m_event.reset();
    m_title->setText(tr("Select an event to see its stream's state after it."));
    m_tree->model()->clear();
    m_patch->clear();
    m_skipButton->setEnabled(false);
    m_skipButton->setChecked(false);
    updateSkippedList();
}

void StatePane::showEvent(const Event &event)
{
    m_event = event;
    if (m_history && m_history->stream() == event.stream && m_history->hasVersion(event.version)) {
        render();
        return;
    }
    if (m_loading && m_loadingStream == event.stream) {
        m_title->setText(tr("Loading the state of %1…").arg(event.stream));
        return;
    }
    startLoad(event.stream);
}

void StatePane::startLoad(const QString &stream)
{
    if (!m_store)
        return;
    const quint64 generation = ++m_generation;
    m_loading = true;
    m_loadingStream = stream;
    m_history.reset();
    m_title->setText(tr("Loading the state of %1…").arg(stream));
    m_skipButton->setEnabled(false);
    std::shared_ptr<EventStore> connection;
    try {
        connection = m_store->openAnother(EventStore::OpenMode::ReadOnly);
    } catch (const StoreError &e) {
        m_loading = false;
        m_title->setText(tr("Cannot read the stream: %1").arg(e.message()));
        return;
    }
    auto *watcher = new QFutureWatcher<Loaded>(this);
    connect(watcher, &QFutureWatcher<Loaded>::finished, this, [this, watcher, generation, stream] {
        watcher->deleteLater();
        if (generation != m_generation)
            return; // a newer request, a clear() or another store
        m_loading = false;
        const Loaded loaded = watcher->result();
        if (!loaded.history) {
            m_title->setText(tr("Cannot compute the state of %1: %2").arg(stream, loaded.error));
            return;
        }
        m_history = loaded.history;
        const QHash<qint64, qint64> skips = m_skips.value(stream);
        for (auto it = skips.cbegin(); it != skips.cend(); ++it) {
            if (m_history->hasVersion(it.key()))
                m_history->setSkipped(it.key(), true);
        }
        if (m_event && m_event->stream == stream)
            render();
        Q_EMIT stateShown();
    });
    watcher->setFuture(QtConcurrent::run([connection, stream, function = m_function]() -> Loaded {
        try {
            std::unique_ptr<AggregateHistory> history = AggregateHistory::load(*connection, stream, function);
            return {std::shared_ptr<AggregateHistory>(std::move(history)), {}};
        } catch (const std::exception &e) {
            const auto *store = dynamic_cast<const StoreError *>(&e);
            return {nullptr, store ? store->message() : QString::fromUtf8(e.what())};
        }
    }));
}

void StatePane::render()
{
    if (!m_event || !m_history)
        return;
    const Event &e = *m_event;
    // A version the history does not have (AggregateHistory throws for it) is reported below.
    m_skipButton->setEnabled(m_history->hasVersion(e.version));
    const bool skipped = m_history->hasVersion(e.version) && m_history->isSkipped(e.version);
    m_skipButton->setChecked(skipped);
    m_skipButton->setText(skipped ? tr("Unskip Event") : tr("Skip Event"));
    try {
        const StateTransition t = m_history->transition(e.version);
        m_tree->model()->setDocumentWithDiff(t.after, t.before);
        m_patch->setPlainText(t.patch.empty() ? tr("[]  (no change)") : QString::fromStdString(t.patch.dump(2)));
        QString title = tr("%1 after version %2 (%3) · %4 events, state function: %5")
                            .arg(e.stream)
                            .arg(e.version)
                            .arg(e.type)
                            .arg(m_history->count())
                            .arg(m_history->stateFunction().name());
        if (skipped)
            title += tr(" · this event is skipped");
        m_title->setText(title);
    } catch (const StateError &error) {
        m_tree->model()->clear();
        m_patch->clear();
        m_title->setText(tr("No state at version %1: %2").arg(e.version).arg(error.message()));
    } catch (const std::exception &error) {
        m_tree->model()->clear();
        m_patch->clear();
        m_title->setText(tr("No state at version %1: %2").arg(e.version).arg(QString::fromUtf8(error.what())));
    }
    updateSkippedList();
}

void StatePane::unskipAll()
{
    if (!m_event)
        return;
    const QList<qint64> versions = m_skips.value(m_event->stream).keys();
    for (const qint64 v : versions)
        setSkipped(m_event->stream, v, false);
}

void StatePane::toggleSkip()
{
    if (!m_event || !m_history || !m_history->hasVersion(m_event->version))
        return;
    setSkipped(m_event->stream, m_event->version, !m_history->isSkipped(m_event->version));
}

void StatePane::setSkipped(const QString &stream, qint64 version, bool skipped)
{
    QHash<qint64, qint64> &skips = m_skips[stream];
    if (skipped == skips.contains(version)) {
        render();
        return;
    }
    qint64 position = 0;
    if (m_history && m_history->stream() == stream && m_history->hasVersion(version)) {
        m_history->setSkipped(version, skipped);
        position = m_history->event(version).position;
    } else if (m_event && m_event->stream == stream && m_event->version == version) {
        position = m_event->position;
    }
    if (skipped)
        skips.insert(version, position);
    else
        skips.remove(version);
    if (skips.isEmpty())
        m_skips.remove(stream);
    render();
    updateSkippedList();
    Q_EMIT skippedChanged();
}

bool StatePane::isSkipped(const QString &stream, qint64 version) const
{
    return m_skips.value(stream).contains(version);
}

QSet<qint64> StatePane::skippedPositions() const
{
    QSet<qint64> out;
    for (const QHash<qint64, qint64> &skips : m_skips) {
        for (const qint64 position : skips)
            out.insert(position);
    }
    return out;
}

void StatePane::updateSkippedList()
{
    m_skippedList->clear();
    const QString stream = m_event ? m_event->stream : QString();
    QList<qint64> versions = m_skips.value(stream).keys();
    std::sort(versions.begin(), versions.end());
    for (const qint64 v : versions) {
        QString text = tr("version %1").arg(v);
        if (m_history && m_history->stream() == stream && m_history->hasVersion(v))
            text += QStringLiteral(" · ") + m_history->event(v).type;
        auto *item = new QListWidgetItem(text, m_skippedList);
        item->setData(VersionRole, v);
        QFont font = item->font();
        font.setStrikeOut(true);
        item->setFont(font);
    }
    m_skippedList->setVisible(!versions.isEmpty());
    m_unskipAll->setVisible(!versions.isEmpty());
}

} // namespace eventlens

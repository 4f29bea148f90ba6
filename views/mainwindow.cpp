#include "mainwindow.h"

#include "auditactions.h"
#include "eventexportdialog.h"
#include "commandconsoledock.h"
#include "cqrsflowview.h"
#include "queryconsoledock.h"
#include "readmodelhost.h"
#include "specificationdialog.h"
#include "demogenerator.h"
#include "eventdetailpane.h"
#include "eventlistmodel.h"
#include "eventstore.h"
#include "eventtableproxy.h"
#include "eventtableview.h"
#include "filterbar.h"
#include "importer.h"
#include "importerror.h"
#include "importreviewdialog.h"
#include "predicatescan.h"
#include "progresstask.h"
#include "projectiondock.h"
#include "projectionstatefunction.h"
#include "stateerror.h"
#include "statepane.h"
#include "storebuilder.h"
#include "streamspane.h"
#include "timelinehistogram.h"
#include "timelinewidget.h"
#include "timeutil.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>
#include <QSettings>
#include <QSplitter>
#include <QCryptographicHash>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QUrl>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <exception>

namespace eventlens {

namespace {

const QString LastStoreKey = QStringLiteral("store/last");
const QString GeometryKey = QStringLiteral("mainWindow/geometry");
const QString StateKey = QStringLiteral("mainWindow/state");
const QString SplitterKey = QStringLiteral("mainWindow/splitter");
const QString DetailSplitterKey = QStringLiteral("mainWindow/detailSplitter");
const QString HeaderKey = QStringLiteral("mainWindow/eventTableHeader");
const QString CenterSplitterKey = QStringLiteral("mainWindow/centerSplitter");
const QString RightSplitterKey = QStringLiteral("mainWindow/rightSplitter");
const QString RecentKey = QStringLiteral("store/recent");
const QString NewestFirstKey = QStringLiteral("view/newestFirst");
const QString LocalTimeKey = QStringLiteral("view/localTime");
constexpr int MaxRecent = 8;

const QString StoreSuffix = QStringLiteral("eventlens");

bool isStoreFile(const QString &path)
{
    return QFileInfo(path).suffix().compare(StoreSuffix, Qt::CaseInsensitive) == 0;
}

QString errorText(const std::exception &e)
{
    return QString::fromUtf8(e.what());
}

} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    m_model = new EventListModel(this);
    m_proxy = new EventTableProxy(this);
    m_proxy->setSourceModel(m_model);
    m_histogram = new TimelineHistogram(this);
    m_scan = new PredicateScan(this);
    m_scan->setThreadCount(1); // one JavaScript engine: the window stays small (measured in the README)
    createWidgets();
    createActions();
    restoreSettings();
    updateActions();
    updateTitle();
}

MainWindow::~MainWindow()
{
    // The task's destructor cancels it and waits; it must not outlive the widgets it reports to.
    delete m_task;
    stopReadModels();
}

QString MainWindow::readDatabasePath(const QString &storePath)
{
    const QByteArray key = QCryptographicHash::hash(QFileInfo(storePath).absoluteFilePath().toUtf8(), QCryptographicHash::Sha256).toHex().left(16);
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("readmodels/") + QFileInfo(storePath).completeBaseName() + u'-' + QString::fromLatin1(key)
                  + QStringLiteral(".read"));
}

void MainWindow::startReadModels()
{
    if (m_readModels || !m_store)
        return;
    const QString path = readDatabasePath(m_store->path());
    QDir().mkpath(QFileInfo(path).absolutePath());
    try {
        m_readModels = std::make_unique<ReadModelHost>(*m_store, path);
    } catch (const std::exception &e) {
        m_queryDock->setUnavailableText(tr("The read models could not start: %1").arg(errorText(e)));
        return;
    }
    ReadModelHost *host = m_readModels.get();
    connect(host, &ReadModelHost::statusChanged, this, [this, host](const QString &name) {
        if (const auto status = host->status(name))
            m_flowView->setReadModelStatus(name, status->checkpoint, status->lagEvents());
    });
    host->start();
    for (const QString &name : host->names()) {
        if (const auto status = host->status(name))
            m_flowView->setReadModelStatus(name, status->checkpoint, status->lagEvents());
    }
    m_queryDock->setReadModelHost(host);
}

void MainWindow::stopReadModels()
{
    if (!m_readModels)
        return;
    m_queryDock->setReadModelHost(nullptr); // waits for its queries
    m_readModels->stop();
    m_readModels.reset();
    m_flowView->clearReadModels();
    m_queries = 0;
    m_flowView->setQueryCount(0);
}

void MainWindow::openSpecificationDialog()
{
    if (!m_store)
        return;
    if (!m_specDialog)
        m_specDialog = new SpecificationDialog(this);
    m_specDialog->setStorePath(m_store->path());
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    if (const Event *event = current.isValid() ? m_model->eventAt(current.row()) : nullptr)
        m_specDialog->setStream(event->stream, 0, event->version);
    m_specDialog->showTab(SpecificationDialog::ExportTab);
    m_specDialog->show();
    m_specDialog->raise();
    m_specDialog->activateWindow();
}

QString MainWindow::defaultDemoStorePath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("demo.eventlens"));
}

QString MainWindow::lastStorePath()
{
    return QSettings().value(LastStoreKey).toString();
}

void MainWindow::openDefaultStore(qint64 demoEvents)
{
    const QString last = lastStorePath();
    if (!last.isEmpty() && QFileInfo::exists(last) && openStore(last))
        return;
    const QString demo = defaultDemoStorePath();
    if (QFileInfo::exists(demo))
        openStore(demo);
    else
        createDemoStore(demo, demoEvents);
}

void MainWindow::createWidgets()
{
    auto *table = new EventTableView(this);
    m_table = table;
    connect(table, &EventTableView::textTyped, this, [this](const QString &text) {
        m_filterBar->focusPredicate();
        m_filterBar->predicateEdit()->insert(text);
    });
    m_table->setObjectName(QStringLiteral("eventTable"));
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->setTabKeyNavigation(false);

    // Uniform row heights: every row is one line; the view never measures rows.
    QHeaderView *rows = m_table->verticalHeader();
    rows->setVisible(false);
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    rows->setMinimumSectionSize(m_table->fontMetrics().height() + 2);

    QHeaderView *columns = m_table->horizontalHeader();
    columns->setSectionResizeMode(QHeaderView::Interactive);
    columns->setStretchLastSection(true);
    columns->setHighlightSections(false);
    columns->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    const QFontMetrics fm = m_table->fontMetrics();
    const int pad = 3 * fm.horizontalAdvance(QLatin1Char('M'));
    const auto width = [&](const char *sample) { return fm.horizontalAdvance(QLatin1String(sample)) + pad; };
    m_table->setColumnWidth(EventListModel::PositionColumn, width("10000000"));
    m_table->setColumnWidth(EventListModel::TimeColumn, width("2024-01-01T00:00:00.000Z"));
    m_table->setColumnWidth(EventListModel::StreamColumn, width("account-000000"));
    m_table->setColumnWidth(EventListModel::VersionColumn, width("Version"));
    m_table->setColumnWidth(EventListModel::TypeColumn, width("OrderCancelled"));

    m_detail = new EventDetailPane(this);
    m_detail->setObjectName(QStringLiteral("detailPane"));
    m_statePane = new StatePane(this);
    m_statePane->setObjectName(QStringLiteral("statePane"));
    m_streams = new StreamsPane(this);
    m_streams->setObjectName(QStringLiteral("streamsPane"));
    m_filterBar = new FilterBar(this);
    m_filterBar->setObjectName(QStringLiteral("filterBar"));
    m_timeline = new TimelineWidget(this);
    m_timeline->setObjectName(QStringLiteral("timeline"));
    m_timeline->setSource(m_histogram);

    auto *log = new QWidget(this);
    auto *logLayout = new QVBoxLayout(log);
    logLayout->setContentsMargins(0, 0, 0, 0);
    logLayout->setSpacing(4);
    logLayout->addWidget(m_filterBar);
    logLayout->addWidget(m_table, 1);

    m_centerSplitter = new QSplitter(Qt::Vertical, this);
    m_centerSplitter->setObjectName(QStringLiteral("centerSplitter"));
    m_centerSplitter->addWidget(log);
    m_centerSplitter->addWidget(m_timeline);
    m_centerSplitter->setStretchFactor(0, 4);
    m_centerSplitter->setStretchFactor(1, 1);
    m_centerSplitter->setChildrenCollapsible(false);

    m_rightSplitter = new QSplitter(Qt::Vertical, this);
    m_rightSplitter->setObjectName(QStringLiteral("rightSplitter"));
    m_rightSplitter->addWidget(m_detail);
    m_rightSplitter->addWidget(m_statePane);
    m_rightSplitter->setChildrenCollapsible(false);
    // Explicit minimum heights (a few lines) instead of the panes' own hints, so that a dock
    // under them (the projection debugger) can take half the window; the event pane keeps its
    // own, which its fields need.
    const int line = fontMetrics().height();
    for (QWidget *pane : {static_cast<QWidget *>(log), static_cast<QWidget *>(m_timeline), static_cast<QWidget *>(m_statePane)})
        pane->setMinimumHeight(6 * line);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(m_streams);
    m_splitter->addWidget(m_centerSplitter);
    m_splitter->addWidget(m_rightSplitter);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 4);
    m_splitter->setStretchFactor(2, 3);
    m_splitter->setChildrenCollapsible(false);
    setCentralWidget(m_splitter);

    connect(m_streams, &StreamsPane::categorySelected, this, &MainWindow::applyFilters);
    connect(m_streams, &StreamsPane::streamSelected, this, &MainWindow::applyFilters);
    connect(m_streams, &StreamsPane::selectionCleared, this, &MainWindow::applyFilters);
    connect(m_filterBar, &FilterBar::queryChanged, this, &MainWindow::applyFilters);
    connect(m_filterBar, &FilterBar::predicateChanged, this, &MainWindow::applyFilters);
    connect(m_timeline, &TimelineWidget::positionRequested, this, &MainWindow::selectPosition);
    connect(m_detail, &EventDetailPane::relatedEventsRequested, this, &MainWindow::showRelated);
    connect(m_statePane, &StatePane::skippedChanged, this, [this] { m_proxy->setSkippedPositions(m_statePane->skippedPositions()); });
    connect(m_model, &EventListModel::countChanged, this, [this](qint64 total) {
        if (!m_scan->isRunning() && !m_model->positions())
            m_matchLabel->setText(tr("%1 matching").arg(QLocale().toString(total)));
        updateBackgroundWork();
    });
    connect(m_model, &EventListModel::countProgress, this, [this](qint64 done, qint64 total) {
        m_countProgress = total > 0 ? done * 1000 / total : 0;
        updateBackgroundWork();
    });
    connect(m_model, &EventListModel::loadingChanged, this, &MainWindow::updateBackgroundWork);
    connect(m_histogram, &TimelineHistogram::progress, this, [this](qint64 done, qint64 total) {
        m_histogramProgress = total > 0 ? done * 1000 / total : 0;
        updateBackgroundWork();
    });
    connect(m_histogram, &TimelineHistogram::finished, this, &MainWindow::updateBackgroundWork);
    connect(m_histogram, &TimelineHistogram::failed, this, &MainWindow::updateBackgroundWork);
    connect(m_scan, &PredicateScan::progress, this, [this](qint64 done, qint64 total) {
        m_scanProgress = total > 0 ? done * 1000 / total : 0;
        updateBackgroundWork();
    });
    connect(m_scan, &PredicateScan::matchCountChanged, this, [this](qint64 n) {
        m_filterBar->setPredicateStatus(tr("%1 matches so far…").arg(QLocale().toString(n)), false);
    });
    connect(m_scan, &PredicateScan::finished, this, [this](quint64 generation, const PredicateScan::Positions &positions, const PredicateScanStats &stats) {
        if (generation != m_scan->generation())
            return;
        m_model->setPositions(positions);
        QString status = tr("%1 of %2 match").arg(QLocale().toString(stats.matched), QLocale().toString(stats.scanned));
        if (stats.runtimeErrors > 0)
            status += tr(" · %n event(s) raised an error, e.g. %1", nullptr, int(std::min<qint64>(stats.runtimeErrors, INT_MAX))).arg(stats.firstRuntimeError);
        m_filterBar->setPredicateStatus(status, stats.runtimeErrors > 0);
        m_matchLabel->setText(tr("%1 matching").arg(QLocale().toString(stats.matched)));
        selectPosition(0);
        updateBackgroundWork();
    });
    connect(m_scan, &PredicateScan::failed, this, [this](quint64 generation, const QString &message, bool cancelled) {
        if (generation != m_scan->generation())
            return;
        if (m_filterBar->predicate().isEmpty()) {
            // Cancelled because the predicate was removed (or another store opened): the log
            // shows the query again, and its count is the match count.
            if (!m_model->positions() && m_model->totalCount() >= 0)
                m_matchLabel->setText(tr("%1 matching").arg(QLocale().toString(m_model->totalCount())));
            updateBackgroundWork();
            return;
        }
        m_filterBar->setPredicateStatus(cancelled ? tr("predicate cancelled") : message, !cancelled);
        if (!cancelled)
            m_model->setPositions(std::vector<qint64>{});
        m_matchLabel->setText(cancelled ? tr("predicate cancelled") : tr("predicate failed"));
        updateBackgroundWork();
    });

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { onCurrentRowChanged(m_proxy->mapToSource(current)); });
    connect(m_model, &QAbstractItemModel::modelReset, m_detail, &EventDetailPane::clear);
    // Pages arrive from the model's worker: the current event shows once its page is there.
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
        const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
        if (current.isValid() && current.row() >= topLeft.row() && current.row() <= bottomRight.row())
            onCurrentRowChanged(current);
    });
    connect(m_model, &EventListModel::readFailed, this, [this](const QString &message) {
        statusBar()->showMessage(tr("Could not read events: %1").arg(message));
    });

    m_pathLabel = new QLabel(this);
    m_pathLabel->setObjectName(QStringLiteral("storePathLabel"));
    m_pathLabel->setMinimumWidth(1);
    m_pathLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_countLabel = new QLabel(this);
    m_countLabel->setObjectName(QStringLiteral("eventCountLabel"));
    m_matchLabel = new QLabel(this);
    m_matchLabel->setObjectName(QStringLiteral("matchCountLabel"));
    m_workBar = new QProgressBar(this);
    m_workBar->setObjectName(QStringLiteral("workProgress"));
    m_workBar->setRange(0, 1000);
    m_workBar->setMaximumWidth(160);
    m_workBar->setTextVisible(false);
    m_workBar->setValue(0);
    m_workBar->hide();
    m_cancelWork = new QToolButton(this);
    m_cancelWork->setObjectName(QStringLiteral("cancelWork"));
    m_cancelWork->setText(tr("Cancel"));
    m_cancelWork->setToolTip(tr("Cancel the background work (Esc in the log)"));
    m_cancelWork->hide();
    connect(m_cancelWork, &QToolButton::clicked, this, &MainWindow::cancelBackgroundWork);
    statusBar()->addPermanentWidget(m_pathLabel, 1);
    statusBar()->addPermanentWidget(m_countLabel);
    statusBar()->addPermanentWidget(m_matchLabel);
    statusBar()->addPermanentWidget(m_workBar);
    statusBar()->addPermanentWidget(m_cancelWork);
    m_pathLabel->setText(tr("No store open"));

    // The projection debugger: hidden until View → Projection Debugger; it follows the store.
    m_projectionDock = new ProjectionDock(this);
    addDockWidget(Qt::BottomDockWidgetArea, m_projectionDock);
    m_projectionDock->hide();
    connect(this, &MainWindow::storeOpened, m_projectionDock, &ProjectionDock::setStorePath);
    connect(m_projectionDock, &ProjectionDock::positionActivated, this, &MainWindow::selectPosition);
    connect(m_projectionDock, &ProjectionDock::stateFunctionRequested, this, [this](const QString &script, const QString &name) {
        try {
            m_statePane->setStateFunction(std::make_shared<ProjectionStateFunction>(script, name));
        } catch (const StateError &e) {
            m_projectionDock->rejectStateFunction(e.message());
        }
    });
    connect(m_projectionDock, &ProjectionDock::stateFunctionReleased, this, [this] { m_statePane->setStateFunction(nullptr); });

    // The command console and the CQRS flow: hidden until the View menu shows them.
    m_commandDock = new CommandConsoleDock(this);
    addDockWidget(Qt::BottomDockWidgetArea, m_commandDock);
    m_commandDock->hide();
    connect(this, &MainWindow::storeOpened, m_commandDock, &CommandConsoleDock::setStorePath);
    connect(m_commandDock, &CommandConsoleDock::positionActivated, this, &MainWindow::selectPosition);
    connect(m_commandDock, &CommandConsoleDock::storeChanged, this, &MainWindow::reload);
    m_flowView = new CqrsFlowView;
    m_flowDock = new QDockWidget(tr("CQRS Flow"), this);
    m_flowDock->setObjectName(QStringLiteral("cqrsFlowDock"));
    m_flowDock->setWidget(m_flowView);
    addDockWidget(Qt::BottomDockWidgetArea, m_flowDock);
    splitDockWidget(m_commandDock, m_flowDock, Qt::Horizontal); // beside the console
    m_flowDock->hide();
    connect(m_commandDock->session(), &CommandSession::countersChanged, m_flowView, &CqrsFlowView::setCounters);

    // The query console, beside the command console; its read models (and the flow view's read
    // side) start when either is shown.
    m_queryDock = new QueryConsoleDock(this);
    m_queryDock->setWindowTitle(tr("Query Console"));
    addDockWidget(Qt::BottomDockWidgetArea, m_queryDock);
    tabifyDockWidget(m_commandDock, m_queryDock);
    m_queryDock->hide();
    connect(m_queryDock, &QueryConsoleDock::queryAnswered, this, [this] {
        m_flowView->setQueryCount(++m_queries);
    });
    for (QDockWidget *dock : {static_cast<QDockWidget *>(m_queryDock), m_flowDock}) {
        connect(dock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
            if (visible)
                startReadModels();
        });
    }

    resize(1400, 850);
}

void MainWindow::createActions()
{
    const auto add = [this](QMenu *menu, const QString &text, const char *name, const QKeySequence &key, auto slot) {
        QAction *action = menu->addAction(text, this, slot);
        action->setObjectName(QLatin1StringView(name));
        if (!key.isEmpty())
            action->setShortcut(key);
        return action;
    };

    QMenu *file = menuBar()->addMenu(tr("&File"));
    add(file, tr("New &Demo Store…"), "newDemoStoreAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D), [this] {
        createDemoStore(newStorePathFor(QStringLiteral("demo.eventlens")));
    });
    m_newAction = add(file, tr("&New Store…"), "newStoreAction", QKeySequence::New, &MainWindow::newStoreDialog);
    m_openAction = add(file, tr("&Open Store…"), "openStoreAction", QKeySequence::Open, &MainWindow::openStoreDialog);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    file->addSeparator();
    m_importAction = add(file, tr("&Import Files into This Store…"), "importAction", QKeySequence(Qt::CTRL | Qt::Key_I), &MainWindow::importDialog);
    add(file, tr("Import Files into a New &Store…"), "importNewAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I), [this] {
        auto *dialog = new QFileDialog(this, tr("Import Files into a New Store"), QDir::homePath(),
                                       tr("Event files (*.jsonl *.ndjson *.json *.csv *.txt);;All files (*)"));
        dialog->setObjectName(QStringLiteral("importNewDialog"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setFileMode(QFileDialog::ExistingFiles);
        connect(dialog, &QFileDialog::filesSelected, this, [this](const QStringList &files) {
            if (files.isEmpty())
                return;
            // Where the new store goes: the application's data folder unless the user says otherwise.
            auto *save = new QFileDialog(this, tr("Save the New Store As"), newStorePathFor(files.constFirst()),
                                         tr("eventlens stores (*.eventlens)"));
            save->setObjectName(QStringLiteral("newStoreLocationDialog"));
            save->setAttribute(Qt::WA_DeleteOnClose);
            save->setAcceptMode(QFileDialog::AcceptSave);
            save->setDefaultSuffix(StoreSuffix);
            save->selectFile(newStorePathFor(files.constFirst()));
            connect(save, &QFileDialog::fileSelected, this, [this, files](const QString &path) {
                if (path.isEmpty())
                    return;
                if (QFileInfo::exists(path)) {
                    showError(tr("Import"), tr("%1 already exists; choose a new name for the store.").arg(QDir::toNativeSeparators(path)));
                    return;
                }
                importIntoNewStore(files, path);
            });
            save->open();
        });
        dialog->open();
    });
    m_reloadAction = add(file, tr("&Reload"), "reloadAction", QKeySequence::Refresh, &MainWindow::reload);
    m_exportEventsAction = add(file, tr("&Export Events…"), "exportEventsAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X),
                               &MainWindow::exportEventsDialog);
    file->addSeparator();
    m_quitAction = add(file, tr("&Quit"), "quitAction", QKeySequence(Qt::CTRL | Qt::Key_Q), &QWidget::close);
    m_quitAction->setMenuRole(QAction::QuitRole);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    add(edit, tr("Copy Event as &JSON"), "copyJsonAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), [this] { m_detail->copyJson(); });
    add(edit, tr("Copy Event &Id"), "copyIdAction", QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_C), [this] { m_detail->copyId(); });

    QMenu *view = menuBar()->addMenu(tr("&View"));
    add(view, tr("&Filter by Predicate"), "focusPredicateAction", QKeySequence(Qt::CTRL | Qt::Key_F), [this] { m_filterBar->focusPredicate(); });
    add(view, tr("Filter S&treams"), "focusStreamsAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), [this] {
        m_streams->filterEdit()->setFocus(Qt::ShortcutFocusReason);
    });
    add(view, tr("&Clear Filters"), "clearFiltersAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Backspace), [this] {
        m_streams->treeView()->clearSelection();
        m_filterBar->clear();
        applyFilters();
    });
    view->addSeparator();
    m_newestFirstAction = add(view, tr("&Newest First"), "newestFirstAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), [this] { applyFilters(); });
    m_newestFirstAction->setCheckable(true);
    m_localTimeAction = add(view, tr("&Local Time"), "localTimeAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T), [this] {
        m_proxy->setLocalTime(m_localTimeAction->isChecked());
    });
    m_localTimeAction->setCheckable(true);
    view->addSeparator();
    QAction *projection = m_projectionDock->toggleViewAction();
    projection->setText(tr("&Projection Debugger"));
    projection->setObjectName(QStringLiteral("projectionDockAction"));
    projection->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    view->addAction(projection);
    QAction *commands = m_commandDock->toggleViewAction();
    commands->setText(tr("Co&mmand Console"));
    commands->setObjectName(QStringLiteral("commandConsoleAction"));
    commands->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
    view->addAction(commands);
    QAction *flow = m_flowDock->toggleViewAction();
    flow->setText(tr("C&QRS Flow"));
    flow->setObjectName(QStringLiteral("cqrsFlowAction"));
    flow->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
    view->addAction(flow);
    QAction *queries = m_queryDock->toggleViewAction();
    queries->setText(tr("&Query Console"));
    queries->setObjectName(QStringLiteral("queryConsoleAction"));
    queries->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Q));
    view->addAction(queries);
    // The two consoles share a tab group: the one asked for comes to the front.
    for (QDockWidget *dock : {static_cast<QDockWidget *>(m_commandDock), static_cast<QDockWidget *>(m_queryDock)}) {
        connect(dock->toggleViewAction(), &QAction::triggered, dock, [dock](bool checked) {
            if (checked)
                dock->raise();
        });
    }
    add(view, tr("Given/When/Then &Specification…"), "specificationAction", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G),
        &MainWindow::openSpecificationDialog);

    // Tools: the audit export and the verifications (AuditActions), starting from the current
    // event (the timeline's position) and the streams pane's selection.
    m_audit = new AuditActions(this);
    m_audit->setSelectionProvider([this] {
        AuditActions::Selection selection;
        const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
        if (const Event *event = current.isValid() ? m_model->eventAt(current.row()) : nullptr)
            selection.point = AuditExportDialog::TimelinePoint{event->position, event->timeMs};
        selection.stream = m_streams->selectedStream();
        selection.category = m_streams->selectedCategory();
        return selection;
    });
    connect(m_audit, &AuditActions::positionActivated, this, &MainWindow::selectPosition);
    m_audit->addTo(menuBar()->addMenu(tr("&Tools")));

    QMenu *go = menuBar()->addMenu(tr("&Navigate"));
    add(go, tr("&Next Event"), "nextEventAction", QKeySequence(Qt::CTRL | Qt::Key_Down), [this] { stepInLog(1); });
    add(go, tr("&Previous Event"), "previousEventAction", QKeySequence(Qt::CTRL | Qt::Key_Up), [this] { stepInLog(-1); });
    add(go, tr("Next Event in &Stream"), "nextInStreamAction", QKeySequence(Qt::ALT | Qt::Key_Down), [this] { stepInStream(1); });
    add(go, tr("Previous Event in S&tream"), "previousInStreamAction", QKeySequence(Qt::ALT | Qt::Key_Up), [this] { stepInStream(-1); });
    add(go, tr("&First Event"), "firstEventAction", QKeySequence(Qt::CTRL | Qt::Key_Home), [this] { stepInLog(-2); });
    add(go, tr("&Last Event"), "lastEventAction", QKeySequence(Qt::CTRL | Qt::Key_End), [this] { stepInLog(2); });
    go->addSeparator();
    m_skipAction = add(go, tr("S&kip / Unskip Event"), "skipAction", QKeySequence(Qt::Key_S), [this] { m_statePane->toggleSkip(); });
    add(go, tr("&Unskip All Events of the Stream"), "unskipAllAction", QKeySequence(Qt::SHIFT | Qt::Key_S), [this] { m_statePane->unskipAll(); });
    add(go, tr("Cancel Background &Work"), "cancelWorkAction", QKeySequence(Qt::CTRL | Qt::Key_Period), &MainWindow::cancelBackgroundWork);
    updateRecentMenu();
}

QAction *MainWindow::action(const QString &objectName) const
{
    return findChild<QAction *>(objectName);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(GeometryKey).toByteArray());
    restoreState(settings.value(StateKey).toByteArray());
    if (!m_splitter->restoreState(settings.value(SplitterKey).toByteArray()))
        m_splitter->setSizes({230, 700, 470});
    if (!m_centerSplitter->restoreState(settings.value(CenterSplitterKey).toByteArray()))
        m_centerSplitter->setSizes({640, 180});
    if (!m_rightSplitter->restoreState(settings.value(RightSplitterKey).toByteArray()))
        m_rightSplitter->setSizes({430, 390});
    m_detail->splitter()->restoreState(settings.value(DetailSplitterKey).toByteArray());
    m_table->horizontalHeader()->restoreState(settings.value(HeaderKey).toByteArray());
    m_newestFirstAction->setChecked(settings.value(NewestFirstKey, false).toBool());
    m_localTimeAction->setChecked(settings.value(LocalTimeKey, false).toBool());
    m_proxy->setLocalTime(m_localTimeAction->isChecked());
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(GeometryKey, saveGeometry());
    settings.setValue(StateKey, saveState());
    settings.setValue(SplitterKey, m_splitter->saveState());
    settings.setValue(DetailSplitterKey, m_detail->splitter()->saveState());
    settings.setValue(HeaderKey, m_table->horizontalHeader()->saveState());
    settings.setValue(CenterSplitterKey, m_centerSplitter->saveState());
    settings.setValue(RightSplitterKey, m_rightSplitter->saveState());
    settings.setValue(NewestFirstKey, m_newestFirstAction->isChecked());
    settings.setValue(LocalTimeKey, m_localTimeAction->isChecked());
}

QString MainWindow::storePath() const
{
    return m_store ? m_store->path() : QString();
}

bool MainWindow::isBusy() const
{
    return m_task && m_task->isRunning();
}

void MainWindow::updateActions()
{
    const bool busy = isBusy();
    m_newAction->setEnabled(!busy);
    m_openAction->setEnabled(!busy);
    m_importAction->setEnabled(!busy && m_store);
    m_reloadAction->setEnabled(!busy && m_store);
    m_exportEventsAction->setEnabled(!busy && m_store);
}

void MainWindow::updateTitle()
{
    if (m_store)
        setWindowTitle(tr("%1 — eventlens").arg(QFileInfo(m_store->path()).fileName()));
    else
        setWindowTitle(tr("eventlens"));
}

bool MainWindow::openStore(const QString &path)
{
    std::shared_ptr<EventStore> store;
    try {
        if (!QFileInfo::exists(path))
            throw StoreError(tr("No such file: %1").arg(QDir::toNativeSeparators(path)));
        store = EventStore::open(path, EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        showError(tr("Open Store"), tr("Could not open the store %1:\n%2").arg(QDir::toNativeSeparators(path), errorText(e)));
        return false;
    }

    ++m_generation;
    m_scan->cancel();
    m_histogram->cancel();
    stopReadModels(); // they follow the store before
    m_store = std::move(store);
    {
        // The filters of the store before do not apply to this one.
        const QSignalBlocker blockBar(m_filterBar);
        m_filterBar->clear();
        m_filterBar->setTypes({});
    }
    m_streams->setStore(m_store);
    m_statePane->setStore(m_store);
    m_audit->setStore(m_store);
    m_proxy->setSkippedPositions({});
    m_model->setStore(m_store);
    m_pathLabel->setText(QDir::toNativeSeparators(m_store->path()));
    m_pathLabel->setToolTip(m_pathLabel->text());
    updateTitle();
    updateActions();
    applyFilters();
    startCount();
    rememberStore(QFileInfo(m_store->path()).absoluteFilePath());
    selectPosition(0);
    m_table->setFocus();
    Q_EMIT storeOpened(m_store->path());
    if (m_queryDock->isVisible() || m_flowDock->isVisible())
        startReadModels();
    return true;
}

bool MainWindow::createStore(const QString &path)
{
    if (QFileInfo::exists(path)) {
        showError(tr("New Store"), tr("%1 already exists.").arg(QDir::toNativeSeparators(path)));
        return false;
    }
    try {
        EventStore::open(path, EventStore::OpenMode::ReadWrite); // creates the schema, then closes
    } catch (const std::exception &e) {
        showError(tr("New Store"), tr("Could not create the store %1:\n%2").arg(QDir::toNativeSeparators(path), errorText(e)));
        return false;
    }
    return openStore(path);
}

void MainWindow::reload()
{
    if (!m_store)
        return;
    ++m_generation;
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    const qint64 position = current.isValid() ? current.data(EventListModel::PositionRole).toLongLong() : 0;
    m_streams->reload();
    applyFilters();
    startCount();
    selectPosition(position);
}

void MainWindow::selectPosition(qint64 position)
{
    // Loads pages up to the event while it is near the top (the view would load the first one
    // itself anyway). An event further down the log is looked for off the GUI thread and selected
    // when the model has found its row (unless the view was reset or the user moved meanwhile);
    // until then the first row is.
    if (m_model->rowCount() == 0 && m_model->canFetchMore({}))
        m_model->fetchMore({});
    const auto select = [this](int row) {
        const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
        if (!index.isValid())
            return;
        m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_table->scrollTo(index);
    };
    int row = position > 0 ? m_model->rowOfPosition(position) : 0;
    for (int pages = 0; row < 0 && pages < 64 && m_model->canFetchMore({}); ++pages) {
        const QModelIndex last = m_model->index(m_model->rowCount() - 1, 0);
        const qint64 lastPosition = last.data(EventListModel::PositionRole).toLongLong();
        if (last.isValid() && (m_model->query().backward ? lastPosition < position : lastPosition > position))
            break; // passed it: not in this view
        m_model->fetchMore({});
        row = m_model->rowOfPosition(position);
    }
    if (row >= 0) {
        select(row);
        return;
    }
    select(0);
    auto found = std::make_shared<QMetaObject::Connection>();
    auto reset = std::make_shared<QMetaObject::Connection>();
    const auto forget = [found, reset] {
        QObject::disconnect(*found);
        QObject::disconnect(*reset);
    };
    *found = connect(m_model, &EventListModel::rowFound, this, [this, position, select, forget](qint64 p, int foundRow) {
        if (p != position)
            return;
        forget();
        if (foundRow >= 0 && m_table->currentIndex().row() == 0)
            select(foundRow);
    });
    *reset = connect(m_model, &QAbstractItemModel::modelReset, this, forget);
    m_model->requestRowOfPosition(position);
}

void MainWindow::startCount()
{
    const quint64 generation = m_generation;
    m_countLabel->setText(tr("counting events…"));
    std::shared_ptr<EventStore> connection;
    try {
        connection = m_store->openAnother(EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        m_countLabel->setText(tr("count unavailable"));
        m_countLabel->setToolTip(errorText(e));
        return;
    }
    struct Counted
    {
        qint64 count = -1;
        QMap<QString, qint64> types;
        QString error;
    };
    auto *watcher = new QFutureWatcher<Counted>(this);
    connect(watcher, &QFutureWatcher<Counted>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_generation)
            return; // a newer open or reload has its own count coming
        const Counted counted = watcher->result();
        if (counted.count < 0) {
            m_countLabel->setText(tr("count unavailable"));
            m_countLabel->setToolTip(counted.error);
            return;
        }
        m_totalEvents = counted.count;
        m_countLabel->setText(counted.count == 1 ? tr("1 event") : tr("%1 events").arg(QLocale().toString(counted.count)));
        m_countLabel->setToolTip({});
        m_filterBar->setTypes(counted.types);
        Q_EMIT eventCountChanged(counted.count);
    });
    watcher->setFuture(QtConcurrent::run([connection = std::move(connection)]() {
        Counted counted;
        try {
            const StoreInfo info = connection->info();
            counted.count = info.events;
            counted.types = info.types;
        } catch (const std::exception &e) {
            counted.error = errorText(e);
        }
        return counted;
    }));
}

void MainWindow::onCurrentRowChanged(const QModelIndex &sourceCurrent)
{
    // A row whose page is still loading shows once it has arrived (dataChanged).
    if (sourceCurrent.isValid() && !sourceCurrent.data(EventListModel::LoadedRole).toBool()) {
        m_detail->clear();
        return;
    }
    m_detail->showIndex(sourceCurrent);
    if (const Event *event = sourceCurrent.isValid() ? m_model->eventAt(sourceCurrent.row()) : nullptr) {
        m_statePane->showEvent(*event);
        m_timeline->setCurrentTime(event->timeMs);
    } else {
        m_statePane->clear();
        m_timeline->clearCurrentTime();
    }
}

EventQuery MainWindow::currentQuery() const
{
    EventQuery query;
    const QString stream = m_streams->selectedStream();
    if (!stream.isEmpty())
        query.stream = stream;
    else
        query.category = m_streams->selectedCategory();
    if (!m_filterBar->applyTo(query))
        query = m_model->query(); // a time being typed that does not parse yet: keep the view
    query.backward = m_newestFirstAction->isChecked();
    return query;
}

void MainWindow::applyFilters()
{
    if (!m_store)
        return;
    const EventQuery query = currentQuery();
    m_countProgress = 0;
    m_histogramProgress = 0;
    m_model->setQuery(query);
    m_histogram->start(m_store, query);
    const QString predicate = m_filterBar->predicate();
    if (predicate.isEmpty()) {
        m_scan->cancel();
        m_matchLabel->setText(tr("counting…"));
    } else {
        startPredicateScan();
    }
    selectPosition(0);
    updateBackgroundWork();
}

void MainWindow::startPredicateScan()
{
    const QString predicate = m_filterBar->predicate();
    m_filterBar->setPredicateStatus(tr("scanning…"), false);
    m_matchLabel->setText(tr("scanning…"));
    m_model->setPositions(std::vector<qint64>{}); // nothing until the scan has matched
    m_scanProgress = 0;
    m_scan->start(m_store, currentQuery(), predicate);
}

void MainWindow::stepInLog(int direction)
{
    const int rows = m_model->rowCount();
    if (rows == 0)
        return;
    const int current = m_proxy->mapToSource(m_table->currentIndex()).row();
    int row = 0;
    if (direction == -2)
        row = 0;
    else if (direction == 2)
        row = rows - 1;
    else
        row = std::clamp(current < 0 ? 0 : current + direction, 0, rows - 1);
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
}

void MainWindow::stepInStream(int direction)
{
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    const Event *event = current.isValid() ? m_model->eventAt(current.row()) : nullptr;
    if (!event || !m_store)
        return;
    const qint64 version = event->version + direction;
    if (version < 0) {
        statusBar()->showMessage(tr("%1 starts here.").arg(event->stream), 4000);
        return;
    }
    const std::vector<Event> next = m_store->readStream(event->stream, version, 1);
    if (next.empty() || next.front().version != version) {
        statusBar()->showMessage(tr("%1 ends here.").arg(event->stream), 4000);
        return;
    }
    const qint64 position = next.front().position;
    if (m_model->rowOfPosition(position) < 0)
        statusBar()->showMessage(tr("Version %1 of %2 is hidden by the filters (Ctrl+Shift+Backspace clears them).").arg(version).arg(event->stream), 6000);
    else
        selectPosition(position);
}

void MainWindow::showRelated(const QString &kind, const QString &id)
{
    if (!m_store)
        return;
    if (kind == u"causation") {
        const std::optional<Event> cause = m_store->eventById(id);
        if (!cause) {
            statusBar()->showMessage(tr("No event with id %1 in this store.").arg(id), 6000);
            return;
        }
        if (m_model->rowOfPosition(cause->position) < 0) {
            // Hidden by the filters: show the whole log.
            m_streams->treeView()->clearSelection();
            const QSignalBlocker block(m_filterBar);
            m_filterBar->clear();
            applyFilters();
        }
        selectPosition(cause->position);
        return;
    }
    // Every event of the correlation, through the predicate filter.
    QString escaped = id;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
    m_filterBar->predicateEdit()->setText(QStringLiteral("e.metadata.correlationId == \"%1\"").arg(escaped));
    m_filterBar->applyPredicate();
}

void MainWindow::updateBackgroundWork()
{
    // The bar shows the job that is furthest behind: counting the log, a predicate scan, the
    // timeline's histogram (each on the fixed 0..1000 scale); the tooltip names them.
    QStringList jobs;
    qint64 done = 1000;
    if (m_scan->isRunning()) {
        jobs.append(tr("predicate %1%").arg(m_scanProgress / 10));
        done = std::min(done, m_scanProgress);
    }
    if (m_model->totalCount() < 0 && m_model->isLoading()) {
        jobs.append(tr("counting %1%").arg(m_countProgress / 10));
        done = std::min(done, m_countProgress);
    }
    if (m_histogram->isRunning()) {
        jobs.append(tr("timeline %1%").arg(m_histogramProgress / 10));
        done = std::min(done, m_histogramProgress);
    }
    const bool running = !jobs.isEmpty();
    m_workBar->setVisible(running);
    m_cancelWork->setVisible(running);
    m_workBar->setValue(int(running ? done : 0));
    m_workBar->setToolTip(jobs.join(QStringLiteral(", ")));
}

void MainWindow::cancelBackgroundWork()
{
    m_scan->cancel();
    m_histogram->cancel();
    if (m_task)
        m_task->cancel();
    updateBackgroundWork();
}

QStringList MainWindow::recentStores()
{
    return QSettings().value(RecentKey).toStringList();
}

void MainWindow::rememberStore(const QString &path)
{
    QSettings settings;
    settings.setValue(LastStoreKey, path);
    QStringList recent = settings.value(RecentKey).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > MaxRecent)
        recent.removeLast();
    settings.setValue(RecentKey, recent);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = recentStores();
    int n = 0;
    for (const QString &path : recent) {
        ++n;
        QAction *action = m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(n).arg(QDir::toNativeSeparators(path)));
        action->setData(path);
        action->setEnabled(QFileInfo::exists(path));
        connect(action, &QAction::triggered, this, [this, path] { openStore(path); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

QString MainWindow::newStorePathFor(const QString &file)
{
    const QDir dir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
    dir.mkpath(QStringLiteral("."));
    const QString base = QFileInfo(file).completeBaseName().isEmpty() ? QStringLiteral("store") : QFileInfo(file).completeBaseName();
    QString path = dir.filePath(base + QLatin1Char('.') + StoreSuffix);
    for (int n = 2; QFileInfo::exists(path); ++n)
        path = dir.filePath(QStringLiteral("%1-%2.%3").arg(base).arg(n).arg(StoreSuffix));
    return path;
}

void MainWindow::openPath(const QString &path)
{
    if (isStoreFile(path) || !QFileInfo(path).isFile()) {
        openStore(path);
        return;
    }
    // Not an eventlens store: a SQLite file with the schema opens too, anything else is imported.
    QFile file(path);
    if (file.open(QIODevice::ReadOnly) && file.read(16) == QByteArray("SQLite format 3\0", 16)) {
        openStore(path);
        return;
    }
    importIntoNewStore({path}, newStorePathFor(path));
}


void MainWindow::showError(const QString &title, const QString &message)
{
    statusBar()->showMessage(message.section(QLatin1Char('\n'), 0, 0), 10000);
    // Window-modal and non-blocking: no nested event loop.
    auto *box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::startTask(ProgressTask *task, std::function<std::optional<QString>(const ProgressFn &)> work,
                           std::function<void()> onSuccess)
{
    Q_ASSERT(!isBusy());
    delete m_task;
    m_task = task;
    connect(task, &ProgressTask::finished, this, [this, task, onSuccess = std::move(onSuccess)](const QString &summary) {
        task->deleteLater();
        if (onSuccess)
            onSuccess();
        statusBar()->showMessage(summary, 15000);
        updateActions();
        Q_EMIT taskEnded(true, summary);
    });
    connect(task, &ProgressTask::failed, this, [this, task](const QString &message, bool cancelled) {
        task->deleteLater();
        updateActions();
        if (cancelled)
            statusBar()->showMessage(message, 10000);
        else
            showError(tr("eventlens"), message);
        Q_EMIT taskEnded(false, message);
    });
    task->start(std::move(work));
    updateActions();
}

void MainWindow::exportEventsDialog()
{
    if (isBusy() || !m_store)
        return;
    auto *dialog = new EventExportDialog(currentQuery(), !m_filterBar->predicate().isEmpty(), QFileInfo(m_store->path()).absolutePath(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { exportEvents(dialog->query(), dialog->format(), dialog->destination()); });
    dialog->open();
}

void MainWindow::exportEvents(const EventQuery &query, EventWriter::Format format, const QString &path)
{
    if (isBusy() || !m_store)
        return;
    auto *task = new ProgressTask(tr("Export Events"), tr("Exporting events to %1…").arg(QFileInfo(path).fileName()), this, this);
    const QString storePath = m_store->path();
    const auto work = [storePath, query, format, path](const ProgressFn &progress) -> std::optional<QString> {
        // The worker reads through a read-only connection of its own.
        const auto store = EventStore::open(storePath, EventStore::OpenMode::ReadOnly);
        EventWriter::Options options;
        options.format = format;
        options.progress = progress;
        const ExportResult result = EventWriter(options).write(*store, query, path);
        if (result.status == ExportResult::Status::Cancelled)
            return std::nullopt;
        if (!result.ok())
            throw std::runtime_error(result.error.toStdString());
        return tr("Exported %1 events to %2 (%3).")
            .arg(QLocale().toString(result.written), QDir::toNativeSeparators(path), EventWriter::formatName(format));
    };
    startTask(task, work, {});
}

void MainWindow::createDemoStore(const QString &path, qint64 events)
{
    if (isBusy())
        return;
    QDir().mkpath(QFileInfo(path).absolutePath());
    auto *task = new ProgressTask(tr("Demo Store"), tr("Creating the demo store %1…").arg(QDir::toNativeSeparators(path)), this, this);
    const auto work = [path, events](const ProgressFn &progress) -> std::optional<QString> {
        DemoOptions options;
        options.events = events;
        const DemoResult result = DemoGenerator::createStore(path, options, progress);
        if (result.cancelled)
            return std::nullopt;
        return tr("Created the demo store: %1 events in %2 streams.")
            .arg(QLocale().toString(result.events), QLocale().toString(result.streams()));
    };
    startTask(task, work, [this, path] { openStore(path); });
}

void MainWindow::importFiles(const QStringList &files)
{
    if (isBusy() || !m_store || files.isEmpty())
        return;
    startImport(files, m_store->path(), false, false);
}

void MainWindow::importIntoNewStore(const QStringList &files, const QString &storePath)
{
    if (isBusy() || files.isEmpty())
        return;
    startImport(files, storePath, true, false);
}

void MainWindow::startImport(const QStringList &files, const QString &target, bool newStore, bool skipBad)
{
    auto *task = new ProgressTask(tr("Import"), files.size() == 1
                                      ? tr("Importing %1…").arg(QFileInfo(files.first()).fileName())
                                      : tr("Importing %n files…", nullptr, int(files.size())),
                                  this, this);
    auto report = std::make_shared<ImportReport>();
    const auto work = [target, files, newStore, skipBad, report](const ProgressFn &progress) -> std::optional<QString> {
        // The worker thread writes through a connection of its own; a new store is built aside
        // and appears at its path only when the import succeeded.
        std::unique_ptr<StoreBuilder> builder;
        std::unique_ptr<EventStore> existing;
        if (newStore)
            builder = std::make_unique<StoreBuilder>(target);
        else
            existing = EventStore::open(target, EventStore::OpenMode::ReadWrite);
        EventStore &store = builder ? builder->store() : *existing;
        std::atomic_bool cancel{false};
        ImportOptions options;
        options.cancel = &cancel;
        // First bad records are only listed (Review): the user then chooses to skip or abort.
        options.onError = skipBad ? OnError::Skip : OnError::Review;
        options.progress = [&progress, &cancel](qint64 done, qint64 total) {
            if (!progress(done, total))
                cancel = true;
        };
        *report = Importer(store, options).run(files);
        switch (report->status) {
        case ImportReport::Status::Ok:
            if (builder)
                builder->finish();
            break;
        case ImportReport::Status::Cancelled:
            return std::nullopt;
        case ImportReport::Status::Failed:
            if (!report->skipped.empty())
                return tr("The files have bad records; nothing was imported yet.");
            if (report->error)
                throw ImportError(*report->error);
            throw StoreError(tr("The import failed; nothing was imported."));
        }
        QString summary = (report->files.size() == 1 ? tr("Imported %1 events from 1 file")
                                                     : tr("Imported %1 events from %2 files").arg(QStringLiteral("%1"), QLocale().toString(qint64(report->files.size()))))
                              .arg(QLocale().toString(report->totalImported()));
        if (report->totalUnchanged() > 0)
            summary += tr("; %1 were already in the store").arg(QLocale().toString(report->totalUnchanged()));
        if (report->totalSkipped() > 0)
            summary += tr("; %1 bad records skipped").arg(QLocale().toString(report->totalSkipped()));
        return summary + QLatin1Char('.');
    };
    startTask(task, work, [this, report, files, target, newStore] { importFinished(*report, files, target, newStore); });
}

void MainWindow::importFinished(const ImportReport &report, const QStringList &files, const QString &target, bool newStore)
{
    if (report.ok()) {
        if (newStore)
            openStore(target);
        else
            reload();
        return;
    }
    // Review found bad records: list them, then import the good ones or nothing.
    auto *dialog = new ImportReviewDialog(report, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, files, target, newStore] { startImport(files, target, newStore, true); });
    connect(dialog, &QDialog::rejected, this, [this] { statusBar()->showMessage(tr("Import aborted; nothing was imported."), 10000); });
    dialog->open();
}

// The file dialogs and questions below are QDialog objects shown with open(): window-modal,
// answered through their signals, never a nested event loop (QFileDialog::getOpenFileName()
// and QMessageBox::question() run exec()).

void MainWindow::openStoreDialog()
{
    const QString dir = m_store ? QFileInfo(m_store->path()).absolutePath() : QDir::homePath();
    auto *dialog = new QFileDialog(this, tr("Open Store"), dir, tr("eventlens stores (*.eventlens);;All files (*)"));
    dialog->setObjectName(QStringLiteral("openStoreDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        if (!path.isEmpty())
            openStore(path);
    });
    dialog->open();
}

void MainWindow::newStoreDialog()
{
    const QString dir = m_store ? QFileInfo(m_store->path()).absolutePath() : QDir::homePath();
    // Replaces the store at path (the user confirmed): closes it first when it is the open one.
    const auto replace = [this](const QString &path) {
        if (isBusy()) {
            showError(tr("New Store"), tr("Could not replace %1 while a task is running.").arg(QDir::toNativeSeparators(path)));
            return;
        }
        if (m_store && QFileInfo(m_store->path()) == QFileInfo(path)) {
            // Replacing the open store: close it (the model holds it too) before its files go.
            ++m_generation; // a count still running on it is dropped
            m_store.reset();
            m_audit->setStore(nullptr);
            m_model->setStore(nullptr); // the last reference: the store closes here
            m_pathLabel->setText(tr("No store open"));
            m_pathLabel->setToolTip({});
            m_countLabel->clear();
            m_countLabel->setToolTip({});
            updateTitle();
            updateActions();
        }
        // A store is append-only: it is replaced only by deleting it on purpose, with the WAL and
        // the other side files (a stale WAL would be replayed into the new store).
        if (!EventStore::removeFiles(path)) {
            showError(tr("New Store"), tr("Could not replace %1.").arg(QDir::toNativeSeparators(path)));
            return;
        }
        createStore(path);
    };
    auto *dialog = new QFileDialog(this, tr("New Store"), dir, tr("eventlens stores (*.eventlens)"));
    dialog->setObjectName(QStringLiteral("newStoreDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setFileMode(QFileDialog::AnyFile);
    dialog->setDefaultSuffix(StoreSuffix);
    // QFileDialog asks about overwriting with a nested exec(); the question is asked below instead.
    dialog->setOption(QFileDialog::DontConfirmOverwrite);
    connect(dialog, &QFileDialog::fileSelected, this, [this, replace](QString path) {
        if (path.isEmpty())
            return;
        if (QFileInfo(path).suffix().isEmpty())
            path += QLatin1Char('.') + StoreSuffix;
        if (!QFileInfo::exists(path)) {
            createStore(path);
            return;
        }
        auto *box = new QMessageBox(QMessageBox::Warning, tr("New Store"),
                                    tr("%1 already exists.\nDo you want to replace it? All its events will be deleted.")
                                        .arg(QDir::toNativeSeparators(path)),
                                    QMessageBox::Yes | QMessageBox::No, this);
        box->setObjectName(QStringLiteral("replaceStoreBox"));
        box->setDefaultButton(QMessageBox::No);
        box->setEscapeButton(QMessageBox::No);
        box->setAttribute(Qt::WA_DeleteOnClose);
        connect(box, &QMessageBox::finished, this, [box, path, replace] {
            if (box->standardButton(box->clickedButton()) == QMessageBox::Yes)
                replace(path);
        });
        box->open();
    });
    dialog->open();
}

void MainWindow::importDialog()
{
    if (!m_store)
        return;
    auto *dialog = new QFileDialog(this, tr("Import Files"), QDir::homePath(),
                                   tr("Event files (*.jsonl *.ndjson *.json *.csv *.txt);;All files (*)"));
    dialog->setObjectName(QStringLiteral("importDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFiles);
    connect(dialog, &QFileDialog::filesSelected, this, [this](const QStringList &files) { importFiles(files); });
    dialog->open();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() && !isBusy())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    QStringList stores;
    QStringList files;
    const QList<QUrl> urls = event->mimeData()->urls();
    for (const QUrl &url : urls) {
        if (!url.isLocalFile())
            continue;
        (isStoreFile(url.toLocalFile()) ? stores : files).append(url.toLocalFile());
    }
    if (!stores.isEmpty())
        openStore(stores.constFirst());
    else if (!files.isEmpty() && m_store)
        importFiles(files);
    else if (!files.isEmpty())
        importIntoNewStore(files, newStorePathFor(files.constFirst()));
    event->acceptProposedAction();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_task)
        m_task->cancel();
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace eventlens

#include "mainwindow.h"

#include "demogenerator.h"
#include "eventdetailpane.h"
#include "importerror.h"
#include "eventlistmodel.h"
#include "eventstore.h"
#include "eventtableproxy.h"
#include "importer.h"
#include "progresstask.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSplitter>
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
    m_table = new QTableView(this);
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

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    m_splitter->setChildrenCollapsible(false);
    setCentralWidget(m_splitter);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { onCurrentRowChanged(m_proxy->mapToSource(current)); });
    connect(m_model, &QAbstractItemModel::modelReset, m_detail, &EventDetailPane::clear);
    connect(m_model, &EventListModel::readFailed, this, [this](const QString &message) {
        statusBar()->showMessage(tr("Could not read events: %1").arg(message));
    });

    m_pathLabel = new QLabel(this);
    m_pathLabel->setObjectName(QStringLiteral("storePathLabel"));
    m_pathLabel->setMinimumWidth(1);
    m_pathLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_countLabel = new QLabel(this);
    m_countLabel->setObjectName(QStringLiteral("eventCountLabel"));
    statusBar()->addPermanentWidget(m_pathLabel, 1);
    statusBar()->addPermanentWidget(m_countLabel);
    m_pathLabel->setText(tr("No store open"));

    resize(1200, 750);
}

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));

    m_newAction = file->addAction(tr("&New Store…"), this, &MainWindow::newStoreDialog);
    m_newAction->setObjectName(QStringLiteral("newStoreAction"));
    m_newAction->setShortcut(QKeySequence::New);

    m_openAction = file->addAction(tr("&Open Store…"), this, &MainWindow::openStoreDialog);
    m_openAction->setObjectName(QStringLiteral("openStoreAction"));
    m_openAction->setShortcut(QKeySequence::Open);

    m_importAction = file->addAction(tr("&Import Files…"), this, &MainWindow::importDialog);
    m_importAction->setObjectName(QStringLiteral("importAction"));
    m_importAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));

    m_reloadAction = file->addAction(tr("&Reload"), this, &MainWindow::reload);
    m_reloadAction->setObjectName(QStringLiteral("reloadAction"));
    m_reloadAction->setShortcut(QKeySequence::Refresh);

    file->addSeparator();
    m_quitAction = file->addAction(tr("&Quit"), this, &QWidget::close);
    m_quitAction->setObjectName(QStringLiteral("quitAction"));
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(GeometryKey).toByteArray());
    restoreState(settings.value(StateKey).toByteArray());
    if (!m_splitter->restoreState(settings.value(SplitterKey).toByteArray()))
        m_splitter->setSizes({780, 420});
    m_detail->splitter()->restoreState(settings.value(DetailSplitterKey).toByteArray());
    m_table->horizontalHeader()->restoreState(settings.value(HeaderKey).toByteArray());
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(GeometryKey, saveGeometry());
    settings.setValue(StateKey, saveState());
    settings.setValue(SplitterKey, m_splitter->saveState());
    settings.setValue(DetailSplitterKey, m_detail->splitter()->saveState());
    settings.setValue(HeaderKey, m_table->horizontalHeader()->saveState());
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
    m_store = std::move(store);
    m_model->setStore(m_store);
    m_pathLabel->setText(QDir::toNativeSeparators(m_store->path()));
    m_pathLabel->setToolTip(m_pathLabel->text());
    updateTitle();
    updateActions();
    startCount();
    QSettings().setValue(LastStoreKey, QFileInfo(m_store->path()).absoluteFilePath());
    selectPosition(0);
    m_table->setFocus();
    Q_EMIT storeOpened(m_store->path());
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
    m_model->reload();
    startCount();
    selectPosition(position);
}

void MainWindow::selectPosition(qint64 position)
{
    // Loads pages until the event is there (the view would load the first one itself anyway);
    // falls back to the first row.
    if (m_model->rowCount() == 0 && m_model->canFetchMore({}))
        m_model->fetchMore({});
    int row = position > 0 ? m_model->rowOfPosition(position) : -1;
    for (int pages = 0; row < 0 && position > 0 && pages < 64 && m_model->canFetchMore({}); ++pages) {
        const QModelIndex last = m_model->index(m_model->rowCount() - 1, 0);
        if (last.isValid() && last.data(EventListModel::PositionRole).toLongLong() > position)
            break;
        m_model->fetchMore({});
        row = m_model->rowOfPosition(position);
    }
    if (row < 0)
        row = 0;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return;
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
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
    EventQuery query = m_model->query();
    query.limit = -1;

    struct Counted
    {
        qint64 count = -1;
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
        m_countLabel->setText(counted.count == 1 ? tr("1 event") : tr("%1 events").arg(QLocale().toString(counted.count)));
        m_countLabel->setToolTip({});
        Q_EMIT eventCountChanged(counted.count);
    });
    watcher->setFuture(QtConcurrent::run([connection = std::move(connection), query]() {
        Counted counted;
        try {
            counted.count = connection->count(query);
        } catch (const std::exception &e) {
            counted.error = errorText(e);
        }
        return counted;
    }));
}

void MainWindow::onCurrentRowChanged(const QModelIndex &sourceCurrent)
{
    m_detail->showIndex(sourceCurrent);
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
    const QString storePath = m_store->path();
    auto *task = new ProgressTask(tr("Import"), files.size() == 1
                                      ? tr("Importing %1…").arg(QFileInfo(files.first()).fileName())
                                      : tr("Importing %n files…", nullptr, int(files.size())),
                                  this, this);
    const auto work = [storePath, files](const ProgressFn &progress) -> std::optional<QString> {
        // The worker thread writes through a connection of its own.
        auto store = EventStore::open(storePath, EventStore::OpenMode::ReadWrite);
        std::atomic_bool cancel{false};
        ImportOptions options;
        options.cancel = &cancel;
        options.progress = [&progress, &cancel](qint64 done, qint64 total) {
            if (!progress(done, total))
                cancel = true;
        };
        const ImportReport report = Importer(*store, options).run(files);
        switch (report.status) {
        case ImportReport::Status::Ok:
            break;
        case ImportReport::Status::Cancelled:
            return std::nullopt;
        case ImportReport::Status::Failed:
            if (report.error)
                throw ImportError(*report.error);
            throw StoreError(tr("The import failed; nothing was imported."));
        }
        QString summary = (report.files.size() == 1 ? tr("Imported %1 events from 1 file")
                                                    : tr("Imported %1 events from %2 files").arg(QStringLiteral("%1"), QLocale().toString(qint64(report.files.size()))))
                              .arg(QLocale().toString(report.totalImported()));
        if (report.totalUnchanged() > 0)
            summary += tr("; %1 were already in the store").arg(QLocale().toString(report.totalUnchanged()));
        return summary + QLatin1Char('.');
    };
    startTask(task, work, [this] { reload(); });
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
    else if (!files.isEmpty())
        importFiles(files);
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

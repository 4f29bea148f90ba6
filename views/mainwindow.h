#pragma once

#include "eventquery.h"
#include "eventwriter.h"
#include "eventstore.h" // ProgressFn

#include <QMainWindow>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QSplitter;
class QTableView;
class QToolButton;

namespace eventlens {

class AuditActions;
class CommandConsoleDock;
class CqrsFlowView;
class QueryConsoleDock;
class ReadModelHost;
class SpecificationDialog;
class EventDetailPane;
class EventListModel;
class EventTableProxy;
class FilterBar;
class PredicateScan;
class ProgressTask;
class ProjectionDock;
class StatePane;
class StreamsPane;
class TimelineHistogram;
class TimelineWidget;
struct ImportReport;

// The inspector window (DESIGN.md §6). Left: categories and streams (StreamsPane). Centre: the
// filter bar and the log (EventListModel through EventTableProxy), with the timeline under it.
// Right: the selected event (EventDetailPane) and its stream's state with the diff (StatePane).
// The status bar shows the store, the totals and background work with a Cancel button. Long
// work (counting, predicate scans, histograms, imports, demo creation) runs off the GUI thread.
class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens an existing store (read-only connection for viewing) and shows its log.
    // On failure keeps the current store, reports the error and returns false.
    bool openStore(const QString &path);
    // Creates a new, empty store at path (which must not exist) and opens it.
    bool createStore(const QString &path);
    // Creates the demo store at path in the background, with progress, then opens it.
    void createDemoStore(const QString &path, qint64 events = 20000);
    // Imports files into the open store in the background, with progress, then reloads. Bad
    // records are listed first (ImportReviewDialog) for the user to skip them or abort.
    void importFiles(const QStringList &files);
    // Imports files into a new store at storePath (built aside, moved into place when complete),
    // then opens it.
    void importIntoNewStore(const QStringList &files, const QString &storePath);
    // What `eventlens PATH` does: a store opens, any other file is imported into a new store in
    // the application's data folder.
    void openPath(const QString &path);
    // A free path for a store made from `file` in the application's data folder.
    static QString newStorePathFor(const QString &file);
    // Reloads the log and the count (e.g. after another process appended).
    void reload();
    // With no store named on the command line: opens the last store opened, else the demo
    // store, creating it on first run (demoEvents events, in the background).
    void openDefaultStore(qint64 demoEvents = 20000);

    QString storePath() const;
    bool isBusy() const;
    // The log (raw values); the table shows it through tableModel(), which formats the cells.
    // Indexes of eventTable() belong to tableModel(): map them with its mapToSource().
    EventListModel *model() const { return m_model; }
    EventTableProxy *tableModel() const { return m_proxy; }
    QTableView *eventTable() const { return m_table; }
    EventDetailPane *detailPane() const { return m_detail; }
    StreamsPane *streamsPane() const { return m_streams; }
    FilterBar *filterBar() const { return m_filterBar; }
    StatePane *statePane() const { return m_statePane; }
    TimelineWidget *timeline() const { return m_timeline; }
    PredicateScan *predicateScan() const { return m_scan; }
    // The projection debugger (View → Projection Debugger); it replays over the open store.
    ProjectionDock *projectionDock() const { return m_projectionDock; }
    // The command console (View → Command Console) and the CQRS flow (View → CQRS Flow), fed
    // by the console's session; commands go to the open store, and the log reloads after them.
    CommandConsoleDock *commandConsoleDock() const { return m_commandDock; }
    QDockWidget *flowDock() const { return m_flowDock; }
    CqrsFlowView *flowView() const { return m_flowView; }
    QueryConsoleDock *queryConsoleDock() const { return m_queryDock; }
    // Tools → Export Audit Snapshot…, Verify Store, Verify Snapshot… (their dialogs and workers).
    AuditActions *auditActions() const { return m_audit; }
    // The read models of the open store (nullptr until the query console or the flow view is
    // shown: their projectors catch up with the whole log when they start).
    ReadModelHost *readModelHost() const { return m_readModels.get(); }
    // Where the window keeps a store's read database: QStandardPaths::AppDataLocation/readmodels/
    // (a store's own folder is never written).
    static QString readDatabasePath(const QString &storePath);
    // Opens the given/when/then specification dialog on the stream of the current event.
    void openSpecificationDialog();
    // File → Export Events…: the dialog (all events or the ones the log shows, the format, the
    // file), then the export in the background with progress and cancel (taskEnded at the end).
    void exportEventsDialog();
    void exportEvents(const EventQuery &query, EventWriter::Format format, const QString &path);
    // The query the log shows (streams pane selection + filter bar + order).
    EventQuery currentQuery() const;
    // Makes the event at position current (0: the first row), when it is in the view.
    void selectPosition(qint64 position);
    // The action with this object name (for tests and the README's shortcut list).
    QAction *action(const QString &objectName) const;
    // Recently opened stores, newest first.
    static QStringList recentStores();

    // Where the demo store lives: QStandardPaths::AppDataLocation/demo.eventlens.
    static QString defaultDemoStorePath();
    // The store opened last (QSettings), empty when none.
    static QString lastStorePath();

Q_SIGNALS:
    void storeOpened(const QString &path);
    void eventCountChanged(qint64 count);
    // A background task (import, demo creation) ended; ok false when it failed or was cancelled.
    void taskEnded(bool ok, const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void createWidgets();
    void restoreSettings();
    void saveSettings() const;
    void updateActions();
    void updateTitle();
    void startCount();
    void applyFilters();
    void startPredicateScan();
    void stepInStream(int direction);
    void stepInLog(int direction);
    void showRelated(const QString &kind, const QString &id);
    void updateBackgroundWork();
    void cancelBackgroundWork();
    void rememberStore(const QString &path);
    void updateRecentMenu();
    void startImport(const QStringList &files, const QString &target, bool newStore, bool skipBad);
    void importFinished(const ImportReport &report, const QStringList &files, const QString &target, bool newStore);
    void showError(const QString &title, const QString &message);
    void startTask(ProgressTask *task, std::function<std::optional<QString>(const ProgressFn &)> work,
                   std::function<void()> onSuccess);
    // sourceCurrent: an index of model() (not of the table).
    void onCurrentRowChanged(const QModelIndex &sourceCurrent);

    void startReadModels();
    void stopReadModels();
    void openStoreDialog();
    void newStoreDialog();
    void importDialog();

    std::shared_ptr<EventStore> m_store;
    StreamsPane *m_streams = nullptr;
    FilterBar *m_filterBar = nullptr;
    StatePane *m_statePane = nullptr;
    TimelineWidget *m_timeline = nullptr;
    TimelineHistogram *m_histogram = nullptr;
    PredicateScan *m_scan = nullptr;
    ProjectionDock *m_projectionDock = nullptr;
    CommandConsoleDock *m_commandDock = nullptr;
    QDockWidget *m_flowDock = nullptr;
    CqrsFlowView *m_flowView = nullptr;
    QueryConsoleDock *m_queryDock = nullptr;
    SpecificationDialog *m_specDialog = nullptr;
    AuditActions *m_audit = nullptr;
    std::unique_ptr<ReadModelHost> m_readModels;
    qint64 m_queries = 0;
    QSplitter *m_centerSplitter = nullptr;
    QSplitter *m_rightSplitter = nullptr;
    QLabel *m_matchLabel = nullptr;
    QProgressBar *m_workBar = nullptr;
    QToolButton *m_cancelWork = nullptr;
    QMenu *m_recentMenu = nullptr;
    QAction *m_newestFirstAction = nullptr;
    QAction *m_localTimeAction = nullptr;
    QAction *m_skipAction = nullptr;
    qint64 m_totalEvents = -1;
    qint64 m_countProgress = 0;     // 0..1000
    qint64 m_scanProgress = 0;      // 0..1000
    qint64 m_histogramProgress = 0; // 0..1000
    bool m_countRunning = false;
    EventListModel *m_model = nullptr;
    EventTableProxy *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    EventDetailPane *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;
    QLabel *m_pathLabel = nullptr;
    QLabel *m_countLabel = nullptr;
    QAction *m_newAction = nullptr;
    QAction *m_openAction = nullptr;
    QAction *m_importAction = nullptr;
    QAction *m_reloadAction = nullptr;
    QAction *m_exportEventsAction = nullptr;
    QAction *m_quitAction = nullptr;
    QPointer<ProgressTask> m_task;
    quint64 m_generation = 0; // bumped on every open/reload: stale counts are dropped
};

} // namespace eventlens

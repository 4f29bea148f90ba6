#pragma once

#include "eventstore.h" // ProgressFn

#include <QMainWindow>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QLabel;
class QSplitter;
class QTableView;

namespace eventlens {

class EventDetailPane;
class EventListModel;
class EventTableProxy;
class ProgressTask;

// The first main window: the store's log in a table, the selected event in a detail pane,
// File menu (New store, Open store, Import files, Reload, Quit), store path and event count
// in the status bar. Long work (import, demo creation, counting) runs off the GUI thread.
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
    // Imports files into the open store in the background, with progress, then reloads.
    void importFiles(const QStringList &files);
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
    // Makes the event at position (0: the first row) current, loading pages up to it.
    void selectPosition(qint64 position);
    void showError(const QString &title, const QString &message);
    void startTask(ProgressTask *task, std::function<std::optional<QString>(const ProgressFn &)> work,
                   std::function<void()> onSuccess);
    // sourceCurrent: an index of model() (not of the table).
    void onCurrentRowChanged(const QModelIndex &sourceCurrent);

    void openStoreDialog();
    void newStoreDialog();
    void importDialog();

    std::shared_ptr<EventStore> m_store;
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
    QAction *m_quitAction = nullptr;
    QPointer<ProgressTask> m_task;
    quint64 m_generation = 0; // bumped on every open/reload: stale counts are dropped
};

} // namespace eventlens

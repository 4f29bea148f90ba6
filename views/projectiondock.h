#pragma once

#include "projectionsession.h"

#include <QDockWidget>
#include <QString>

#include <optional>
#include <vector>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QToolBar;
class QToolButton;

namespace eventlens {

class JsonTreeView;
class ProjectionDiffView;
class ScriptEditor;

// The projection debugger (issue 4): a dock with a script editor and a ProjectionSession that
// replays the script over the window's store on a thread of its own.
//
// Toolbar (each with a shortcut while the dock is shown): Run to end (Ctrl+F8), Step (F10),
// Step back (Shift+F10), Run to position (Ctrl+F10, the position in the spin box next to it),
// Run to breakpoint (F8), Reset (Shift+F5), Cancel; Open (Ctrl+Alt+O) and Save (Ctrl+Alt+S)
// script, and the bundled examples. The editor's text is applied when a run starts: an edited
// script is replayed from the start (Step and Step back first go back to where the run was).
//
// Panes: the current event (position, stream, type, version, processed by which handler or the
// skip reason, partition, data), the state per partition (a picker that follows the event, the
// change the event made marked in the tree and as a JSON Patch), the shared state, the result,
// the emitted events, the log, and the diff (ProjectionDiffView: two positions, or this script
// against another version). Errors show with their line and column under the editor and mark
// the line in it. Breakpoints: event type, stream pattern or condition, each can be disabled.
class ProjectionDock final : public QDockWidget
{
    Q_OBJECT

public:
    explicit ProjectionDock(QWidget *parent = nullptr);
    ~ProjectionDock() override;

    // The store to replay (the window's); the run goes back to the start. The session opens
    // it (read-only, on its thread) once the dock is shown.
    void setStorePath(const QString &path);
    QString storePath() const { return m_storePath; }

    void setScript(const QString &script, const QString &fileName = {});
    QString script() const;
    bool openScript(const QString &path);
    bool saveScript(const QString &path);
    // The bundled examples (":/projections/NAME.js"), by file name.
    static QStringList exampleNames();
    bool loadExample(const QString &name);

    void addBreakpoint(const ProjectionBreakpoint &breakpoint);
    void removeBreakpoint(int row);
    std::vector<ProjectionBreakpoint> breakpoints() const;

    // The last snapshot shown (position 0: before the first event).
    qint64 position() const { return m_position; }
    bool isBusy() const;
    // The last error shown (nullopt after a successful request).
    std::optional<ProjectionError> lastError() const { return m_lastError; }
    QString errorText() const;
    // The current event pane as text ("position: 17", "stream: account-3", ...).
    QString currentEventText() const;

    ProjectionSession *session() const { return m_session; }
    ScriptEditor *editor() const { return m_editor; }
    ProjectionDiffView *diffView() const { return m_diff; }
    QToolBar *toolBar() const { return m_toolBar; }
    QAction *runAction() const { return m_run; }
    QAction *stepAction() const { return m_step; }
    QAction *stepBackAction() const { return m_stepBack; }
    QAction *runToPositionAction() const { return m_runToPosition; }
    QAction *runToBreakpointAction() const { return m_runToBreakpoint; }
    QAction *resetAction() const { return m_reset; }
    QAction *cancelAction() const { return m_cancel; }
    QAction *openAction() const { return m_open; }
    QAction *saveAction() const { return m_save; }
    // Checked: the inspector's state pane computes aggregate states with this script
    // (stateFunctionRequested); unchecked: back to its default (stateFunctionReleased).
    QAction *stateFunctionAction() const { return m_stateFunction; }
    // Unchecks the action and shows why the script could not serve as the state function.
    void rejectStateFunction(const QString &why);
    QToolButton *examplesButton() const { return m_examples; }
    QSpinBox *positionSpin() const { return m_positionSpin; }
    QComboBox *breakpointKindBox() const { return m_breakpointKind; }
    QLineEdit *breakpointEdit() const { return m_breakpointText; }
    QPushButton *addBreakpointButton() const { return m_addBreakpoint; }
    QPushButton *removeBreakpointButton() const { return m_removeBreakpoint; }
    QTableWidget *breakpointTable() const { return m_breakpoints; }
    QComboBox *partitionPicker() const { return m_partitionPicker; }
    JsonTreeView *stateView() const { return m_stateView; }
    QPlainTextEdit *statePatchView() const { return m_statePatch; }
    JsonTreeView *sharedView() const { return m_sharedView; }
    JsonTreeView *resultView() const { return m_resultView; }
    JsonTreeView *eventDataView() const { return m_eventData; }
    QTableWidget *emittedTable() const { return m_emitted; }
    QPlainTextEdit *logView() const { return m_log; }
    QTabWidget *tabs() const { return m_tabs; }
    QLabel *statusLabel() const { return m_status; }
    QLabel *errorLabel() const { return m_error; }

public Q_SLOTS:
    void run();
    void step();
    void stepBack();
    void runToPosition();
    void runToBreakpoint();
    void reset();
    void cancel();
    void openScriptDialog();
    void saveScriptDialog();

Q_SIGNALS:
    // "Show in Log" or a double-click on an emitted event: the log should select this event.
    void positionActivated(qint64 position);
    void stateFunctionRequested(const QString &script, const QString &name);
    void stateFunctionReleased();
    // A request ended and what it produced is shown.
    void resultShown(quint64 request);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void createActions();
    void createWidgets();
    QWidget *createEventPane();
    QWidget *createBreakpointsPane();
    // Applies the editor's script (and the store) to the session when they changed; returns
    // true when the run went back to the start because of it.
    bool applyPending();
    void sendBreakpoints();
    void onFinished(quint64 request, const ProjectionSessionResult &result);
    void onFailed(quint64 request, const ProjectionSessionResult &result);
    void showSnapshot(const ProjectionSessionResult &result);
    void showError(const ProjectionSessionResult &result);
    void clearError();
    void showPartition();
    void updateActions();
    void updateStatus();

    ProjectionSession *m_session = nullptr;
    QString m_storePath;
    bool m_storeSent = false;
    QString m_sentScript;
    bool m_scriptSent = false;
    QString m_fileName;
    bool m_updatingBreakpoints = false;
    bool m_sized = false; // the first show gave the dock its height

    // The last snapshot shown.
    qint64 m_position = 0;
    qint64 m_firstPosition = 0;
    qint64 m_lastPosition = 0;
    bool m_hasSnapshot = false;
    ProjectionStep m_current; // the step at m_position
    nlohmann::ordered_json m_states = nlohmann::ordered_json::object();
    nlohmann::ordered_json m_results = nlohmann::ordered_json::object();
    bool m_hasResult = false;
    QString m_snapshotText;
    std::optional<ProjectionError> m_lastError;
    QString m_errorText;
    int m_progress = -1;

    QToolBar *m_toolBar = nullptr;
    QAction *m_run = nullptr;
    QAction *m_step = nullptr;
    QAction *m_stepBack = nullptr;
    QAction *m_runToPosition = nullptr;
    QAction *m_runToBreakpoint = nullptr;
    QAction *m_reset = nullptr;
    QAction *m_cancel = nullptr;
    QAction *m_open = nullptr;
    QAction *m_save = nullptr;
    QAction *m_stateFunction = nullptr;
    QToolButton *m_examples = nullptr;
    QSpinBox *m_positionSpin = nullptr;

    ScriptEditor *m_editor = nullptr;
    QLabel *m_error = nullptr;
    QComboBox *m_breakpointKind = nullptr;
    QLineEdit *m_breakpointText = nullptr;
    QPushButton *m_addBreakpoint = nullptr;
    QPushButton *m_removeBreakpoint = nullptr;
    QTableWidget *m_breakpoints = nullptr;

    QLabel *m_eventTitle = nullptr;
    QLabel *m_eventFields = nullptr;
    QPushButton *m_showInLog = nullptr;
    JsonTreeView *m_eventData = nullptr;

    QTabWidget *m_tabs = nullptr;
    QComboBox *m_partitionPicker = nullptr;
    QCheckBox *m_followEvent = nullptr;
    JsonTreeView *m_stateView = nullptr;
    QPlainTextEdit *m_statePatch = nullptr;
    JsonTreeView *m_sharedView = nullptr;
    JsonTreeView *m_resultView = nullptr;
    QTableWidget *m_emitted = nullptr;
    QPlainTextEdit *m_log = nullptr;
    ProjectionDiffView *m_diff = nullptr;
    QLabel *m_status = nullptr;
    QProgressBar *m_progressBar = nullptr;
};

} // namespace eventlens

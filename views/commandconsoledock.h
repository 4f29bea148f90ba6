#pragma once

#include "commandsession.h"

#include <QDockWidget>
#include <QString>

#include <array>
#include <optional>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;
class QTimer;

namespace eventlens {

class JsonTreeView;
class ScriptEditor;

// The command console (issue 5): sends test commands to the window's store through a
// CommandSession (its own thread and writable connection) and shows what became of them.
//
// Composer: the domain (bank, order, the deciders loaded with "Load decider…"), the stream (an
// editable list of the domain's streams in the store, the first entry a free name for a new
// one), the command type (from the decider), the payload (JSON, filled with the type's template
// whenever the type changes), the expected version (current: the version loaded, retried on a
// conflict; any; or a number), Send (Ctrl+Return).
//
// Outcome: the appended events (type, stream@version, position; Show in Log or a double-click
// selects one in the window's log), the domain error, the conflict with both versions, or the
// script's failure with line and column; the aggregate's state before and after, the change
// marked. Tabs: the history of sent commands (double-click or Re-send sends one again), the
// race (two clients send a command each against the same version at once: one appends, the
// other conflicts), and the stream's snapshots with their states.
class CommandConsoleDock final : public QDockWidget
{
    Q_OBJECT

public:
    enum class ExpectedMode { Current, Any, Exact };
    enum HistoryColumn { TimeColumn, DomainColumn, StreamColumn, TypeColumn, OutcomeColumn, DurationColumn, HistoryColumnCount };

    explicit CommandConsoleDock(QWidget *parent = nullptr);
    ~CommandConsoleDock() override;

    // The window's store. The session opens it (for writing, on its thread) once the dock is shown.
    void setStorePath(const QString &path);
    QString storePath() const { return m_storePath; }
    CommandSession *session() const { return m_session; }

    QString domain() const;
    bool setDomain(const QString &domain);
    QString stream() const;
    void setStream(const QString &stream);
    QString commandType() const;
    bool setCommandType(const QString &type);
    QString payload() const;
    void setPayload(const QString &json);
    void setExpected(ExpectedMode mode, qint64 version = 0);
    ExpectedMode expectedMode() const;
    // Loads a decider file (what "Load decider…" in the domain list does after asking for one).
    void loadDeciderFile(const QString &path);

    // The last result shown: its outcome (nullopt: none, or the payload was refused), and the
    // outcome as text.
    std::optional<CommandOutcome::Kind> lastOutcomeKind() const { return m_lastKind; }
    QString outcomeText() const;
    // The stream's version as last loaded or changed (-1: no such stream).
    qint64 streamVersion() const { return m_streamVersion; }
    // The new-stream suggestion from the last stream list.
    QString suggestedStream() const { return m_suggestedStream; }
    // The last decider that failed to load, as text with line and column (empty: none).
    QString deciderError() const { return m_deciderError; }
    bool isBusy() const;

    QComboBox *domainBox() const { return m_domain; }
    QComboBox *streamBox() const { return m_stream; }
    QComboBox *typeBox() const { return m_type; }
    QComboBox *expectedBox() const { return m_expectedMode; }
    QSpinBox *expectedSpin() const { return m_expectedSpin; }
    ScriptEditor *payloadEditor() const { return m_payload; }
    QPushButton *sendButton() const { return m_send; }
    QAction *sendAction() const { return m_sendAction; }
    QAction *raceAction() const { return m_raceAction; }
    QLabel *outcomeLabel() const { return m_outcome; }
    QLabel *stateLabel() const { return m_stateTitle; }
    QTableWidget *eventsTable() const { return m_events; }
    QPushButton *showInLogButton() const { return m_showInLog; }
    JsonTreeView *stateBeforeView() const { return m_before; }
    JsonTreeView *stateAfterView() const { return m_after; }
    QTabWidget *tabs() const { return m_tabs; }
    QTableWidget *historyTable() const { return m_history; }
    QPushButton *resendButton() const { return m_resend; }
    QComboBox *raceTypeBox(int client) const { return m_raceType[size_t(client)]; }
    QLineEdit *racePayloadEdit(int client) const { return m_racePayload[size_t(client)]; }
    QLabel *raceOutcomeLabel(int client) const { return m_raceOutcome[size_t(client)]; }
    QLabel *raceSummaryLabel() const { return m_raceSummary; }
    QPushButton *raceButton() const { return m_raceButton; }
    QTableWidget *snapshotsTable() const { return m_snapshots; }
    JsonTreeView *snapshotStateView() const { return m_snapshotState; }
    QSpinBox *snapshotEverySpin() const { return m_snapshotEvery; }
    QLabel *statusLabel() const { return m_status; }
    QLabel *streamInfoLabel() const { return m_streamInfo; }

public Q_SLOTS:
    void send();
    // Sends the command of a history row again (same domain, stream, type, payload, expected).
    void resend(int row);
    void race();
    // Lists the domain's streams and loads the stream's state again.
    void refresh();
    void loadDeciderDialog();

Q_SIGNALS:
    // "Show in Log" or a double-click on an appended event: the log should select it.
    void positionActivated(qint64 position);
    // Commands appended events: the window's log should show them.
    void storeChanged();
    // A result of the session was shown.
    void resultShown(quint64 request);

protected:
    void showEvent(QShowEvent *event) override;

private:
    QWidget *createComposer();
    QWidget *createOutcomePane();
    QWidget *createHistoryPane();
    QWidget *createRacePane();
    QWidget *createSnapshotsPane();
    void ensurePopulated();
    void applyStore();
    void fillDomains(const QString &select);
    void onDomainChanged();
    void onTypeChanged();
    void fillRaceDefaults();
    void requestStreams();
    void requestState();
    void onFinished(quint64 request, const CommandSessionResult &result);
    void showSendResult(const CommandSessionResult &result);
    void showRaceResult(const CommandSessionResult &result);
    void showStreams(const CommandSessionResult &result);
    void showState(const CommandSessionResult &result);
    void showSnapshots(const std::vector<AggregateSnapshot> &snapshots);
    // The stream's version (m_streamVersion) next to its name and in the expected version box;
    // loaded: it comes from loading the stream (not from a command's outcome).
    void showStreamVersion(const QString &stream, bool loaded);
    void showSnapshotState();
    void showOutcomeMessage(const QString &html, std::optional<CommandOutcome::Kind> kind);
    void showEvents(const std::vector<Event> &events);
    void showStates(const CommandOutcome &outcome, const QString &stream);
    int addHistoryRow(quint64 request, const QString &domain, const QString &stream, const QString &type,
                      const QString &data, const QString &expected);
    // client: a race's client, -1 for a plain command.
    void finishHistoryRow(quint64 request, int client, const CommandOutcome &outcome, qint64 durationUs);
    void activateEvent(int row);
    void updateStatus();
    // The payload as a JSON object; nullopt (and the reason shown) when it is not one.
    // A syntax error is also marked in the editor, when given.
    std::optional<nlohmann::ordered_json> parsePayload(const QString &text, const QString &what, ScriptEditor *editor);
    std::optional<ExpectedVersion> expectedVersion() const;
    QString outcomeHtml(const CommandOutcome &outcome, const QString &stream, qint64 durationUs) const;
    QString raceOutcomeHtml(const CommandOutcome &outcome, qint64 durationUs) const;
    QString styleFor(std::optional<CommandOutcome::Kind> kind) const;

    CommandSession *m_session = nullptr;
    QString m_storePath;
    bool m_storeSent = false;
    bool m_populated = false;
    bool m_writable = true;
    QString m_storeMessage;
    QString m_currentDomain;
    QString m_suggestedStream;
    QString m_prefilledStream; // the stream whose version the spin box was set to
    qint64 m_streamVersion = -1;
    quint64 m_stateRequest = 0;
    quint64 m_streamsRequest = 0;
    quint64 m_snapshotsRequest = 0;
    quint64 m_loadRequest = 0;
    std::optional<CommandOutcome::Kind> m_lastKind;
    QString m_deciderError;
    std::vector<AggregateSnapshot> m_snapshotList;
    bool m_sized = false;

    QComboBox *m_domain = nullptr;
    QComboBox *m_stream = nullptr;
    QLabel *m_streamInfo = nullptr;
    QComboBox *m_type = nullptr;
    ScriptEditor *m_payload = nullptr;
    QComboBox *m_expectedMode = nullptr;
    QSpinBox *m_expectedSpin = nullptr;
    QPushButton *m_send = nullptr;
    QAction *m_sendAction = nullptr;
    QAction *m_raceAction = nullptr;
    QTimer *m_stateTimer = nullptr;

    QLabel *m_outcome = nullptr;
    QTableWidget *m_events = nullptr;
    QPushButton *m_showInLog = nullptr;
    QLabel *m_stateTitle = nullptr;
    JsonTreeView *m_before = nullptr;
    JsonTreeView *m_after = nullptr;

    QTabWidget *m_tabs = nullptr;
    QWidget *m_racePane = nullptr;
    QWidget *m_snapshotsPane = nullptr;
    QTableWidget *m_history = nullptr;
    QPushButton *m_resend = nullptr;
    std::array<QComboBox *, 2> m_raceType{};
    std::array<QLineEdit *, 2> m_racePayload{};
    std::array<QLabel *, 2> m_raceOutcome{};
    QLabel *m_raceSummary = nullptr;
    QPushButton *m_raceButton = nullptr;
    QTableWidget *m_snapshots = nullptr;
    JsonTreeView *m_snapshotState = nullptr;
    QSpinBox *m_snapshotEvery = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace eventlens

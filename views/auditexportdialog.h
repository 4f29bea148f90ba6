#pragma once

#include "auditexport.h"
#include "auditsnapshot.h"

#include <QDialog>
#include <QList>
#include <QThreadPool>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QButtonGroup;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTimer;

namespace eventlens {

class EventStore;

// The audit export dialog (Tools → Export Audit Snapshot…): what the system looked like at a
// point of the log, as a canonical JSON snapshot, a CSV or a PDF report (AuditSnapshot,
// writeAuditExport).
//
// - Scope: all streams, categories (checked in the store's list), streams matching a GLOB
//   pattern, or the streams listed (one a line; the window fills in the one selected in the
//   streams pane). Typing into an input selects its scope.
// - Point: a position (bounded by the head) or a time (UTC, milliseconds: the last event at or
//   before it). It starts at the inspector's current event; "Use Timeline Position" reads it
//   again through the window's PointProvider.
// - Projections: JavaScript files (Add…, Remove), checked with Projection::check when added; a
//   script that does not compile is marked, its error shown, and nothing is exported while it is
//   listed.
// - Format and destination (Browse…; the suffix follows the format; the name follows the point
//   until it is edited).
//
// Export builds the snapshot on a worker thread with its own read-only connection to the store
// (EventStore::openAnother) and writes the file there (atomically: a failed or cancelled export
// leaves no file). A progress bar and Cancel show while it runs; the dialog is not modal and
// never blocks. Success shows the file and the snapshot digest with Open and Show Folder; an
// error is shown under the buttons.
class AuditExportDialog final : public QDialog
{
    Q_OBJECT

public:
    // An event of the log (the inspector's current one, which the timeline's scrubber selects).
    struct TimelinePoint
    {
        qint64 position = 0;
        qint64 timeMs = 0;
    };
    using PointProvider = std::function<std::optional<TimelinePoint>()>;
    enum class State { Idle, Running, Finished, Failed, Cancelled };

    explicit AuditExportDialog(QWidget *parent = nullptr);
    // Cancels a running export and waits for its worker.
    ~AuditExportDialog() override;

    // The store to export from (null: none). Its head, time range and categories are read in
    // the background; a running export goes on with its own connection.
    void setStore(std::shared_ptr<const EventStore> store);
    // The head position and category list have been read for the current store.
    bool isStoreInfoLoaded() const { return m_infoLoaded; }
    qint64 headPosition() const { return m_head; }

    void setPointProvider(PointProvider provider);
    // Position mode at point.position; the time field shows point.timeMs.
    void setPoint(const TimelinePoint &point);
    // Reads the provider's point (does nothing without one, or when it has none).
    void useTimelinePosition();

    void setScope(const AuditScope &scope);
    AuditScope scope() const;
    // The stream list of the "Selected streams" scope (does not change the chosen scope).
    void setSelectedStreams(const QStringList &streams);

    void setFormat(AuditFormat format);
    AuditFormat format() const;
    void setDestination(const QString &path);
    QString destination() const;

    // Adds a projection script; false (and the error shown) when it cannot be read. A script
    // that does not compile is listed with its error (and blocks the export) so that the user
    // sees which one it is.
    bool addProjectionFile(const QString &path);
    QStringList projectionFiles() const;
    void removeSelectedProjections();

    // What Export would ask for; nullopt and *error when the inputs are incomplete.
    std::optional<AuditRequest> request(QString *error = nullptr) const;

    State state() const { return m_state; }
    bool isRunning() const { return m_state == State::Running; }
    QString resultPath() const { return m_resultPath; }
    QString resultDigest() const { return m_resultDigest; }
    QString resultText() const;
    QString errorText() const;
    QString progressText() const;

    // The pool exports run on (one thread at a time), owned by the dialog.
    QThreadPool *threadPool() { return &m_pool; }

    // Opens a URL (Open / Show Folder); QDesktopServices::openUrl by default.
    void setUrlOpener(std::function<bool(const QUrl &)> opener);

    // Widgets, for tests and the screenshot.
    QRadioButton *scopeButton(AuditScope::Kind kind) const;
    QListWidget *categoryList() const { return m_categories; }
    QLineEdit *patternEdit() const { return m_pattern; }
    QPlainTextEdit *streamsEdit() const { return m_streams; }
    QRadioButton *positionButton() const { return m_atPosition; }
    QRadioButton *timeButton() const { return m_atTime; }
    QSpinBox *positionSpin() const { return m_position; }
    QDateTimeEdit *timeEdit() const { return m_time; }
    QPushButton *timelineButton() const { return m_useTimeline; }
    QListWidget *projectionList() const { return m_projections; }
    QPushButton *addProjectionButton() const { return m_addProjection; }
    QPushButton *removeProjectionButton() const { return m_removeProjection; }
    QComboBox *formatBox() const { return m_format; }
    QLineEdit *destinationEdit() const { return m_destination; }
    QPushButton *browseButton() const { return m_browse; }
    QPushButton *exportButton() const { return m_export; }
    QPushButton *cancelButton() const { return m_cancel; }
    QProgressBar *progressBar() const { return m_progress; }
    QLabel *resultLabel() const { return m_result; }
    QLabel *errorLabel() const { return m_error; }
    QPushButton *openButton() const { return m_open; }
    QPushButton *showFolderButton() const { return m_showFolder; }

public Q_SLOTS:
    void startExport();
    void cancelExport();
    void addProjectionDialog();
    void browseDestination();
    void openResult();
    void showResultFolder();

Q_SIGNALS:
    void storeInfoLoaded();
    void exportFinished(const QString &path, const QString &digest);
    // cancelled: the user cancelled; else message says what went wrong.
    void exportFailed(const QString &message, bool cancelled);

private:
    struct ProjectionEntry
    {
        QString path;
        QString name;
        QString script;
        QString error; // empty: compiles
    };
    struct StoreInfoAnswer;
    struct Outcome;
    struct RunResult;
    enum Phase { PhaseStarting, PhaseReplaying, PhaseWriting };

    QWidget *createScopeBox();
    QWidget *createPointBox();
    QWidget *createProjectionBox();
    QWidget *createOutputBox();
    void loadStoreInfo();
    void showStoreInfo(const StoreInfoAnswer &answer);
    void updatePointInfo();
    // The note under the destination; applySuffix: the suffix follows the format (not while the
    // user types a name).
    void updateDestination(bool applySuffix = true);
    void updateButtons();
    void setError(const QString &message);
    void pollProgress();
    void onRunDone(quint64 generation, const RunResult &result);
    QString defaultFileName() const;

    std::weak_ptr<const EventStore> m_store;
    QString m_storePath;
    quint64 m_storeGeneration = 0;
    bool m_infoLoaded = false;
    qint64 m_head = 0;
    std::optional<qint64> m_firstTimeMs;
    std::optional<qint64> m_lastTimeMs;
    bool m_pointSet = false;           // a point was given (else the head, once known)
    QStringList m_wantedCategories;    // checked once the category list is loaded
    PointProvider m_pointProvider;
    std::function<bool(const QUrl &)> m_urlOpener;
    std::vector<ProjectionEntry> m_projectionEntries;
    bool m_destinationEdited = false;

    State m_state = State::Idle;
    QThreadPool m_pool;
    QTimer *m_pollTimer = nullptr;
    quint64 m_runGeneration = 0;       // results of an earlier run are dropped
    std::shared_ptr<Outcome> m_outcome; // shared with the running worker
    QString m_resultPath;
    QString m_resultDigest;

    QList<QWidget *> m_inputBoxes; // disabled while an export runs
    QButtonGroup *m_scopeGroup = nullptr;
    QListWidget *m_categories = nullptr;
    QLineEdit *m_pattern = nullptr;
    QPlainTextEdit *m_streams = nullptr;
    QRadioButton *m_atPosition = nullptr;
    QRadioButton *m_atTime = nullptr;
    QSpinBox *m_position = nullptr;
    QDateTimeEdit *m_time = nullptr;
    QLabel *m_pointInfo = nullptr;
    QPushButton *m_useTimeline = nullptr;
    QListWidget *m_projections = nullptr;
    QPushButton *m_addProjection = nullptr;
    QPushButton *m_removeProjection = nullptr;
    QLabel *m_projectionError = nullptr;
    QComboBox *m_format = nullptr;
    QLineEdit *m_destination = nullptr;
    QPushButton *m_browse = nullptr;
    QLabel *m_destinationNote = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_cancel = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_result = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_open = nullptr;
    QPushButton *m_showFolder = nullptr;
};

} // namespace eventlens

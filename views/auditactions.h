#pragma once

#include "auditexportdialog.h"
#include "progresstask.h"
#include "verifyresultdialog.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

class QAction;
class QMenu;
class QWidget;

namespace eventlens {

class EventStore;

// The audit actions of the main window (Tools menu): Export Audit Snapshot… (the
// AuditExportDialog), Verify Store (EventStore::verify of the whole hash chain) and Verify
// Snapshot… (a snapshot .json against the open store: verifyAuditSnapshot). Verifications run
// on a worker with a read-only connection of their own, with a small progress dialog and
// Cancel (ProgressTask), and end in the VerifyResultDialog, whose positions lead back to the
// log through positionActivated().
class AuditActions final : public QObject
{
    Q_OBJECT

public:
    // What the window has selected: the current event (the timeline's position) and the stream
    // or category selected in the streams pane (empty: none).
    struct Selection
    {
        std::optional<AuditExportDialog::TimelinePoint> point;
        QString stream;
        QString category;
    };
    using SelectionProvider = std::function<Selection()>;

    // window: the parent of the dialogs.
    explicit AuditActions(QWidget *window);
    // Cancels a running verification and waits for it.
    ~AuditActions() override;

    // The store the actions work on (null: none; the actions are disabled).
    void setStore(std::shared_ptr<const EventStore> store);
    void setSelectionProvider(SelectionProvider provider);

    // Adds the three actions to menu.
    void addTo(QMenu *menu);
    QAction *exportAction() const { return m_export; }
    QAction *verifyStoreAction() const { return m_verifyStore; }
    QAction *verifySnapshotAction() const { return m_verifySnapshot; }

    // The dialogs, once created.
    AuditExportDialog *exportDialog() const { return m_exportDialog; }
    VerifyResultDialog *resultDialog() const { return m_resultDialog; }
    // The running verification's progress (its dialog), if any.
    ProgressTask *verification() const { return m_task; }
    bool isVerifying() const;

public Q_SLOTS:
    // Shows the export dialog with the scope and point of the window's selection.
    void openExportDialog();
    void verifyStore();
    // Asks for a snapshot file, then verifySnapshot().
    void verifySnapshotDialog();
    void verifySnapshot(const QString &snapshotPath);

Q_SIGNALS:
    // A result or its "Go to" button names this position of the log.
    void positionActivated(qint64 position);
    // A verification ended and its result dialog is shown (ok: it verified).
    void verificationFinished(bool ok);

private:
    VerifyResultDialog *ensureResultDialog();
    void updateActions();

    QWidget *m_window = nullptr;
    std::weak_ptr<const EventStore> m_store;
    SelectionProvider m_selection;
    QAction *m_export = nullptr;
    QAction *m_verifyStore = nullptr;
    QAction *m_verifySnapshot = nullptr;
    QPointer<AuditExportDialog> m_exportDialog;
    QPointer<VerifyResultDialog> m_resultDialog;
    QPointer<ProgressTask> m_task;
};

} // namespace eventlens

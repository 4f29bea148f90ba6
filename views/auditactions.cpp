#include "auditactions.h"

#include "auditsnapshot.h"
#include "eventstore.h"
#include "progresstask.h"
#include "verifyresultdialog.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLocale>
#include <QMenu>
#include <QWidget>

#include <exception>

namespace eventlens {

namespace {

QString displayName(const QString &path)
{
    return QFileInfo(path).fileName();
}

} // namespace

AuditActions::AuditActions(QWidget *window)
    : QObject(window)
    , m_window(window)
{
    setObjectName(QStringLiteral("auditActions"));
    m_export = new QAction(tr("&Export Audit Snapshot…"), this);
    m_export->setObjectName(QStringLiteral("exportAuditSnapshotAction"));
    m_export->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    m_export->setStatusTip(tr("The states of the aggregates and projections at a point of the log, as JSON, CSV or a PDF report"));
    connect(m_export, &QAction::triggered, this, &AuditActions::openExportDialog);

    m_verifyStore = new QAction(tr("&Verify Store"), this);
    m_verifyStore->setObjectName(QStringLiteral("verifyStoreAction"));
    m_verifyStore->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V));
    m_verifyStore->setStatusTip(tr("Recompute the hash chain of the whole store"));
    connect(m_verifyStore, &QAction::triggered, this, &AuditActions::verifyStore);

    m_verifySnapshot = new QAction(tr("Verify &Snapshot…"), this);
    m_verifySnapshot->setObjectName(QStringLiteral("verifySnapshotAction"));
    m_verifySnapshot->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_V));
    m_verifySnapshot->setStatusTip(tr("Check an audit snapshot (.json) against this store"));
    connect(m_verifySnapshot, &QAction::triggered, this, &AuditActions::verifySnapshotDialog);
    updateActions();
}

AuditActions::~AuditActions()
{
    delete m_task; // cancels and waits
}

void AuditActions::setStore(std::shared_ptr<const EventStore> store)
{
    m_store = store;
    if (m_exportDialog)
        m_exportDialog->setStore(store);
    updateActions();
}

void AuditActions::setSelectionProvider(SelectionProvider provider)
{
    m_selection = std::move(provider);
}

void AuditActions::addTo(QMenu *menu)
{
    menu->addAction(m_export);
    menu->addSeparator();
    menu->addAction(m_verifyStore);
    menu->addAction(m_verifySnapshot);
}

bool AuditActions::isVerifying() const
{
    return m_task && m_task->isRunning();
}

void AuditActions::updateActions()
{
    const bool haveStore = !m_store.expired();
    m_export->setEnabled(haveStore);
    m_verifyStore->setEnabled(haveStore && !isVerifying());
    m_verifySnapshot->setEnabled(haveStore && !isVerifying());
}

void AuditActions::openExportDialog()
{
    const std::shared_ptr<const EventStore> store = m_store.lock();
    if (!store)
        return;
    const bool created = !m_exportDialog;
    if (created) {
        m_exportDialog = new AuditExportDialog(m_window);
        m_exportDialog->setPointProvider([this]() -> std::optional<AuditExportDialog::TimelinePoint> {
            return m_selection ? m_selection().point : std::nullopt;
        });
        m_exportDialog->setStore(store);
    }
    // The window's selection, unless an export is running (its inputs are locked then).
    if (m_selection && !m_exportDialog->isRunning()) {
        const Selection selection = m_selection();
        if (selection.point)
            m_exportDialog->setPoint(*selection.point);
        if (!selection.stream.isEmpty())
            m_exportDialog->setScope(AuditScope::streams({selection.stream}));
        else if (!selection.category.isEmpty())
            m_exportDialog->setScope(AuditScope::categories({selection.category}));
        else if (created)
            m_exportDialog->setScope(AuditScope::all());
    }
    m_exportDialog->show();
    m_exportDialog->raise();
    m_exportDialog->activateWindow();
}

VerifyResultDialog *AuditActions::ensureResultDialog()
{
    if (!m_resultDialog) {
        m_resultDialog = new VerifyResultDialog(m_window);
        connect(m_resultDialog, &VerifyResultDialog::positionActivated, this, &AuditActions::positionActivated);
    }
    return m_resultDialog;
}

void AuditActions::verifyStore()
{
    const std::shared_ptr<const EventStore> store = m_store.lock();
    if (!store || isVerifying())
        return;
    const QString storePath = store->path();
    std::shared_ptr<EventStore> connection;
    try {
        connection = store->openAnother(EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        ensureResultDialog()->showFailure(tr("Verify Store — %1").arg(displayName(storePath)), QString::fromUtf8(e.what()));
        m_resultDialog->show();
        return;
    }
    struct Answer
    {
        VerifyResult result;
        QString headHash;
    };
    auto answer = std::make_shared<Answer>();
    delete m_task;
    auto *task = new ProgressTask(tr("Verify Store"), tr("Verifying the hash chain of %1…").arg(displayName(storePath)), m_window, this);
    m_task = task;
    connect(task, &ProgressTask::finished, this, [this, task, answer, storePath] {
        task->deleteLater();
        updateActions();
        VerifyResultDialog *dialog = ensureResultDialog();
        dialog->showStoreResult(storePath, answer->result, answer->headHash);
        dialog->show();
        dialog->raise();
        Q_EMIT verificationFinished(answer->result.ok);
    });
    connect(task, &ProgressTask::failed, this, [this, task, storePath](const QString &message, bool cancelled) {
        task->deleteLater();
        updateActions();
        if (cancelled)
            return;
        VerifyResultDialog *dialog = ensureResultDialog();
        dialog->showFailure(tr("Verify Store — %1").arg(displayName(storePath)), message);
        dialog->show();
        dialog->raise();
        Q_EMIT verificationFinished(false);
    });
    task->start([connection, answer](const ProgressFn &progress) -> std::optional<QString> {
        bool cancelled = false;
        answer->result = connection->verify([&](qint64 done, qint64 total) {
            if (!progress(done, total))
                cancelled = true;
            return !cancelled;
        });
        if (cancelled)
            return std::nullopt;
        if (answer->result.ok && answer->result.checked > 0) {
            if (const std::optional<Event> head = connection->eventAt(answer->result.checked))
                answer->headHash = QString::fromLatin1(head->hash.toHex());
        }
        return answer->result.ok ? QStringLiteral("verified") : answer->result.message;
    });
    updateActions();
}

void AuditActions::verifySnapshotDialog()
{
    if (m_store.expired() || isVerifying())
        return;
    auto *dialog = new QFileDialog(m_window, tr("Verify Snapshot"), QDir::homePath(), tr("Audit snapshots (*.json);;All files (*)"));
    dialog->setObjectName(QStringLiteral("verifySnapshotFileDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        if (!path.isEmpty())
            verifySnapshot(path);
    });
    dialog->open();
}

void AuditActions::verifySnapshot(const QString &snapshotPath)
{
    const std::shared_ptr<const EventStore> store = m_store.lock();
    if (!store || isVerifying())
        return;
    const QString storePath = store->path();
    const QString title = tr("Verify Snapshot — %1").arg(displayName(snapshotPath));
    std::shared_ptr<EventStore> connection;
    try {
        connection = store->openAnother(EventStore::OpenMode::ReadOnly);
    } catch (const std::exception &e) {
        ensureResultDialog()->showFailure(title, QString::fromUtf8(e.what()));
        m_resultDialog->show();
        return;
    }
    auto answer = std::make_shared<AuditVerification>();
    delete m_task;
    auto *task = new ProgressTask(tr("Verify Snapshot"),
                                  tr("Verifying %1 against %2…").arg(displayName(snapshotPath), displayName(storePath)), m_window, this);
    m_task = task;
    connect(task, &ProgressTask::finished, this, [this, task, answer, snapshotPath, storePath] {
        task->deleteLater();
        updateActions();
        VerifyResultDialog *dialog = ensureResultDialog();
        dialog->showSnapshotResult(snapshotPath, storePath, *answer);
        dialog->show();
        dialog->raise();
        Q_EMIT verificationFinished(answer->ok);
    });
    connect(task, &ProgressTask::failed, this, [this, task, title](const QString &message, bool cancelled) {
        task->deleteLater();
        updateActions();
        if (cancelled)
            return;
        VerifyResultDialog *dialog = ensureResultDialog();
        dialog->showFailure(title, message);
        dialog->show();
        dialog->raise();
        Q_EMIT verificationFinished(false);
    });
    task->start([connection, answer, snapshotPath](const ProgressFn &progress) -> std::optional<QString> {
        QFile file(snapshotPath);
        if (!file.open(QIODevice::ReadOnly))
            throw AuditError(QStringLiteral("could not read %1: %2").arg(QDir::toNativeSeparators(snapshotPath), file.errorString()));
        const AuditSnapshot snapshot = AuditSnapshot::fromText(file.readAll(), QFileInfo(snapshotPath).fileName());
        try {
            *answer = verifyAuditSnapshot(*connection, snapshot, progress);
        } catch (const AuditCancelled &) {
            return std::nullopt;
        }
        return answer->summary();
    });
    updateActions();
}

} // namespace eventlens

#include "progresstask.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <exception>

namespace eventlens {

namespace {
constexpr int ProgressScale = 1000;
constexpr int PollIntervalMs = 100;
constexpr int ShowDelayMs = 250;
} // namespace

ProgressTask::ProgressTask(const QString &title, const QString &label, QWidget *dialogParent, QObject *parent)
    : QObject(parent)
    , m_title(title)
    , m_label(label)
    , m_dialogParent(dialogParent)
{
    m_pollTimer.setInterval(PollIntervalMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &ProgressTask::poll);
    m_showTimer.setSingleShot(true);
    m_showTimer.setInterval(ShowDelayMs);
    connect(&m_showTimer, &QTimer::timeout, this, [this] {
        if (m_dialog && !m_ended)
            m_dialog->open();
    });
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &ProgressTask::onWorkDone);
}

ProgressTask::~ProgressTask()
{
    m_shared->cancel = true;
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
    closeDialog();
}

bool ProgressTask::isRunning() const
{
    return m_started && !m_ended;
}

bool ProgressTask::isCancelRequested() const
{
    return m_shared->cancel.load();
}

void ProgressTask::cancel()
{
    if (!isRunning() || m_shared->cancel.exchange(true))
        return;
    if (m_labelWidget)
        m_labelWidget->setText(tr("Cancelling…"));
    if (m_dialog) {
        if (auto *box = m_dialog->findChild<QDialogButtonBox *>())
            box->setEnabled(false);
    }
}

void ProgressTask::start(Work work)
{
    Q_ASSERT(!m_started);
    m_started = true;

    if (m_dialogParent) {
        auto *dialog = new QDialog(m_dialogParent);
        dialog->setObjectName(QStringLiteral("progressDialog"));
        dialog->setWindowTitle(m_title);
        dialog->setWindowModality(Qt::WindowModal);
        dialog->setMinimumWidth(420);
        auto *layout = new QVBoxLayout(dialog);
        m_labelWidget = new QLabel(m_label, dialog);
        m_labelWidget->setWordWrap(true);
        m_bar = new QProgressBar(dialog);
        m_bar->setRange(0, 0); // busy until the first report
        auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, dialog);
        layout->addWidget(m_labelWidget);
        layout->addWidget(m_bar);
        layout->addWidget(buttons);
        // Cancel, Escape and the close button all reject; rejecting cancels the work but the
        // dialog stays until the work has really stopped.
        connect(buttons, &QDialogButtonBox::rejected, this, &ProgressTask::cancel);
        connect(dialog, &QDialog::rejected, this, [this] {
            cancel();
            if (!m_ended && m_dialog)
                m_dialog->open();
        });
        m_dialog = dialog;
        m_showTimer.start();
    }

    std::shared_ptr<Shared> shared = m_shared;
    const ProgressFn progress = [shared](qint64 done, qint64 total) {
        shared->total.store(total, std::memory_order_relaxed);
        shared->done.store(done, std::memory_order_relaxed);
        return !shared->cancel.load(std::memory_order_relaxed);
    };
    m_watcher.setFuture(QtConcurrent::run([work = std::move(work), progress]() {
        Outcome outcome;
        try {
            outcome.summary = work(progress);
        } catch (const std::exception &e) {
            outcome.threw = true;
            outcome.error = QString::fromUtf8(e.what());
        } catch (...) {
            outcome.threw = true;
            outcome.error = QStringLiteral("unknown error");
        }
        return outcome;
    }));
    m_pollTimer.start();
}

void ProgressTask::poll()
{
    const qint64 done = m_shared->done.load(std::memory_order_relaxed);
    const qint64 total = m_shared->total.load(std::memory_order_relaxed);
    if (done == m_lastDone)
        return;
    m_lastDone = done;
    Q_EMIT progressed(done, total);
    if (!m_bar)
        return;
    if (total > 0) {
        m_bar->setRange(0, ProgressScale);
        m_bar->setValue(int(std::clamp<qint64>(done * ProgressScale / total, 0, ProgressScale)));
        if (!m_shared->cancel)
            m_labelWidget->setText(tr("%1\n%2 of %3").arg(m_label, QLocale().toString(done), QLocale().toString(total)));
    } else if (!m_shared->cancel) {
        m_labelWidget->setText(tr("%1\n%2").arg(m_label, QLocale().toString(done)));
    }
}

void ProgressTask::onWorkDone()
{
    if (m_ended)
        return;
    m_ended = true;
    m_pollTimer.stop();
    m_showTimer.stop();
    poll();
    const Outcome outcome = m_watcher.result();
    closeDialog();

    if (outcome.threw)
        Q_EMIT failed(outcome.error, false);
    else if (!outcome.summary)
        Q_EMIT failed(tr("Cancelled."), true);
    else
        Q_EMIT finished(*outcome.summary);
}

void ProgressTask::closeDialog()
{
    if (m_dialog) {
        QDialog *dialog = m_dialog;
        m_dialog = nullptr;
        m_labelWidget = nullptr;
        m_bar = nullptr;
        dialog->disconnect(this);
        dialog->hide();
        dialog->deleteLater();
    }
}

} // namespace eventlens

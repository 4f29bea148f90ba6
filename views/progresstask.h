#pragma once

#include "eventstore.h" // ProgressFn

#include <QDialog>
#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QLabel;
class QProgressBar;
class QWidget;

namespace eventlens {

// One piece of long work run on the thread pool, with a window-modal progress dialog and a
// Cancel button (DESIGN.md §5). The work gets a ProgressFn to call with (done, total); it
// returns false once cancel was asked for, and the work then stops and returns nullopt.
// Progress is read from atomics by a GUI timer (rate-limited, fixed 0..1000 scale); nothing
// in the work touches a widget. The task ends in exactly one finished() or failed() signal.
class ProgressTask final : public QObject
{
    Q_OBJECT

public:
    // Returns a one-line summary, or nullopt when cancelled; throws std::exception on failure.
    using Work = std::function<std::optional<QString>(const ProgressFn &progress)>;

    // dialogParent: the window the dialog is modal to (null: no dialog, e.g. a headless run).
    ProgressTask(const QString &title, const QString &label, QWidget *dialogParent, QObject *parent = nullptr);
    // Asks the work to cancel and waits for it to return.
    ~ProgressTask() override;

    void start(Work work);
    void cancel();
    bool isRunning() const;
    bool isCancelRequested() const;

    // The dialog, once created (for tests).
    QDialog *dialog() const { return m_dialog; }

Q_SIGNALS:
    void progressed(qint64 done, qint64 total);
    void finished(const QString &summary);
    // cancelled: the user cancelled (message says so); else the work failed with message.
    void failed(const QString &message, bool cancelled);

private:
    struct Outcome
    {
        std::optional<QString> summary;
        QString error;
        bool threw = false;
    };
    struct Shared
    {
        std::atomic<qint64> done{0};
        std::atomic<qint64> total{0};
        std::atomic_bool cancel{false};
    };

    void poll();
    void onWorkDone();
    void closeDialog();

    QString m_title;
    QString m_label;
    QPointer<QWidget> m_dialogParent;
    QPointer<QDialog> m_dialog;
    QLabel *m_labelWidget = nullptr;
    QProgressBar *m_bar = nullptr;
    std::shared_ptr<Shared> m_shared = std::make_shared<Shared>();
    QFutureWatcher<Outcome> m_watcher;
    QTimer m_pollTimer;
    QTimer m_showTimer;
    qint64 m_lastDone = -1;
    bool m_started = false;
    bool m_ended = false;
};

} // namespace eventlens

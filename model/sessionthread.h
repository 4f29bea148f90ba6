#pragma once

#include <QMetaObject>
#include <QObject>
#include <QString>
#include <QThread>

#include <functional>
#include <utility>

namespace eventlens {

// The worker thread of a session (ProjectionSession, CommandSession): started on the first
// request; requests are queued to a context object that lives on it, in order. finish() destroys
// the session's worker on that thread after the requests still queued, then stops the thread.
class SessionThread final
{
public:
    SessionThread(QObject *owner, QString name) : m_owner(owner), m_name(std::move(name)) {}
    SessionThread(const SessionThread &) = delete;
    SessionThread &operator=(const SessionThread &) = delete;
    ~SessionThread() { delete m_context; }

    bool isStarted() const { return m_thread != nullptr; }

    // Runs work on the thread, after the requests queued before it.
    void post(std::function<void()> work)
    {
        if (!m_thread) {
            m_thread = new QThread(m_owner);
            m_thread->setObjectName(m_name);
            m_context = new QObject;
            m_context->moveToThread(m_thread);
            m_thread->start();
        }
        QMetaObject::invokeMethod(m_context, std::move(work), Qt::QueuedConnection);
    }

    // Deletes worker on the thread once the queued requests ran (at once when the thread never
    // started), and waits for the thread to end.
    template <typename Worker>
    void finish(Worker *worker)
    {
        if (!m_thread) {
            delete worker;
            return;
        }
        post([worker] {
            delete worker;
            QThread::currentThread()->quit();
        });
        m_thread->wait();
    }

private:
    QObject *m_owner;
    QString m_name;
    QThread *m_thread = nullptr;
    QObject *m_context = nullptr; // lives on m_thread: requests are queued to it
};

} // namespace eventlens

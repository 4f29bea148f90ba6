#pragma once

#include <QString>
#include <QtGlobal>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

namespace eventlens {

struct StoreShared;

// A running catch-up subscription (see EventStore::subscribe). Stops and joins on destruction.
class Subscription
{
public:
    ~Subscription();
    Subscription(const Subscription &) = delete;
    Subscription &operator=(const Subscription &) = delete;

    // Stops delivery and waits for the delivering thread; no callback runs after it returns.
    // Must not be called from inside a callback.
    void stop();
    bool isLive() const { return m_live.load(); }
    // Position of the last event delivered (or of the head it has caught up to).
    qint64 lastPosition() const { return m_lastPosition.load(); }
    // An error that ended the subscription early (empty while running fine).
    QString error() const;

private:
    friend class EventStore;
    Subscription() = default;
    void setError(const QString &message);

    std::atomic_bool m_stop{false};
    std::atomic_bool m_live{false};
    std::atomic<qint64> m_lastPosition{0};
    mutable std::mutex m_errorMutex;
    QString m_error;
    std::shared_ptr<StoreShared> m_shared;
    std::thread m_thread;
};

} // namespace eventlens

#pragma once

#include <QtGlobal>

#include <atomic>
#include <thread>

namespace eventlens {

// A running catch-up subscription (see EventStore::subscribe). Stops and joins on destruction.
class Subscription
{
public:
    ~Subscription();
    Subscription(const Subscription &) = delete;
    Subscription &operator=(const Subscription &) = delete;

    void stop();
    bool isLive() const { return m_live.load(); }
    qint64 lastPosition() const { return m_lastPosition.load(); }
    // An error that ended the subscription early (empty while running fine).
    QString error() const;

private:
    friend class EventStore;
    Subscription() = default;
    std::atomic_bool m_stop{false};
    std::atomic_bool m_live{false};
    std::atomic<qint64> m_lastPosition{0};
    QString m_error;
    mutable std::mutex m_errorMutex;
    std::thread m_thread;
    std::shared_ptr<struct StoreShared> m_shared;
};

} // namespace eventlens

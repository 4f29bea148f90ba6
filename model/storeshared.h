#pragma once

#include <QtGlobal>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace eventlens {

// State shared by the connections of one store opened in this process (EventStore::openAnother):
// a writer lock that queues in-process writers, and a wake-up for live subscriptions.
struct StoreShared
{
    std::mutex writeMutex;

    std::mutex signalMutex;
    std::condition_variable signal;
    quint64 commits = 0;

    void notifyCommit()
    {
        {
            std::lock_guard lock(signalMutex);
            ++commits;
        }
        signal.notify_all();
    }
    quint64 commitCount()
    {
        std::lock_guard lock(signalMutex);
        return commits;
    }
    // Waits until a commit after `seen`, a wake-up, or the timeout.
    void waitForCommit(quint64 seen, std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(signalMutex);
        signal.wait_for(lock, timeout, [&] { return commits != seen; });
    }
    void wakeAll()
    {
        {
            std::lock_guard lock(signalMutex);
            ++commits;
        }
        signal.notify_all();
    }
};

} // namespace eventlens

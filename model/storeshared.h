#pragma once

#include <QtGlobal>

#include "eventstore.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>

namespace eventlens {

// One EventStore::append() waiting for a group commit.
struct AppendRequest
{
    const QString &stream;
    ExpectedVersion expected;
    const std::vector<NewEvent> &events;
    AppendResult result;
    std::exception_ptr error;
    bool taken = false; // a leader took it into its group
    bool done = false;  // its group committed and synced (or failed)
};

// State shared by the connections of one store opened in this process (EventStore::openAnother):
// a writer lock that queues in-process writers, the group-commit queue, and a wake-up for live
// subscriptions.
struct StoreShared
{
    std::mutex writeMutex;

    // Group commit: appends queue here; one of the waiting threads (the leader) takes the write
    // lock, runs every queued append in one transaction and commits once for all of them.
    std::mutex queueMutex;
    std::condition_variable groupDone;
    std::deque<AppendRequest *> queue;
    bool leaderActive = false;

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

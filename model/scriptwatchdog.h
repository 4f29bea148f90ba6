#pragma once

#include <QtGlobal>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#if defined(Q_OS_UNIX)
#include <pthread.h>
#include <time.h>
#endif

class QJSEngine;

namespace eventlens {

// Interrupts a QJSEngine evaluation that has used more than a budget of the evaluating thread's
// CPU time (wall time where the platform has no per-thread CPU clock). The evaluating thread
// marks each evaluation with a sequence number (odd while it runs); a thread of its own samples
// that number a few times per budget and interrupts the engine when one evaluation has been
// running for longer than the budget. Costs two relaxed stores per evaluation and nothing while
// idle but a few wake-ups per second.
//
// Create it on the evaluating thread (its CPU clock is the one watched), after the engine, and
// destroy it before the engine.
class ScriptWatchdog final
{
public:
    ScriptWatchdog(QJSEngine *engine, int budgetMs);
    ~ScriptWatchdog();
    ScriptWatchdog(const ScriptWatchdog &) = delete;
    ScriptWatchdog &operator=(const ScriptWatchdog &) = delete;

    // Called by the evaluating thread around each evaluation.
    quint64 begin()
    {
        const quint64 seq = m_seq.load(std::memory_order_relaxed) + 1;
        m_seq.store(seq, std::memory_order_release);
        return seq;
    }
    void end() { m_seq.store(m_seq.load(std::memory_order_relaxed) + 1, std::memory_order_release); }
    // Inside a long evaluation that runs many calls of its own (a batch of events): starts
    // timing anew, as if a new evaluation began; returns its sequence number.
    quint64 restart()
    {
        const quint64 seq = m_seq.load(std::memory_order_relaxed) + 2;
        m_seq.store(seq, std::memory_order_release);
        return seq;
    }
    quint64 current() const { return m_seq.load(std::memory_order_relaxed); }
    // True when the watchdog interrupted evaluation `seq` (and not an earlier one that ended
    // just before the interrupt landed).
    bool interrupted(quint64 seq) const { return m_interruptedSeq.load(std::memory_order_acquire) == seq; }

    int budgetMs() const { return m_budgetMs; }

private:
    qint64 evaluatorTimeNs() const;
    void run();

    QJSEngine *m_engine;
    const int m_budgetMs;
    const qint64 m_budgetNs;
    const std::chrono::milliseconds m_tick;
#if defined(Q_OS_UNIX) && defined(_POSIX_THREAD_CPUTIME) && _POSIX_THREAD_CPUTIME >= 0
    clockid_t m_clock{};
#endif
    bool m_hasThreadClock = false;
    std::atomic<quint64> m_seq{0};
    std::atomic<quint64> m_interruptedSeq{0};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace eventlens

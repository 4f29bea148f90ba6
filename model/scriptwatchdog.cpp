#include "scriptwatchdog.h"

#include <QJSEngine>

#include <algorithm>

namespace eventlens {

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

} // namespace

ScriptWatchdog::ScriptWatchdog(QJSEngine *engine, int budgetMs)
    : m_engine(engine)
    , m_budgetMs(std::max(1, budgetMs))
    , m_budgetNs(qint64(m_budgetMs) * 1000000)
    , m_tick(std::chrono::milliseconds(std::clamp(m_budgetMs / 5, 1, 50)))
{
#if defined(Q_OS_UNIX) && defined(_POSIX_THREAD_CPUTIME) && _POSIX_THREAD_CPUTIME >= 0
    clockid_t clock;
    if (pthread_getcpuclockid(pthread_self(), &clock) == 0) {
        m_clock = clock;
        m_hasThreadClock = true;
    }
#endif
    m_thread = std::thread([this] { run(); });
}

ScriptWatchdog::~ScriptWatchdog()
{
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

qint64 ScriptWatchdog::evaluatorTimeNs() const
{
#if defined(Q_OS_UNIX) && defined(_POSIX_THREAD_CPUTIME) && _POSIX_THREAD_CPUTIME >= 0
    timespec ts;
    if (m_hasThreadClock && clock_gettime(m_clock, &ts) == 0)
        return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
#endif
    return nowNs();
}

void ScriptWatchdog::run()
{
    quint64 watched = 0; // the running evaluation being timed (0: none)
    qint64 startNs = 0;  // the evaluator's clock when it was first seen running
    std::unique_lock<std::mutex> lock(m_mutex);
    while (!m_stop) {
        m_wake.wait_for(lock, m_tick);
        if (m_stop)
            break;
        const quint64 seq = m_seq.load(std::memory_order_acquire);
        if ((seq & 1) == 0) {
            watched = 0;
            continue;
        }
        const qint64 now = evaluatorTimeNs();
        if (seq != watched) {
            watched = seq;
            startNs = now;
        } else if (now - startNs >= m_budgetNs) {
            m_interruptedSeq.store(seq, std::memory_order_release);
            m_engine->setInterrupted(true);
            watched = 0;
        }
    }
}

} // namespace eventlens

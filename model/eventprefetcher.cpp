#include "eventprefetcher.h"

#include "eventstore.h"
#include "storeerror.h"

namespace eventlens {

EventPrefetcher::EventPrefetcher(const EventStore &store, EventQuery query, qsizetype batchSize, int depth)
    : m_batchSize(std::max<qsizetype>(1, batchSize))
    , m_depth(size_t(std::max(1, depth)))
{
    std::unique_ptr<EventStore> connection = store.openAnother(EventStore::OpenMode::ReadOnly);
    m_thread = std::thread([this, c = std::move(connection), query]() mutable { run(std::move(c), query); });
}

EventPrefetcher::~EventPrefetcher()
{
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

std::vector<Event> EventPrefetcher::next()
{
    std::unique_lock<std::mutex> lock(m_mutex);
    m_changed.wait(lock, [this] { return !m_ready.empty() || m_done; });
    if (m_ready.empty()) {
        if (m_error)
            throw StoreError(QString::fromStdString(*m_error));
        return {};
    }
    std::vector<Event> batch = std::move(m_ready.front());
    m_ready.pop_front();
    lock.unlock();
    m_changed.notify_all();
    return batch;
}

void EventPrefetcher::recycle(std::vector<Event> &&batch)
{
    if (batch.capacity() == 0)
        return;
    const std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_done)
        m_spent.push_back(std::move(batch));
}

void EventPrefetcher::run(std::unique_ptr<EventStore> connection, EventQuery query)
{
    try {
        std::vector<Event> batch;
        batch.reserve(size_t(m_batchSize));
        bool stopped = false;
        // Hands a full batch over, waiting while the queue is full; false when stopped.
        const auto handOver = [this, &batch]() {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_changed.wait(lock, [this] { return m_ready.size() < m_depth || m_stop; });
            if (m_stop)
                return false;
            m_ready.push_back(std::move(batch));
            std::vector<std::vector<Event>> spent;
            spent.swap(m_spent);
            lock.unlock();
            m_changed.notify_all();
            batch = std::vector<Event>();
            for (std::vector<Event> &old : spent) {
                old.clear();
                if (batch.capacity() == 0)
                    batch.swap(old);
            }
            batch.reserve(size_t(m_batchSize));
            return true;
        };
        connection->forEachTaken(query, [&](Event &&event) {
            batch.push_back(std::move(event));
            if (qsizetype(batch.size()) < m_batchSize)
                return true;
            stopped = !handOver();
            return !stopped;
        });
        if (!stopped && !batch.empty())
            handOver();
    } catch (const std::exception &e) {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_error = e.what();
    }
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_done = true;
    }
    m_changed.notify_all();
}

} // namespace eventlens

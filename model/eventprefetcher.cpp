#include "eventprefetcher.h"

#include "eventstore.h"
#include "storeerror.h"

#include <QHash>

namespace eventlens {

EventPrefetcher::EventPrefetcher(const EventStore &store, EventQuery query, qsizetype batchSize, int depth, int outputs)
    : m_batchSize(std::max<qsizetype>(1, batchSize))
    , m_depth(size_t(std::max(1, depth)))
    , m_outputs(size_t(std::max(1, outputs)))
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

int EventPrefetcher::outputOf(const QString &stream) const
{
    return m_outputs.size() == 1 ? 0 : int(qHash(stream, size_t(0)) % m_outputs.size());
}

std::vector<Event> EventPrefetcher::next(int output)
{
    Output &out = m_outputs.at(size_t(output));
    std::unique_lock<std::mutex> lock(m_mutex);
    m_changed.wait(lock, [this, &out] { return !out.ready.empty() || out.closed || m_done; });
    if (out.ready.empty()) {
        if (m_error)
            throw StoreError(QString::fromStdString(*m_error));
        return {};
    }
    std::vector<Event> batch = std::move(out.ready.front());
    out.ready.pop_front();
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

void EventPrefetcher::close(int output)
{
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        Output &out = m_outputs.at(size_t(output));
        out.closed = true;
        out.ready.clear();
    }
    m_changed.notify_all();
}

void EventPrefetcher::run(std::unique_ptr<EventStore> connection, EventQuery query)
{
    try {
        std::vector<std::vector<Event>> batches(m_outputs.size());
        std::vector<std::vector<Event>> reusable;
        const auto fresh = [this, &reusable]() {
            std::vector<Event> batch;
            if (!reusable.empty()) {
                batch = std::move(reusable.back());
                reusable.pop_back();
            }
            batch.reserve(size_t(m_batchSize));
            return batch;
        };
        for (std::vector<Event> &batch : batches)
            batch = fresh();
        bool stopped = false;
        // Hands an output's batch over, waiting while its queue is full; false when stopped.
        const auto handOver = [this, &batches, &reusable, &fresh](size_t output) {
            std::unique_lock<std::mutex> lock(m_mutex);
            Output &out = m_outputs[output];
            m_changed.wait(lock, [this, &out] { return out.ready.size() < m_depth || out.closed || m_stop; });
            if (m_stop)
                return false;
            if (!out.closed)
                out.ready.push_back(std::move(batches[output]));
            std::vector<std::vector<Event>> spent;
            spent.swap(m_spent);
            lock.unlock();
            m_changed.notify_all();
            // The events of batches given back are freed here, on the thread that made them.
            for (std::vector<Event> &old : spent) {
                old.clear();
                reusable.push_back(std::move(old));
            }
            batches[output].clear();
            if (batches[output].capacity() == 0)
                batches[output] = fresh();
            return true;
        };
        connection->forEachTaken(query, [&](Event &&event) {
            const size_t output = size_t(outputOf(event.stream));
            std::vector<Event> &batch = batches[output];
            batch.push_back(std::move(event));
            if (qsizetype(batch.size()) < m_batchSize)
                return true;
            stopped = !handOver(output);
            return !stopped;
        });
        for (size_t output = 0; output < batches.size() && !stopped; ++output) {
            if (!batches[output].empty())
                stopped = !handOver(output);
        }
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
